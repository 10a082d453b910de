// heapreplay compare: gates a change. Compares NEW against BASE per (trace,
// allocator), prints why, and exits 1 when a metric regressed significantly
// beyond its threshold (or NEW runs failed), 0 otherwise, 2 on bad input.
// `compare REPORT.json --base SPEC --new SPEC` compares two allocator specs
// (two configurations of a sweep, say) of one report on every trace both ran.
#include <algorithm>
#include <cmath>
#include <iostream>

#include "allocators/core/options.h"
#include "harness/cli/cli.h"
#include "reports/compare.h"
#include "reports/output_file.h"

namespace heapreplay::cli {

namespace {

double parse_percent(const std::string& text, const std::string& what) {
  std::string t = text;
  if (!t.empty() && t.back() == '%') t.pop_back();
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(t, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (t.empty() || used != t.size() || !std::isfinite(v) || v < 0)
    throw UsageError(what + " needs a percentage such as 5 or 2.5, not '" + text + "'");
  return v;
}

std::vector<std::string> allocator_names(const Report& r) {
  std::vector<std::string> out;
  for (const RunResult& run : r.runs)
    if (std::find(out.begin(), out.end(), run.allocator) == out.end()) out.push_back(run.allocator);
  return out;
}

// "A=B" where A is an allocator of BASE and B one of NEW. Allocator specs may
// hold '=' themselves (segfit:key=value), so every '=' is tried.
std::pair<std::string, std::string> parse_match(const std::string& text, const std::vector<std::string>& base,
                                                const std::vector<std::string>& now) {
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  std::vector<std::pair<std::string, std::string>> fits;
  for (std::size_t pos = text.find('='); pos != std::string::npos; pos = text.find('=', pos + 1)) {
    std::string a = text.substr(0, pos), b = text.substr(pos + 1);
    if (has(base, a) && has(now, b)) fits.push_back({a, b});
  }
  if (fits.size() == 1) return fits.front();
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  if (fits.empty())
    throw UsageError("--match '" + text + "' must be BASE_ALLOCATOR=NEW_ALLOCATOR (BASE has " + list(base) +
                     "; NEW has " + list(now) + ")");
  throw UsageError("--match '" + text + "' can be split at more than one '='");
}

// "jemalloc:narenas=1,dirty_decay_ms=0" as its name and its sorted
// KEY=VALUE items, so that a spec may be named with its keys in any order.
std::pair<std::string, std::vector<std::string>> spec_parts(const std::string& spec) {
  auto colon = spec.find(':');
  if (colon == std::string::npos) return {spec, {}};
  std::vector<std::string> items;
  for (std::size_t at = colon + 1; at <= spec.size();) {
    std::size_t comma = std::min(spec.find(',', at), spec.size());
    items.push_back(spec.substr(at, comma - at));
    at = comma + 1;
  }
  std::sort(items.begin(), items.end());
  return {spec.substr(0, colon), items};
}

// The spec of `report` that --base or --new names: the very spec, else the
// one with the same name and the same KEY=VALUE items in another order.
std::string find_spec(const std::string& text, const std::vector<std::string>& specs, const std::string& option,
                      const std::string& path) {
  if (std::find(specs.begin(), specs.end(), text) != specs.end()) return text;
  std::vector<std::string> fits;
  for (const std::string& s : specs)
    if (spec_parts(s) == spec_parts(text)) fits.push_back(s);
  if (fits.size() == 1) return fits.front();
  std::string list;
  for (const std::string& s : (fits.empty() ? specs : fits)) list += (list.empty() ? "" : ", ") + s;
  if (!fits.empty()) throw UsageError(option + " '" + text + "' could be any of " + list + " in " + path);
  throw UsageError(option + " '" + text + "': " + path + " has no such allocator spec (it has " + list + ")");
}

// --threshold: plain PCT first (it replaces every default), then METRIC=PCT
// on top.
void apply_thresholds(const std::vector<std::string>& thresholds, CompareOptions& opt) {
  opt.threshold_pct = {{"p99", 10}};
  for (const std::string& t : thresholds)
    if (t.find('=') == std::string::npos) {
      opt.default_threshold_pct = parse_percent(t, "--threshold");
      opt.threshold_pct.clear();
    }
  for (const std::string& t : thresholds) {
    auto eq = t.rfind('=');
    if (eq == std::string::npos) continue;
    std::string name = t.substr(0, eq);
    auto canonical = canonical_threshold_name(name);
    if (!canonical)
      throw UsageError("--threshold: unknown metric '" + name +
                       "' (use ns_per_event, wall_ns, peak_rss_bytes, peak_footprint_bytes, p99 or p99.OP)");
    opt.threshold_pct[*canonical] = parse_percent(t.substr(eq + 1), "--threshold " + name);
  }
}

std::uint64_t parse_min_bytes(const std::string& text) {
  auto v = parse_size(text);
  if (!v) throw UsageError("--min-bytes-change needs a size such as 256K, 1M or 0, not '" + text + "'");
  return *v;
}

// Writes the markdown and JSON renderings asked for; on a failure says what
// was and was not written and returns kExitOutputFailed.
int write_renderings(const Comparison& c, const std::string& markdown, const std::string& json_out) {
  std::string failing;
  bool markdown_written = false;
  try {
    failing = markdown;
    if (!markdown.empty()) write_file_atomically(markdown, render_comparison_markdown(c));
    markdown_written = !markdown.empty();
    failing = json_out;
    if (!json_out.empty())
      write_file_atomically(json_out,
                            comparison_to_json(c).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  } catch (const std::runtime_error& e) {
    std::cerr << "heapreplay compare: " << e.what() << " (" << failing << " not written"
              << (markdown_written ? "; " + markdown + " was written before it" : "")
              << "; the comparison above is complete)\n";
    return kExitOutputFailed;
  }
  return kExitOk;
}

}  // namespace

int cmd_compare(const std::vector<std::string>& args) {
  std::vector<std::string> files, thresholds, matches;
  std::string markdown, json_out, min_bytes = "256K", base_spec, new_spec;
  double alpha = 0.05;
  po::options_description d("Options");
  d.add_options()(
      "threshold", po::value(&thresholds)->composing(),
      "regression threshold in percent: PCT for every metric, or METRIC=PCT with METRIC one of ns_per_event "
      "(time), wall_ns (wall: program runs), peak_rss_bytes (rss), peak_footprint_bytes (footprint), p99 (every "
      "operation), p99.OP; repeatable "
      "(default: 5 for time and memory, 10 for p99)")(
      "min-bytes-change", po::value(&min_bytes)->default_value("256K"),
      "noise floor of peak_rss_bytes and peak_footprint_bytes: a change of fewer bytes is never a regression (nor "
      "an improvement), whatever its percentage; the kernel's RSS counts are good to a few hundred KiB (0: none)")(
      "alpha", po::value(&alpha)->default_value(0.05, "0.05"), "significance level of the Mann-Whitney U test")(
      "match", po::value(&matches)->composing(),
      "compare allocator BASE_A of BASE with NEW_A of NEW (BASE_A=NEW_A, repeatable); only matched pairs are "
      "compared. BASE and NEW may then be the same report")(
      "base", po::value(&base_spec),
      "the allocator spec to compare from, e.g. 'jemalloc:narenas=1' (keys in any order); with --new, and one "
      "report: two configurations of that report")("new", po::value(&new_spec),
                                                   "the allocator spec to compare to (of NEW, or of the one report)")(
      "markdown", po::value(&markdown), "also write the comparison as markdown (e.g. $GITHUB_STEP_SUMMARY)")(
      "json", po::value(&json_out), "also write the comparison as JSON")("report", po::value(&files)->composing(),
                                                                         "BASE.json NEW.json (positional)");
  po::positional_options_description pos;
  pos.add("report", 2);
  po::variables_map vm;
  if (!parse("compare", args, d, pos, vm,
             "BASE.json NEW.json [--threshold PCT | --threshold METRIC=PCT ...]\n"
             "       heapreplay compare REPORT.json --base SPEC --new SPEC [OPTIONS]"))
    return kExitOk;
  const bool by_spec = vm.count("base") || vm.count("new");
  if (by_spec && !(vm.count("base") && vm.count("new")))
    throw UsageError("--base and --new go together: --base SPEC --new SPEC");
  if (by_spec && !matches.empty()) throw UsageError("--match and --base/--new both choose the pairs: give one of them");
  if (by_spec && files.size() == 1) files.push_back(files[0]);
  if (files.size() != 2) throw UsageError("needs two reports: BASE.json NEW.json (or one with --base SPEC --new SPEC)");
  if (!(alpha > 0 && alpha < 1)) throw UsageError("--alpha must be between 0 and 1");

  CompareOptions opt;
  opt.alpha = alpha;
  opt.min_bytes_change = parse_min_bytes(min_bytes);
  apply_thresholds(thresholds, opt);

  Report base = read_report(files[0]);
  Report now = read_report(files[1]);
  for (const std::string& m : matches) opt.match.push_back(parse_match(m, allocator_names(base), allocator_names(now)));
  if (by_spec)
    opt.match.push_back({find_spec(base_spec, allocator_names(base), "--base", files[0]),
                         find_spec(new_spec, allocator_names(now), "--new", files[1])});

  Comparison c;
  try {
    c = compare_reports(base, now, opt);
  } catch (const std::invalid_argument& e) {
    std::cerr << "heapreplay compare: " << files[0] << " vs " << files[1] << ": " << e.what() << '\n';
    return kExitBadInput;
  }
  std::cout << render_comparison_text(c) << std::flush;
  if (int status = write_renderings(c, markdown, json_out); status != kExitOk) return status;
  return c.regressions() > 0 ? kExitRunFailed : kExitOk;
}

}  // namespace heapreplay::cli
