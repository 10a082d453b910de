// Child-process runs with a time limit (see spawn.h).
#include "harness/process/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "harness/process/allocator_env.h"
#include "harness/process/exit_text.h"
#include "harness/process/interrupt.h"
#include "harness/process/launch.h"

namespace heapreplay {

std::string self_executable() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("cannot find the heapreplay executable (/proc/self/exe)");
  return std::string(buf, static_cast<std::size_t>(n));
}

namespace {

// `heapreplay __run` with the request's options (cmd_child.cpp reads them).
std::vector<std::string> child_arguments(const ChildRequest& req) {
  std::vector<std::string> args = {"heapreplay",  "__run",   "--trace", req.trace_path, "--allocator",
                                   req.allocator, "--touch", req.touch, "--result-fd",  "3"};
  if (req.validate) args.push_back("--validate");
  if (req.serial) args.push_back("--serial");
  auto add = [&](const char* flag, const std::string& value) {
    args.push_back(flag);
    args.push_back(value);
  };
  if (req.malloc_alignment != 1) add("--malloc-alignment", std::to_string(req.malloc_alignment));
  if (req.pace != "fast") add("--pace", req.pace);
  if (req.sample_every != kAutomatic) add("--sample-every", std::to_string(req.sample_every));
  if (req.latency_every != kAutomatic) add("--latency-every", std::to_string(req.latency_every));
  if (req.memory_limit_bytes != 0) add("--memory-limit", std::to_string(req.memory_limit_bytes));
  if (req.window_events != 0) add("--window-events", std::to_string(req.window_events));
  return args;
}

// What a child left: its result pipe's and stderr's text, how it ended.
struct ChildEnd {
  std::string result_text, err_text;
  bool timed_out = false;
  int interrupted_by = 0;  // the signal heapreplay received meanwhile
  int status = 0;          // wait status
};

// Reads both pipes until the child closes them, its time is up, or
// heapreplay is interrupted (then the child is killed); reaps it.
ChildEnd wait_for_child(pid_t pid, int result_fd, int err_fd, std::chrono::milliseconds timeout) {
  ChildEnd end;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{result_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      end.timed_out = true;
      break;
    }
    if ((end.interrupted_by = interrupt_signal()) != 0) break;
    int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) break;
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t got = ::read(fds[k].fd, buf, sizeof buf);
      if (got > 0) {
        std::string& into = k == 0 ? end.result_text : end.err_text;
        if (into.size() < (1u << 24)) into.append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
        ::close(fds[k].fd);
        fds[k].fd = -1;
        --open_fds;
      }
    }
  }
  if (end.timed_out || end.interrupted_by != 0) ::kill(pid, SIGKILL);
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  end.status = wait_for_process(pid);
  return end;
}

// The run as the child's end says: its own result where it wrote one, else
// the interruption, the time-out, the signal or the exit status.
RunResult run_of(RunResult r, ChildEnd& end, std::chrono::milliseconds timeout) {
  bool have_result = false;
  if (!end.result_text.empty()) {
    try {
      r = nlohmann::json::parse(end.result_text).get<RunResult>();
      have_result = true;
    } catch (const nlohmann::json::exception&) {
    }
  }
  // A signal to heapreplay that arrived while the child was ending (or that
  // reached the child too, as Ctrl-C reaches the whole process group) still
  // makes the run interrupted rather than crashed.
  if (end.interrupted_by == 0 && !have_result) end.interrupted_by = interrupt_signal();
  if (end.interrupted_by != 0) {
    r.status = "interrupted";
    r.signal = 0;
    r.status_detail = "heapreplay received " + signal_text(end.interrupted_by) + "; the run was killed before it ended";
    return r;
  }
  if (end.timed_out) {
    r.status = "timeout";
    r.status_detail = "no result within " +
                      std::to_string(std::chrono::duration<double>(timeout).count()).substr(0, 6) + " s; killed";
    return r;
  }
  if (WIFSIGNALED(end.status)) {
    int sig = WTERMSIG(end.status);
    r.status = "crashed";
    r.signal = sig;
    r.status_detail = "killed by " + signal_text(sig);
    // heapreplay kills a run only at its time-out (status timeout) or when
    // interrupted (status interrupted), so this SIGKILL came from outside.
    if (sig == SIGKILL)
      r.status_detail += " (signal 9) from outside heapreplay: another process, or the kernel's out-of-memory killer";
    std::string msg = last_line(end.err_text);
    if (!msg.empty()) r.status_detail += ": " + msg;
    return r;
  }
  int code = WIFEXITED(end.status) ? WEXITSTATUS(end.status) : -1;
  if (have_result && (code == kChildOk || code == kChildRunFailed)) return r;
  std::string msg = last_line(end.err_text);
  r.status = "failed";
  r.status_detail = msg.empty() ? "child exited with status " + std::to_string(code) : msg;
  return r;
}

}  // namespace

RunResult run_in_child(const ChildRequest& req, const SpawnOptions& opt) {
  RunResult r;
  r.allocator = req.allocator;
  r.touch = req.touch;
  r.malloc_alignment = req.malloc_alignment;
  r.validate = req.validate;
  auto failed = [&](std::string why) {
    r.status = "failed";
    r.status_detail = std::move(why);
    return r;
  };

  int result_pipe[2], err_pipe[2];
  if (::pipe2(result_pipe, O_CLOEXEC) != 0) return failed(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(result_pipe[0]);
    ::close(result_pipe[1]);
    return failed(std::string("pipe: ") + std::strerror(errno));
  }
  ProcessSpec spec;
  spec.path = opt.self_exe;
  spec.argv = child_arguments(req);
  spec.preload = opt.preload;
  set_allocator_environment(spec, opt.allocator_env, opt.inherit_env);
  spec.dup_fds = {{result_pipe[1], 3}, {err_pipe[1], 2}};
  spec.open_fds = {{1, "/dev/null"}, {0, "/dev/null"}};
  pid_t pid = -1;
  int launch_errno = 0;
  try {
    pid = launch_process(spec);
  } catch (const LaunchError& e) {
    launch_errno = e.error();
  }
  ::close(result_pipe[1]);
  ::close(err_pipe[1]);
  if (pid < 0) {
    ::close(result_pipe[0]);
    ::close(err_pipe[0]);
    return failed("cannot start " + opt.self_exe + ": " + std::strerror(launch_errno));
  }
  ChildEnd end = wait_for_child(pid, result_pipe[0], err_pipe[0], opt.timeout);
  return run_of(std::move(r), end, opt.timeout);
}

}  // namespace heapreplay
