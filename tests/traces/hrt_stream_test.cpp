// Reading .hrt files a window at a time: every event and timestamp in order
// for both encodings and any window size; a one-window trace kept over a
// rewind; damage named with its chunk and events, or its event; the
// payload checksum in pieces equal to one call.
#include "traces/hrt_stream.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <random>

#include "support/cli_runner.h"
#include "support/mixed_trace.h"
#include "traces/hrt_format.h"
#include "traces/thread_summary.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay {
namespace {

using test::TempDir;

// The whole trace, read back window by window.
Trace read_in_windows(HrtEventStream& s, std::uint64_t* windows = nullptr) {
  Trace t;
  std::uint64_t w = 0;
  while (s.next()) {
    EXPECT_EQ(s.window_first(), t.events.size());
    const TraceView v = s.window();
    EXPECT_LE(v.events.size(), s.window_capacity());
    t.events.insert(t.events.end(), v.events.begin(), v.events.end());
    t.timestamps_ns.insert(t.timestamps_ns.end(), v.timestamps_ns.begin(), v.timestamps_ns.end());
    t.object_count = v.object_count;
    t.thread_count = v.thread_count;
    ++w;
  }
  EXPECT_EQ(w, s.windows());
  if (windows != nullptr) *windows = w;
  t.format = s.source().format;
  return t;
}

TEST(HrtStream, EveryEventInOrderForBothEncodingsAndAnyWindow) {
  TempDir dir;
  const Trace in = test::mixed_trace(true);
  write_hrt(in, dir.file("p.hrt"), HrtEncoding::kPlain);
  write_hrt(in, dir.file("c.hrt"), HrtEncoding::kCompact);
  for (std::uint64_t window : {std::uint64_t{1000}, std::uint64_t{kHrtChunkEvents}, std::uint64_t{1} << 30}) {
    SCOPED_TRACE("window " + std::to_string(window));
    HrtEventStream plain(dir.file("p.hrt"), window);
    plain.verify_payload();
    std::uint64_t windows = 0;
    test::expect_same(read_in_windows(plain, &windows), in);
    EXPECT_EQ(windows, (in.events.size() + window - 1) / window);
    // Compact windows are whole chunks: 1000 events become one chunk.
    HrtEventStream compact(dir.file("c.hrt"), window);
    EXPECT_EQ(compact.window_capacity() % kHrtChunkEvents == 0 || compact.windows() == 1, true);
    test::expect_same(read_in_windows(compact, &windows), in);
    EXPECT_EQ(windows, window <= kHrtChunkEvents ? 4u : 1u);
    // Again from the start.
    compact.rewind();
    test::expect_same(read_in_windows(compact), in);
  }
}

TEST(HrtStream, ATraceOfOneWindowIsNotReadAgainAfterARewind) {
  TempDir dir;
  TraceBuilder b("rep", ReusePolicy::kLeakOld);
  for (std::uint64_t k = 0; k < 100; ++k) b.malloc(k, 8 + k);
  write_hrt(b.finish(), dir.file("t.hrt"), HrtEncoding::kCompact);
  HrtEventStream s(dir.file("t.hrt"));
  ASSERT_TRUE(s.next());
  ASSERT_EQ(::truncate(dir.file("t.hrt").c_str(), 0), 0);  // a second read would fail
  s.rewind();
  ASSERT_TRUE(s.next());
  EXPECT_EQ(s.window().events.size(), 100u);
  EXPECT_EQ(s.window().events[99].size, 107u);
  EXPECT_FALSE(s.next());
}

TEST(HrtStream, ADamagedChunkIsNamedWithItsEventsWhenItsWindowLoads) {
  TempDir dir;
  write_hrt(test::mixed_trace(false), dir.file("c.hrt"), HrtEncoding::kCompact);
  std::string bytes = test::read_file(dir.file("c.hrt"));
  HrtHeader h;
  std::memcpy(&h, bytes.data(), sizeof h);
  HrtIndexEntry third;
  std::memcpy(&third, bytes.data() + h.index_offset + 2 * sizeof third, sizeof third);
  bytes[third.offset + sizeof(HrtChunkHeader) + 5] ^= 0x40;
  std::ofstream(dir.file("c.hrt"), std::ios::binary | std::ios::trunc) << bytes;
  HrtEventStream s(dir.file("c.hrt"), kHrtChunkEvents);  // the index and metadata are fine
  EXPECT_TRUE(s.next());
  EXPECT_TRUE(s.next());
  try {
    s.next();
    ADD_FAILURE() << "a damaged chunk was read";
  } catch (const TraceError& e) {
    EXPECT_EQ(e.message(), "chunk 2 (events 131072-196607): checksum mismatch (file corrupted)");
    EXPECT_EQ(e.path(), dir.file("c.hrt"));
  }
}

TEST(HrtStream, APlainFilesDamageIsFoundByItsEventOrItsChecksum) {
  TempDir dir;
  const Trace in = test::mixed_trace(true);
  write_hrt(in, dir.file("p.hrt"), HrtEncoding::kPlain);
  std::string bytes = test::read_file(dir.file("p.hrt"));
  HrtHeader h;
  std::memcpy(&h, bytes.data(), sizeof h);
  // A timestamp changed: only the payload checksum can tell.
  std::string changed = bytes;
  changed[h.timestamps_offset + 8 * 5000] ^= 1;
  std::ofstream(dir.file("t.hrt"), std::ios::binary) << changed;
  HrtEventStream t(dir.file("t.hrt"), 1000);
  EXPECT_THROW(t.verify_payload(), TraceError);
  // An op out of range: the window that holds it says which event.
  changed = bytes;
  Event e;
  std::memcpy(&e, bytes.data() + h.events_offset + 200'000 * sizeof(Event), sizeof e);
  e.op = static_cast<Op>(7);
  std::memcpy(changed.data() + h.events_offset + 200'000 * sizeof(Event), &e, sizeof e);
  std::ofstream(dir.file("o.hrt"), std::ios::binary) << changed;
  HrtEventStream o(dir.file("o.hrt"), 1000);
  for (int w = 0; w < 200; ++w) ASSERT_TRUE(o.next());
  try {
    o.next();
    ADD_FAILURE() << "a bad event was read";
  } catch (const TraceError& err) {
    EXPECT_EQ(err.message().rfind("event 200000 is invalid", 0), 0u) << err.message();
  }
}

// What replay's parent and child and `info` compute from windows is what
// the whole trace gives.
TEST(HrtStream, SummariesOverWindowsAreTheWholeTracesSummaries) {
  TempDir dir;
  const Trace in = test::mixed_trace(true);
  write_hrt(in, dir.file("p.hrt"), HrtEncoding::kPlain);
  HrtEventStream s(dir.file("p.hrt"), 999);
  std::vector<std::uint64_t> scratch(2 * std::size_t{in.object_count}, 0);
  TraceSummarizer sum(scratch.data());
  ThreadSummarizer threads(in.object_count, in.thread_count);
  while (s.next()) {
    sum.add(s.window().events);
    threads.add(s.window().events);
  }
  const TraceSummary a = sum.summary(), b = summarize(in.view());
  EXPECT_EQ(0, std::memcmp(&a, &b, sizeof a));
  const ThreadSummary ta = threads.summary(), tb = summarize_threads(in.view());
  EXPECT_EQ(ta.events_per_thread, tb.events_per_thread);
  EXPECT_EQ(ta.frees, tb.frees);
  EXPECT_EQ(ta.cross_thread_frees, tb.cross_thread_frees);
  EXPECT_GT(ta.cross_thread_frees, 0u);
  EXPECT_EQ(ta.cross_thread_reallocs, tb.cross_thread_reallocs);
}

TEST(HrtStream, TheChecksumInPiecesIsTheChecksumInOne) {
  std::mt19937_64 rng(3);
  std::string data(10'000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (std::size_t len : {std::size_t{0}, std::size_t{31}, std::size_t{32}, std::size_t{33}, std::size_t{9999}}) {
    const std::uint64_t whole = hrt_checksum(data.data(), len, 77);
    for (int trial = 0; trial < 20; ++trial) {
      HrtChecksum sum(len, 77);
      for (std::size_t at = 0; at < len;) {
        const std::size_t k = std::min<std::size_t>(len - at, rng() % 70);
        sum.update(data.data() + at, k);
        at += k;
      }
      EXPECT_EQ(sum.value(), whole) << "length " << len;
    }
  }
}

}  // namespace
}  // namespace heapreplay
