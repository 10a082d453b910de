// valgrind on a real program (label "recording"): known_allocs run under
// valgrind 3.19 --trace-malloc=yes, the log written to a file of its own and
// mixed into the program's output on stderr, imported and checked against
// the figures the program prints about itself. Skips when valgrind is
// missing.
#include <gtest/gtest.h>

#include "tests/traces/recording_util.h"
#include "traces/readers/import.h"

namespace heapreplay {
namespace {

using testing::program_figures;
using testing::trace_figures;

std::string why_no_valgrind() {
  if (std::system("valgrind --version >/dev/null 2>&1") != 0)
    return "valgrind is not installed (Debian package valgrind; tools/setup.sh installs it)";
  return "";
}

void check(const Trace& t, const testing::WindowFigures& want) {
  EXPECT_EQ(t.format, "valgrind");
  const testing::WindowFigures got = trace_figures(t);
  ASSERT_TRUE(got.found) << "the markers are not in the trace";
  EXPECT_EQ(got.malloc, want.malloc);
  EXPECT_EQ(got.calloc, want.calloc);
  EXPECT_EQ(got.aligned, want.aligned);
  EXPECT_EQ(got.realloc, want.realloc);
  EXPECT_EQ(got.free, want.free);
  EXPECT_EQ(got.peak, want.peak);
  EXPECT_EQ(got.final, want.final);
  EXPECT_EQ(t.import.unmatched_free, 0u);
  EXPECT_EQ(t.import.failed_in_source, 0u);
}

TEST(ValgrindRecording, LogFileMatchesTheProgram) {
  if (std::string why = why_no_valgrind(); !why.empty()) GTEST_SKIP() << why;
  testing::ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string log = dir.path() + "/vg.log";
  const auto [rc, out] = testing::run_shell(
      "valgrind --trace-malloc=yes --log-file=" + log + " " + testing::known_allocs_program() + " 400",
      dir.path() + "/out.txt");
  ASSERT_EQ(rc, 0) << out;
  const testing::WindowFigures want = program_figures(out);
  ASSERT_TRUE(want.found) << "no figures from the program:\n" << out;
  check(import_trace(log), want);
}

TEST(ValgrindRecording, LogMixedWithTheProgramsOutputMatchesTheProgram) {
  if (std::string why = why_no_valgrind(); !why.empty()) GTEST_SKIP() << why;
  testing::ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  // Both streams into one file: the program's line lands among valgrind's.
  const std::string mixed = dir.path() + "/mixed.txt";
  const auto [rc, out] =
      testing::run_shell("valgrind --trace-malloc=yes " + testing::known_allocs_program() + " 400", mixed);
  ASSERT_EQ(rc, 0) << out;
  const testing::WindowFigures want = program_figures(out);
  ASSERT_TRUE(want.found) << "no figures from the program:\n" << out;
  check(import_trace(mixed), want);
}

}  // namespace
}  // namespace heapreplay
