// Replays that read their trace in windows (harness/replay/event_windows.h):
// the same events, checks and measurements as a replay of the whole trace in
// memory, on one thread and on many, from plain and compact files.
#include <gtest/gtest.h>

#include <algorithm>

#include "allocators/pages/pages.h"
#include "allocators/sizeclass/sizeclass.h"
#include "allocators/wrappers/locked.h"
#include "harness/replay/replay.h"
#include "harness/replay/thread_plan.h"
#include "harness/replay/thread_replay.h"
#include "support/cli_runner.h"
#include "support/mixed_trace.h"
#include "traces/hrt_format.h"
#include "traces/hrt_stream.h"
#include "traces/trace_builder.h"

namespace heapreplay {
namespace {

using test::TempDir;

struct Files {
  TempDir dir;
  Trace trace = test::mixed_trace(true);
  Files() {
    write_hrt(trace, dir.file("p.hrt"), HrtEncoding::kPlain);
    write_hrt(trace, dir.file("c.hrt"), HrtEncoding::kCompact);
  }
};

// Validation keeps its state (each live block's pattern) from window to
// window. (A plain file: compact windows are tested measured, below.)
TEST(StreamedReplay, AValidatedReplayInWindowsChecksEveryEvent) {
  Files f;
  {
    HrtEventStream stream(f.dir.file("p.hrt"), 1000);
    StreamedTrace source(stream);
    Pages s;
    ObjectTable table(f.trace.object_count);
    ReplayOutcome out = replay(s, source, table, ReplayOptions{Touch::kNone, true});
    EXPECT_FALSE(out.violated) << out.violation_event << ": " << out.violation;
    EXPECT_EQ(out.events, f.trace.events.size());
    EXPECT_EQ(out.windows, stream.windows());
    EXPECT_GT(out.windows, 1u);
    CheckResult c = s.check();
    EXPECT_TRUE(c.ok) << c.problem;
  }
}

TEST(StreamedReplay, AMeasuredReplayInWindowsSamplesWhereTheWholeOneDoes) {
  Files f;
  const TraceSummary summary = summarize(f.trace.view());
  auto measured = [&](EventWindows& source) {
    Sizeclass s;
    ObjectTable table(f.trace.object_count);
    ReplayMeasurement ms;
    ms.sample_every = 7000;
    ms.latency_every = 10;
    ms.extra_sample_at = summary.peak_live_event;
    ms.prepare(f.trace.events.size());
    ReplayOutcome out = replay(s, source, table, ReplayOptions{Touch::kPages, false}, &ms);
    EXPECT_EQ(out.events, f.trace.events.size());
    EXPECT_EQ(ms.live_bytes, summary.final_live_bytes);
    std::vector<std::uint64_t> at;
    for (const MemorySample& m : ms.samples) at.push_back(m.event);
    std::uint64_t timed = 0;
    for (const auto& [op, stats] : ms.latency.summarize()) timed += stats.count;
    EXPECT_EQ(timed, f.trace.events.size() / 10);
    return at;
  };
  WholeTrace whole(f.trace.view());
  const std::vector<std::uint64_t> want = measured(whole);
  if (summary.peak_live_event < f.trace.events.size()) {  // else the final sample, taken by the caller
    EXPECT_TRUE(std::find(want.begin(), want.end(), summary.peak_live_event) != want.end());
  }
  HrtEventStream stream(f.dir.file("p.hrt"), 3000);
  StreamedTrace source(stream);
  EXPECT_EQ(measured(source), want);
}

TEST(StreamedReplay, ThreadsReplayWindowAfterWindowWithoutAnEventOutOfOrder) {
  Files f;
  std::vector<std::uint64_t> per_thread(f.trace.thread_count, 0);
  for (const Event& e : f.trace.events) ++per_thread[e.thread];
  for (const char* name : {"p.hrt", "c.hrt"}) {
    SCOPED_TRACE(name);
    HrtEventStream stream(f.dir.file(name), 5000);
    StreamedTrace source(stream);
    ThreadPlan plan(stream.window_capacity(), f.trace.object_count, f.trace.thread_count);
    Sizeclass s;
    Locked<Sizeclass> locked(s);
    ObjectTable table(f.trace.object_count);
    ReplayMeasurement ms;
    ms.sample_every = 10000;
    ms.latency_every = 7;
    ms.thread_events = per_thread;
    ms.prepare(f.trace.events.size());
    ThreadedOutcome out = replay_threads(locked, source, plan, table, Touch::kPages, Pace::kAsFastAsPossible, &ms);
    EXPECT_EQ(out.events, f.trace.events.size());
    EXPECT_EQ(out.windows, stream.windows());
    EXPECT_GT(out.windows, 3u);
    EXPECT_EQ(out.failed_allocations, 0u);
    ASSERT_EQ(out.threads.size(), per_thread.size());
    std::uint64_t expected_timed = 0;
    for (std::size_t t = 0; t < per_thread.size(); ++t) {
      EXPECT_EQ(out.threads[t].events, per_thread[t]);
      expected_timed += per_thread[t] / 7;  // each thread's steps count on across windows
    }
    std::uint64_t timed = 0;
    for (const auto& [op, stats] : ms.latency.summarize()) timed += stats.count;
    EXPECT_EQ(timed, expected_timed);
    EXPECT_EQ(ms.live_bytes, summarize(f.trace.view()).final_live_bytes);
    EXPECT_GT(plan.cross_thread_waits(), 1000u);
    CheckResult c = s.check();
    EXPECT_TRUE(c.ok) << c.problem;
  }
}

}  // namespace
}  // namespace heapreplay
