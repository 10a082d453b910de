// heapreplay: the command-line entry point. Picks the subcommand and turns
// every error a user can cause into one line and a documented exit status.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "allocators/core/options.h"
#include "build_config.h"
#include "harness/cli/cli.h"
#include "traces/trace_error.h"

using namespace heapreplay;

namespace {

const char* kUsage =
    "usage: heapreplay COMMAND [OPTIONS]\n"
    "\n"
    "Replays malloc traces through many allocators and reports speed and memory.\n"
    "\n"
    "commands:\n"
    "  bench     run the built-in workloads (or given traces) through every allocator\n"
    "  replay    replay traces through allocators: heapreplay replay -a jemalloc -a glibc TRACE...\n"
    "  run       run programs under allocators: heapreplay run -a glibc -a jemalloc -r 5 -- PROGRAM [ARGS...]\n"
    "  exec      run a program once on an allocator: heapreplay exec -a mimalloc -- PROGRAM [ARGS...]\n"
    "  plan      a sharded session as cluster jobs: heapreplay plan --slurm --shards 4 --dir D -- bench ...\n"
    "  fidelity  does a replay rank allocators as the program does? heapreplay fidelity -a all -- PROGRAM [ARGS...]\n"
    "  convert   convert any supported trace to .hrt: heapreplay convert IN OUT.hrt\n"
    "  info      describe a trace: heapreplay info TRACE [--json]\n"
    "  record    record a program's allocations: heapreplay record [-o OUT.hrt] -- PROGRAM [ARGS...]\n"
    "  list      list the allocators this build knows\n"
    "  shell     drive an allocator by hand (-a NAME), or the VMA command language (--vma)\n"
    "  compare   gate a change: heapreplay compare BASE.json NEW.json [--threshold PCT]\n"
    "  report    render a report: heapreplay report R.json [--html OUT] [--markdown OUT] [--format gbench|bmf|...]\n"
    "  gen       make a trace from a generator, or a look-alike of one: heapreplay gen KIND -o OUT.hrt\n"
    "  trace     slice, filter, scale, merge, compare or shrink traces, or print their statistics\n"
    "\n"
    "Run 'heapreplay COMMAND --help' for the options of each.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? cli::kExitBadInput : cli::kExitOk;
  }
  if (args[0] == "--version") {
    std::cout << "heapreplay " << HEAPREPLAY_VERSION << '\n';
    return cli::kExitOk;
  }
  std::string command = args[0];
  args.erase(args.begin());
  std::string command_line = cli::command_line_text(argc, argv);
  try {
    if (command == "replay") return cli::cmd_replay(args, command_line);
    if (command == "bench") return cli::cmd_bench(args, command_line);
    if (command == "run") return cli::cmd_run(args, command_line);
    if (command == "exec") return cli::cmd_exec(args);
    if (command == "fidelity") return cli::cmd_fidelity(args, command_line);
    if (command == "plan") return cli::cmd_plan(args);
    if (command == "convert") return cli::cmd_convert(args);
    if (command == "info") return cli::cmd_info(args);
    if (command == "record") return cli::cmd_record(args);
    if (command == "corpus") return cli::cmd_corpus(args);
    if (command == "list") return cli::cmd_list(args);
    if (command == "shell") return cli::cmd_shell(args);
    if (command == "compare") return cli::cmd_compare(args);
    if (command == "report") return cli::cmd_report(args);
    if (command == "gen") return cli::cmd_gen(args);
    if (command == "trace") return cli::cmd_trace(args);
    if (command == "__run") return cli::cmd_child(args);
    std::cerr << "heapreplay: unknown command '" << command << "' (try heapreplay --help)\n";
    return cli::kExitBadInput;
  } catch (const cli::UsageError& e) {
    std::cerr << "heapreplay " << command << ": " << e.what() << " (see heapreplay " << command << " --help)\n";
  } catch (const TraceError& e) {
    std::cerr << "heapreplay: " << e.what() << '\n';
  } catch (const OptionError& e) {
    std::cerr << "heapreplay: " << e.what() << '\n';
  } catch (const std::exception& e) {
    std::cerr << "heapreplay: " << e.what() << '\n';
  }
  return cli::kExitBadInput;
}
