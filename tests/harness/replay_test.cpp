// The replay engine: what it asks of an allocator for each kind of event,
// the touch policies, failed allocations, and that --validate catches each
// kind of broken allocator at the right event.
#include "harness/replay/replay.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <ostream>

#include "allocators/sizeclass/sizeclass.h"
#include "allocators/system/null_allocator.h"
#include "traces/trace_builder.h"

namespace heapreplay {
namespace {

// A correct allocator over glibc malloc that records what it was asked.
struct Recording {
  static constexpr bool kThreadSafe = false;
  static constexpr Capabilities kCapabilities{};
  std::vector<std::string> calls;
  std::vector<std::size_t> alignments;  // of every call on a block (not free(NULL))
  std::map<void*, std::size_t> live;
  std::size_t fail_size = ~std::size_t{0};  // requests of this size fail

  Recording() = default;
  Recording(const Recording&) = delete;
  // Blocks a trace leaves live (or a stopped replay left behind) go back here.
  ~Recording() {
    for (auto& [p, n] : live) std::free(p);
  }

  void* allocate(std::size_t n, std::size_t align) noexcept {
    calls.push_back("alloc " + std::to_string(n) + " " + std::to_string(align));
    alignments.push_back(align);
    if (n == fail_size) return nullptr;
    void* p = nullptr;
    if (posix_memalign(&p, align < 16 ? 16 : align, (n + 63) / 64 * 64) != 0) return nullptr;
    live[p] = n;
    return p;
  }
  void deallocate(void* p, std::size_t n, std::size_t align) noexcept {
    calls.push_back(p ? "free " + std::to_string(n) : "free null");
    if (p) alignments.push_back(align);
    if (p) live.erase(p), std::free(p);
  }
  void* reallocate(void* p, std::size_t old, std::size_t n, std::size_t align) noexcept {
    calls.push_back("realloc " + std::to_string(old) + "->" + std::to_string(n));
    alignments.push_back(align);
    if (n == fail_size) return nullptr;
    void* q = nullptr;
    if (posix_memalign(&q, 16, (n + 63) / 64 * 64) != 0) return nullptr;
    std::memcpy(q, p, old < n ? old : n);
    live.erase(p);
    std::free(p);
    live[q] = n;
    return q;
  }
  // Bytes from p to the end of the block that contains it.
  std::size_t usable_size(void* p) const {
    auto it = live.upper_bound(p);
    if (it == live.begin()) return 0;
    --it;
    auto* start = static_cast<char*>(it->first);
    std::size_t end = (it->second + 63) / 64 * 64;
    std::size_t off = static_cast<std::size_t>(static_cast<char*>(p) - start);
    return off < end ? end - off : 0;
  }
  AllocatorStats stats() const { return {}; }
  CheckResult check() const { return CheckResult::good(); }
  void dump(std::ostream&) const {}
  void reset() {}
  std::string name() const { return "recording"; }
};
static_assert(Allocator<Recording>);

Trace small_trace() {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  b.malloc(1, 100);
  b.calloc(2, 4, 10);
  b.realloc(1, 1, 300);
  b.aligned(3, 256, 50, AlignedKind::kAlignedAlloc);
  b.free_null();
  b.realloc(2, 2, 0);  // frees
  b.free(1);
  b.free(3);
  return b.finish();
}

ReplayOutcome run(auto& a, const Trace& t, ReplayOptions opt = {Touch::kNone, false}) {
  ObjectTable table(t.object_count);
  return replay(a, t.view(), table, opt);
}

TEST(Replay, AsksTheAllocatorExactlyWhatTheTraceSays) {
  Recording a;
  Trace t = small_trace();
  ReplayOutcome out = run(a, t);
  EXPECT_EQ(out.events, t.events.size());
  EXPECT_EQ(out.failed_allocations, 0u);
  std::vector<std::string> want = {"alloc 100 1", "alloc 40 1", "realloc 100->300", "alloc 50 256",
                                   "free null",   "free 40",    "free 300",         "free 50"};
  EXPECT_EQ(a.calls, want);
  EXPECT_TRUE(a.live.empty());
}

// --malloc-alignment 16: malloc, calloc, realloc and their frees ask for 16,
// as a drop-in library asks of a design; an aligned call keeps its own
// alignment when it is larger. By default they ask the natural one.
TEST(Replay, MallocAlignmentIsWhatPlainCallsAskFor) {
  Trace t = small_trace();
  Recording natural, sixteen;
  run(natural, t);
  run(sixteen, t, {Touch::kNone, false, 16});
  EXPECT_EQ(natural.alignments, (std::vector<std::size_t>{1, 1, 1, 256, 1, 1, 256}));
  EXPECT_EQ(sixteen.alignments, (std::vector<std::size_t>{16, 16, 16, 256, 16, 16, 256}));
}

// A design whose classes are 8 bytes apart hands out 16-aligned blocks when
// asked (the validator checks each block's alignment against what was asked).
TEST(Replay, MallocAlignmentIsKeptByADesign) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  for (std::uint32_t i = 1; i <= 200; ++i) b.malloc(i, 8 * i + 8);
  for (std::uint32_t i = 1; i <= 200; i += 2) b.realloc(i, i, 4 * i + 8);
  for (std::uint32_t i = 1; i <= 200; ++i) b.free(i);
  Trace t = b.finish();
  Sizeclass a;
  ReplayOutcome out = run(a, t, {Touch::kAll, true, 16});
  EXPECT_FALSE(out.violated) << out.violation;
  EXPECT_EQ(out.failed_allocations, 0u);
}

TEST(Replay, FailedAllocationsAreCountedAndTheirFreesBecomeNoOps) {
  Recording a;
  a.fail_size = 300;  // the realloc fails: object 1 keeps its 100-byte block
  Trace t = small_trace();
  ReplayOutcome out = run(a, t, {Touch::kAll, true});
  EXPECT_FALSE(out.violated) << out.violation;
  EXPECT_EQ(out.failed_allocations, 1u);
  EXPECT_EQ(a.calls[6], "free 100");  // the old block, still live, is what gets freed
  EXPECT_TRUE(a.live.empty());
}

TEST(Replay, InvalidAlignmentFailsWithoutCallingTheAllocator) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  b.aligned(1, 24, 100, AlignedKind::kPosixMemalign);  // not a power of two
  b.free(1);
  Trace t = b.finish();
  Recording a;
  ReplayOutcome out = run(a, t);
  EXPECT_EQ(out.failed_allocations, 1u);
  EXPECT_TRUE(a.calls.empty());
}

