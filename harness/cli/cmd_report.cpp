// heapreplay report: renders a JSON report as a table (with the Pareto front
// of time against memory where a workload ran several specs), an export for CI
// tooling (one of reports/exports/exports.h's table), a markdown summary or a
// self-contained HTML page with charts.
#include <cstdlib>
#include <iostream>

#include "harness/cli/cli.h"
#include "reports/aggregate.h"
#include "reports/exports/exports.h"
#include "reports/html.h"
#include "reports/markdown.h"
#include "reports/output_file.h"
#include "reports/pareto.h"
#include "reports/report_file.h"
#include "reports/shard.h"
#include "reports/table.h"

namespace heapreplay::cli {

namespace {

// Debian's libjs-chart.js (Chart.js 3.9); $HEAPREPLAY_CHARTJS or --chartjs
// point elsewhere.
constexpr const char* kChartJsPaths[] = {"/usr/share/javascript/chart.js/chart.min.js",
                                         "/usr/share/javascript/chart.js/chart.js"};

std::string read_chartjs(const std::string& given) {
  std::string chosen = given;
  if (const char* env = std::getenv("HEAPREPLAY_CHARTJS"); chosen.empty() && env && *env) chosen = env;
  std::vector<std::string> candidates;
  if (chosen.empty())
    candidates.assign(std::begin(kChartJsPaths), std::end(kChartJsPaths));
  else
    candidates.push_back(chosen);
  for (const std::string& path : candidates) {
    std::string js;
    try {
      js = read_whole_file(path);
    } catch (const std::runtime_error&) {
      continue;
    }
    if (js.find("Chart") == std::string::npos)
      throw UsageError("--html: " + path + " does not look like Chart.js (chart.min.js of libjs-chart.js)");
    return js;
  }
  if (!chosen.empty()) throw UsageError("--html needs Chart.js, and " + chosen + " cannot be read");
  throw UsageError(std::string("--html needs Chart.js, not found at ") + kChartJsPaths[0] +
                   " (install Debian's libjs-chart.js, or give --chartjs FILE or $HEAPREPLAY_CHARTJS)");
}

// "export for CI tooling: gbench (Google Benchmark JSON, ...), bmf (...)",
// from the export table.
std::string format_help() {
  std::string help = "export for CI tooling:";
  for (const ReportExport& e : kReportExports)
    help +=
        std::string(&e == kReportExports ? " " : ", ") + std::string(e.name) + " (" + std::string(e.description) + ")";
  return help;
}

// heapreplay report merge FRAGMENT... -o REPORT.json [--allow-partial]
int report_merge(const std::vector<std::string>& args) {
  std::vector<std::string> paths;
  std::string output;
  bool allow_partial = false;
  po::options_description d("Options");
  d.add_options()("output,o", po::value(&output), "write the merged report here (atomically; - for stdout)")(
      "allow-partial", po::bool_switch(&allow_partial),
      "merge what is there when runs are missing, and list them in context.partial")(
      "fragment", po::value(&paths)->composing(), "the shards' reports (positional)");
  po::positional_options_description pos;
  pos.add("fragment", -1);
  po::variables_map vm;
  if (!parse("report merge", args, d, pos, vm, "merge FRAGMENT.json... -o REPORT.json [--allow-partial]"))
    return kExitOk;
  if (paths.empty()) throw UsageError("merge needs the shards' reports: heapreplay report merge F1.json F2.json ...");
  if (output.empty()) throw UsageError("merge needs -o REPORT.json");
  std::vector<std::pair<std::string, Report>> fragments;
  for (const std::string& p : paths) fragments.emplace_back(p, read_report(p));
  Report merged;
  try {
    merged = merge_fragments(fragments, MergeOptions{allow_partial});
  } catch (const MergeError& e) {
    std::cerr << "heapreplay report merge: " << e.what() << "; nothing written\n";
    return kExitBadInput;
  }
  try {
    nlohmann::json j = report_to_json(merged);
    j["aggregates"] = aggregate_runs(merged);
    write_file_atomically(output, j.dump(2) + "\n");
  } catch (const std::runtime_error& e) {
    std::cerr << "heapreplay report merge: " << e.what() << " (" << output << " not written)\n";
    return kExitOutputFailed;
  }
  std::cerr << "heapreplay: merged " << fragments.size() << " fragment(s), " << merged.runs.size() << " runs, into "
            << output;
  if (merged.context.contains("partial"))
    std::cerr << " (partial: " << merged.context["partial"]["missing_runs"].size() << " of "
              << merged.context["partial"]["planned_runs"] << " runs missing)";
  std::cerr << '\n';
  return kExitOk;
}

}  // namespace

int cmd_report(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "merge") return report_merge({args.begin() + 1, args.end()});
  std::string path, format, output, markdown, html, chartjs;
  po::options_description d("Options");
  d.add_options()("format", po::value(&format), format_help().c_str())(
      "output,o", po::value(&output), "where the --format export goes (default: standard output)")(
      "markdown", po::value(&markdown), "write a markdown summary (for a CI job summary; - for standard output)")(
      "html", po::value(&html), "write a self-contained HTML report with charts")(
      "chartjs", po::value(&chartjs), "Chart.js file to bundle into the HTML (default: Debian's libjs-chart.js)")(
      "report", po::value(&path), "the JSON report (positional)");
  po::positional_options_description pos;
  pos.add("report", 1);
  po::variables_map vm;
  if (!parse("report", args, d, pos, vm,
             "REPORT.json [--format " + export_names("|", "|") +
                 " [--output FILE]] [--markdown OUT.md] [--html OUT.html]"))
    return kExitOk;
  if (path.empty()) throw UsageError("no report given");
  if (!output.empty() && format.empty()) throw UsageError("--output needs --format");
  const ReportExport* chosen = format.empty() ? nullptr : find_export(format);
  if (!format.empty() && !chosen)
    throw UsageError("--format must be " + export_names(", ", " or ") + ", not '" + format + "'");
  std::string chartjs_source = html.empty() ? std::string() : read_chartjs(chartjs);

  Report report = read_report(path);
  if (report.interrupted)
    std::cerr << "heapreplay report: " << path << " is incomplete: " << interruption_text(report)
              << "; it holds only the completed runs\n";
  std::vector<std::string> written;  // outputs complete before any failure
  std::string failing;
  try {
    if (chosen) {
      failing = output.empty() ? "-" : output;
      write_file_atomically(failing, chosen->render(report));
      written.push_back(failing);
    }
    if (!markdown.empty()) {
      failing = markdown;
      write_file_atomically(markdown, render_markdown(report));
      written.push_back(markdown);
    }
    if (!html.empty()) {
      failing = html;
      write_file_atomically(html, render_html(report, chartjs_source));
      written.push_back(html);
    }
  } catch (const std::runtime_error& e) {
    std::string done;
    for (const std::string& w : written) done += (done.empty() ? "" : ", ") + (w == "-" ? "standard output" : w);
    std::cerr << "heapreplay report: " << e.what() << " (" << (failing == "-" ? "standard output" : failing)
              << " not written" << (done.empty() ? "" : "; written before it: " + done) << ")\n";
    return kExitOutputFailed;
  }
  // The front is a view of a finished report: `report` shows it, the table
  // that replay, bench and run print as they end does not.
  if (written.empty()) std::cout << render_table(report) << render_pareto_text(pareto_workloads(aggregate(report)));
  return kExitOk;
}

}  // namespace heapreplay::cli
