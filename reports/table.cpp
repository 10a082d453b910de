// Plain-text table of a report (see table.h).
#include "reports/table.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

namespace heapreplay {

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

std::string human_bytes(double bytes) {
  const char* unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  return u == 0 ? fixed(bytes, 0) + " B" : fixed(bytes, 1) + " " + unit[u];
}

std::string render_table(const Report& report) {
  // Keep first-seen order of traces and allocators.
  std::vector<std::pair<std::string, std::string>> keys;
  std::map<std::pair<std::string, std::string>, std::vector<const RunResult*>> groups;
  for (const RunResult& r : report.runs) {
    auto key = std::make_pair(r.trace, r.allocator);
    if (!groups.count(key)) keys.push_back(key);
    groups[key].push_back(&r);
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"trace", "allocator", "runs", "ns/event", "Mevents/s", "peak RSS", "peak live", "failed allocs"});
  for (const auto& key : keys) {
    const auto& runs = groups[key];
    std::vector<double> ns, rss, failed;
    std::string bad;
    for (const RunResult* r : runs) {
      if (r->status != "ok") {
        if (bad.empty()) bad = r->status + (r->status_detail.empty() ? "" : ": " + r->status_detail);
        continue;
      }
      ns.push_back(r->ns_per_event);
      rss.push_back(static_cast<double>(r->peak_rss_bytes));
      failed.push_back(static_cast<double>(r->failed_allocations));
    }
    std::string count = std::to_string(ns.size()) + "/" + std::to_string(runs.size());
    std::string live = human_bytes(static_cast<double>(runs.front()->peak_live_bytes));
    if (ns.empty()) {
      rows.push_back({key.first, key.second, count, bad, "", "", live, ""});
      continue;
    }
    double m = median(ns);
    rows.push_back({key.first, key.second, count, fixed(m, 2), m > 0 ? fixed(1e3 / m, 1) : "-",
                    human_bytes(median(rss)), live, fixed(median(failed), 0)});
  }
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c)
      if (c + 1 < row.size() || row.size() == width.size()) width[c] = std::max(width[c], row[c].size());
  std::ostringstream os;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    for (std::size_t c = 0; c < row.size(); ++c) {
      bool numeric = c >= 2 && i > 0;
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

}  // namespace heapreplay
