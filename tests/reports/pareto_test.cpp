// The Pareto front of time against memory: the front of a set of points
// (dominance, ties, NaN, one point), the fronts of a report's workloads (per
// trace, medians, specs that lack a figure or an ok run), and its text.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "reports/aggregate.h"
#include "reports/html.h"
#include "reports/markdown.h"
#include "reports/pareto.h"
#include "support/synthetic_report.h"

namespace heapreplay {
namespace {

using test::synthetic_report;
using Points = std::vector<std::pair<double, double>>;
using Indices = std::vector<std::size_t>;

TEST(ParetoFront, KeepsWhatNothingBeatsOnBothFastestFirst) {
  // (time, memory): 0 is fast and big, 2 slow and small, 1 between them; 3 is
  // beaten by 1 on both, 4 by 0 on memory at the same time.
  Points p = {{10, 100}, {20, 50}, {40, 10}, {25, 60}, {10, 120}};
  EXPECT_EQ(pareto_front(p), (Indices{0, 1, 2}));
}

TEST(ParetoFront, EmptyAndSinglePoint) {
  EXPECT_TRUE(pareto_front({}).empty());
  EXPECT_EQ(pareto_front({{5, 5}}), (Indices{0}));
}

TEST(ParetoFront, TwinsAreOnTheFrontTogetherOrNotAtAll) {
  // 0 and 2 are the same point and nothing beats them; 1 and 3 are twins
  // that 0 beats.
  EXPECT_EQ(pareto_front({{1, 1}, {2, 2}, {1, 1}, {2, 2}}), (Indices{0, 2}));
  // As fast but bigger, or as big but slower: beaten.
  EXPECT_EQ(pareto_front({{1, 5}, {1, 6}, {2, 5}}), (Indices{0}));
}

TEST(ParetoFront, OneBestPointBeatsEveryOther) {
  EXPECT_EQ(pareto_front({{3, 3}, {1, 1}, {2, 9}, {9, 2}}), (Indices{1}));
}

TEST(ParetoFront, NanIsNeverOnTheFrontAndInfinityIsOrdered) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(pareto_front({{nan, 1}, {2, 2}, {3, nan}}), (Indices{1}));
  EXPECT_EQ(pareto_front({{1, inf}, {2, 1}}), (Indices{0, 1}));
}

// Three configurations of one allocator and a second allocator, on two
// traces: time (ns/event), RSS factor, footprint factor.
Report sweep_report() {
  return synthetic_report({"a.rep", "b.rep"},
                          {{"jemalloc:narenas=1", 30, 1.1, 1.2, 60},
                           {"jemalloc:narenas=4", 20, 1.4, 1.5, 60},
                           {"jemalloc:narenas=8", 21, 1.5, 1.6, 60},
                           {"glibc", 25, 1.2, 1.3, 60}},
                          3, 0.0);
}

TEST(ParetoWorkloads, AFrontPerTraceAndAxisFromTheMedians) {
  std::vector<ParetoWorkload> w = pareto_workloads(aggregate(sweep_report()));
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].name, "a.rep");
  EXPECT_EQ(w[1].name, "b.rep");
  for (const ParetoWorkload& one : w) {
    EXPECT_FALSE(one.program);
    EXPECT_TRUE(one.no_ok_run.empty());
    ASSERT_EQ(one.charts.size(), 3u);
    for (const ParetoChart& c : one.charts) {
      ASSERT_EQ(c.points.size(), 4u) << c.axis.label;
      EXPECT_TRUE(c.drawable());
      EXPECT_TRUE(c.unmeasured.empty());
      // narenas=4 is fastest, glibc in the middle, narenas=1 smallest;
      // narenas=8 is slower and bigger than narenas=4.
      ASSERT_EQ(c.front.size(), 3u) << c.axis.label;
      EXPECT_EQ(c.points[c.front[0]].allocator, "jemalloc:narenas=4");
      EXPECT_EQ(c.points[c.front[1]].allocator, "glibc");
      EXPECT_EQ(c.points[c.front[2]].allocator, "jemalloc:narenas=1");
      EXPECT_FALSE(c.points[2].on_front);
      EXPECT_DOUBLE_EQ(c.points[0].time, 30);
    }
    EXPECT_STREQ(one.charts[0].axis.metric, "peak_rss_bytes");
    EXPECT_DOUBLE_EQ(one.charts[0].points[0].memory, static_cast<double>(std::uint64_t((8u << 20) * 1.1)));
    EXPECT_STREQ(one.charts[2].axis.metric, "fragmentation_at_peak_live");
    EXPECT_DOUBLE_EQ(one.charts[2].points[1].memory, 1.5);
  }
}

TEST(ParetoWorkloads, TheTimeIsTheMedianOfTheRepetitions) {
  Report r = synthetic_report({"a.rep"}, {{"x", 10, 1.0, 1.0, 60}, {"y", 20, 2.0, 2.0, 60}}, 3, 0.0);
  // One slow repetition of x does not move its median.
  r.runs[0].ns_per_event = 1000;
  std::vector<ParetoWorkload> w = pareto_workloads(aggregate(r));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_DOUBLE_EQ(w[0].charts[0].points[0].time, 10);
  ASSERT_EQ(w[0].charts[0].front.size(), 1u);
  EXPECT_EQ(w[0].charts[0].points[w[0].charts[0].front[0]].allocator, "x");
}

