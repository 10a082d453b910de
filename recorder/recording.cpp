// Running a program under the recording library (see recording.h).
#include "recorder/recording.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "harness/process/launch.h"
#include "harness/process/program_run.h"
#include "harness/process/spawn.h"
#include "traces/record_format.h"

namespace heapreplay {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

volatile sig_atomic_t g_child_pid = 0;

void pass_on(int sig) {
  int saved = errno;
  if (g_child_pid > 0) ::kill(static_cast<pid_t>(g_child_pid), sig);
  errno = saved;
}

// The program's environment: ours, with our library first in LD_PRELOAD and
// the recording variables set (the pid one by the program itself, which
// only knows its pid after fork).
ProcessSpec recording_spec(const RecordRequest& req) {
  ProcessSpec spec;
  spec.path = req.program_path;
  spec.argv = req.argv;
  spec.preload = req.library;
  spec.preload_mode = ProcessSpec::Preload::kPrepend;
  spec.unset_env = {HR_RECORD_ENV_DIR, HR_RECORD_ENV_FORK, HR_RECORD_ENV_CLOCK};
  spec.set_env = {std::string(HR_RECORD_ENV_DIR "=") + req.recording_dir,
                  std::string(HR_RECORD_ENV_FORK "=") + (req.follow_fork ? "child" : "none"),
                  std::string(HR_RECORD_ENV_CLOCK "=") + req.clock};
  spec.own_pid_env = HR_RECORD_ENV_PID;
  for (const std::string& e : req.set_env) {
    spec.unset_env.push_back(e.substr(0, e.find('=')));
    spec.set_env.push_back(e);
  }
  spec.cwd = req.cwd;
  if (!req.stdin_path.empty()) spec.open_fds.emplace_back(0, req.stdin_path);
  if (req.stdout_fd >= 0) spec.dup_fds.emplace_back(req.stdout_fd, 1);
  if (req.stderr_fd >= 0) spec.dup_fds.emplace_back(req.stderr_fd, 2);
  return spec;
}

}  // namespace

RecordingDir::RecordingDir(const std::string& parent) {
  std::string tmpl = parent + "/heapreplay-record-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error(parent + ": cannot create a temporary folder for the recording: " + errno_text(errno));
  path_ = tmpl;
}

RecordingDir::~RecordingDir() {
  if (keep_) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);  // removes links, never follows them
}

std::string find_program(const std::string& name) {
  if (name.empty()) throw std::runtime_error("no program given");
  if (name.find('/') != std::string::npos) {
    struct stat st {};
    if (::stat(name.c_str(), &st) != 0) throw std::runtime_error("'" + name + "': " + errno_text(errno));
    if (!is_executable_file(name)) throw std::runtime_error("'" + name + "': not an executable file");
    return name;
  }
  int error = 0;  // a file of that name that is not executable is passed over, as execvp does
  if (std::optional<std::string> found = find_in_path(name, error)) return *found;
  throw std::runtime_error("'" + name + "': not found in PATH");
}

std::string recorder_library_path() {
  std::filesystem::path exe = self_executable();
  std::filesystem::path lib = exe.parent_path().parent_path() / "lib" / "libhr_record.so";
  std::string s = lib.lexically_normal().string();
  struct stat st {};
  if (::stat(s.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || ::access(s.c_str(), R_OK) != 0)
    throw std::runtime_error("the recording library is missing: " + s + " (build the hr_record target)");
  if (s.find_first_of(" :") != std::string::npos)
    throw std::runtime_error("the recording library's path cannot go into LD_PRELOAD (it holds a space or ':'): " + s);
  return s;
}

ProgramExit run_recorded(const RecordRequest& req) {
  // SIGINT and SIGQUIT are for the program (as with system()); SIGTERM and
  // SIGHUP sent to heapreplay are passed on to it, so it ends and its
  // recording can still be read.
  struct sigaction ignore {
  }, forward{}, old_int{}, old_quit{}, old_term{}, old_hup{};
  ignore.sa_handler = SIG_IGN;
  forward.sa_handler = pass_on;
  sigemptyset(&forward.sa_mask);
  forward.sa_flags = SA_RESTART;
  auto restore = [&] {
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGQUIT, &old_quit, nullptr);
    ::sigaction(SIGTERM, &old_term, nullptr);
    ::sigaction(SIGHUP, &old_hup, nullptr);
  };
  pid_t pid = -1;
  try {
    // Dispositions are set while every signal is still blocked, once the
    // program's pid is known.
    pid = launch_process(recording_spec(req), [&](pid_t started) {
      g_child_pid = started;
      ::sigaction(SIGINT, &ignore, &old_int);
      ::sigaction(SIGQUIT, &ignore, &old_quit);
      ::sigaction(SIGTERM, &forward, &old_term);
      ::sigaction(SIGHUP, &forward, &old_hup);
    });
  } catch (const LaunchError& e) {
    if (g_child_pid != 0) restore();
    g_child_pid = 0;
    throw std::runtime_error(e.what());  // "cannot run 'PROGRAM': why"
  }
  const int status = wait_for_process(pid);
  g_child_pid = 0;
  restore();

  ProgramExit out;
  out.pid = pid;
  if (WIFSIGNALED(status)) {
    out.signaled = true;
    out.code = WTERMSIG(status);
  } else {
    out.code = WEXITSTATUS(status);
  }
  return out;
}

}  // namespace heapreplay
