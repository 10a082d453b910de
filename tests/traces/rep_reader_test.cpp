// The malloc-lab .rep reader: all three header generations, every quirk the
// data README lists (on inputs of our own), exact error messages, and the
// per-trace counts of the real files when ../shared/data is there.
#include "traces/readers/rep_reader.h"

#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "tests/traces/trace_test_util.h"
#include "traces/readers/import.h"
#include "traces/readers/mapped_file.h"

namespace heapreplay {
namespace {

using testing::count;
using testing::expect_trace_error;
using testing::fixture;

Trace rep(std::string_view text, RepHeader* h = nullptr) { return read_rep(text, "x.rep", h); }

Trace rep_file(const std::string& path, RepHeader* h) {
  MappedFile f(path);
  return read_rep(f.text(), path, h);
}

// "op id size" per event, kNoObject as "-", to compare whole traces at once.
std::vector<std::string> describe(const Trace& t) {
  std::vector<std::string> out;
  for (const Event& e : t.events)
    out.push_back(std::string(op_name(e.op)) + " " + (e.id == kNoObject ? "-" : std::to_string(e.id)) + " " +
                  std::to_string(e.size));
  return out;
}

TEST(RepReader, ClassicExampleFromTheTracesReadme) {
  RepHeader h;
  Trace t = rep_file(fixture("classic.rep"), &h);
  EXPECT_TRUE(h.classic);
  EXPECT_EQ(h.suggested_heap_bytes, 20000u);
  EXPECT_EQ(h.num_ids, 3u);
  EXPECT_EQ(h.num_ops, 8u);
  EXPECT_EQ(h.weight, 1u);
  EXPECT_EQ(h.cmu_line4, 0u);
  EXPECT_EQ(t.format, "rep");
  EXPECT_EQ(t.import.source_lines, 12u);
  EXPECT_EQ(describe(t), (std::vector<std::string>{"malloc 0 512", "malloc 1 128", "realloc 0 640", "malloc 2 128",
                                                   "free 1 0", "realloc 0 768", "free 0 0", "free 2 0"}));
  EXPECT_EQ(t.object_count, 3u);
  EXPECT_EQ(t.thread_count, 1u);
  EXPECT_TRUE(t.timestamps_ns.empty());
  TraceSummary s = summarize(t.view());
  EXPECT_EQ(s.peak_live_bytes, 896u);  // the README's "maximum allocation of 896 bytes"
  EXPECT_EQ(s.final_live_bytes, 0u);
}

TEST(RepReader, ImportDetectsRepByContent) {
  Trace t = import_trace(fixture("classic.rep"));
  EXPECT_EQ(t.format, "rep");
  EXPECT_EQ(t.events.size(), 8u);
}

// corners.rep's cases plus alaska's missing size, a 64-bit size, trailing
// spaces, blank lines and an op line past num_ops, in one file of our own.
TEST(RepReader, CmuQuirks) {
  RepHeader h;
  Trace t = rep_file(fixture("cmu-quirks.rep"), &h);
  EXPECT_FALSE(h.classic);
  EXPECT_EQ(h.weight, 0u);
  EXPECT_EQ(h.num_ids, 12u);
  EXPECT_EQ(h.num_ops, 16u);
  EXPECT_EQ(h.cmu_line4, 1u);
  EXPECT_EQ(h.suggested_heap_bytes, 0u);
  EXPECT_EQ(describe(t),
            (std::vector<std::string>{"free - 0",  // f -1
                                      "malloc 0 1", "malloc 1 52428800",
                                      "realloc 2 10",  // r 6 10: id never allocated, realloc(NULL, 10)
                                      "malloc 3 100", "realloc 3 200", "malloc 4 100", "realloc 4 50", "malloc 5 100",
                                      "realloc 5 100", "malloc 6 100",
                                      "realloc 6 0",  // r 10 0 frees id 10; the "f 10" after it is unmatched
                                      "malloc 6 4294967296",
                                      "malloc 7 4294967296",  // "a 3" with no size: the previous op's size
                                      "free 6 0"}));
  EXPECT_EQ(t.import.unmatched_realloc, 1u);
  EXPECT_EQ(t.import.unmatched_free, 1u);
  EXPECT_EQ(t.import.missing_size, 1u);
  EXPECT_EQ(t.import.ignored_lines, 1u);  // "a 5 99", op 17 of 16
  EXPECT_EQ(t.import.reused_live, 0u);
  EXPECT_EQ(t.import.source_lines, 23u);
  TraceSummary s = summarize(t.view());
  EXPECT_EQ(s.free_null, 1u);
  EXPECT_EQ(s.max_request_bytes, 4294967296u);
  EXPECT_EQ(s.peak_live_bytes, 8642363753u);
  EXPECT_EQ(s.final_live_bytes, 4347396457u);
}

TEST(RepReader, CrlfTabsAndHeaderOnOneLine) {
  Trace a = rep("0\r\n2\r\n3\r\n0\r\na 0 10\r\na\t1\t20 \r\nf 0\r\n");
  Trace b = rep("0 2 3 0\n\n  a 0 10\na 1 20\n\nf 0");  // no final newline
  EXPECT_EQ(describe(a), (std::vector<std::string>{"malloc 0 10", "malloc 1 20", "free 0 0"}));
  EXPECT_EQ(describe(a), describe(b));
  EXPECT_EQ(a.import.source_lines, 7u);
  EXPECT_EQ(b.import.source_lines, 6u);
}

TEST(RepReader, HeaderGenerations) {
  RepHeader h;
  rep("4\n1\n1\n1\na 0 1\n", &h);  // 4 > 3: a heap size, so classic
  EXPECT_TRUE(h.classic);
  EXPECT_EQ(h.suggested_heap_bytes, 4u);
  EXPECT_EQ(h.weight, 1u);
  rep("3\n1\n1\n0\na 0 1\n", &h);  // 3: a CMU weight
  EXPECT_FALSE(h.classic);
  EXPECT_EQ(h.weight, 3u);
  EXPECT_EQ(h.cmu_line4, 0u);
  rep("1\n1\n1\n38654727413\na 0 1\n", &h);  // 2016: max_alloc above 32 bits
  EXPECT_FALSE(h.classic);
  EXPECT_EQ(h.weight, 1u);
  EXPECT_EQ(h.cmu_line4, 38654727413u);
}

TEST(RepReader, ReusedLiveIdLeaksTheOldBlock) {
  Trace t = rep("1\n1\n3\n0\na 0 10\na 0 20\nf 0\n");
  EXPECT_EQ(t.import.reused_live, 1u);
  EXPECT_EQ(describe(t), (std::vector<std::string>{"malloc 0 10", "malloc 1 20", "free 1 0"}));
  EXPECT_EQ(summarize(t.view()).final_live_bytes, 10u);
}

TEST(RepReader, SixtyFourBitSizes) {
  Trace t = rep("0\n1\n2\n0\na 0 18446744073709551615\nr 0 36507238400\n");
  EXPECT_EQ(t.events[0].size, 18446744073709551615u);
  EXPECT_EQ(t.events[1].size, 36507238400u);
}

TEST(RepReader, ZeroOpsAndExtraLinesAreIgnored) {
  Trace t = rep("1\n5\n0\n0\na 0 1\ngarbage that is never read\n");
  EXPECT_TRUE(t.events.empty());
  EXPECT_EQ(t.import.ignored_lines, 2u);
}

TEST(RepReader, MissingSizesRepeatTheLastSizeOfAnyOp) {
  // The size variable survives f ops, and r ops set it too. "a\t3" takes the
  // reader's general path, the others its fast one: both must agree.
  Trace t = rep("0\n4\n7\n0\na 0 10\nr 0 30\nf 0\na 1\nr 1\na 2 \na\t3\n");
  EXPECT_EQ(describe(t), (std::vector<std::string>{"malloc 0 10", "realloc 0 30", "free 0 0", "malloc 0 30",
                                                   "realloc 0 30", "malloc 1 30", "malloc 2 30"}));
  EXPECT_EQ(t.import.missing_size, 4u);
}

TEST(RepReader, IrregularSpacingReadsLikePlainLines) {
  Trace plain = rep("0\n3\n4\n0\na 0 10\na 1 20\nr 0 30\nf 1\n");
  Trace odd = rep("0\n3\n4\n0\na  0\t10\n\ta 1 20\nr 0  30 \nf\t1\n");
  EXPECT_EQ(describe(odd), describe(plain));
}

TEST(RepReader, Errors) {
  const std::string h = "0\n10\n2\n0\n";
  expect_trace_error([&] { rep(h + "x 1 2\na 1 2\n"); }, "x.rep:5: unknown op 'x' (expected a, r or f)");
  expect_trace_error([&] { rep(h + "alloc 1 2\na 1 2\n"); }, "x.rep:5: unknown op 'alloc' (expected a, r or f)");
  expect_trace_error([&] { rep(h + "a 1 2\na 10 2\n"); }, "x.rep:6: id 10 out of range (num_ids is 10)");
  expect_trace_error([&] { rep(h + "a 5\na 1 2\n"); }, "x.rep:5: expected a size after 'a 5'");
  expect_trace_error([&] { rep(h + "a 1 12x\n"); }, "x.rep:5: expected a size after 'a 1', found '12x'");
  expect_trace_error([&] { rep(h + "a 1 -4\n"); }, "x.rep:5: expected a size after 'a 1', found '-4'");
  expect_trace_error([&] { rep(h + "a 1 18446744073709551616\n"); },
                     "x.rep:5: '18446744073709551616' does not fit in 64 bits (expected a size after 'a 1')");
  expect_trace_error([&] { rep(h + "a 1 2 3\n"); }, "x.rep:5: unexpected '3' after 'a 1 2'");
  expect_trace_error([&] { rep(h + "f\n"); }, "x.rep:5: expected an id after 'f'");
  expect_trace_error([&] { rep(h + "f -2\n"); }, "x.rep:5: expected an id after 'f', found '-2'");
  expect_trace_error([&] { rep(h + "a -1 5\n"); }, "x.rep:5: expected an id after 'a', found '-1'");
  expect_trace_error([&] { rep(h + "f 1 1\n"); }, "x.rep:5: unexpected '1' after 'f 1'");
  expect_trace_error([&] { rep(h + "f -1 x\n"); }, "x.rep:5: unexpected 'x' after 'f -1'");
  expect_trace_error([&] { rep(h + "a 1 2\n"); }, "x.rep: expected 2 ops, found 1");
  expect_trace_error([&] { rep(h); }, "x.rep: expected 2 ops, found 0");
  expect_trace_error([&] { rep(""); }, "x.rep: the header has 0 of its 4 numbers");
  expect_trace_error([&] { rep("1\n2\n3\n"); }, "x.rep: the header has 3 of its 4 numbers");
  expect_trace_error([&] { rep("1\nabc\n3\n4\n"); }, "x.rep:2: expected header number 2 of 4, found 'abc'");
  expect_trace_error([&] { rep("1 2 3 4 a 0 1\n"); }, "x.rep:1: unexpected 'a' after the header");
  expect_trace_error([&] { rep("99999999999999999999\n1\n1\n1\n"); },
                     "x.rep:1: '99999999999999999999' does not fit in 64 bits (expected header number 1 of 4)");
  expect_trace_error([&] { rep(h + std::string("a 1 \x01\xff", 6) + "\n"); },
                     "x.rep:5: expected a size after 'a 1', found '?"
                     "?'");  // split: not a trigraph
}

// Prefixes and mutants of a valid trace: each is refused with a message
// naming its line, or read into a trace that passes the fuzz targets' checks.
// The test reads the format itself where the header is the good one's (12
// ids, 7 ops): the next 7 non-blank lines must each be an op on an id below
// 12 ("a 3" may leave out its size), and fewer than 7 must be refused.
TEST(RepReader, TruncatedAndMutatedInputIsRefusedOrValid) {
  const std::string header = "0\n12\n7\n1\n";
  const std::string good = header + "f -1\na 1 1\na 2 52428800\nr 6 10\nr 10 0\nf 10\na 3\n";
  const std::regex op(
      "[ \t\r\v\f]*(f[ \t\r\v\f]+-1|f[ \t\r\v\f]+0*(1[01]|[0-9])|[ar][ \t\r\v\f]+0*(1[01]|[0-9])"
      "([ \t\r\v\f]+[0-9]+)?)[ \t\r\v\f]*");
  auto first_bad_line = [&](std::string_view input) -> std::uint64_t {
    if (!input.starts_with(header)) return testing::kNoClaim;
    std::uint64_t number = 4, ops = 0;
    input.remove_prefix(header.size());
    while (!input.empty() && ops < 7) {
      const std::size_t nl = input.find('\n');
      const std::string line(input.substr(0, nl));
      input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
      ++number;
      if (line.find_first_not_of(" \t\r\v\f") == std::string::npos) continue;
      if (!std::regex_match(line, op)) return number;
      ++ops;
    }
    return ops < 7 ? testing::kRefusedAnywhere : testing::kNoClaim;
  };
  testing::expect_refused_or_valid(
      good, std::string_view("0123456789 \n\r\t-arfx\xff"), 42, 3000,
      [](std::string_view text, const std::string& path) { return read_rep(text, path); }, first_bad_line);
}

// ---- The real traces in ../shared/data (skipped when absent) ----

struct ClassicRow {
  const char* name;
  std::uint64_t header[4];
  std::uint64_t a, r, f, free_null, largest;
};

// The per-trace table of malloclab-classic in ../shared/data/README.md.
constexpr ClassicRow kClassic[] = {
    {"amptjp-bal.rep", {3000000, 2847, 5694, 1}, 2847, 0, 2847, 0, 10852},
    {"binary-bal.rep", {2048100, 6000, 12000, 1}, 6000, 0, 6000, 0, 512},
    {"binary2-bal.rep", {1024100, 12000, 24000, 1}, 12000, 0, 12000, 0, 128},
    {"cccp-bal.rep", {3000000, 2924, 5848, 1}, 2924, 0, 2924, 0, 21604},
    {"coalescing-bal.rep", {19656100, 7200, 14400, 1}, 7200, 0, 7200, 0, 8190},
    {"cp-decl-bal.rep", {4000000, 3324, 6648, 1}, 3324, 0, 3324, 0, 21604},
    {"expr-bal.rep", {4000000, 2690, 5380, 1}, 2690, 0, 2690, 0, 43108},
    {"random-bal.rep", {39837156, 2400, 4800, 1}, 2400, 0, 2400, 0, 32739},
    {"random2-bal.rep", {38748551, 2400, 4800, 1}, 2400, 0, 2400, 0, 32755},
    {"realloc-bal.rep", {100, 4801, 14401, 1}, 4801, 4799, 4801, 0, 614784},
    {"realloc2-bal.rep", {104987, 4801, 14401, 1}, 4801, 4799, 4801, 0, 28087},
    {"short1-bal.rep", {20000, 6, 12, 1}, 6, 0, 6, 0, 4072},
    {"short2-bal.rep", {20000, 6, 12, 1}, 6, 0, 6, 0, 4072},
};

TEST(RepSharedData, ClassicCountsMatchTheReadmeTable) {
  HR_SHARED_FILE(dir, "malloclab-classic");
  for (const ClassicRow& row : kClassic) {
    SCOPED_TRACE(row.name);
    RepHeader h;
    Trace t = rep_file(dir + "/" + row.name, &h);
    EXPECT_TRUE(h.classic);
    EXPECT_EQ(h.suggested_heap_bytes, row.header[0]);
    EXPECT_EQ(h.num_ids, row.header[1]);
    EXPECT_EQ(h.num_ops, row.header[2]);
    EXPECT_EQ(h.weight, row.header[3]);
    TraceSummary s = summarize(t.view());
    EXPECT_EQ(s.op_count[static_cast<int>(Op::kMalloc)], row.a);
    EXPECT_EQ(s.op_count[static_cast<int>(Op::kRealloc)], row.r);
    EXPECT_EQ(s.op_count[static_cast<int>(Op::kFree)], row.f);
    EXPECT_EQ(s.free_null, row.free_null);
    EXPECT_EQ(s.max_request_bytes, row.largest);
    EXPECT_EQ(s.events, row.header[2]);  // every op line became one event
    EXPECT_EQ(s.final_live_bytes, 0u);   // balanced
    EXPECT_EQ(t.import.unmatched_free + t.import.unmatched_realloc + t.import.reused_live, 0u);
    EXPECT_EQ(t.import.missing_size + t.import.ignored_lines, 0u);
  }
}

TEST(RepSharedData, AlaskaMissingSizesAndExtraOp) {
  HR_SHARED_FILE(path, "malloclab-cmu/alaska.rep");
  RepHeader h;
  Trace t = rep_file(path, &h);
  EXPECT_FALSE(h.classic);
  EXPECT_EQ(h.num_ids, 50u);
  EXPECT_EQ(h.num_ops, 100000u);
  // 29,924 "a 7 " lines have no size; the last of them is the 100,001st op
  // line, which the drivers (and we) never read.
  EXPECT_EQ(t.import.missing_size, 29923u);
  EXPECT_EQ(t.import.ignored_lines, 1u);
  EXPECT_EQ(t.import.source_lines, 100005u);
  EXPECT_EQ(count(t, Op::kMalloc), 50011u);
  EXPECT_EQ(count(t, Op::kFree), 49989u);
  TraceSummary s = summarize(t.view());
  EXPECT_EQ(s.max_request_bytes, 1234u);
  EXPECT_EQ(s.peak_live_bytes, 31664u);
  EXPECT_EQ(s.final_live_bytes, 3328u);
}

TEST(RepSharedData, CornersTrace) {
  HR_SHARED_FILE(path, "malloclab-cmu/corners.rep");
  Trace t = rep_file(path, nullptr);
  EXPECT_EQ(summarize(t.view()).free_null, 1u);  // f -1
  EXPECT_EQ(t.import.unmatched_realloc, 1u);     // r 6 10
  EXPECT_EQ(count(t, Op::kMalloc), 9u);
  EXPECT_EQ(count(t, Op::kRealloc), 5u);
  EXPECT_EQ(summarize(t.view()).max_request_bytes, 52428800u);  // a 5 52428800
  bool realloc_to_zero = false;
  for (const Event& e : t.events) realloc_to_zero |= e.op == Op::kRealloc && e.size == 0;  // r 10 0
  EXPECT_TRUE(realloc_to_zero);
}

TEST(RepSharedData, CmuExtraOpLinesAndFreeNull) {
  HR_SHARED_FILE(dir, "malloclab-cmu");
  Trace lrucd = rep_file(dir + "/lrucd.rep", nullptr);  // 201 op lines for num_ops = 200
  EXPECT_EQ(lrucd.events.size(), 200u);
  EXPECT_EQ(lrucd.import.ignored_lines, 1u);
  Trace perl = rep_file(dir + "/perl.rep", nullptr);
  EXPECT_EQ(summarize(perl.view()).free_null, 1u);
  EXPECT_EQ(count(perl, Op::kMalloc), 1018u);
  EXPECT_EQ(count(perl, Op::kRealloc), 83u);
  EXPECT_EQ(perl.import.unmatched_realloc, 7u);  // realloc(NULL) calls of the recording
}

// Every file of the CMU set reads, with the CMU header order.
TEST(RepSharedData, EveryCmuFileReads) {
  HR_SHARED_FILE(dir, "malloclab-cmu");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".rep") continue;
    SCOPED_TRACE(entry.path().string());
    RepHeader h;
    Trace t = rep_file(entry.path().string(), &h);
    EXPECT_FALSE(h.classic);
    EXPECT_LE(h.weight, 3u);
    EXPECT_EQ(import_trace(entry.path().string()).events.size(), t.events.size());  // detected as rep
    ++files;
  }
  EXPECT_EQ(files, 18);
}