TEST(ParetoWorkloads, OneSpecPerWorkloadHasNoFront) {
  EXPECT_TRUE(pareto_workloads(aggregate(synthetic_report({"a.rep", "b.rep"}, {{"glibc"}}, 2))).empty());
  EXPECT_EQ(render_pareto_text({}), "");
}

TEST(ParetoWorkloads, MissingFiguresAndFailedSpecsAreNamed) {
  // y has no memory samples (no footprint, no fragmentation); z never ran ok.
  Report r = synthetic_report({"a.rep"}, {{"x", 10, 1.0, 1.0, 60}}, 2, 0.0);
  Report unsampled = synthetic_report({"a.rep"}, {{"y", 20, 0.9, 1.0, 60}}, 2, 0.0, 0);
  Report failed = synthetic_report({"a.rep"}, {{"z", 5, 0.5, 0.5, 60}}, 2, 0.0);
  for (RunResult& run : failed.runs) run.status = "crashed";
  r.runs.insert(r.runs.end(), unsampled.runs.begin(), unsampled.runs.end());
  r.runs.insert(r.runs.end(), failed.runs.begin(), failed.runs.end());
  std::vector<ParetoWorkload> w = pareto_workloads(aggregate(r));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].no_ok_run, std::vector<std::string>{"z"});
  const ParetoChart& rss = w[0].charts[0];
  EXPECT_EQ(rss.points.size(), 2u);
  EXPECT_EQ(rss.front.size(), 2u);  // x is faster, y smaller
  const ParetoChart& footprint = w[0].charts[1];
  EXPECT_FALSE(footprint.drawable());
  ASSERT_EQ(footprint.points.size(), 1u);
  EXPECT_TRUE(footprint.points[0].on_front);  // a single point is its own front
  EXPECT_EQ(footprint.unmeasured, std::vector<std::string>{"y"});

  std::string text = render_pareto_text(w);
  EXPECT_NE(text.find("a.rep\n  peak RSS  10.00 ns/event  8.0 MiB  x\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n            20.00 ns/event  7.2 MiB  y\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  peak footprint: measured for 1 spec only, no front\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  no ok run: z\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("on no front"), std::string::npos) << text;
}

TEST(ParetoWorkloads, ProgramsWeighWallTimeAgainstPeakRss) {
  Report r;
  const char* specs[] = {"glibc", "jemalloc:narenas=1", "jemalloc:narenas=2"};
  const double wall_ms[] = {5, 6, 7}, rss_mib[] = {3, 5, 5};
  for (int k = 0; k < 2; ++k)
    for (int s = 0; s < 3; ++s) {
      RunResult p;
      p.kind = "program";
      p.trace = "sh\x1b[2J";
      p.allocator = specs[s];
      p.repetition = k;
      p.wall_ns = static_cast<std::uint64_t>(wall_ms[s] * 1e6);
      p.peak_rss_bytes = static_cast<std::uint64_t>(rss_mib[s] * 1048576);
      r.runs.push_back(p);
    }
  std::vector<ParetoWorkload> w = pareto_workloads(aggregate(r));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_TRUE(w[0].program);
  ASSERT_EQ(w[0].charts.size(), 1u);
  EXPECT_STREQ(w[0].charts[0].axis.metric, "peak_rss_bytes");
  EXPECT_EQ(w[0].charts[0].front, (Indices{0}));  // glibc: faster and smaller
  std::string text = render_pareto_text(w);
  EXPECT_NE(text.find("sh\\x1b[2J\n  peak RSS  5.00 ms  3.0 MiB  glibc\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  on no front: jemalloc:narenas=1, jemalloc:narenas=2\n"), std::string::npos) << text;
}

TEST(ParetoRendering, MarkdownAndPageDataOnlyWhereAWorkloadRanTwoSpecs) {
  std::string md = render_markdown(sweep_report());
  EXPECT_NE(md.find("**Pareto front**"), std::string::npos) << md;
  EXPECT_NE(md.find("| a.rep | peak RSS | 20.00 ns/event | 11.2 MiB | jemalloc:narenas=4 |\n"), std::string::npos)
      << md;
  EXPECT_NE(md.find("- a.rep: on no front: jemalloc:narenas=8\n"), std::string::npos) << md;
  nlohmann::json d = html_page_data(sweep_report());
  ASSERT_TRUE(d["traces"][0].contains("pareto"));
  const nlohmann::json& rss = d["traces"][0]["pareto"][0];
  EXPECT_EQ(rss["kind"], "pareto_rss");
  EXPECT_EQ(rss["unit"], "bytes");
  EXPECT_EQ(rss["points"].size(), 4u);
  EXPECT_EQ(rss["front"], nlohmann::json({1, 3, 0}));
  EXPECT_EQ(d["traces"][0]["pareto"][2]["unit"], "ratio");

  // One spec per trace: no front anywhere, and the page data has no key
  // for it.
  Report one = synthetic_report({"a.rep", "b.rep"}, {{"glibc"}}, 2);
  EXPECT_EQ(render_markdown(one).find("Pareto"), std::string::npos);
  const nlohmann::json page = html_page_data(one);  // kept: a range-for over a temporary's member dangles
  for (const auto& t : page["traces"]) EXPECT_FALSE(t.contains("pareto"));
}

}  // namespace
}  // namespace heapreplay
