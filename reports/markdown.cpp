// The markdown summary of a report (see markdown.h).
#include "reports/markdown.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "reports/aggregate.h"
#include "reports/fidelity.h"
#include "reports/format.h"
#include "reports/pareto.h"
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

// "**trace** allocator: 1 of 3 runs not ok (crashed: ...)", for the list of
// failed runs under the tables.
std::string failure_line(const Aggregate& a) {
  return "**" + markdown_escape(a.trace) + "** " + markdown_escape(a.allocator) + ": " +
         std::to_string(a.runs - a.ok_runs) + " of " + std::to_string(a.runs) + " runs not ok (" +
         markdown_escape(a.first_failure) + ")";
}

// A table's header row and its alignment row: the first two columns (names)
// left-aligned, the figures right-aligned.
void table_head(const std::vector<std::string>& header, std::ostringstream& os) {
  os << '|';
  for (const std::string& h : header) os << ' ' << markdown_escape(h) << " |";
  os << "\n|";
  for (std::size_t i = 0; i < header.size(); ++i) os << (i < 2 ? " --- |" : " ---: |");
  os << '\n';
}

void table_row(const std::vector<std::string>& row, std::ostringstream& os) {
  os << '|';
  for (const std::string& cell : row) os << ' ' << markdown_escape(cell) << " |";
  os << '\n';
}

// "0.52 ms – 0.61 ms (75%)": the median's interval, with its real coverage
// when below 95%; "" for a single value.
std::string interval_cell(const Summary& s, std::string (*format)(double)) {
  if (s.n <= 1) return "";
  std::string ci = format(s.ci_low) + " – " + format(s.ci_high);
  if (s.ci_confidence + 1e-9 < kConfidenceLevel) ci += " (" + fixed_digits(s.ci_confidence * 100, 0) + "%)";
  return ci;
}

std::string two_digits(double v) { return fixed_digits(v, 2); }

// The program runs' table (`heapreplay run`): medians over ok runs.
void program_table(const std::vector<Aggregate>& programs, bool repeated, std::ostringstream& os,
                   std::vector<std::string>& failures) {
  std::vector<std::string> header = {"program", "allocator", "runs", "wall"};
  if (repeated) header.push_back("95% CI");
  for (const char* h : {"user", "sys", "peak RSS", "minor faults", "major faults"}) header.push_back(h);
  table_head(header, os);
  for (const Aggregate& a : programs) {
    std::vector<std::string> row = {a.trace, a.allocator, std::to_string(a.ok_runs) + "/" + std::to_string(a.runs)};
    const MetricSummary* wall = a.find("wall_ns");
    if (!wall) {
      row.push_back(a.first_failure);
      row.insert(row.end(), header.size() - row.size(), "");
    } else {
      row.push_back(human_duration(wall->summary.median));
      if (repeated) row.push_back(interval_cell(wall->summary, human_duration));
      for (const char* m : {"user_ns", "sys_ns"}) row.push_back(human_duration(a.find(m)->summary.median));
      row.push_back(median_of(a, "peak_rss_bytes", MetricUnit::kBytes));
      row.push_back(median_of(a, "minor_faults", MetricUnit::kCount));
      row.push_back(median_of(a, "major_faults", MetricUnit::kCount));
    }
    table_row(row, os);
    if (a.ok_runs < a.runs) failures.push_back(failure_line(a));
  }
}

// The optional columns of the replays' table: each only when some row has it.
struct ReplayColumns {
  bool repeated = false;      // some (trace, allocator) ran more than once: the CI column
  bool footprint = false;     // peak footprint
  bool frag = false;          // peak footprint / peak live
  std::set<std::string> ops;  // operations with a p99 latency
};

ReplayColumns replay_columns(const std::vector<Aggregate>& aggs) {
  ReplayColumns c;
  for (const Aggregate& a : aggs) {
    c.repeated = c.repeated || a.runs > 1;
    c.footprint = c.footprint || a.find("peak_footprint_bytes");
    c.frag = c.frag || a.find("fragmentation_peak_ratio");
    for (const MetricSummary& m : a.metrics) {
      const std::string& n = m.info.name;
      if (n.rfind("latency.", 0) == 0 && n.size() > 15 && n.compare(n.size() - 7, 7, ".p99_ns") == 0)
        c.ops.insert(n.substr(8, n.size() - 15));
    }
  }
  return c;
}

