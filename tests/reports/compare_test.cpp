// compare_reports: which changes fail the gate and why, with synthetic
// reports (every measured field filled) so that each rule is hit on purpose.
#include <gtest/gtest.h>

#include <cmath>

#include "reports/compare.h"
#include "support/synthetic_report.h"

namespace heapreplay {
namespace {

using test::synthetic_report;
using test::SyntheticAllocator;

const MetricComparison* row(const Comparison& c, const std::string& allocator, const std::string& metric) {
  for (const MetricComparison& r : c.rows)
    if (r.allocator == allocator && r.metric == metric) return &r;
  return nullptr;
}

CompareOptions defaults() {
  CompareOptions o;
  o.threshold_pct = {{"p99", 10}};
  return o;
}

TEST(Compare, IdenticalReportsPass) {
  Report r = synthetic_report({"t.rep"}, {{"glibc"}, {"jemalloc", 12}}, 5);
  Comparison c = compare_reports(r, r, defaults());
  EXPECT_EQ(c.regressions(), 0u);
  const MetricComparison* ns = row(c, "glibc", "ns_per_event");
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->verdict, Verdict::kSame);
  EXPECT_DOUBLE_EQ(ns->change_pct, 0);
  ASSERT_TRUE(ns->test);
  EXPECT_TRUE(ns->test_used);
  // Every metric compared: time, RSS, footprint, p99 of each operation.
  for (const char* m : {"ns_per_event", "peak_rss_bytes", "peak_footprint_bytes", "latency.malloc.p99_ns",
                        "latency.free.p99_ns", "latency.realloc.p99_ns"})
    EXPECT_TRUE(row(c, "jemalloc", m)) << m;
  EXPECT_NE(render_comparison_text(c).find("no regression beyond the thresholds"), std::string::npos);
}

TEST(Compare, SignificantSlowdownBeyondThresholdFails) {
  Report base = synthetic_report({"t.rep"}, {{"glibc", 20}}, 5);
  Report now = synthetic_report({"t.rep"}, {{"glibc", 24}}, 5);  // +20%
  Comparison c = compare_reports(base, now, defaults());
  const MetricComparison* ns = row(c, "glibc", "ns_per_event");
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->verdict, Verdict::kRegressed);
  EXPECT_NEAR(ns->change_pct, 20, 5);
  EXPECT_NEAR(ns->test->p_value, 2.0 / 252, 1e-12);  // complete separation, 5 vs 5
  EXPECT_EQ(c.regressions(), 1u);
  std::string text = render_comparison_text(c);
  EXPECT_NE(text.find("REGRESSED"), std::string::npos) << text;
  EXPECT_NE(text.find("1 regression: t.rep glibc ns_per_event +"), std::string::npos) << text;
  EXPECT_NE(text.find("0.0079"), std::string::npos) << text;
  // The same slowdown is an improvement the other way round.
  Comparison back = compare_reports(now, base, defaults());
  EXPECT_EQ(row(back, "glibc", "ns_per_event")->verdict, Verdict::kImproved);
  EXPECT_EQ(back.regressions(), 0u);
}

TEST(Compare, ChangeWithinThresholdPassesEvenWhenSignificant) {
  Report base = synthetic_report({"t.rep"}, {{"glibc", 20}}, 5, 0.001);
  Report now = synthetic_report({"t.rep"}, {{"glibc", 20.6}}, 5, 0.001);  // +3%, clearly significant
  Comparison c = compare_reports(base, now, defaults());
  const MetricComparison* ns = row(c, "glibc", "ns_per_event");
  EXPECT_LT(ns->test->p_value, 0.05);
  EXPECT_EQ(ns->verdict, Verdict::kSame);
  // A tighter threshold for time alone makes it fail.
  CompareOptions tight = defaults();
  tight.threshold_pct["ns_per_event"] = 2;
  EXPECT_EQ(row(compare_reports(base, now, tight), "glibc", "ns_per_event")->verdict, Verdict::kRegressed);
}

TEST(Compare, NoisyChangeBeyondThresholdIsNotSignificant) {
  // Medians 20 -> 23 (+15%), but the samples interleave: p = 0.5476 (SciPy).
  Report base = synthetic_report({"t.rep"}, {{"glibc"}}, 5);
  Report now = base;
  const double x[] = {20, 26, 14, 22, 18}, y[] = {25, 16, 28, 19, 23};
  for (std::size_t i = 0; i < 5; ++i) {
    base.runs[i].ns_per_event = x[i];
    now.runs[i].ns_per_event = y[i];
  }
  Comparison c = compare_reports(base, now, defaults());
  const MetricComparison* ns = row(c, "glibc", "ns_per_event");
  ASSERT_TRUE(ns);
  EXPECT_NEAR(ns->change_pct, 15, 1e-9);
  EXPECT_NEAR(ns->test->p_value, 0.5476190476190477, 1e-12);
  EXPECT_EQ(ns->verdict, Verdict::kNotSignificant);
  EXPECT_EQ(c.regressions(), 0u);
}

