// Comparing two reports (see compare.h; semantics in SCHEMA.md).
#include "reports/compare.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include "reports/format.h"
#include "reports/markdown.h"

namespace heapreplay {

namespace {

bool gate_fails(Verdict v) { return v == Verdict::kRegressed || v == Verdict::kRunsFailed; }

double threshold_for(const CompareOptions& opt, const std::string& metric) {
  auto get = [&](const std::string& key) -> std::optional<double> {
    auto it = opt.threshold_pct.find(key);
    if (it == opt.threshold_pct.end()) return std::nullopt;
    return it->second;
  };
  // latency.OP.p99_ns: "p99.OP", then "p99".
  const std::string prefix = "latency.", suffix = ".p99_ns";
  if (metric.rfind(prefix, 0) == 0 && metric.size() > prefix.size() + suffix.size() &&
      metric.compare(metric.size() - suffix.size(), suffix.size(), suffix) == 0) {
    std::string op = metric.substr(prefix.size(), metric.size() - prefix.size() - suffix.size());
    if (auto v = get("p99." + op)) return *v;
    if (auto v = get("p99")) return *v;
    return opt.default_threshold_pct;
  }
  if (auto v = get(metric)) return *v;
  return opt.default_threshold_pct;
}

// A memory figure whose medians differ by less than the noise floor.
bool below_bytes_floor(const MetricComparison& r, const CompareOptions& opt) {
  return r.unit == MetricUnit::kBytes && std::fabs(r.now - r.base) < static_cast<double>(opt.min_bytes_change);
}

double change_pct(double base, double now) {
  if (base == 0)
    return now == 0 ? 0
                    : (now > 0 ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity());
  return (now - base) / std::fabs(base) * 100;
}

std::string run_counts(const Aggregate& a) { return std::to_string(a.ok_runs) + "/" + std::to_string(a.runs) + " ok"; }

// The metrics compared for one pair, in display order: the fixed ones, then
// p99 latency of every operation either side measured.
std::vector<std::string> compared_metrics(const Aggregate& a, const Aggregate& b) {
  // A program run: its wall time and peak RSS.
  if (a.is_program() || b.is_program()) return {"wall_ns", "peak_rss_bytes"};
  std::vector<std::string> names = {"ns_per_event", "peak_rss_bytes", "peak_footprint_bytes"};
  std::set<std::string> ops;
  for (const Aggregate* g : {&a, &b})
    for (const MetricSummary& m : g->metrics) {
      const std::string& n = m.info.name;
      if (n.rfind("latency.", 0) == 0 && n.size() > 15 && n.compare(n.size() - 7, 7, ".p99_ns") == 0) ops.insert(n);
    }
  names.insert(names.end(), ops.begin(), ops.end());
  return names;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

std::vector<std::string> allocators_of(const std::vector<Aggregate>& groups) {
  std::vector<std::string> out;
  for (const Aggregate& g : groups)
    if (std::find(out.begin(), out.end(), g.allocator) == out.end()) out.push_back(g.allocator);
  return out;
}

std::string context_text(const Report& r, const char* key) {
  if (!r.context.contains(key)) return "";
  const auto& v = r.context[key];
  return v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A run killed because the session was interrupted measured nothing and did
// not fail: it is left out, as the runs never started are.
Report without_interrupted(const Report& r) {
  Report out = r;
  std::erase_if(out.runs, [](const RunResult& x) { return x.status == "interrupted"; });
  return out;
}

// One (trace, allocator) group of BASE against one of NEW, shown as `name`
// ("A", or "A -> B" for a --match pair).
struct Pair {
  const Aggregate* a;
  const Aggregate* b;
  std::string name;
};

// Without --match: every (trace, allocator) in both; notes for the rest.
std::vector<Pair> pairs_by_name(const std::vector<Aggregate>& A, const std::vector<Aggregate>& B,
                                std::vector<std::string>& notes) {
  std::vector<Pair> pairs;
  std::vector<std::string> only_base, only_new;
  for (const Aggregate& a : A) {
    auto it = std::find_if(B.begin(), B.end(),
                           [&](const Aggregate& b) { return b.trace == a.trace && b.allocator == a.allocator; });
    if (it == B.end())
      only_base.push_back(a.trace + " " + a.allocator);
    else
      pairs.push_back({&a, &*it, a.allocator});
  }
  for (const Aggregate& b : B)
    if (std::none_of(A.begin(), A.end(),
                     [&](const Aggregate& a) { return a.trace == b.trace && a.allocator == b.allocator; }))
      only_new.push_back(b.trace + " " + b.allocator);
  if (!only_base.empty()) notes.push_back("only in BASE, not compared: " + join(only_base, ", "));
  if (!only_new.empty()) notes.push_back("only in NEW, not compared: " + join(only_new, ", "));
  return pairs;
}

// With --match: allocator x of BASE against y of NEW on every trace of x;
// throws when a name is in neither report.
std::vector<Pair> pairs_by_match(const std::vector<Aggregate>& A, const std::vector<Aggregate>& B,
                                 const std::vector<std::pair<std::string, std::string>>& match,
                                 std::vector<std::string>& notes) {
  std::vector<Pair> pairs;
  std::vector<std::string> in_a = allocators_of(A), in_b = allocators_of(B);
  for (const auto& pair : match) {
    // Named, not a structured binding: Clang 14 (the fuzz build) cannot
    // capture a binding in the lambda below.
    const std::string& x = pair.first;
    const std::string& y = pair.second;
    if (std::find(in_a.begin(), in_a.end(), x) == in_a.end())
      throw std::invalid_argument("--match: BASE has no allocator '" + x + "' (it has " + join(in_a, ", ") + ")");
    if (std::find(in_b.begin(), in_b.end(), y) == in_b.end())
      throw std::invalid_argument("--match: NEW has no allocator '" + y + "' (it has " + join(in_b, ", ") + ")");
    for (const Aggregate& a : A) {
      if (a.allocator != x) continue;
      auto it =
          std::find_if(B.begin(), B.end(), [&](const Aggregate& b) { return b.trace == a.trace && b.allocator == y; });
      if (it == B.end())
        notes.push_back("only in BASE, not compared: " + a.trace + " " + x);
      else
        pairs.push_back({&a, &*it, x == y ? x : x + " -> " + y});
    }
  }
  return pairs;
}

std::string group_list(const std::vector<Aggregate>& groups) {
  std::vector<std::string> v;
  for (const Aggregate& a : groups) v.push_back(a.trace + " " + a.allocator);
  return v.empty() ? std::string("no runs") : join(v, ", ");
}

// Context that makes the comparison doubtful.
void add_context_notes(const Report& base, const Report& now, std::vector<std::string>& notes) {
  for (const char* key : {"touch", "malloc_alignment", "validate", "build_type", "memory_limit_bytes"}) {
    std::string x = context_text(base, key), y = context_text(now, key);
    if (!x.empty() && !y.empty() && x != y)
      notes.push_back(std::string("BASE and NEW differ in ") + key + " (" + x + " vs " + y +
                      "): the figures may not be comparable");
  }
  for (const Report* r : {&base, &now})
    if (r->interrupted)
      notes.push_back(std::string(r == &base ? "BASE" : "NEW") + " is incomplete (" + interruption_text(*r) +
                      "): only its completed runs are compared");
  for (const Report* r : {&base, &now})
    if (std::any_of(r->runs.begin(), r->runs.end(), [](const RunResult& x) { return x.validate; })) {
      notes.push_back(std::string(r == &base ? "BASE" : "NEW") +
                      " has --validate runs: their times are not measurements");
    }
}

// The pair's status row, when some run on either side was not ok.
std::optional<MetricComparison> status_row(const Aggregate& a, const Aggregate& b, const std::string& name) {
  MetricComparison st;
  st.trace = a.trace;
  st.allocator = name;
  st.metric = "status";
  st.n_base = a.ok_runs;
  st.n_new = b.ok_runs;
  if (a.ok_runs == 0 && b.ok_runs == 0) {
    st.verdict = Verdict::kBothFailed;
    st.detail = "BASE " + a.first_failure + "; NEW " + b.first_failure;
  } else if (b.ok_runs < b.runs && b.ok_runs * a.runs < a.ok_runs * b.runs) {
    // NEW fails more often than BASE did.
    st.verdict = Verdict::kRunsFailed;
    st.detail = "NEW " + run_counts(b) + ", " + b.first_failure + " (BASE " + run_counts(a) + ")";
  } else if (a.ok_runs < a.runs && b.ok_runs * a.runs > a.ok_runs * b.runs) {
    st.verdict = Verdict::kFixed;
    st.detail = "BASE " + run_counts(a) + ", " + a.first_failure + " (NEW " + run_counts(b) + ")";
  } else if (a.ok_runs < a.runs || b.ok_runs < b.runs) {
    st.verdict = Verdict::kSame;
    st.detail = "failures on both sides: BASE " + run_counts(a) + ", NEW " + run_counts(b);
  } else {
    return std::nullopt;
  }
  return st;
}

// Where the significance test could not decide, for the notes: a single
// repetition on a side, or run counts whose smallest p is not below alpha.
struct TestPower {
  bool single = false;
  std::set<std::pair<std::size_t, std::size_t>> powerless;
};

// The verdict on a change: beyond the threshold (and outside the memory
// noise floor) counts when it is significant or the test is not used.
void judge(MetricComparison& r, const CompareOptions& opt) {
  bool worse = r.change_pct > r.threshold_pct;
  bool better = r.change_pct < -r.threshold_pct;
  if ((worse || better) && below_bytes_floor(r, opt)) {
    worse = better = false;
    r.detail = "change under the " + format_value(static_cast<double>(opt.min_bytes_change), MetricUnit::kBytes) +
               " noise floor of memory figures";
  }
  bool significant = !r.test_used || r.test->p_value < opt.alpha;
  if (worse)
    r.verdict = significant ? Verdict::kRegressed : Verdict::kNotSignificant;
  else if (better)
    r.verdict = significant ? Verdict::kImproved : Verdict::kNotSignificant;
  else
    r.verdict = Verdict::kSame;
  if (!r.test_used && (worse || better)) r.detail = "threshold alone";
}

// One metric of a pair; `ma` or `mb` is null when only the other side
// measured it.
MetricComparison compare_metric(const std::string& trace, const std::string& allocator, const std::string& name,
                                const MetricSummary* ma, const MetricSummary* mb, const CompareOptions& opt,
                                TestPower& power) {
  MetricComparison r;
  r.trace = trace;
  r.allocator = allocator;
  r.metric = name;
  r.unit = (ma ? ma : mb)->info.unit;
  r.threshold_pct = threshold_for(opt, name);
  r.n_base = ma ? ma->values.size() : 0;
  r.n_new = mb ? mb->values.size() : 0;
  if (!ma || !mb) {
    r.verdict = Verdict::kNotMeasured;
    r.detail = ma ? "only BASE measured it" : "only NEW measured it";
    if (ma) r.base = ma->summary.median;
    if (mb) r.now = mb->summary.median;
    return r;
  }
  r.base = ma->summary.median;
  r.now = mb->summary.median;
  r.change_pct = change_pct(r.base, r.now);
  if (r.n_base >= 2 && r.n_new >= 2) {
    r.test = mann_whitney_u(ma->values, mb->values);
    r.test_used = mann_whitney_min_p(r.n_base, r.n_new) < opt.alpha;
    if (!r.test_used) power.powerless.insert({r.n_base, r.n_new});
  } else {
    power.single = true;
  }
  judge(r, opt);
  return r;
}

void add_power_notes(const TestPower& power, double alpha, std::vector<std::string>& notes) {
  if (power.single)
    notes.push_back(
        "a single repetition on a side: no significance test is possible, so a change beyond the threshold counts on "
        "the threshold alone (run with -r 5 or more)");
  for (const auto& [n1, n2] : power.powerless)
    notes.push_back(std::to_string(n1) + " vs " + std::to_string(n2) + " runs: the U test cannot reach p < " +
                    fixed_digits(alpha, 2) + " (smallest possible p " + format_p_value(mann_whitney_min_p(n1, n2)) +
                    ", marked *), so those metrics gate on the threshold alone (use -r 5 or more)");
}

std::string fmt_cell_value(const MetricComparison& r, double v) {
  if (r.metric == "status") return "";
  return format_value(v, r.unit);
}

std::string p_cell(const MetricComparison& r) {
  if (r.metric == "status" || r.verdict == Verdict::kNotMeasured) return "";
  if (!r.test) return "-";
  return format_p_value(r.test->p_value) + (r.test_used ? "" : "*");
}

std::string verdict_cell(const MetricComparison& r) {
  std::string v = to_string(r.verdict);
  if (gate_fails(r.verdict))
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  return v;
}

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

Table comparison_table(const Comparison& c) {
  Table t;
  t.header = {"trace", "allocator", "metric", "base", "new", "change", "threshold", "p-value", "runs", "verdict"};
  for (const MetricComparison& r : c.rows) {
    bool status = r.metric == "status";
    t.rows.push_back({r.trace, r.allocator, r.metric, status ? "" : fmt_cell_value(r, r.base),
                      status ? "" : fmt_cell_value(r, r.now),
                      status || r.verdict == Verdict::kNotMeasured ? "" : format_change_pct(r.change_pct),
                      status || r.verdict == Verdict::kNotMeasured ? "" : fixed_digits(r.threshold_pct, 1) + "%",
                      p_cell(r), std::to_string(r.n_base) + " vs " + std::to_string(r.n_new),
                      verdict_cell(r) + (r.detail.empty() ? "" : ": " + r.detail)});
  }
  return t;
}

std::string summary_line(const Comparison& c) {
  std::vector<std::string> bad;
  std::size_t metrics = 0;
  std::set<std::pair<std::string, std::string>> pairs;
  for (const MetricComparison& r : c.rows) {
    pairs.insert({r.trace, r.allocator});
    if (r.metric != "status") ++metrics;
    if (!gate_fails(r.verdict)) continue;
    std::string s = r.trace + " " + r.allocator + " " + r.metric;
    if (r.verdict == Verdict::kRunsFailed) {
      s += " (runs failed: " + r.detail + ")";
    } else {
      s += " " + format_change_pct(r.change_pct);
      if (r.test_used) s += " (p=" + format_p_value(r.test->p_value) + ")";
    }
    bad.push_back(s);
  }
  if (bad.empty())
    return "no regression beyond the thresholds (" + std::to_string(metrics) + " metrics of " +
           std::to_string(pairs.size()) + " (trace, allocator) pairs compared)";
  std::string s = std::to_string(bad.size()) + (bad.size() == 1 ? " regression: " : " regressions: ");
  for (std::size_t i = 0; i < bad.size() && i < 3; ++i) s += (i ? "; " : "") + bad[i];
  if (bad.size() > 3) s += "; and " + std::to_string(bad.size() - 3) + " more";
  return s;
}

}  // namespace

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::kSame: return "same";
    case Verdict::kImproved: return "improved";
    case Verdict::kRegressed: return "regressed";
    case Verdict::kNotSignificant: return "not significant";
    case Verdict::kRunsFailed: return "runs failed";
    case Verdict::kFixed: return "fixed";
    case Verdict::kBothFailed: return "failed in both";
    case Verdict::kNotMeasured: return "not measured";
  }
  return "?";
}

std::optional<std::string> canonical_threshold_name(const std::string& name) {
  if (name == "ns_per_event" || name == "time") return "ns_per_event";
  if (name == "wall_ns" || name == "wall") return "wall_ns";
  if (name == "peak_rss_bytes" || name == "rss" || name == "peak_rss") return "peak_rss_bytes";
  if (name == "peak_footprint_bytes" || name == "footprint" || name == "peak_footprint") return "peak_footprint_bytes";
  if (name == "p99") return "p99";
  if (name.rfind("p99.", 0) == 0 && name.size() > 4) return name;
  return std::nullopt;
}

std::size_t Comparison::regressions() const {
  return static_cast<std::size_t>(
      std::count_if(rows.begin(), rows.end(), [](const MetricComparison& r) { return gate_fails(r.verdict); }));
}

Comparison compare_reports(const Report& base_in, const Report& now_in, const CompareOptions& opt) {
  const Report base = without_interrupted(base_in), now = without_interrupted(now_in);
  Comparison c;
  c.alpha = opt.alpha;
  std::vector<Aggregate> A = aggregate(base), B = aggregate(now);
  std::vector<Pair> pairs = opt.match.empty() ? pairs_by_name(A, B, c.notes) : pairs_by_match(A, B, opt.match, c.notes);
  if (pairs.empty())
    throw std::invalid_argument("the reports have no (trace, allocator) in common: BASE has " + group_list(A) +
                                "; NEW has " + group_list(B));
  add_context_notes(base, now, c.notes);

  TestPower power;
  for (const Pair& p : pairs) {
    const Aggregate& a = *p.a;
    const Aggregate& b = *p.b;
    if (auto st = status_row(a, b, p.name)) c.rows.push_back(*st);
    if (a.ok_runs == 0 || b.ok_runs == 0) continue;
    for (const std::string& name : compared_metrics(a, b)) {
      const MetricSummary* ma = a.find(name);
      const MetricSummary* mb = b.find(name);
      if (ma || mb) c.rows.push_back(compare_metric(a.trace, p.name, name, ma, mb, opt, power));
    }
  }
  add_power_notes(power, opt.alpha, c.notes);
  return c;
}

std::string render_comparison_text(const Comparison& c) {
  // One heading line per (trace, allocator), its metrics indented below it:
  // trace and allocator names are long (paths), the metric rows are not.
  Table t = comparison_table(c);
  const std::size_t first = 2;  // the metric column; trace and allocator go in the heading
  std::vector<std::size_t> width(t.header.size(), 0);
  for (std::size_t i = first; i < t.header.size(); ++i) width[i] = t.header[i].size();
  for (const auto& row : t.rows)
    for (std::size_t i = first; i < row.size(); ++i)
      width[i] = std::max(width[i], row[i].size() + (i == first ? 2 : 0));
  std::ostringstream os;
  auto line = [&](const std::vector<std::string>& row, bool header) {
    for (std::size_t i = first; i < row.size(); ++i) {
      bool right = !header && i >= 3 && i <= 8;
      std::string cell = (!header && i == first ? "  " : "") + row[i];
      std::string pad(width[i] - std::min(width[i], cell.size()), ' ');
      if (i + 1 == row.size())
        os << cell;
      else
        os << (right ? pad + cell : cell + pad) << "  ";
    }
    os << '\n';
  };
  line(t.header, true);
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    if (r == 0 || row[0] != t.rows[r - 1][0] || row[1] != t.rows[r - 1][1]) os << row[0] << "  " << row[1] << '\n';
    line(row, false);
  }
  for (const std::string& n : c.notes) os << "note: " << n << '\n';
  os << "heapreplay compare: " << summary_line(c) << '\n';
  return os.str();
}

