// heaptrack on a real program (label "recording"): known_allocs recorded by
// heaptrack 1.4, as its interpreted data file and as its --raw stream, both
// zstd-compressed as heaptrack writes them, imported and checked against the
// figures the program prints about itself. Skips when heaptrack is missing.
#include <gtest/gtest.h>

#include "tests/traces/recording_util.h"
#include "traces/readers/import.h"

namespace heapreplay {
namespace {

using testing::program_figures;
using testing::trace_figures;

std::string why_no_heaptrack() {
  if (std::system("heaptrack --version >/dev/null 2>&1") != 0)
    return "heaptrack is not installed (Debian package heaptrack; tools/setup.sh installs it)";
  return "";
}

// Records known_allocs with heaptrack (extra options first) and imports the
// file it wrote; checks the window's figures against the program's.
void record_and_check(const std::string& options, const std::string& written) {
  testing::ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  const auto [rc, out] = testing::run_shell(
      "heaptrack " + options + " -o " + dir.path() + "/rec " + testing::known_allocs_program() + " 400",
      dir.path() + "/out.txt");
  ASSERT_EQ(rc, 0) << out;
  const testing::WindowFigures want = program_figures(out);
  ASSERT_TRUE(want.found) << "no figures from the program:\n" << out;
  const Trace t = import_trace(dir.path() + "/" + written);
  EXPECT_EQ(t.format, "heaptrack");
  const testing::WindowFigures got = trace_figures(t);
  ASSERT_TRUE(got.found) << "the markers are not in the trace";
  // heaptrack writes every allocation as one kind, and a realloc as the
  // free of the old block and the allocation of the new one.
  EXPECT_EQ(got.malloc, want.malloc + want.calloc + want.aligned + want.realloc);
  EXPECT_EQ(got.calloc + got.aligned + got.realloc, 0u);
  EXPECT_EQ(got.free, want.free + want.realloc);
  EXPECT_EQ(got.peak, want.peak);
  EXPECT_EQ(got.final, want.final);
  EXPECT_EQ(t.import.unmatched_free, 0u);
  EXPECT_EQ(t.thread_count, 1u);
}

TEST(HeaptrackRecording, InterpretedFileMatchesTheProgram) {
  if (std::string why = why_no_heaptrack(); !why.empty()) GTEST_SKIP() << why;
  record_and_check("", "rec.zst");
}

TEST(HeaptrackRecording, RawStreamMatchesTheProgram) {
  if (std::string why = why_no_heaptrack(); !why.empty()) GTEST_SKIP() << why;
  record_and_check("--raw", "rec.raw.zst");
}

}  // namespace
}  // namespace heapreplay
