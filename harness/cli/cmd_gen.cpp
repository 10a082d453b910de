// heapreplay gen: make a trace from a generator (traces/generators/), or a
// look-alike of a given trace (gen fit), as an .hrt file.
#include <charconv>
#include <iostream>
#include <nlohmann/json.hpp>

#include "harness/cli/cli.h"
#include "reports/table.h"
#include "traces/generators/fit.h"
#include "traces/generators/generator.h"
#include "traces/hrt_format.h"
#include "traces/trace_builder.h"
#include "traces/trace_source.h"

namespace heapreplay::cli {

namespace {

const char* kGenUsage =
    "KIND [--param KEY=VALUE ...] [--seed S] -o OUT.hrt\n"
    "       heapreplay gen fit TRACE [--seed S] [--segments N] [--draw shuffle|bootstrap] [--json] -o OUT.hrt\n"
    "       heapreplay gen list [KIND]\n"
    "\n"
    "kinds: synthetic, larson, xmalloc, churn, large, realloc-buffer, fragmentation (and fit);\n"
    "'heapreplay gen list KIND' shows a kind's parameters with their defaults.\n"
    "The same kind, parameters and seed give the same file, byte for byte, on any machine.";

std::uint64_t parse_seed(const std::string& text) {
  std::uint64_t v = 0;
  int base = 10;
  std::string_view t = text;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    base = 16;
    t.remove_prefix(2);
  }
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v, base);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size())
    throw UsageError("--seed needs an unsigned 64-bit number, not '" + text + "'");
  return v;
}

std::string describe(const Trace& t) {
  TraceSummary s = summarize(t.view());
  return std::to_string(t.events.size()) + " events, " + std::to_string(t.thread_count) + " thread(s), peak live " +
         human_bytes(static_cast<double>(s.peak_live_bytes));
}

void print_kind(const GeneratorKind& k, bool details) {
  std::cout << k.name << ": " << k.summary << '\n';
  if (details) std::cout << "  stresses: " << k.stresses << "\n  origin:   " << k.origin << '\n';
  std::cout << "  parameters" << (k.phased ? " (pN.KEY=VALUE sets KEY for phase N only)" : "") << ":\n";
  for (const ParamSpec& p : k.params) {
    std::string def = p.default_value.empty() ? "-" : std::string(p.default_value);
    std::string line = "    " + std::string(p.name);
    line.resize(std::max<std::size_t>(line.size() + 1, 20), ' ');
    line += def;
    line.resize(std::max<std::size_t>(line.size() + 1, 32), ' ');
    line += "[" + std::string(p.unit) + "] ";
    line.resize(std::max<std::size_t>(line.size(), 44), ' ');
    std::cout << line << p.meaning << '\n';
  }
}

}  // namespace

int cmd_gen(const std::vector<std::string>& args) {
  std::string kind, input, output, seed_text = "1", format, draw = "shuffle";
  std::vector<std::string> params;
  std::uint32_t segments = 1000;
  po::options_description d("Options");
  d.add_options()("kind", po::value(&kind), "the generator, 'fit' or 'list'")(
      "input", po::value(&input), "fit: the trace to look like; list: a kind")(
      "param,p", po::value(&params)->composing(), "KEY=VALUE: a parameter of the kind (repeatable)")(
      "seed", po::value(&seed_text)->default_value("1"), "the seed (unsigned 64-bit, decimal or 0x hex)")(
      "output,o", po::value(&output), "the .hrt file to write")("segments", po::value(&segments)->default_value(1000),
                                                                "fit: spans the source is cut into")(
      "draw", po::value(&draw)->default_value("shuffle"),
      "fit: how each span's objects are drawn: shuffle (each once, new order) or bootstrap (with replacement)")(
      "format", po::value(&format), "fit: force the source's format (hrt, rep, mtrace, raw, wee, text)")(
      "json", "fit: print the distance as one JSON object");
  po::positional_options_description pos;
  pos.add("kind", 1).add("input", 1);
  po::variables_map vm;
  if (!parse("gen", args, d, pos, vm, kGenUsage)) return kExitOk;
  if (kind.empty()) throw UsageError("no generator kind given");

  if (kind == "list") {
    if (input == "fit") {
      std::cout << "fit: a synthetic trace whose size and lifetime histograms, live-bytes curve and thread mix match\n"
                   "  a given trace's: heapreplay gen fit TRACE [--seed S] [--segments N] -o OUT.hrt\n"
                   "  (model and distance: traces/generators/README.md)\n";
      return kExitOk;
    }
    if (!input.empty()) {
      const GeneratorKind* k = find_generator(input);
      if (!k) generate_trace(input, {}, 0);  // throws the unknown-kind message
      print_kind(*k, true);
      return kExitOk;
    }
    for (const GeneratorKind* k : generator_kinds()) print_kind(*k, false);
    std::cout << "fit: a look-alike of a given trace: heapreplay gen fit TRACE -o OUT.hrt\n";
    return kExitOk;
  }
  std::uint64_t seed = parse_seed(seed_text);
  if (output.empty()) throw UsageError("no output file (-o OUT.hrt)");

  if (kind == "fit") {
    if (input.empty()) throw UsageError("gen fit needs the trace to fit: heapreplay gen fit TRACE -o OUT.hrt");
    if (!params.empty()) throw UsageError("gen fit takes no --param");
    if (segments < 1) throw UsageError("--segments must be at least 1");
    if (draw != "shuffle" && draw != "bootstrap") throw UsageError("--draw must be shuffle or bootstrap");
    Trace source = load_trace(input, format);
    FitResult fit = fit_trace(
        source,
        FitOptions{seed, segments, draw == "shuffle" ? FitOptions::Draw::kShuffle : FitOptions::Draw::kBootstrap});
    if (int rc = write_trace(fit.trace, output)) return rc;
    std::cerr << "heapreplay: fitted " << input << " (" << source.format << ", " << describe(source) << ") -> "
              << output << " (" << describe(fit.trace) << "; seed " << seed << ", " << fit.segments << " segments)\n";
    if (vm.count("json")) {
      nlohmann::json j = {{"source", input},
                          {"output", output},
                          {"source_events", source.events.size()},
                          {"events", fit.trace.events.size()},
                          {"seed", seed},
                          {"segments", fit.segments},
                          {"distance", distance_to_json(fit.distance)}};
      std::cout << j.dump(2) << '\n';
    } else {
      std::cout << "distance of the fitted trace from the source (0 = identical):\n" << distance_to_text(fit.distance);
    }
    return kExitOk;
  }
  if (!input.empty()) throw UsageError("unexpected argument '" + input + "' (parameters go with --param KEY=VALUE)");
  if (vm.count("json")) throw UsageError("--json is for gen fit");
  Trace t = generate_trace(kind, params, seed);
  if (int rc = write_trace(t, output)) return rc;
  std::cerr << "heapreplay: " << kind << " (seed " << seed << "): " << describe(t) << " -> " << output << '\n';
  return kExitOk;
}

}  // namespace heapreplay::cli
