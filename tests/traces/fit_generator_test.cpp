// gen fit reproduces a trace's histograms, live-bytes curve and thread mix
// within stated bounds (README.md: fit), on generated traces (always: a
// multithreaded phased one, and one with the nested short lifetimes and the
// exit-time frees of a real program) and on the real traces of
// ../shared/data (when present).
//
// Targets (issue 15), drawing by shuffle (the default): block-lifetime total
// variation <= 0.05 and live-bytes curve max error <= 10% of the peak (mean
// <= 3%); request sizes, operations, threads and cross-thread frees exact
// (distance 0: every object is used once). They hold on every real trace of
// 2,000 events or more but realloc-bal and realloc2-bal (strict three-event
// cycles, README.md: fit), held to lifetime TV <= 0.2 instead. Drawing by
// bootstrap: sizes and threads <= 0.03, lifetimes <= 0.05, live-bytes max
// error <= 25%.
#include <gtest/gtest.h>

#include <filesystem>

#include "trace_test_util.h"
#include "traces/generators/fit.h"
#include "traces/generators/generator.h"
#include "traces/readers/import.h"

namespace heapreplay {
namespace {

void expect_close_fit(const Trace& source, std::uint64_t seed, const std::string& what, double lifetime_tvd = 0.05) {
  FitResult f = fit_trace(source, FitOptions{seed});
  const TraceDistance& d = f.distance;
  EXPECT_LE(d.size_tvd, 1e-12) << what;
  EXPECT_LE(d.op_tvd, 1e-12) << what;
  EXPECT_LE(d.thread_tvd, 1e-12) << what;
  EXPECT_LE(d.cross_free_diff, 1e-12) << what;
  EXPECT_LE(d.lifetime_tvd, lifetime_tvd) << what;
  EXPECT_LE(d.live_max_error, 0.10) << what;
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

// The shape of a real program's recording (an SQL engine inserting rows):
// each row makes a few small blocks that live 1 to 13 events, nested, one of
// them grown twice by realloc; one row in 16 also makes a 4 KiB page that
// lives until a teardown at the end; and a burst of 1 KiB buffers near the
// end lives a few thousand events. Every lifetime bin below 16 is narrow
// (1 event wide), so a fit that reorders short-lived blocks carelessly is far.
// Harder than the real traces: held to lifetime TV <= 0.06 (it reaches
// 0.052 with seed 1), the live-bytes targets as they are.
Trace nested_rows_source() {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  std::uint64_t key = 1, prev = 0;
  std::vector<std::uint64_t> pages, buffers;
  for (int row = 0; row < 30000; ++row) {
    std::uint64_t a = key++, c = key++, d = key++, x = key++;
    b.malloc(a, 16);
    b.malloc(c, 32);
    if (prev) b.free(prev);
    b.malloc(d, 16);
    b.realloc(d, d, 32);
    b.malloc(x, 32 + row % 8);
    b.free(c);
    b.realloc(d, d, 56);
    b.free(a);
    b.free(d);
    prev = x;
    if (row % 16 == 0) {
      pages.push_back(key);
      b.malloc(key++, 4096);
    }
    if (row >= 27000 && row < 28000) {
      buffers.push_back(key);
      b.malloc(key++, 1024);
    }
    if (row >= 28500 && row < 29500) {
      b.free(buffers.front());
      buffers.erase(buffers.begin());
    }
  }
  for (std::uint64_t p : pages) b.free(p);
  return b.finish();
}

TEST(FitGenerator, MatchesNestedShortLifetimesAndExitFrees) {
  Trace source = nested_rows_source();
  ASSERT_GT(source.events.size(), 250000u);
  for (std::uint64_t seed : {1, 2}) expect_close_fit(source, seed, "nested rows, seed " + std::to_string(seed), 0.06);
}

TEST(FitGenerator, BootstrapDrawsStayClose) {
  Trace source = multithreaded_source();
  TraceDistance d = fit_trace(source, FitOptions{4, 100, FitOptions::Draw::kBootstrap}).distance;
  EXPECT_GT(d.size_tvd, 0.0);  // objects drawn with replacement: not the same multiset
  EXPECT_LE(d.size_tvd, 0.03);
  EXPECT_LE(d.thread_tvd, 0.03);
  EXPECT_LE(d.cross_free_diff, 0.02);
  EXPECT_LE(d.lifetime_tvd, 0.05);
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

// Every malloc-lab trace of 2,000 events or more (the wee_alloc, mtrace and
// raw traces of ../shared/data are all shorter; README.md: fit says why
// short traces cannot meet the live-bytes target).
TEST(FitGenerator, MatchesRealTraces) {
  HR_SHARED_FILE(dir, "malloclab-classic");
  std::vector<std::string> paths;
  for (const char* set : {"malloclab-classic", "malloclab-cmu", "malloclab-cmu-2016"})
    for (const auto& e : std::filesystem::directory_iterator(std::string(HR_SHARED_DATA) + "/" + set))
      if (e.path().extension() == ".rep") paths.push_back(e.path().string());
  std::sort(paths.begin(), paths.end());
  std::size_t fitted = 0;
  for (const std::string& path : paths) {
    Trace source = import_trace(path);
    if (source.events.size() < 2000) continue;
    std::string name = std::filesystem::path(path).filename().string();
    bool cycle = name == "realloc-bal.rep" || name == "realloc2-bal.rep";
    expect_close_fit(source, 1, path, cycle ? 0.2 : 0.05);
    ++fitted;
  }
  EXPECT_GE(fitted, 20u);  // 21 in the set described by ../shared/data/README.md
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