std::string render_comparison_markdown(const Comparison& c) {
  std::ostringstream os;
  std::size_t n = c.regressions();
  os << "### heapreplay compare: " << (n ? "regression" : "no regression") << "\n\n";
  os << markdown_escape(summary_line(c)) << "\n\n";
  Table t = comparison_table(c);
  os << '|';
  for (const std::string& h : t.header) os << ' ' << h << " |";
  os << "\n|";
  for (std::size_t i = 0; i < t.header.size(); ++i) os << (i >= 3 && i <= 8 ? " ---: |" : " --- |");
  os << '\n';
  for (const auto& row : t.rows) {
    os << '|';
    for (std::size_t i = 0; i < row.size(); ++i) {
      std::string cell = markdown_escape(row[i]);
      if (i + 1 == row.size() && gate_fails(c.rows[&row - &t.rows[0]].verdict)) cell = "**" + cell + "**";
      os << ' ' << cell << " |";
    }
    os << '\n';
  }
  if (!c.notes.empty()) {
    os << '\n';
    for (const std::string& note : c.notes) os << "- " << markdown_escape(note) << '\n';
  }
  os << "\nBASE and NEW values are medians over ok runs; p-values are two-sided Mann-Whitney U tests at alpha "
     << fixed_digits(c.alpha, 2) << ".\n";
  return os.str();
}

