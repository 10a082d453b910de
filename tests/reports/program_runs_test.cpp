// Program runs (`heapreplay run`, kind "program") on the report side: JSON
// round trip, replays' JSON unchanged, aggregates, the table, compare's
// gates on wall time and peak RSS, and every export and rendering.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "reports/aggregate.h"
#include "reports/compare.h"
#include "reports/exports/exports.h"
#include "reports/html.h"
#include "reports/markdown.h"
#include "reports/table.h"
#include "support/synthetic_report.h"

namespace heapreplay {
namespace {

RunResult program_run(const std::string& program, const std::string& allocator, int rep, double wall_ms, double rss_mib,
                      const std::string& status = "ok") {
  RunResult r;
  r.kind = "program";
  r.trace = program;
  r.allocator = allocator;
  r.repetition = rep;
  r.status = status;
  if (status != "ok") r.status_detail = "exited with status 3: boom";
  r.command = {"/usr/bin/" + program, "--flag", "a b"};
  r.exit_code = status == "ok" ? 0 : 3;
  r.wall_ns = static_cast<std::uint64_t>(wall_ms * 1e6 * (1 + 0.01 * rep));
  r.user_ns = r.wall_ns / 2;
  r.sys_ns = r.wall_ns / 10;
  r.peak_rss_bytes = static_cast<std::uint64_t>(rss_mib * 1048576) + static_cast<std::uint64_t>(rep) * 4096;
  r.rss_method = "ru_maxrss";
  r.minor_faults = 1000 + static_cast<std::uint64_t>(rep);
  r.major_faults = 1;
  r.voluntary_switches = 5;
  r.involuntary_switches = 7;
  r.spawn_rss_bytes = 3 << 20;
  r.output_check = "same";
  return r;
}

Report program_report(double glibc_ms, double other_ms, double other_rss_mib, int reps = 5) {
  Report rep;
  rep.context = {{"kind", "program"}, {"repetitions", reps}};
  for (int k = 0; k < reps; ++k) {
    rep.runs.push_back(program_run("sort", "glibc", k, glibc_ms, 100));
    rep.runs.push_back(program_run("sort", "jemalloc", k, other_ms, other_rss_mib));
  }
  return rep;
}

TEST(ProgramRuns, RoundTripThroughJson) {
  Report rep = program_report(100, 80, 120);
  rep.runs.push_back(program_run("sort", "mimalloc", 0, 90, 110, "failed"));
  nlohmann::json j = report_to_json(rep);
  Report back = report_from_json(nlohmann::json::parse(j.dump()));
  ASSERT_EQ(back.runs.size(), rep.runs.size());
  for (std::size_t i = 0; i < rep.runs.size(); ++i) {
    const RunResult &a = rep.runs[i], &b = back.runs[i];
    EXPECT_EQ(b.kind, "program");
    EXPECT_EQ(b.command, a.command);
    EXPECT_EQ(b.exit_code, a.exit_code);
    EXPECT_EQ(b.wall_ns, a.wall_ns);
    EXPECT_EQ(b.user_ns, a.user_ns);
    EXPECT_EQ(b.sys_ns, a.sys_ns);
    EXPECT_EQ(b.peak_rss_bytes, a.peak_rss_bytes);
    EXPECT_EQ(b.minor_faults, a.minor_faults);
    EXPECT_EQ(b.major_faults, a.major_faults);
    EXPECT_EQ(b.voluntary_switches, a.voluntary_switches);
    EXPECT_EQ(b.involuntary_switches, a.involuntary_switches);
    EXPECT_EQ(b.spawn_rss_bytes, a.spawn_rss_bytes);
    EXPECT_EQ(b.output_check, a.output_check);
    EXPECT_EQ(b.status_detail, a.status_detail);
  }
  EXPECT_EQ(report_to_json(back), j);
  // A kind this build does not know is refused, naming the run.
  j["runs"][1]["kind"] = "daemon";
  try {
    report_from_json(j);
    FAIL() << "an unknown kind was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "run 1: \"kind\" is 'daemon', not replay or program");
  }
}

// A report of replays, written before program runs existed, reads back and
// writes out unchanged: its runs carry no "kind".
TEST(ProgramRuns, ReplayReportsAreUnchanged) {
  std::ifstream in(std::string(HR_FIXTURES) + "/../fuzz/corpus/report/two-designs.json");
  ASSERT_TRUE(in) << "fixture missing";
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json original = nlohmann::json::parse(ss.str());
  Report r = report_from_json(original);
  ASSERT_FALSE(r.runs.empty());
  for (const RunResult& run : r.runs) EXPECT_EQ(run.kind, "replay");
  nlohmann::json again = report_to_json(r);
  for (const auto& run : again["runs"]) EXPECT_FALSE(run.contains("kind"));
  EXPECT_EQ(report_to_json(report_from_json(again)), again);
  for (const Aggregate& a : aggregate(r)) {
    EXPECT_EQ(a.kind, "replay");
    EXPECT_EQ(a.find("wall_ns"), nullptr);
  }
}

TEST(ProgramRuns, AggregatesTheirOwnMetrics) {
  Report rep = program_report(100, 80, 120);
  std::vector<Aggregate> aggs = aggregate(rep);
  ASSERT_EQ(aggs.size(), 2u);
  EXPECT_TRUE(aggs[0].is_program());
  for (const char* m : {"wall_ns", "user_ns", "sys_ns", "peak_rss_bytes", "minor_faults", "major_faults",
                        "voluntary_switches", "involuntary_switches"})
    EXPECT_NE(aggs[0].find(m), nullptr) << m;
  EXPECT_EQ(aggs[0].find("ns_per_event"), nullptr);
  EXPECT_EQ(aggs[0].find("wall_ns")->summary.n, 5u);
  EXPECT_NEAR(aggs[0].find("wall_ns")->summary.median, 102e6, 1);
  nlohmann::json j = aggregate_runs(rep);
  EXPECT_EQ(j[0]["kind"], "program");
  EXPECT_EQ(j[0]["metrics"]["wall_ns"]["n"], 5);
}

TEST(ProgramRuns, TableShowsProgramsBelowReplays) {
  Report rep = test::synthetic_report({"t.rep"}, {{"glibc"}}, 1);
  for (const RunResult& r : program_report(100, 80, 120, 3).runs) rep.runs.push_back(r);
  rep.runs.push_back(program_run("broken", "glibc", 0, 10, 1, "failed"));
  std::string t = render_table(rep);
  const auto replay_header = t.find("trace ");
  const auto program_header = t.find("program ");
  ASSERT_NE(replay_header, std::string::npos) << t;
  ASSERT_NE(program_header, std::string::npos) << t;
  EXPECT_LT(replay_header, program_header);
  EXPECT_NE(t.find("CI width"), std::string::npos) << t;
  EXPECT_NE(t.find("101.00 ms"), std::string::npos) << t;  // glibc's median of 100, 101 and 102 ms
  EXPECT_NE(t.find("100.0 MiB"), std::string::npos) << t;
  EXPECT_NE(t.find("failed: exited with status 3: boom"), std::string::npos) << t;
  // Program runs alone: only their table.
  std::string only = render_table(program_report(100, 80, 120, 1));
  EXPECT_EQ(only.rfind("program ", 0), 0u) << only;
  EXPECT_EQ(only.find("ns/event"), std::string::npos) << only;
}

TEST(ProgramRuns, CompareGatesOnWallTimeAndPeakRss) {
  Report base = program_report(100, 100, 100), slower = program_report(100, 130, 150);
  CompareOptions opt;
  Comparison c = compare_reports(base, slower, opt);
  std::map<std::string, Verdict> verdict;
  for (const MetricComparison& r : c.rows)
    if (r.allocator == "jemalloc") verdict[r.metric] = r.verdict;
  ASSERT_EQ(verdict.size(), 2u);
  EXPECT_EQ(verdict["wall_ns"], Verdict::kRegressed);
  EXPECT_EQ(verdict["peak_rss_bytes"], Verdict::kRegressed);
  EXPECT_EQ(c.regressions(), 2u);
  // The memory noise floor holds for program runs too: +20% that is 200 KiB is noise.
  Report a = program_report(100, 100, 1), b = program_report(100, 100, 1.2);
  for (const MetricComparison& r : compare_reports(a, b, opt).rows)
    if (r.metric == "peak_rss_bytes" && r.allocator == "jemalloc") {
      EXPECT_EQ(r.verdict, Verdict::kSame);
      EXPECT_NE(r.detail.find("noise floor"), std::string::npos);
    }
  // --match across allocators of one report, and the wall threshold by name.
  opt.match = {{"glibc", "jemalloc"}};
  opt.threshold_pct["wall_ns"] = 50;
  for (const MetricComparison& r : compare_reports(slower, slower, opt).rows)
    if (r.metric == "wall_ns") {
      EXPECT_EQ(r.verdict, Verdict::kSame) << r.change_pct;
    }
  EXPECT_EQ(canonical_threshold_name("wall"), "wall_ns");
  // Failed program runs fail the gate as failed replays do.
  Report failing = program_report(100, 100, 100);
  failing.runs[1].status = "crashed";
  failing.runs[1].status_detail = "killed by SIGSEGV";
  Comparison f = compare_reports(base, failing, CompareOptions{});
  EXPECT_GE(f.regressions(), 1u);
}

TEST(ProgramRuns, ExportsCarryWallTimeAndCounters) {
  Report rep = program_report(100, 80, 120, 3);
  nlohmann::json g = export_gbench(rep);
  ASSERT_FALSE(g["benchmarks"].empty());
  const auto& first = g["benchmarks"][0];
  EXPECT_EQ(first["name"], "sort/glibc");
  EXPECT_EQ(first["iterations"], 1);
  EXPECT_DOUBLE_EQ(first["real_time"].get<double>(), static_cast<double>(rep.runs[0].wall_ns));
  EXPECT_DOUBLE_EQ(first["cpu_time"].get<double>(), static_cast<double>(rep.runs[0].user_ns + rep.runs[0].sys_ns));
  EXPECT_TRUE(first.contains("peak_rss_bytes"));
  EXPECT_FALSE(first.contains("wall_ns"));
  bool median = false;
  for (const auto& b : g["benchmarks"])
    if (b["name"] == "sort/glibc_median") median = true;
  EXPECT_TRUE(median);

  nlohmann::json bmf = export_bmf(rep);
  EXPECT_TRUE(bmf["sort/jemalloc"].contains("wall-ns"));
  EXPECT_TRUE(bmf["sort/jemalloc"].contains("peak-rss-bytes"));
  EXPECT_TRUE(bmf["sort/jemalloc"]["wall-ns"].contains("lower_value"));

  std::set<std::string> names;
  for (const auto& e : export_github_action(rep)) names.insert(e["name"].get<std::string>());
  EXPECT_TRUE(names.count("sort/glibc wall_ns"));
  EXPECT_TRUE(names.count("sort/glibc peak_rss_bytes"));
  EXPECT_TRUE(names.count("sort/glibc user_ns"));
  for (const ReportExport& e : kReportExports) EXPECT_FALSE(e.render(rep).empty()) << e.name;
}

TEST(ProgramRuns, MarkdownAndHtmlShowThem) {
  Report rep = program_report(100, 80, 120, 3);
  rep.runs.push_back(program_run("broken", "glibc", 0, 10, 1, "failed"));
  std::string md = render_markdown(rep);
  EXPECT_NE(md.find("### heapreplay: 2 programs, 2 allocators"), std::string::npos) << md;
  EXPECT_NE(md.find("| program | allocator | runs | wall | 95% CI |"), std::string::npos) << md;
  EXPECT_NE(md.find("| sort | jemalloc | 3/3 |"), std::string::npos) << md;
  EXPECT_NE(md.find("**broken** glibc: 1 of 1 runs not ok"), std::string::npos) << md;

  nlohmann::json page = html_page_data(rep);
  EXPECT_TRUE(page["traces"].empty());
  ASSERT_EQ(page["programs"].size(), 2u);
  EXPECT_EQ(page["programs"][0]["name"], "sort");
  EXPECT_EQ(page["programs"][0]["command"], "/usr/bin/sort --flag a b");
  EXPECT_EQ(page["programs"][0]["rows"].size(), 2u);
  EXPECT_TRUE(page["programs"][0]["rows"][0]["metrics"].contains("wall_ns"));
  std::string html = render_html(rep, "/* Chart stand-in */");
  EXPECT_NE(html.find("Wall time per allocator"), std::string::npos);
  EXPECT_NE(html.find("Peak RSS per allocator"), std::string::npos);
}

}  // namespace
}  // namespace heapreplay
