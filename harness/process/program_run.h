// One run of a real program (`heapreplay run`): started with launch_process
// as a process group of its own, waited for with wait4 (blocking: heapreplay
// spends none of the program's time), its resource usage read from wait4's
// rusage, and whatever happens (an exit status, a signal, the time limit, an
// interrupt) turned into the run's status. How each figure is taken:
// docs/measurement.md ("A program run").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "harness/process/launch.h"
#include "reports/run_result.h"

namespace heapreplay {

struct ProgramRunSpec {
  // path, argv, preload, set_env, cwd, limits; run_program adds the file
  // descriptors and the process group.
  ProcessSpec process;
  std::chrono::milliseconds timeout{600000};
  int stdin_fd = -1;   // the program's stdin (-1: /dev/null); read from its start
  int stdout_fd = -1;  // where its stdout goes (-1: /dev/null)
  int stderr_fd = -1;  // where its stderr goes; must be readable too (the tail is read back from it)
};

// Never throws for what the program does. The result has kind "program",
// status ok (exited with 0), failed (could not start, or exited non-zero:
// "exited with status N: LAST STDERR LINE"), crashed (killed by a signal
// heapreplay did not send), timeout (killed with its process group after
// the time limit) or interrupted (SIGINT/SIGTERM reached heapreplay under an
// InterruptWatch; the program was killed), and the counters of wait4.
// Processes of its group still running when it ends are killed.
RunResult run_program(const ProgramRunSpec& spec);

// The path execvp would run for `name`: `name` itself when it holds a '/',
// else the first executable regular file of that name in $PATH; nullopt when
// there is none (then `error` is ENOENT, or EACCES for a file found that is
// not executable).
std::optional<std::string> find_in_path(const std::string& name, int& error);

// The last non-blank line of what was written to `fd` (read from its last
// 64 KiB), control characters shown as '?' and cut to 300 characters.
std::string last_line_of_file(int fd);

}  // namespace heapreplay
