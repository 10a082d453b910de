// heapreplay trace shrink against a malloc with a planted heap bug
// (tests/support/planted_malloc.c), preloaded into each candidate's child:
// a million-event trace that hides the one interleaving which sets the bug
// off, among decoys, comes down to the few events the bug needs.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/cli_runner.h"
#include "support/planted_trace.h"
#include "traces/hrt_format.h"
#include "traces/readers/text_writer.h"
#include "traces/trace_source.h"

namespace heapreplay {
namespace {

using test::run_cli;
using test::TempDir;

std::string planted_spec() { return "preload:" + std::string(HR_LIB_DIR) + "/libhr_planted_malloc.so"; }

std::string text_of(const std::string& path) {
  std::string s;
  write_text(load_trace(path).view(), s);
  return s;
}

TEST(ShrinkSystem, APlantedBugInAMillionEventsComesDownToTheFiveEventsThatSetItOff) {
  TempDir dir;
  Trace big = test::planted_trace(1000000, 700000);
  ASSERT_GE(big.events.size(), 1000000u);
  write_hrt(big, dir.file("big.hrt"));
  // The whole trace crashes the library, and glibc replays it cleanly.
  auto whole = run_cli({"replay", "-a", planted_spec(), "-a", "glibc", dir.file("big.hrt")});
  ASSERT_EQ(whole.status, 1) << whole.err;
  EXPECT_NE(whole.err.find("crashed: killed by SIGABRT"), std::string::npos) << whole.err;

  auto r = run_cli({"trace", "shrink", dir.file("big.hrt"), "-o", dir.file("min.hrt"), "-a", planted_spec(), "--until",
                    "crashed", "--budget", "240s"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("until crashed (SIGABRT)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" -> 5 events, 1-minimal"), std::string::npos) << r.err;
  EXPECT_EQ(text_of(dir.file("min.hrt")),
            "heapreplay-text 1\n"
            "malloc 0 1037\n"
            "malloc 1 4133\n"
            "free 0\n"
            "malloc 0 2074\n"
            "free 0\n");
  auto again = run_cli({"replay", "-a", planted_spec(), "-a", "glibc", dir.file("min.hrt")});
  EXPECT_EQ(again.status, 1) << again.err;
  EXPECT_NE(again.err.find("crashed: killed by SIGABRT"), std::string::npos) << again.err;
}

TEST(ShrinkSystem, UnderValidationTheOverlapItselfIsTheOutcomeAndTheFreeGoes) {
  TempDir dir;
  write_hrt(test::planted_trace(100000, 60000), dir.file("t.hrt"));
  auto r = run_cli(
      {"trace", "shrink", dir.file("t.hrt"), "-o", dir.file("min.hrt"), "-a", planted_spec(), "--until", "violation"});
  ASSERT_EQ(r.status, 0) << r.err;
  // The validator sees the 2074-byte block handed out inside the live
  // 4133-byte one at once: the free that crashes is not needed.
  EXPECT_EQ(text_of(dir.file("min.hrt")), "heapreplay-text 1\nmalloc 0 1037\nmalloc 1 4133\nfree 0\nmalloc 0 2074\n");
  auto check = run_cli({"replay", "--validate", "-a", planted_spec(), dir.file("min.hrt")});
  EXPECT_EQ(check.status, 1);
  EXPECT_NE(check.err.find("validation failed at event 3"), std::string::npos) << check.err;
}

TEST(ShrinkSystem, ACrashWithAnotherSignalIsNotTheOutcome) {
  // The planted bug aborts at event 9; a request of 0xDEAD2 bytes after it
  // is another fault (SIGSEGV). ddmin's first cut keeps the second half of
  // the objects, without the 1037-byte block: the planted bug cannot fire,
  // and the run dies of the other fault. That is not the outcome.
  TempDir dir;
  std::string t = dir.write("t.txt",
                            "heapreplay-text 1\n"
                            "malloc 1 16\nmalloc 2 32\nmalloc 3 48\nmalloc 4 64\n"
                            "malloc 5 1037\nmalloc 6 4133\nfree 5\nmalloc 7 2074\nfree 7\n"
                            "malloc 8 912082\nmalloc 9 80\nmalloc 10 96\n");
  auto r = run_cli({"trace", "shrink", t, "-o", dir.file("min.hrt"), "-a", planted_spec(), "--until", "crashed"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("until crashed (SIGABRT)"), std::string::npos) << r.err;
  EXPECT_EQ(text_of(dir.file("min.hrt")),
            "heapreplay-text 1\nmalloc 0 1037\nmalloc 1 4133\nfree 0\nmalloc 0 2074\nfree 0\n");
  // Told the other fault's signal is no different (the first run sets it):
  // a trace that starts with the other fault comes down to it alone.
  std::string segv = dir.write("segv.txt", "heapreplay-text 1\nmalloc 1 16\nmalloc 2 912082\nfree 1\n");
  r = run_cli({"trace", "shrink", segv, "-o", dir.file("segv.hrt"), "-a", planted_spec(), "--until", "crashed"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("until crashed (SIGSEGV)"), std::string::npos) << r.err;
  EXPECT_EQ(text_of(dir.file("segv.hrt")), "heapreplay-text 1\nmalloc 0 912082\n");
}

TEST(ShrinkSystem, AHangIsShrunkWithTheTimeoutAsTheOutcome) {
  // 0xDEAD3 bytes make the faulty library hang: every candidate that holds
  // that request is killed at --timeout, and only it is left.
  TempDir dir;
  std::string t = dir.write("t.txt",
                            "heapreplay-text 1\nmalloc 1 16\nmalloc 2 32\nfree 1\nmalloc 3 912083\n"
                            "malloc 4 48\nfree 2\nfree 4\n");
  auto r = run_cli({"trace", "shrink", t, "-o", dir.file("min.hrt"), "-a",
                    "preload:" + std::string(HR_LIB_DIR) + "/libhr_faulty_malloc.so", "--until", "timeout", "--timeout",
                    "0.5"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("(its run: timeout: "), std::string::npos) << r.err;
  EXPECT_EQ(text_of(dir.file("min.hrt")), "heapreplay-text 1\nmalloc 0 912083\n");
}

TEST(ShrinkSystem, AStartingTraceThatDoesNotShowTheOutcomeIsRefusedWithoutASearch) {
  TempDir dir;
  write_hrt(test::planted_trace(5000, 100000), dir.file("clean.hrt"));  // planted past its end: never
  auto r = run_cli({"trace", "shrink", dir.file("clean.hrt"), "-o", dir.file("min.hrt"), "-a", planted_spec(),
                    "--until", "crashed"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "heapreplay trace shrink: " + dir.file("clean.hrt") + " does not show the outcome under " +
                       planted_spec() + ": the run was ok, not crashed; nothing searched\n");
  EXPECT_FALSE(std::filesystem::exists(dir.file("min.hrt")));
}

}  // namespace
}  // namespace heapreplay
