// The classic stress tests do what their descriptions say: the structure
// of each pattern is checked exactly, the random parts within stated bounds.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <map>
#include <set>

#include "traces/generators/generator.h"
#include "traces/tools/blocks.h"
#include "traces/tools/trace_stats.h"
#include "traces/trace_builder.h"

namespace heapreplay {
namespace {

TEST(ClassicGenerators, LarsonFillsArraysThenHandsThemToNewThreads) {
  Trace t = generate_trace("larson",
                           {"events=100k", "threads=4", "slots=500", "handoff=1000", "size_min=8", "size_max=1000"}, 1);
  TraceSummary s = summarize(t.view());
  EXPECT_EQ(t.events.size(), 100000u);
  // The main thread (0) allocates every slot first.
  for (std::size_t i = 0; i < 2000; ++i) {
    ASSERT_EQ(t.events[i].op, Op::kMalloc);
    ASSERT_EQ(t.events[i].thread, 0);
  }
  EXPECT_EQ(s.peak_live_objects, 2000u);  // the arrays stay full: each free is followed by a malloc
  // 98000 events = 49000 replacements; one new thread per 1000 of a worker's.
  EXPECT_NEAR(static_cast<double>(t.thread_count), 1 + 4 + 49, 4);
  TraceStats st = compute_stats(t.view());
  // Every free of a block of the main thread, or of a thread since handed
  // off, is cross-thread: most frees early on, a good share overall.
  EXPECT_GT(st.cross_thread_free_share(), 0.3);
  EXPECT_LT(st.cross_thread_free_share(), 0.9);
  EXPECT_GE(st.size_quantiles.min, 8u);
  EXPECT_LE(st.size_quantiles.max, 1000u);
  EXPECT_NEAR(st.size_quantiles.mean, 504, 6);
}

TEST(ClassicGenerators, XmallocFreesEverythingOnAnotherThread) {
  Trace t = generate_trace("xmalloc", {"events=100k", "producers=3", "consumers=2", "batch=32", "queue=4"}, 2);
  TraceStats st = compute_stats(t.view());
  EXPECT_EQ(t.thread_count, 5u);
  EXPECT_EQ(st.cross_thread_frees, st.frees);
  EXPECT_GT(st.frees, 40000u);
  std::uint64_t in_flight_peak = 0, live = 0;
  for (const Event& e : t.events) {
    if (e.op == Op::kMalloc) {
      EXPECT_LT(e.thread, 3);
      ++live;
    } else {
      EXPECT_EQ(e.op, Op::kFree);
      EXPECT_GE(e.thread, 3);
      --live;
    }
    in_flight_peak = std::max(in_flight_peak, live);
  }
  // At most `queue` full batches waiting, one being filled per producer and
  // one being emptied per consumer.
  EXPECT_LE(in_flight_peak, (4u + 3 + 2) * 32);
  EXPECT_GE(st.size_quantiles.min, 8u);
  EXPECT_LE(st.size_quantiles.max, 512u);
}

TEST(ClassicGenerators, ChurnHoldsItsPopulation) {
  Trace t = generate_trace("churn", {"events=200k", "live_objects=3000", "calloc=0.1"}, 3);
  TraceSummary s = summarize(t.view());
  EXPECT_GE(s.peak_live_objects, 3000u);
  EXPECT_LE(s.peak_live_objects, 3300u);
  // After the fill (3000 events), the population stays within 5% of the target.
  std::uint64_t live = 0;
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    live += t.events[i].op == Op::kFree ? -1 : 1;
    if (i >= 3500) {
      ASSERT_NEAR(static_cast<double>(live), 3000, 150) << i;
    }
  }
  // Both operations in random runs: neither strict alternation nor long streaks.
  std::uint64_t switches = 0;
  for (std::size_t i = 3501; i < t.events.size(); ++i)
    switches += (t.events[i].op == Op::kFree) != (t.events[i - 1].op == Op::kFree);
  double switch_share = static_cast<double>(switches) / static_cast<double>(t.events.size() - 3501);
  EXPECT_GT(switch_share, 0.4);
  EXPECT_LT(switch_share, 0.6);
  TraceStats st = compute_stats(t.view());
  double allocations = static_cast<double>(st.op_count[0] + st.op_count[1]);
  EXPECT_NEAR(static_cast<double>(st.op_count[1]) / allocations, 0.1, 0.005);
  EXPECT_EQ(st.size_quantiles.min, 8u);
  EXPECT_EQ(st.size_quantiles.max, 256u);
  EXPECT_NEAR(static_cast<double>(st.size_quantiles.p50), 45, 3);  // log-uniform median: sqrt(8 * 257) = 45.3
  // Four threads, populations of their own: no cross-thread frees.
  t = generate_trace("churn", {"events=100k", "threads=4"}, 3);
  EXPECT_EQ(t.thread_count, 4u);
  EXPECT_EQ(compute_stats(t.view()).cross_thread_frees, 0u);
}

TEST(ClassicGenerators, LargeBuildsUpFreesHalfRefillsAndTearsDown) {
  Trace t = generate_trace("large", {"waves=3", "objects=40"}, 4);
  ASSERT_EQ(t.events.size(), 3u * 4 * 40 - 3 * 40);  // 40 + 20 + 20 + 40 per wave
  for (int w = 0; w < 3; ++w) {
    std::size_t base = static_cast<std::size_t>(w) * 120;
    for (std::size_t i = 0; i < 40; ++i) ASSERT_EQ(t.events[base + i].op, Op::kMalloc);
    for (std::size_t i = 40; i < 60; ++i) ASSERT_EQ(t.events[base + i].op, Op::kFree);
    for (std::size_t i = 60; i < 80; ++i) ASSERT_EQ(t.events[base + i].op, Op::kMalloc);
    for (std::size_t i = 80; i < 120; ++i) ASSERT_EQ(t.events[base + i].op, Op::kFree);
  }
  TraceSummary s = summarize(t.view());
  EXPECT_EQ(s.final_live_bytes, 0u);
  EXPECT_EQ(s.peak_live_objects, 40u);
  for (const Event& e : t.events)
    if (e.op == Op::kMalloc) {
      EXPECT_GE(e.size, 64u << 10);
      EXPECT_LE(e.size, 2u << 20);
    }
}

TEST(ClassicGenerators, ReallocBufferGrowsThenShrinksOrFrees) {
  Trace t = generate_trace("realloc-buffer", {"events=50k", "buffers=8", "target_max=64K", "interleave=0"}, 5);
  // Follow each buffer: appends of 8..512 bytes up to a target, then halving
  // or a free.
  std::map<std::uint32_t, std::uint64_t> size;
  std::map<std::uint32_t, bool> shrinking;
  std::uint64_t grows = 0, halvings = 0;
  for (const Event& e : t.events) {
    if (e.op == Op::kMalloc) {
      EXPECT_EQ(e.size, 64u);
      size[e.id] = e.size;
      shrinking[e.id] = false;
    } else if (e.op == Op::kRealloc) {
      std::uint64_t old = size[e.id];
      if (e.size > old) {
        EXPECT_FALSE(shrinking[e.id]);
        EXPECT_GE(e.size - old, 8u);
        EXPECT_LE(e.size - old, 512u);
        EXPECT_LE(old, 64u << 10);  // grows only while below its target (at most target_max)
        ++grows;
      } else {
        EXPECT_EQ(e.size, old / 2);
        shrinking[e.id] = true;
        ++halvings;
      }
      size[e.id] = e.size;
    } else {
      size.erase(e.id);
    }
  }
  EXPECT_GT(grows, 10 * halvings);
  EXPECT_GT(halvings, 50u);
  // Doubling capacity: every realloc while growing is to 64 * 2^k.
  t = generate_trace("realloc-buffer", {"events=20k", "growth=double", "shrink=0"}, 5);
  for (const Event& e : t.events) {
    if (e.op == Op::kRealloc) {
      EXPECT_TRUE(e.size % 64 == 0 && std::has_single_bit(e.size / 64)) << e.size;
    }
  }
  // Small objects in between.
  t = generate_trace("realloc-buffer", {"events=20k", "interleave=0.5"}, 5);
  std::uint64_t small = 0;
  for (const Event& e : t.events)
    if (e.op == Op::kMalloc && e.size != 64) ++small;
  EXPECT_GT(small, 4000u);
}

TEST(ClassicGenerators, FragmentationFreesEveryOtherThenAsksForLarger) {
  Trace t = generate_trace("fragmentation", {"rounds=2", "objects=1000", "small=64", "large=512", "jitter=0"}, 6);
  ASSERT_EQ(t.events.size(), 2u * 2000 + 2000);
  for (int r = 0; r < 2; ++r) {
    std::size_t base = static_cast<std::size_t>(r) * 2000;
    std::set<std::uint32_t> slots;
    for (std::size_t i = 0; i < 1000; ++i) {
      ASSERT_EQ(t.events[base + i].op, Op::kMalloc);
      ASSERT_EQ(t.events[base + i].size, 64u);
    }
    // The frees hit the 2nd, 4th, ... block of the round.
    for (std::size_t i = 0; i < 500; ++i) {
      ASSERT_EQ(t.events[base + 1000 + i].op, Op::kFree);
      EXPECT_EQ(t.events[base + 1000 + i].id, t.events[base + 2 * i + 1].id);
    }
    for (std::size_t i = 0; i < 500; ++i) {
      ASSERT_EQ(t.events[base + 1500 + i].op, Op::kMalloc);
      ASSERT_EQ(t.events[base + 1500 + i].size, 512u);
    }
  }
  TraceSummary s = summarize(t.view());
  EXPECT_EQ(s.peak_live_bytes, 2u * (500 * 64 + 500 * 512));
  EXPECT_EQ(s.final_live_bytes, 0u);
  // Jitter spreads sizes over size (1 +- jitter).
  t = generate_trace("fragmentation", {"rounds=1", "objects=10000", "jitter=0.25"}, 6);
  TraceStats st = compute_stats(t.view());
  EXPECT_EQ(st.size_quantiles.min, 48u);
  EXPECT_EQ(st.size_quantiles.max, 640u);
}

}  // namespace
}  // namespace heapreplay
