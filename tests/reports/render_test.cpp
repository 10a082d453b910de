// Everything that renders a report: the aggregates array, the text table's
// CI column, the gbench / BMF / github-action exports, the markdown summary
// and the HTML page (its embedded data and its escaping). Synthetic reports
// with every measured field filled, and reports whose series are empty.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "reports/aggregate.h"
#include "reports/exports/exports.h"
#include "reports/html.h"
#include "reports/markdown.h"
#include "reports/table.h"
#include "support/synthetic_report.h"

namespace heapreplay {
namespace {

using test::synthetic_report;
using test::SyntheticAllocator;

const std::vector<SyntheticAllocator> kAllocs = {{"glibc", 30, 1.2, 1.4, 90}, {"jemalloc", 20, 1.1, 1.2, 60}};
const char* kEvil = "<img src=x onerror=alert(1)>.rep";

TEST(Aggregates, OneEntryPerTraceAndAllocatorWithEveryMeasuredMetric) {
  Report r = synthetic_report({"a.rep", "b.rep"}, kAllocs, 5);
  nlohmann::json j = aggregate_runs(r);
  ASSERT_EQ(j.size(), 4u);
  EXPECT_EQ(j[0]["trace"], "a.rep");
  EXPECT_EQ(j[0]["allocator"], "glibc");
  EXPECT_EQ(j[0]["runs"], 5);
  EXPECT_EQ(j[0]["ok_runs"], 5);
  EXPECT_EQ(j[0]["ci_method"], "median-order-statistic");
  const auto& m = j[0]["metrics"];
  for (const char* k : {"ns_per_event", "peak_rss_bytes", "peak_footprint_bytes", "fragmentation_peak_ratio",
                        "utilization", "retained_after_trim_bytes", "latency.malloc.p99_ns", "latency.free.max_ns"})
    EXPECT_TRUE(m.contains(k)) << k;
  const auto& ns = m["ns_per_event"];
  EXPECT_EQ(ns["n"], 5);
  EXPECT_LE(ns["min"].get<double>(), ns["ci_low"].get<double>());
  EXPECT_LE(ns["ci_low"].get<double>(), ns["median"].get<double>());
  EXPECT_LE(ns["median"].get<double>(), ns["ci_high"].get<double>());
  EXPECT_DOUBLE_EQ(ns["ci_confidence"].get<double>(), 0.9375);
  EXPECT_NEAR(ns["median"].get<double>(), 30, 1);
}

TEST(Aggregates, UnsampledRunsHaveNoFootprintAndFailedGroupsNoMetrics) {
  Report r = synthetic_report({"a.rep"}, kAllocs, 2, 0.02, /*samples=*/0, /*latency=*/false);
  for (RunResult& x : r.runs)
    if (x.allocator == "jemalloc") x.status = "crashed";
  nlohmann::json j = aggregate_runs(r);
  EXPECT_TRUE(j[0]["metrics"].contains("ns_per_event"));
  EXPECT_FALSE(j[0]["metrics"].contains("peak_footprint_bytes"));
  EXPECT_FALSE(j[0]["metrics"].contains("latency.malloc.p99_ns"));
  EXPECT_EQ(j[1]["ok_runs"], 0);
  EXPECT_EQ(j[1]["first_failure"], "crashed");
  EXPECT_TRUE(j[1]["metrics"].empty());
}

TEST(Table, CiColumnOnlyWithRepetitions) {
  std::string one = render_table(synthetic_report({"a.rep"}, kAllocs, 1));
  EXPECT_EQ(one.find("CI width"), std::string::npos) << one;
  Report r = synthetic_report({"a.rep"}, kAllocs, 3);
  std::string three = render_table(r);
  EXPECT_NE(three.find("CI width"), std::string::npos) << three;
  EXPECT_NE(three.find("(75%)"), std::string::npos) << three;  // 3 runs: [min, max] covers 75%
  std::string six = render_table(synthetic_report({"a.rep"}, kAllocs, 6));
  EXPECT_EQ(six.find("%)"), std::string::npos) << six;  // 6 runs reach 95%
  Summary s = summarize({10, 12, 11});
  EXPECT_EQ(ci_width(s), "2.00 (75%)");
}

TEST(Table, ControlCharactersInNamesAreShownEscaped) {
  Report r = synthetic_report({"\x1b[2J\x1b[31mred.rep\nfake row\r"}, kAllocs, 1);
  r.runs[1].status = "crashed";
  r.runs[1].status_detail = "died\x1b]0;title\x07";
  std::string t = render_table(r);
  for (char c : t) EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << "control character " << int(c);
  EXPECT_EQ(std::count(t.begin(), t.end(), '\n'), 3) << t;  // the header and two rows
  EXPECT_NE(t.find("\\x1b[2J\\x1b[31mred.rep\\x0afake row\\x0d"), std::string::npos) << t;
  EXPECT_NE(t.find("crashed: died\\x1b]0;title\\x07"), std::string::npos) << t;
}

TEST(Gbench, IterationsAndAggregatesAsGoogleBenchmarkWritesThem) {
  Report r = synthetic_report({"a.rep"}, kAllocs, 3);
  r.runs[1].status = "crashed";  // a.rep/jemalloc repetition 0
  nlohmann::json g = export_gbench(r);
  ASSERT_TRUE(g.contains("context"));
  EXPECT_EQ(g["context"]["host_name"], "testhost");
  EXPECT_EQ(g["context"]["library_build_type"], "release");
  EXPECT_EQ(g["context"]["heapreplay_failed_runs"].size(), 1u);
  const auto& b = g["benchmarks"];
  int iterations = 0, aggregates = 0;
  for (const auto& e : b) {
    for (const char* k : {"name", "run_name", "run_type", "repetitions", "iterations", "real_time", "cpu_time",
                          "time_unit", "family_index", "per_family_instance_index", "threads"})
      EXPECT_TRUE(e.contains(k)) << k << " in " << e.dump();
    EXPECT_EQ(e["time_unit"], "ns");
    if (e["run_type"] == "iteration") {
      ++iterations;
      EXPECT_TRUE(e.contains("repetition_index"));
      EXPECT_TRUE(e.contains("peak_rss_bytes"));
      EXPECT_TRUE(e.contains("peak_footprint_bytes"));
      EXPECT_TRUE(e.contains("latency.malloc.p99_ns"));
      EXPECT_EQ(e["iterations"], 200000);
    } else {
      ++aggregates;
      EXPECT_EQ(e["run_type"], "aggregate");
      std::string agg = e["aggregate_name"];
      EXPECT_EQ(e["name"], e["run_name"].get<std::string>() + "_" + agg);
      EXPECT_EQ(e["aggregate_unit"], agg == "cv" ? "percentage" : "time");
    }
  }
  EXPECT_EQ(iterations, 5);      // 6 runs, one crashed
  EXPECT_EQ(aggregates, 2 * 4);  // mean, median, stddev, cv for each of the two
  EXPECT_EQ(b[0]["name"], "a.rep/glibc");
  EXPECT_DOUBLE_EQ(b[0]["real_time"].get<double>(), r.runs[0].ns_per_event);
}

TEST(Bmf, MediansWithTheIntervalAsBounds) {
  Report r = synthetic_report({"a.rep"}, kAllocs, 5);
  nlohmann::json j = export_bmf(r);
  ASSERT_TRUE(j.contains("a.rep/glibc"));
  const auto& m = j["a.rep/glibc"];
  for (const char* k : {"latency", "throughput", "peak-rss-bytes", "peak-footprint-bytes", "fragmentation-peak-ratio",
                        "retained-after-trim-bytes", "latency-malloc-p99-ns"})
    EXPECT_TRUE(m.contains(k)) << k;
  EXPECT_FALSE(m.contains("peak-live-bytes"));
  const auto& lat = m["latency"];
  EXPECT_LE(lat["lower_value"].get<double>(), lat["value"].get<double>());
  EXPECT_GE(lat["upper_value"].get<double>(), lat["value"].get<double>());
  for (const auto& [name, measure] : m.items()) {
    EXPECT_LE(name.size(), 64u);
    EXPECT_TRUE(measure["value"].is_number());
  }
  // One run: a value, no bounds.
  nlohmann::json one = export_bmf(synthetic_report({"a.rep"}, kAllocs, 1));
  EXPECT_FALSE(one["a.rep/glibc"]["latency"].contains("lower_value"));
}

TEST(GithubAction, SmallerIsBetterEntriesWithMemory) {
  nlohmann::json j = export_github_action(synthetic_report({"a.rep"}, kAllocs, 5));
  ASSERT_TRUE(j.is_array());
  std::set<std::string> names;
  for (const auto& e : j) {
    EXPECT_TRUE(e["name"].is_string());
    EXPECT_TRUE(e["unit"].is_string());
    EXPECT_TRUE(e["value"].is_number());
    EXPECT_TRUE(e["range"].is_string());
    EXPECT_TRUE(e["extra"].is_string());
    names.insert(e["name"]);
  }
  for (const char* n : {"a.rep/glibc ns_per_event", "a.rep/glibc peak_rss_bytes", "a.rep/glibc peak_footprint_bytes",
                        "a.rep/jemalloc latency.free.p99_ns"})
    EXPECT_TRUE(names.count(n)) << n;
  // Bigger-is-better figures stay out of a smaller-is-better file.
  EXPECT_FALSE(names.count("a.rep/glibc utilization"));
  EXPECT_FALSE(names.count("a.rep/glibc events_per_second"));
}

TEST(Markdown, CompactTableWithEveryNameEscaped) {
  Report r = synthetic_report({kEvil, "pipe|star*_under_.rep"}, kAllocs, 3);
  r.context["command_line"] = "heapreplay replay `rm -rf` <script>alert(1)</script>";
  r.runs[0].status = "crashed";
  r.runs[0].status_detail = "killed by SIGSEGV";
  std::string md = render_markdown(r);
  EXPECT_EQ(md.find("<img"), std::string::npos) << md;
  EXPECT_EQ(md.find("<script"), std::string::npos) << md;
  EXPECT_NE(md.find("&lt;img src=x onerror=alert(1)&gt;.rep"), std::string::npos) << md;
  EXPECT_NE(md.find("pipe\\|star\\*\\_under\\_.rep"), std::string::npos) << md;
  EXPECT_NE(md.find("\\`rm -rf\\`"), std::string::npos) << md;
  EXPECT_NE(md.find("| peak footprint |"), std::string::npos) << md;
  EXPECT_NE(md.find("p99 malloc"), std::string::npos) << md;
  EXPECT_NE(md.find("crashed: killed by SIGSEGV"), std::string::npos) << md;
  // Every table row has as many cells as its table's header (the replays'
  // table, then the Pareto front's).
  std::size_t header_cells = 0;
  std::istringstream in(md);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '|') {
      header_cells = 0;
      continue;
    }
    std::size_t cells = 0;
    for (std::size_t i = 0; i < line.size(); ++i)
      if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++cells;
    if (!header_cells) header_cells = cells;
    EXPECT_EQ(cells, header_cells) << line;
  }
  EXPECT_EQ(markdown_escape("a\nb"), "a b");
}

