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
#include <stdexcept>

#include "harness/process/spawn.h"
#include "traces/record_format.h"

extern char** environ;

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

bool starts_with(const char* s, const char* prefix) { return std::strncmp(s, prefix, std::strlen(prefix)) == 0; }

// The program's environment: ours, with our library first in LD_PRELOAD and
// the recording variables set. The pid variable is filled in by the child
// (it only knows its pid after fork), so it gets room for 20 digits here.
std::vector<std::string> recording_environment(const RecordRequest& req) {
  std::vector<std::string> env;
  std::string preload = req.library;
  for (char** e = environ; *e != nullptr; ++e) {
    if (starts_with(*e, "LD_PRELOAD=")) {
      const char* rest = *e + std::strlen("LD_PRELOAD=");
      if (*rest) preload += std::string(":") + rest;
      continue;
    }
    if (starts_with(*e, HR_RECORD_ENV_DIR "=") || starts_with(*e, HR_RECORD_ENV_FORK "=") ||
        starts_with(*e, HR_RECORD_ENV_PID "=") || starts_with(*e, HR_RECORD_ENV_CLOCK "="))
      continue;
    env.emplace_back(*e);
  }
  env.push_back("LD_PRELOAD=" + preload);
  env.push_back(std::string(HR_RECORD_ENV_DIR "=") + req.recording_dir);
  env.push_back(std::string(HR_RECORD_ENV_FORK "=") + (req.follow_fork ? "child" : "none"));
  env.push_back(std::string(HR_RECORD_ENV_CLOCK "=") + req.clock);
  env.push_back(std::string(HR_RECORD_ENV_PID "=") + std::string(20, ' '));
  return env;
}

// Async-signal-safe: writes the decimal pid over the 20 spaces.
void fill_pid(char* digits, pid_t pid) {
  char tmp[24];
  int n = 0;
  auto v = static_cast<unsigned long>(pid);
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  int i = 0;
  while (n > 0) digits[i++] = tmp[--n];
  digits[i] = '\0';
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
  const char* path_env = std::getenv("PATH");
  std::string path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  for (;;) {
    std::size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (is_executable_file(candidate)) return candidate;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
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
  std::vector<std::string> env_strings = recording_environment(req);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  char* pid_digits = env_strings.back().data() + std::strlen(HR_RECORD_ENV_PID "=");
  std::vector<std::string> args = req.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int report[2];  // the child writes errno here if exec fails; closes on exec
  if (::pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + errno_text(errno));

  // Signals stay blocked across fork so that neither side runs a handler in
  // between; each side then sets its own dispositions.
  sigset_t all, old_mask;
  sigfillset(&all);
  ::sigprocmask(SIG_BLOCK, &all, &old_mask);
  pid_t pid = ::fork();
  if (pid == 0) {
    fill_pid(pid_digits, ::getpid());
    ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    ::close(report[0]);
    ::execve(req.program_path.c_str(), argv.data(), envp.data());
    int err = errno;
    ssize_t ignored = ::write(report[1], &err, sizeof err);
    (void)ignored;
    ::_exit(127);
  }
  if (pid < 0) {
    int err = errno;
    ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    ::close(report[0]);
    ::close(report[1]);
    throw std::runtime_error("cannot run '" + req.argv[0] + "': fork: " + errno_text(err));
  }
  g_child_pid = pid;
  struct sigaction ignore {
  }, forward{}, old_int{}, old_quit{}, old_term{}, old_hup{};
  ignore.sa_handler = SIG_IGN;
  forward.sa_handler = pass_on;
  sigemptyset(&forward.sa_mask);
  forward.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGQUIT, &ignore, &old_quit);
  ::sigaction(SIGTERM, &forward, &old_term);
  ::sigaction(SIGHUP, &forward, &old_hup);
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  ::close(report[1]);

  int exec_errno = 0;
  ssize_t got;
  while ((got = ::read(report[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
  }
  ::close(report[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_child_pid = 0;
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  ::sigaction(SIGHUP, &old_hup, nullptr);
  if (got == static_cast<ssize_t>(sizeof exec_errno))
    throw std::runtime_error("cannot run '" + req.argv[0] + "': " + errno_text(exec_errno));

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
