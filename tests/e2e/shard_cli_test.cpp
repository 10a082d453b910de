// --shard K/N and `heapreplay report merge` end to end: the shards of a bench
// and of a run, merged, hold exactly the runs of the unsharded session in its
// order; bad shard specs and wrong fragments are one line and exit 2.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/cli_runner.h"
#include "support/run_keys.h"

namespace heapreplay {
namespace {

using test::read_file;
using test::run_cli;
using test::run_keys;
using test::TempDir;

TEST(ShardCli, ShardsOfABenchMergeIntoTheUnshardedRunSet) {
  TempDir dir;
  const std::vector<std::string> common = {"bench", "--suite", "quick", "-a", "null", "-a", "sizeclass", "-r", "2"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = common;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  auto full = run_cli(with({"-o", dir.file("full.json")}));
  ASSERT_EQ(full.status, 0) << full.err;
  std::vector<std::string> fragments;
  std::size_t sharded_runs = 0;
  for (int k = 1; k <= 3; ++k) {
    fragments.push_back(dir.file("f" + std::to_string(k) + ".json"));
    auto r = run_cli(with({"--shard", std::to_string(k) + "/3", "-o", fragments.back()}));
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(read_file(fragments.back()));
    EXPECT_EQ(j["context"]["shard"]["index"], k);
    EXPECT_EQ(j["context"]["shard"]["planned"].size(), run_keys(dir.file("full.json")).size());
    EXPECT_GT(j["runs"].size(), 0u) << "every shard has work";
    sharded_runs += j["runs"].size();
  }
  EXPECT_EQ(sharded_runs, run_keys(dir.file("full.json")).size());
  std::vector<std::string> merge = {"report", "merge"};
  merge.insert(merge.end(), fragments.rbegin(), fragments.rend());
  merge.insert(merge.end(), {"-o", dir.file("merged.json")});
  auto m = run_cli(merge);
  ASSERT_EQ(m.status, 0) << m.err;
  EXPECT_EQ(run_keys(dir.file("merged.json")), run_keys(dir.file("full.json")));
  // The merged report is a report like any other.
  auto shown = run_cli({"report", dir.file("merged.json")});
  EXPECT_EQ(shown.status, 0) << shown.err;

  // One shard missing: named, nothing written; --allow-partial marks it.
  auto missing = run_cli({"report", "merge", fragments[0], fragments[2], "-o", dir.file("partial.json")});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("shard 2/3 not given"), std::string::npos) << missing.err;
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
  auto partial =
      run_cli({"report", "merge", "--allow-partial", fragments[0], fragments[2], "-o", dir.file("partial.json")});
  ASSERT_EQ(partial.status, 0) << partial.err;
  EXPECT_TRUE(nlohmann::json::parse(read_file(dir.file("partial.json")))["context"].contains("partial"));

  // A shard of another run set (other repetitions) is refused.
  auto other = run_cli({"bench", "--suite", "quick", "-a", "null", "-a", "sizeclass", "-r", "1", "--shard", "2/3", "-o",
                        dir.file("other.json")});
  ASSERT_EQ(other.status, 0) << other.err;
  auto refused = run_cli({"report", "merge", fragments[0], dir.file("other.json"), fragments[2], "-o", dir.file("x")});
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.err.find("a fragment of another run set"), std::string::npos) << refused.err;
  auto unsharded = run_cli({"report", "merge", dir.file("full.json"), "-o", dir.file("x")});
  EXPECT_EQ(unsharded.status, 2);
  EXPECT_NE(unsharded.err.find("not a shard's report"), std::string::npos) << unsharded.err;
}

TEST(ShardCli, ShardsOfARunMergeToo) {
  TempDir dir;
  const std::string probe = std::string(HR_BIN_DIR) + "/run_probe";
  auto full = run_cli(
      {"run", "-a", "glibc", "-a", "sizeclass", "-r", "3", "-o", dir.file("full.json"), "--", probe, "out", "x"});
  ASSERT_EQ(full.status, 0) << full.err;
  for (int k = 1; k <= 2; ++k) {
    auto r = run_cli({"run", "-a", "glibc", "-a", "sizeclass", "-r", "3", "--shard", std::to_string(k) + "/2", "-o",
                      dir.file("p" + std::to_string(k) + ".json"), "--", probe, "out", "x"});
    ASSERT_EQ(r.status, 0) << r.err;
  }
  auto m = run_cli({"report", "merge", dir.file("p1.json"), dir.file("p2.json"), "-o", dir.file("m.json")});
  ASSERT_EQ(m.status, 0) << m.err;
  EXPECT_EQ(run_keys(dir.file("m.json")), run_keys(dir.file("full.json")));
  EXPECT_EQ(nlohmann::json::parse(read_file(dir.file("m.json")))["context"]["kind"], "program");
}

TEST(ShardCli, BadShardsAreUsageErrors) {
  for (const char* bad : {"0/4", "5/4", "1/0", "x", "2"}) {
    for (const std::vector<std::string>& cmd :
         {std::vector<std::string>{"bench", "--suite", "quick", "-a", "null", "--shard", bad},
          std::vector<std::string>{"run", "-a", "glibc", "--shard", bad, "--", "/bin/true"}}) {
      auto r = run_cli(cmd);
      EXPECT_EQ(r.status, 2) << bad << ": " << r.err;
      EXPECT_NE(r.err.find("--shard needs K/N"), std::string::npos) << r.err;
    }
  }
  auto none = run_cli({"report", "merge", "-o", "x.json"});
  EXPECT_EQ(none.status, 2) << none.err;
}

}  // namespace
}  // namespace heapreplay
