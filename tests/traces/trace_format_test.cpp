// Format names, content detection, TraceError's message shape, and
// import_trace's dispatch and file errors. Also throws random bytes at every
// reader: each must refuse them with a one-line message naming the place, or
// give a trace that passes the fuzz targets' checks.
#include "traces/readers/trace_format.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "tests/traces/trace_test_util.h"
#include "traces/readers/import.h"
#include "traces/readers/mapped_file.h"

namespace heapreplay {
namespace {

using testing::expect_trace_error;
using testing::fixture;

constexpr TraceFormat kAll[] = {
    TraceFormat::kHrt,  TraceFormat::kRep,     TraceFormat::kMtrace,    TraceFormat::kRaw,    TraceFormat::kWee,
    TraceFormat::kText, TraceFormat::kAndroid, TraceFormat::kHeaptrack, TraceFormat::kUmpire, TraceFormat::kValgrind};

TraceFormat detect(std::string_view head) { return detect_format(head, "x"); }

TEST(TraceError, MessageNamesThePlace) {
  TraceError with_line("a/b.rep", 17, "expected a size after 'a 5'");
  EXPECT_STREQ(with_line.what(), "a/b.rep:17: expected a size after 'a 5'");
  EXPECT_EQ(with_line.path(), "a/b.rep");
  EXPECT_EQ(with_line.line(), 17u);
  EXPECT_EQ(with_line.message(), "expected a size after 'a 5'");
  TraceError whole_file("x.rep", 0, "cannot open: No such file or directory");
  EXPECT_STREQ(whole_file.what(), "x.rep: cannot open: No such file or directory");
  EXPECT_EQ(whole_file.line(), 0u);
  const std::runtime_error& base = whole_file;  // catchable as the standard type
  EXPECT_STREQ(base.what(), "x.rep: cannot open: No such file or directory");
}

TEST(TraceFormat, NamesRoundTrip) {
  const char* names[] = {"hrt", "rep", "mtrace", "raw", "wee", "text", "android", "heaptrack", "umpire", "valgrind"};
  for (int i = 0; i < 10; ++i) {
    EXPECT_STREQ(format_name(kAll[i]), names[i]);
    EXPECT_EQ(format_from_name(names[i]), kAll[i]);
  }
  EXPECT_EQ(format_from_name("REP"), std::nullopt);
  EXPECT_EQ(format_from_name(""), std::nullopt);
  EXPECT_EQ(format_from_name("rep "), std::nullopt);
  EXPECT_EQ(format_names(), "hrt, rep, mtrace, raw, wee, text, android, heaptrack, umpire, valgrind");
}

// The table's rows agree with the enum, the names and each other, and no
// sniffer claims a head with nothing in it (detect_format would then name a
// format for an empty file).
TEST(TraceFormat, TableRowsAreConsistent) {
  ASSERT_EQ(trace_formats().size(), std::size(kAll));
  std::set<std::string> names;
  std::set<int> ranks;
  for (std::size_t i = 0; i < trace_formats().size(); ++i) {
    const TraceFormatInfo& row = trace_formats()[i];
    SCOPED_TRACE(row.name);
    EXPECT_EQ(row.format, kAllTraceFormats[i]);
    EXPECT_EQ(&format_info(row.format), &row);
    EXPECT_STREQ(format_name(row.format), row.name);
    EXPECT_TRUE(names.insert(row.name).second);
    EXPECT_TRUE(ranks.insert(row.sniff_rank).second);
    ASSERT_NE(row.read, nullptr);
    ASSERT_NE(row.sniff, nullptr);
    EXPECT_FALSE(row.sniff(SniffHead{}));
  }
  // Only get-trace's raw recordings and Umpire's replay logs open with '#' lines.
  for (const TraceFormatInfo& row : trace_formats())
    EXPECT_EQ(row.comment_header, row.format == TraceFormat::kRaw || row.format == TraceFormat::kUmpire);
}

TEST(DetectFormat, EachFormatByContent) {
  EXPECT_EQ(detect(std::string_view("HRTRACE\0\x01\x02", 10)), TraceFormat::kHrt);
  EXPECT_EQ(detect("20000\n3\n8\n1\na 0 512\n"), TraceFormat::kRep);
  EXPECT_EQ(detect("0\r\n21\r\n42\r\n38654727413\r\na 0 189\r\n"), TraceFormat::kRep);
  EXPECT_EQ(detect("1 2 3 4\nf -1\n"), TraceFormat::kRep);
  EXPECT_EQ(detect("1\n0\n0\n0\n"), TraceFormat::kRep);  // no ops at all
  EXPECT_EQ(detect("\xEF\xBB\xBF"
                   "0\n1\n1\n0\nr 0 5\n"),
            TraceFormat::kRep);  // UTF-8 BOM
  EXPECT_EQ(detect("= Start\n@ [0x1] + 0x10 0x5\n"), TraceFormat::kMtrace);
  EXPECT_EQ(detect("@ /bin/x:[0x1] + 0x10 0x5\n"), TraceFormat::kMtrace);
  EXPECT_EQ(detect("+ 0x10 0x5\n- 0x10\n"), TraceFormat::kMtrace);  // records with no caller
  EXPECT_EQ(detect("# Memory trace collected by get-trace.o\n\nm 0x804aff8/6854 364\n"), TraceFormat::kRaw);
  EXPECT_EQ(detect("# only a comment so far\n# and another"), TraceFormat::kRaw);
  EXPECT_EQ(detect("r 0x804afe0/6854 0 16\n"), TraceFormat::kRaw);
  EXPECT_EQ(detect("f 0\n"), TraceFormat::kRaw);
  EXPECT_EQ(detect("Alloc(552),\nFree(0),\n"), TraceFormat::kWee);
  EXPECT_EQ(detect("\n\nFree(0),\n"), TraceFormat::kWee);
  EXPECT_EQ(detect("heapreplay-text 1\nmalloc 1 2\n"), TraceFormat::kText);
  EXPECT_EQ(detect("heapreplay-text 7\n"), TraceFormat::kText);  // the reader then names the version
  EXPECT_EQ(detect("186: malloc 0xb6038060 20\n"), TraceFormat::kAndroid);
  EXPECT_EQ(detect("\n187: thread_done 0x0\n"), TraceFormat::kAndroid);
  EXPECT_EQ(detect("7:realloc 0x10 0x0 5 100 200\n"), TraceFormat::kAndroid);
  EXPECT_EQ(detect("42: free b6038060\n"), TraceFormat::kAndroid);  // %x reads hex with or without 0x
  EXPECT_EQ(detect("v 10400 3\nX ./p\n"), TraceFormat::kHeaptrack);
  EXPECT_EQ(detect("# a comment\n{ \"kind\":\"replay\", \"uid\":1 }\n"), TraceFormat::kUmpire);
  EXPECT_EQ(detect("==7== Memcheck, a memory error detector\n"), TraceFormat::kValgrind);
}

TEST(DetectFormat, ToleratesAHeadCutInTheMiddleOfALine) {
  std::string rep = "0\n50\n100000\n0\n";
  while (rep.size() < 2 * kDetectHeadBytes) rep += "a 49 16\n";
  EXPECT_EQ(detect(std::string_view(rep).substr(0, kDetectHeadBytes)), TraceFormat::kRep);
  std::string raw = "# ";
  raw += std::string(3 * kDetectHeadBytes, 'x');  // one very long comment line
  EXPECT_EQ(detect(std::string_view(raw).substr(0, kDetectHeadBytes)), TraceFormat::kRaw);
}

TEST(DetectFormat, NothingFits) {
  const std::string unknown =
      "x: cannot tell the trace format from the content (none of hrt, rep, mtrace, raw, wee, text, android, heaptrack, "
      "umpire, valgrind fits); name the format explicitly";
  expect_trace_error([] { detect(""); }, "x: cannot tell the trace format of an empty file");
  expect_trace_error([] { detect("\n \n\t\n"); }, "x: cannot tell the trace format of an empty file");
  for (std::string_view bad :
       {std::string_view("hello world\n"), std::string_view("HRTRACE\n"), std::string_view("1\n2\n3\n"),
        std::string_view("1 2 3 4 x 0 1\n"), std::string_view("1 2 -3 4\n"), std::string_view("# comment\nAlloc(1),\n"),
        std::string_view("m 804aff8 364\n"), std::string_view("heapreplay-texts 1\n"),
        std::string_view("186: mmap 0x10 20\n"), std::string_view("x186: malloc 0x10 20\n"),
        std::string_view("186: malloc zz 20\n"), std::string_view("v 1 2 3\n"), std::string_view("{\"kind\": 1}\n"),
        std::string_view("--12 malloc(1)\n"),
        std::string_view("\x7f"
                         "ELF\x02\x01\x01",
                         7)}) {
    SCOPED_TRACE(std::string(bad));
    expect_trace_error([&] { detect(bad); }, unknown);
  }
}

TEST(ImportTrace, DetectsEveryFixture) {
  EXPECT_EQ(import_trace(fixture("classic.rep")).format, "rep");
  EXPECT_EQ(import_trace(fixture("cmu-quirks.rep")).format, "rep");
  EXPECT_EQ(import_trace(fixture("sample.mtrace")).format, "mtrace");
  EXPECT_EQ(import_trace(fixture("get-trace-sample")).format, "raw");
  EXPECT_EQ(import_trace(fixture("sample-wee.trace")).format, "wee");
  EXPECT_EQ(import_trace(fixture("sample.txt")).format, "text");
  EXPECT_EQ(import_trace(fixture("sample-android.txt")).format, "android");
  EXPECT_EQ(import_trace(fixture("sample.heaptrack")).format, "heaptrack");
  EXPECT_EQ(import_trace(fixture("sample-raw.heaptrack.gz")).format, "heaptrack");
  EXPECT_EQ(import_trace(fixture("sample-umpire.json")).format, "umpire");
  EXPECT_EQ(import_trace(fixture("sample-valgrind.log")).format, "valgrind");
}

TEST(ImportTrace, ForcedFormatSkipsDetection) {
  Trace t = import_trace(fixture("sample-wee.trace"), TraceFormat::kWee);
  EXPECT_EQ(t.events.size(), 7u);
  const std::string path = fixture("sample.mtrace");
  expect_trace_error([&] { import_trace(path, TraceFormat::kRep); },
                     path + ":1: expected header number 1 of 4, found '='");
}

TEST(ImportTrace, Errors) {
  const std::string missing = fixture("no-such-file.rep");
  expect_trace_error([&] { import_trace(missing); }, missing + ": cannot open: No such file or directory");
  const std::string dir = std::string(HR_FIXTURES) + "/traces";
  expect_trace_error([&] { import_trace(dir); }, dir + ": cannot read: Is a directory");
  const std::string hrt = fixture("magic-only.hrt");
  const std::string not_text = hrt + ": is a binary .hrt trace, not a text format: open it with the .hrt reader";
  expect_trace_error([&] { import_trace(hrt); }, not_text);
  expect_trace_error(
      [&] { import_trace(fixture("classic.rep"), TraceFormat::kHrt); },
      fixture("classic.rep") + ": is a binary .hrt trace, not a text format: open it with the .hrt reader");
  expect_trace_error([] { parse_trace("1\n1\n1\n1\n", TraceFormat::kHrt, "mem"); },
                     "mem: is a binary .hrt trace, not a text format: open it with the .hrt reader");
}

TEST(ImportTrace, EmptyFile) {
  const std::string path = ::testing::TempDir() + "/hr_empty_trace";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  expect_trace_error([&] { import_trace(path); }, path + ": cannot tell the trace format of an empty file");
  EXPECT_TRUE(import_trace(path, TraceFormat::kWee).events.empty());
  expect_trace_error([&] { import_trace(path, TraceFormat::kRep); }, path + ": the header has 0 of its 4 numbers");
  std::remove(path.c_str());
}

TEST(MappedFile, ReadsFilesThatCannotBeMapped) {
  MappedFile f("/proc/self/status");  // reports size 0, has contents
  EXPECT_TRUE(f.text().starts_with("Name:"));
}

TEST(ParseTrace, RandomBytesAreRefusedOrGiveValidTraces) {
  std::mt19937 rng(1234);
  constexpr std::string_view kLikely = "0123456789 \nafrmc-x@+<>=#()t";  // mostly these, some raw bytes
  int accepted = 0, refused = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 64, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 4 ? kLikely[rng() % kLikely.size()] : rng());
    const std::uint64_t lines = test::line_count(s);
    for (TraceFormat f : kAll) {
      try {
        const Trace t = parse_trace(s, f, "fuzz");
        ++accepted;
        EXPECT_EQ(test::trace_problem(t), "") << format_name(f) << " accepted \"" << testing::escaped(s) << "\"";
      } catch (const TraceError& e) {
        ++refused;
        EXPECT_EQ(test::refusal_problem(e, "fuzz", lines), "")
            << format_name(f) << ": \"" << testing::escaped(s) << "\"";
      }
    }
    try {
      (void)detect(s);
    } catch (const TraceError& e) {
      EXPECT_EQ(test::refusal_problem(e, "x", lines), "") << "\"" << testing::escaped(s) << "\"";
    }
  }
  // Both halves ran: wee and text read many of these (a blank input is a
  // valid wee trace), and the others refuse most.
  EXPECT_GT(accepted, 0);
  EXPECT_GT(refused, 0);
}

