// shrink_trace (traces/tools/shrink.h) with outcomes decided in process:
// every candidate is a well-formed trace, the result is the expected
// 1-minimal trace, threads, order and timestamps survive, and the search
// stops when told.
#include <gtest/gtest.h>

#include "support/planted_trace.h"
#include "support/trace_checks.h"
#include "traces/readers/text_reader.h"
#include "traces/readers/text_writer.h"
#include "traces/tools/shrink.h"
#include "traces/trace_builder.h"

namespace heapreplay {
namespace {

using test::planted_bug_fires;
using test::planted_trace;
using test::trace_problem;

std::string text_of(const Trace& t) {
  std::string s;
  write_text(t.view(), s);
  return s;
}

TEST(Shrink, FindsThePlantedInterleavingAmongDecoysAndEveryCandidateIsWellFormed) {
  Trace source = planted_trace(20000, 12000);
  ASSERT_TRUE(planted_bug_fires(source));
  std::uint64_t candidates = 0, improvements = 0, last = source.events.size();
  ShrinkHooks h;
  h.test = [&](const Trace& t) {
    ++candidates;
    std::string problem = trace_problem(t, t.events.size() < 64);
    EXPECT_EQ(problem, "") << "candidate " << candidates;
    EXPECT_EQ(t.thread_count, source.thread_count);
    return planted_bug_fires(t);
  };
  h.improved = [&](const Trace& t, const ShrinkProgress& p) {
    ++improvements;
    EXPECT_LT(t.events.size(), last);
    EXPECT_EQ(p.events, t.events.size());
    last = t.events.size();
  };
  ShrinkResult r = shrink_trace(source, h);
  EXPECT_TRUE(r.minimal);
  EXPECT_EQ(r.progress.candidates, candidates);
  EXPECT_GT(improvements, 5u);
  // The five events the bug needs and nothing else: b's free went too.
  EXPECT_EQ(text_of(r.trace),
            "heapreplay-text 1\n"
            "malloc 0 1037\n"
            "malloc 1 4133\n"
            "free 0\n"
            "malloc 0 2074\n"
            "free 0\n");
  // Far fewer candidates than events: ddmin halves its way in.
  EXPECT_LT(candidates, 600u);
}

TEST(Shrink, ReallocsAndFreesAreDroppedOneByOneAndAFreeDroppedLeaks) {
  // The outcome: some block is resized to 6000 bytes or more, and 100 bytes
  // are still live at the end (the source leaks its 100-byte block).
  Trace source = read_text(
      "heapreplay-text 1\n"
      "malloc 0 10\nmalloc 1 20\nrealloc 0 100\nrealloc 0 6000\nrealloc 0 50\nmalloc 2 100\n"
      "free 1\nfree 0\n",
      "t");
  auto fires = [](const Trace& t) {
    bool big = false;
    for (const Event& e : t.events) big = big || (e.op == Op::kRealloc && e.size >= 6000);
    return big && summarize(t.view()).final_live_bytes >= 100;
  };
  ShrinkHooks h;
  h.test = [&](const Trace& t) {
    EXPECT_EQ(trace_problem(t), "");
    return fires(t);
  };
  ShrinkResult r = shrink_trace(source, h);
  EXPECT_TRUE(r.minimal);
  // Object 0 keeps its birth and the resize to 6000, and is left live (6000
  // bytes at the end): the 100-byte block is not needed after all.
  EXPECT_EQ(text_of(r.trace), "heapreplay-text 1\nmalloc 0 10\nrealloc 0 6000\n");
}

TEST(Shrink, ThreadsKeepTheirEventsAndOrderAndTheEmptyOnesGoLast) {
  // The outcome: a block made on one thread is freed on another.
  Trace source = read_text(
      "heapreplay-text 1\n"
      "t=0 @5 malloc 0 16\n"
      "t=1 @6 malloc 1 32\n"
      "t=2 @7 malloc 2 48\n"
      "t=3 @8 free 1\n"
      "t=0 @9 free 0\n"
      "t=2 @10 free 2\n",
      "t");
  ASSERT_EQ(source.thread_count, 4u);
  auto cross = [](const Trace& t) {
    std::vector<int> made(t.object_count, -1);
    for (const Event& e : t.events) {
      if (e.id == kNoObject) continue;
      if (e.op == Op::kFree && made[e.id] >= 0 && made[e.id] != e.thread) return true;
      if (e.op != Op::kFree) made[e.id] = e.thread;
    }
    return false;
  };
  std::vector<std::uint32_t> thread_counts;
  ShrinkHooks h;
  h.test = [&](const Trace& t) {
    // Not read back as text: a text trace numbers its threads in the order
    // they first appear, and a candidate keeps the source's numbering.
    EXPECT_EQ(trace_problem(t, false), "");
    thread_counts.push_back(t.thread_count);
    return cross(t);
  };
  ShrinkResult r = shrink_trace(source, h);
  EXPECT_TRUE(r.minimal);
  // Threads 1 and 3 are left, numbered 0 and 1; the timestamps are the source's.
  EXPECT_EQ(text_of(r.trace), "heapreplay-text 1\nt=0 @6 malloc 0 32\nt=1 @8 free 0\n");
  // Every candidate but the last kept the four threads.
  ASSERT_FALSE(thread_counts.empty());
  EXPECT_EQ(thread_counts.back(), 2u);
  for (std::size_t i = 0; i + 1 < thread_counts.size(); ++i) EXPECT_EQ(thread_counts[i], 4u) << i;
}

TEST(Shrink, ALoneFreeOfNullAndAnEmptyTraceAreCandidatesToo) {
  Trace source = read_text("heapreplay-text 1\nmalloc 0 8\nfree 0\nfree -\nmalloc 0 9\nfree 0\n", "t");
  ShrinkHooks h;
  h.test = [](const Trace& t) {
    for (const Event& e : t.events)
      if (e.id == kNoObject) return true;
    return false;
  };
  EXPECT_EQ(text_of(shrink_trace(source, h).trace), "heapreplay-text 1\nfree -\n");
  // An outcome every trace shows (the allocator fails at start-up): nothing is needed.
  h.test = [](const Trace&) { return true; };
  ShrinkResult r = shrink_trace(source, h);
  EXPECT_TRUE(r.minimal);
  EXPECT_EQ(r.trace.events.size(), 0u);
}

TEST(Shrink, StopsWhenToldAndKeepsTheSmallestSoFar) {
  Trace source = planted_trace(20000, 3000);
  std::uint64_t tested = 0, best = source.events.size();
  ShrinkHooks h;
  h.test = [&](const Trace& t) {
    ++tested;
    return planted_bug_fires(t);
  };
  h.improved = [&](const Trace& t, const ShrinkProgress&) { best = t.events.size(); };
  h.stop = [&](const ShrinkProgress& p) {
    EXPECT_EQ(p.candidates, tested);
    return p.candidates == 10;
  };
  ShrinkResult r = shrink_trace(source, h);
  EXPECT_FALSE(r.minimal);
  EXPECT_EQ(tested, 10u);
  EXPECT_EQ(r.trace.events.size(), best);
  EXPECT_LT(best, source.events.size());
  EXPECT_TRUE(planted_bug_fires(r.trace));
}

}  // namespace
}  // namespace heapreplay
