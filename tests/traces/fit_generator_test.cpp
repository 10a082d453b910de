// gen fit reproduces a trace's histograms, live-bytes curve and thread mix
// within stated bounds (README.md: fit), on a generated multithreaded trace
// (always) and on real traces from ../shared/data (when present).
//
// Bounds, for traces of 5,000 events or more, drawing by shuffle (the
// default): request sizes, operations, threads and cross-thread frees exact
// (distance 0: every object is used once); lifetime histogram total
// variation <= 0.1; live-bytes curve max error <= 15% and mean error <= 3% of
// the peak. Drawing by bootstrap: sizes and threads <= 0.03, lifetimes <=
// 0.1, live-bytes max error <= 25%.
#include <gtest/gtest.h>

#include "trace_test_util.h"
#include "traces/generators/fit.h"
#include "traces/generators/generator.h"
#include "traces/readers/import.h"

namespace heapreplay {
namespace {

void expect_close_fit(const Trace& source, std::uint64_t seed, const std::string& what) {
  FitResult f = fit_trace(source, FitOptions{seed});
  const TraceDistance& d = f.distance;
  EXPECT_LE(d.size_tvd, 1e-12) << what;
  EXPECT_LE(d.op_tvd, 1e-12) << what;
  EXPECT_LE(d.thread_tvd, 1e-12) << what;
  EXPECT_LE(d.cross_free_diff, 1e-12) << what;
  EXPECT_LE(d.lifetime_tvd, 0.1) << what;
  EXPECT_LE(d.live_max_error, 0.15) << what;
  EXPECT_LE(d.live_mean_error, 0.03) << what;
  // The result is a valid trace of the same length and threads.
  EXPECT_EQ(f.trace.events.size(), source.events.size()) << what;
  EXPECT_EQ(f.trace.thread_count, source.thread_count) << what;
  EXPECT_EQ(f.trace.format, "generated:fit");
  // ... and not the source itself: the order of objects changed.
  std::size_t same = 0;
  for (std::size_t i = 0; i < source.events.size(); ++i)
    same += source.events[i].size == f.trace.events[i].size && source.events[i].op == f.trace.events[i].op;
  EXPECT_LT(same, source.events.size()) << what;
}

Trace multithreaded_source() {
  return generate_trace(
      "synthetic",
      {"phases=3", "events=60k", "p2.events=30k", "p2.size=powerlaw", "p2.teardown=1", "threads=4", "cross_free=0.3",
       "realloc=0.1", "calloc=0.05", "align=64:0.02", "live_bytes=512K", "p3.live_bytes=2M", "event_ns=50"},
      11);
}

TEST(FitGenerator, MatchesAGeneratedMultithreadedTrace) {
  Trace source = multithreaded_source();
  for (std::uint64_t seed : {1, 2, 3}) expect_close_fit(source, seed, "seed " + std::to_string(seed));
}

TEST(FitGenerator, KeepsTimestampsInOrder) {
  Trace source = multithreaded_source();
  Trace fitted = fit_trace(source, FitOptions{1}).trace;
  ASSERT_EQ(fitted.timestamps_ns.size(), fitted.events.size());
  EXPECT_TRUE(std::is_sorted(fitted.timestamps_ns.begin(), fitted.timestamps_ns.end()));
  EXPECT_EQ(fitted.timestamps_ns.back(), source.timestamps_ns.back());
}

TEST(FitGenerator, BootstrapDrawsStayClose) {
  Trace source = multithreaded_source();
  TraceDistance d = fit_trace(source, FitOptions{4, 100, FitOptions::Draw::kBootstrap}).distance;
  EXPECT_GT(d.size_tvd, 0.0);  // objects drawn with replacement: not the same multiset
  EXPECT_LE(d.size_tvd, 0.03);
  EXPECT_LE(d.thread_tvd, 0.03);
  EXPECT_LE(d.cross_free_diff, 0.02);
  EXPECT_LE(d.lifetime_tvd, 0.1);
  EXPECT_LE(d.live_max_error, 0.25);
}

TEST(FitGenerator, DistanceSeesAMismatch) {
  // The distance is not blind: a trace of other sizes and lifetimes is far.
  Trace a = generate_trace("churn", {"events=50k"}, 1);
  Trace b = generate_trace("synthetic", {"events=50k", "size=fixed", "size_bytes=4096", "threads=2"}, 1);
  TraceDistance d = trace_distance(distance_stats(a.view()), distance_stats(b.view()));
  EXPECT_GT(d.size_tvd, 0.99);
  EXPECT_GT(d.lifetime_tvd, 0.3);
  EXPECT_GT(d.live_max_error, 1.0);
  EXPECT_NEAR(d.thread_tvd, 0.5, 0.01);
}

TEST(FitGenerator, MatchesRealTraces) {
  for (const char* rel :
       {"malloclab-cmu/alaska.rep", "malloclab-classic/realloc-bal.rep", "malloclab-classic/binary-bal.rep",
        "malloclab-classic/amptjp-bal.rep", "malloclab-cmu-2016/ngram-gulliver1.rep", "malloclab-cmu-2016/cbit-abs.rep",
        "malloclab-classic/cp-decl-bal.rep"}) {
    HR_SHARED_FILE(path, rel);
    Trace source = import_trace(path);
    ASSERT_GE(source.events.size(), 5000u) << rel;
    expect_close_fit(source, 1, rel);
  }
}

TEST(FitGenerator, TinyAndEmptyTraces) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  b.malloc(1, 10);
  b.free_null();
  b.realloc(1, 1, 20);
  b.free(1);
  Trace t = b.finish();
  FitResult f = fit_trace(t, FitOptions{1});
  EXPECT_EQ(f.segments, 1u);
  EXPECT_EQ(f.trace.events.size(), 4u);
  EXPECT_EQ(f.distance.size_tvd, 0.0);
  FitResult e = fit_trace(TraceBuilder("test", ReusePolicy::kLeakOld).finish(), FitOptions{1});
  EXPECT_TRUE(e.trace.events.empty());
}

}  // namespace
}  // namespace heapreplay
