// heapreplay replay: traces of any format through the allocators named.
#include "harness/cli/cli.h"

namespace heapreplay::cli {

int cmd_replay(const std::vector<std::string>& args, const std::string& command_line) {
  std::vector<std::string> allocators, traces;
  int repetitions = 1;
  std::string touch, output, format;
  double timeout_s = 600;
  po::options_description d = run_options(allocators, repetitions, touch, output, timeout_s);
  add_validate_option(d);
  d.add_options()("format", po::value(&format), "force the trace format (hrt, rep, mtrace, raw, wee, text)")(
      "trace", po::value(&traces)->composing(), "trace file (also positional; repeatable)");
  po::positional_options_description pos;
  pos.add("trace", -1);
  po::variables_map vm;
  if (!parse("replay", args, d, pos, vm, "-a ALLOCATOR [-a ...] [OPTIONS] TRACE...")) return kExitOk;
  if (traces.empty()) throw UsageError("no trace given");
  if (allocators.empty()) throw UsageError("no allocator given (use -a NAME, or -a all)");
  if (timeout_s <= 0) throw UsageError("--timeout must be positive");

  SessionOptions opt;
  opt.allocators = resolve_allocators(allocators);
  opt.repetitions = repetitions;
  opt.touch = touch;
  opt.validate = vm.count("validate") > 0;
  opt.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
  opt.command_line = command_line;

  TraceWorkspace workspace;
  std::vector<PreparedTrace> prepared;
  for (const std::string& t : traces) prepared.push_back(workspace.prepare(t, format));
  return run_and_report(prepared, opt, output);
}

}  // namespace heapreplay::cli
