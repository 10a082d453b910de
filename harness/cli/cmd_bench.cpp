// heapreplay bench: the built-in workloads (plus any --trace) through every
// available allocator, or the ones named.
#include "harness/cli/cli.h"
#include "traces/generators/builtin_workloads.h"

namespace heapreplay::cli {

int cmd_bench(const std::vector<std::string>& args, const std::string& command_line) {
  RunFlags flags;
  std::vector<std::string> traces;
  std::string format;
  po::options_description d = run_options(flags);
  d.add_options()("trace", po::value(&traces)->composing(), "add a trace of any format (repeatable)")(
      "format", po::value(&format), "force the format of --trace files")(
      "no-builtin", "leave out the built-in workloads");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("bench", args, d, pos, vm, "[-a ALLOCATOR ...] [--trace TRACE ...] [OPTIONS]")) return kExitOk;
  if (flags.allocators.empty()) flags.allocators = {"all"};
  SessionOptions opt = session_options(flags, command_line);

  TraceWorkspace workspace;
  std::vector<PreparedTrace> prepared;
  if (!vm.count("no-builtin"))
    for (const Workload& w : builtin_workloads()) prepared.push_back(workspace.add(w.trace, "builtin:" + w.name));
  for (const std::string& t : traces) prepared.push_back(workspace.prepare(t, format));
  if (prepared.empty()) throw UsageError("nothing to run (--no-builtin and no --trace)");
  return run_and_report(prepared, opt, flags.output);
}

}  // namespace heapreplay::cli
