// The homework's own VMA tests (../shared/data/vma/tests/NN-vma): for each,
// `heapreplay shell --vma < NN-vma.in` must print exactly NN-vma.ref, as the
// homework's checker compares it (every byte, newlines and tabs included).
// Skips, saying so, when that folder is absent.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "support/shell_runner.h"

namespace heapreplay {
namespace {

class VmaHomework : public ::testing::TestWithParam<std::string> {};

TEST_P(VmaHomework, PrintsExactlyTheReference) {
  const std::string name = GetParam();
  if (name.empty()) GTEST_SKIP() << test::vma_data_dir() << " not found: the homework's VMA tests are skipped";
  const std::string dir = test::vma_data_dir() + "/" + name + "/";
  const auto t0 = std::chrono::steady_clock::now();
  const test::CliResult r = test::run_cli_stdin_file({"shell", "--vma"}, dir + name + ".in");
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  RecordProperty("seconds", std::to_string(s));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const std::string want = test::read_file(dir + name + ".ref");
  EXPECT_TRUE(r.out == want) << name << ": " << test::first_difference(r.out, want);
}

std::vector<std::string> cases() {
  std::vector<std::string> names = test::vma_data_tests();
  if (names.empty()) names.push_back("");  // one test that reports the skip
  return names;
}

std::string case_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param.empty() ? "absent" : info.param;
  for (char& c : n)
    if (c == '-') c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Data, VmaHomework, ::testing::ValuesIn(cases()), case_name);

}  // namespace
}  // namespace heapreplay