// The replays' table: one row per (trace, allocator), medians over ok runs.
void replay_table(const std::vector<Aggregate>& aggs, const ReplayColumns& cols, std::ostringstream& os,
                  std::vector<std::string>& failures) {
  std::vector<std::string> header = {"trace", "allocator", "runs", "ns/event"};
  if (cols.repeated) header.push_back("95% CI");
  header.push_back("peak RSS");
  if (cols.footprint) header.push_back("peak footprint");
  if (cols.frag) header.push_back("peak footprint / peak live");
  for (const std::string& op : cols.ops) header.push_back("p99 " + op);
  table_head(header, os);
  for (const Aggregate& a : aggs) {
    std::vector<std::string> row = {a.trace, a.allocator, std::to_string(a.ok_runs) + "/" + std::to_string(a.runs)};
    const MetricSummary* ns = a.find("ns_per_event");
    row.push_back(ns ? fixed_digits(ns->summary.median, 2) : a.first_failure);
    if (cols.repeated) row.push_back(ns ? interval_cell(ns->summary, two_digits) : "");
    row.push_back(median_of(a, "peak_rss_bytes", MetricUnit::kBytes));
    if (cols.footprint) row.push_back(median_of(a, "peak_footprint_bytes", MetricUnit::kBytes));
    if (cols.frag) row.push_back(median_of(a, "fragmentation_peak_ratio", MetricUnit::kRatio));
    for (const std::string& op : cols.ops)
      row.push_back(median_of(a, ("latency." + op + ".p99_ns").c_str(), MetricUnit::kNanoseconds));
    table_row(row, os);
    if (a.ok_runs < a.runs) failures.push_back(failure_line(a));
  }
}

// The heading (what the report holds), the context in one line, the command
// and, for an interrupted session, that the report is incomplete.
void report_head(const Report& report, const std::vector<Aggregate>& aggs, const std::vector<Aggregate>& programs,
                 std::ostringstream& os) {
  std::set<std::string> traces, program_names, allocators;
  for (const Aggregate& a : aggs) {
    traces.insert(a.trace);
    allocators.insert(a.allocator);
  }
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
}

// "a, b, c", each escaped.
std::string escaped_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + markdown_escape(n);
  return out;
}

// The Pareto front of each workload that ran two or more specs: a row per
// point on a front, then the specs on no front, the figures some did not
// measure, and the specs never ok.
void pareto_section(const std::vector<ParetoWorkload>& workloads, std::ostringstream& os) {
  if (workloads.empty()) return;
  os << "\n**Pareto front**: median time against memory per workload (lower is better on both)\n\n";
  os << "| workload | against | time | memory | allocator |\n| --- | --- | ---: | ---: | --- |\n";
  std::vector<std::string> notes;
  for (const ParetoWorkload& w : workloads) {
    const std::string name = markdown_escape(w.name) + ": ";
    for (const ParetoChart& c : w.charts) {
      if (c.points.empty()) continue;  // no spec measured it: the report has no such figure
      if (!c.drawable()) {
        notes.push_back(name + c.axis.label + " measured for 1 spec only, no front");
        continue;
      }
      for (std::size_t i : c.front) {
        const ParetoPoint& p = c.points[i];
        table_row({w.name, c.axis.label, pareto_time_text(p.time, w.program), pareto_memory_text(p.memory, c.axis),
                   p.allocator},
                  os);
      }
      if (!c.unmeasured.empty())
        notes.push_back(name + c.axis.label + " not measured for " + escaped_list(c.unmeasured));
    }
    if (auto beaten = w.on_no_front(); !beaten.empty()) notes.push_back(name + "on no front: " + escaped_list(beaten));
    if (!w.no_ok_run.empty()) notes.push_back(name + "no ok run: " + escaped_list(w.no_ok_run));
  }
  if (!notes.empty()) os << '\n';
  for (const std::string& n : notes) os << "- " << n << '\n';
}

// The closing line: what the figures are.
void footnote(bool programs, bool repeated, std::ostringstream& os) {
  os << "\nMedians over ok runs";
  if (programs)
    os << "; a program's wall time, user and sys time, peak RSS (ru_maxrss) and page faults are those of its whole "
          "process tree";
  if (repeated)
    os << "; 95% CI: distribution-free interval for the median of " << (programs ? "the time" : "ns/event")
       << " (its real coverage in parentheses when below 95%)";
  os << ".\n";
}

}  // namespace

std::string render_markdown(const Report& report) {
  std::vector<Aggregate> aggs, programs;
  for (Aggregate& a : aggregate(report)) (a.is_program() ? programs : aggs).push_back(std::move(a));
  bool programs_repeated = false;
  for (const Aggregate& a : programs) programs_repeated = programs_repeated || a.runs > 1;
  const ReplayColumns cols = replay_columns(aggs);

  std::ostringstream os;
  report_head(report, aggs, programs, os);
  std::vector<std::string> failures;
  if (!aggs.empty() || programs.empty()) replay_table(aggs, cols, os, failures);
  if (!programs.empty()) {
    if (!aggs.empty()) os << '\n';
    program_table(programs, programs_repeated, os, failures);
  }
  if (!failures.empty()) {
    os << "\nFailed runs:\n\n";
    for (const std::string& f : failures) os << "- " << f << '\n';
  }
  pareto_section(pareto_workloads(aggregate(report)), os);
  os << render_fidelity_markdown(report.fidelity);
  footnote(!programs.empty(), cols.repeated || programs_repeated, os);
  return os.str();
}

}  // namespace heapreplay
