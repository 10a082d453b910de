// `heapreplay fidelity` end to end: a program recorded, replayed and run
// under two of our designs (drop-ins for the program), and a trace against
// its look-alike, with our own allocators only so that it runs under the
// sanitizers too; its bad input; and the real-program suite in `run --suite
// programs` and `bench --suite programs`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/programs/programs.h"
#include "support/cli_runner.h"

namespace heapreplay {
namespace {

using test::read_file;
using test::run_cli;
using test::TempDir;

std::string probe() { return std::string(HR_BIN_DIR) + "/run_probe"; }

// A program of the suite that runs in well under a second at a small scale,
// or "" (and the reason in `why`) when it is not installed here.
std::string small_suite_program(std::string& why) {
  for (const char* name : {"lua", "perl", "sqlite3"}) {
    const SuiteProgram* p = find_suite_program(name);
    if (p && missing_program(*p).empty()) return name;
    if (p) why += missing_program(*p) + "; ";
  }
  return "";
}

TEST(FidelityCli, PutsTheProgramAndItsReplaySideBySide) {
  TempDir dir;
  auto r = run_cli({"fidelity", "-a", "sizeclass", "-a", "segfit", "-r", "4", "-o", dir.file("f.json"), "--", probe(),
                    "alloc", "24", "alloc", "8"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("fidelity of the recording of run_probe"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("recording:run_probe"), std::string::npos) << r.out;
  auto j = nlohmann::json::parse(read_file(dir.file("f.json")));
  EXPECT_EQ(j["context"]["kind"], "fidelity");
  int programs = 0, replays = 0;
  for (const auto& run : j["runs"]) {
    EXPECT_EQ(run["status"], "ok") << run.dump();
    (run["kind"] == "program" ? programs : replays) += 1;
  }
  EXPECT_EQ(programs, 8);
  EXPECT_EQ(replays, 8);
  ASSERT_EQ(j["fidelity"]["subjects"].size(), 1u);
  const auto& s = j["fidelity"]["subjects"][0];
  EXPECT_EQ(s["name"], "run_probe");
  EXPECT_EQ(s["reference_kind"], "program");
  EXPECT_EQ(s["reference_allocator"], "sizeclass");  // the first, without glibc
  EXPECT_GE(s["recorded_peak_live_bytes"].get<std::uint64_t>(), 32u << 20);
  ASSERT_EQ(s["allocators"].size(), 2u);
  for (const auto& a : s["allocators"]) {
    EXPECT_EQ(a["reference_ok_runs"], 4);
    EXPECT_EQ(a["standin_ok_runs"], 4);
    // Both sides hold the 32 MiB the probe writes.
    EXPECT_GE(a["reference_peak_rss_bytes"].get<double>(), 32.0 * 1048576) << a.dump();
    EXPECT_GE(a["standin_peak_rss_bytes"].get<double>(), 30.0 * 1048576) << a.dump();
  }
  EXPECT_EQ(s["time"]["pairs"], 1);
  EXPECT_EQ(s["memory"]["pairs"], 1);
  // `heapreplay report` shows the block again from the file.
  auto again = run_cli({"report", dir.file("f.json")});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("fidelity of the recording of run_probe"), std::string::npos) << again.out;
}

TEST(FidelityCli, ARecordingThatCannotStandForTheProgramIsExit2) {
  // Nothing allocated: nothing to replay.
  auto empty = run_cli({"fidelity", "-a", "segfit", "-r", "1", "--", probe(), "exit", "0"});
  EXPECT_EQ(empty.status, 2);
  EXPECT_NE(empty.err.find("run_probe: cannot be recorded: the recording holds no events"), std::string::npos)
      << empty.err;
  // A program that fails while it is recorded.
  auto failed = run_cli({"fidelity", "-a", "segfit", "-r", "1", "--", probe(), "err", "no input", "exit", "3"});
  EXPECT_EQ(failed.status, 2);
  EXPECT_NE(failed.err.find("exited with status 3: no input; nothing to replay"), std::string::npos) << failed.err;
  auto missing = run_cli({"fidelity", "-a", "segfit", "--", "no-such-program-here"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("cannot run 'no-such-program-here'"), std::string::npos) << missing.err;
}

TEST(FidelityCli, BadUsageIsOneLineAndExit2) {
  const std::vector<std::vector<std::string>> cases = {
      {"fidelity", "--", "true"},
      {"fidelity", "-a", "segfit"},
      {"fidelity", "-a", "null", "--", "true"},
      {"fidelity", "-a", "nosuch", "--", "true"},
      {"fidelity", "-a", "segfit", "--suite", "quick"},
      {"fidelity", "-a", "segfit", "--suite", "programs", "--", "true"},
      {"fidelity", "-a", "segfit", "--fit", "x.hrt", "--env", "A=1"},
      {"fidelity", "-a", "segfit", "--scale", "2", "--", "true"},
      {"fidelity", "-a", "segfit", "--suite", "programs", "--only", "nosuch"},
      {"fidelity", "-a", "segfit", "--env", "LD_PRELOAD=x", "--", "true"},
      {"fidelity", "-a", "segfit", "--pace", "slow", "--", "true"},
      {"fidelity", "-a", "segfit", "--malloc-alignment", "24", "--", "true"},
  };
  for (const auto& c : cases) {
    auto r = run_cli(c);
    EXPECT_EQ(r.status, 2) << c.back() << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST(FidelityCli, FitJudgesALookAlikeAgainstItsTrace) {
  TempDir dir;
  auto gen = run_cli({"gen", "synthetic", "--param", "events=20000", "-o", dir.file("t.hrt")});
  ASSERT_EQ(gen.status, 0) << gen.err;
  auto r = run_cli(
      {"fidelity", "--fit", dir.file("t.hrt"), "-a", "sizeclass", "-a", "segfit", "-r", "2", "-o", dir.file("f.json")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("fidelity of the look-alike of " + dir.file("t.hrt") + " ("), std::string::npos) << r.out;
  auto j = nlohmann::json::parse(read_file(dir.file("f.json")));
  EXPECT_EQ(j["runs"].size(), 8u);
  const auto& s = j["fidelity"]["subjects"][0];
  EXPECT_EQ(s["reference_kind"], "replay");
  EXPECT_EQ(s["standin_kind"], "look-alike");
  EXPECT_EQ(s["standin_trace"], "look-alike:" + dir.file("t.hrt"));
  EXPECT_EQ(s["allocators"].size(), 2u);
  auto empty = run_cli({"fidelity", "--fit", dir.write("empty.txt", ""), "-a", "segfit"});
  EXPECT_EQ(empty.status, 2) << empty.err;
}

TEST(SuiteCli, RunChecksEachProgramsAnswer) {
  std::string why;
  const std::string name = small_suite_program(why);
  if (name.empty()) GTEST_SKIP() << "no small program of the suite is installed: " << why;
  TempDir dir;
  auto r = run_cli({"run", "--suite", "programs", "--only", name, "--scale", "0.05", "-a", "glibc", "-a", "segfit",
                    "-o", dir.file("r.json")});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(read_file(dir.file("r.json")));
  ASSERT_EQ(j["runs"].size(), 2u);
  for (const auto& run : j["runs"]) {
    EXPECT_EQ(run["trace"], name);
    EXPECT_EQ(run["status"], "ok") << run.dump();
  }
  auto bad = run_cli({"run", "--suite", "programs", "--scale", "0.05", "-a", "glibc", "--", "true"});
  EXPECT_EQ(bad.status, 2) << bad.err;
  auto other = run_cli({"run", "--suite", "default", "-a", "glibc"});
  EXPECT_EQ(other.status, 2) << other.err;
}

TEST(SuiteCli, BenchReplaysTheProgramsRecordings) {
  std::string why;
  const std::string name = small_suite_program(why);
  if (name.empty()) GTEST_SKIP() << "no small program of the suite is installed: " << why;
  auto r = run_cli({"bench", "--suite", "programs", "--only", name, "--scale", "0.05", "-a", "segfit"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("program:" + name), std::string::npos) << r.out;
  auto list = run_cli({"bench", "--list-suites"});
  ASSERT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find("program:" + name), std::string::npos) << list.out;
}

}  // namespace
}  // namespace heapreplay
