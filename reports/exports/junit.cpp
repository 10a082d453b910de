// JUnit XML export (see exports.h; elements in SCHEMA.md). CI servers
// (Jenkins, GitLab, Buildkite) read this file into their test pages: one
// test case per (trace, allocator), failed when any of its runs was not ok,
// its time the median wall time of the ok runs' replay loops.
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "reports/aggregate.h"
#include "reports/exports/exports.h"

namespace heapreplay {

namespace {

// Text for an XML attribute: the five markup characters escaped, and the
// control characters XML 1.0 cannot hold at all replaced by '?'.
std::string xml_attribute(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\t': out += "&#9;"; break;
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      default: out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
    }
  }
  return out;
}

// The median wall time of a group's ok runs (the replay loop's time), in ns.
double median_wall_ns(const RunGroup& g) {
  std::vector<double> walls;
  for (const RunResult* r : g.runs)
    if (r->status == "ok") walls.push_back(static_cast<double>(r->wall_ns));
  if (walls.empty()) return 0;
  std::sort(walls.begin(), walls.end());
  const std::size_t n = walls.size();
  return n % 2 ? walls[n / 2] : (walls[n / 2 - 1] + walls[n / 2]) / 2;
}

std::string seconds(double ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", ns / 1e9);
  return buf;
}

}  // namespace

std::string export_junit(const Report& report) {
  const std::vector<Aggregate> groups = aggregate(report);
  const std::vector<RunGroup> runs = group_runs(report);  // the same groups, in the same order
  std::size_t failures = 0;
  double total_ns = 0;
  std::string cases;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const Aggregate& a = groups[i];
    const double wall_ns = median_wall_ns(runs[i]);
    total_ns += wall_ns;
    cases += "    <testcase classname=\"" + xml_attribute(a.trace) + "\" name=\"" + xml_attribute(a.allocator) +
             "\" time=\"" + seconds(wall_ns) + "\">\n";
    if (a.ok_runs < a.runs) {
      ++failures;
      cases += "      <failure message=\"" + xml_attribute(a.first_failure) + "\" type=\"" +
               std::to_string(a.runs - a.ok_runs) + " of " + std::to_string(a.runs) + " runs not ok\"/>\n";
    }
    if (!a.metrics.empty()) {
      cases += "      <properties>\n";
      for (const MetricSummary& m : a.metrics) {
        char value[32];
        std::snprintf(value, sizeof value, "%.17g", m.summary.median);
        cases += "        <property name=\"" + xml_attribute(m.info.name) + "\" value=\"" + value + "\"/>\n";
      }
      cases += "      </properties>\n";
    }
    cases += "    </testcase>\n";
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  out += "  <testsuite name=\"heapreplay\" tests=\"" + std::to_string(groups.size()) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"0\" time=\"" + seconds(total_ns) + "\">\n";
  out += cases;
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace heapreplay