TEST(Replay, CallocMemoryIsZeroed) {
  // Recording hands out uninitialised posix_memalign memory; poison it first.
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  b.malloc(1, 4000);
  b.free(1);
  b.calloc(2, 1, 4000);
  b.free(2);
  Trace t = b.finish();
  Recording a;
  ReplayOutcome out = run(a, t, {Touch::kAll, true});
  EXPECT_FALSE(out.violated) << out.violation;
}

// Hands out zeroed memory, so a test can see exactly which bytes were written.
struct Zeroing : Recording {
  void* allocate(std::size_t n, std::size_t align) noexcept {
    void* p = Recording::allocate(n, align);
    std::memset(p, 0, (n + 63) / 64 * 64);
    return p;
  }
};

int bytes_written(Touch touch, std::uint64_t size) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  b.malloc(1, size);
  Trace t = b.finish();
  Zeroing a;
  ObjectTable table(t.object_count);
  replay(a, t.view(), table, {touch, false});
  auto* p = static_cast<unsigned char*>(table.data()[0].ptr);
  int written = 0;
  for (std::size_t i = 0; i < size; ++i) written += p[i] != 0;
  a.deallocate(p, size, 1);
  return written;
}

TEST(Replay, TouchPoliciesWriteWhatTheySay) {
  const std::uint64_t size = 3 * 4096 + 10;
  EXPECT_EQ(bytes_written(Touch::kNone, size), 0);
  EXPECT_EQ(bytes_written(Touch::kFirst, size), 1);
  EXPECT_EQ(bytes_written(Touch::kPages, size), 4);
  EXPECT_EQ(bytes_written(Touch::kAll, size), static_cast<int>(size));
}

