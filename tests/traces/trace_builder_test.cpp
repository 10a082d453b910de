// TraceBuilder's rules for odd input (slot reuse, unmatched frees and
// reallocs, reuse policies, realloc to 0, calloc overflow, alignment
// encoding, threads and timestamps) and summarize()'s figures.
#include "traces/trace_builder.h"

#include <gtest/gtest.h>

#include "tests/traces/trace_test_util.h"

namespace heapreplay {
namespace {

Event ev(Op op, std::uint32_t id, std::uint64_t size, std::uint8_t aux = 0, std::uint16_t thread = 0) {
  return Event{size, id, thread, op, aux};
}

void expect_events(const Trace& t, const std::vector<Event>& want) {
  ASSERT_EQ(t.events.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("event " + std::to_string(i));
    EXPECT_EQ(t.events[i].op, want[i].op);
    EXPECT_EQ(t.events[i].id, want[i].id);
    EXPECT_EQ(t.events[i].size, want[i].size);
    EXPECT_EQ(t.events[i].aux, want[i].aux);
    EXPECT_EQ(t.events[i].thread, want[i].thread);
  }
}

TEST(TraceBuilder, FreedSlotsAreReusedMostRecentFirst) {
  TraceBuilder b("t", ReusePolicy::kLeakOld);
  b.malloc(100, 1);
  b.malloc(200, 2);
  b.malloc(300, 3);
  EXPECT_TRUE(b.free(100));
  EXPECT_TRUE(b.free(300));
  b.malloc(400, 4);  // takes slot 2 (freed last)
  b.malloc(500, 5);  // then slot 0
  b.malloc(600, 6);  // then a new slot
  Trace t = b.finish();
  EXPECT_EQ(t.format, "t");
  EXPECT_EQ(t.object_count, 4u);
  expect_events(t, {ev(Op::kMalloc, 0, 1), ev(Op::kMalloc, 1, 2), ev(Op::kMalloc, 2, 3), ev(Op::kFree, 0, 0),
                    ev(Op::kFree, 2, 0), ev(Op::kMalloc, 2, 4), ev(Op::kMalloc, 0, 5), ev(Op::kMalloc, 3, 6)});
}

TEST(TraceBuilder, UnmatchedFreeIsCountedAndSkipped) {
  TraceBuilder b("t", ReusePolicy::kFreeOld);
  b.malloc(1, 8);
  EXPECT_FALSE(b.free(2));
  EXPECT_TRUE(b.free(1));
  EXPECT_FALSE(b.free(1));  // double free
  Trace t = b.finish();
  EXPECT_EQ(t.import.unmatched_free, 2u);
  expect_events(t, {ev(Op::kMalloc, 0, 8), ev(Op::kFree, 0, 0)});
}

TEST(TraceBuilder, UnmatchedReallocBecomesReallocOfNull) {
  TraceBuilder b("t", ReusePolicy::kLeakOld);
  b.malloc(1, 8);
  b.realloc(7, 7, 32);             // never allocated: realloc(NULL, 32) on a fresh slot
  b.realloc(std::nullopt, 9, 16);  // explicit realloc(NULL, 16): not counted
  Trace t = b.finish();
  EXPECT_EQ(t.import.unmatched_realloc, 1u);
  EXPECT_EQ(t.object_count, 3u);
  expect_events(t, {ev(Op::kMalloc, 0, 8), ev(Op::kRealloc, 1, 32), ev(Op::kRealloc, 2, 16)});
}

TEST(TraceBuilder, ReallocKeepsTheSlotUnderTheNewKey) {
  TraceBuilder b("t", ReusePolicy::kFreeOld);
  b.malloc(0x1000, 8);
  b.realloc(0x1000, 0x2000, 64);
  EXPECT_FALSE(b.is_live(0x1000));
  EXPECT_TRUE(b.is_live(0x2000));
  EXPECT_TRUE(b.free(0x2000));
  Trace t = b.finish();
  expect_events(t, {ev(Op::kMalloc, 0, 8), ev(Op::kRealloc, 0, 64), ev(Op::kFree, 0, 0)});
}

TEST(TraceBuilder, LeakOldPolicyLeaksTheLiveObject) {
  TraceBuilder b("t", ReusePolicy::kLeakOld);
  b.malloc(5, 10);
  b.malloc(5, 20);  // the driver overwrote ptr[5]: the first block leaks
  EXPECT_TRUE(b.free(5));
  b.malloc(6, 30);  // reuses the freed slot 1, never the leaked slot 0
  Trace t = b.finish();
  EXPECT_EQ(t.import.reused_live, 1u);
  EXPECT_EQ(t.object_count, 2u);
  expect_events(t, {ev(Op::kMalloc, 0, 10), ev(Op::kMalloc, 1, 20), ev(Op::kFree, 1, 0), ev(Op::kMalloc, 1, 30)});
  TraceSummary s = summarize(t.view());
  EXPECT_EQ(s.final_live_bytes, 40u);  // the leaked 10 plus the 30
}

TEST(TraceBuilder, FreeOldPolicyFreesTheLiveObjectFirst) {
  TraceBuilder b("t", ReusePolicy::kFreeOld);
  b.malloc(0x10, 10);
  b.malloc(0x10, 20);  // the address came back: the recording missed a free
  Trace t = b.finish();
  EXPECT_EQ(t.import.reused_live, 1u);
  EXPECT_EQ(t.object_count, 1u);
  expect_events(t, {ev(Op::kMalloc, 0, 10), ev(Op::kFree, 0, 0), ev(Op::kMalloc, 0, 20)});
  EXPECT_EQ(summarize(t.view()).final_live_bytes, 20u);
}

TEST(TraceBuilder, ReallocOntoALiveKeyAppliesThePolicy) {
  TraceBuilder b("t", ReusePolicy::kFreeOld);
  b.malloc(0xa, 1);
  b.malloc(0xb, 2);
  b.realloc(0xa, 0xb, 3);  // result address 0xb is still live
  Trace t = b.finish();
  EXPECT_EQ(t.import.reused_live, 1u);
  expect_events(t, {ev(Op::kMalloc, 0, 1), ev(Op::kMalloc, 1, 2), ev(Op::kFree, 1, 0), ev(Op::kRealloc, 0, 3)});
}

TEST(TraceBuilder, ReallocToZeroFreesTheObject) {
  TraceBuilder b("t", ReusePolicy::kLeakOld);
  b.malloc(1, 100);
  b.realloc(1, 1, 0);
  EXPECT_FALSE(b.is_live(1));
  EXPECT_FALSE(b.free(1));        // already gone
  b.malloc(2, 5);                 // reuses the slot the realloc freed
  b.realloc(std::nullopt, 3, 0);  // realloc(NULL, 0): nothing to follow, a free(NULL)
  Trace t = b.finish();
  EXPECT_EQ(t.import.unmatched_free, 1u);
  expect_events(t,
                {ev(Op::kMalloc, 0, 100), ev(Op::kRealloc, 0, 0), ev(Op::kMalloc, 0, 5), ev(Op::kFree, kNoObject, 0)});
  TraceSummary s = summarize(t.view());
  EXPECT_EQ(s.peak_live_bytes, 100u);
  EXPECT_EQ(s.final_live_bytes, 5u);
  EXPECT_EQ(s.free_null, 1u);
  EXPECT_EQ(s.max_request_bytes, 100u);
}

TEST(TraceBuilder, CallocMultipliesAndFlagsOverflow) {
  TraceBuilder b("t", ReusePolicy::kLeakOld);
  b.calloc(1, 10, 24);
  b.calloc(2, std::uint64_t{1} << 33, std::uint64_t{1} << 31);  // 2^64: overflows
  Trace t = b.finish();
  expect_events(t, {ev(Op::kCalloc, 0, 240), ev(Op::kCalloc, 1, ~std::uint64_t{0}, kCallocOverflow)});
  TraceSummary s = summarize(t.view());
  EXPECT_EQ(s.peak_live_bytes, 240u);  // the overflowed calloc counts as nothing
  EXPECT_EQ(s.peak_live_objects, 2u);
}

TEST(TraceBuilder, AlignmentIsEncodedAsLog2AndKind) {
  TraceBuilder b("t", ReusePolicy::kLeakOld);
  b.aligned(1, 64, 100, AlignedKind::kPosixMemalign);
  b.aligned(2, 1, 8, AlignedKind::kMemalign);
  b.aligned(3, 4096, 4096, AlignedKind::kValloc);
  b.aligned(4, 48, 96, AlignedKind::kAlignedAlloc);  // not a power of two: kept for replay to refuse
  b.aligned(5, 0, 8, AlignedKind::kMemalign);
  b.aligned(6, std::uint64_t{1} << 62, 8, AlignedKind::kMemalign);
  b.aligned(7, std::uint64_t{1} << 63, 8, AlignedKind::kMemalign);  // log2 63 is the marker value
  Trace t = b.finish();
  ASSERT_EQ(t.events.size(), 7u);
  const Event& e0 = t.events[0];
  EXPECT_EQ(e0.op, Op::kAligned);
  EXPECT_EQ(e0.aux, Event::aligned_aux(6, AlignedKind::kPosixMemalign));
  EXPECT_TRUE(e0.alignment_valid());
  EXPECT_EQ(e0.alignment(), 64u);
  EXPECT_EQ(e0.aligned_kind(), AlignedKind::kPosixMemalign);
  EXPECT_EQ(t.events[1].alignment(), 1u);
  EXPECT_EQ(t.events[2].alignment(), 4096u);
  EXPECT_EQ(t.events[2].aligned_kind(), AlignedKind::kValloc);
  EXPECT_FALSE(t.events[3].alignment_valid());
  EXPECT_EQ(t.events[3].aligned_kind(), AlignedKind::kAlignedAlloc);
  EXPECT_FALSE(t.events[4].alignment_valid());
  EXPECT_TRUE(t.events[5].alignment_valid());
  EXPECT_EQ(t.events[5].alignment(), std::uint64_t{1} << 62);
  EXPECT_FALSE(t.events[6].alignment_valid());
}

TEST(TraceBuilder, ThreadsBecomeDenseInFirstSeenOrder) {
  TraceBuilder b("t", ReusePolicy::kLeakOld);
  b.malloc(1, 8, 777);
  b.malloc(2, 8, 5);
  b.free(1, 777);
  b.free_null(0xffffffffffffULL);
  Trace t = b.finish();
  EXPECT_EQ(t.thread_count, 3u);
  ASSERT_EQ(t.events.size(), 4u);
  EXPECT_EQ(t.events[0].thread, 0);
  EXPECT_EQ(t.events[1].thread, 1);
  EXPECT_EQ(t.events[2].thread, 0);
  EXPECT_EQ(t.events[3].thread, 2);
}

TEST(TraceBuilder, EmptyTraceHasOneThread) {
  TraceBuilder b("t", ReusePolicy::kLeakOld);
  Trace t = b.finish();
  EXPECT_TRUE(t.events.empty());
  EXPECT_EQ(t.thread_count, 1u);
  EXPECT_EQ(t.object_count, 0u);
}

TEST(TraceBuilder, TheFirstEventDecidesWhetherTheTraceIsTimed) {
  TraceBuilder timed("t", ReusePolicy::kLeakOld);
  timed.malloc(1, 8, 0, 100);
  timed.free(1);  // no time: recorded as 0
  Trace t = timed.finish();
  EXPECT_EQ(t.timestamps_ns, (std::vector<std::uint64_t>{100, 0}));

  TraceBuilder untimed("t", ReusePolicy::kLeakOld);
  untimed.malloc(1, 8);
  untimed.free(1, 0, 200);  // the trace is untimed: dropped
  EXPECT_TRUE(untimed.finish().timestamps_ns.empty());
}

TEST(TraceBuilder, FinishLeavesTheBuilderEmpty) {
  TraceBuilder b("t", ReusePolicy::kLeakOld);
  b.malloc(1, 8, 3);
  Trace first = b.finish();
  EXPECT_EQ(first.events.size(), 1u);
  EXPECT_FALSE(b.is_live(1));
  EXPECT_EQ(b.event_count(), 0u);
  b.malloc(1, 8);
  Trace second = b.finish();
  EXPECT_EQ(second.object_count, 1u);
  EXPECT_EQ(second.import.reused_live, 0u);
}

TEST(Summarize, PeakAndFinalLiveBytes) {
  TraceBuilder b("t", ReusePolicy::kLeakOld);
  b.malloc(0, 512);
  b.malloc(1, 128);
  b.realloc(0, 0, 640);  // live: 768
  b.malloc(2, 128);      // 896: the peak
  b.free(1);             // 768
  b.realloc(0, 0, 768);  // 896 again, not above
  b.free(0);             // 128
  b.free_null();
  Trace t = b.finish();
  TraceSummary s = summarize(t.view());
  EXPECT_EQ(s.events, 8u);
  EXPECT_EQ(s.peak_live_bytes, 896u);
  EXPECT_EQ(s.final_live_bytes, 128u);
  EXPECT_EQ(s.peak_live_objects, 3u);
  EXPECT_EQ(s.max_request_bytes, 768u);
  EXPECT_EQ(s.free_null, 1u);
  EXPECT_EQ(s.op_count[static_cast<int>(Op::kMalloc)], 3u);
  EXPECT_EQ(s.op_count[static_cast<int>(Op::kRealloc)], 2u);
  EXPECT_EQ(s.op_count[static_cast<int>(Op::kFree)], 3u);
}

TEST(OpName, NamesEveryOp) {
  EXPECT_STREQ(op_name(Op::kMalloc), "malloc");
  EXPECT_STREQ(op_name(Op::kCalloc), "calloc");
  EXPECT_STREQ(op_name(Op::kRealloc), "realloc");
  EXPECT_STREQ(op_name(Op::kFree), "free");
  EXPECT_STREQ(op_name(Op::kAligned), "aligned");
}

}  // namespace
}  // namespace heapreplay
