// End-to-end tests of `heapreplay record` on real programs (no system
// allocator replays; those are in record_system_test.cpp): our multi-threaded
// mt_alloc, whose own counts of calls the traces must match; fork, exec,
// exit() from a secondary thread and fatal signals; the output files; usage
// errors; a link planted at the output path.
//
// mt_alloc counts the calls it makes; the C library makes a few of its own
// (the stdout buffer, each thread's TLS, free(NULL) at thread exit). Those are
// the same in a run with --items 0 and the same options, so each check is:
// trace minus program is the same in the full run as in that baseline run.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support/cli_runner.h"
#include "traces/hrt_format.h"

namespace heapreplay {
namespace {

using test::run_cli;
using test::TempDir;
namespace fs = std::filesystem;

const char* kKinds[] = {"malloc", "calloc", "realloc", "free", "aligned", "free_null", "cross_thread_frees"};

std::string mt_alloc() { return std::string(HR_BIN_DIR) + "/mt_alloc"; }

using Counts = std::map<std::string, long long>;

// The lines mt_alloc prints, by role (main, child, exec); "pid" is in each.
std::map<std::string, Counts> program_lines(const std::string& out) {
  std::map<std::string, Counts> lines;
  std::istringstream in(out);
  std::string line;
  static const std::regex field("([a-z_]+)=([0-9A-Za-z_]+)");
  while (std::getline(in, line)) {
    if (line.rfind("mt_alloc: ", 0) != 0) continue;
    Counts c;
    std::string role;
    for (std::sregex_iterator it(line.begin(), line.end(), field), end; it != end; ++it) {
      if ((*it)[1] == "role")
        role = (*it)[2];
      else
        c[(*it)[1]] = std::stoll((*it)[2]);
    }
    lines[role] = c;
  }
  return lines;
}

nlohmann::json info(const std::string& trace) {
  auto r = run_cli({"info", "--json", trace});
  EXPECT_EQ(r.status, 0) << r.err;
  return nlohmann::json::parse(r.out.empty() ? "{}" : r.out);
}

// Trace counts minus the program's, per kind.
Counts overhead(const nlohmann::json& trace, const Counts& program) {
  Counts d;
  for (const char* k : kKinds) d[k] = trace.value(k, 0LL) - program.at(k);
  return d;
}

void expect_consistent(const nlohmann::json& j, const std::string& what) {
  EXPECT_EQ(j["format"], "record") << what;
  EXPECT_EQ(j["timestamps"], true) << what;
  EXPECT_EQ(j["unmatched_free"], 0) << what;
  EXPECT_EQ(j["unmatched_realloc"], 0) << what;
  EXPECT_EQ(j["reused_live"], 0) << what;  // causal order: no address handed out while live
  EXPECT_EQ(j["failed_in_source"], 0) << what;
}

struct Recorded {
  test::CliResult cli;
  std::map<std::string, Counts> lines;
};

Recorded record(const std::vector<std::string>& heapreplay_args, const std::vector<std::string>& program_args) {
  std::vector<std::string> args = {"record"};
  args.insert(args.end(), heapreplay_args.begin(), heapreplay_args.end());
  args.push_back("--");
  args.push_back(mt_alloc());
  args.insert(args.end(), program_args.begin(), program_args.end());
  Recorded r;
  r.cli = run_cli(args);
  r.lines = program_lines(r.cli.out);
  return r;
}

TEST(Record, MultiThreadedCountsPerKindMatchWhatTheProgramDid) {
  TempDir dir;
  Recorded full = record({"-o", dir.file("full.hrt")}, {"--threads", "4", "--items", "5000"});
  Recorded base = record({"-o", dir.file("base.hrt")}, {"--threads", "4", "--items", "0"});
  ASSERT_EQ(full.cli.status, 0) << full.cli.err;
  ASSERT_EQ(base.cli.status, 0) << base.cli.err;
  ASSERT_EQ(full.lines.count("main"), 1u) << full.cli.out;
  ASSERT_EQ(base.lines.count("main"), 1u) << base.cli.out;
  const Counts& did = full.lines["main"];
  EXPECT_GT(did.at("calloc"), 0);
  EXPECT_GT(did.at("realloc"), 0);
  EXPECT_GT(did.at("aligned"), 0);
  EXPECT_GT(did.at("free_null"), 0);
  EXPECT_EQ(did.at("cross_thread_frees"), 4 * (5000 + 157));  // the objects and the batches of 32 they travel in

  nlohmann::json j = info(dir.file("full.hrt"));
  expect_consistent(j, "full");
  Counts over = overhead(j, did);
  EXPECT_EQ(over, overhead(info(dir.file("base.hrt")), base.lines["main"]));
  for (auto& [kind, n] : over) EXPECT_LE(n, 16) << kind << ": the C library's own calls are a handful";
  EXPECT_EQ(over["cross_thread_frees"], 0);

  // Main and the four workers; each worker's stream holds its own calls.
  EXPECT_EQ(j["threads"], 5);
  ASSERT_EQ(j["per_thread_events"].size(), 5u);
  long long sum = 0;
  for (auto& n : j["per_thread_events"]) sum += n.get<long long>();
  EXPECT_EQ(sum, j["events"].get<long long>());
  for (int t = 1; t < 5; ++t) EXPECT_GT(j["per_thread_events"][t].get<long long>(), 5000 * 2);

  // One line on stderr names the trace and what is in it.
  EXPECT_NE(
      full.cli.err.find("(pid " + std::to_string(did.at("pid")) + "): " + std::to_string(j["events"].get<long>()) +
                        " events, 5 thread(s), 20628 cross-thread frees"),
      std::string::npos)
      << full.cli.err;
}

// Either record clock times calls in real nanoseconds: a program that
// allocates, sleeps 300 ms and allocates again has that gap between two
// consecutive events, no shorter than the sleep and no longer than the whole
// run took by the test's own clock (a TSC scaled wrong by even 30% fails one).
TEST(Record, EachClockTimesCallsInNanoseconds) {
  std::vector<std::string> clocks = {"monotonic", "auto"};
#if defined(__x86_64__)
  clocks.push_back("tsc");
#endif
  for (const std::string& clock : clocks) {
    TempDir dir;
    const auto start = std::chrono::steady_clock::now();
    auto r = run_cli({"record", "--clock", clock, "-o", dir.file("t.hrt"), "--", "perl", "-e",
                      "my @a; push @a, 'x' x $_ for 1..2000; select(undef, undef, undef, 0.3); "
                      "push @a, 'y' x $_ for 1..2000;"});
    const auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
    ASSERT_EQ(r.status, 0) << clock << ": " << r.err;
    Trace t = read_hrt(dir.file("t.hrt"));
    ASSERT_EQ(t.timestamps_ns.size(), t.events.size()) << clock;
    ASSERT_GT(t.events.size(), 4000u) << clock;
    std::uint64_t gap = 0;
    std::size_t after = 0;
    for (std::size_t i = 1; i < t.timestamps_ns.size(); ++i) {
      ASSERT_GE(t.timestamps_ns[i], t.timestamps_ns[i - 1]) << clock << ": one thread's times go back at event " << i;
      if (t.timestamps_ns[i] - t.timestamps_ns[i - 1] > gap) {
        gap = t.timestamps_ns[i] - t.timestamps_ns[i - 1];
        after = i;
      }
    }
    EXPECT_GE(gap, 300'000'000u) << clock;
    EXPECT_LT(gap, static_cast<std::uint64_t>(wall.count())) << clock;
    EXPECT_LT(t.timestamps_ns.back(), static_cast<std::uint64_t>(wall.count())) << clock;
    EXPECT_GT(after, 2000u) << clock << ": the gap is the sleep, after the first 2000 strings";
  }
}

TEST(Record, AnUnknownClockIsAUsageError) {
  auto r = run_cli({"record", "--clock", "sundial", "--", "true"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--clock must be auto, tsc or monotonic, not 'sundial'"), std::string::npos) << r.err;
}

// Checks every image a run printed a line for against the same image of a
// baseline run (same options, --items 0): trace minus program must agree.
void expect_images_match(const Recorded& full, const Recorded& base,
                         const std::map<std::string, std::string>& full_trace_of_role,
                         const std::map<std::string, std::string>& base_trace_of_role) {
  for (auto& [role, trace] : full_trace_of_role) {
    SCOPED_TRACE(role);
    ASSERT_TRUE(fs::exists(trace)) << trace << "\n" << full.cli.err;
    ASSERT_TRUE(fs::exists(base_trace_of_role.at(role))) << base.cli.err;
    nlohmann::json j = info(trace);
    expect_consistent(j, role);
    Counts over = overhead(j, full.lines.at(role));
    EXPECT_EQ(over, overhead(info(base_trace_of_role.at(role)), base.lines.at(role)));
    // Never fewer calls than the program made (one lost in both runs alike
    // would pass the comparison), and only a handful of the C library's.
    for (auto& [kind, n] : over) {
      EXPECT_GE(n, 0) << kind;
      EXPECT_LE(n, 16) << kind;
    }
  }
}

// With `in_thread`, the fork and the exec are made by a secondary thread
// while the workers are alive (blocked, their recordings mapped).
void fork_and_exec(bool in_thread) {
  TempDir dir;
  std::vector<std::string> opts = {"--threads", "2", "--fork", "--exec"};
  if (in_thread) opts.push_back("--exit-in-thread");
  auto with_items = [&](const char* n) {
    std::vector<std::string> a = opts;
    a.insert(a.end(), {"--items", n});
    return a;
  };
  Recorded full = record({"--follow-fork", "child", "-o", dir.file("full.hrt")}, with_items("3000"));
  Recorded base = record({"--follow-fork", "child", "-o", dir.file("base.hrt")}, with_items("0"));
  ASSERT_EQ(full.cli.status, 0) << full.cli.err;
  ASSERT_EQ(base.cli.status, 0) << base.cli.err;
  for (const char* role : {"main", "child", "exec"}) {
    ASSERT_EQ(full.lines.count(role), 1u) << role << "\n" << full.cli.out;
    ASSERT_EQ(base.lines.count(role), 1u) << role << "\n" << base.cli.out;
  }
  auto traces = [](const std::string& stem, Recorded& r) {
    std::string pid = std::to_string(r.lines["main"]["pid"]);
    return std::map<std::string, std::string>{{"main", stem + "." + pid + ".0.hrt"},  // the image before exec
                                              {"exec", stem + ".hrt"},                // the program's last image is -o
                                              {"child", stem + "." + std::to_string(r.lines["child"]["pid"]) + ".hrt"}};
  };
  expect_images_match(full, base, traces(dir.file("full"), full), traces(dir.file("base"), base));
  // The forked child's trace is its own calls and nothing else.
  nlohmann::json child = info(traces(dir.file("full"), full)["child"]);
  EXPECT_EQ(overhead(child, full.lines["child"]), (Counts{{"malloc", 0},
                                                          {"calloc", 0},
                                                          {"realloc", 0},
                                                          {"free", 0},
                                                          {"aligned", 0},
                                                          {"free_null", 0},
                                                          {"cross_thread_frees", 0}}));
  EXPECT_NE(full.cli.err.find("forked from " + std::to_string(full.lines["main"]["pid"])), std::string::npos)
      << full.cli.err;
  std::size_t files = 0;
  for (auto& e : fs::directory_iterator(dir.path())) files += e.path().string().rfind(dir.file("full"), 0) == 0;
  EXPECT_EQ(files, 3u);
}

TEST(Record, ForkAndExecEachGetATraceOfTheirOwnWithNothingLostOrMixed) { fork_and_exec(false); }

TEST(Record, ForkAndExecFromASecondaryThreadWhileOthersLiveLoseNothing) { fork_and_exec(true); }

TEST(Record, WithoutFollowForkTheChildIsNotRecorded) {
  TempDir dir;
  Recorded r = record({"-o", dir.file("t.hrt")}, {"--threads", "2", "--items", "500", "--fork"});
  ASSERT_EQ(r.cli.status, 0) << r.cli.err;
  ASSERT_EQ(r.lines.count("child"), 1u);
  std::vector<std::string> files;
  for (auto& e : fs::directory_iterator(dir.path())) files.push_back(e.path().filename().string());
  EXPECT_EQ(files, std::vector<std::string>{"t.hrt"});
  nlohmann::json j = info(dir.file("t.hrt"));
  expect_consistent(j, "parent");
  // The parent's trace does not hold the child's 500 mallocs.
  EXPECT_LE(j["malloc"].get<long long>() - r.lines["main"]["malloc"], 16);
}

TEST(Record, ExitFromASecondaryThreadLosesNothing) {
  TempDir dir;
  std::vector<std::string> opts = {"--threads", "3", "--exit-in-thread", "--items"};
  auto with = [&](const char* n) {
    auto a = opts;
    a.push_back(n);
    return a;
  };
  Recorded full = record({"-o", dir.file("full.hrt")}, with("4000"));
  Recorded base = record({"-o", dir.file("base.hrt")}, with("0"));
  ASSERT_EQ(full.cli.status, 0) << full.cli.err;
  ASSERT_EQ(base.cli.status, 0) << base.cli.err;
  expect_images_match(full, base, {{"main", dir.file("full.hrt")}}, {{"main", dir.file("base.hrt")}});
}

TEST(Record, AProgramKilledBySignalStillHasItsWholeTrace) {
  for (int sig : {SIGKILL, SIGSEGV}) {
    SCOPED_TRACE(sig);
    TempDir dir;
    std::vector<std::string> opts = {"--threads", "2", "--raise", std::to_string(sig), "--items"};
    auto with = [&](const char* n) {
      auto a = opts;
      a.push_back(n);
      return a;
    };
    Recorded full = record({"-o", dir.file("full.hrt")}, with("3000"));
    Recorded base = record({"-o", dir.file("base.hrt")}, with("0"));
    EXPECT_EQ(full.cli.status, 1) << full.cli.err;
    EXPECT_NE(full.cli.err.find(sig == SIGKILL ? "was killed by SIGKILL" : "was killed by SIGSEGV"), std::string::npos)
        << full.cli.err;
    expect_images_match(full, base, {{"main", dir.file("full.hrt")}}, {{"main", dir.file("base.hrt")}});
  }
}

TEST(Record, ALinkPlantedAtTheOutputPathIsReplacedNotFollowed) {
  TempDir dir;
  std::string victim = dir.write("victim", "precious");
  fs::create_symlink(victim, dir.file("t.hrt"));
  Recorded r = record({"-o", dir.file("t.hrt")}, {"--threads", "1", "--items", "100"});
  ASSERT_EQ(r.cli.status, 0) << r.cli.err;
  EXPECT_EQ(test::read_file(victim), "precious");
  EXPECT_FALSE(fs::is_symlink(dir.file("t.hrt")));
  EXPECT_TRUE(fs::is_regular_file(dir.file("t.hrt")));
  EXPECT_EQ(info(dir.file("t.hrt"))["format"], "record");
}

TEST(Record, TheDefaultOutputIsProgramDotPidInTheCurrentFolder) {
  TempDir dir;
  std::string cmd = "cd " + test::shell_quote(dir.path()) + " && " + test::shell_quote(test::heapreplay_binary()) +
                    " record " + test::shell_quote(mt_alloc()) + " --threads 1 --items 10 >out 2>err";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << test::read_file(dir.file("err"));
  auto lines = program_lines(test::read_file(dir.file("out")));
  std::string expected = "mt_alloc." + std::to_string(lines["main"]["pid"]) + ".hrt";
  EXPECT_TRUE(fs::exists(dir.file(expected))) << test::read_file(dir.file("err"));
  EXPECT_NE(test::read_file(dir.file("err")).find("-> " + expected), std::string::npos);
}

TEST(Record, AFailingProgramIsReportedAndItsTraceStillWritten) {
  TempDir dir;
  auto r = run_cli({"record", "-o", dir.file("t.hrt"), "--", "/bin/sh", "-c", "echo hello; exit 3"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.out, "hello\n");  // the program's output is its own
  EXPECT_NE(r.err.find("heapreplay: /bin/sh (pid "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(") exited with status 3"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir.file("t.hrt")));
}

TEST(Record, UsageErrorsAreOneLineWithStatus2) {
  TempDir dir;
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"record"}, "heapreplay record: no program given"},
      {{"record", "-o", dir.file("x.hrt")}, "heapreplay record: no program given"},
      {{"record", "--follow-fork", "sideways", "--", "true"}, "--follow-fork must be child or none, not 'sideways'"},
      {{"record", "--frobnicate", "--", "true"}, "heapreplay record: unrecognised option '--frobnicate'"},
      {{"record", "--", "no-such-program-hr"}, "heapreplay: 'no-such-program-hr': not found in PATH"},
      {{"record", "--", dir.path() + "/missing"},
       "heapreplay: '" + dir.path() + "/missing': No such file or directory"},
      {{"record", "--", dir.path()}, "not an executable file"},
  };
  for (const Case& c : cases) {
    auto r = run_cli(c.args);
    EXPECT_EQ(r.status, 2) << c.args.back() << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(Record, AnOutputFolderThatDoesNotExistIsFoundBeforeTheRun) {
  TempDir dir;
  auto r = run_cli({"record", "-o", dir.file("nope/t.hrt"), "--", "/bin/sh", "-c", "echo ran"});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_EQ(r.out, "");  // the program did not run
  EXPECT_NE(r.err.find("cannot write there"), std::string::npos) << r.err;
}

// True for a 64-bit ELF executable with no PT_INTERP: nothing loads LD_PRELOAD into it.
bool statically_linked(const std::string& path) {
  std::string elf = test::read_file(path);
  if (elf.size() < 64 ||
      elf.compare(0, 4,
                  "\x7f"
                  "ELF") != 0 ||
      elf[4] != 2)
    return false;
  std::uint64_t phoff;
  std::uint16_t phentsize, phnum;
  std::memcpy(&phoff, elf.data() + 32, 8);
  std::memcpy(&phentsize, elf.data() + 54, 2);
  std::memcpy(&phnum, elf.data() + 56, 2);
  for (std::uint16_t i = 0; i < phnum; ++i) {
    std::uint64_t at = phoff + std::uint64_t{i} * phentsize;
    if (at + 4 > elf.size()) return false;
    std::uint32_t type;
    std::memcpy(&type, elf.data() + at, 4);
    if (type == 3) return false;  // PT_INTERP
  }
  return true;
}

TEST(Record, AProgramThatIgnoresLdPreloadIsReported) {
  const std::string ldconfig = "/sbin/ldconfig";  // statically linked in Debian's libc-bin
  if (!fs::exists(ldconfig) || !statically_linked(ldconfig)) GTEST_SKIP() << "no statically linked program to try";
  TempDir dir;
  auto r = run_cli({"record", "-o", dir.file("t.hrt"), "--", ldconfig, "--version"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("nothing was recorded from " + ldconfig + ": the recording library was not loaded"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir.file("t.hrt")));
}

TEST(Record, SigtermIsPassedOnAndWhatWasRecordedIsKept) {
  TempDir dir;
  pid_t pid = ::fork();
  if (pid == 0) {
    std::string out = dir.file("out"), err = dir.file("err");
    if (!freopen(out.c_str(), "w", stdout) || !freopen(err.c_str(), "w", stderr)) _exit(126);
    std::string bin = test::heapreplay_binary(), trace = dir.file("t.hrt");
    execl(bin.c_str(), bin.c_str(), "record", "-o", trace.c_str(), "--", "/bin/sh", "-c", "echo started; exec sleep 30",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  ASSERT_GT(pid, 0);
  for (int i = 0; i < 200 && test::read_file(dir.file("out")).find("started") == std::string::npos; ++i)
    ::usleep(50000);
  ::usleep(200000);  // sleep is running
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << test::read_file(dir.file("err"));
  EXPECT_NE(test::read_file(dir.file("err")).find("was killed by SIGTERM"), std::string::npos)
      << test::read_file(dir.file("err"));
  EXPECT_TRUE(fs::exists(dir.file("t.hrt")));  // sleep's image, exec'd from sh
}

}  // namespace
}  // namespace heapreplay
