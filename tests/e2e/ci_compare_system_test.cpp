// tools/ci-compare.sh end to end: two real malloc-replacing libraries (the
// test library tests/support/faulty_malloc.c, built by the script itself from
// two revisions of a throw-away git repository, the second with a slower
// malloc), a real trace, heapreplay replay + compare + report, the markdown
// summary appended to $GITHUB_STEP_SUMMARY, and the exit status. Labelled
// "system": the libraries are preloaded into replay children, which the
// sanitizer build cannot do.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/cli_runner.h"

namespace heapreplay {
namespace {

using test::read_file;
using test::shell_quote;
using test::TempDir;

const std::string kScript = std::string(HR_FIXTURES) + "/../../tools/ci-compare.sh";
const std::string kFaultySource = std::string(HR_FIXTURES) + "/../support/faulty_malloc.c";

struct ShellRun {
  int status;
  std::string out;
};

// Runs a shell command line with stdout and stderr together.
ShellRun sh(const std::string& cmd, const TempDir& dir) {
  std::string log = dir.file("sh.log");
  int raw = std::system((cmd + " >" + shell_quote(log) + " 2>&1 </dev/null").c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, read_file(log)};
}

// A malloc-lab trace of `n` mallocs and frees of small blocks with about
// 2000 live at a time: enough events for stable times, a fraction of a second.
std::string write_churn_trace(const TempDir& dir, int n) {
  const int ids = 2000;
  std::vector<std::string> ops;
  std::vector<bool> live(ids, false);
  std::uint32_t x = 12345;
  for (int i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    int id = static_cast<int>((x >> 8) % ids);
    if (live[id]) {
      ops.push_back("f " + std::to_string(id));
    } else {
      ops.push_back("a " + std::to_string(id) + " " + std::to_string(16 + (x >> 20) % 500));
    }
    live[id] = !live[id];
  }
  for (int id = 0; id < ids; ++id)
    if (live[id]) ops.push_back("f " + std::to_string(id));
  std::string text = "0\n" + std::to_string(ids) + "\n" + std::to_string(ops.size()) + "\n0\n";
  for (const std::string& op : ops) text += op + "\n";
  return dir.write("churn.rep", text);
}

std::string env_prefix(const TempDir& dir) {
  return "HEAPREPLAY=" + shell_quote(test::heapreplay_binary()) +
         " GITHUB_STEP_SUMMARY=" + shell_quote(dir.file("summary.md")) + " ";
}

TEST(CiCompare, SameLibraryTwicePassesAndWritesTheSummary) {
  TempDir dir;
  std::string trace = write_churn_trace(dir, 60000);
  std::string lib = test::faulty_malloc_library();
  ShellRun r =
      sh(env_prefix(dir) + shell_quote(kScript) + " --base-lib " + shell_quote(lib) + " --new-lib " + shell_quote(lib) +
             " -r 5 --threshold 50 --out " + shell_quote(dir.file("ci")) + " " + shell_quote(trace),
         dir);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("no regression beyond the thresholds"), std::string::npos) << r.out;
  std::string summary = read_file(dir.file("summary.md"));
  EXPECT_NE(summary.find("### heapreplay compare: no regression"), std::string::npos) << summary;
  EXPECT_NE(summary.find("### heapreplay: 1 trace, 2 allocators"), std::string::npos) << summary;
  auto compare = nlohmann::json::parse(read_file(dir.file("ci/compare.json")));
  ASSERT_FALSE(compare["rows"].empty());
  EXPECT_NE(compare["rows"][0]["allocator"].get<std::string>().find(" -> "), std::string::npos);
  EXPECT_EQ(compare["rows"][0]["n_base"], 5);
  for (const char* f : {"report.json", "compare.md", "compare.txt", "summary.md"})
    EXPECT_TRUE(std::filesystem::exists(dir.file(std::string("ci/") + f))) << f;
}

TEST(CiCompare, SlowerRevisionOfARepositoryFailsTheGate) {
  TempDir dir;
  std::string trace = write_churn_trace(dir, 40000);
  std::string repo = dir.file("alloc");
  std::filesystem::create_directories(repo);
  std::filesystem::copy_file(kFaultySource, repo + "/faulty_malloc.c");
  std::string git = "git -C " + shell_quote(repo) + " -c user.name=test -c user.email=test@invalid ";
  ASSERT_EQ(sh(git + "init -q && " + git + "add faulty_malloc.c && " + git + "commit -q -m base", dir).status, 0);
  // NEW spins in every malloc: a real, large slowdown.
  std::string src = read_file(repo + "/faulty_malloc.c");
  const std::string at = "  return __libc_malloc(size);";
  auto pos = src.rfind(at);
  ASSERT_NE(pos, std::string::npos);
  src.insert(pos, "  for (volatile int spin = 0; spin < 600; ++spin) {}\n");
  std::ofstream(repo + "/faulty_malloc.c") << src;
  ASSERT_EQ(sh(git + "commit -q -am slower", dir).status, 0);

  ShellRun r = sh(env_prefix(dir) + shell_quote(kScript) + " --repo " + shell_quote(repo) +
                      " --base HEAD~1 --new HEAD --build 'cc -O2 -shared -fPIC -o libtest.so faulty_malloc.c'"
                      " --lib libtest.so -r 5 --out " +
                      shell_quote(dir.file("ci")) + " " + shell_quote(trace),
                  dir);
  ASSERT_EQ(r.status, 1) << r.out;
  auto compare = nlohmann::json::parse(read_file(dir.file("ci/compare.json")));
  bool time_regressed = false;
  for (const auto& row : compare["rows"])
    if (row["metric"] == "ns_per_event") {
      time_regressed = row["verdict"] == "regressed";
      EXPECT_GT(row["change_pct"].get<double>(), 50) << row.dump();
      EXPECT_LT(row["p_value"].get<double>(), 0.05) << row.dump();
    }
  EXPECT_TRUE(time_regressed) << compare.dump(1);
  EXPECT_NE(r.out.find("REGRESSED"), std::string::npos) << r.out;
  EXPECT_NE(read_file(dir.file("summary.md")).find("**REGRESSED**"), std::string::npos);
  // The worktrees are gone again; the repository is as it was.
  EXPECT_FALSE(std::filesystem::exists(dir.file("ci/src-base")));
  ShellRun list = sh(git + "worktree list --porcelain", dir);
  EXPECT_EQ(list.status, 0) << list.out;
  EXPECT_NE(list.out.find("worktree "), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("src-"), std::string::npos) << list.out;
}

// --min-bytes-change reaches heapreplay compare: a bad size is compare's own
// usage error (status 2); a good one is taken. (What the floor decides is
// tested on reports made in code: compare_test, report_cli_test.)
TEST(CiCompare, MinBytesChangeIsPassedToCompare) {
  TempDir dir;
  std::string trace = write_churn_trace(dir, 4000);
  std::string lib = test::faulty_malloc_library();
  std::string run = env_prefix(dir) + shell_quote(kScript) + " --base-lib " + shell_quote(lib) + " --new-lib " +
                    shell_quote(lib) + " -r 1 --out " + shell_quote(dir.file("ci")) + " --threshold time=1000 " +
                    "--threshold p99=1000 --threshold rss=0 --threshold footprint=0 " + shell_quote(trace);
  ShellRun r = sh(run + " --min-bytes-change 1X", dir);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("heapreplay compare: --min-bytes-change needs a size such as 256K, 1M or 0, not '1X'"),
            std::string::npos)
      << r.out;
  r = sh(run + " --min-bytes-change 64M", dir);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out.find("REGRESSED"), std::string::npos) << r.out;
  r = sh(env_prefix(dir) + shell_quote(kScript) + " --min-bytes-change", dir);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("ci-compare: --min-bytes-change needs a value"), std::string::npos) << r.out;
}

TEST(CiCompare, BadArgumentsExit2) {
  TempDir dir;
  std::string lib = test::faulty_malloc_library();
  for (const std::string& args :
       {std::string("--base-lib ") + shell_quote(lib), " --base-lib " + shell_quote(lib) + " --new-lib /nonexistent.so",
        " --base-lib " + shell_quote(lib) + " --new-lib " + shell_quote(lib) + " /nonexistent.rep",
        std::string(" --repo /nonexistent --base a --new b --build true --lib x.so"), std::string(" --frobnicate")}) {
    ShellRun r = sh(env_prefix(dir) + shell_quote(kScript) + " " + args + " --out " + shell_quote(dir.file("ci")), dir);
    EXPECT_EQ(r.status, 2) << args << ": " << r.out;
    EXPECT_NE(r.out.find("ci-compare: "), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace heapreplay
