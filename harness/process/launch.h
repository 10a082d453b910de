// The one way heapreplay starts another process: a replay's child, the shell
// on a preloaded allocator, a program being recorded. It builds the child's
// environment (ours, with LD_PRELOAD set as asked and chosen variables
// replaced), wires its file descriptors, gives it default dispositions for
// the signals asked, and reports a failure to exec as an error of the
// caller's, not as an exit status of the child. It can also start the child
// in another folder, as a process group of its own, under resource limits.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace heapreplay {

struct ProcessSpec {
  std::string path;               // the executable
  std::vector<std::string> argv;  // argv[0] included

  // LD_PRELOAD: kReplace drops the one we inherited and sets `preload`
  // (none if empty); kPrepend puts `preload` before the inherited list.
  enum class Preload { kReplace, kPrepend };
  std::string preload;
  Preload preload_mode = Preload::kReplace;
  // Variables dropped from the inherited environment (by name), then added
  // ("NAME=VALUE").
  std::vector<std::string> unset_env;
  std::vector<std::string> set_env;
  // If not empty: a variable the child sets to its own pid before exec (the
  // recording library tells the program itself from its children by it).
  std::string own_pid_env;

  // File descriptors of the child: each (parent fd, child fd) is duplicated
  // into place; each (child fd, path) is opened there (fd 0 for reading,
  // others for writing). Everything else heapreplay opened is close-on-exec.
  std::vector<std::pair<int, int>> dup_fds;
  std::vector<std::pair<int, std::string>> open_fds;
  // Signals the child starts with at their default action (a parent that
  // ignores SIGINT while it waits must not pass that on).
  std::vector<int> default_signals;
  // If not empty: the folder the child changes to before exec.
  std::string cwd;
  // The child leads a process group of its own (its pid), so that one kill
  // of the group reaches every process it starts; the terminal's signals then
  // reach heapreplay only.
  bool own_process_group = false;
  // Resource limits set in the child before exec: (RLIMIT_*, soft and hard value).
  std::vector<std::pair<int, rlim_t>> limits;
};

class LaunchError : public std::runtime_error {
 public:
  LaunchError(const std::string& what, int error) : std::runtime_error(what), error_(error) {}
  int error() const { return error_; }  // the errno of what failed (pipe, fork, exec)

 private:
  int error_;
};

// Starts the process and returns its pid. `started` runs in the parent with
// every signal still blocked, so a handler that forwards signals to the
// child can learn its pid before any can arrive. Throws LaunchError
// "cannot run 'PATH': why" when it cannot start or exec fails.
pid_t launch_process(const ProcessSpec& spec, const std::function<void(pid_t)>& started = {});

// waitpid until the child has ended (through EINTR); its wait status.
int wait_for_process(pid_t pid);

// The environment launch_process gives the child, as "NAME=VALUE" strings
// (without own_pid_env).
std::vector<std::string> process_environment(const ProcessSpec& spec);

}  // namespace heapreplay
