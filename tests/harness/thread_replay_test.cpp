// Multi-threaded replay: the per-thread plan (waits only where another thread
// touched the slot last), and real threads that replay a producer-consumer
// trace through one allocator without ever freeing a block before it exists.
#include "harness/replay/thread_replay.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <set>

#include "allocators/segfit/segfit.h"
#include "allocators/wrappers/locked.h"
#include "traces/trace_builder.h"

namespace heapreplay {
namespace {

TEST(ThreadPlan, WaitsOnlyForTheOtherThreadsLastTouch) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  b.malloc(1, 10, /*thread=*/0);  // slot 0 on thread 0
  b.malloc(2, 10, 1);             // slot 1 on thread 1
  b.free(1, 1);                   // thread 1 frees thread 0's object: waits for t0's 1st event
  b.free(2, 1);                   // same thread: no wait
  b.malloc(3, 10, 0);             // slot 1 again (LIFO reuse), last touched by t1 after 3 events
  Trace t = b.finish();
  ThreadPlan p = plan_threads(t.view());
  ASSERT_EQ(p.threads(), 2u);
  auto events = [&](std::size_t th) { return std::vector<std::uint32_t>(p.events(th).begin(), p.events(th).end()); };
  auto waits = [&](std::size_t th) { return std::vector<std::uint64_t>(p.waits(th).begin(), p.waits(th).end()); };
  EXPECT_EQ(events(0), (std::vector<std::uint32_t>{0, 4}));
  EXPECT_EQ(events(1), (std::vector<std::uint32_t>{1, 2, 3}));
  auto wait = [](std::uint64_t thread, std::uint64_t done) { return (thread << ThreadPlan::kThreadShift) | done; };
  EXPECT_EQ(waits(0), (std::vector<std::uint64_t>{0, wait(1, 3)}));
  EXPECT_EQ(waits(1), (std::vector<std::uint64_t>{0, wait(0, 1), 0}));
  EXPECT_EQ(p.cross_thread_waits(), 2u);
  // The next window's plan knows nothing of this one's touches: every
  // thread finished it before the next began.
  p.build(t.view());
  EXPECT_EQ(waits(0), (std::vector<std::uint64_t>{0, wait(1, 3)}));
  EXPECT_EQ(p.cross_thread_waits(), 4u);
}

// Checks, under its own lock, that every block is freed once, after it was
// handed out, and never handed out twice while live.
struct Checking {
  static constexpr bool kThreadSafe = true;
  static constexpr Capabilities kCapabilities{};
  std::mutex m;
  std::set<void*> live;
  std::uint64_t errors = 0, calls = 0;

  Checking() = default;
  Checking(const Checking&) = delete;
  // Blocks the trace leaves live go back here.
  ~Checking() {
    for (void* p : live) std::free(p);
  }

  void* allocate(std::size_t n, std::size_t) noexcept {
    void* p = std::malloc(n == 0 ? 1 : n);
    std::lock_guard<std::mutex> g(m);
    ++calls;
    if (!live.insert(p).second) ++errors;
    return p;
  }
  void deallocate(void* p, std::size_t, std::size_t) noexcept {
    if (p == nullptr) return;
    {
      std::lock_guard<std::mutex> g(m);
      ++calls;
      if (live.erase(p) != 1) ++errors;
    }
    std::free(p);
  }
  void* reallocate(void* p, std::size_t old, std::size_t n, std::size_t a) noexcept {
    void* q = allocate(n, a);
    std::memcpy(q, p, old < n ? old : n);
    deallocate(p, old, a);
    return q;
  }
  std::size_t usable_size(void*) const { return 0; }
  AllocatorStats stats() const { return {}; }
  CheckResult check() const { return CheckResult::good(); }
  void dump(std::ostream&) const {}
  void reset() {}
  std::string name() const { return "checking"; }
};

// Producers on threads 0..3 allocate; a random other thread frees.
Trace producer_consumer(int threads, int events, std::uint64_t seed) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  std::vector<std::uint64_t> live;
  std::uint64_t x = seed, next = 1;
  for (int i = 0; i < events; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    std::uint64_t thread = (x >> 20) % static_cast<std::uint64_t>(threads);
    if (live.size() < 4 || (x >> 40) % 2 == 0) {
      live.push_back(next);
      b.malloc(next++, 16 + (x >> 50) % 500, thread);
    } else if ((x >> 45) % 5 == 0) {
      std::uint64_t k = live[(x >> 30) % live.size()];
      b.realloc(k, k, 16 + (x >> 52) % 900, thread);
    } else {
      std::size_t k = (x >> 30) % live.size();
      b.free(live[k], thread);
      live[k] = live.back();
      live.pop_back();
    }
  }
  return b.finish();
}

