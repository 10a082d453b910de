// heapreplay-text: the reader (every op, prefixes, comments, errors) and the
// writer, whose output must read back to the same events.
#include "traces/readers/text_reader.h"

#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "tests/traces/trace_test_util.h"
#include "traces/readers/import.h"
#include "traces/readers/text_writer.h"

namespace heapreplay {
namespace {

using testing::expect_trace_error;
using testing::fixture;

Trace txt(std::string_view text) { return read_text(text, "x.txt"); }

std::string describe(const Event& e) {
  return std::string(op_name(e.op)) + " " + (e.id == kNoObject ? "-" : std::to_string(e.id)) + " " +
         std::to_string(e.size) + " aux=" + std::to_string(e.aux) + " t=" + std::to_string(e.thread);
}

std::vector<std::string> describe(const Trace& t) {
  std::vector<std::string> out;
  for (const Event& e : t.events) out.push_back(describe(e));
  return out;
}

std::string aux(unsigned log2, AlignedKind kind) { return std::to_string(Event::aligned_aux(log2, kind)); }

TEST(TextReader, FixtureWithEveryOpThreadsAndTimestamps) {
  Trace t = import_trace(fixture("sample.txt"));
  EXPECT_EQ(t.format, "text");
  EXPECT_EQ(describe(t),
            (std::vector<std::string>{"malloc 0 100 aux=0 t=0",  // thread 7 is the first seen: index 0
                                      "calloc 1 100 aux=0 t=0", "realloc 0 200 aux=0 t=1", "free - 0 aux=0 t=1",
                                      "aligned 2 100 aux=" + aux(6, AlignedKind::kMemalign) + " t=0",
                                      "aligned 3 10 aux=" + aux(12, AlignedKind::kPosixMemalign) + " t=0",
                                      "aligned 4 64 aux=" + aux(5, AlignedKind::kAlignedAlloc) + " t=1",
                                      "aligned 5 1 aux=" + aux(12, AlignedKind::kValloc) + " t=1",
                                      "aligned 6 4096 aux=" + aux(12, AlignedKind::kValloc) + " t=1",  // pvalloc
                                      "realloc 7 50 aux=0 t=0",  // realloc - 17 50: realloc(NULL, 50)
                                      "realloc 7 0 aux=0 t=0",   // to 0: frees
                                      "free 0 0 aux=0 t=0",
                                      "calloc 0 18446744073709551615 aux=1 t=1",  // 2^62 * 8 overflows
                                                                                  // free 99: never allocated
                                      "malloc 7 5 aux=0 t=0"}));                  // 11 is live: leaked, a new slot
  EXPECT_EQ(t.timestamps_ns, (std::vector<std::uint64_t>{1000, 1100, 1200, 1300, 1400, 1500, 1600, 1700, 1800, 1900,
                                                         2000, 2100, 2200, 2400}));
  EXPECT_EQ(t.thread_count, 2u);
  EXPECT_EQ(t.object_count, 8u);
  EXPECT_EQ(t.import.unmatched_free, 1u);
  EXPECT_EQ(t.import.reused_live, 1u);
  EXPECT_EQ(t.import.unmatched_realloc, 0u);
  EXPECT_EQ(t.import.source_lines, 18u);
}

TEST(TextReader, UntimedSingleThreadAndOddSpacing) {
  Trace t = txt("\n  heapreplay-text   1  \r\n# c\r\n\tmalloc\t1 0x10 # trailing comment\r\nrealloc 5 7\nfree 1\n");
  EXPECT_EQ(describe(t),
            (std::vector<std::string>{"malloc 0 16 aux=0 t=0", "realloc 1 7 aux=0 t=0", "free 0 0 aux=0 t=0"}));
  EXPECT_EQ(t.import.unmatched_realloc, 1u);  // realloc 5: 5 was never allocated
  EXPECT_TRUE(t.timestamps_ns.empty());
  EXPECT_EQ(t.thread_count, 1u);
}

TEST(TextReader, AlignmentThatIsNotAPowerOfTwoIsKept) {
  Trace t = txt("heapreplay-text 1\nmemalign 1 24 100\naligned_alloc 2 0 8\n");
  EXPECT_FALSE(t.events[0].alignment_valid());
  EXPECT_FALSE(t.events[1].alignment_valid());
  EXPECT_EQ(t.events[1].aligned_kind(), AlignedKind::kAlignedAlloc);
}

TEST(TextReader, Errors) {
  const std::string h = "heapreplay-text 1\n";
  expect_trace_error([] { txt(""); }, "x.txt: missing the header line 'heapreplay-text 1'");
  expect_trace_error([] { txt("\n\n"); }, "x.txt: missing the header line 'heapreplay-text 1'");
  expect_trace_error([] { txt("malloc 1 2\n"); },
                     "x.txt:1: expected the header 'heapreplay-text 1', found 'malloc 1 2'");
  expect_trace_error([] { txt("heapreplay-text 2\n"); },
                     "x.txt:1: unsupported header 'heapreplay-text 2' (this reader knows 'heapreplay-text 1')");
  expect_trace_error([] { txt("heapreplay-text\n"); },
                     "x.txt:1: unsupported header 'heapreplay-text' (this reader knows 'heapreplay-text 1')");
  expect_trace_error([&] { txt(h + "mallok 1 2\n"); },
                     "x.txt:2: unknown op 'mallok' (expected malloc, calloc, realloc, free, memalign, posix_memalign, "
                     "aligned_alloc, valloc or pvalloc)");
  expect_trace_error([&] { txt(h + "malloc 1\n"); }, "x.txt:2: expected a size");
  expect_trace_error([&] { txt(h + "malloc x 1\n"); }, "x.txt:2: expected an object id, found 'x'");
  expect_trace_error([&] { txt(h + "malloc 1 2 3\n"); }, "x.txt:2: unexpected '3' at the end of the line");
  expect_trace_error([&] { txt(h + "malloc 1 2#c\n"); }, "x.txt:2: expected a size, found '2#c'");
  expect_trace_error([&] { txt(h + "free\n"); }, "x.txt:2: expected an object id or '-'");
  expect_trace_error([&] { txt(h + "free - 1\n"); }, "x.txt:2: unexpected '1' at the end of the line");
  expect_trace_error([&] { txt(h + "realloc - x 1\n"); },
                     "x.txt:2: expected an object id after 'realloc -', found 'x'");
  expect_trace_error([&] { txt(h + "calloc 1 2\n"); }, "x.txt:2: expected an element size");
  expect_trace_error([&] { txt(h + "memalign 1 8\n"); }, "x.txt:2: expected a size");
  expect_trace_error([&] { txt(h + "t=1 t=2 malloc 1 1\n"); }, "x.txt:2: two thread prefixes");
  expect_trace_error([&] { txt(h + "@1 @2 malloc 1 1\n"); }, "x.txt:2: two timestamps");
  expect_trace_error([&] { txt(h + "t=x malloc 1 1\n"); }, "x.txt:2: expected a thread after 't=', found 'x'");
  expect_trace_error([&] { txt(h + "@ malloc 1 1\n"); }, "x.txt:2: expected nanoseconds after '@'");
  expect_trace_error([&] { txt(h + "t=1\n"); }, "x.txt:2: expected an op after the prefixes");
  expect_trace_error([&] { txt(h + "@5 malloc 1 1\nfree 1\n"); },
                     "x.txt:3: event without a timestamp in a timed trace (the first event has one)");
  expect_trace_error([&] { txt(h + "malloc 1 1\n@5 free 1\n"); },
                     "x.txt:3: timestamp on an event of an untimed trace (the first event has none)");
  expect_trace_error([&] { txt(h + "@18446744073709551615 malloc 1 1\n"); },
                     "x.txt:2: timestamp 18446744073709551615 is reserved");
  expect_trace_error([&] { txt(h + "malloc 18446744073709551616 1\n"); },
                     "x.txt:2: '18446744073709551616' does not fit in 64 bits (expected an object id)");
}

TEST(TextReader, TooManyThreadsIsAnInputError) {
  std::string s = "heapreplay-text 1\n";
  for (int i = 0; i < 65536; ++i) s += "t=" + std::to_string(i) + " free -\n";
  expect_trace_error([&] { txt(s); }, "x.txt:65537: more than 65535 threads");
}

// Prefixes and mutants of a valid trace: each is refused with a message
// naming its line, or read into a trace that passes the fuzz targets' checks.
// The first non-blank line must be the header; every other one a comment or
// an event (prefixes t=N and @N, an op and its numbers, decimal or 0x hex,
// and a trailing comment), or it must be refused.
TEST(TextReader, TruncatedAndMutatedInputIsRefusedOrValid) {
  const std::string good = "heapreplay-text 1\nt=1 @5 malloc 1 2\n@6 realloc - 2 3\n@7 free -\n@8 memalign 3 8 8\n";
  const std::string w = "[ \t\r\v\f]+", n = "(0[xX][0-9a-fA-F]+|[0-9]+)";
  const std::regex header("[ \t\r\v\f]*heapreplay-text" + w + "1[ \t\r\v\f]*");
  const std::regex shape("[ \t\r\v\f]*(#[\\s\\S]*|((t=|@)" + n + w + ")*(malloc" + w + n + w + n + "|free" + w + "(-|" +
                         n + ")|realloc" + w + "(-" + w + n + "|" + n + ")" + w + n + "|calloc" + w + n + w + n + w +
                         n + "|(memalign|posix_memalign|aligned_alloc|valloc|pvalloc)" + w + n + w + n + w + n + ")(" +
                         w + "#[\\s\\S]*)?)[ \t\r\v\f]*");
  testing::expect_refused_or_valid(
      good, std::string_view("0123456789t=@- #\n\r\xff"), 5, 3000,
      [](std::string_view text, const std::string& path) { return read_text(text, path); },
      [&](std::string_view input) { return testing::first_line_not_matching(input, shape, &header); });
}

// ---- The writer ----

void expect_same_trace(const Trace& a, const Trace& b) {
  EXPECT_EQ(describe(a), describe(b));
  EXPECT_EQ(a.timestamps_ns, b.timestamps_ns);
  EXPECT_EQ(a.object_count, b.object_count);
  EXPECT_EQ(a.thread_count, b.thread_count);
}

TEST(TextWriter, WritesTheExpectedText) {
  TraceBuilder b("x", ReusePolicy::kLeakOld);
  b.malloc(1, 10);
  b.realloc(std::nullopt, 2, 20);
  b.realloc(2, 2, 0);
  b.free_null();
  b.calloc(3, ~std::uint64_t{0}, 2);
  b.aligned(4, 48, 8, AlignedKind::kPosixMemalign);
  b.aligned(5, 4096, 8, AlignedKind::kValloc);
  b.free(1);
  std::string out;
  write_text(b.finish().view(), out);
  EXPECT_EQ(out,
            "heapreplay-text 1\n"
            "malloc 0 10\n"
            "realloc - 1 20\n"
            "realloc 1 0\n"
            "free -\n"
            "calloc 1 2 9223372036854775808\n"
            "posix_memalign 2 3 8\n"
            "valloc 3 4096 8\n"
            "free 0\n");
}

TEST(TextWriter, RoundTripsTheFixture) {
  Trace t = import_trace(fixture("sample.txt"));
  std::string out;
  write_text(t.view(), out);
  expect_same_trace(txt(out), t);
}

TEST(TextWriter, RoundTripsRealTraces) {
  HR_SHARED_FILE(dir, "");
  for (const char* name : {"malloclab-cmu/corners.rep", "malloclab-cmu/alaska.rep", "malloclab-classic/realloc-bal.rep",
                           "mtrace/sed-services.mtrace", "malloclab-raw/perl", "wee_alloc/find.trace"}) {
    SCOPED_TRACE(name);
    Trace t = import_trace(dir + "/" + name);
    std::string out;
    write_text(t.view(), out);
    Trace back = txt(out);
    expect_same_trace(back, t);
    EXPECT_EQ(summarize(back.view()).peak_live_bytes, summarize(t.view()).peak_live_bytes);
  }
}

}  // namespace
}  // namespace heapreplay
