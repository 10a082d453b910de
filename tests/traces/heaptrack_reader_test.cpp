// The heaptrack reader: a real recording in both dialects (the interpreted
// data file and the --raw stream of the same program), compressed and not,
// the ways heaptrack loses calls, malformed lines, and truncated and mutated
// files.
#include "traces/readers/heaptrack_reader.h"

#include <gtest/gtest.h>

#include <regex>

#include "tests/traces/trace_test_util.h"
#include "traces/readers/import.h"

namespace heapreplay {
namespace {

using testing::count;
using testing::expect_trace_error;
using testing::fixture;

// sample*.heaptrack: heaptrack 1.4 recording a program that makes ten
// mallocs (16 to 160 bytes), frees five, reallocs one to 1000 bytes, and
// callocs and frees 4 x 8; the C runtime adds libstdc++'s 72704-byte pool
// and stdout's 4096-byte buffer.
void expect_sample(const Trace& t) {
  EXPECT_EQ(t.format, "heaptrack");
  ASSERT_EQ(t.events.size(), 22u);
  EXPECT_EQ(count(t, Op::kMalloc), 14u);  // 10 + realloc's new block + calloc + pool + buffer
  EXPECT_EQ(count(t, Op::kFree), 8u);     // 5 + realloc's old block + calloc + pool
  EXPECT_EQ(count(t, Op::kRealloc), 0u);
  const TraceSummary s = summarize(t.view());
  EXPECT_EQ(s.peak_live_bytes, 78248u);
  EXPECT_EQ(s.final_live_bytes, 5544u);  // 32+64+96+128+160 (not freed) + 1000 + 4096
  EXPECT_EQ(t.thread_count, 1u);
  EXPECT_TRUE(t.timestamps_ns.empty());
  EXPECT_EQ(t.import.unmatched_free, 0u);
}

TEST(HeaptrackReader, InterpretedFileOfARealProgram) { expect_sample(import_trace(fixture("sample.heaptrack"))); }

TEST(HeaptrackReader, RawStreamOfTheSameProgram) { expect_sample(import_trace(fixture("sample-raw.heaptrack"))); }

TEST(HeaptrackReader, CompressedAsHeaptrackWritesThem) {
  expect_sample(import_trace(fixture("sample.heaptrack.zst")));
  expect_sample(import_trace(fixture("sample-raw.heaptrack.gz")));
}

TEST(HeaptrackReader, InterpretedFreesPairWithTheLatestLiveAllocationOfTheirInfo) {
  // Info 0 allocated three times, freed twice: the last two go.
  Trace t = read_heaptrack("v 10400 3\nt 0 0\na 20 1\na 30 1\n+ 0\n+ 1\n+ 0\n+ 0\n- 0\n- 0\n- 1\n- 1\n", "mem");
  ASSERT_EQ(t.events.size(), 7u);  // the unmatched free is skipped
  EXPECT_EQ(t.events[4].id, t.events[3].id);
  EXPECT_EQ(t.events[5].id, t.events[2].id);
  EXPECT_EQ(t.events[6].id, t.events[1].id);
  EXPECT_EQ(t.import.unmatched_free, 1u);  // info 1 had one live allocation
  EXPECT_EQ(summarize(t.view()).final_live_bytes, 0x20u);
}

TEST(HeaptrackReader, RawStreamPointerReuseMeansAMissedFree) {
  // heaptrack records nothing for realloc(p, 0) returning NULL, so p's free
  // is lost; the raw stream shows p handed out again, which frees it.
  Trace t = read_heaptrack("v 10400 3\nm 1 -\nt 1000 0\n+ 18 1 7f00\n+ 0 1 7f00\n- 7f00\n- 8000\n", "mem");
  EXPECT_EQ(t.import.reused_live, 1u);
  EXPECT_EQ(t.import.unmatched_free, 1u);  // attached late, or a free of foreign memory
  EXPECT_EQ(summarize(t.view()).final_live_bytes, 0u);
}

TEST(HeaptrackReader, MalformedLinesNameTheirPlace) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"+ 1\n", "mem:1: expected heaptrack's version line 'v VERSION FILE_VERSION' first, found '+ 1'"},
      {"v 10400 4\n", "mem:1: file format version 4 is newer than the 3 this reader knows"},
      {"v 10400 3\nv 10400 3\n", "mem:2: a second version line"},
      {"v 10400 3\nq 1\n",
       "mem:2: unknown line kind 'q' (heaptrack writes v, s, i, t, a, +, -, c, R, m, x, X, I, S, A and #)"},
      {"v 10400 3\n+1\n", "mem:2: expected a one-letter line kind and a space, found '+1'"},
      {"v 10400 3\na 10 0\n+ 1\n", "mem:3: allocation info 1 is not defined (the file has 1 so far)"},
      {"v 10400 3\na 10 3\n", "mem:2: trace 3 is not defined (the file has 0 so far)"},
      {"v 10400 3\nt 1 5\n", "mem:2: trace 5 is not defined (the file has 0 so far)"},
      {"v 10400 3\ns 4 main\ni 40 1 1 1\n", "mem:3: after the module, a lone FUNCTION or FUNCTION FILE LINE triples"},
      {"v 10400 3\ni 40 2\n", "mem:2: string 2 is not defined (the file has 0 so far)"},
      {"v 10400 3\nm 1 -\n+ 10 0 0\n", "mem:3: an allocation at address 0"},
      {"v 10400 3\nm 1 -\n+ 10 0\n", "mem:3: expected a pointer in hex"},
      {"v 10400 3\nm 1 -\na 10 0\n", "mem:3: an interpreted-file line, but line 2 was raw (allocations by pointer)"},
      {"v 10400 3\n+ 10 0 7f00\n+ 1\n", "mem:3: expected a trace index in hex"},
      {"v 10400 3\nc zz\n", "mem:2: expected a time in ms, in hex, found 'zz'"},
      {"v 10400 3\n- 1 2\n", "mem:2: unexpected '2' at the end of the line"},
      {"", "mem: empty: no heaptrack version line"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    expect_trace_error([&] { read_heaptrack(c.text, "mem"); }, c.message);
  }
}

