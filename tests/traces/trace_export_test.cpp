// The exports of `heapreplay convert --to` (traces/writers/trace_export.h):
// a trace the target format can hold comes back from that format's reader
// with the same events; one it cannot hold is named loss by loss, and what
// --lossy writes reads back as the trace with exactly those losses.
#include "traces/writers/trace_export.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "tests/support/trace_checks.h"
#include "trace_test_util.h"
#include "traces/readers/android_reader.h"
#include "traces/readers/mtrace_reader.h"
#include "traces/readers/rep_reader.h"
#include "traces/readers/text_reader.h"
#include "traces/trace_source.h"

namespace heapreplay {
namespace {

Trace text_trace(const std::string& body) { return read_text("heapreplay-text 1\n" + body, "test"); }

Trace read_as(const std::string& format, const std::string& text) {
  if (format == "rep") return read_rep(text, "exported");
  if (format == "mtrace") return read_mtrace(text, "exported");
  if (format == "android") return read_android(text, "exported");
  return read_text(text, "exported");
}

Trace round_trip(const std::string& format, const Trace& t) {
  std::string out;
  find_trace_export(format)->write(t.view(), out);
  return read_as(format, out);
}

std::string difference(const Trace& a, const Trace& b) { return test::event_difference(a, b); }

// Everything a single-threaded allocator trace without aligned calls or
// callocs says: malloc, realloc (moving, growing, to 0, of NULL), free and
// free(NULL), a slot used again after its free.
const char* kPlain =
    "malloc 1 100\nmalloc 2 24\nrealloc 1 4000\nfree -\nfree 2\nmalloc 3 0\nrealloc - 4 64\n"
    "realloc 4 0\nmalloc 2 7\nfree 1\nfree 3\nfree 2\n";

TEST(TraceExport, EachFormatGivesBackWhatItCanHold) {
  const Trace plain = text_trace(kPlain);
  for (const char* format : {"rep", "mtrace", "text"}) {
    SCOPED_TRACE(format);
    std::vector<ExportLoss> losses = find_trace_export(format)->losses(plain.view());
    if (std::string(format) == "mtrace") {
      // glibc logs realloc(p, 0) as free(p): the one thing mtrace changes.
      ASSERT_EQ(losses.size(), 1u);
      EXPECT_EQ(losses[0].count, 1u);
      continue;
    }
    EXPECT_TRUE(losses.empty()) << describe_losses(losses);
    EXPECT_EQ(difference(plain, round_trip(format, plain)), "");
  }
  const Trace no_zero = text_trace("malloc 1 100\nrealloc 1 4000\nfree -\nrealloc - 4 64\nfree 4\nfree 1\n");
  EXPECT_TRUE(mtrace_losses(no_zero.view()).empty());
  EXPECT_EQ(difference(no_zero, round_trip("mtrace", no_zero)), "");
}

TEST(TraceExport, AndroidKeepsThreadsTimesCallocsAndMemalign) {
  const Trace t = text_trace(
      "t=5 @100 malloc 1 100\nt=9 @150 calloc 2 4 25\nt=9 @200 realloc 1 300\nt=5 @250 free -\n"
      "t=5 @300 memalign 3 64 200\nt=9 @350 realloc - 4 50\nt=5 @400 realloc 4 0\nt=9 @450 free 1\n"
      "t=5 @500 free 2\nt=9 @550 free 3\n");
  const std::vector<ExportLoss> losses = android_losses(t.view());
  EXPECT_TRUE(losses.empty()) << describe_losses(losses);
  const Trace back = round_trip("android", t);
  EXPECT_EQ(back.thread_count, 2u);
  EXPECT_EQ(difference(t, back), "");
}

TEST(TraceExport, LossesAreNamedAndLossyOutputHasExactlyThem) {
  const Trace t = text_trace(
      "t=1 @10 malloc 1 100\nt=2 @20 calloc 2 3 8\nt=1 @30 posix_memalign 3 64 100\nt=2 @40 free 1\n"
      "t=1 @50 free 2\nt=2 @60 free 3\n");
  const std::string rep = describe_losses(rep_losses(t.view()));
  EXPECT_NE(rep.find("2 threads"), std::string::npos) << rep;
  EXPECT_NE(rep.find("6 events' timestamps"), std::string::npos) << rep;
  EXPECT_NE(rep.find("1 callocs"), std::string::npos) << rep;
  EXPECT_NE(rep.find("1 aligned"), std::string::npos) << rep;
  const std::string android = describe_losses(android_losses(t.view()));
  EXPECT_NE(android.find("1 posix_memalign"), std::string::npos) << android;
  // What --lossy writes: the same trace on one thread, untimed, every
  // allocation a malloc.
  const Trace expected = text_trace("malloc 1 100\nmalloc 2 24\nmalloc 3 100\nfree 1\nfree 2\nfree 3\n");
  EXPECT_EQ(difference(expected, round_trip("rep", t)), "");
  EXPECT_EQ(difference(expected, round_trip("mtrace", t)), "");
  EXPECT_TRUE(text_losses(t.view()).empty());
  EXPECT_EQ(difference(t, round_trip("text", t)), "");
}

TEST(TraceExport, TheComparisonSeesEveryKindOfChange) {
  const Trace t = text_trace("t=1 malloc 1 10\nt=2 malloc 2 20\nt=1 free 1\nt=2 free 2\n");
  EXPECT_EQ(difference(t, t), "");
  EXPECT_NE(difference(t, text_trace("t=1 malloc 1 10\nt=2 malloc 2 21\nt=1 free 1\nt=2 free 2\n")), "");
  EXPECT_NE(difference(t, text_trace("t=1 malloc 1 10\nt=2 malloc 2 20\nt=1 free 2\nt=2 free 1\n")), "");
  EXPECT_NE(difference(t, text_trace("t=1 malloc 1 10\nt=2 malloc 2 20\nt=2 free 1\nt=2 free 2\n")), "");
  EXPECT_NE(difference(t, text_trace("t=1 malloc 1 10\nt=2 malloc 2 20\nt=1 free 1\n")), "");
  EXPECT_NE(difference(t, text_trace("t=1 calloc 1 1 10\nt=2 malloc 2 20\nt=1 free 1\nt=2 free 2\n")), "");
}

TEST(TraceExport, TheTableNamesEveryExportOnce) {
  std::vector<std::string> names;
  for (const TraceExport& e : trace_exports()) {
    EXPECT_EQ(find_trace_export(e.name), &e);
    EXPECT_NE(std::string(e.summary), "");
    names.push_back(e.name);
  }
  EXPECT_EQ(trace_export_names(), "rep, text, android, mtrace");
  EXPECT_EQ(find_trace_export("hrt"), nullptr);  // written by write_hrt, not the table
  EXPECT_EQ(find_trace_export("nonsense"), nullptr);
}

// The real traces of each format go out and back unchanged.
void expect_files_round_trip(const std::string& folder, const std::string& format) {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    const Trace t = load_trace(entry.path().string());
    if (t.format != format) continue;
    SCOPED_TRACE(entry.path().string());
    const std::vector<ExportLoss> losses = find_trace_export(format)->losses(t.view());
    if (!losses.empty()) continue;  // e.g. an mtrace log with a realloc to 0 bytes
    EXPECT_EQ(difference(t, round_trip(format, t)), "");
    ++n;
  }
  EXPECT_GT(n, 0u) << "no " << format << " file in " << folder << " could be exported without loss";
}

TEST(TraceExport, RealRepTracesRoundTrip) {
  HR_SHARED_FILE(dir, "malloclab-classic");
  expect_files_round_trip(dir, "rep");
}

TEST(TraceExport, RealMtraceLogsRoundTrip) {
  HR_SHARED_FILE(dir, "mtrace");
  expect_files_round_trip(dir, "mtrace");
}

}  // namespace
}  // namespace heapreplay
