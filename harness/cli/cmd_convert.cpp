// heapreplay convert: any supported trace to our binary .hrt format.
#include <iostream>

#include "harness/cli/cli.h"
#include "traces/hrt_format.h"
#include "traces/readers/trace_format.h"
#include "traces/trace_source.h"

namespace heapreplay::cli {

int cmd_convert(const std::vector<std::string>& args) {
  std::string in, out, format, encoding = "compact";
  po::options_description d("Options");
  d.add_options()("input", po::value(&in), "the trace to read")("output", po::value(&out), "the .hrt file to write")(
      "format", po::value(&format), (std::string("force the input format (") + format_names() + ")").c_str())(
      "encoding", po::value(&encoding)->default_value("compact"),
      "compact: .hrt version 2, chunked and compressed (the default); plain: version 1, 16 bytes per event, "
      "mapped in place");
  po::positional_options_description pos;
  pos.add("input", 1).add("output", 1);
  po::variables_map vm;
  if (!parse("convert", args, d, pos, vm, "IN OUT.hrt [--format FORMAT] [--encoding compact|plain]")) return kExitOk;
  if (in.empty() || out.empty()) throw UsageError("need an input trace and an output file");
  if (encoding != "compact" && encoding != "plain") throw UsageError("--encoding must be compact or plain");
  Trace t = load_trace(in, format);
  try {
    write_hrt(t, out, encoding == "plain" ? HrtEncoding::kPlain : HrtEncoding::kCompact);
  } catch (const std::runtime_error& e) {
    std::cerr << "heapreplay: " << e.what() << " (" << out << " not written)\n";
    return kExitOutputFailed;
  }
  std::cerr << "heapreplay: " << in << " (" << t.format << "): " << t.events.size() << " events, " << t.object_count
            << " object slots, " << t.thread_count << " thread(s) -> " << out << '\n';
  return kExitOk;
}

}  // namespace heapreplay::cli
