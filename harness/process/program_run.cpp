// One run of a real program (see program_run.h).
#include "harness/process/program_run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "harness/process/exit_text.h"
#include "harness/process/interrupt.h"

namespace heapreplay {

namespace {

std::uint64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t timeval_ns(const timeval& tv) {
  return static_cast<std::uint64_t>(tv.tv_sec) * 1000000000u + static_cast<std::uint64_t>(tv.tv_usec) * 1000u;
}

// Our anonymous resident memory now ((resident - shared) pages of statm):
// what a forked child holds before it execs, which its ru_maxrss keeps.
std::uint64_t own_anon_rss_bytes() {
  int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  unsigned long long size = 0, resident = 0, shared = 0;
  if (std::sscanf(buf, "%llu %llu %llu", &size, &resident, &shared) != 3 || shared > resident) return 0;
  return (resident - shared) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

bool is_executable_file(const std::string& path, int& error) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    error = errno;
    return false;
  }
  if (!S_ISREG(st.st_mode) || ::access(path.c_str(), X_OK) != 0) {
    error = EACCES;
    return false;
  }
  return true;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

}  // namespace

std::optional<std::string> find_in_path(const std::string& name, int& error) {
  error = ENOENT;
  if (name.empty()) return std::nullopt;
  // With a '/', as execvp: the path itself (the exec reports what is wrong).
  if (name.find('/') != std::string::npos) return name;
  const char* path_env = std::getenv("PATH");
  std::string path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  for (;;) {
    std::size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    int why = 0;
    if (is_executable_file(candidate, why)) return candidate;
    if (why == EACCES) error = EACCES;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return std::nullopt;
}

std::string last_line_of_file(int fd) {
  if (fd < 0) return "";
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) return "";
  constexpr off_t kTail = 64 << 10;
  const off_t from = st.st_size > kTail ? st.st_size - kTail : 0;
  std::string text(static_cast<std::size_t>(st.st_size - from), '\0');
  ssize_t got = ::pread(fd, text.data(), text.size(), from);
  if (got <= 0) return "";
  text.resize(static_cast<std::size_t>(got));
  std::string line = last_line(text);
  for (char& c : line)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  if (line.size() > 300) line = line.substr(0, 297) + "...";
  return line;
}

namespace {

// The process to start: the spec's, in a group of its own, with its standard
// files (/dev/null where none is given) and default signal actions. Returns
// "" or why it cannot be started.
std::string program_process(const ProgramRunSpec& spec, ProcessSpec& p) {
  p = spec.process;
  p.own_process_group = true;
  p.dup_fds.clear();
  p.open_fds.clear();
  if (spec.stdin_fd >= 0) {
    // Every run reads its input from the start.
    if (::lseek(spec.stdin_fd, 0, SEEK_SET) < 0 && errno != ESPIPE)
      return std::string("--stdin: cannot rewind: ") + std::strerror(errno);
    p.dup_fds.push_back({spec.stdin_fd, 0});
  } else {
    p.open_fds.push_back({0, "/dev/null"});
  }
  if (spec.stdout_fd >= 0)
    p.dup_fds.push_back({spec.stdout_fd, 1});
  else
    p.open_fds.push_back({1, "/dev/null"});
  if (spec.stderr_fd >= 0)
    p.dup_fds.push_back({spec.stderr_fd, 2});
  else
    p.open_fds.push_back({2, "/dev/null"});
  p.default_signals = {SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGPIPE, SIGCHLD};
  return "";
}

// How a program ended: its wait status and resource usage, whether
// heapreplay killed it (time limit, interrupt), when it ended.
struct ProgramEnd {
  int status = 0;
  rusage ru{};
  bool timed_out = false;
  int interrupted_by = 0;
  bool timed = true;  // false: no pidfd, so no time limit was kept
  int pidfd_errno = 0;
  std::uint64_t end_ns = 0;
};

// Waits for the end, the time limit or a signal to heapreplay, asleep: a
// pidfd becomes readable when the program ends, and SIGINT/SIGTERM (whose
// handlers have no SA_RESTART) end the poll with EINTR. Kills what is left
// of the program's group.
ProgramEnd wait_for_program(pid_t pid, std::uint64_t deadline) {
  ProgramEnd e;
  // (The system call itself: glibc 2.36's <sys/pidfd.h> lacks extern "C".)
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  e.pidfd_errno = errno;
  e.timed = pidfd >= 0;
  if (pidfd >= 0) {
    for (;;) {
      if ((e.interrupted_by = interrupt_signal()) != 0) break;
      const std::uint64_t t = now_ns();
      if (t >= deadline) {
        e.timed_out = true;
        break;
      }
      const std::uint64_t left_ms = (deadline - t + 999999) / 1000000;
      pollfd fd{pidfd, POLLIN, 0};
      int n = ::poll(&fd, 1, static_cast<int>(std::min<std::uint64_t>(left_ms, 1u << 30)));
      if (n > 0) break;
      if (n < 0 && errno != EINTR) break;
    }
    ::close(pidfd);
  }
  if (e.timed_out || e.interrupted_by != 0) ::kill(-pid, SIGKILL);
  while (::wait4(pid, &e.status, 0, &e.ru) < 0 && errno == EINTR) {
    // Without a pidfd this blocking wait is the only wait (no time limit):
    // a signal to heapreplay still ends the run.
    if (!e.timed && (e.interrupted_by = interrupt_signal()) != 0) ::kill(-pid, SIGKILL);
  }
  e.end_ns = now_ns();
  // What the program left behind in its group (background children) does
  // not outlive its run.
  ::kill(-pid, SIGKILL);
  return e;
}

// The run's counters from wait4, and its status from how it ended.
void finish_run(RunResult& r, const ProgramEnd& e, const ProgramRunSpec& spec) {
  r.user_ns = timeval_ns(e.ru.ru_utime);
  r.sys_ns = timeval_ns(e.ru.ru_stime);
  r.peak_rss_bytes = static_cast<std::uint64_t>(e.ru.ru_maxrss) * 1024u;  // KiB on Linux
  r.minor_faults = static_cast<std::uint64_t>(e.ru.ru_minflt);
  r.major_faults = static_cast<std::uint64_t>(e.ru.ru_majflt);
  r.voluntary_switches = static_cast<std::uint64_t>(e.ru.ru_nvcsw);
  r.involuntary_switches = static_cast<std::uint64_t>(e.ru.ru_nivcsw);
  if (e.interrupted_by != 0) {
    r.status = "interrupted";
    r.status_detail =
        "heapreplay received " + signal_text(e.interrupted_by) + "; the program was killed before it ended";
    return;
  }
  if (e.timed_out) {
    r.status = "timeout";
    r.status_detail = "still running after " + seconds_text(spec.timeout) + " s; killed with its process group";
    return;
  }
  const std::string tail = last_line_of_file(spec.stderr_fd);
  if (WIFSIGNALED(e.status)) {
    r.status = "crashed";
    r.signal = WTERMSIG(e.status);
    r.status_detail = "killed by " + signal_text(r.signal);
    if (r.signal == SIGKILL)
      r.status_detail += " (signal 9) from outside heapreplay: another process, or the kernel's out-of-memory killer";
    if (!tail.empty()) r.status_detail += ": " + tail;
    return;
  }
  r.exit_code = WEXITSTATUS(e.status);
  if (r.exit_code != 0) {
    r.status = "failed";
    r.status_detail = "exited with status " + std::to_string(r.exit_code) + (tail.empty() ? "" : ": " + tail);
    return;
  }
  // Ran to its end; without a pidfd (a kernel before 5.3) it ran without
  // the time limit, which the detail says.
  if (!e.timed) r.status_detail = std::string("no time limit was kept: pidfd_open: ") + std::strerror(e.pidfd_errno);
}

}  // namespace

RunResult run_program(const ProgramRunSpec& spec) {
  RunResult r;
  r.kind = "program";
  r.command = spec.process.argv;
  r.touch = "";
  r.rss_method = "ru_maxrss";
  auto failed = [&](std::string why) {
    r.status = "failed";
    r.status_detail = std::move(why);
    return r;
  };
  ProcessSpec p;
  if (std::string why = program_process(spec, p); !why.empty()) return failed(why);

  r.spawn_rss_bytes = own_anon_rss_bytes();
  const std::uint64_t start = now_ns();
  pid_t pid = -1;
  try {
    pid = launch_process(p);
  } catch (const LaunchError& e) {
    return failed(e.what());  // "cannot run 'X': No such file or directory"
  }
  const ProgramEnd end = wait_for_program(pid, start + static_cast<std::uint64_t>(spec.timeout.count()) * 1000000u);
  r.wall_ns = end.end_ns - start;
  finish_run(r, end, spec);
  return r;
}

}  // namespace heapreplay
