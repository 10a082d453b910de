// The markdown summary of a report (see markdown.h).
#include "reports/markdown.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "reports/aggregate.h"
#include "reports/format.h"
#include "reports/table.h"

namespace heapreplay {

std::string markdown_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\n':
      case '\r': out += ' '; break;
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '|':
      case '~':
      case '#':
      case '!':
        out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
  return out;
}

namespace {

std::string context_string(const Report& r, const char* key) {
  if (!r.context.contains(key)) return "";
  const auto& v = r.context[key];
  return v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string median_of(const Aggregate& a, const char* metric, MetricUnit unit) {
  const MetricSummary* m = a.find(metric);
  return m ? format_value(m->summary.median, unit) : "";
}

}  // namespace

std::string render_markdown(const Report& report) {
  std::vector<Aggregate> aggs = aggregate(report);
  std::set<std::string> traces, allocators, ops;
  bool footprint = false, frag = false, repeated = false;
  for (const Aggregate& a : aggs) {
    traces.insert(a.trace);
    allocators.insert(a.allocator);
    repeated = repeated || a.runs > 1;
    footprint = footprint || a.find("peak_footprint_bytes");
    frag = frag || a.find("fragmentation_peak_ratio");
    for (const MetricSummary& m : a.metrics) {
      const std::string& n = m.info.name;
      if (n.rfind("latency.", 0) == 0 && n.size() > 15 && n.compare(n.size() - 7, 7, ".p99_ns") == 0)
        ops.insert(n.substr(8, n.size() - 15));
    }
  }
  std::ostringstream os;
  os << "### heapreplay: " << traces.size() << (traces.size() == 1 ? " trace" : " traces") << ", " << allocators.size()
     << (allocators.size() == 1 ? " allocator" : " allocators") << "\n\n";
  std::vector<std::string> facts;
  for (const char* key : {"date", "host", "cpu", "heapreplay_version", "git_revision", "build_type"}) {
    std::string v = context_string(report, key);
    if (!v.empty()) facts.push_back(markdown_escape(v));
  }
  if (!facts.empty()) {
    for (std::size_t i = 0; i < facts.size(); ++i) os << (i ? " · " : "") << facts[i];
    os << "\n\n";
  }
  std::string cmd = context_string(report, "command_line");
  if (!cmd.empty()) os << "Command: " << markdown_escape(cmd) << "\n\n";
  if (report.interrupted)
    os << "**Incomplete:** " << markdown_escape(interruption_text(report)) << "; the runs not started are missing.\n\n";

  std::vector<std::string> header = {"trace", "allocator", "runs", "ns/event"};
  if (repeated) header.push_back("95% CI");
  header.push_back("peak RSS");
  if (footprint) header.push_back("peak footprint");
  if (frag) header.push_back("peak footprint / peak live");
  for (const std::string& op : ops) header.push_back("p99 " + op);
  os << '|';
  for (const std::string& h : header) os << ' ' << markdown_escape(h) << " |";
  os << "\n|";
  for (std::size_t i = 0; i < header.size(); ++i) os << (i < 2 ? " --- |" : " ---: |");
  os << '\n';
  std::vector<std::string> failures;
  for (const Aggregate& a : aggs) {
    std::vector<std::string> row = {a.trace, a.allocator, std::to_string(a.ok_runs) + "/" + std::to_string(a.runs)};
    const MetricSummary* ns = a.find("ns_per_event");
    if (!ns) {
      row.push_back(a.first_failure);
    } else {
      row.push_back(fixed_digits(ns->summary.median, 2));
    }
    if (repeated) {
      std::string ci;
      if (ns && ns->summary.n > 1) {
        ci = fixed_digits(ns->summary.ci_low, 2) + " – " + fixed_digits(ns->summary.ci_high, 2);
        if (ns->summary.ci_confidence + 1e-9 < kConfidenceLevel)
          ci += " (" + fixed_digits(ns->summary.ci_confidence * 100, 0) + "%)";
      }
      row.push_back(ci);
    }
    row.push_back(median_of(a, "peak_rss_bytes", MetricUnit::kBytes));
    if (footprint) row.push_back(median_of(a, "peak_footprint_bytes", MetricUnit::kBytes));
    if (frag) row.push_back(median_of(a, "fragmentation_peak_ratio", MetricUnit::kRatio));
    for (const std::string& op : ops)
      row.push_back(median_of(a, ("latency." + op + ".p99_ns").c_str(), MetricUnit::kNanoseconds));
    os << '|';
    for (const std::string& cell : row) os << ' ' << markdown_escape(cell) << " |";
    os << '\n';
    if (a.ok_runs < a.runs)
      failures.push_back("**" + markdown_escape(a.trace) + "** " + markdown_escape(a.allocator) + ": " +
                         std::to_string(a.runs - a.ok_runs) + " of " + std::to_string(a.runs) + " runs not ok (" +
                         markdown_escape(a.first_failure) + ")");
  }
  if (!failures.empty()) {
    os << "\nFailed runs:\n\n";
    for (const std::string& f : failures) os << "- " << f << '\n';
  }
  os << "\nMedians over ok runs";
  if (repeated)
    os << "; 95% CI: distribution-free interval for the median of ns/event (its real coverage in parentheses when "
          "below 95%)";
  os << ".\n";
  return os.str();
}

}  // namespace heapreplay