TEST(Markdown, EmptySeriesLeaveOutTheirColumns) {
  std::string md = render_markdown(synthetic_report({"a.rep"}, kAllocs, 1, 0.02, 0, false));
  EXPECT_EQ(md.find("peak footprint"), std::string::npos) << md;
  EXPECT_EQ(md.find("p99"), std::string::npos) << md;
  EXPECT_EQ(md.find("95% CI"), std::string::npos) << md;
}

TEST(Html, SelfContainedWithEscapedData) {
  Report r = synthetic_report({kEvil}, kAllocs, 3);
  std::string html = render_html(r, "/* Chart.js stand-in */ var Chart = function () {}; '</script>';");
  // Report text appears only inside the JSON block, with < > & escaped.
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("\\u003cimg src=x onerror=alert(1)\\u003e.rep"), std::string::npos);
  // A "</script" inside the library cannot close its element early.
  EXPECT_EQ(html.find("'</script>'"), std::string::npos);
  EXPECT_NE(html.find("'<\\/script>'"), std::string::npos);
  // Nothing is fetched: no src= or href= to anywhere, and a CSP that forbids it.
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(html.find("textContent"), std::string::npos);
  EXPECT_EQ(html.find("innerHTML"), std::string::npos);
  // The embedded JSON parses back once the \u escapes are read.
  auto begin = html.find("<script type=\"application/json\" id=\"hr-data\">");
  ASSERT_NE(begin, std::string::npos);
  begin = html.find('>', begin) + 1;
  auto end = html.find("</script>", begin);
  nlohmann::json data = nlohmann::json::parse(html.substr(begin, end - begin));
  EXPECT_EQ(data["traces"][0]["name"], kEvil);
  EXPECT_EQ(data, html_page_data(r));
}