TEST(ThreadReplay, ProducerConsumerNeverFreesBeforeAllocating) {
  Trace t = producer_consumer(4, 100000, 42);
  ThreadPlan plan = plan_threads(t.view());
  EXPECT_GT(plan.cross_thread_waits(), 10000u);
  Checking a;
  ObjectTable table(t.object_count);
  ThreadedOutcome out = replay_threads(a, t.view(), plan, table, Touch::kAll, Pace::kAsFastAsPossible);
  EXPECT_EQ(out.events, t.events.size());
  EXPECT_EQ(out.threads.size(), 4u);
  EXPECT_EQ(a.errors, 0u);
  std::uint64_t per_thread = 0;
  for (const auto& th : out.threads) per_thread += th.events;
  EXPECT_EQ(per_thread, t.events.size());
  EXPECT_EQ(out.failed_allocations, 0u);
}

TEST(ThreadReplay, OurDesignBehindALockStaysConsistent) {
  Trace t = producer_consumer(3, 50000, 7);
  ThreadPlan plan = plan_threads(t.view());
  Segfit s;
  Locked<Segfit> locked(s);
  EXPECT_EQ(locked.name(), "segfit+lock");
  ObjectTable table(t.object_count);
  ThreadedOutcome out = replay_threads(locked, t.view(), plan, table, Touch::kPages, Pace::kAsFastAsPossible);
  EXPECT_EQ(out.events, t.events.size());
  CheckResult c = s.check();
  EXPECT_TRUE(c.ok) << c.problem;
}

TEST(ThreadReplay, MeasuredRunSamplesMemoryAndTimesEveryKthEventOfEachThread) {
  Trace t = producer_consumer(4, 100000, 3);
  ThreadPlan plan = plan_threads(t.view());
  TraceSummary summary = summarize(t.view());
  Segfit s;
  Locked<Segfit> locked(s);  // counts usable bytes itself, inside its lock (segfit keeps no counter)
  ObjectTable table(t.object_count);
  ReplayMeasurement ms;
  ms.sample_every = 1000;
  ms.latency_every = 10;
  ms.prepare(t.events.size());
  ThreadedOutcome out = replay_threads(locked, t.view(), plan, table, Touch::kPages, Pace::kAsFastAsPossible, &ms);
  ASSERT_EQ(out.events, t.events.size());
  // Per-thread live counts summed: exactly what the trace leaves live.
  EXPECT_EQ(ms.live_bytes, summary.final_live_bytes);
  EXPECT_GE(ms.usable_bytes, ms.live_bytes);
  EXPECT_EQ(ms.usable_bytes, locked.allocated_bytes());
  std::uint64_t usable = 0;  // what the wrapper counted, block by block
  for (std::uint32_t id = 0; id < t.object_count; ++id)
    if (table.data()[id].ptr != nullptr) usable += s.usable_size(table.data()[id].ptr);
  EXPECT_EQ(usable, ms.usable_bytes);
  // About one sample per 1000 events (a point passed while another thread
  // sampled is skipped, never taken twice), in the order taken.
  EXPECT_GE(ms.samples.size(), 50u);
  EXPECT_LE(ms.samples.size(), 99u);
  std::uint64_t prev = 0, max_live = 0;
  for (const MemorySample& m : ms.samples) {
    EXPECT_GT(m.event, prev);
    EXPECT_LE(m.event, t.events.size());
    prev = m.event;
    max_live = std::max(max_live, m.live_bytes);
    EXPECT_GT(m.footprint_bytes, 0u);
  }
  EXPECT_GT(max_live, 0u);
  // Each thread timed its events 9, 19, ...: every call was timed once.
  std::uint64_t expected = 0;
  for (std::size_t th = 0; th < plan.threads(); ++th) expected += plan.events(th).size() / 10;
  std::uint64_t timed = 0;
  auto lat = ms.latency.summarize();
  for (const auto& [op, stats] : lat) timed += stats.count;
  EXPECT_EQ(timed, expected);
  EXPECT_TRUE(lat.count("malloc") && lat.count("free") && lat.count("realloc"));
  CheckResult c = s.check();
  EXPECT_TRUE(c.ok) << c.problem;
}

TEST(ThreadReplay, RecordedPaceFollowsTheTimestamps) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  // Two threads, 20 events 5 ms apart: the replay must take about 95 ms.
  for (std::uint64_t i = 0; i < 20; ++i) b.malloc(i, 32, i % 2, 1000000 + i * 5000000);
  Trace t = b.finish();
  ThreadPlan plan = plan_threads(t.view());
  Checking a;
  ObjectTable table(t.object_count);
  ThreadedOutcome out = replay_threads(a, t.view(), plan, table, Touch::kNone, Pace::kRecorded);
  EXPECT_GE(out.wall_ns, 95000000u);  // never earlier than recorded: a lower bound, not a speed target
  EXPECT_EQ(out.events, 20u);
}

}  // namespace
}  // namespace heapreplay
