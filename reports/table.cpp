// Plain-text table of a report (see table.h).
#include "reports/table.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "reports/aggregate.h"
#include "reports/fidelity.h"

namespace heapreplay {

std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// Rows laid out in columns: the first two (names) and the header
// left-aligned, the others right-aligned, except the last when `text_last`
// (a status); the last column is not padded.
std::string layout(const std::vector<std::vector<std::string>>& rows, bool text_last) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c)
      if (c + 1 < row.size() || row.size() == width.size()) width[c] = std::max(width[c], row[c].size());
  std::ostringstream os;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    for (std::size_t c = 0; c < row.size(); ++c) {
      bool numeric = c >= 2 && i > 0 && !(text_last && c + 1 == row.size());
      std::string cell = row[c];
      if (c + 1 == row.size()) {
        os << (numeric ? std::string(width[c] - std::min(width[c], cell.size()), ' ') + cell : cell);
      } else if (numeric) {
        os << std::string(width[c] - std::min(width[c], cell.size()), ' ') << cell << "  ";
      } else {
        os << cell << std::string(width[c] - std::min(width[c], cell.size()), ' ') << "  ";
      }
    }
    os << '\n';
  }
  return os.str();
}

}  // namespace

std::string ci_width(const Summary& s) {
  if (s.n < 2) return "-";
  std::string w = fixed(s.ci_high - s.ci_low, 2);
  if (s.ci_confidence + 1e-9 < kConfidenceLevel) w += " (" + fixed(s.ci_confidence * 100, 0) + "%)";
  return w;
}

std::string human_duration(double ns) {
  if (ns < 1e9) return fixed(ns / 1e6, 2) + " ms";
  return fixed(ns / 1e9, 3) + " s";
}

std::string human_bytes(double bytes) {
  const char* unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  return u == 0 ? fixed(bytes, 0) + " B" : fixed(bytes, 1) + " " + unit[u];
}

namespace {

// Replays: one row per (trace, allocator); `groups` in the same order.
std::string render_replay_table(const std::vector<Aggregate>& aggregates, const std::vector<RunGroup>& groups) {
  // The CI column only means something with repetitions.
  bool repeated = false;
  for (const Aggregate& a : aggregates) repeated = repeated || a.runs > 1;
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"trace", "allocator", "runs", "ns/event"});
  if (repeated) rows.back().push_back("CI width");
  for (const char* h : {"Mevents/s", "peak RSS", "peak live", "failed allocs"}) rows.back().push_back(h);
  for (std::size_t g = 0; g < aggregates.size(); ++g) {
    const Aggregate& a = aggregates[g];
    std::string count = std::to_string(a.ok_runs) + "/" + std::to_string(a.runs);
    std::string live = human_bytes(static_cast<double>(groups[g].runs.front()->peak_live_bytes));
    std::vector<std::string> row = {printable(a.trace), printable(a.allocator), count};
    const MetricSummary* ns = a.find("ns_per_event");
    if (a.ok_runs == 0 || !ns) {
      row.push_back(printable(a.first_failure));
      if (repeated) row.push_back("");
      for (const std::string& c : {std::string(), std::string(), live, std::string()}) row.push_back(c);
      rows.push_back(row);
      continue;
    }
    double m = ns->summary.median;
    row.push_back(fixed(m, 2));
    if (repeated) row.push_back(ci_width(ns->summary));
    row.push_back(m > 0 ? fixed(1e3 / m, 1) : "-");
    row.push_back(human_bytes(a.find("peak_rss_bytes")->summary.median));
    row.push_back(live);
    row.push_back(fixed(a.find("failed_allocations")->summary.median, 0));
    rows.push_back(row);
  }
  return layout(rows, false);
}

// Program runs: one row per (program, allocator), medians over ok runs.
std::string render_program_table(const std::vector<Aggregate>& aggregates) {
  bool repeated = false;
  for (const Aggregate& a : aggregates) repeated = repeated || a.runs > 1;
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"program", "allocator", "runs", "wall"});
  if (repeated) rows.back().push_back("CI width");
  for (const char* h : {"user", "sys", "peak RSS", "minor faults", "major faults", "status"}) rows.back().push_back(h);
  for (const Aggregate& a : aggregates) {
    std::vector<std::string> row = {printable(a.trace), printable(a.allocator),
                                    std::to_string(a.ok_runs) + "/" + std::to_string(a.runs)};
    const MetricSummary* wall = a.find("wall_ns");
    std::string status = a.first_failure.empty() ? "ok" : printable(a.first_failure);
    if (!wall) {
      row.insert(row.end(), repeated ? 7 : 6, "");
      row.push_back(status);
      rows.push_back(row);
      continue;
    }
    auto median = [&](const char* m) { return a.find(m)->summary.median; };
    row.push_back(human_duration(wall->summary.median));
    if (repeated) {
      const Summary& s = wall->summary;
      std::string w = s.n < 2 ? "-" : human_duration(s.ci_high - s.ci_low);
      if (s.n >= 2 && s.ci_confidence + 1e-9 < kConfidenceLevel) w += " (" + fixed(s.ci_confidence * 100, 0) + "%)";
      row.push_back(w);
    }
    row.push_back(human_duration(median("user_ns")));
    row.push_back(human_duration(median("sys_ns")));
    row.push_back(human_bytes(median("peak_rss_bytes")));
    row.push_back(fixed(median("minor_faults"), 0));
    row.push_back(fixed(median("major_faults"), 0));
    row.push_back(status);
    rows.push_back(row);
  }
  return layout(rows, true);
}

}  // namespace

std::string render_table(const Report& report) {
  std::vector<Aggregate> all = aggregate(report);
  std::vector<RunGroup> all_groups = group_runs(report);  // same order as the aggregates
  std::vector<Aggregate> replays, programs;
  std::vector<RunGroup> replay_groups;
  for (std::size_t g = 0; g < all.size(); ++g) {
    if (all[g].is_program()) {
      programs.push_back(all[g]);
    } else {
      replays.push_back(all[g]);
      replay_groups.push_back(all_groups[g]);
    }
  }
  std::string out;
  if (!replays.empty() || programs.empty()) out += render_replay_table(replays, replay_groups);
  if (!programs.empty()) out += (out.empty() ? "" : "\n") + render_program_table(programs);
  out += render_fidelity(report.fidelity);
  return out;
}

}  // namespace heapreplay