TEST(Html, PageDataHasSeriesPerAllocatorAndTheirLatency) {
  nlohmann::json d = html_page_data(synthetic_report({"a.rep"}, kAllocs, 2));
  const auto& t = d["traces"][0];
  EXPECT_EQ(t["allocators"], nlohmann::json({"glibc", "jemalloc"}));
  ASSERT_EQ(t["series"].size(), 2u);
  EXPECT_EQ(t["series"][0]["event"].size(), 120u);
  EXPECT_EQ(t["series"][0]["footprint_bytes"].size(), 120u);
  EXPECT_EQ(t["series"][0]["repetition"], 0);
  EXPECT_EQ(t["latency_ops"], nlohmann::json({"malloc", "realloc", "free"}));
  // Long series are thinned, ending on the last sample.
  Report big = synthetic_report({"a.rep"}, {kAllocs[0]}, 1, 0.02, 5000);
  nlohmann::json big_data = html_page_data(big);
  const auto& s = big_data["traces"][0]["series"][0];
  EXPECT_LE(s["event"].size(), 2000u);
  EXPECT_EQ(s["event"].back(), big.runs[0].samples.back().event);
}

TEST(Html, EmptySeriesAndFailedGroupsRenderWithoutCharts) {
  Report r = synthetic_report({"a.rep"}, kAllocs, 1, 0.02, 0, false);
  r.runs[1].status = "failed";
  nlohmann::json d = html_page_data(r);
  EXPECT_TRUE(d["traces"][0]["series"].empty());
  EXPECT_TRUE(d["traces"][0]["latency_ops"].empty());
  EXPECT_EQ(d["traces"][0]["rows"][1]["ok_runs"], 0);
  EXPECT_NO_THROW(render_html(r, "var Chart;"));
  EXPECT_NO_THROW(render_html(Report{}, "var Chart;"));
}

