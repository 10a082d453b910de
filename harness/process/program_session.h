// A session of program runs (`heapreplay run`): every (program, allocator,
// repetition), each a fresh process, interleaved as replays are (repetition
// 1 of every allocator on every program, then repetition 2, ...).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "harness/process/program_allocator.h"
#include "harness/process/program_list.h"
#include "reports/run_result.h"
#include "reports/shard.h"

namespace heapreplay {

struct ProgramSessionOptions {
  std::vector<ProgramAllocator> allocators;  // resolved (resolve_program_allocator)
  int repetitions = 1;
  std::chrono::milliseconds timeout{600000};  // per run, the whole process group
  std::uint64_t memory_limit_bytes = 0;       // RLIMIT_DATA of the program (0: none)
  std::string stdin_path;                     // "" : /dev/null
  std::string cwd;                            // "" : ours
  std::vector<std::string> env;               // "K=V" set in the program's environment
  std::string keep_output_dir;                // "" : stdout and stderr discarded
  bool check_output = false;                  // stdout must equal the first allocator's
  bool progress = false;                      // progress lines on stderr
  std::string command_line;                   // for the report's context
  ShardSpec shard;                            // --shard K/N (reports/shard.h)
  bool inherit_env = false;                   // --inherit-env: programs keep the allocator variables we inherited
};

// Runs everything and returns the report (context filled, kind "program").
// Never throws for what a program does; a failed run is a RunResult with
// that status. Throws std::runtime_error with one line when a file of its
// own cannot be made (--keep-output files, the temporary stderr file),
// before any run or at the run that needed it.
Report run_program_session(const std::vector<ProgramEntry>& programs, const ProgramSessionOptions& options);

// The kept output file of one run: DIR/PROGRAM.ALLOCATOR.REP.stdout (or
// .stderr), the allocator spec with every character but letters, digits and
// . _ - + = replaced by '_', REP counted from 1.
std::string kept_output_path(const std::string& dir, const std::string& program, const std::string& allocator,
                             int repetition, const char* stream);

}  // namespace heapreplay