nlohmann::json comparison_to_json(const Comparison& c) {
  nlohmann::json rows = nlohmann::json::array();
  for (const MetricComparison& r : c.rows) {
    nlohmann::json j = {{"trace", r.trace},   {"allocator", r.allocator},
                        {"metric", r.metric}, {"n_base", r.n_base},
                        {"n_new", r.n_new},   {"verdict", to_string(r.verdict)},
                        {"detail", r.detail}, {"fails_gate", gate_fails(r.verdict)}};
    if (r.metric != "status" && r.verdict != Verdict::kNotMeasured) {
      j["base"] = r.base;
      j["new"] = r.now;
      j["change_pct"] = std::isfinite(r.change_pct) ? nlohmann::json(r.change_pct) : nlohmann::json(nullptr);
      j["threshold_pct"] = r.threshold_pct;
      if (r.test) {
        j["u"] = r.test->u;
        j["p_value"] = r.test->p_value;
        j["test_method"] = to_string(r.test->method);
        j["test_used"] = r.test_used;
      }
    }
    rows.push_back(std::move(j));
  }
  return {{"schema", "heapreplay.compare/1"},
          {"alpha", c.alpha},
          {"regressions", c.regressions()},
          {"rows", std::move(rows)},
          {"notes", c.notes}};
}

}  // namespace heapreplay