TEST(Compare, SingleRepetitionGatesOnThresholdAloneAndSaysSo) {
  Report base = synthetic_report({"t.rep"}, {{"glibc", 20}}, 1);
  Report now = synthetic_report({"t.rep"}, {{"glibc", 23}}, 1);
  Comparison c = compare_reports(base, now, defaults());
  const MetricComparison* ns = row(c, "glibc", "ns_per_event");
  EXPECT_FALSE(ns->test);
  EXPECT_EQ(ns->verdict, Verdict::kRegressed);
  EXPECT_EQ(ns->detail, "threshold alone");
  std::string text = render_comparison_text(c);
  EXPECT_NE(text.find("no significance test is possible"), std::string::npos) << text;
  EXPECT_EQ(c.regressions(), 1u);
}

TEST(Compare, TooFewRepetitionsForTheTestGateOnThresholdAlone) {
  // 3 vs 3 can never reach p < 0.05 (smallest p is 0.1): a test that can
  // never fire must not silently pass a 20% slowdown.
  Report base = synthetic_report({"t.rep"}, {{"glibc", 20}}, 3);
  Report now = synthetic_report({"t.rep"}, {{"glibc", 24}}, 3);
  Comparison c = compare_reports(base, now, defaults());
  const MetricComparison* ns = row(c, "glibc", "ns_per_event");
  ASSERT_TRUE(ns->test);
  EXPECT_FALSE(ns->test_used);
  EXPECT_NEAR(ns->test->p_value, 0.1, 1e-12);
  EXPECT_EQ(ns->verdict, Verdict::kRegressed);
  std::string text = render_comparison_text(c);
  EXPECT_NE(text.find("3 vs 3 runs: the U test cannot reach p < 0.05"), std::string::npos) << text;
  EXPECT_NE(text.find("0.1000*"), std::string::npos) << text;
}

TEST(Compare, MemoryAndLatencyRegressionsAreCaughtPerOperation) {
  SyntheticAllocator a{"jemalloc", 20, 1.2, 1.3, 80};
  SyntheticAllocator b = a;
  b.footprint_factor = 1.6;  // +23% footprint
  b.rss_factor = 1.5;        // +25% RSS
  Report base = synthetic_report({"t.rep"}, {a}, 6);
  Report now = synthetic_report({"t.rep"}, {b}, 6);
  // Only free's p99 gets slower: +50%.
  for (RunResult& r : now.runs) r.latency["free"].p99_ns *= 1.5;
  Comparison c = compare_reports(base, now, defaults());
  EXPECT_EQ(row(c, "jemalloc", "peak_rss_bytes")->verdict, Verdict::kRegressed);
  EXPECT_EQ(row(c, "jemalloc", "peak_footprint_bytes")->verdict, Verdict::kRegressed);
  EXPECT_EQ(row(c, "jemalloc", "latency.free.p99_ns")->verdict, Verdict::kRegressed);
  EXPECT_EQ(row(c, "jemalloc", "latency.malloc.p99_ns")->verdict, Verdict::kSame);
  EXPECT_EQ(row(c, "jemalloc", "ns_per_event")->verdict, Verdict::kSame);
  EXPECT_EQ(c.regressions(), 3u);
  // Per-operation threshold: p99.free=60 lets free's +50% pass.
  CompareOptions o = defaults();
  o.threshold_pct["p99.free"] = 60;
  EXPECT_EQ(row(compare_reports(base, now, o), "jemalloc", "latency.free.p99_ns")->verdict, Verdict::kSame);
}

