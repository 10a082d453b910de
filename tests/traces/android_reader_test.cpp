// The Android malloc debug record_allocs reader: every op, threads (and a
// thread id reused after thread_done), the optional times and present bytes,
// malformed lines, and truncated and mutated dumps.
#include "traces/readers/android_reader.h"

#include <gtest/gtest.h>

#include <regex>

#include "tests/traces/trace_test_util.h"
#include "traces/readers/import.h"
#include "traces/thread_summary.h"

namespace heapreplay {
namespace {

using testing::count;
using testing::expect_trace_error;
using testing::fixture;

TEST(AndroidReader, EveryOpOfTheSample) {
  Trace t = import_trace(fixture("sample-android.txt"));
  EXPECT_EQ(t.format, "android");
  ASSERT_EQ(t.events.size(), 12u);
  EXPECT_EQ(count(t, Op::kMalloc), 3u);
  EXPECT_EQ(count(t, Op::kCalloc), 1u);
  EXPECT_EQ(count(t, Op::kRealloc), 3u);
  EXPECT_EQ(count(t, Op::kFree), 3u);
  EXPECT_EQ(count(t, Op::kAligned), 2u);
  EXPECT_EQ(t.events[1].size, 128u);  // calloc 32 x 4
  EXPECT_EQ(t.events[3].op, Op::kRealloc);
  EXPECT_EQ(t.events[3].id, t.events[1].id);  // the slot moves from the old pointer to the new
  EXPECT_EQ(t.events[3].size, 256u);
  EXPECT_EQ(t.events[5].aligned_kind(), AlignedKind::kMemalign);
  EXPECT_EQ(t.events[5].alignment(), 16u);
  EXPECT_EQ(t.events[6].alignment(), 4096u);
  EXPECT_EQ(t.events[6].size, 8192u);
  EXPECT_EQ(t.events[8].id, kNoObject);     // free 0x0
  EXPECT_EQ(t.events[9].op, Op::kRealloc);  // realloc(p, 0) frees p
  EXPECT_EQ(t.events[9].size, 0u);
  EXPECT_EQ(t.import.failed_in_source, 1u);  // malloc 0x0
  EXPECT_EQ(t.import.unmatched_free, 0u);
  EXPECT_EQ(t.import.source_lines, 14u);
  EXPECT_TRUE(t.timestamps_ns.empty());

  // 186, 187, and 187 again after its thread_done: a new thread.
  EXPECT_EQ(t.thread_count, 3u);
  ThreadSummary ts = summarize_threads(t.view());
  EXPECT_EQ(ts.events_per_thread, (std::vector<std::uint64_t>{6, 5, 1}));
  EXPECT_EQ(ts.cross_thread_frees, 1u);
}

TEST(AndroidReader, TimesAndPresentBytes) {
  Trace t = import_trace(fixture("sample-android-timed.txt"));
  ASSERT_EQ(t.events.size(), 5u);
  EXPECT_EQ(t.timestamps_ns, (std::vector<std::uint64_t>{1000, 1200, 1300, 1500, 1700}));
  EXPECT_EQ(t.thread_count, 2u);
  EXPECT_EQ(t.events[1].op, Op::kFree);
  EXPECT_EQ(t.events[1].thread, 1u);
  EXPECT_EQ(t.events[2].op, Op::kRealloc);
  EXPECT_EQ(t.events[3].size, 48u);
}

TEST(AndroidReader, MalformedLinesNameTheirPlace) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"1: malloc 0x10 5\nmalloc 0x20 5\n",
       "mem:2: expected 'TID: OP POINTER ...' with a decimal thread id, found 'malloc 0x20 5'"},
      {"-1: malloc 0x10 5\n",
       "mem:1: expected 'TID: OP POINTER ...' with a decimal thread id, found '-1: malloc 0x10 5'"},
      {"1: mmap 0x10 5\n",
       "mem:1: unknown op 'mmap' (expected malloc, calloc, realloc, free, memalign or thread_done)"},
      {"1:\n", "mem:1: expected an op after the thread id"},
      {"1: malloc 0xzz 5\n", "mem:1: expected a hex pointer, found '0xzz'"},
      {"1: malloc 0x10\n", "mem:1: expected a decimal size"},
      {"1: calloc 0x10 4\n", "mem:1: expected a decimal element size"},
      {"1: realloc 0x10 0x5\n", "mem:1: expected a decimal size"},
      {"1: memalign 0x10 x 5\n", "mem:1: expected a decimal alignment, found 'x'"},
      {"1: malloc 0x10 5 100\n", "mem:1: a start time without its end time: '100'"},
      {"1: malloc 0x10 5 100 200 7\n", "mem:1: unexpected '7' after the times"},
      {"1: free 0x10 100 200 x\n", "mem:1: unexpected 'x' after the times"},
      {"1: free 0x10 1 2 3 4\n", "mem:1: unexpected '1 2 3 4' at the end of the line"},
      {"1: malloc 0x10 99999999999999999999\n",
       "mem:1: '99999999999999999999' does not fit in 64 bits (expected a decimal size)"},
      {"1: malloc 0x10 5 100 200\n1: free 0x10\n",
       "mem:2: no times here, but line 1 has them (times are on every line or on none)"},
      {"1: malloc 0x10 5\n1: free 0x10 1 2\n",
       "mem:2: times here, but line 1 has none (times are on every line or on none)"},
      {"1: thread_done 0x0 5 6\n", "mem:1: unexpected '6' after thread_done"},
      {"1: malloc 0x10 5 18446744073709551615 1\n", "mem:1: the time 18446744073709551615 is reserved"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    expect_trace_error([&] { read_android(c.text, "mem"); }, c.message);
  }
}

