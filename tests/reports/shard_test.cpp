// Sharding (reports/shard.h): --shard K/N parsing, the cost-balanced
// assignment, and merging fragments: the unsharded order back, and every
// way a set of fragments can be wrong named in one line.
#include "reports/shard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

namespace heapreplay {
namespace {

TEST(Shard, ParsesKOfN) {
  ASSERT_TRUE(parse_shard("1/4"));
  EXPECT_EQ(parse_shard("3/4")->index, 3);
  EXPECT_EQ(parse_shard("3/4")->count, 4);
  EXPECT_TRUE(parse_shard("1/1"));
  for (const char* bad : {"0/4", "5/4", "1/0", "0/0", "-1/4", "1/-4", "1/", "/4", "14", "a/b", "1/4x", " 1/4", "1/4/5",
                          "1.5/4", "9999999/9999999"})
    EXPECT_FALSE(parse_shard(bad)) << bad;
}

TEST(Shard, AssignmentIsBalancedDeterministicAndCoversEveryRun) {
  std::vector<double> costs;
  for (int i = 0; i < 200; ++i) costs.push_back(1 + (i * 7919) % 97);
  const std::vector<int> a = assign_shards(costs, 4);
  EXPECT_EQ(a, assign_shards(costs, 4));
  std::vector<double> load(4, 0);
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_GE(a[i], 1);
    ASSERT_LE(a[i], 4);
    load[static_cast<std::size_t>(a[i] - 1)] += costs[i];
  }
  const double total = std::accumulate(costs.begin(), costs.end(), 0.0);
  for (double l : load) EXPECT_NEAR(l, total / 4, 97.0) << "each shard within one run of a quarter";
  // One shard takes everything; more shards than runs leave some empty.
  EXPECT_EQ(assign_shards(costs, 1), std::vector<int>(costs.size(), 1));
  const std::vector<int> few = assign_shards({5, 3}, 4);
  EXPECT_EQ(few, (std::vector<int>{1, 2}));
}

TEST(Shard, AllocatorCostsAndHashes) {
  EXPECT_LT(allocator_cost_per_event("null"), allocator_cost_per_event("glibc"));
  EXPECT_EQ(allocator_cost_per_event("segfit:faithful"), allocator_cost_per_event("segfit"));
  EXPECT_EQ(fnv1a_hex(""), "cbf29ce484222325");   // the FNV-1a 64 offset basis
  EXPECT_EQ(fnv1a_hex("a"), "af63dc4c8601ec8c");  // the published FNV-1a 64 value of "a"
  EXPECT_THROW(file_hash_hex("/no/such/file"), std::runtime_error);
}

// A fragment of a run set of `traces` x {glibc, segfit} x 2 repetitions
// over 2 shards, holding the runs of shard `index`.
Report fragment(int index, const std::string& run_set = "0123456789abcdef", int count = 2) {
  Report r;
  r.context = {{"heapreplay_version", "1.0"},
               {"git_revision", "abc"},
               {"compiler", "GCC 12"},
               {"build_type", "Release"},
               {"allocators", {{"glibc", "2.36"}}}};
  nlohmann::json planned = nlohmann::json::array();
  int k = 0;
  for (int rep = 0; rep < 2; ++rep)
    for (const char* t : {"a.hrt", "b.hrt"})
      for (const char* a : {"glibc", "segfit"}) {
        const int shard = k++ % count + 1;
        planned.push_back({{"trace", t}, {"allocator", a}, {"repetition", rep}, {"shard", shard}});
        if (shard != index) continue;
        RunResult run;
        run.trace = t;
        run.allocator = std::string(a) + (std::string(a) == "segfit" && std::string(t) == "b.hrt" ? "+lock" : "");
        run.repetition = rep;
        r.runs.push_back(run);
      }
  r.context["shard"] = {{"index", index}, {"count", count}, {"run_set", run_set}, {"planned", planned}};
  return r;
}

std::string merge_error(const std::vector<std::pair<std::string, Report>>& f, MergeOptions o = {}) {
  try {
    merge_fragments(f, o);
  } catch (const MergeError& e) {
    return e.what();
  }
  return "";
}

TEST(Shard, MergeGivesTheUnshardedOrder) {
  Report m = merge_fragments({{"2.json", fragment(2)}, {"1.json", fragment(1)}}, {});
  ASSERT_EQ(m.runs.size(), 8u);
  std::vector<std::string> order;
  for (const RunResult& r : m.runs) order.push_back(r.trace + " " + r.allocator + " " + std::to_string(r.repetition));
  EXPECT_EQ(order,
            (std::vector<std::string>{"a.hrt glibc 0", "a.hrt segfit 0", "b.hrt glibc 0", "b.hrt segfit+lock 0",
                                      "a.hrt glibc 1", "a.hrt segfit 1", "b.hrt glibc 1", "b.hrt segfit+lock 1"}));
  EXPECT_FALSE(m.context.contains("shard"));
  EXPECT_EQ(m.context["merged_shards"]["count"], 2);
  EXPECT_EQ(m.context["merged_shards"]["fragments"], nlohmann::json({"1.json", "2.json"}));
  EXPECT_FALSE(m.context.contains("partial"));
}

TEST(Shard, MergeNamesWhatIsWrong) {
  Report plain;
  EXPECT_EQ(merge_error({{"x.json", plain}}),
            "x.json: not a shard's report (no context.shard: it was made without --shard K/N)");
  EXPECT_NE(merge_error({{"1.json", fragment(1)}, {"o.json", fragment(2, "ffffffffffffffff")}})
                .find("o.json: a fragment of another run set (ffffffffffffffff of 2 shards, against 0123456789abcdef"),
            std::string::npos);
  Report other_build = fragment(2);
  other_build.context["git_revision"] = "def";
  EXPECT_NE(merge_error({{"1.json", fragment(1)}, {"b.json", other_build}})
                .find("b.json: made by heapreplay 1.0 at def, GCC 12, Release, 1.json by heapreplay 1.0 at abc"),
            std::string::npos);
  EXPECT_EQ(merge_error({{"1.json", fragment(1)}, {"again.json", fragment(1)}}),
            "shard 1/2 is given twice: 1.json and again.json");
  EXPECT_EQ(merge_error({{"1.json", fragment(1)}}),
            "missing 4 of 8 runs: shard 2/2 not given (4 runs) (--allow-partial merges what is there and marks the "
            "report partial)");
  Report short_one = fragment(2);
  short_one.runs.pop_back();
  EXPECT_NE(merge_error({{"1.json", fragment(1)}, {"2.json", short_one}})
                .find("missing 1 of 8 runs: segfit on b.hrt (repetition 2) of shard 2/2 (2.json)"),
            std::string::npos);
  Report stray = fragment(2);
  stray.runs.push_back(fragment(1).runs[0]);
  EXPECT_EQ(merge_error({{"1.json", fragment(1)}, {"2.json", stray}}),
            "2.json: run glibc on a.hrt (repetition 1) belongs to shard 1/2, not to this fragment's 2/2");
  Report unknown = fragment(2);
  unknown.runs[0].trace = "c.hrt";
  EXPECT_NE(merge_error({{"1.json", fragment(1)}, {"2.json", unknown}}).find("is not in the run set"),
            std::string::npos);
  EXPECT_EQ(merge_error({}), "no fragment to merge");
}

TEST(Shard, APartialMergeListsTheMissingRuns) {
  Report m = merge_fragments({{"1.json", fragment(1)}}, MergeOptions{true});
  EXPECT_EQ(m.runs.size(), 4u);
  ASSERT_TRUE(m.context.contains("partial"));
  EXPECT_EQ(m.context["partial"]["planned_runs"], 8);
  ASSERT_EQ(m.context["partial"]["missing_runs"].size(), 4u);
  EXPECT_EQ(m.context["partial"]["missing_runs"][0]["shard"], 2);
  // An interrupted run is missing, not merged.
  Report cut = fragment(2);
  cut.runs.back().status = "interrupted";
  Report p = merge_fragments({{"1.json", fragment(1)}, {"2.json", cut}}, MergeOptions{true});
  EXPECT_EQ(p.runs.size(), 7u);
  EXPECT_EQ(p.context["partial"]["missing_runs"].size(), 1u);
}

}  // namespace
}  // namespace heapreplay