// Every trace in ../shared/data is detected as what it is; the READMEs there
// are not traces.
TEST(DetectFormatSharedData, EveryRealFile) {
  HR_SHARED_FILE(root, "");
  struct Folder {
    const char* name;
    TraceFormat format;
  };
  int files = 0;
  for (Folder d : {Folder{"malloclab-classic", TraceFormat::kRep}, Folder{"malloclab-cmu", TraceFormat::kRep},
                   Folder{"malloclab-cmu-2016", TraceFormat::kRep}, Folder{"malloclab-raw", TraceFormat::kRaw},
                   Folder{"mtrace", TraceFormat::kMtrace}, Folder{"wee_alloc", TraceFormat::kWee}}) {
    for (const auto& entry : std::filesystem::directory_iterator(root + "/" + d.name)) {
      const std::string path = entry.path().string();
      SCOPED_TRACE(path);
      MappedFile file(path);
      std::string_view head = file.text().substr(0, kDetectHeadBytes);
      const std::string leaf = entry.path().filename().string();
      if (leaf.find("README") != std::string::npos) {
        EXPECT_THROW(detect_format(head, path), TraceError);
        continue;
      }
      EXPECT_EQ(detect_format(head, path), d.format);
      ++files;
    }
  }
  EXPECT_EQ(files, 13 + 18 + 10 + 4 + 3 + 4);
}

}  // namespace
}  // namespace heapreplay
