// heapreplay replay: traces of any format through the allocators named.
#include "harness/cli/cli.h"
#include "harness/process/interrupt.h"
#include "traces/readers/trace_format.h"

namespace heapreplay::cli {

int cmd_replay(const std::vector<std::string>& args, const std::string& command_line) {
  RunFlags flags;
  std::vector<std::string> traces;
  std::string format;
  po::options_description d = run_options(flags);
  add_validate_option(d, flags);
  const std::string format_help = "force the trace format (" + format_names() + ")";
  d.add_options()("format", po::value(&format), format_help.c_str())("trace", po::value(&traces)->composing(),
                                                                     "trace file (also positional; repeatable)");
  po::positional_options_description pos;
  pos.add("trace", -1);
  po::variables_map vm;
  if (!parse("replay", args, d, pos, vm, "-a ALLOCATOR [-a ...] [OPTIONS] TRACE...")) return kExitOk;
  if (traces.empty()) throw UsageError("no trace given");
  if (flags.allocators.empty()) throw UsageError("no allocator given (use -a NAME, or -a all)");
  SessionOptions opt = session_options(flags, command_line);

  // From here on SIGINT/SIGTERM stop the session, not heapreplay: preparing
  // stops at the next trace, the run in progress is killed, and what
  // completed is shown and written (run_and_report).
  InterruptWatch watch;
  TraceWorkspace workspace;
  std::vector<PreparedTrace> prepared;
  for (const std::string& t : traces) {
    if (interrupt_signal() != 0) break;
    prepared.push_back(workspace.prepare(t, format));
  }
  return run_and_report(prepared, opt, flags.output);
}

}  // namespace heapreplay::cli
