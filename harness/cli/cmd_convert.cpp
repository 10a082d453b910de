// heapreplay convert: any supported trace to our binary .hrt format, or, with
// --to, to another tool's format (traces/writers/trace_export.h): what the
// target cannot hold is named, and the conversion refused unless --lossy.
#include <iostream>

#include "harness/cli/cli.h"
#include "reports/output_file.h"
#include "traces/hrt_format.h"
#include "traces/readers/trace_format.h"
#include "traces/trace_source.h"
#include "traces/writers/trace_export.h"

namespace heapreplay::cli {

namespace {

struct ConvertFlags {
  std::string in, out, format, encoding = "compact", to = "hrt";
  bool lossy = false;
};

const char* kConvertUsage = "IN OUT [--to hrt|" /* the rest from the table */;

std::string to_help() {
  std::string s = "the output's format: hrt (the default: our binary .hrt)";
  for (const TraceExport& e : trace_exports()) s += "; " + std::string(e.name) + ": " + e.summary;
  return s;
}

// Writes `t` in the export's format; what it loses is refused (exit 2)
// unless --lossy, which says what was dropped.
int convert_to(const TraceExport& x, const Trace& t, const ConvertFlags& f) {
  const std::vector<ExportLoss> losses = x.losses(t.view());
  if (!losses.empty() && !f.lossy) {
    std::cerr << "heapreplay convert: " << f.in << " as " << x.name << " would lose " << describe_losses(losses)
              << "; nothing written (--lossy writes it anyway)\n";
    return kExitBadInput;
  }
  std::string text;
  x.write(t.view(), text);
  try {
    write_file_atomically(f.out, text);
  } catch (const std::runtime_error& e) {
    std::cerr << "heapreplay: " << e.what() << " (" << f.out << " not written)\n";
    return kExitOutputFailed;
  }
  if (!losses.empty()) std::cerr << "heapreplay convert: --lossy: dropped " << describe_losses(losses) << '\n';
  std::cerr << "heapreplay: " << f.in << " (" << t.format << "): " << t.events.size() << " events, " << t.object_count
            << " object slots, " << t.thread_count << " thread(s) -> " << f.out << " (" << x.name << ")\n";
  return kExitOk;
}

}  // namespace

int cmd_convert(const std::vector<std::string>& args) {
  ConvertFlags f;
  po::options_description d("Options");
  d.add_options()("input", po::value(&f.in), "the trace to read")("output", po::value(&f.out), "the file to write")(
      "format", po::value(&f.format), (std::string("force the input format (") + format_names() + ")").c_str())(
      "to", po::value(&f.to)->default_value("hrt"), to_help().c_str())(
      "encoding", po::value(&f.encoding)->default_value("compact"),
      "--to hrt: compact: .hrt version 2, chunked and compressed (the default); plain: version 1, 16 bytes per "
      "event, mapped in place")("lossy", po::bool_switch(&f.lossy),
                                "write a format that cannot hold all of the trace, saying what was dropped");
  po::positional_options_description pos;
  pos.add("input", 1).add("output", 1);
  po::variables_map vm;
  const std::string usage = std::string(kConvertUsage) + trace_export_names() + "] [--lossy] [--format FORMAT] " +
                            "[--encoding compact|plain]";
  if (!parse("convert", args, d, pos, vm, usage)) return kExitOk;
  if (f.in.empty() || f.out.empty()) throw UsageError("need an input trace and an output file");
  const TraceExport* x = f.to == "hrt" ? nullptr : find_trace_export(f.to);
  if (f.to != "hrt" && !x)
    throw UsageError("--to must be hrt or one of " + trace_export_names() + ", not '" + f.to + "'");
  if (f.encoding != "compact" && f.encoding != "plain") throw UsageError("--encoding must be compact or plain");
  if (x && !vm["encoding"].defaulted()) throw UsageError("--encoding goes with --to hrt");
  Trace t = load_trace(f.in, f.format);
  if (x) return convert_to(*x, t, f);
  try {
    write_hrt(t, f.out, f.encoding == "plain" ? HrtEncoding::kPlain : HrtEncoding::kCompact);
  } catch (const std::runtime_error& e) {
    std::cerr << "heapreplay: " << e.what() << " (" << f.out << " not written)\n";
    return kExitOutputFailed;
  }
  std::cerr << "heapreplay: " << f.in << " (" << t.format << "): " << t.events.size() << " events, " << t.object_count
            << " object slots, " << t.thread_count << " thread(s) -> " << f.out << '\n';
  return kExitOk;
}

}  // namespace heapreplay::cli