TEST(Replay, NullAllocatorNeverTouchesItsBlocks) {
  NullAllocator a;
  Trace t = small_trace();
  ReplayOutcome out = run(a, t, {Touch::kAll, true});  // would crash if it touched
  EXPECT_EQ(out.events, t.events.size());
}

// Broken allocators: --validate must name the event where it shows.
struct Overlapping : Recording {
  void* first = nullptr;
  void* allocate(std::size_t n, std::size_t align) noexcept {
    if (first) return static_cast<char*>(first) + 8;  // inside the first block
    first = Recording::allocate(n, align);
    return first;
  }
};

struct Scribbling : Recording {
  void* victim = nullptr;
  void* allocate(std::size_t n, std::size_t align) noexcept {
    void* p = Recording::allocate(n, align);
    if (victim)
      static_cast<char*>(victim)[5] ^= 1;  // corrupts an earlier live block
    else
      victim = p;
    return p;
  }
};

struct Misaligning : Recording {
  void* allocate(std::size_t n, std::size_t align) noexcept {
    return static_cast<char*>(Recording::allocate(n + 64, align)) + (align > 1 ? align / 2 : 0);
  }
};

struct LosingRealloc : Recording {
  void* reallocate(void* p, std::size_t old, std::size_t n, std::size_t a) noexcept {
    void* q = Recording::reallocate(p, old, n, a);
    static_cast<unsigned char*>(q)[0] ^= 0xFFu;
    return q;
  }
};

TEST(Validate, CatchesOverlappingBlocks) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  b.malloc(1, 64);
  b.malloc(2, 64);
  Trace t = b.finish();
  Overlapping a;
  ReplayOutcome out = run(a, t, {Touch::kNone, true});
  ASSERT_TRUE(out.violated);
  EXPECT_EQ(out.violation_event, 1u);
  EXPECT_NE(out.violation.find("overlaps"), std::string::npos);
}

TEST(Validate, CatchesCorruptedContentsAtTheFree) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  b.malloc(1, 64);
  b.malloc(2, 64);
  b.free(2);
  b.free(1);
  Trace t = b.finish();
  Scribbling a;
  ReplayOutcome out = run(a, t, {Touch::kNone, true});
  ASSERT_TRUE(out.violated);
  EXPECT_EQ(out.violation_event, 3u);
  EXPECT_NE(out.violation.find("offset 5"), std::string::npos) << out.violation;
}

TEST(Validate, CatchesMisalignment) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  b.aligned(1, 128, 64, AlignedKind::kMemalign);
  Trace t = b.finish();
  Misaligning a;
  ReplayOutcome out = run(a, t, {Touch::kNone, true});
  ASSERT_TRUE(out.violated);
  EXPECT_NE(out.violation.find("aligned to 128"), std::string::npos);
}

TEST(Validate, CatchesReallocThatLosesContents) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  b.malloc(1, 64);
  b.realloc(1, 1, 128);
  Trace t = b.finish();
  LosingRealloc a;
  ReplayOutcome out = run(a, t, {Touch::kNone, true});
  ASSERT_TRUE(out.violated);
  EXPECT_EQ(out.violation_event, 1u);
  EXPECT_NE(out.violation.find("realloc did not keep contents"), std::string::npos);
}

TEST(Validate, CorrectAllocatorPassesARandomMix) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  std::uint64_t x = 12345;
  std::vector<std::uint64_t> live;
  for (int i = 0; i < 20000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    std::uint64_t r = x >> 33;
    if (live.size() < 50 || r % 3 == 0) {
      live.push_back(static_cast<std::uint64_t>(i) + 1);
      b.malloc(live.back(), r % 3000 + 1);
    } else if (r % 3 == 1) {
      b.realloc(live[r % live.size()], live[r % live.size()], r % 5000 + 1);
    } else {
      std::size_t k = r % live.size();
      b.free(live[k]);
      live.erase(live.begin() + static_cast<long>(k));
    }
  }
  Trace t = b.finish();
  Recording a;
  ReplayOutcome out = run(a, t, {Touch::kNone, true});
  EXPECT_FALSE(out.violated) << out.violation;
  EXPECT_EQ(out.events, t.events.size());
}

