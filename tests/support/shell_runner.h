// Test helpers for `heapreplay shell`: run it with given stdin bytes (through
// a file or a pipe), and drive it through a pseudo-terminal as a person would.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "support/cli_runner.h"

namespace heapreplay::test {

// Runs heapreplay with `args`, stdin read from the file `input_path`.
inline CliResult run_cli_stdin_file(const std::vector<std::string>& args, const std::string& input_path,
                                    const std::string& prefix = "") {
  TempDir dir;
  std::string cmd = prefix + shell_quote(heapreplay_binary());
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " <" + shell_quote(input_path) + " >" + dir.file("out") + " 2>" + dir.file("err");
  const int raw = std::system(cmd.c_str());
  CliResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = read_file(dir.file("out"));
  r.err = read_file(dir.file("err"));
  return r;
}

// Runs heapreplay with `args`, `input` written into its stdin through a pipe.
inline CliResult run_cli_piped(const std::vector<std::string>& args, const std::string& input) {
  TempDir dir;
  const std::string in = dir.write("in", input);
  std::string cmd = "cat " + shell_quote(in) + " | " + shell_quote(heapreplay_binary());
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " >" + dir.file("out") + " 2>" + dir.file("err");
  const int raw = std::system(cmd.c_str());
  CliResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = read_file(dir.file("out"));
  r.err = read_file(dir.file("err"));
  return r;
}

// The homework's VMA tests: the names NN-vma of the folders under
// ../shared/data/vma/tests holding NN-vma.in and NN-vma.ref, sorted; empty
// when that folder is absent.
inline std::string vma_data_dir() { return std::string(HR_SHARED_DATA) + "/vma/tests"; }
inline std::vector<std::string> vma_data_tests() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(vma_data_dir(), ec)) {
    const std::string n = e.path().filename().string();
    if (std::filesystem::exists(e.path() / (n + ".in")) && std::filesystem::exists(e.path() / (n + ".ref")))
      names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Where two outputs first differ, for a failure message that stays short
// even when the outputs are megabytes: "line 12: got "..." want "..."".
inline std::string first_difference(const std::string& got, const std::string& want) {
  std::size_t line = 1, start = 0, i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) {
    if (got[i] == '\n') {
      ++line;
      start = i + 1;
    }
    ++i;
  }
  auto line_at = [&](const std::string& s) {
    const std::size_t end = s.find('\n', start);
    std::string l = s.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
    if (l.size() > 200) l = l.substr(0, 200) + "...";
    std::string shown;
    for (char c : l) shown += c == '\t' ? std::string("\\t") : c == '\n' ? std::string("\\n") : std::string(1, c);
    return "\"" + shown + "\"";
  };
  return "line " + std::to_string(line) + ": got " + (start < got.size() ? line_at(got) : "end of output") + ", want " +
         (start < want.size() ? line_at(want) : "end of output") + " (sizes " + std::to_string(got.size()) + " and " +
         std::to_string(want.size()) + " bytes)";
}

// heapreplay on a pseudo-terminal: what it writes is collected, `expect`
// waits for a text to appear, `send` types.
class PtySession {
 public:
  explicit PtySession(const std::vector<std::string>& args) {
    struct winsize ws {};
    ws.ws_row = 40;
    ws.ws_col = 200;
    pid_ = ::forkpty(&master_, nullptr, nullptr, &ws);
    if (pid_ == 0) {
      ::setenv("TERM", "xterm", 1);
      std::vector<std::string> argv_s = {heapreplay_binary()};
      argv_s.insert(argv_s.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : argv_s) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~PtySession() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) ::close(master_);
  }
  PtySession(const PtySession&) = delete;
  PtySession& operator=(const PtySession&) = delete;

  bool started() const { return pid_ > 0 && master_ >= 0; }

  // Waits until `text` appears in the output after what earlier expects
  // consumed; true if it did within the time limit.
  bool expect(const std::string& text, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      const std::size_t at = output_.find(text, consumed_);
      if (at != std::string::npos) {
        consumed_ = at + text.size();
        return true;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !read_some(static_cast<int>(left.count()))) return false;
    }
  }

  // Waits until the line editor has the terminal (canonical mode off), so
  // that a key the kernel would otherwise take itself, such as Ctrl-D in
  // canonical mode, reaches the editor; false if that did not happen in time.
  bool wait_editing(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      termios t{};
      if (::tcgetattr(master_, &t) == 0 && (t.c_lflag & ICANON) == 0) return true;
      read_some(10);
    }
    return false;
  }

  void send(const std::string& text) {
    std::size_t off = 0;
    while (off < text.size()) {
      const ssize_t n = ::write(master_, text.data() + off, text.size() - off);
      if (n <= 0) return;
      off += static_cast<std::size_t>(n);
    }
  }

  // Waits for the process to end (reading what it still writes); its exit
  // status, or -1 if it did not exit normally within the limit.
  int wait_exit(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        while (read_some(50)) {
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      read_some(50);
    }
    return -1;
  }

  const std::string& output() const { return output_; }

 private:
  bool read_some(int timeout_ms) {
    pollfd p{master_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::read(master_, buf, sizeof buf);
    if (n <= 0) return false;  // EIO once the child has closed the terminal
    output_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int master_ = -1;
  bool exited_ = false;
  std::string output_;
  std::size_t consumed_ = 0;
};

}  // namespace heapreplay::test
