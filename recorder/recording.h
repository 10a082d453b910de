// Running a program under the recording library (libhr_record.so) for
// `heapreplay record`: finding the program and the library, a private folder
// for the raw recording, starting the program with the library preloaded, and
// waiting for it while the terminal's signals reach it rather than us.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace heapreplay {

// A private folder (mode 0700, unguessable name) made by mkdtemp under
// `parent`; removed with everything in it when destroyed, unless kept.
// Throws std::runtime_error naming the folder when it cannot be made.
class RecordingDir {
 public:
  explicit RecordingDir(const std::string& parent);
  ~RecordingDir();
  RecordingDir(const RecordingDir&) = delete;
  RecordingDir& operator=(const RecordingDir&) = delete;

  const std::string& path() const { return path_; }
  void keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

// How the program ended.
struct ProgramExit {
  pid_t pid = -1;
  bool signaled = false;  // killed by a signal ...
  int code = 0;           // ... this one; else its exit status
};

// What to run and how.
struct RecordRequest {
  std::vector<std::string> argv;  // PROGRAM ARGS...; argv[0] as the user typed it
  std::string program_path;       // find_program(argv[0])
  std::string library;            // the recording library
  std::string recording_dir;      // a RecordingDir's path
  bool follow_fork = false;       // forked children record to images of their own
  std::string clock = "auto";     // the record clock: auto, tsc or monotonic ($HEAPREPLAY_RECORD_CLOCK)
  // How it runs; the defaults are `heapreplay record`'s: in our folder, with
  // our environment, stdin, stdout and stderr.
  std::string cwd;                   // empty: ours (program_path must then be absolute if not)
  std::vector<std::string> set_env;  // "NAME=VALUE" added, replacing any inherited NAME
  std::string stdin_path;            // a file for its stdin; empty: ours
  int stdout_fd = -1;                // a descriptor of ours to be its stdout; -1: ours
  int stderr_fd = -1;                // ... its stderr
};

// The path execvp would run for `name`: `name` itself when it holds a '/',
// else the first executable regular file of that name in $PATH. Throws
// std::runtime_error ("'NAME': not found in PATH", "'NAME': not executable").
std::string find_program(const std::string& name);

// libhr_record.so in ../lib next to the running heapreplay binary. Throws
// std::runtime_error naming the place looked at when it is not there, or when
// its path holds a character LD_PRELOAD cannot carry (space or ':').
std::string recorder_library_path();

// Starts the program with the library first in LD_PRELOAD (before any the
// user already preloads) and the recording environment set, with our stdin,
// stdout and stderr; waits for it. Meanwhile SIGINT and SIGQUIT are ignored
// here (the terminal sends them to the program too) and SIGTERM and SIGHUP
// are passed on to it, so that what it recorded is still converted. Returns
// once the program has exited; processes it started may still be running.
// Throws std::runtime_error ("cannot run 'PROGRAM': why") when it cannot be
// started, exec included.
ProgramExit run_recorded(const RecordRequest& request);

}  // namespace heapreplay
