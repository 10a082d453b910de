// End-to-end tests of `heapreplay compare` and `heapreplay report` on report
// files: exit statuses (0 pass, 1 regression, 2 bad input, 3 output
// failure), one-line messages for every kind of bad report, and the files
// each writes. No system allocator runs here (sanitizer build too).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "reports/run_result.h"
#include "support/cli_runner.h"
#include "support/synthetic_report.h"

namespace heapreplay {
namespace {

using test::run_cli;
using test::synthetic_report;
using test::TempDir;

std::string write_report(const TempDir& dir, const std::string& name, const Report& r) {
  return dir.write(name, report_to_json(r).dump(2));
}

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

TEST(CompareCli, PassesFailsAndSaysWhy) {
  TempDir dir;
  std::string base = write_report(dir, "base.json", synthetic_report({"t.rep"}, {{"glibc", 20}, {"jemalloc", 15}}, 5));
  std::string same = write_report(dir, "same.json", synthetic_report({"t.rep"}, {{"glibc", 20}, {"jemalloc", 15}}, 5));
  std::string slow = write_report(dir, "slow.json", synthetic_report({"t.rep"}, {{"glibc", 20}, {"jemalloc", 18}}, 5));

  auto ok = run_cli({"compare", base, same});
  EXPECT_EQ(ok.status, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("no regression beyond the thresholds"), std::string::npos) << ok.out;

  auto bad = run_cli({"compare", base, slow, "--markdown", dir.file("c.md"), "--json", dir.file("c.json")});
  EXPECT_EQ(bad.status, 1) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("t.rep  jemalloc\n  ns_per_event "), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("+20.0%"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("0.0079"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("REGRESSED"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("heapreplay compare: 1 regression: t.rep jemalloc ns_per_event"), std::string::npos)
      << bad.out;
  std::string md = test::read_file(dir.file("c.md"));
  EXPECT_NE(md.find("**REGRESSED**"), std::string::npos) << md;
  auto j = nlohmann::json::parse(test::read_file(dir.file("c.json")));
  EXPECT_EQ(j["regressions"], 1);

  // A looser threshold for time lets the same change through.
  auto loose = run_cli({"compare", base, slow, "--threshold", "time=25"});
  EXPECT_EQ(loose.status, 0) << loose.out;
  auto loose_all = run_cli({"compare", base, slow, "--threshold", "30%"});
  EXPECT_EQ(loose_all.status, 0) << loose_all.out;
}

TEST(CompareCli, MatchComparesTwoAllocatorsOfOneReport) {
  TempDir dir;
  std::string r =
      write_report(dir, "r.json", synthetic_report({"t.rep"}, {{"segfit:faithful", 20}, {"segfit:key=1", 20.1}}, 5));
  auto res = run_cli({"compare", r, r, "--match", "segfit:faithful=segfit:key=1"});
  EXPECT_EQ(res.status, 0) << res.out << res.err;
  EXPECT_NE(res.out.find("segfit:faithful -> segfit:key=1"), std::string::npos) << res.out;
  auto wrong = run_cli({"compare", r, r, "--match", "glibc=jemalloc"});
  EXPECT_EQ(wrong.status, 2);
  EXPECT_NE(wrong.err.find("BASE_ALLOCATOR=NEW_ALLOCATOR"), std::string::npos) << wrong.err;
}

// Two configurations of one sweep, in one report: --base and --new name
// them, keys in any order; a name the report lacks, or half the pair, is
// bad usage.
TEST(CompareCli, BaseAndNewCompareTwoConfigurationsOfOneReport) {
  TempDir dir;
  std::string r = write_report(dir, "r.json",
                               synthetic_report({"t.rep", "u.rep"},
                                                {{"jemalloc:dirty_decay_ms=0,narenas=1", 20},
                                                 {"jemalloc:dirty_decay_ms=0,narenas=4", 20.1},
                                                 {"jemalloc:dirty_decay_ms=1000,narenas=1", 26}},
                                                5));
  auto same = run_cli(
      {"compare", r, "--base", "jemalloc:dirty_decay_ms=0,narenas=1", "--new", "jemalloc:narenas=4,dirty_decay_ms=0"});
  EXPECT_EQ(same.status, 0) << same.out << same.err;
  for (const char* trace : {"t.rep", "u.rep"})
    EXPECT_NE(same.out.find(std::string(trace) +
                            "  jemalloc:dirty_decay_ms=0,narenas=1 -> jemalloc:dirty_decay_ms=0,narenas=4\n"),
              std::string::npos)
        << same.out;
  EXPECT_NE(same.out.find("metrics of 2 (trace, allocator) pairs compared)"), std::string::npos) << same.out;

  auto slower = run_cli({"compare", r, "--base", "jemalloc:dirty_decay_ms=0,narenas=1", "--new",
                         "jemalloc:dirty_decay_ms=1000,narenas=1", "--json", dir.file("c.json")});
  EXPECT_EQ(slower.status, 1) << slower.out << slower.err;
  EXPECT_NE(slower.out.find("REGRESSED"), std::string::npos) << slower.out;
  auto j = nlohmann::json::parse(test::read_file(dir.file("c.json")));
  EXPECT_EQ(j["rows"][0]["allocator"], "jemalloc:dirty_decay_ms=0,narenas=1 -> jemalloc:dirty_decay_ms=1000,narenas=1");

  // The same with two reports: BASE's spec against NEW's.
  EXPECT_EQ(run_cli({"compare", r, r, "--base", "jemalloc:dirty_decay_ms=0,narenas=1", "--new",
                     "jemalloc:dirty_decay_ms=1000,narenas=1"})
                .status,
            1);

  struct Bad {
    std::vector<std::string> args;
    std::string expect;
  };
  const Bad bad[] = {
      {{"compare", r, "--base", "jemalloc:narenas=2", "--new", "jemalloc:dirty_decay_ms=0,narenas=1"},
       "--base 'jemalloc:narenas=2': " + r +
           " has no such allocator spec (it has jemalloc:dirty_decay_ms=0,narenas=1, "},
      {{"compare", r, "--base", "jemalloc:dirty_decay_ms=0,narenas=1", "--new", "glibc"}, "--new 'glibc': "},
      {{"compare", r, "--base", "jemalloc:dirty_decay_ms=0,narenas=1"}, "--base and --new go together"},
      {{"compare", r, r, "--new", "jemalloc:dirty_decay_ms=0,narenas=1"}, "--base and --new go together"},
      {{"compare", r, "--base", "a", "--new", "b", "--match", "a=b"}, "--match and --base/--new"},
      {{"compare", r}, "or one with --base SPEC --new SPEC"},
  };
  for (const Bad& b : bad) {
    auto res = run_cli(b.args);
    EXPECT_EQ(res.status, 2) << res.err;
    EXPECT_EQ(lines(res.err), 1u) << res.err;
    EXPECT_TRUE(res.out.empty()) << res.out;
    EXPECT_NE(res.err.find(b.expect), std::string::npos) << res.err;
  }
}

TEST(CompareCli, BadInputIsOneLineAndExit2) {
  TempDir dir;
  std::string good_text = report_to_json(synthetic_report({"t.rep"}, {{"glibc"}}, 2)).dump(2);
  std::string good = dir.write("good.json", good_text);
  struct Case {
    std::string name, content, expect;
  };
  nlohmann::json other_schema = nlohmann::json::parse(good_text);
  other_schema["schema"] = "heapreplay.report/2";
  nlohmann::json broken_run = nlohmann::json::parse(good_text);
  broken_run["runs"][1].erase("ns_per_event");
  const Case cases[] = {
      {"gbench.json", R"({"context": {}, "benchmarks": []})", "not a heapreplay report"},
      {"truncated.json", good_text.substr(0, good_text.size() / 2), "not a JSON report"},
      {"empty.json", "", "empty file"},
      {"schema.json", other_schema.dump(), "heapreplay.report/2"},
      {"run.json", broken_run.dump(), "run 1"},
      {"other.json", report_to_json(synthetic_report({"u.rep"}, {{"glibc"}}, 2)).dump(), "nothing in common"},
  };
  for (const Case& c : cases) {
    std::string path = dir.write(c.name, c.content);
    auto r = run_cli({"compare", good, path});
    EXPECT_EQ(r.status, 2) << c.name << ": " << r.err;
    EXPECT_EQ(lines(r.err), 1u) << c.name << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << c.name << ": " << r.out;
    std::string expect = c.expect == "nothing in common" ? "no (trace, allocator) in common" : c.expect;
    EXPECT_NE(r.err.find(expect), std::string::npos) << c.name << ": " << r.err;
    if (c.expect != "nothing in common") {
      EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
    }
    // The same file as BASE is refused the same way.
    EXPECT_EQ(run_cli({"compare", path, good}).status, 2) << c.name;
  }
  auto missing = run_cli({"compare", good, dir.file("nosuch.json")});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("cannot read"), std::string::npos) << missing.err;
  for (std::vector<std::string> args : {std::vector<std::string>{"compare", good},
                                        {"compare", good, good, "--threshold", "fast=5"},
                                        {"compare", good, good, "--threshold", "-3"},
                                        {"compare", good, good, "--threshold", "rss=abc"},
                                        {"compare", good, good, "--alpha", "1.5"}}) {
    auto r = run_cli(args);
    EXPECT_EQ(r.status, 2) << args.back() << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
  }
}

TEST(CompareCli, OutputThatCannotBeWrittenIsExit3) {
  TempDir dir;
  std::string r = write_report(dir, "r.json", synthetic_report({"t.rep"}, {{"glibc"}}, 2));
  auto res = run_cli({"compare", r, r, "--markdown", dir.file("no/such/dir/c.md")});
  EXPECT_EQ(res.status, 3) << res.err;
  EXPECT_NE(res.err.find("cannot"), std::string::npos);
}

TEST(CompareCli, SingleRepetitionSaysTheTestIsImpossible) {
  TempDir dir;
  std::string a = write_report(dir, "a.json", synthetic_report({"t.rep"}, {{"glibc", 20}}, 1));
  std::string b = write_report(dir, "b.json", synthetic_report({"t.rep"}, {{"glibc", 25}}, 1));
  auto r = run_cli({"compare", a, b});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("no significance test is possible"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("threshold alone"), std::string::npos) << r.out;
}

TEST(ReportCli, ExportsMarkdownAndTable) {
  TempDir dir;
  std::string r = write_report(dir, "r.json", synthetic_report({"t.rep"}, {{"glibc"}, {"jemalloc", 12}}, 3));
  auto table = run_cli({"report", r});
  EXPECT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("CI width"), std::string::npos) << table.out;
  for (const char* f : {"gbench", "bmf", "github-action"}) {
    auto res = run_cli({"report", r, "--format", f, "--output", dir.file(std::string(f) + ".json")});
    EXPECT_EQ(res.status, 0) << f << res.err;
    auto j = nlohmann::json::parse(test::read_file(dir.file(std::string(f) + ".json")));
    EXPECT_FALSE(j.empty()) << f;
  }
  auto to_stdout = run_cli({"report", r, "--format", "bmf"});
  EXPECT_EQ(to_stdout.status, 0);
  EXPECT_TRUE(nlohmann::json::parse(to_stdout.out).contains("t.rep/jemalloc"));
  auto md = run_cli({"report", r, "--markdown", "-"});
  EXPECT_EQ(md.status, 0);
  EXPECT_EQ(md.out.rfind("### heapreplay: 1 trace, 2 allocators", 0), 0u) << md.out;
}

// The github-action export's note on the interval says the confidence the
// order-statistic interval really has for the runs at hand, never a nominal
// "95% CI" next to a lower coverage.
TEST(ReportCli, GithubActionSaysTheIntervalsRealConfidence) {
  TempDir dir;
  for (int runs : {3, 4, 6}) {
    std::string r = write_report(dir, "r.json", synthetic_report({"t.rep"}, {{"glibc"}}, runs));
    auto res = run_cli({"report", r, "--format", "github-action"});
    ASSERT_EQ(res.status, 0) << res.err;
    auto j = nlohmann::json::parse(res.out);
    ASSERT_FALSE(j.empty());
    const char* confidence = runs == 3 ? "75.0%" : runs == 4 ? "87.5%" : "96.9%";
    for (const auto& e : j) {
      std::string extra = e["extra"];
      EXPECT_EQ(extra.rfind("median of " + std::to_string(runs) + " runs; CI of the median [", 0), 0u) << extra;
      EXPECT_NE(extra.find("] (order statistics, " + std::string(confidence) + " confidence with " +
                           std::to_string(runs) + " runs); min "),
                std::string::npos)
          << extra;
      EXPECT_EQ(extra.find("95%"), std::string::npos) << extra;
      EXPECT_EQ(extra.find("coverage"), std::string::npos) << extra;
    }
  }
}

TEST(ReportCli, BadUsageAndMissingChartJs) {
  TempDir dir;
  std::string r = write_report(dir, "r.json", synthetic_report({"t.rep"}, {{"glibc"}}, 1));
  auto res = run_cli({"report", r, "--format", "csv"});
  EXPECT_EQ(res.status, 2);
  res = run_cli({"report", r, "--output", dir.file("x")});
  EXPECT_EQ(res.status, 2);
  EXPECT_NE(res.err.find("--output needs --format"), std::string::npos);
  res = run_cli({"report", r, "--html", dir.file("x.html"), "--chartjs", dir.file("nosuch.js")});
  EXPECT_EQ(res.status, 2);
  EXPECT_NE(res.err.find("needs Chart.js"), std::string::npos) << res.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.html")));
  res = run_cli({"report", dir.write("bad.json", "{\"schema\": 3}")});
  EXPECT_EQ(res.status, 2);
  EXPECT_EQ(lines(res.err), 1u) << res.err;
  // A stand-in library is enough to check the writing side.
  std::string js = dir.write("chart.js", "/* Chart */ var Chart = function () {};");
  res = run_cli({"report", r, "--html", dir.file("no/dir/x.html"), "--chartjs", js});
  EXPECT_EQ(res.status, 3) << res.err;
  res = run_cli({"report", r, "--html", dir.file("x.html"), "--chartjs", js});
  EXPECT_EQ(res.status, 0) << res.err;
  EXPECT_NE(test::read_file(dir.file("x.html")).find("var Chart = function"), std::string::npos);
}

// --min-bytes-change: the noise floor of the memory metrics, 256K unless
// given; a size as --memory-limit takes it, or the command refuses it.
TEST(CompareCli, MinBytesChangeIsTheMemoryNoiseFloor) {
  TempDir dir;
  auto with_rss = [](std::uint64_t rss) {
    Report r = synthetic_report({"t.rep"}, {{"glibc"}}, 5);
    for (RunResult& run : r.runs) run.peak_rss_bytes = rss;
    return r;
  };
  std::string base = write_report(dir, "base.json", with_rss(16 << 10));
  std::string now = write_report(dir, "new.json", with_rss(24 << 10));
  auto res = run_cli({"compare", base, now});
  EXPECT_EQ(res.status, 0) << res.out << res.err;
  EXPECT_NE(res.out.find("same: change under the 256.0 KiB noise floor of memory figures"), std::string::npos)
      << res.out;
  res = run_cli({"compare", base, now, "--min-bytes-change", "0"});
  EXPECT_EQ(res.status, 1) << res.out;
  EXPECT_NE(res.out.find("1 regression: t.rep glibc peak_rss_bytes +50.0%"), std::string::npos) << res.out;
  res = run_cli({"compare", base, now, "--min-bytes-change", "4K"});
  EXPECT_EQ(res.status, 1) << res.out;
  res = run_cli({"compare", base, now, "--min-bytes-change", "9K"});
  EXPECT_EQ(res.status, 0) << res.out;
  std::string big_base = write_report(dir, "big_base.json", with_rss(10 << 20));
  std::string big_new = write_report(dir, "big_new.json", with_rss(20 << 20));
  res = run_cli({"compare", big_base, big_new});
  EXPECT_EQ(res.status, 1) << res.out;
  EXPECT_NE(res.out.find("REGRESSED"), std::string::npos) << res.out;
  res = run_cli({"compare", base, now, "--min-bytes-change", "lots"});
  EXPECT_EQ(res.status, 2);
  EXPECT_EQ(res.err,
            "heapreplay compare: --min-bytes-change needs a size such as 256K, 1M or 0, not 'lots' (see heapreplay "
            "compare --help)\n");
}

TEST(ReportCli, HelpForBoth) {
  for (const char* cmd : {"compare", "report"}) {
    auto r = run_cli({cmd, "--help"});
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find(std::string("usage: heapreplay ") + cmd), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace heapreplay
