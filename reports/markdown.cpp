// The markdown summary of a report (see markdown.h).
#include "reports/markdown.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "reports/aggregate.h"
#include "reports/fidelity.h"
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

// The program runs' table (`heapreplay run`): medians over ok runs.
void program_table(const std::vector<Aggregate>& programs, bool repeated, std::ostringstream& os,
                   std::vector<std::string>& failures) {
  std::vector<std::string> header = {"program", "allocator", "runs", "wall"};
  if (repeated) header.push_back("95% CI");
  for (const char* h : {"user", "sys", "peak RSS", "minor faults", "major faults"}) header.push_back(h);
  os << '|';
  for (const std::string& h : header) os << ' ' << markdown_escape(h) << " |";
  os << "\n|";
  for (std::size_t i = 0; i < header.size(); ++i) os << (i < 2 ? " --- |" : " ---: |");
  os << '\n';
  for (const Aggregate& a : programs) {
    std::vector<std::string> row = {a.trace, a.allocator, std::to_string(a.ok_runs) + "/" + std::to_string(a.runs)};
    const MetricSummary* wall = a.find("wall_ns");
    if (!wall) {
      row.push_back(a.first_failure);
      row.insert(row.end(), header.size() - row.size(), "");
    } else {
      row.push_back(human_duration(wall->summary.median));
      if (repeated) {
        std::string ci;
        if (wall->summary.n > 1) {
          ci = human_duration(wall->summary.ci_low) + " – " + human_duration(wall->summary.ci_high);
          if (wall->summary.ci_confidence + 1e-9 < kConfidenceLevel)
            ci += " (" + fixed_digits(wall->summary.ci_confidence * 100, 0) + "%)";
        }
        row.push_back(ci);
      }
      for (const char* m : {"user_ns", "sys_ns"}) row.push_back(human_duration(a.find(m)->summary.median));
      row.push_back(median_of(a, "peak_rss_bytes", MetricUnit::kBytes));
      row.push_back(median_of(a, "minor_faults", MetricUnit::kCount));
      row.push_back(median_of(a, "major_faults", MetricUnit::kCount));
    }
    os << '|';
    for (const std::string& cell : row) os << ' ' << markdown_escape(cell) << " |";
    os << '\n';
    if (a.ok_runs < a.runs)
      failures.push_back("**" + markdown_escape(a.trace) + "** " + markdown_escape(a.allocator) + ": " +
                         std::to_string(a.runs - a.ok_runs) + " of " + std::to_string(a.runs) + " runs not ok (" +
                         markdown_escape(a.first_failure) + ")");
  }
}

}  // namespace

std::string render_markdown(const Report& report) {
  std::vector<Aggregate> aggs, programs;
  for (Aggregate& a : aggregate(report)) (a.is_program() ? programs : aggs).push_back(std::move(a));
  bool programs_repeated = false;
  for (const Aggregate& a : programs) programs_repeated = programs_repeated || a.runs > 1;
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
  std::set<std::string> program_names;
  for (const Aggregate& a : programs) {
    program_names.insert(a.trace);
    allocators.insert(a.allocator);
  }
  os << "### heapreplay: ";
  if (!traces.empty() || program_names.empty())
    os << traces.size() << (traces.size() == 1 ? " trace" : " traces") << ", ";
  if (!program_names.empty())
    os << program_names.size() << (program_names.size() == 1 ? " program" : " programs") << ", ";
  os << allocators.size() << (allocators.size() == 1 ? " allocator" : " allocators") << "\n\n";
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

  std::vector<std::string> failures;
  if (!aggs.empty() || programs.empty()) {
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
  }
  if (!programs.empty()) {
    if (!aggs.empty()) os << '\n';
    program_table(programs, programs_repeated, os, failures);
  }
  if (!failures.empty()) {
    os << "\nFailed runs:\n\n";
    for (const std::string& f : failures) os << "- " << f << '\n';
  }
  os << render_fidelity_markdown(report.fidelity);
  os << "\nMedians over ok runs";
  if (!programs.empty())
    os << "; a program's wall time, user and sys time, peak RSS (ru_maxrss) and page faults are those of its whole "
          "process tree";
  if (repeated || programs_repeated)
    os << "; 95% CI: distribution-free interval for the median of " << (programs.empty() ? "ns/event" : "the time")
       << " (its real coverage in parentheses when below 95%)";
  os << ".\n";
  return os.str();
}

}  // namespace heapreplay
