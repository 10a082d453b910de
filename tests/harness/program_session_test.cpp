// run_program_session with what a program of the suite brings of its own
// (harness/process/program_list.h): its environment, folder and stdin, the
// check of its answer, and the output files removed before each run.
#include "harness/process/program_session.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/process/spawn.h"
#include "support/cli_runner.h"

namespace heapreplay {
namespace {

std::string probe() { return std::string(HR_BIN_DIR) + "/run_probe"; }

ProgramSessionOptions glibc_twice() {
  ProgramSessionOptions o;
  o.allocators.push_back(resolve_program_allocator("glibc", self_executable()));
  o.repetitions = 2;
  o.timeout = std::chrono::milliseconds(20000);
  return o;
}

TEST(ProgramSession, ChecksEachRunsAnswer) {
  ProgramEntry right;
  right.name = "right";
  right.argv = {probe(), "out", "42"};
  right.check_output = [](std::string_view out) { return out == "42\n" ? "" : "printed " + std::string(out); };
  ProgramEntry wrong = right;
  wrong.name = "wrong";
  wrong.argv = {probe(), "out", "41"};
  Report r = run_program_session({right, wrong}, glibc_twice());
  ASSERT_EQ(r.runs.size(), 4u);
  for (const RunResult& run : r.runs) {
    if (run.trace == "right") {
      EXPECT_EQ(run.status, "ok") << run.status_detail;
    } else {
      EXPECT_EQ(run.status, "failed");
      EXPECT_EQ(run.status_detail, "wrong output: printed 41\n");
    }
  }
}

TEST(ProgramSession, AProgramsOwnFolderEnvironmentAndStdin) {
  test::TempDir dir;
  const std::string input = dir.write("in.txt", "from the file\n");
  ProgramEntry e;
  e.name = "own";
  e.argv = {probe(), "cwd", "-", "env", "HR_SUITE_TEST", "cat", "-"};
  e.cwd = dir.file("");
  e.env = {"HR_SUITE_TEST=yes"};
  e.stdin_path = input;
  const std::string expected =
      std::filesystem::canonical(dir.file("")).string() + "\nHR_SUITE_TEST=yes\nfrom the file\n";
  e.check_output = [expected](std::string_view out) { return out == expected ? "" : "printed " + std::string(out); };
  Report r = run_program_session({e}, glibc_twice());
  ASSERT_EQ(r.runs.size(), 2u);
  for (const RunResult& run : r.runs) EXPECT_EQ(run.status, "ok") << run.status_detail;
}

TEST(ProgramSession, OutputFilesAreRemovedBeforeEachRunAndUnavailableProgramsFail) {
  test::TempDir dir;
  const std::string stale = dir.write("result.txt", "from an earlier run");
  ProgramEntry e;
  e.name = "writer";
  e.argv = {probe(), "out", "x"};
  e.outputs = {stale};
  ProgramEntry gone;
  gone.name = "gone";
  gone.argv = {"/usr/bin/not-installed"};
  gone.unavailable = "not-installed: /usr/bin/not-installed is missing (Debian package nothing)";
  Report r = run_program_session({e, gone}, glibc_twice());
  EXPECT_FALSE(std::filesystem::exists(stale));
  ASSERT_EQ(r.runs.size(), 4u);
  for (const RunResult& run : r.runs) {
    if (run.trace == "gone") {
      EXPECT_EQ(run.status, "failed");
      EXPECT_EQ(run.status_detail, gone.unavailable);
    } else {
      EXPECT_EQ(run.status, "ok");
    }
  }
}

}  // namespace
}  // namespace heapreplay
