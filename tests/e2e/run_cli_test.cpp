// `heapreplay run` and `heapreplay exec` end to end, on a tiny program of
// ours (tests/support/run_probe.c) and a stand-in for a design's drop-in
// library (tests/support/fake_dropin.c): every option, every bad input, the
// report, and what exec passes through.
#include <signal.h>
#include <sys/stat.h>
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

namespace fs = std::filesystem;
using test::read_file;
using test::run_cli;
using test::shell_quote;
using test::TempDir;

std::string probe() { return std::string(HR_BIN_DIR) + "/run_probe"; }
std::string fake_dropin() { return std::string(HR_LIB_DIR) + "/libhr_fake_dropin.so"; }

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_file(path)); }

// A copy of the build's layout, bin/heapreplay and lib/, in a folder of
// the build tree (a hard link where it can be, so that /proc/self/exe names
// this bin/): its lib/ holds only what a test puts there.
class Layout {
 public:
  Layout() {
    root_ = fs::path(HR_BIN_DIR).parent_path() /
            ("run-layout-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::remove_all(root_);
    fs::create_directories(root_ / "bin");
    fs::create_directories(root_ / "lib");
    std::error_code ec;
    fs::create_hard_link(test::heapreplay_binary(), binary(), ec);
    if (ec) fs::copy_file(test::heapreplay_binary(), binary());
  }
  ~Layout() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  std::string binary() const { return (root_ / "bin" / "heapreplay").string(); }
  std::string lib(const std::string& name) const { return (root_ / "lib" / name).string(); }
  void add_dropin(const std::string& design) const {
    fs::copy_file(fake_dropin(), lib("libhr_malloc_" + design + ".so"));
  }
  test::CliResult run(const std::vector<std::string>& args) const {
    return test::run_cli_in_child(
        args, [] { return true; }, nullptr, binary());
  }

 private:
  fs::path root_;
  static inline int counter_ = 0;
};

TEST(RunCli, MeasuresEachRunOfTheProgram) {
  TempDir dir;
  auto r = run_cli({"run", "-a", "glibc", "-r", "2", "-o", dir.file("r.json"), "--", probe(), "alloc", "64"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("program"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("run_probe"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2/2"), std::string::npos) << r.out;
  auto j = read_json(dir.file("r.json"));
  EXPECT_EQ(j["context"]["kind"], "program");
  ASSERT_EQ(j["runs"].size(), 2u);
  for (const auto& run : j["runs"]) {
    EXPECT_EQ(run["kind"], "program");
    EXPECT_EQ(run["trace"], "run_probe");
    EXPECT_EQ(run["allocator"], "glibc");
    EXPECT_EQ(run["status"], "ok");
    EXPECT_EQ(run["exit_code"], 0);
    EXPECT_EQ(run["command"], nlohmann::json::array({probe(), "alloc", "64"}));
    EXPECT_GT(run["wall_ns"].get<std::uint64_t>(), 0u);
    // 64 MiB written: its peak RSS holds them, and the faults that made them.
    EXPECT_GE(run["peak_rss_bytes"].get<std::uint64_t>(), 64u << 20);
    EXPECT_GE(run["minor_faults"].get<std::uint64_t>(), (64u << 20) / 4096 / 2);
    EXPECT_GT(run["user_ns"].get<std::uint64_t>() + run["sys_ns"].get<std::uint64_t>(), 0u);
    EXPECT_GT(run["spawn_rss_bytes"].get<std::uint64_t>(), 0u);
    EXPECT_EQ(run["rss_method"], "ru_maxrss");
  }
  EXPECT_EQ(j["runs"][0]["repetition"], 0);
  EXPECT_EQ(j["runs"][1]["repetition"], 1);
  ASSERT_EQ(j["aggregates"].size(), 1u);
  EXPECT_EQ(j["aggregates"][0]["kind"], "program");
  EXPECT_EQ(j["aggregates"][0]["metrics"]["wall_ns"]["n"], 2);
  EXPECT_TRUE(j["aggregates"][0]["metrics"].contains("peak_rss_bytes"));
  EXPECT_TRUE(j["aggregates"][0]["metrics"].contains("involuntary_switches"));

  // The report reads back: `report` prints the same program table.
  auto again = run_cli({"report", dir.file("r.json")});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("run_probe"), std::string::npos);
  EXPECT_NE(again.out.find("peak RSS"), std::string::npos);
}

TEST(RunCli, InterleavesRepetitionsAcrossAllocators) {
  TempDir dir;
  auto r = run_cli({"run", "-a", "glibc", "-a", "preload:" + fake_dropin(), "-r", "2", "-o", dir.file("r.json"), "--",
                    probe(), "out", "x"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto runs = read_json(dir.file("r.json"))["runs"];
  ASSERT_EQ(runs.size(), 4u);
  const std::string fake = "preload:" + fake_dropin();
  const std::string order[] = {"glibc", fake, "glibc", fake};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(runs[i]["allocator"], order[i]);
    EXPECT_EQ(runs[i]["repetition"], i / 2);
  }
}

// Each bad outcome is that run's status; the other programs' runs go on.
TEST(RunCli, EveryBadOutcomeIsItsRunsStatus) {
  TempDir dir;
  std::string not_exec = dir.write("not-executable", "#!/bin/sh\necho hi\n");
  ::chmod(not_exec.c_str(), 0644);
  std::string list = dir.write("programs.txt",
                               "# the bad, and one good\n"
                               "good: " +
                                   probe() +
                                   " out fine\n"
                                   "\n"
                                   "missing: no-such-program-xyz arg\n"
                                   "noexec: " +
                                   not_exec +
                                   "\n"
                                   "crash: " +
                                   probe() +
                                   " err 'about to crash' signal 11\n"
                                   "hang: " +
                                   probe() +
                                   " sleep 20000\n"
                                   "fails: " +
                                   probe() + " err 'first line' err \"it broke: \\\"x\\\"\" exit 3\n");
  auto r = run_cli({"run", "-a", "glibc", "--timeout", "0.5", "--programs", list, "-o", dir.file("r.json")});
  EXPECT_EQ(r.status, 1) << r.err;
  auto runs = read_json(dir.file("r.json"))["runs"];
  ASSERT_EQ(runs.size(), 6u);
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& run : runs) by_name[run["trace"].get<std::string>()] = run;
  EXPECT_EQ(by_name["good"]["status"], "ok");
  EXPECT_EQ(by_name["missing"]["status"], "failed");
  EXPECT_EQ(by_name["missing"]["status_detail"], "cannot run 'no-such-program-xyz': No such file or directory");
  EXPECT_EQ(by_name["noexec"]["status"], "failed");
  EXPECT_EQ(by_name["noexec"]["status_detail"], "cannot run '" + not_exec + "': Permission denied");
  EXPECT_EQ(by_name["crash"]["status"], "crashed");
  EXPECT_EQ(by_name["crash"]["signal"], 11);
  EXPECT_EQ(by_name["crash"]["status_detail"], "killed by SIGSEGV: about to crash");
  EXPECT_EQ(by_name["hang"]["status"], "timeout");
  EXPECT_EQ(by_name["hang"]["status_detail"], "still running after 0.5 s; killed with its process group");
  EXPECT_LT(by_name["hang"]["wall_ns"].get<std::uint64_t>(), 5'000'000'000u);
  EXPECT_EQ(by_name["fails"]["status"], "failed");
  EXPECT_EQ(by_name["fails"]["exit_code"], 3);
  EXPECT_EQ(by_name["fails"]["status_detail"], "exited with status 3: it broke: \"x\"");
  // One line on stderr per run that was not ok, naming it.
  EXPECT_NE(r.err.find("glibc on crash (repetition 1): crashed: killed by SIGSEGV"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("timeout: still running after 0.5 s"), std::string::npos) << r.out;
}

TEST(RunCli, MalformedProgramsFileSaysWhereAndRunsNothing) {
  TempDir dir;
  struct Case {
    std::string text, message;
  } cases[] = {
      {"ok: /bin/true\nno colon here\n", ":2: expected NAME: COMMAND"},
      {"a: /bin/true\na: /bin/false\n", ":2: program 'a' is named twice"},
      {"x: echo 'unclosed\n", ":1: unclosed single quote"},
      {"x: echo \"unclosed\n", ":1: unclosed double quote"},
      {"x: echo trailing\\", ":1: a backslash at the end of the command"},
      {"bad name: /bin/true\n", ":1: program name 'bad name' may hold only"},
      {": /bin/true\n", ":1: no program name before ':'"},
      {"empty:   # only a comment\n", ":1: no command after 'empty:'"},
      {"# nothing\n\n", ": no program in it"},
  };
  for (const Case& c : cases) {
    std::string list = dir.write("p.txt", c.text);
    auto r = run_cli({"run", "-a", "glibc", "-o", dir.file("r.json"), "--programs", list});
    EXPECT_EQ(r.status, 2) << c.text;
    EXPECT_NE(r.err.find(list + c.message), std::string::npos) << c.text << " -> " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(dir.file("r.json")));
  }
  auto r = run_cli({"run", "-a", "glibc", "--programs", dir.file("absent.txt")});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("absent.txt: cannot read the programs file"), std::string::npos) << r.err;
}

TEST(RunCli, KeepsOutputPerRunAndFeedsStdinFromItsStart) {
  TempDir dir;
  std::string input = dir.write("in.txt", "line one\nline two\n");
  std::string kept = dir.file("kept");  // made by run
  auto r = run_cli({"run", "-a", "glibc", "-r", "2", "--stdin", input, "--keep-output", kept, "-o", dir.file("r.json"),
                    "--", probe(), "cat", "-", "err", "to stderr"});
  ASSERT_EQ(r.status, 0) << r.err;
  for (int rep = 1; rep <= 2; ++rep) {
    const std::string base = kept + "/run_probe.glibc." + std::to_string(rep);
    EXPECT_EQ(read_file(base + ".stdout"), "line one\nline two\n");
    EXPECT_EQ(read_file(base + ".stderr"), "to stderr\n");
  }
  auto runs = read_json(dir.file("r.json"))["runs"];
  EXPECT_EQ(runs[1]["stdout_path"], kept + "/run_probe.glibc.2.stdout");
  EXPECT_EQ(runs[1]["stderr_path"], kept + "/run_probe.glibc.2.stderr");
  // An allocator spec's ':' and '/' do not make folders of the file name.
  auto p = run_cli({"run", "-a", "preload:" + fake_dropin(), "--keep-output", kept, "--", probe(), "out", "y"});
  ASSERT_EQ(p.status, 0) << p.err;
  std::string name = "preload_" + fake_dropin();
  for (char& c : name)
    if (c == '/') c = '_';
  EXPECT_EQ(read_file(kept + "/run_probe." + name + ".1.stdout"), "y\n");
  // Without --keep-output, nothing is written anywhere but the report.
  auto q = run_cli({"run", "-a", "glibc", "--", probe(), "out", "discarded"});
  EXPECT_EQ(q.status, 0);
  EXPECT_EQ(q.out.find("discarded"), std::string::npos);
}

TEST(RunCli, CwdAndEnvReachTheProgram) {
  TempDir dir;
  std::string kept = dir.file("kept");
  auto r = run_cli({"run",   "-a",         "glibc",         "--cwd", dir.path(),  "--env", "HR_TEST_A=one two",
                    "--env", "HR_TEST_B=", "--keep-output", kept,    "--",        probe(), "cwd",
                    "-",     "env",        "HR_TEST_A",     "env",   "HR_TEST_B", "env",   "LD_PRELOAD"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_file(kept + "/run_probe.glibc.1.stdout"),
            fs::canonical(dir.path()).string() + "\nHR_TEST_A=one two\nHR_TEST_B=\nLD_PRELOAD unset\n");
}

TEST(RunCli, RefusesBadOptionsBeforeRunning) {
  TempDir dir;
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"run", "--", "/bin/true"}, "no allocator given"},
      {{"run", "-a", "glibc"}, "no program given"},
      {{"run", "-a", "null", "--", "/bin/true"}, "allocator 'null' hands out no memory"},
      {{"run", "-a", "nosuch", "--", "/bin/true"}, "unknown allocator 'nosuch'"},
      {{"run", "-a", "glibc:x=1", "--", "/bin/true"},
       "allocator 'glibc:x=1': unknown option 'x' at position 7; valid: "},
      {{"run", "-a", "glibc:arena_max=0", "--", "/bin/true"}, "arena_max needs an unsigned integer from 1 up"},
      {{"run", "-a", "glibc:arena_max={1,", "--", "/bin/true"}, "'{' not closed at position 17"},
      {{"run", "-a", "glibc+lock", "--", "/bin/true"}, "only our designs have a +lock variant"},
      {{"run", "-a", "segfit:no_such_option=1", "--", "/bin/true"}, "no_such_option"},
      {{"run", "-a", "preload:/no/such/lib.so", "--", "/bin/true"}, "cannot read library '/no/such/lib.so'"},
      {{"run", "-a", "glibc", "-r", "0", "--", "/bin/true"}, "--repetitions must be at least 1"},
      {{"run", "-a", "glibc", "--timeout", "0", "--", "/bin/true"}, "--timeout must be a positive"},
      {{"run", "-a", "glibc", "--memory-limit", "lots", "--", "/bin/true"}, "--memory-limit needs a size"},
      {{"run", "-a", "glibc", "--env", "NOEQUALS", "--", "/bin/true"}, "--env needs NAME=VALUE"},
      {{"run", "-a", "glibc", "--env", "1X=y", "--", "/bin/true"}, "--env needs NAME=VALUE"},
      {{"run", "-a", "glibc", "--env", "LD_PRELOAD=/x.so", "--", "/bin/true"}, "--env cannot set LD_PRELOAD"},
      {{"run", "-a", "glibc", "--cwd", "/no/such/dir", "--", "/bin/true"}, "--cwd: /no/such/dir is not a folder"},
      {{"run", "-a", "glibc", "--stdin", "/no/such/file", "--", "/bin/true"}, "--stdin: cannot read /no/such/file"},
      {{"run", "-a", "glibc", "--programs", "p.txt", "--", "/bin/true"},
       "give one of -- PROGRAM ARGS, --programs FILE and --suite programs"},
      {{"run", "-a", "glibc", "--bogus", "--", "/bin/true"}, "bogus"},
      {{"run", "-a", "glibc", "--suite", "quick"}, "--suite: run has one suite, programs"},
      {{"run", "-a", "glibc", "--scale", "2", "--", "/bin/true"}, "--scale and --only go with --suite programs"},
      {{"run", "-a", "glibc", "--suite", "programs", "--scale", "0"}, "--scale must be above 0"},
      {{"run", "-a", "glibc", "--suite", "programs", "--only", "nosuch"}, "--only: no program 'nosuch'"},
  };
  for (const Case& c : cases) {
    auto r = run_cli(c.args);
    EXPECT_EQ(r.status, 2) << c.args[2] << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  // A --keep-output folder that cannot be made: 3, nothing run.
  auto k = run_cli({"run", "-a", "glibc", "--keep-output", "/proc/no-such/dir", "--", "/bin/true"});
  EXPECT_EQ(k.status, 3) << k.err;
  EXPECT_NE(k.err.find("--keep-output: cannot create /proc/no-such/dir"), std::string::npos) << k.err;
}

TEST(RunCli, MemoryLimitBoundsTheProgram) {
  auto r = run_cli({"run", "-a", "glibc", "--memory-limit", "64M", "--", probe(), "alloc", "256"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("failed: exited with status 3: run_probe: malloc of 256 MiB failed"), std::string::npos)
      << r.err;
}

TEST(RunCli, CheckOutputFailsARunWhoseOutputDiffers) {
  TempDir dir;
  // The program prints what LD_PRELOAD holds: the same for two runs of
  // glibc, different under a preloaded library.
  const std::string fake = "preload:" + fake_dropin();
  auto r = run_cli({"run", "-a", "glibc", "-a", fake, "-a", "glibc", "-r", "2", "--check-output", "-o",
                    dir.file("r.json"), "--", probe(), "out", "same first line", "env", "LD_PRELOAD"});
  EXPECT_EQ(r.status, 1) << r.err;
  auto runs = read_json(dir.file("r.json"))["runs"];
  ASSERT_EQ(runs.size(), 6u);
  EXPECT_EQ(runs[0]["output_check"], "reference");
  EXPECT_EQ(runs[1]["output_check"], "differs");
  EXPECT_EQ(runs[1]["status"], "failed");
  EXPECT_EQ(runs[1]["status_detail"],
            "stdout differs at line 2 (byte 27) from glibc's (repetition 1): an allocator must not change a program's "
            "output");
  EXPECT_EQ(runs[2]["output_check"], "same");
  EXPECT_EQ(runs[2]["status"], "ok");
  EXPECT_EQ(runs[3]["output_check"], "reference");
  EXPECT_NE(runs[4]["status_detail"].get<std::string>().find("from glibc's (repetition 2)"), std::string::npos);

  // Output that ends early is a difference too.
  std::string list = dir.write("p.txt", "p: sh -c 'if [ -n \"$LD_PRELOAD\" ]; then echo a; else echo a; echo b; fi'\n");
  auto e = run_cli({"run", "-a", "glibc", "-a", fake, "--check-output", "-o", dir.file("e.json"), "--programs", list});
  EXPECT_EQ(e.status, 1);
  EXPECT_EQ(read_json(dir.file("e.json"))["runs"][1]["status_detail"],
            "stdout ends early after byte 2 (line 2) from glibc's (repetition 1): an allocator must not change a "
            "program's output");
}

TEST(RunCli, DesignsPreloadTheirDropinLibraryWithTheirOptions) {
  Layout layout;
  layout.add_dropin("segfit");
  TempDir dir;
  std::string kept = dir.file("kept");
  auto r = layout.run({"run", "-a", "segfit:page_bytes=8192", "-a", "segfit+lock", "-a", "sizeclass", "--keep-output",
                       kept, "-o", dir.file("r.json"), "--", probe(), "dropin", "-", "env", "LD_PRELOAD"});
  EXPECT_EQ(r.status, 1) << r.err;  // sizeclass's library is not in this layout
  EXPECT_EQ(read_file(kept + "/run_probe.segfit_page_bytes=8192.1.stdout"),
            "dropin loaded, options 'page_bytes=8192'\nLD_PRELOAD=" + layout.lib("libhr_malloc_segfit.so") + "\n");
  EXPECT_EQ(read_file(kept + "/run_probe.segfit+lock.1.stdout"),
            "dropin loaded, options ''\nLD_PRELOAD=" + layout.lib("libhr_malloc_segfit.so") + "\n");
  auto runs = read_json(dir.file("r.json"))["runs"];
  EXPECT_EQ(runs[2]["status"], "failed");
  EXPECT_EQ(runs[2]["status_detail"],
            "the drop-in library of sizeclass is missing: " + layout.lib("libhr_malloc_sizeclass.so"));
  EXPECT_EQ(runs[1]["allocator"], "segfit+lock");
  // -a all takes the designs whose library is there, and no null.
  auto all = layout.run({"run", "-a", "all", "-o", dir.file("all.json"), "--", "/bin/true"});
  auto names = read_json(dir.file("all.json"))["context"]["preloads"];
  EXPECT_TRUE(names.contains("glibc"));
  EXPECT_TRUE(names.contains("segfit"));
  EXPECT_FALSE(names.contains("sizeclass"));
  EXPECT_FALSE(names.contains("null"));
}

TEST(RunCli, InterruptKillsTheRunInProgressAndWritesWhatItHas) {
  TempDir dir;
  const std::string pid_file = dir.file("pid");
  std::vector<std::string> argv = {test::heapreplay_binary(), "run", "-a",    "glibc", "-r",     "3",     "-o",
                                   dir.file("r.json"),        "--",  probe(), "pid",   pid_file, "sleep", "30000"};
  pid_t hr = ::fork();
  if (hr == 0) {
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    std::vector<char*> v;
    for (auto& a : argv) v.push_back(a.data());
    v.push_back(nullptr);
    ::execv(v[0], v.data());
    ::_exit(127);
  }
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!fs::exists(pid_file) && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  pid_t program = static_cast<pid_t>(std::stol(read_file(pid_file)));
  ::kill(hr, SIGINT);
  int status = 0;
  ::waitpid(hr, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_NE(::kill(program, 0), 0) << "the program outlived the interrupted run";
  auto j = read_json(dir.file("r.json"));
  EXPECT_EQ(j["interrupted"]["signal"], "SIGINT");
  EXPECT_EQ(j["interrupted"]["completed_runs"], 0);
  EXPECT_EQ(j["interrupted"]["planned_runs"], 3);
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(j["runs"][0]["status"], "interrupted");
}

// exec: one program, its stdin, stdout, stderr and exit status its own.
TEST(ExecCli, PassesEverythingThrough) {
  auto r = run_cli({"exec", "-a", "glibc", "--env", "HR_TEST_C=c", "--", probe(), "out", "hello", "err", "on stderr",
                    "env", "HR_TEST_C", "exit", "7"});
  EXPECT_EQ(r.status, 7);
  EXPECT_EQ(r.out, "hello\nHR_TEST_C=c\n");
  EXPECT_EQ(r.err, "on stderr\n");
  // stdin is the caller's.
  TempDir dir;
  std::string input = dir.write("in", "from stdin\n");
  std::string cmd = shell_quote(test::heapreplay_binary()) + " exec -a preload:" + fake_dropin() + " -- " +
                    shell_quote(probe()) + " cat - dropin - < " + shell_quote(input);
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[256] = {};
  std::string got;
  while (std::fgets(buf, sizeof buf, p)) got += buf;
  EXPECT_EQ(::pclose(p), 0);
  EXPECT_EQ(got, "from stdin\ndropin loaded, options '(unset)'\n");
}

TEST(ExecCli, ASignalDeathReadsAsAShellShowsIt) {
  std::string cmd = shell_quote(test::heapreplay_binary()) + " exec -a glibc -- " + shell_quote(probe()) +
                    " signal 6 2>/dev/null; echo $?";
  FILE* p = ::popen(("bash -c " + shell_quote(cmd)).c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[64] = {};
  ASSERT_NE(std::fgets(buf, sizeof buf, p), nullptr);
  ::pclose(p);
  EXPECT_STREQ(buf, "134\n");  // 128 + SIGABRT
}

TEST(ExecCli, RefusesWhatCannotRun) {
  TempDir dir;
  std::string not_exec = dir.write("plain", "x\n");
  auto missing = run_cli({"exec", "-a", "glibc", "--", "no-such-program-xyz"});
  EXPECT_EQ(missing.status, 127);
  EXPECT_EQ(missing.err, "heapreplay exec: cannot run 'no-such-program-xyz': No such file or directory\n");
  auto noexec = run_cli({"exec", "-a", "glibc", "--", not_exec});
  EXPECT_EQ(noexec.status, 126);
  EXPECT_EQ(noexec.err, "heapreplay exec: cannot run '" + not_exec + "': Permission denied\n");
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"exec", "-a", "null", "--", "/bin/true"},
                                             {"exec", "--", "/bin/true"},
                                             {"exec", "-a", "all", "--", "/bin/true"},
                                             {"exec", "-a", "glibc"},
                                             {"exec", "-a", "glibc", "--env", "=x", "--", "/bin/true"}}) {
    auto r = run_cli(args);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  Layout layout;
  auto design = layout.run({"exec", "-a", "pages", "--", "/bin/true"});
  EXPECT_EQ(design.status, 2);
  EXPECT_EQ(design.err, "heapreplay exec: the drop-in library of pages is missing: " +
                            layout.lib("libhr_malloc_pages.so") + "; nothing was run\n");
  layout.add_dropin("pages");
  auto ok = layout.run({"exec", "-a", "pages:fail_after_bytes=1G", "--", probe(), "dropin", "-"});
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(ok.out, "dropin loaded, options 'fail_after_bytes=1G'\n");
}

}  // namespace
}  // namespace heapreplay
