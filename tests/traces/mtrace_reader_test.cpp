// The glibc mtrace log reader: caller shapes, hex fields, realloc pairs,
// failed calls, unmatched frees, reused addresses, errors, and the real logs
// in ../shared/data/mtrace when present.
#include "traces/readers/mtrace_reader.h"

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

Trace mt(std::string_view text) { return read_mtrace(text, "x.mtrace"); }

std::vector<std::string> describe(const Trace& t) {
  std::vector<std::string> out;
  for (const Event& e : t.events)
    out.push_back(std::string(op_name(e.op)) + " " + (e.id == kNoObject ? "-" : std::to_string(e.id)) + " " +
                  std::to_string(e.size));
  return out;
}

TEST(MtraceReader, FixtureWithEveryRecordKind) {
  Trace t = import_trace(fixture("sample.mtrace"));  // detected by content
  EXPECT_EQ(t.format, "mtrace");
  EXPECT_EQ(describe(t), (std::vector<std::string>{"malloc 0 16", "malloc 1 5",
                                                   "malloc 2 0",      // size "0": %#lx prints zero without 0x
                                                   "realloc 0 4096",  // the '<' '>' pair, new address
                                                   "free 1 0",     // "- 0x7777" after it was never allocated: skipped
                                                   "free 2 0",     // 0x55d0e0 handed out again while live: the
                                                   "malloc 2 32",  //   missed free comes first (kFreeOld)
                                                   "malloc 1 48",  // a record with no caller
                                                   "free 1 0",     // a caller whose file name has a space
                                                   "free 0 0"}));  // __libc_freeres at exit
  EXPECT_EQ(t.import.unmatched_free, 1u);
  EXPECT_EQ(t.import.failed_in_source, 2u);  // '!' and "+ (nil)"
  EXPECT_EQ(t.import.reused_live, 1u);
  EXPECT_EQ(t.import.unmatched_realloc, 0u);
  EXPECT_EQ(t.import.source_lines, 15u);
  EXPECT_EQ(t.object_count, 3u);
  EXPECT_EQ(summarize(t.view()).final_live_bytes, 32u);  // 0x55d0e0 is never freed
}

TEST(MtraceReader, ReallocOfUnknownAndNullBlocks) {
  Trace t = mt("@ [0x1] < 0xabc\n@ [0x1] > 0x100 0x20\n@ [0x1] < (nil)\n@ [0x1] > 0x200 0x30\n");
  EXPECT_EQ(describe(t), (std::vector<std::string>{"realloc 0 32", "realloc 1 48"}));
  EXPECT_EQ(t.import.unmatched_realloc, 1u);  // 0xabc; (nil) is a plain realloc(NULL)
}

TEST(MtraceReader, ReallocToZeroAndNullResults) {
  // glibc logs realloc(p, 0) as "- p"; a "> p 0" would free the old block too.
  Trace t = mt("@ [0x1] + 0x10 0x8\n@ [0x1] < 0x10\n@ [0x1] > 0x10 0\n- (nil)\n@ [0x1] < 0x20\n@ [0x1] > (nil) 0x8\n");
  EXPECT_EQ(describe(t), (std::vector<std::string>{"malloc 0 8", "realloc 0 0", "free - 0"}));
  EXPECT_EQ(t.import.failed_in_source, 1u);
}

TEST(MtraceReader, CrlfUppercaseHexAndSpacing) {
  Trace t = mt("= Start\r\n@ [0x1]  +  0X55D0A0\t0X1F  \r\n\r\n@ [0x1] - 0x55d0a0\r\n= End\r\n");
  EXPECT_EQ(describe(t), (std::vector<std::string>{"malloc 0 31", "free 0 0"}));
}

TEST(MtraceReader, SeveralSessionsAndAnEmptyLog) {
  EXPECT_TRUE(mt("").events.empty());
  Trace t = mt("= Start\n+ 0x10 0x1\n= End\n= Start\n- 0x10\n= End\n");
  EXPECT_EQ(t.events.size(), 2u);
}