// Kernel RSS counts are good to a few hundred KiB: a 16 KiB -> 24 KiB change
// (+50%) is noise and never gates; a 10 MiB -> 20 MiB one does. The floor
// is on the difference of the medians, for both memory metrics.
TEST(Compare, MemoryChangesUnderTheNoiseFloorNeverGate) {
  auto with_memory = [](std::uint64_t rss, std::uint64_t footprint) {
    Report r = synthetic_report({"t.rep"}, {{"glibc"}}, 5);
    for (RunResult& run : r.runs) {
      run.peak_rss_bytes = rss;
      run.peak_footprint_bytes = footprint;
    }
    return r;
  };
  Report small_base = with_memory(16 << 10, 100 << 10), small_new = with_memory(24 << 10, 200 << 10);
  Comparison c = compare_reports(small_base, small_new, defaults());
  const MetricComparison* rss = row(c, "glibc", "peak_rss_bytes");
  ASSERT_TRUE(rss);
  EXPECT_NEAR(rss->change_pct, 50, 1e-9);
  EXPECT_EQ(rss->verdict, Verdict::kSame);
  EXPECT_EQ(rss->detail, "change under the 256.0 KiB noise floor of memory figures");
  EXPECT_EQ(row(c, "glibc", "peak_footprint_bytes")->verdict, Verdict::kSame);
  EXPECT_EQ(c.regressions(), 0u);
  std::string text = render_comparison_text(c);
  EXPECT_EQ(text.find("REGRESSED"), std::string::npos) << text;
  EXPECT_NE(text.find("same: change under the 256.0 KiB noise floor"), std::string::npos) << text;
  // Nor is the way back an improvement.
  EXPECT_EQ(row(compare_reports(small_new, small_base, defaults()), "glibc", "peak_rss_bytes")->verdict,
            Verdict::kSame);

  Comparison big = compare_reports(with_memory(10 << 20, 10 << 20), with_memory(20 << 20, 10 << 20), defaults());
  const MetricComparison* big_rss = row(big, "glibc", "peak_rss_bytes");
  EXPECT_EQ(big_rss->verdict, Verdict::kRegressed);
  EXPECT_EQ(big_rss->detail, "");
  EXPECT_EQ(big.regressions(), 1u);
  EXPECT_NE(render_comparison_text(big).find("REGRESSED"), std::string::npos);

  // The floor is the difference in bytes: just under it is the same, at it
  // the percentage decides again; 0 turns it off.
  CompareOptions floor = defaults();
  floor.min_bytes_change = 8 << 10;
  EXPECT_EQ(row(compare_reports(small_base, small_new, floor), "glibc", "peak_rss_bytes")->verdict,
            Verdict::kRegressed);
  floor.min_bytes_change = (8 << 10) + 1;
  EXPECT_EQ(row(compare_reports(small_base, small_new, floor), "glibc", "peak_rss_bytes")->verdict, Verdict::kSame);
  floor.min_bytes_change = 0;
  Comparison off = compare_reports(small_base, small_new, floor);
  EXPECT_EQ(row(off, "glibc", "peak_rss_bytes")->verdict, Verdict::kRegressed);
  EXPECT_EQ(row(off, "glibc", "peak_footprint_bytes")->verdict, Verdict::kRegressed);
  // Time has no floor: a tiny absolute slowdown beyond the threshold still gates.
  Report fast = synthetic_report({"t.rep"}, {{"glibc", 0.001}}, 5);
  Report slower = synthetic_report({"t.rep"}, {{"glibc", 0.002}}, 5);
  EXPECT_EQ(row(compare_reports(fast, slower, defaults()), "glibc", "ns_per_event")->verdict, Verdict::kRegressed);
}

TEST(Compare, FailedRunsInNewFailTheGate) {
  Report base = synthetic_report({"t.rep"}, {{"glibc"}}, 5);
  Report now = base;
  now.runs[2].status = "crashed";
  now.runs[2].signal = 11;
  now.runs[2].status_detail = "killed by SIGSEGV";
  Comparison c = compare_reports(base, now, defaults());
  const MetricComparison* st = row(c, "glibc", "status");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->verdict, Verdict::kRunsFailed);
  EXPECT_NE(st->detail.find("crashed: killed by SIGSEGV"), std::string::npos);
  EXPECT_EQ(c.regressions(), 1u);
  // The other way round it is a fix, not a failure.
  Comparison back = compare_reports(now, base, defaults());
  EXPECT_EQ(row(back, "glibc", "status")->verdict, Verdict::kFixed);
  EXPECT_EQ(back.regressions(), 0u);
}

TEST(Compare, EveryRunFailedOnBothSidesIsReportedNotGated) {
  Report r = synthetic_report({"t.rep"}, {{"glibc"}}, 2);
  for (RunResult& x : r.runs) x.status = "timeout";
  Comparison c = compare_reports(r, r, defaults());
  EXPECT_EQ(row(c, "glibc", "status")->verdict, Verdict::kBothFailed);
  EXPECT_FALSE(row(c, "glibc", "ns_per_event"));
  EXPECT_EQ(c.regressions(), 0u);
}