TEST(Touch, NamesRoundTrip) {
  for (Touch t : {Touch::kNone, Touch::kFirst, Touch::kPages, Touch::kAll})
    EXPECT_EQ(touch_from_name(touch_name(t)), t);
  EXPECT_FALSE(touch_from_name("some"));
}

}  // namespace
}  // namespace heapreplay

namespace heapreplay {
namespace {

// A measured replay: samples at the asked points (and right after the
// trace's peak of live bytes), exact live bytes in each, and latency samples
// for every timed event, per operation.
TEST(Measure, SamplesLiveBytesAndTimesEveryKthEvent) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  for (std::uint64_t i = 0; i < 100; ++i) b.malloc(i, 1000);  // live grows to 100000
  for (std::uint64_t i = 0; i < 50; ++i) b.free(i);           // then falls to 50000
  for (std::uint64_t i = 100; i < 130; ++i) b.malloc(i, 10);  // and ends at 50300 (50100 at event 160)
  Trace t = b.finish();
  TraceSummary summary = summarize(t.view());
  ASSERT_EQ(summary.peak_live_event, 100u);

  Recording a;
  ObjectTable table(t.object_count);
  ReplayMeasurement ms;
  ms.sample_every = 40;
  ms.latency_every = 10;
  ms.extra_sample_at = summary.peak_live_event;
  ms.prepare(t.events.size());
  ReplayOutcome out = replay(a, t.view(), table, ReplayOptions{Touch::kNone, false}, &ms);
  EXPECT_EQ(out.events, 180u);

  std::vector<std::uint64_t> at;
  for (const MemorySample& m : ms.samples) at.push_back(m.event);
  EXPECT_EQ(at, (std::vector<std::uint64_t>{40, 80, 100, 120, 160}));
  EXPECT_EQ(ms.samples[0].live_bytes, 40000u);
  EXPECT_EQ(ms.samples[2].live_bytes, 100000u);  // the peak
  EXPECT_EQ(ms.samples[3].live_bytes, 80000u);
  EXPECT_EQ(ms.samples[4].live_bytes, 50000u + 10 * 10);
  // Recording rounds every block to 64 bytes: usable is counted per event.
  EXPECT_EQ(ms.samples[2].usable_bytes, 100u * 1024);
  for (std::size_t k = 1; k < ms.samples.size(); ++k) EXPECT_GE(ms.samples[k].elapsed_ns, ms.samples[k - 1].elapsed_ns);

  auto lat = ms.latency.summarize();
  // Events 9, 19, ..., 179 are timed: 10 mallocs (9..99), 5 frees (109..149), 3 mallocs.
  ASSERT_TRUE(lat.count("malloc"));
  ASSERT_TRUE(lat.count("free"));
  EXPECT_EQ(lat["malloc"].count, 13u);
  EXPECT_EQ(lat["free"].count, 5u);
  EXPECT_LE(lat["malloc"].p50_ns, lat["malloc"].p99_ns);
  EXPECT_LE(lat["malloc"].p99_ns, lat["malloc"].max_ns);
  std::uint64_t in_buckets = 0;
  for (auto c : lat["malloc"].bucket_count) in_buckets += c;
  EXPECT_EQ(in_buckets, 13u);
}

TEST(Measure, ClockOverheadIsSmallAndPositive) {
  double ns = LatencyRecorder::measure_clock_overhead_ns();
  EXPECT_GE(ns, 0);
  EXPECT_LT(ns, 100000);  // a sanity bound on the measurement, not a speed target
}

TEST(Measure, PercentilesAreNearestRankOfTheSamples) {
  LatencyRecorder r(1000);
  auto t0 = LatencyRecorder::Clock::now();
  for (int k = 1; k <= 1000; ++k) r.record(Op::kFree, t0, t0 + std::chrono::nanoseconds(k));
  auto s = r.summarize()["free"];
  EXPECT_EQ(s.count, 1000u);
  EXPECT_EQ(s.p50_ns, 500);
  EXPECT_EQ(s.p90_ns, 900);
  EXPECT_EQ(s.p99_ns, 990);
  EXPECT_EQ(s.p999_ns, 999);
  EXPECT_EQ(s.max_ns, 1000);
  EXPECT_DOUBLE_EQ(s.mean_ns, 500.5);
}

}  // namespace
}  // namespace heapreplay
