// heapreplay trace shrink with our designs (so it runs in the sanitizer
// build too): a metric outcome under --validate on each design, the budget,
// and the mistakes a user makes. The planted-bug tests, which preload a
// library, are in shrink_system_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "allocators/designs.h"
#include "support/cli_runner.h"
#include "traces/trace_source.h"

namespace heapreplay {
namespace {

using test::run_cli;
using test::TempDir;

std::string generated(const TempDir& dir, const std::string& events) {
  auto g = run_cli({"gen", "synthetic", "-p", "events=" + events, "--seed", "3", "-o", dir.file("t.hrt")});
  EXPECT_EQ(g.status, 0) << g.err;
  return dir.file("t.hrt");
}

// 600 ordinary events with one absurd request (2^62 bytes) among them.
std::string absurd_among_ordinary(const TempDir& dir) {
  std::string text = "heapreplay-text 1\n";
  for (int i = 0; i < 300; ++i) {
    text += "malloc " + std::to_string(i) + " " + std::to_string(16 + 8 * (i % 50)) + "\n";
    if (i == 150) text += "malloc 1000 4611686018427387904\n";
    if (i % 3 == 0) text += "free " + std::to_string(i) + "\n";
  }
  return dir.write("absurd.txt", text);
}

TEST(ShrinkCli, EachDesignUnderValidationComesDownToTheOneRequestItCannotServe) {
  // Every candidate is validated (blocks apart, patterns kept): what is
  // left is the one allocation that fails, counted in an ok run.
  TempDir dir;
  std::string t = absurd_among_ordinary(dir);
  for (std::string_view d : kDesignNames) {
    SCOPED_TRACE(std::string(d));
    std::string out = dir.file(std::string(d) + ".hrt");
    auto r = run_cli(
        {"trace", "shrink", t, "-o", out, "-a", std::string(d), "--validate", "--until", "failed_allocations>0"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find(" -> 1 events, 1-minimal"), std::string::npos) << r.err;
    Trace min = load_trace(out);
    ASSERT_EQ(min.events.size(), 1u);
    EXPECT_EQ(min.events[0].size, std::uint64_t{1} << 62);
  }
}

double ratio_of(const TempDir& dir, const std::string& trace) {
  auto r = run_cli({"replay", "-a", "segfit", trace, "-o", dir.file("r.json")});
  EXPECT_EQ(r.status, 0) << r.err;
  return nlohmann::json::parse(test::read_file(dir.file("r.json")))["runs"][0]["fragmentation_peak_ratio"]
      .get<double>();
}

TEST(ShrinkCli, AMemoryMetricComesDownToTheBlockThatWastesMostOfItsPages) {
  // The trace's peak footprint is some fraction over its peak live bytes;
  // one small block costs a design a page or more, far over that: a single
  // allocation is the 1-minimal trace.
  TempDir dir;
  std::string t = generated(dir, "3000");
  double whole = ratio_of(dir, t);
  ASSERT_GT(whole, 1);
  std::string until = "fragmentation_peak_ratio>" + std::to_string(whole * 0.99);
  std::string out = dir.file("min.hrt");
  auto r = run_cli({"trace", "shrink", t, "-o", out, "-a", "segfit", "--until", until});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("until fragmentation_peak_ratio > "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" -> 1 events, 1-minimal"), std::string::npos) << r.err;
  EXPECT_EQ(load_trace(out).events.size(), 1u);
  EXPECT_GT(ratio_of(dir, out), 10 * whole);
}

TEST(ShrinkCli, ABudgetStopsTheSearchWithTheSmallestTraceSoFarOnDisk) {
  TempDir dir;
  std::string t = generated(dir, "200000");
  // The outcome most candidates keep: anything is live at the peak. The
  // budget ends the search long before every single block was tried.
  auto r = run_cli({"trace", "shrink", t, "-o", dir.file("min.hrt"), "-a", "sizeclass", "--until",
                    "peak_live_bytes>100000", "--budget", "2s"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("budget spent, not 1-minimal"), std::string::npos) << r.err;
  Trace min = load_trace(dir.file("min.hrt"));
  EXPECT_LT(min.events.size(), load_trace(t).events.size());
  EXPECT_GT(summarize(min.view()).peak_live_bytes, 100000u);
}

TEST(ShrinkCli, MistakesAreOneLineAndExitStatusTwoAndWriteNothing) {
  TempDir dir;
  std::string t = dir.write("t.txt", "heapreplay-text 1\nmalloc 1 16\nfree 1\n");
  std::string out = dir.file("o.hrt");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{t, "-o", out, "-a", "segfit", "--until", "slower"},
       "--until needs crashed, failed, violation, timeout or METRIC>VALUE (METRIC<VALUE), not 'slower'"},
      {{t, "-o", out, "-a", "segfit", "--until", "peak_rss_bytes>lots"},
       "--until peak_rss_bytes>lots: 'lots' is not a number or a size such as 64M"},
      {{t, "-o", out, "-a", "segfit", "-a", "blocks", "--until", "crashed"},
       "give one allocator (-a NAME): each candidate runs under it"},
      {{t, "-o", out, "-a", "nosuch", "--until", "crashed"}, ""},
      {{t, "-o", out, "-a", "segfit"}, "need --until: crashed, failed, violation, timeout or METRIC>VALUE"},
      {{t, "-a", "segfit", "--until", "crashed"}, "need -o OUT.hrt for the shrunk trace"},
      {{t, "-o", out, "-a", "segfit", "--until", "crashed", "--budget", "soon"},
       "--budget needs a duration such as 90s, 10m or 1h, not 'soon'"},
      {{t, "-o", out, "-a", "segfit", "--until", "nosuch_metric>1"}, ""},
      {{t, "-o", out, "-a", "segfit", "--until", "crashed"},
       t + " does not show the outcome under segfit: the run was ok, not crashed; nothing searched"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"trace", "shrink"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run_cli(args);
    SCOPED_TRACE(r.err);
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
    EXPECT_EQ(r.err.rfind("heapreplay", 0), 0u);
    EXPECT_NE(r.err.find(c.message), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(out));
  }
  auto metric = run_cli({"trace", "shrink", t, "-o", out, "-a", "segfit", "--until", "nosuch_metric>1"});
  EXPECT_NE(metric.err.find("measures no metric 'nosuch_metric' (it measures ns_per_event, "), std::string::npos)
      << metric.err;
}

TEST(ShrinkCli, AnOutputThatCannotBeWrittenIsExitStatusThreeBeforeAnySearch) {
  TempDir dir;
  std::string t = dir.write("t.txt", "heapreplay-text 1\nmalloc 1 16\nmalloc 2 32\nfree 1\n");
  auto r = run_cli(
      {"trace", "shrink", t, "-o", dir.file("no/such/dir/o.hrt"), "-a", "segfit", "--until", "peak_live_bytes>8"});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("not written"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("candidates"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace heapreplay