TEST(HeaptrackReader, SniffsTheVersionLine) {
  EXPECT_EQ(detect_format("v 10400 3\nX ./p\n", "mem"), TraceFormat::kHeaptrack);
  EXPECT_EQ(detect_format("v 10200\n", "mem"), TraceFormat::kHeaptrack);
  EXPECT_THROW(detect_format("v 10400 3 7\n", "mem"), TraceError);
  EXPECT_THROW(detect_format("v x\n", "mem"), TraceError);
}

// Prefixes and mutants of both dialects: each is refused with a message
// naming its line, or read into a trace that passes the fuzz targets'
// checks; a first line other than the version line, and a line of a kind
// heaptrack does not write, must be refused.
TEST(HeaptrackReader, TruncatedAndMutatedInputIsRefusedOrValid) {
  const std::regex header("[ \t]*v[ \t]+[0-9a-fA-F]+([ \t]+[0-9a-fA-F]+)?[ \t\r\v\f]*");
  const std::regex shape("[ \t\r\v\f]*([vstiacR+mxXISA-]([ \t\r\v\f].*)?|#.*)");
  auto oracle = [&](std::string_view input) { return testing::first_line_not_matching(input, shape, &header); };
  auto parse = [](std::string_view text, const std::string& path) { return read_heaptrack(text, path); };
  const std::string interpreted =
      "v 10400 3\nX ./p\ns 4 main\ni 4010 0 1\nt 1 0\na 10 1\n+ 0\na 20 1\n+ 1\n+ 0\n- 0\n- 1\nc 0\nR 3b6\n";
  const std::string raw = "v 10400 3\nx 3 ./p\nm 1 -\nt 4010 0\n+ 10 1 7f00\n+ 20 1 7f40\n- 7f00\nc a\n- 7f40\n";
  testing::expect_refused_or_valid(interpreted, "0123456789abcdef+-atv \n", 21, 3000, parse, oracle);
  testing::expect_refused_or_valid(raw, "0123456789abcdef+-mt \n", 22, 3000, parse, oracle);
}

}  // namespace
}  // namespace heapreplay
