// The suite of real programs (harness/programs) as the commands use it:
// choosing programs by name (--only), turning them into the entries `run`
// and `fidelity` measure, and recording one program into a trace (`corpus
// record`, `fidelity`, `bench --suite programs`).
#pragma once

#include <string>
#include <vector>

#include "harness/process/program_allocator.h"
#include "harness/process/program_list.h"
#include "harness/programs/programs.h"
#include "recorder/recording.h"
#include "traces/trace.h"

namespace heapreplay::cli {

// The command line of run, exec and fidelity: our options come first; the
// program starts after "--", or at the first word that is neither an option
// nor the value of one of `with_value`.
void split_program_arguments(const std::vector<std::string>& args, const std::vector<std::string>& with_value,
                             std::vector<std::string>& ours, std::vector<std::string>& program);

// --env K=V: K a variable name as a shell takes it, and not LD_PRELOAD (the
// allocator's). Throws UsageError.
void check_program_env(const std::vector<std::string>& env);

// --env K=V against the allocators' own settings: UsageError when both set
// one variable (-a jemalloc:narenas=1 and --env MALLOC_CONF=...).
void check_env_against_allocators(const std::vector<std::string>& env, const std::vector<ProgramAllocator>& allocators);

// "exited with status N", or "was killed by SIGNAME".
std::string how_it_ended(const ProgramExit& e);

// Where private scratch folders go: $TMPDIR, or /tmp.
std::string temporary_parent();

// --only a,b: each name must be the suite's (UsageError otherwise); every
// program when not given.
std::vector<const SuiteProgram*> select_programs(const std::string& only, bool given);

// Each program's inputs written into WORK/NAME at `scale`, as an entry whose
// runs check the program's answer; a program that is not installed becomes
// an entry whose runs fail saying which package is missing. Throws
// std::runtime_error naming a file that cannot be written.
std::vector<ProgramEntry> suite_entries(const std::vector<const SuiteProgram*>& programs, const std::string& work,
                                        double scale);

// A program's recording.
struct RecordedProgram {
  int status = 0;     // kExitOk; kExitRunFailed; 128 + the signal that interrupted it
  std::string error;  // why, one line, when status is not kExitOk
  Trace trace;
  double wall_s = 0;                  // the recorded run, end to end
  std::vector<std::string> warnings;  // the recording stopped early, calls were dropped
};

// Runs `run` under the recording library (its stdout and stderr kept in a
// private folder under `tmpdir`) and converts what the process image
// `record_image` (an executable's name, for a program that runs it as a
// child; nullptr: the program itself) recorded. With `check`, the program's
// answer must be the suite's (check_program_output). Never throws for what
// the program does; throws std::runtime_error when a folder or file of ours
// cannot be made.
RecordedProgram record_program(const PreparedProgram& run, const char* record_image, bool check,
                               const std::string& tmpdir);

}  // namespace heapreplay::cli
