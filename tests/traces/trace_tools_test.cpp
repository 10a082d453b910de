// The trace tools: histograms and statistics, the distance, slice, filter,
// scale and merge, on small traces whose every event is known.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "traces/tools/filter.h"
#include "traces/tools/log_histogram.h"
#include "traces/tools/merge.h"
#include "traces/tools/scale.h"
#include "traces/tools/slice.h"
#include "traces/tools/trace_distance.h"
#include "traces/tools/trace_stats.h"
#include "traces/trace_builder.h"

namespace heapreplay {
namespace {

// Events as text, one per event: "m10@0" malloc of 10 bytes on thread 0,
// "f@1" free on thread 1, "r20@0" realloc to 20, "n@0" free(NULL); the
// object is given as the key after a colon: "m10:5@0".
std::string describe(const Trace& t) {
  std::string s;
  for (const Event& e : t.events) {
    if (!s.empty()) s += ' ';
    switch (e.op) {
      case Op::kMalloc: s += "m" + std::to_string(e.size); break;
      case Op::kCalloc: s += "c" + std::to_string(e.size); break;
      case Op::kAligned: s += "a" + std::to_string(e.size); break;
      case Op::kRealloc: s += "r" + std::to_string(e.size); break;
      case Op::kFree: s += e.id == kNoObject ? "n" : "f"; break;
    }
    if (e.id != kNoObject) s += "#" + std::to_string(e.id);
    s += "@" + std::to_string(e.thread);
  }
  return s;
}

// malloc A(100, t0), malloc B(200, t1), realloc A->300 (t0), free B by t0,
// free(NULL) t1, malloc C(50, t1), free A (t1), C stays live.
Trace sample(bool timed = false) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  std::uint64_t t = 0;
  auto T = [&] { return timed ? (t += 10) : TraceBuilder::kNoTime; };
  b.malloc(1, 100, 0, T());
  b.malloc(2, 200, 1, T());
  b.realloc(1, 1, 300, 0, T());
  b.free(2, 0, T());
  b.free_null(1, T());
  b.malloc(3, 50, 1, T());
  b.free(1, 1, T());
  return b.finish();
}

TEST(LogHistogram, BinsHoldTheirValues) {
  for (unsigned per : {1u, 2u, 4u, 8u, 16u}) {
    LogHistogram h(per);
    for (std::uint64_t v = 0; v < 5000; ++v) {
      std::size_t i = h.index(v);
      ASSERT_LE(h.bin_lo(i), v) << per << " " << v;
      ASSERT_GE(h.bin_hi(i), v) << per << " " << v;
    }
    EXPECT_EQ(h.index(~std::uint64_t{0}), h.bin_count() - 1);
  }
  LogHistogram h(1);
  EXPECT_EQ(h.bin_lo(h.index(100)), 64u);
  EXPECT_EQ(h.bin_hi(h.index(100)), 127u);
  LogHistogram q(4);
  EXPECT_EQ(q.bin_lo(q.index(100)), 96u);
  EXPECT_EQ(q.bin_hi(q.index(100)), 111u);
  EXPECT_THROW(LogHistogram(3), std::invalid_argument);
}

TEST(LogHistogram, TotalVariation) {
  EXPECT_EQ(total_variation({1, 1}, {2, 2}), 0.0);
  EXPECT_EQ(total_variation({1, 0}, {0, 1}), 1.0);
  EXPECT_DOUBLE_EQ(total_variation({3, 1}, {1, 1}), 0.25);
  EXPECT_EQ(total_variation({0}, {0, 0}), 0.0);
  EXPECT_EQ(total_variation({0}, {1}), 1.0);
}

TEST(TraceStats, CountsSizesLifetimesAndThreads) {
  Trace t = sample();
  TraceStats s = compute_stats(t.view(), StatsOptions{1, 7});
  EXPECT_EQ(s.events, 7u);
  EXPECT_EQ(s.free_null, 1u);
  EXPECT_EQ(s.size_quantiles.count, 4u);  // 100, 200, 300 (realloc), 50
  EXPECT_EQ(s.size_quantiles.min, 50u);
  EXPECT_EQ(s.size_quantiles.p50, 100u);
  EXPECT_EQ(s.size_quantiles.max, 300u);
  EXPECT_EQ(s.size_quantiles.mean, 162.5);
  // Blocks: A100 [0,2) realloc, B [1,3) free, A300 [2,6) free, C live.
  EXPECT_EQ(s.blocks, 4u);
  EXPECT_EQ(s.blocks_live_at_end, 1u);
  EXPECT_EQ(s.lifetime_events_quantiles.count, 3u);
  EXPECT_EQ(s.lifetime_events_quantiles.min, 2u);
  EXPECT_EQ(s.lifetime_events_quantiles.max, 4u);
  // A100: 200 requested after it (B) before its end; B: 300; A300: 50.
  EXPECT_EQ(s.lifetime_bytes_quantiles.min, 50u);
  EXPECT_EQ(s.lifetime_bytes_quantiles.max, 300u);
  EXPECT_EQ(s.frees, 2u);
  EXPECT_EQ(s.cross_thread_frees, 2u);  // B made on 1, freed on 0; A300 made on 0, freed on 1
  EXPECT_EQ(s.thread_events, (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(s.peak_live_bytes, 500u);
  EXPECT_EQ(s.peak_live_event, 2u);
  EXPECT_EQ(s.final_live_bytes, 50u);
  // One point per event: live bytes after each.
  EXPECT_EQ(s.live_curve, (std::vector<double>{100, 300, 500, 300, 300, 350, 50}));
  nlohmann::json j = stats_to_json(s);
  EXPECT_EQ(j["size_histogram"].size(), 4u);  // 32-63, 64-127, 128-255, 256-511
  EXPECT_EQ(j["ops"]["free_null"], 1);
  EXPECT_NE(stats_to_text(s).find("cross-thread frees 2 of 2 frees (100.0%)"), std::string::npos);
}

TEST(TraceDistance, ZeroForTheSameTrace) {
  Trace t = sample();
  TraceStats s = distance_stats(t.view());
  TraceDistance d = trace_distance(s, s);
  EXPECT_EQ(d.size_tvd + d.lifetime_tvd + d.live_max_error + d.thread_tvd + d.cross_free_diff + d.op_tvd, 0.0);
}

TEST(Slice, DropsPriorObjectsAndClosesLiveOnes) {
  Trace t = sample();
  SliceReport r;
  // Events 2..5: realloc A (born before: becomes realloc(NULL)), free B
  // (born before: dropped), free(NULL), malloc C; then A and C are closed.
  Trace s = slice_trace(t, SliceOptions{2, 6}, &r);
  EXPECT_EQ(describe(s), "r300#0@0 n@1 m50#1@1 f#0@0 f#1@1");
  EXPECT_EQ(r.events_in_range, 4u);
  EXPECT_EQ(r.prior_objects, 2u);
  EXPECT_EQ(r.dropped_events, 1u);
  EXPECT_EQ(r.fresh_reallocs, 1u);
  EXPECT_EQ(r.closed_objects, 2u);
  EXPECT_EQ(s.thread_count, 2u);
  // Without closing, C and A stay live.
  s = slice_trace(t, SliceOptions{2, 6, SliceOptions::Prior::kDrop, false});
  EXPECT_EQ(describe(s), "r300#0@0 n@1 m50#1@1");
}

TEST(Slice, AllocatesPriorObjectsFirst) {
  Trace t = sample();
  SliceReport r;
  Trace s = slice_trace(t, SliceOptions{2, 4, SliceOptions::Prior::kAllocate, true}, &r);
  // A (100, t0) and B (200, t1) first, then realloc A, free B, then A closed.
  EXPECT_EQ(describe(s), "m100#0@0 m200#1@1 r300#0@0 f#1@0 f#0@0");
  EXPECT_EQ(summarize(s.view()).final_live_bytes, 0u);
}

TEST(Slice, ByTime) {
  Trace t = sample(true);  // times 10, 20, ..., 70
  auto [b, e] = event_range_of_time(t, 25, 55);
  EXPECT_EQ(b, 2u);
  EXPECT_EQ(e, 5u);
  Trace s = slice_trace(t, SliceOptions{b, e});
  EXPECT_EQ(s.timestamps_ns, (std::vector<std::uint64_t>{30, 50, 50}));  // realloc, free(NULL), close A
  EXPECT_THROW(event_range_of_time(sample(false), 0, 1), std::invalid_argument);
  auto empty = event_range_of_time(t, 100, 200);
  EXPECT_EQ(empty.first, empty.second);
}

TEST(Filter, ByThreadSizeAndOperation) {
  Trace t = sample();
  FilterOptions o;
  o.threads = {1};  // objects allocated by thread 1 (B, C), with B's free by thread 0
  EXPECT_EQ(describe(filter_trace(t, o)), "m200#0@1 f#0@0 n@1 m50#0@1");
  o = FilterOptions{};
  o.min_size = 60;
  o.max_size = 150;  // A only (first request 100): its realloc to 300 follows it
  EXPECT_EQ(describe(filter_trace(t, o)), "m100#0@0 r300#0@0 n@1 f#0@1");
  o = FilterOptions{};
  o.op_mask = (1u << static_cast<int>(Op::kMalloc)) | (1u << static_cast<int>(Op::kFree));  // no realloc
  EXPECT_EQ(describe(filter_trace(t, o)), "m100#0@0 m200#1@1 f#1@0 n@1 m50#1@1 f#0@1");
  o.op_mask = 1u << static_cast<int>(Op::kMalloc);  // no free: everything leaks
  EXPECT_EQ(describe(filter_trace(t, o)), "m100#0@0 m200#1@1 m50#2@1");
}

TEST(Scale, SizesAndThreads) {
  Trace t = sample();
  Trace s = scale_trace(t, ScaleOptions{1, 2, 1});
  EXPECT_EQ(describe(s), "m50#0@0 m100#1@1 r150#0@0 f#1@0 n@1 m25#1@1 f#0@1");
  EXPECT_EQ(scale_size(3, 1, 2), 2u);   // 1.5 rounds up
  EXPECT_EQ(scale_size(1, 1, 10), 1u);  // never below 1
  EXPECT_EQ(scale_size(~std::uint64_t{0}, 2, 1), ~std::uint64_t{0});
  s = scale_trace(t, ScaleOptions{1, 1, 2});
  EXPECT_EQ(s.thread_count, 4u);
  EXPECT_EQ(s.events.size(), 14u);
  EXPECT_EQ(describe(s).substr(0, 39), "m100#0@0 m100#1@1 m200#2@2 m200#3@3 r30");
  TraceStats st = compute_stats(s.view());
  EXPECT_EQ(st.cross_thread_frees, 4u);  // each copy keeps its cross-thread frees
  EXPECT_THROW(scale_trace(t, ScaleOptions{1, 1, 40000}), std::invalid_argument);
}

TEST(Merge, ThreadsOffsetAndOrders) {
  TraceBuilder b1("a", ReusePolicy::kLeakOld);
  b1.malloc(1, 10, 0, 5);
  b1.free(1, 0, 30);
  TraceBuilder b2("b", ReusePolicy::kLeakOld);
  b2.malloc(1, 20, 0, 10);
  b2.malloc(2, 21, 1, 20);
  b2.free(1, 1, 40);
  b2.free(2, 0, 50);
  Trace a = b1.finish(), c = b2.finish();
  Trace m = merge_traces({&a, &c}, MergeOrder::kTime);
  EXPECT_EQ(describe(m), "m10#0@0 m20#1@1 m21#2@2 f#0@0 f#1@2 f#2@1");
  EXPECT_EQ(m.timestamps_ns, (std::vector<std::uint64_t>{5, 10, 20, 30, 40, 50}));
  EXPECT_EQ(m.thread_count, 3u);
  EXPECT_EQ(m.format, "merged");
  // Proportional: a's events at 1/4, 3/4; c's at 1/8, 3/8, 5/8, 7/8.
  m = merge_traces({&a, &c}, MergeOrder::kProportional);
  EXPECT_EQ(describe(m), "m20#0@1 m10#1@0 m21#2@2 f#0@2 f#1@0 f#2@1");
  EXPECT_TRUE(m.timestamps_ns.empty());
  m = merge_traces({&a, &c}, MergeOrder::kConcat);
  EXPECT_EQ(describe(m), "m10#0@0 f#0@0 m20#0@1 m21#1@2 f#0@2 f#1@1");
  Trace untimed = sample();
  EXPECT_THROW(merge_traces({&a, &untimed}, MergeOrder::kTime), std::invalid_argument);
  EXPECT_TRUE(merge_traces({&a, &untimed}).timestamps_ns.empty());  // auto: proportional
  EXPECT_THROW(merge_traces({}), std::invalid_argument);
}

}  // namespace
}  // namespace heapreplay
