// The wee_alloc trace reader: Free by Alloc index, unmatched frees, the
// optional final comma, errors, and the real traces in
// ../shared/data/wee_alloc.
#include "traces/readers/wee_reader.h"

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

Trace wee(std::string_view text) { return read_wee(text, "x.trace"); }

std::vector<std::string> describe(const Trace& t) {
  std::vector<std::string> out;
  for (const Event& e : t.events)
    out.push_back(std::string(op_name(e.op)) + " " + std::to_string(e.id) + " " + std::to_string(e.size));
  return out;
}

TEST(WeeReader, FreeNamesTheIndexOfAnAllocLine) {
  Trace t = import_trace(fixture("sample-wee.trace"));
  EXPECT_EQ(t.format, "wee");
  EXPECT_EQ(describe(t), (std::vector<std::string>{"malloc 0 552", "malloc 1 120",
                                                   "free 0 0",    // Free(0)
                                                   "malloc 0 0",  // Alloc #2 takes the freed slot
                                                                  // Free(5): not allocated yet; Free(0): freed already
                                                   "malloc 2 4096",  // Alloc #3
                                                   "free 0 0",       // Free(2)
                                                   "free 1 0"}));    // Free(1), the last line, without its comma
  EXPECT_EQ(t.import.unmatched_free, 2u);
  EXPECT_EQ(t.import.reused_live, 0u);
  EXPECT_EQ(t.import.source_lines, 10u);
  EXPECT_EQ(summarize(t.view()).final_live_bytes, 4096u);  // never freed: a leak, as in the real traces
}

TEST(WeeReader, SpacingAndCrlf) {
  Trace t = wee("  Alloc(8) ,\r\nFree(0),  \r\n");
  EXPECT_EQ(describe(t), (std::vector<std::string>{"malloc 0 8", "free 0 0"}));
}

TEST(WeeReader, Errors) {
  expect_trace_error([] { wee("Alloc(1),\nMalloc(3),\n"); },
                     "x.trace:2: expected 'Alloc(<bytes>),' or 'Free(<index>),', found 'Malloc(3),'");
  expect_trace_error([] { wee("Alloc(12,\n"); }, "x.trace:1: missing ')' in 'Alloc(12,'");
  expect_trace_error([] { wee("Alloc(),\n"); }, "x.trace:1: expected a size in Alloc()");
  expect_trace_error([] { wee("Alloc( 1),\n"); }, "x.trace:1: expected a size in Alloc(), found ' 1'");
  expect_trace_error([] { wee("Free(-1),\n"); }, "x.trace:1: expected an index in Free(), found '-1'");
  expect_trace_error([] { wee("Alloc(99999999999999999999),\n"); },
                     "x.trace:1: '99999999999999999999' does not fit in 64 bits (expected a size in Alloc())");
  expect_trace_error([] { wee("Alloc(1),,\n"); }, "x.trace:1: unexpected ',' after the ')'");
  expect_trace_error([] { wee("Alloc(1) Free(0),\n"); }, "x.trace:1: unexpected 'Free(0),' after the ')'");
}

// Prefixes and mutants of a valid trace: each is refused with a message
// naming its line, or read into a trace that passes the fuzz targets' checks;
// a line other than "Alloc(N)" or "Free(N)", with or without its comma, must
// be refused.
TEST(WeeReader, TruncatedAndMutatedInputIsRefusedOrValid) {
  const std::string good = "Alloc(552),\nAlloc(120),\nFree(0),\nFree(1),\n";
  const std::regex shape("[ \t\r\v\f]*(Alloc|Free)\\([0-9]+\\)[ \t\r\v\f]*(,[ \t\r\v\f]*)?");
  testing::expect_refused_or_valid(
      good, std::string_view("0123456789(), \n\r\xff"), 11, 3000,
      [](std::string_view text, const std::string& path) { return read_wee(text, path); },
      [&](std::string_view input) { return testing::first_line_not_matching(input, shape); });
}

// ---- The real traces in ../shared/data/wee_alloc ----

struct WeeRow {
  const char* name;
  std::uint64_t allocs, frees, lines;  // counted from the files: Alloc lines, Free lines, all lines
};

constexpr WeeRow kTraces[] = {
    {"cpp-demangle.trace", 62, 40, 102},
    {"find.trace", 567, 563, 1130},
    {"grep-recursive.trace", 657, 619, 1276},
    {"ls.trace", 45, 37, 82},
};

TEST(WeeSharedData, CountsOfTheRealTraces) {
  HR_SHARED_FILE(dir, "wee_alloc");
  for (const WeeRow& row : kTraces) {
    SCOPED_TRACE(row.name);
    Trace t = import_trace(dir + "/" + row.name);
    EXPECT_EQ(t.format, "wee");
    EXPECT_EQ(t.import.source_lines, row.lines);
    EXPECT_EQ(count(t, Op::kMalloc), row.allocs);
    EXPECT_EQ(count(t, Op::kFree), row.frees);  // untracked frees were dropped by the recorder
    EXPECT_EQ(t.import.unmatched_free, 0u);
    EXPECT_GT(summarize(t.view()).final_live_bytes, 0u);  // not balanced: the programs leak
  }
}

}  // namespace
}  // namespace heapreplay
