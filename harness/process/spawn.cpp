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

  std::vector<std::string> args = {"heapreplay",  "__run",   "--trace", req.trace_path, "--allocator",
                                   req.allocator, "--touch", req.touch, "--result-fd",  "3"};
  if (req.validate) args.push_back("--validate");
  if (req.serial) args.push_back("--serial");
  if (req.malloc_alignment != 1) {
    args.push_back("--malloc-alignment");
    args.push_back(std::to_string(req.malloc_alignment));
  }
  if (req.pace != "fast") {
    args.push_back("--pace");
    args.push_back(req.pace);
  }
  if (req.sample_every != kAutomatic) {
    args.push_back("--sample-every");
    args.push_back(std::to_string(req.sample_every));
  }
  if (req.latency_every != kAutomatic) {
    args.push_back("--latency-every");
    args.push_back(std::to_string(req.latency_every));
  }
  if (req.memory_limit_bytes != 0) {
    args.push_back("--memory-limit");
    args.push_back(std::to_string(req.memory_limit_bytes));
  }
  ProcessSpec spec;
  spec.path = opt.self_exe;
  spec.argv = std::move(args);
  spec.preload = opt.preload;
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

  std::string result_text, err_text;
  auto deadline = std::chrono::steady_clock::now() + opt.timeout;
  bool timed_out = false;
  int interrupted_by = 0;
  pollfd fds[2] = {{result_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    if ((interrupted_by = interrupt_signal()) != 0) break;
    int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) break;
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t got = ::read(fds[k].fd, buf, sizeof buf);
      if (got > 0) {
        std::string& into = k == 0 ? result_text : err_text;
        if (into.size() < (1u << 24)) into.append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
        ::close(fds[k].fd);
        fds[k].fd = -1;
        --open_fds;
      }
    }
  }
  if (timed_out || interrupted_by != 0) ::kill(pid, SIGKILL);
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  const int status = wait_for_process(pid);

  // A result the child managed to write is the best account of the run.
  bool have_result = false;
  if (!result_text.empty()) {
    try {
      r = nlohmann::json::parse(result_text).get<RunResult>();
      have_result = true;
    } catch (const nlohmann::json::exception&) {
    }
  }
  // A signal to heapreplay that arrived while the child was ending (or that
  // reached the child too, as Ctrl-C reaches the whole process group) still
  // makes the run interrupted rather than crashed.
  if (interrupted_by == 0 && !have_result) interrupted_by = interrupt_signal();
  if (interrupted_by != 0) {
    r.status = "interrupted";
    r.signal = 0;
    r.status_detail = "heapreplay received " + signal_text(interrupted_by) + "; the run was killed before it ended";
    return r;
  }
  if (timed_out) {
    r.status = "timeout";
    r.status_detail = "no result within " +
                      std::to_string(std::chrono::duration<double>(opt.timeout).count()).substr(0, 6) + " s; killed";
    return r;
  }
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    r.status = "crashed";
    r.signal = sig;
    r.status_detail = "killed by " + signal_text(sig);
    // heapreplay kills a run only at its time-out (status timeout) or when
    // interrupted (status interrupted), so this SIGKILL came from outside.
    if (sig == SIGKILL)
      r.status_detail += " (signal 9) from outside heapreplay: another process, or the kernel's out-of-memory killer";
    std::string msg = last_line(err_text);
    if (!msg.empty()) r.status_detail += ": " + msg;
    return r;
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (have_result && (code == kChildOk || code == kChildRunFailed)) return r;
  std::string msg = last_line(err_text);
  return failed(msg.empty() ? "child exited with status " + std::to_string(code) : msg);
}

}  // namespace heapreplay