TEST(JsonForScript, EscapesWhatCouldEndTheElementAndBadUtf8) {
  EXPECT_EQ(json_for_script(nlohmann::json("</script><!--&")), "\"\\u003c/script\\u003e\\u003c!--\\u0026\"");
  std::string bad =
      "a\xff"
      "b";
  EXPECT_NO_THROW(json_for_script(nlohmann::json(bad)));
}

TEST(Junit, ACasePerPairFailedWhenARunWasNotOk) {
  Report r = synthetic_report({"a&<b>.rep"}, kAllocs, 3);
  r.runs[1].status = "crashed";
  r.runs[1].status_detail = "killed by SIGSEGV \"x\"";
  const std::string x = export_junit(r);
  EXPECT_EQ(x.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", 0), 0u);
  EXPECT_NE(x.find("<testsuite name=\"heapreplay\" tests=\"2\" failures=\"1\" errors=\"0\""), std::string::npos);
  // Names and messages escaped; the raw markup characters never appear inside them.
  EXPECT_NE(x.find("classname=\"a&amp;&lt;b&gt;.rep\" name=\"glibc\""), std::string::npos);
  EXPECT_EQ(x.find("a&<b>"), std::string::npos);
  EXPECT_NE(x.find("<failure message=\"crashed: killed by SIGSEGV &quot;x&quot;\" type=\"1 of 3 runs not ok\"/>"),
            std::string::npos)
      << x;
  // The medians as properties, and every element closed.
  EXPECT_NE(x.find("<property name=\"ns_per_event\" value=\""), std::string::npos);
  auto count = [&](const std::string& s) {
    std::size_t n = 0;
    for (std::size_t p = x.find(s); p != std::string::npos; p = x.find(s, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<testcase "), 2u);
  EXPECT_EQ(count("</testcase>"), 2u);
  EXPECT_EQ(count("<properties>"), count("</properties>"));
  EXPECT_EQ(x.substr(x.size() - 14), "</testsuites>\n");
  // A case's time: the median wall time of its ok runs, in seconds.
  std::vector<double> walls;
  for (const RunResult& run : r.runs)
    if (run.allocator == "jemalloc" && run.status == "ok") walls.push_back(static_cast<double>(run.wall_ns));
  ASSERT_EQ(walls.size(), 2u);
  char want[64];
  std::snprintf(want, sizeof want, "name=\"jemalloc\" time=\"%.6f\"", (walls[0] + walls[1]) / 2 / 1e9);
  EXPECT_NE(x.find(want), std::string::npos) << want << "\n" << x;
}

}  // namespace
}  // namespace heapreplay
