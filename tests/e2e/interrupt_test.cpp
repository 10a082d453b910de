// An interrupted session (SIGINT or SIGTERM to heapreplay while a run is in
// progress) and a run killed from outside: the driver stops starting runs,
// kills the run in progress, prints the table and writes a valid report of
// what completed, marked as interrupted, and exits 128 + the signal.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/cli_runner.h"

namespace heapreplay {
namespace {

using test::run_cli;
using test::TempDir;

// heapreplay running in the background, its output going to files.
class Background {
 public:
  Background(const TempDir& dir, const std::vector<std::string>& args) : dir_(dir) {
    std::vector<std::string> argv = {test::heapreplay_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      int out = ::open(dir.file("out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = ::open(dir.file("err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int in = ::open("/dev/null", O_RDONLY);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      std::vector<char*> v;
      for (auto& a : argv) v.push_back(a.data());
      v.push_back(nullptr);
      ::execv(v[0], v.data());
      ::_exit(127);
    }
  }
  ~Background() {
    if (pid_ > 0 && status_ == -2) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }

  // A /proc file of a process that may exit while it is read: "" then (an
  // ifstream throws from underflow when read() fails with ESRCH).
  static std::string read_proc_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "";
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return n < 0 ? "" : text;
  }

  // The pid of heapreplay's child whose command line holds `needle`, once
  // there is one (within 20 s), or -1.
  pid_t child_with(const std::string& needle) const {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      for (const auto& e : std::filesystem::directory_iterator("/proc")) {
        std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const std::string text = read_proc_file((e.path() / "stat").string());
        auto close = text.rfind(')');
        if (close == std::string::npos) continue;
        char state = 0;
        long ppid = 0;
        if (std::sscanf(text.c_str() + close + 1, " %c %ld", &state, &ppid) != 2 || ppid != pid_) continue;
        const std::string args = read_proc_file((e.path() / "cmdline").string());
        if (args.find(needle) != std::string::npos && args.find("__run") != std::string::npos)
          return static_cast<pid_t>(std::stol(name));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

  // Waits (at most 20 s) and returns the exit status, or -1 if it did not exit.
  int wait() {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    int raw = 0;
    while (std::chrono::steady_clock::now() < until) {
      pid_t got = ::waitpid(pid_, &raw, WNOHANG);
      if (got == pid_) {
        status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
        return status_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
  std::string out() const { return test::read_file(dir_.file("out")); }
  std::string err() const { return test::read_file(dir_.file("err")); }

 private:
  const TempDir& dir_;
  pid_t pid_ = -1;
  int status_ = -2;
};

// A quick trace and one whose recorded timestamps make it last a minute
// under --pace recorded; both converted to .hrt, so that the child's command
// line names the file.
struct Traces {
  std::string fast, slow;
};
Traces make_traces(const TempDir& dir) {
  std::string fast = dir.write("fast.txt", "heapreplay-text 1\n@0 malloc 1 100\n@1000 free 1\n");
  std::string slow = dir.write("slow.txt", "heapreplay-text 1\n@0 malloc 1 100\n@60000000000 free 1\n");
  Traces t{dir.file("fast.hrt"), dir.file("slow.hrt")};
  // Plain, so that the children map these very files and name them in their
  // command lines (a compact file is replayed from a plain copy).
  EXPECT_EQ(run_cli({"convert", fast, t.fast, "--encoding", "plain"}).status, 0);
  EXPECT_EQ(run_cli({"convert", slow, t.slow, "--encoding", "plain"}).status, 0);
  return t;
}

void expect_interrupted_report(const std::string& path, const char* signal, std::size_t planned) {
  auto j = nlohmann::json::parse(test::read_file(path));
  EXPECT_EQ(j["schema"], "heapreplay.report/1");
  ASSERT_TRUE(j.contains("interrupted"));
  EXPECT_EQ(j["interrupted"]["signal"], signal);
  EXPECT_EQ(j["interrupted"]["planned_runs"], planned);
}

TEST(Interrupt, SigintStopsTheSessionKeepsCompletedRunsAndExits130) {
  TempDir dir;
  Traces t = make_traces(dir);
  Background hr(
      dir, {"replay", "-a", "segfit", "-a", "pages", "--pace", "recorded", "-o", dir.file("r.json"), t.fast, t.slow});
  pid_t child = hr.child_with("slow.hrt");
  ASSERT_GT(child, 0) << "the slow run never started: " << hr.err();
  ASSERT_EQ(::kill(hr.pid(), SIGINT), 0);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(hr.wait(), 130) << hr.err();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_NE(::kill(child, 0), 0) << "the run in progress was not killed";

  expect_interrupted_report(dir.file("r.json"), "SIGINT", 4);
  auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
  EXPECT_EQ(j["interrupted"]["completed_runs"], 2);
  ASSERT_EQ(j["runs"].size(), 3u);  // the two completed, the one killed; the fourth never started
  EXPECT_EQ(j["runs"][0]["status"], "ok");
  EXPECT_EQ(j["runs"][1]["status"], "ok");
  EXPECT_EQ(j["runs"][2]["status"], "interrupted");
  EXPECT_NE(j["runs"][2]["status_detail"].get<std::string>().find("SIGINT"), std::string::npos);
  EXPECT_EQ(j["runs"][2]["allocator"], "segfit");
  // The table shows what completed; stderr says it was interrupted.
  EXPECT_NE(hr.out().find("fast.hrt"), std::string::npos) << hr.out();
  EXPECT_NE(hr.err().find("interrupted by SIGINT after 2 of 4 runs"), std::string::npos) << hr.err();
  EXPECT_NE(hr.err().find("report written to"), std::string::npos) << hr.err();

  // The report is readable, and compare and report say it is incomplete.
  auto c = run_cli({"compare", dir.file("r.json"), dir.file("r.json")});
  EXPECT_NE(c.out.find("incomplete (interrupted by SIGINT after 2 of 4 runs)"), std::string::npos) << c.out << c.err;
  auto md = run_cli({"report", dir.file("r.json"), "--markdown", "-"});
  EXPECT_EQ(md.status, 0) << md.err;
  EXPECT_NE(md.out.find("**Incomplete:** interrupted by SIGINT after 2 of 4 runs"), std::string::npos) << md.out;
  EXPECT_NE(md.err.find("is incomplete"), std::string::npos) << md.err;
}

TEST(Interrupt, AChildKilledFromOutsideIsRecordedAsSuchThenSigtermExits143) {
  TempDir dir;
  Traces t = make_traces(dir);
  Background hr(
      dir, {"replay", "-a", "segfit", "-a", "pages", "--pace", "recorded", "-o", dir.file("r.json"), t.slow, t.fast});
  pid_t first = hr.child_with("slow.hrt");
  ASSERT_GT(first, 0) << hr.err();
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  // The session goes on: the next run is pages on the slow trace.
  pid_t second = -1;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (second <= 0 || second == first) {
    ASSERT_LT(std::chrono::steady_clock::now(), until) << hr.err();
    second = hr.child_with("slow.hrt");
  }
  ASSERT_EQ(::kill(hr.pid(), SIGTERM), 0);
  EXPECT_EQ(hr.wait(), 143) << hr.err();
  expect_interrupted_report(dir.file("r.json"), "SIGTERM", 4);
  auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
  ASSERT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][0]["status"], "crashed");
  EXPECT_EQ(j["runs"][0]["signal"], 9);
  std::string detail = j["runs"][0]["status_detail"];
  EXPECT_NE(detail.find("SIGKILL (signal 9) from outside heapreplay"), std::string::npos) << detail;
  EXPECT_EQ(j["runs"][1]["status"], "interrupted");
  EXPECT_EQ(j["interrupted"]["completed_runs"], 1);
  EXPECT_NE(hr.err().find("from outside heapreplay"), std::string::npos) << hr.err();
}

TEST(Interrupt, BenchIsInterruptedTheSameWay) {
  TempDir dir;
  Traces t = make_traces(dir);
  Background hr(dir, {"bench", "--no-suite", "--trace", t.fast, "--trace", t.slow, "-a", "segfit", "--pace", "recorded",
                      "-o", dir.file("r.json")});
  ASSERT_GT(hr.child_with("slow.hrt"), 0) << hr.err();
  ASSERT_EQ(::kill(hr.pid(), SIGTERM), 0);
  EXPECT_EQ(hr.wait(), 143) << hr.err();
  expect_interrupted_report(dir.file("r.json"), "SIGTERM", 2);
  auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
  ASSERT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][0]["status"], "ok");
  EXPECT_EQ(j["runs"][1]["status"], "interrupted");
  EXPECT_TRUE(j.contains("aggregates"));
}

TEST(Interrupt, OurOwnTimeoutKillIsATimeoutNotAKillFromOutside) {
  TempDir dir;
  Traces t = make_traces(dir);
  auto r =
      run_cli({"replay", "-a", "segfit", "--pace", "recorded", "--timeout", "0.5", "-o", dir.file("r.json"), t.slow});
  EXPECT_EQ(r.status, 1) << r.err;
  auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
  EXPECT_FALSE(j.contains("interrupted"));
  EXPECT_EQ(j["runs"][0]["status"], "timeout");
  EXPECT_EQ(j["runs"][0]["status_detail"].get<std::string>().find("outside"), std::string::npos);
}

TEST(Interrupt, ShrinkStopsAtSigintWithTheSmallestTraceSoFarWritten) {
  TempDir dir;
  ASSERT_EQ(run_cli({"gen", "synthetic", "-p", "events=200000", "--seed", "3", "-o", dir.file("t.hrt")}).status, 0);
  // Most candidates keep this outcome, so the search is long and every step
  // down writes the output anew.
  Background shrink(dir, {"trace", "shrink", dir.file("t.hrt"), "-o", dir.file("min.hrt"), "-a", "sizeclass", "--until",
                          "peak_live_bytes>100000"});
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (shrink.err().find("candidates tried") == std::string::npos && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_NE(shrink.err().find("candidates tried"), std::string::npos) << shrink.err();
  ::kill(shrink.pid(), SIGINT);
  EXPECT_EQ(shrink.wait(), 130) << shrink.err();
  EXPECT_NE(shrink.err().find("stopped by a signal, not 1-minimal"), std::string::npos) << shrink.err();
  auto info = run_cli({"info", "--json", dir.file("min.hrt")});
  ASSERT_EQ(info.status, 0) << info.err;
  auto j = nlohmann::json::parse(info.out);
  EXPECT_LT(j["events"].get<std::uint64_t>(), 200000u);
  EXPECT_GT(j["peak_live_bytes"].get<std::uint64_t>(), 100000u);
  // Nothing but the output is left beside it (no temporary of the atomic write).
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 4u);  // t.hrt, min.hrt, out, err
}

}  // namespace
}  // namespace heapreplay
