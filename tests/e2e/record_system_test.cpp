// Record, then replay under the system allocators with --validate: our
// multi-threaded mt_alloc, and a Debian program (`sort --parallel=2` on
// generated input). Labelled "system" (preloaded allocators), so left out of
// the sanitizer build.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/cli_runner.h"

namespace heapreplay {
namespace {

using test::run_cli;
using test::TempDir;
namespace fs = std::filesystem;

nlohmann::json info(const std::string& trace) {
  auto r = run_cli({"info", "--json", trace});
  EXPECT_EQ(r.status, 0) << r.err;
  return nlohmann::json::parse(r.out.empty() ? "{}" : r.out);
}

void expect_replays_clean(const TempDir& dir, const std::string& trace) {
  for (std::vector<std::string> mode : {std::vector<std::string>{}, std::vector<std::string>{"--serial"}}) {
    std::vector<std::string> args = {"replay", "-a", "glibc", "-a", "jemalloc", "--validate", "-o", dir.file("r.json")};
    args.insert(args.end(), mode.begin(), mode.end());
    args.push_back(trace);
    auto r = run_cli(args);
    ASSERT_EQ(r.status, 0) << (mode.empty() ? "threaded" : "serial") << "\n" << r.out << r.err;
    auto j = nlohmann::json::parse(test::read_file(dir.file("r.json")));
    ASSERT_EQ(j["runs"].size(), 2u);
    for (auto& run : j["runs"]) EXPECT_EQ(run["status"], "ok") << run.dump();
  }
}

TEST(RecordSystem, MultiThreadedProgramReplaysUnderEverySystemAllocatorWithValidation) {
  TempDir dir;
  auto r = run_cli({"record", "-o", dir.file("t.hrt"), "--", std::string(HR_BIN_DIR) + "/mt_alloc", "--threads", "4",
                    "--items", "4000"});
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json j = info(dir.file("t.hrt"));
  EXPECT_EQ(j["threads"], 5);
  EXPECT_EQ(j["cross_thread_frees"], 4 * (4000 + 125));  // the objects and the batches of 32 they travel in
  EXPECT_EQ(j["reused_live"], 0);
  expect_replays_clean(dir, dir.file("t.hrt"));
}

TEST(RecordSystem, SortInParallelRecordsTheSameCallsEachTimeAndReplays) {
  if (!fs::exists("/usr/bin/sort")) GTEST_SKIP() << "no /usr/bin/sort";
  TempDir dir;
  {
    std::ofstream in(dir.file("in.txt"));
    for (std::uint64_t i = 0; i < 300000; ++i) in << (i * 7919) % 1000003 << " line " << i << '\n';
  }
  const std::string sort_cmd = "sort --parallel=2 " + test::shell_quote(dir.file("in.txt"));
  ASSERT_EQ(std::system((sort_cmd + " > " + test::shell_quote(dir.file("plain.txt"))).c_str()), 0);
  nlohmann::json first;
  for (int round = 0; round < 2; ++round) {
    std::string trace = dir.file("sort" + std::to_string(round) + ".hrt");
    auto r = run_cli({"record", "-o", trace, "--", "sort", "--parallel=2", dir.file("in.txt")});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, test::read_file(dir.file("plain.txt")));  // recording does not change what it does
    nlohmann::json j = info(trace);
    EXPECT_EQ(j["format"], "record");
    EXPECT_GE(j["threads"].get<int>(), 2) << j.dump();  // sort's worker thread made calls too
    EXPECT_GT(j["malloc"].get<int>(), 50);
    EXPECT_EQ(j["unmatched_free"], 0);
    EXPECT_EQ(j["unmatched_realloc"], 0);
    EXPECT_EQ(j["reused_live"], 0);
    if (round == 0) {
      first = j;
      expect_replays_clean(dir, trace);
      continue;
    }
    // sort makes the same calls each run; per thread they may fall differently.
    for (const char* k : {"events", "malloc", "calloc", "realloc", "free", "aligned", "free_null"})
      EXPECT_EQ(j[k], first[k]) << k;
  }
}

}  // namespace
}  // namespace heapreplay
