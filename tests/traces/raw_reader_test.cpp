// The malloc-lab raw (get-trace) reader: pointers with and without a pid,
// NULL in every position, reused addresses, comments, errors, and the m/c/r/f
// counts of the real recordings in ../shared/data/malloclab-raw.
#include "traces/readers/raw_reader.h"

#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "tests/traces/trace_test_util.h"
#include "traces/readers/import.h"

namespace heapreplay {
namespace {

using testing::count;
using testing::expect_trace_error;
using testing::fixture;

Trace raw(std::string_view text) { return read_raw(text, "x.raw"); }

std::vector<std::string> describe(const Trace& t) {
  std::vector<std::string> out;
  for (const Event& e : t.events)
    out.push_back(std::string(op_name(e.op)) + " " + (e.id == kNoObject ? "-" : std::to_string(e.id)) + " " +
                  std::to_string(e.size));
  return out;
}

TEST(RawReader, FixtureWithEveryOp) {
  Trace t = import_trace(fixture("get-trace-sample"));  // no extension: detected by content
  EXPECT_EQ(t.format, "raw");
  EXPECT_EQ(describe(t), (std::vector<std::string>{"realloc 0 16",  // r p 0 16: realloc(NULL, 16)
                                                   "malloc 1 364",
                                                   "calloc 2 240",    // 10 * 24
                                                   "realloc 0 2048",  // moved to a new address
                                                   "free 1 0",
                                                   "free - 0",     // f 0
                                                   "malloc 1 40",  // the freed address comes back
                                                                   // f 0x9999999: never allocated, skipped
                                                   "free 2 0",     // m of a live address: the missed free first
                                                   "malloc 2 8",
                                                   // r 0 p 100: the realloc failed, nothing happens
                                                   "realloc 1 0",                    // r 0 p 0: realloc to 0 frees
                                                   "calloc 1 18446744073709551615",  // 2^62 * 8 overflows
                                                                                     // m 0 ...: malloc failed
                                                   "free 0 0"}));                    // an address without a pid
  EXPECT_EQ(t.events[10].aux, kCallocOverflow);
  EXPECT_EQ(t.import.unmatched_free, 1u);
  EXPECT_EQ(t.import.reused_live, 1u);
  EXPECT_EQ(t.import.failed_in_source, 2u);
  EXPECT_EQ(t.import.source_lines, 18u);
  EXPECT_EQ(t.object_count, 3u);
}

// A forked child's calls are in the parent's recording, tagged with its
// pid: the same address is another object in each process. A pointer
// without a pid is of the process named last.
TEST(RawReader, ProcessesAreKeptApart) {
  Trace t = raw("m 0x10/1 8\nm 0x10/2 16\nf 0x10/1\nf 0x10/2\nm 0x20 8\nf 0x20/2\nf 0x20/1\n");
  EXPECT_EQ(describe(t),
            (std::vector<std::string>{"malloc 0 8", "malloc 1 16", "free 0 0", "free 1 0", "malloc 1 8", "free 1 0"}));
  EXPECT_EQ(t.import.reused_live, 0u);     // merged, the child's malloc would reuse a live block
  EXPECT_EQ(t.import.unmatched_free, 1u);  // 0x20 is pid 2's (the process named last): pid 1 never had it
  expect_trace_error([] { raw("m 0x1000000000000/1 8\n"); },
                     "x.raw:1: address 0x1000000000000 is past 2^48: processes cannot be kept apart");
}

TEST(RawReader, CrlfIndentedCommentsAndBlankLines) {
  Trace t = raw("  # header\r\n\r\nm 0x10/1 8\r\n\t# more\r\nf 0x10/1 \r\n");
  EXPECT_EQ(describe(t), (std::vector<std::string>{"malloc 0 8", "free 0 0"}));
  EXPECT_EQ(t.import.source_lines, 5u);
}

TEST(RawReader, Errors) {
  expect_trace_error([] { raw("# c\nx 0x10 8\n"); }, "x.raw:2: unknown op 'x' (expected m, c, r or f)");
  expect_trace_error([] { raw("m 0x10\n"); }, "x.raw:1: expected a size");
  expect_trace_error([] { raw("m 10 8\n"); }, "x.raw:1: expected a pointer like 0x804afe0/6854, found '10'");
  expect_trace_error([] { raw("m 0x10/abc 8\n"); },
                     "x.raw:1: expected a pointer like 0x804afe0/6854, found '0x10/abc'");
  expect_trace_error([] { raw("m 0x 8\n"); }, "x.raw:1: expected a pointer like 0x804afe0/6854, found '0x'");
  expect_trace_error([] { raw("f\n"); }, "x.raw:1: expected a pointer like 0x804afe0/6854");
  expect_trace_error([] { raw("c 0x10 1\n"); }, "x.raw:1: expected a size");
  expect_trace_error([] { raw("r 0x10 8\n"); }, "x.raw:1: expected a pointer like 0x804afe0/6854, found '8'");
  expect_trace_error([] { raw("m 0x10 -8\n"); }, "x.raw:1: expected a size, found '-8'");
  expect_trace_error([] { raw("m 0x10 8 9\n"); }, "x.raw:1: unexpected '9' at the end of the line");
  expect_trace_error([] { raw("m 0x10 18446744073709551616\n"); },
                     "x.raw:1: '18446744073709551616' does not fit in 64 bits (expected a size)");
  expect_trace_error([] { raw("f 0x10000000000000000\n"); },
                     "x.raw:1: '0x10000000000000000' does not fit in 64 bits (expected a pointer like 0x804afe0/6854)");
}

// Prefixes and mutants of a valid recording: each is refused with a message
// naming its line, or read into a trace that passes the fuzz targets' checks;
// a line that is not a comment or "m P N", "c P N N", "r P P N", "f P" (P a
// pointer: 0 or hex with an optional /pid) must be refused.
TEST(RawReader, TruncatedAndMutatedInputIsRefusedOrValid) {
  const std::string good = "# c\nr 0x804afe0/6854 0 16\nc 0x10/1 2 3\nf 0x804afe0/6854\nf 0\n";
  const std::string w = "[ \t\r\v\f]+", p = "(0|0[xX][0-9a-fA-F]+)(/[0-9]+)?", n = "[0-9]+";
  const std::regex shape("[ \t\r\v\f]*(#[\\s\\S]*|m" + w + p + w + n + "|c" + w + p + w + n + w + n + "|r" + w + p + w +
                         p + w + n + "|f" + w + p + ")[ \t\r\v\f]*");
  testing::expect_refused_or_valid(
      good, std::string_view("0x1f/ mcrf#\n\r\xff"), 3, 3000,
      [](std::string_view text, const std::string& path) { return read_raw(text, path); },
      [&](std::string_view input) { return testing::first_line_not_matching(input, shape); });
}

// ---- The real recordings in ../shared/data/malloclab-raw ----

struct RawRow {
  const char* name;
  std::uint64_t m, c, r, f;  // line counts from the data README, section 2
  std::uint64_t free_null, unmatched_free, reused_live, failed;
};

constexpr RawRow kRecordings[] = {
    {"hostname", 100, 0, 4, 14, 0, 0, 0, 0},
    {"ls", 260, 1, 4, 107, 0, 0, 0, 0},
    // perl forked twice (pids 6854, 6855): each process's objects are its
    // own, so the children's mallocs of addresses live in the parent reuse
    // nothing.
    {"perl", 1018, 0, 83, 393, 1, 0, 0, 0},
    {"stty", 105, 0, 4, 15, 0, 0, 0, 0},
};

// perl's children allocate addresses the parent holds live: kept apart, no
// free is invented (merged, 396 frees of real blocks and 59,750 bytes).
TEST(RawSharedData, PerlsForkedChildrenAreTheirOwnProcesses) {
  HR_SHARED_FILE(dir, "malloclab-raw");
  const TraceSummary s = summarize(import_trace(dir + "/perl").view());
  EXPECT_EQ(s.op_count[static_cast<int>(Op::kFree)] - s.free_null, 392u);
  EXPECT_EQ(s.peak_live_bytes, 59878u);
}

TEST(RawSharedData, CountsMatchTheReadme) {
  HR_SHARED_FILE(dir, "malloclab-raw");
  for (const RawRow& row : kRecordings) {
    SCOPED_TRACE(row.name);
    Trace t = import_trace(dir + "/" + row.name);
    EXPECT_EQ(t.format, "raw");
    const ImportStats& st = t.import;
    EXPECT_EQ(count(t, Op::kMalloc), row.m);
    EXPECT_EQ(count(t, Op::kCalloc), row.c);
    EXPECT_EQ(count(t, Op::kRealloc) + st.failed_in_source, row.r);
    // Free events: the f lines, less the skipped unmatched ones, plus the
    // frees the builder inserts for addresses handed out again while live.
    EXPECT_EQ(count(t, Op::kFree) + st.unmatched_free - st.reused_live, row.f);
    EXPECT_EQ(summarize(t.view()).free_null, row.free_null);
    EXPECT_EQ(st.unmatched_free, row.unmatched_free);
    EXPECT_EQ(st.reused_live, row.reused_live);
    EXPECT_EQ(st.failed_in_source, row.failed);
  }
}

// The CMU .rep files hostname, ls and perl were converted from these
// recordings: same numbers of calls.
TEST(RawSharedData, AgreesWithTheConvertedRepFiles) {
  HR_SHARED_FILE(raw_dir, "malloclab-raw");
  HR_SHARED_FILE(rep_dir, "malloclab-cmu");
  for (const char* name : {"hostname", "ls", "perl"}) {
    SCOPED_TRACE(name);
    Trace raw_trace = import_trace(raw_dir + "/" + name);
    TraceSummary a = summarize(raw_trace.view());
    TraceSummary b = summarize(import_trace(rep_dir + "/" + name + ".rep").view());
    EXPECT_EQ(a.op_count[static_cast<int>(Op::kMalloc)] + a.op_count[static_cast<int>(Op::kCalloc)],
              b.op_count[static_cast<int>(Op::kMalloc)]);
    // Less the frees the builder inserted for reused live addresses (perl's
    // forked children), which the .rep conversion did not have.
    EXPECT_EQ(a.op_count[static_cast<int>(Op::kFree)] - raw_trace.import.reused_live,
              b.op_count[static_cast<int>(Op::kFree)]);
    EXPECT_EQ(a.free_null, b.free_null);
  }
}

}  // namespace
}  // namespace heapreplay
