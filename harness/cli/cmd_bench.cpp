// heapreplay bench: the built-in workloads (plus any --trace) through every
// available allocator, or the ones named.
#include <iostream>

#include "harness/cli/cli.h"
#include "traces/generators/builtin_workloads.h"

namespace heapreplay::cli {

int cmd_bench(const std::vector<std::string>& args, const std::string& command_line) {
  std::vector<std::string> allocators, traces;
  int repetitions = 1;
  std::string touch, output, format;
  double timeout_s = 600;
  po::options_description d = run_options(allocators, repetitions, touch, output, timeout_s);
  d.add_options()("trace", po::value(&traces)->composing(), "add a trace of any format (repeatable)")(
      "format", po::value(&format), "force the format of --trace files")(
      "no-builtin", "leave out the built-in workloads");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("bench", args, d, pos, vm, "[-a ALLOCATOR ...] [--trace TRACE ...] [OPTIONS]")) return kExitOk;
  if (timeout_s <= 0) throw UsageError("--timeout must be positive");

  SessionOptions opt;
  opt.allocators = resolve_allocators(allocators.empty() ? std::vector<std::string>{"all"} : allocators);
  opt.repetitions = repetitions;
  opt.touch = touch;
  opt.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
  opt.command_line = command_line;

  TraceWorkspace workspace;
  std::vector<PreparedTrace> prepared;
  if (!vm.count("no-builtin"))
    for (const Workload& w : builtin_workloads()) prepared.push_back(workspace.add(w.trace, "builtin:" + w.name));
  for (const std::string& t : traces) prepared.push_back(workspace.prepare(t, format));
  if (prepared.empty()) throw UsageError("nothing to run (--no-builtin and no --trace)");
  return run_and_report(prepared, opt, output);
}

}  // namespace heapreplay::cli