// CMU 2016: line 4 is max_alloc, the peak live payload (realloc counting the
// new size), which is exactly what summarize() computes.
TEST(RepSharedData, Cmu2016MaxAllocIsThePeakLiveBytes) {
  HR_SHARED_FILE(dir, "malloclab-cmu-2016");
  for (const char* name : {"bdd-aa4.rep", "cbit-abs.rep", "ngram-fox1.rep", "ngram-gulliver1.rep",
                           "syn-array-short.rep", "syn-largemem-short.rep", "syn-mix-realloc.rep", "syn-mix-short.rep",
                           "syn-string-short.rep", "syn-struct-short.rep"}) {
    SCOPED_TRACE(name);
    RepHeader h;
    Trace t = rep_file(dir + "/" + name, &h);
    EXPECT_FALSE(h.classic);
    EXPECT_EQ(summarize(t.view()).peak_live_bytes, h.cmu_line4);
  }
  RepHeader h;
  Trace big = rep_file(dir + "/syn-largemem-short.rep", &h);
  EXPECT_EQ(h.cmu_line4, 38654727413u);
  EXPECT_EQ(summarize(big.view()).max_request_bytes, 36507238400u);
  EXPECT_EQ(big.events.size(), 42u);
}

}  // namespace
}  // namespace heapreplay