TEST(AndroidReader, AddressReuseAndRecordingEdges) {
  Trace t = read_android(
      "5: malloc 0x10 8\n"
      "5: malloc 0x10 16\n"        // reused while live: the free was not recorded
      "6: free 0x99\n"             // never allocated here
      "6: realloc 0x20 0x98 32\n"  // realloc of an unknown block: realloc(NULL)
      "6: realloc 0x0 0x20 64\n"   // failed: 0x20 stays
      "6: free 0x20\n"
      "6: realloc 0x0 0x0 0\n",  // realloc(NULL, 0)
      "mem");
  EXPECT_EQ(t.import.reused_live, 1u);
  EXPECT_EQ(t.import.unmatched_free, 1u);
  EXPECT_EQ(t.import.unmatched_realloc, 1u);
  EXPECT_EQ(t.import.failed_in_source, 1u);
  EXPECT_EQ(count(t, Op::kFree), 3u);  // the inserted free, free 0x20, realloc(NULL, 0)
}

// Prefixes and mutants of a valid dump: each is refused with a message naming
// its line, or read into a trace that passes the fuzz targets' checks; a line
// other than "TID: OP POINTER ARGS" with the op's arguments, then nothing or
// a start and an end time (and for free and realloc an optional present-bytes
// count after them), must be refused.
TEST(AndroidReader, TruncatedAndMutatedInputIsRefusedOrValid) {
  const std::string good =
      "186: malloc 0x7000 32\n187: calloc 0x7100 4 8\n186: realloc 0x7200 0x7000 64\n187: memalign 0x7300 16 40\n"
      "187: free 0x7100\n186: free 0x0\n187: thread_done 0x0\n187: malloc 0x7400 5\n";
  const std::string w = "[ \t\r\v\f]+", h = "(0[xX])?[0-9a-fA-F]+", n = "[0-9]+";
  const std::string times = "(" + w + n + w + n + ")?", present = "(" + w + n + w + n + "(" + w + "-?" + n + ")?)?";
  const std::regex shape("[ \t\r\v\f]*[0-9]+:[ \t\r\v\f]*(thread_done" + w + h + "(" + w + n + ")?|malloc" + w + h + w +
                         n + times + "|(calloc|memalign)" + w + h + w + n + w + n + times + "|free" + w + h + present +
                         "|realloc" + w + h + w + h + w + n + present + ")[ \t\r\v\f]*");
  testing::expect_refused_or_valid(
      good, std::string_view("0123456789x: -\n\r\xff"), 13, 3000,
      [](std::string_view text, const std::string& path) { return read_android(text, path); },
      [&](std::string_view input) { return testing::first_line_not_matching(input, shape); });
}

}  // namespace
}  // namespace heapreplay
