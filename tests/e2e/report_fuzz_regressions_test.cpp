// Regression tests for what fuzzing `heapreplay compare` and `heapreplay
// report` found (tests/fuzz/fuzz_report.cpp): every file kept under
// tests/fuzz/regressions/report/ goes through both commands, as BASE and as
// NEW. Each must end as the CLI documents: accepted (0), or refused with one
// line naming the file and exit 2; never a crash or a message without the
// file's name.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "reports/run_result.h"
#include "support/cli_runner.h"
#include "support/synthetic_report.h"

namespace heapreplay {
namespace {

const std::filesystem::path kRegressions =
    std::filesystem::path(HR_FIXTURES) / ".." / "fuzz" / "regressions" / "report";

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

TEST(ReportFuzzRegressions, EveryKeptInputIsAcceptedOrRefusedInOneLine) {
  test::TempDir dir;
  const std::string good =
      dir.write("good.json", report_to_json(test::synthetic_report({"t.rep"}, {{"glibc"}}, 2)).dump());
  std::size_t seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kRegressions)) {
    const std::string path = entry.path().string();
    ++seen;
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"report", path}, {"compare", good, path}, {"compare", path, good}}) {
      auto r = test::run_cli(args);
      if (r.status == 0 || (r.status == 1 && args[0] == "compare")) continue;
      EXPECT_EQ(r.status, 2) << path << ": " << r.err;
      EXPECT_EQ(lines(r.err), 1u) << path << ": " << r.err;
      EXPECT_NE(r.err.find(path + ": "), std::string::npos) << r.err;
    }
  }
  EXPECT_GT(seen, 0u) << "no inputs in " << kRegressions;
}

// The first finding: a number too large for a double made the JSON parser
// throw out_of_range, which the reader did not turn into its "PATH: not a
// JSON report" line.
TEST(ReportFuzzRegressions, NumberOverflowNamesTheFile) {
  const std::string path = (kRegressions / "number-overflow.json").string();
  auto r = test::run_cli({"report", path});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(path + ": not a JSON report: number overflow"), std::string::npos) << r.err;
}

// The second: a float too large for a whole-number field (4e70 bytes) was
// converted with a plain cast, undefined behaviour that UBSan stopped at.
TEST(ReportFuzzRegressions, FloatForAWholeNumberIsRefused) {
  const std::string path = (kRegressions / "float-for-whole-number.json").string();
  auto r = test::run_cli({"report", path});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(path + ": run 0: \"retained_rss_after_trim_bytes\" is not an integer in the range of its field"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace heapreplay