TEST(Compare, NothingInCommonIsAnError) {
  Report a = synthetic_report({"a.rep"}, {{"glibc"}}, 1);
  Report b = synthetic_report({"b.rep"}, {{"glibc"}}, 1);
  try {
    compare_reports(a, b, defaults());
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no (trace, allocator) in common"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
  Report empty;
  EXPECT_THROW(compare_reports(empty, empty, defaults()), std::invalid_argument);
}

TEST(Compare, MatchPairsDifferentlyNamedAllocators) {
  // One report holding both libraries, as the CI recipe runs them interleaved.
  Report r = synthetic_report({"t.rep"}, {{"preload:/a/lib.so", 20}, {"preload:/b/lib.so", 30}}, 5);
  CompareOptions o = defaults();
  o.match = {{"preload:/a/lib.so", "preload:/b/lib.so"}};
  Comparison c = compare_reports(r, r, o);
  const MetricComparison* ns = row(c, "preload:/a/lib.so -> preload:/b/lib.so", "ns_per_event");
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->verdict, Verdict::kRegressed);
  // Only the matched pair is compared.
  for (const MetricComparison& x : c.rows) EXPECT_EQ(x.allocator, "preload:/a/lib.so -> preload:/b/lib.so");
  o.match = {{"nosuch", "preload:/b/lib.so"}};
  EXPECT_THROW(compare_reports(r, r, o), std::invalid_argument);
}

TEST(Compare, MetricMeasuredOnOneSideOnlyIsShownNotGated) {
  Report base = synthetic_report({"t.rep"}, {{"glibc"}}, 5, 0.02, 0, false);  // no samples, no latency
  Report now = synthetic_report({"t.rep"}, {{"glibc"}}, 5);
  Comparison c = compare_reports(base, now, defaults());
  const MetricComparison* fp = row(c, "glibc", "peak_footprint_bytes");
  ASSERT_TRUE(fp);
  EXPECT_EQ(fp->verdict, Verdict::kNotMeasured);
  EXPECT_EQ(row(c, "glibc", "latency.malloc.p99_ns")->verdict, Verdict::kNotMeasured);
  EXPECT_EQ(c.regressions(), 0u);
}

TEST(Compare, ZeroBaseGrowingIsAnInfiniteChange) {
  Report base = synthetic_report({"t.rep"}, {{"glibc"}}, 1, 0.02, 0, false);
  Report now = base;
  for (RunResult& r : base.runs) r.peak_rss_bytes = 0;
  Comparison c = compare_reports(base, now, defaults());
  const MetricComparison* rss = row(c, "glibc", "peak_rss_bytes");
  EXPECT_TRUE(std::isinf(rss->change_pct));
  EXPECT_EQ(rss->verdict, Verdict::kRegressed);
  EXPECT_TRUE(comparison_to_json(c)["rows"][1]["change_pct"].is_null());
}

TEST(Compare, NotesWhenContextsDiffer) {
  Report base = synthetic_report({"t.rep"}, {{"glibc"}}, 5);
  Report now = base;
  now.context["touch"] = "none";
  Comparison c = compare_reports(base, now, defaults());
  ASSERT_FALSE(c.notes.empty());
  EXPECT_NE(c.notes[0].find("differ in touch (pages vs none)"), std::string::npos);
}

TEST(Compare, MarkdownEscapesNamesAndMarksRegressions) {
  Report base = synthetic_report({"<img src=x onerror=alert(1)>|.rep"}, {{"glibc", 20}}, 5);
  Report now = synthetic_report({"<img src=x onerror=alert(1)>|.rep"}, {{"glibc", 30}}, 5);
  std::string md = render_comparison_markdown(compare_reports(base, now, defaults()));
  EXPECT_EQ(md.find("<img"), std::string::npos) << md;
  EXPECT_NE(md.find("&lt;img src=x onerror=alert(1)&gt;\\|.rep"), std::string::npos) << md;
  EXPECT_NE(md.find("**REGRESSED**"), std::string::npos) << md;
}

TEST(Compare, ThresholdNames) {
  EXPECT_EQ(canonical_threshold_name("time"), "ns_per_event");
  EXPECT_EQ(canonical_threshold_name("rss"), "peak_rss_bytes");
  EXPECT_EQ(canonical_threshold_name("footprint"), "peak_footprint_bytes");
  EXPECT_EQ(canonical_threshold_name("p99.malloc"), "p99.malloc");
  EXPECT_FALSE(canonical_threshold_name("speed"));
}

}  // namespace
}  // namespace heapreplay
