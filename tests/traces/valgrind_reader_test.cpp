// The valgrind --trace-malloc=yes reader: a real log with the program's
// output mixed in and the calls valgrind prints in pieces, C++'s operators,
// forked children, malformed calls, and truncated and mutated logs.
#include "traces/readers/valgrind_reader.h"

#include <gtest/gtest.h>

#include "tests/traces/trace_test_util.h"
#include "traces/readers/import.h"

namespace heapreplay {
namespace {

using testing::count;
using testing::expect_trace_error;
using testing::fixture;

// sample-valgrind.log: valgrind 3.19 running a C program with stderr and
// stdout into one file (its pid replaced by 4242, the exit's run of
// free(NULL) lines shortened). The program's "partial" output comes before
// a valgrind line on the same line.
TEST(ValgrindReader, ARealLogMixedWithTheProgramsOutput) {
  Trace t = import_trace(fixture("sample-valgrind.log"));
  EXPECT_EQ(t.format, "valgrind");
  EXPECT_EQ(count(t, Op::kMalloc), 3u);   // realloc(NULL, 24)'s malloc, malloc(40), stdout's buffer
  EXPECT_EQ(count(t, Op::kCalloc), 1u);   // calloc(3, 10), left live
  EXPECT_EQ(count(t, Op::kAligned), 2u);  // aligned_alloc and posix_memalign, printed as memalign
  EXPECT_EQ(count(t, Op::kRealloc), 0u);  // realloc(p, 0)'s free is printed as a free
  EXPECT_EQ(count(t, Op::kFree), 8u);     // 3 of them free(NULL)
  EXPECT_EQ(summarize(t.view()).free_null, 3u);
  // A realloc that failed, a calloc that failed its overflow check (no
  // result printed), a malloc of 2^62.
  EXPECT_EQ(t.import.failed_in_source, 3u);
  EXPECT_EQ(summarize(t.view()).final_live_bytes, 30u);  // valgrind: "in use at exit: 30 bytes in 1 blocks"
  EXPECT_EQ(t.events[0].size, 24u);
  EXPECT_EQ(t.events[3].alignment(), 64u);
  EXPECT_EQ(t.import.unmatched_free, 0u);
}

TEST(ValgrindReader, CxxOperatorsAndQueries) {
  Trace t = read_valgrind(
      "--7-- _Znwm(4) = 0x4D70C80\n--7-- _ZdlPvm(0x4D70C80)\n--7-- _Znam(40) = 0x4D70CD0\n--7-- _ZdaPv(0x4D70CD0)\n"
      "--7-- _ZnwmSt11align_val_t(size 64, al 64) = 0x4D70D80\n--7-- malloc_usable_size(0x4D70D80) = 64\n"
      "--7-- _ZdlPvmSt11align_val_t(0x4D70D80)\n--7-- realloc(0x0,8)malloc(8) = 0x10\n--7-- realloc(0x10,16) = 0x20\n",
      "mem");
  EXPECT_EQ(count(t, Op::kMalloc), 3u);
  EXPECT_EQ(count(t, Op::kAligned), 1u);
  EXPECT_EQ(count(t, Op::kFree), 3u);
  EXPECT_EQ(count(t, Op::kRealloc), 1u);
  EXPECT_EQ(t.events[4].alignment(), 64u);
  EXPECT_EQ(t.import.failed_in_source, 0u);
}

TEST(ValgrindReader, OnlyTheFirstProcessAndOnlyItsCalls) {
  Trace t = read_valgrind(
      "==9== Memcheck, a memory error detector\n--9-- Reading syms from /bin/true\nhello from the program\n"
      "--9-- malloc(10) = 0x100\n--10-- malloc(20) = 0x200\n--10-- free(0x100)\n--9-- free(0x100)\n",
      "mem");
  ASSERT_EQ(t.events.size(), 2u);
  EXPECT_EQ(t.events[0].size, 10u);
}

TEST(ValgrindReader, MalformedCallsNameTheirPlace) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"--1-- malloc(x) = 0x10\n", "mem:1: expected a decimal size, found 'x'"},
      {"--1-- malloc(16\n", "mem:1: the call 'malloc(16' has no closing parenthesis"},
      {"--1-- malloc(16) = 0xzz\n", "mem:1: expected a result after ' = ', found '0xzz'"},
      {"--1-- malloc(16) = 12\n", "mem:1: expected a pointer in hex after ' = ', found '12'"},
      {"--1-- free(16)\n", "mem:1: expected a pointer in hex, found '16'"},
      {"--1-- calloc(1)\n", "mem:1: expected a decimal element size"},
      {"--1-- memalign(64, size 8) = 0x40\n", "mem:1: expected 'al N' (the alignment), found '64'"},
      {"--1-- malloc(1,2) = 0x40\n", "mem:1: unexpected '2' after the arguments"},
      {"--1--  = 0x40\n", "mem:1: a result '0x40' with no call before it"},
      {"--1-- malloc(8) = 0x40 sbrk(3)\n", "mem:1: expected a malloc-family call or ' = RESULT', found 'sbrk(3)'"},
      {"--1-- free(0x10)\n--1-- malloc(8)", "mem:2: the log ends before the result of malloc(...) (a truncated file?)"},
      {"==1== Memcheck\n", "mem: no '--PID-- ' line: not a valgrind --trace-malloc=yes log"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    expect_trace_error([&] { read_valgrind(c.text, "mem"); }, c.message);
  }
}

TEST(ValgrindReader, SniffsValgrindLines) {
  EXPECT_EQ(detect_format("==123== Memcheck, a memory error detector\n", "mem"), TraceFormat::kValgrind);
  EXPECT_EQ(detect_format("--123-- malloc(16) = 0x4A5B040\n", "mem"), TraceFormat::kValgrind);
  EXPECT_EQ(detect_format("program output\n--123-- malloc(16) = 0x4A5B040\n", "mem"), TraceFormat::kValgrind);
  EXPECT_THROW(detect_format("program output\n--123-- hello\n", "mem"), TraceError);
}

// Prefixes and mutants of a log: each is refused with a message naming its
// line, or read into a trace that passes the fuzz targets' checks. (Any line
// may be the program's own output, so no line is refused for its shape.)
TEST(ValgrindReader, TruncatedAndMutatedInputIsRefusedOrValid) {
  const std::string good =
      "==42== Memcheck\n--42-- malloc(16) = 0x4A43040\nout--42-- calloc(4,8) = 0x4A43090\n"
      "--42-- realloc(0x4A43040,0)free(0x4A43040)\n--42--  = 0\n--42-- realloc(0x4A43090,64) = 0x4A43100\n"
      "--42-- memalign(al 64, size 128) = 0x4A43200\n--42-- free(0x4A43100)\n--42-- free(0x0)\n";
  testing::expect_refused_or_valid(
      good, "0123456789x(),=- \n", 23, 3000,
      [](std::string_view text, const std::string& path) { return read_valgrind(text, path); },
      [](std::string_view) { return testing::kNoClaim; });
}

}  // namespace
}  // namespace heapreplay
