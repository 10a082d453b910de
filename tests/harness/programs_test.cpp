// The suite of real programs (harness/programs): the table's consistency,
// the output check, inputs that are the same on every preparation, and each
// program run for real under glibc at a tiny scale, which must give the
// answer computed for it (skipped, saying which package, when the program
// is not installed).
#include "harness/programs/programs.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "harness/process/launch.h"
#include "support/cli_runner.h"

namespace heapreplay {
namespace {

using test::read_file;
using test::TempDir;
namespace fs = std::filesystem;

constexpr double kTestScale = 0.01;

TEST(ProgramSuite, TableIsConsistent) {
  const auto suite = suite_programs();
  EXPECT_GE(suite.size(), 8u);
  const std::string setup = read_file(std::string(HR_FIXTURES) + "/../../tools/setup.sh");
  ASSERT_FALSE(setup.empty());
  std::set<std::string> names;
  for (const SuiteProgram& p : suite) {
    SCOPED_TRACE(p.name);
    EXPECT_TRUE(std::regex_match(p.name, std::regex("[a-z0-9][a-z0-9-]*"))) << "a name is a file name";
    EXPECT_TRUE(names.insert(p.name).second) << "names are unique";
    EXPECT_EQ(find_suite_program(p.name), &p);
    EXPECT_EQ(std::string(p.executable).rfind("/usr/bin/", 0), 0u) << "a Debian package's program, by its path";
    EXPECT_NE(std::string(p.exercises), "");
    EXPECT_TRUE(p.record_image == nullptr || *p.record_image != '\0');
    ASSERT_NE(p.prepare, nullptr);
    // Every package is one tools/setup.sh installs.
    std::string packages = p.packages;
    ASSERT_FALSE(packages.empty());
    for (std::size_t start = 0; start < packages.size();) {
      std::size_t space = packages.find(' ', start);
      const std::string pkg = packages.substr(start, space == std::string::npos ? std::string::npos : space - start);
      EXPECT_TRUE(
          std::regex_search(setup, std::regex("[ (]" + std::regex_replace(pkg, std::regex("\\+"), "\\+") + "( |\\n)")))
          << pkg << " is not in tools/setup.sh's packages";
      start = space == std::string::npos ? packages.size() : space + 1;
    }
  }
  EXPECT_EQ(find_suite_program("no-such-program"), nullptr);
  EXPECT_EQ(find_suite_program(""), nullptr);
}

TEST(ProgramSuite, ScalesAccepted) {
  EXPECT_TRUE(valid_program_scale(kTestScale));
  EXPECT_TRUE(valid_program_scale(1.0));
  EXPECT_TRUE(valid_program_scale(kMaxProgramScale));
  EXPECT_FALSE(valid_program_scale(0.0));
  EXPECT_FALSE(valid_program_scale(-1.0));
  EXPECT_FALSE(valid_program_scale(kMaxProgramScale * 1.01));
  EXPECT_FALSE(valid_program_scale(std::nan("")));
  EXPECT_FALSE(valid_program_scale(INFINITY));
}

TEST(ProgramSuite, MissingProgramNamesItsPackage) {
  const SuiteProgram fake{"fake", "fake-package", "/usr/bin/heapreplay-no-such-program", "nothing", nullptr, nullptr};
  EXPECT_EQ(missing_program(fake),
            "fake: /usr/bin/heapreplay-no-such-program is missing (Debian package fake-package)");
  const SuiteProgram shell{"sh", "dash", "/bin/sh", "nothing", nullptr, nullptr};
  EXPECT_EQ(missing_program(shell), "");
}

TEST(ProgramSuite, OutputCheckFindsEachDifference) {
  TempDir dir;
  PreparedProgram run;
  run.cwd = dir.path();
  run.expected_stdout = "a 1\nb 2\n";
  EXPECT_EQ(check_program_output(run, "a 1\nb 2\n"), "");
  EXPECT_EQ(check_program_output(run, "a 1\nb 3\n"), "stdout line 2 is 'b 3', expected 'b 2'");
  EXPECT_EQ(check_program_output(run, "a 1\n"), "stdout ends before line 2 ('b 2')");
  EXPECT_EQ(check_program_output(run, ""), "stdout ends before line 1 ('a 1')");
  EXPECT_EQ(check_program_output(run, "a 1\nb 2\nc\n"), "stdout has more than the 2 line(s) expected");
  EXPECT_NE(check_program_output(run, "a 1\nb 2"), "");

  run.expected_stdout = "";
  run.expected_files.push_back({"out.o",
                                "\x7f"
                                "ELF",
                                {std::string("f_1") + '\0'}});
  EXPECT_EQ(check_program_output(run, ""), dir.file("out.o") + ": not written");
  dir.write("out.o", "junk f_1");
  EXPECT_EQ(check_program_output(run, ""), dir.file("out.o") + ": does not begin as it should");
  dir.write("out.o", std::string("\x7f"
                                 "ELF f_10") +
                         '\0');
  EXPECT_EQ(check_program_output(run, ""), dir.file("out.o") + ": holds no 'f_1'");
  dir.write("out.o", std::string("\x7f"
                                 "ELF f_1") +
                         '\0');
  EXPECT_EQ(check_program_output(run, ""), "");
}

// Every file under `dir`, by relative path, with its contents.
std::map<std::string, std::string> files_under(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = read_file(e.path().string());
  return out;
}

TEST(ProgramSuite, PreparationIsDeterministicAndScales) {
  for (const SuiteProgram& p : suite_programs()) {
    SCOPED_TRACE(p.name);
    TempDir a, b, c;
    const PreparedProgram ra = p.prepare(a.path() + "/w", kTestScale);
    const PreparedProgram rb = p.prepare(b.path() + "/w", kTestScale);
    EXPECT_EQ(ra.expected_stdout, rb.expected_stdout);
    EXPECT_EQ(files_under(a.path()), files_under(b.path()));
    EXPECT_EQ(ra.cwd, a.path() + "/w");
    ASSERT_FALSE(ra.argv.empty());
    EXPECT_EQ(ra.argv[0], p.executable);
    EXPECT_TRUE(!ra.expected_stdout.empty() || !ra.expected_files.empty()) << "a wrong result must be detectable";
    // A larger scale writes larger inputs.
    p.prepare(c.path() + "/w", 0.5);
    std::uintmax_t small = 0, large = 0;
    for (const auto& [path, text] : files_under(a.path())) small += text.size();
    for (const auto& [path, text] : files_under(c.path())) large += text.size();
    EXPECT_GT(large, small);
  }
}

TEST(ProgramSuite, UnwritableWorkFolderIsOneLine) {
  TempDir dir;
  dir.write("file", "x");
  try {
    suite_programs()[0].prepare(dir.file("file") + "/work", kTestScale);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.file("file") + "/work"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
}

// Runs the prepared program as a runner would: in its folder, with its
// environment and stdin; returns its wait status, stdout in `out`.
int run_plain(const PreparedProgram& run, const std::string& scratch, std::string& out, std::string& err) {
  const std::string out_path = scratch + "/stdout", err_path = scratch + "/stderr";
  const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ProcessSpec spec;
  spec.path = run.argv[0];
  spec.argv = run.argv;
  spec.cwd = run.cwd;
  spec.preload_mode = ProcessSpec::Preload::kReplace;  // glibc's malloc, whatever the test runs under
  for (const std::string& e : run.env) {
    spec.unset_env.push_back(e.substr(0, e.find('=')));
    spec.set_env.push_back(e);
  }
  spec.open_fds.emplace_back(0, run.stdin_path.empty() ? "/dev/null" : run.stdin_path);
  spec.dup_fds = {{out_fd, 1}, {err_fd, 2}};
  const int status = wait_for_process(launch_process(spec));
  ::close(out_fd);
  ::close(err_fd);
  out = read_file(out_path);
  err = read_file(err_path);
  return status;
}

class EachProgram : public testing::TestWithParam<std::string> {};

TEST_P(EachProgram, GivesItsAnswerUnderGlibc) {
  const SuiteProgram* p = find_suite_program(GetParam());
  ASSERT_NE(p, nullptr);
  if (std::string missing = missing_program(*p); !missing.empty()) GTEST_SKIP() << missing;
  TempDir dir;
  const PreparedProgram run = p->prepare(dir.file("work"), kTestScale);
  std::string out, err;
  const int status = run_plain(run, dir.path(), out, err);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status << ": " << err;
  EXPECT_EQ(check_program_output(run, out), "") << out;
  // And a wrong answer would be caught.
  PreparedProgram wrong = run;
  if (!wrong.expected_stdout.empty())
    wrong.expected_stdout.back() = wrong.expected_stdout.back() == '\n' ? 'x' : '\n';
  else
    wrong.expected_files[0].contains.push_back("no such text in the output");
  EXPECT_NE(check_program_output(wrong, out), "");
}

std::vector<std::string> program_names() {
  std::vector<std::string> out;
  for (const SuiteProgram& p : suite_programs()) out.push_back(p.name);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Suite, EachProgram, testing::ValuesIn(program_names()),
                         [](const testing::TestParamInfo<std::string>& param) {
                           std::string n = param.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
}  // namespace heapreplay