TEST(MtraceReader, Errors) {
  expect_trace_error([] { mt("@ [0x1] < 0x10\n@ [0x1] + 0x20 0x5\n"); },
                     "x.mtrace:2: '<' on line 1 is not followed by its '>'");
  expect_trace_error([] { mt("@ [0x1] < 0x10\n\n@ [0x1] > 0x20 0x5\n"); },
                     "x.mtrace:2: '<' on line 1 is not followed by its '>'");
  expect_trace_error([] { mt("@ [0x1] < 0x10\n= End\n"); }, "x.mtrace:2: '<' on line 1 is not followed by its '>'");
  expect_trace_error([] { mt("@ [0x1] < 0x10\n@ [0x1] < 0x20\n"); },
                     "x.mtrace:2: '<' on line 1 is not followed by its '>'");
  expect_trace_error([] { mt("= Start\n@ [0x1] < 0x10\n"); },
                     "x.mtrace:2: '<' is not followed by its '>' (the log ends)");
  expect_trace_error([] { mt("@ [0x1] > 0x10 0x5\n"); }, "x.mtrace:1: '>' without a '<' on the line before");
  expect_trace_error([] { mt("@ [0x1] + 0x10\n"); }, "x.mtrace:1: expected a size after '+ 0x10'");
  expect_trace_error([] { mt("@ [0x1] * 0x10 0x5\n"); },
                     "x.mtrace:1: expected '@ <caller> <op> <pointer> [<size>]' with op one of + - < > !, found "
                     "'@ [0x1] * 0x10 0x5'");
  expect_trace_error([] { mt("0x10\n"); },
                     "x.mtrace:1: expected '@ <caller> <op> <pointer> [<size>]' with op one of + - < > !, found "
                     "'0x10'");
  expect_trace_error([] { mt("@ [0x1] + zz 0x5\n"); }, "x.mtrace:1: expected a pointer, found 'zz'");
  expect_trace_error([] { mt("@ [0x1] - 123\n"); }, "x.mtrace:1: expected a pointer, found '123'");
  expect_trace_error([] { mt("@ [0x1] + 0x10 0xzz\n"); }, "x.mtrace:1: expected a hex size, found '0xzz'");
  expect_trace_error([] { mt("@ [0x1] + 0x10 0x10000000000000000\n"); },
                     "x.mtrace:1: '0x10000000000000000' does not fit in 64 bits (expected a hex size)");
  expect_trace_error([] { mt("@ [0x1] + 0x1ffffffffffffffff 0x1\n"); },
                     "x.mtrace:1: '0x1ffffffffffffffff' does not fit in 64 bits (expected a pointer)");
  expect_trace_error([] { mt("= Begin\n"); }, "x.mtrace:1: unknown line '= Begin' (expected '= Start' or '= End')");
  expect_trace_error([] { mt("x [0x1] + 0x10 0x5\n"); },
                     "x.mtrace:1: expected '@ <caller>' before the op, found 'x [0x1]'");
}

// Prefixes and mutants of a valid log: each is refused with a message naming
// its line, or read into a trace that passes the fuzz targets' checks; a
// line other than "= Start", "= End" or a record ("@ caller" or nothing, then
// "+ P S", "> P S", "! P S", "- P" or "< P", P hex or (nil), S hex) must be
// refused.
TEST(MtraceReader, TruncatedAndMutatedInputIsRefusedOrValid) {
  const std::string good = "= Start\n@ a:(f+1)[0x1] + 0x10 0x5\n@ [0x2] < 0x10\n@ [0x2] > 0x20 0x8\n- 0x20\n= End\n";
  const std::string w = "[ \t\r\v\f]+", p = "(\\(nil\\)|0[xX][0-9a-fA-F]+)", s = "(0[xX])?[0-9a-fA-F]+";
  const std::regex shape("[ \t\r\v\f]*(= Start|= End|(@ [\\s\\S]*" + w + ")?([-<]" + w + p + "|[+>!]" + w + p + w + s +
                         "))[ \t\r\v\f]*");
  testing::expect_refused_or_valid(
      good, std::string_view("0x1f @+-<>!=[]( )\n\r\xff"), 7, 3000,
      [](std::string_view text, const std::string& path) { return read_mtrace(text, path); },
      [&](std::string_view input) { return testing::first_line_not_matching(input, shape); });
}

// ---- The real logs in ../shared/data/mtrace (skipped when absent) ----

struct MtraceRow {
  const char* name;
  std::uint64_t lines, plus, minus, realloc_pairs, peak, final_bytes;
};

// Counted from the logs themselves: '+' lines, '-' lines, '<' '>' pairs.
// None has '!' lines, unmatched frees or reused live addresses.
constexpr MtraceRow kLogs[] = {
    {"awk-services.mtrace", 108, 60, 42, 2, 50839, 39080},
    {"sed-services.mtrace", 1479, 765, 700, 6, 49094, 27768},
    {"sort-r-etc-services.mtrace", 430, 220, 206, 1, 849796, 200},
};

TEST(MtraceSharedData, CountsOfTheRealLogs) {
  HR_SHARED_FILE(dir, "mtrace");
  for (const MtraceRow& row : kLogs) {
    SCOPED_TRACE(row.name);
    Trace t = import_trace(dir + "/" + row.name);
    EXPECT_EQ(t.format, "mtrace");
    EXPECT_EQ(t.import.source_lines, row.lines);
    EXPECT_EQ(count(t, Op::kMalloc), row.plus);
    EXPECT_EQ(count(t, Op::kFree), row.minus);
    EXPECT_EQ(count(t, Op::kRealloc), row.realloc_pairs);
    EXPECT_EQ(t.import.unmatched_free + t.import.unmatched_realloc + t.import.reused_live, 0u);
    EXPECT_EQ(t.import.failed_in_source, 0u);
    TraceSummary s = summarize(t.view());
    EXPECT_EQ(s.peak_live_bytes, row.peak);
    EXPECT_EQ(s.final_live_bytes, row.final_bytes);
  }
}

}  // namespace
}  // namespace heapreplay
