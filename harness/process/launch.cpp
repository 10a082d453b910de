// Starting child processes (see launch.h).
#include "harness/process/launch.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace heapreplay {

namespace {

bool has_name(const char* entry, const std::string& name) {
  return std::strncmp(entry, name.c_str(), name.size()) == 0 && entry[name.size()] == '=';
}

// Async-signal-safe: writes the decimal pid over the room left for it.
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

// In the child between fork and exec: async-signal-safe calls only. Returns
// only if something failed, with errno set.
void become(const ProcessSpec& spec, char* const* argv, char* const* envp, char* pid_digits, const sigset_t& old_mask) {
  if (pid_digits != nullptr) fill_pid(pid_digits, ::getpid());
  if (spec.own_process_group && ::setpgid(0, 0) != 0) return;
  for (auto [resource, value] : spec.limits) {
    const rlimit lim{value, value};
    if (::setrlimit(resource, &lim) != 0) return;
  }
  for (auto [from, to] : spec.dup_fds)
    if (::dup2(from, to) < 0) return;
  for (const auto& [fd, path] : spec.open_fds) {
    int f = ::open(path.c_str(), fd == 0 ? O_RDONLY : O_WRONLY);
    if (f < 0) return;
    if (f != fd) {
      if (::dup2(f, fd) < 0) return;
      ::close(f);
    }
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig : spec.default_signals) ::sigaction(sig, &dfl, nullptr);
  if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) return;
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  ::execve(spec.path.c_str(), argv, envp);
}

}  // namespace

std::vector<std::string> process_environment(const ProcessSpec& spec) {
  std::vector<std::string> env;
  std::string preload = spec.preload;
  for (char** e = environ; *e != nullptr; ++e) {
    if (has_name(*e, "LD_PRELOAD")) {
      const char* rest = *e + std::strlen("LD_PRELOAD=");
      if (spec.preload_mode == ProcessSpec::Preload::kPrepend && *rest)
        preload += (preload.empty() ? "" : ":") + std::string(rest);
      continue;
    }
    const bool dropped = std::any_of(spec.unset_env.begin(), spec.unset_env.end(),
                                     [&](const std::string& n) { return has_name(*e, n); }) ||
                         (!spec.own_pid_env.empty() && has_name(*e, spec.own_pid_env));
    if (!dropped) env.emplace_back(*e);
  }
  if (!preload.empty()) env.push_back("LD_PRELOAD=" + preload);
  env.insert(env.end(), spec.set_env.begin(), spec.set_env.end());
  return env;
}

pid_t launch_process(const ProcessSpec& spec, const std::function<void(pid_t)>& started) {
  std::vector<std::string> env = process_environment(spec);
  char* pid_digits = nullptr;
  if (!spec.own_pid_env.empty()) {
    env.push_back(spec.own_pid_env + "=" + std::string(20, ' '));  // room for any pid
    pid_digits = env.back().data() + spec.own_pid_env.size() + 1;
  }
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string what = "cannot run '" + (spec.argv.empty() ? spec.path : spec.argv[0]) + "': ";

  int report[2];  // the child writes errno here if exec fails; it closes on exec
  if (::pipe2(report, O_CLOEXEC) != 0) {
    const int err = errno;
    throw LaunchError(what + "pipe: " + std::strerror(err), err);
  }
  // Signals stay blocked across fork so that neither side runs a handler in
  // between; each side then sets its own dispositions.
  sigset_t all, old_mask;
  sigfillset(&all);
  ::sigprocmask(SIG_BLOCK, &all, &old_mask);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(report[0]);
    become(spec, argv.data(), envp.data(), pid_digits, old_mask);
    int err = errno;
    ssize_t ignored = ::write(report[1], &err, sizeof err);
    (void)ignored;
    ::_exit(127);
  }
  const int fork_errno = errno;
  // Both sides set the group, so that it exists before either goes on.
  if (pid > 0 && spec.own_process_group) ::setpgid(pid, pid);
  ::close(report[1]);
  if (pid > 0 && started) started(pid);
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  if (pid < 0) {
    ::close(report[0]);
    throw LaunchError(what + "fork: " + std::strerror(fork_errno), fork_errno);
  }
  int exec_errno = 0;
  ssize_t got;
  while ((got = ::read(report[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
  }
  ::close(report[0]);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    wait_for_process(pid);
    throw LaunchError(what + std::strerror(exec_errno), exec_errno);
  }
  return pid;
}

int wait_for_process(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace heapreplay
