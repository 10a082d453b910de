// The gbench export read by the real consumer: Google Benchmark's compare.py
// from Debian's libbenchmark-tools must accept two exports, compare every
// (trace, allocator), and find the same U-test p-value for time as
// `heapreplay compare`. Skips, saying why, when compare.py or SciPy (which
// compare.py imports) is missing.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "reports/run_result.h"
#include "support/cli_runner.h"
#include "support/synthetic_report.h"

namespace heapreplay {
namespace {

using test::run_cli;
using test::shell_quote;
using test::synthetic_report;
using test::TempDir;

// Output and exit status of a shell command.
std::pair<int, std::string> shell(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, ""};
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int raw = ::pclose(p);
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

// compare.py's path from the package's file list.
std::string find_compare_py() {
  auto [rc, out] = shell("dpkg -L libbenchmark-tools 2>/dev/null | grep '/compare\\.py$' | head -n1");
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return rc == 0 ? out : "";
}

TEST(GbenchExport, GoogleBenchmarkComparePyAcceptsTwoExports) {
  std::string compare_py = find_compare_py();
  if (compare_py.empty()) GTEST_SKIP() << "compare.py not found: install libbenchmark-tools (tools/setup.sh does)";
  // compare.py imports scipy; Debian's python3-scipy is for /usr/bin/python3.
  const std::string python = "/usr/bin/python3";
  if (shell(python + " -c 'import scipy, numpy'").first != 0)
    GTEST_SKIP() << "compare.py needs SciPy: install python3-scipy (tools/setup.sh does)";

  TempDir dir;
  // 9 repetitions, as compare.py asks for; NEW's jemalloc is 25% slower.
  std::string base = dir.write(
      "base.json", report_to_json(synthetic_report({"a.rep", "b.rep"}, {{"glibc", 30}, {"jemalloc", 20}}, 9)).dump());
  std::string now = dir.write(
      "new.json", report_to_json(synthetic_report({"a.rep", "b.rep"}, {{"glibc", 30}, {"jemalloc", 25}}, 9)).dump());
  for (const char* name : {"base", "new"}) {
    auto r = run_cli({"report", dir.file(std::string(name) + ".json"), "--format", "gbench", "--output",
                      dir.file(std::string(name) + ".gbench.json")});
    ASSERT_EQ(r.status, 0) << r.err;
  }
  auto [rc, out] = shell(python + " " + shell_quote(compare_py) + " --no-color -d " +
                         shell_quote(dir.file("diff.json")) + " benchmarks " +
                         shell_quote(dir.file("base.gbench.json")) + " " + shell_quote(dir.file("new.gbench.json")));
  ASSERT_EQ(rc, 0) << out;
  for (const char* name : {"a.rep/glibc", "a.rep/jemalloc", "b.rep/glibc", "b.rep/jemalloc", "a.rep/jemalloc_pvalue",
                           "a.rep/jemalloc_median", "OVERALL_GEOMEAN"})
    EXPECT_NE(out.find(name), std::string::npos) << name << " missing in:\n" << out;

  // compare.py's U test for time equals ours for ns_per_event.
  auto diff = nlohmann::json::parse(test::read_file(dir.file("diff.json")));
  auto ours = run_cli({"compare", base, now, "--json", dir.file("ours.json")});
  EXPECT_EQ(ours.status, 1) << ours.out;
  auto mine = nlohmann::json::parse(test::read_file(dir.file("ours.json")));
  int checked = 0;
  for (const auto& entry : diff) {
    if (entry["run_type"] != "iteration" && entry["run_type"] != "") continue;
    if (!entry.contains("utest") || entry["utest"].empty()) continue;
    std::string name = entry["name"];
    for (const auto& row : mine["rows"]) {
      if (row["metric"] != "ns_per_event" ||
          row["trace"].get<std::string>() + "/" + row["allocator"].get<std::string>() != name)
        continue;
      EXPECT_NEAR(entry["utest"]["time_pvalue"].get<double>(), row["p_value"].get<double>(), 1e-9) << name;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 4) << diff.dump(1);
}

}  // namespace
}  // namespace heapreplay
