// Shared pieces of the heapreplay subcommands: exit statuses, option parsing
// on top of Boost.Program_options, and the run-and-report step that replay
// and bench share.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "harness/process/session.h"
#include "reports/report_file.h"

namespace heapreplay::cli {

// Documented exit statuses (README: Reference).
inline constexpr int kExitOk = 0;            // everything ran and every run was ok
inline constexpr int kExitRunFailed = 1;     // some run failed/crashed/timed out (all are still reported)
inline constexpr int kExitRegression = 1;    // compare: a metric regressed significantly, or NEW runs failed
inline constexpr int kExitBadInput = 2;      // bad usage, unknown name, malformed trace or report
inline constexpr int kExitOutputFailed = 3;  // results could not be written (full disk, no such folder, ...)
// bench/replay stopped by a signal: 128 + its number, as a shell reports a
// process the signal ended (130 for SIGINT, 143 for SIGTERM); the report of
// the runs completed so far was written.
inline constexpr int exit_interrupted(int signal) { return 128 + signal; }

namespace po = boost::program_options;

// Thrown for a usage error; main() prints "heapreplay CMD: message" and exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses `args` (after the subcommand) against `options` and positional names.
// Prints help and returns false when --help was asked for.
bool parse(const std::string& command, const std::vector<std::string>& args, const po::options_description& options,
           const po::positional_options_description& positional, po::variables_map& vm, const std::string& usage);

// Expands `-a all` and checks every spec (names, options); throws OptionError.
// Under --validate, `all` leaves out the allocators that hand out no memory
// (null), which cannot be validated, and says so on stderr.
std::vector<std::string> resolve_allocators(const std::vector<std::string>& given, bool validate = false);

// A sweep of more configurations than this needs --yes.
inline constexpr std::size_t kSweepConfirmAbove = 64;
// ... and one grid of more than this is refused even then.
inline constexpr std::size_t kSweepLimit = 4096;

// Each `-a` that spells a grid (allocators/spec_grid.h) replaced by its
// configurations, the others as given; `swept` is set to the number of
// configurations the grids made (0: none). Throws OptionError for a
// malformed grid, UsageError for more than kSweepConfirmAbove
// configurations without `yes`.
std::vector<std::string> expand_sweeps(const std::vector<std::string>& given, bool yes, std::size_t& swept);

// Throws UsageError when a variable of our environment would change the
// configuration of one of `specs` (allocator_env.h) and `inherit` is not
// set: one line naming the variable and the allocator.
void check_inherited_environment(const std::vector<std::string>& specs, bool inherit);

// For commands that drive one configuration (shell, exec): UsageError if
// `spec` is a grid.
void refuse_sweep(const std::string& spec, const std::string& command);

// Options shared by replay and bench.
struct RunFlags {
  std::vector<std::string> allocators;
  int repetitions = 1;
  std::string touch = "pages";
  std::string malloc_alignment = "natural";
  std::string output;
  double timeout_s = 600;
  std::string memory_limit;  // as typed; "" means the default
  std::string sample_every = "auto";
  std::string latency_every = "auto";
  std::string window_events = "auto";
  std::string pace = "fast";
  bool serial = false;
  bool validate = false;     // --validate: replay only (add_validate_option)
  std::string shard;         // --shard K/N as typed; "" for none
  bool inherit_env = false;  // --inherit-env
  bool yes = false;          // --yes: run a sweep of more than kSweepConfirmAbove configurations
};
po::options_description run_options(RunFlags& flags);
// Checks the shared flags and turns them into session options.
SessionOptions session_options(const RunFlags& flags, const std::string& command_line);
void add_validate_option(po::options_description& d, RunFlags& flags);

// Runs the session, prints the table, writes the JSON report; returns the
// exit status. The caller holds an InterruptWatch (harness/process/
// interrupt.h) from before it prepares the traces, so that SIGINT/SIGTERM
// stop the session (the run in progress killed, what completed written and
// the status 128 + the signal) rather than heapreplay and its clean-up.
int run_and_report(const std::vector<PreparedTrace>& traces, SessionOptions options, const std::string& output);

// "heapreplay: 6 allocator configurations x 2 traces x 3 repetitions = 36
// runs" on stderr: what a sweep is about to make.
void print_run_count(std::size_t configurations, std::size_t subjects, const char* subject, int repetitions);

// The end of a session, replay or program runs: prints the table (on stderr
// when the report goes to stdout), a line per run that was not ok, writes
// the JSON report with its aggregates to `output` ("" for none); returns the
// exit status (README, "Exit statuses").
int report_session(const Report& report, const std::string& output);

std::string command_line_text(int argc, char** argv);

// A word as a POSIX shell reads it back: as is when it is plain, else in
// single quotes (for the command lines heapreplay prints and writes).
std::string shell_quoted(const std::string& word);

// Writes `t` as .hrt to `out` (atomically; see write_hrt). On failure prints
// one line saying what was not written and returns kExitOutputFailed.
int write_trace(const Trace& t, const std::string& out);

int cmd_replay(const std::vector<std::string>& args, const std::string& command_line);
int cmd_run(const std::vector<std::string>& args, const std::string& command_line);
int cmd_exec(const std::vector<std::string>& args);
int cmd_fidelity(const std::vector<std::string>& args, const std::string& command_line);
int cmd_plan(const std::vector<std::string>& args);
int cmd_bench(const std::vector<std::string>& args, const std::string& command_line);
int cmd_convert(const std::vector<std::string>& args);
int cmd_info(const std::vector<std::string>& args);
int cmd_record(const std::vector<std::string>& args);
int cmd_corpus(const std::vector<std::string>& args);
int cmd_list(const std::vector<std::string>& args);
int cmd_shell(const std::vector<std::string>& args);
int cmd_gen(const std::vector<std::string>& args);
int cmd_trace(const std::vector<std::string>& args);
int trace_shrink(const std::vector<std::string>& args);  // heapreplay trace shrink (cmd_shrink.cpp)
int cmd_child(const std::vector<std::string>& args);
int cmd_compare(const std::vector<std::string>& args);
int cmd_report(const std::vector<std::string>& args);

}  // namespace heapreplay::cli
