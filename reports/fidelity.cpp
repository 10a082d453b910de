// Fidelity of a stand-in to its reference (see fidelity.h).
#include "reports/fidelity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>

#include "reports/markdown.h"
#include "reports/stats.h"
#include "reports/table.h"

namespace heapreplay {

namespace {

// The ok runs' values of one side of one allocator.
struct Side {
  std::vector<double> wall, rss;
  std::size_t runs = 0;
  std::string first_failure;
};

struct Sides {
  Side reference, standin;
};

std::optional<double> median_of(const std::vector<double>& v) {
  if (v.empty()) return std::nullopt;
  return summarize(v).median;
}

nlohmann::json number_or_null(std::optional<double> v) {
  return v && std::isfinite(*v) ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// Agreement counts of one metric.
struct Tally {
  std::uint64_t pairs = 0, decided = 0, agreeing = 0;
  void add(const Tally& o) {
    pairs += o.pairs;
    decided += o.decided;
    agreeing += o.agreeing;
  }
  nlohmann::json json() const {
    return {{"pairs", pairs},
            {"decided", decided},
            {"agreeing", agreeing},
            {"undecided", pairs - decided},
            {"agreement", decided ? nlohmann::json(static_cast<double>(agreeing) / static_cast<double>(decided))
                                  : nlohmann::json(nullptr)}};
  }
};

std::string percent(double share) {
  char b[32];
  std::snprintf(b, sizeof b, "%.0f%%", share * 100);
  return b;
}

std::string fixed(double v, int digits) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

// One metric's pairs: the reference decides (U test on its repetitions),
// the stand-in's medians say which it thinks is better.
Tally judge_pairs(const std::vector<std::string>& names, const std::vector<const Side*>& ref,
                  const std::vector<const Side*>& alt, bool time, double alpha, nlohmann::json& pairs_out) {
  Tally t;
  auto values = [&](const Side* s) -> const std::vector<double>& { return time ? s->wall : s->rss; };
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (std::size_t j = i + 1; j < names.size(); ++j) {
      const auto& ri = values(ref[i]);
      const auto& rj = values(ref[j]);
      const auto& ai = values(alt[i]);
      const auto& aj = values(alt[j]);
      if (ri.empty() || rj.empty() || ai.empty() || aj.empty()) continue;  // a side with no ok run
      ++t.pairs;
      nlohmann::json p = {{"a", names[i]}, {"b", names[j]}, {"metric", time ? "time" : "memory"}};
      const UTest u = mann_whitney_u(ri, rj);
      const double mri = *median_of(ri), mrj = *median_of(rj);
      const double mai = *median_of(ai), maj = *median_of(aj);
      const bool decided = u.p_value < alpha && mri != mrj;
      p["reference_p_value"] = u.p_value;
      p["decided"] = decided;
      p["reference_better"] = mri == mrj ? nlohmann::json(nullptr) : nlohmann::json(mri < mrj ? "a" : "b");
      p["standin_better"] = mai == maj ? nlohmann::json("tie") : nlohmann::json(mai < maj ? "a" : "b");
      if (decided) {
        ++t.decided;
        const bool agree = mai != maj && (mri < mrj) == (mai < maj);
        t.agreeing += agree;
        p["agree"] = agree;
      } else {
        p["agree"] = nullptr;
      }
      pairs_out.push_back(std::move(p));
    }
  }
  return t;
}

}  // namespace

double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = std::min(x.size(), y.size());
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  double concordant = 0, discordant = 0, tied_x = 0, tied_y = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      const double dx = x[i] - x[j], dy = y[i] - y[j];
      if (dx == 0 && dy == 0) continue;  // tied in both: in neither count
      if (dx == 0) {
        ++tied_x;
      } else if (dy == 0) {
        ++tied_y;
      } else if ((dx > 0) == (dy > 0)) {
        ++concordant;
      } else {
        ++discordant;
      }
    }
  }
  const double denom = std::sqrt((concordant + discordant + tied_x) * (concordant + discordant + tied_y));
  if (denom == 0) return std::numeric_limits<double>::quiet_NaN();
  return (concordant - discordant) / denom;
}

namespace {

// One subject's runs, by allocator in first-seen order, each with its two sides.
struct SubjectRuns {
  std::vector<std::string> names;
  std::map<std::string, Sides> by_allocator;
};

SubjectRuns collect_runs(const Report& report, const FidelitySubject& s) {
  SubjectRuns out;
  for (const RunResult& r : report.runs) {
    const bool is_ref = r.trace == s.reference_trace && (r.kind == "program") == (s.reference_kind == "program");
    const bool is_alt = r.trace == s.standin_trace && r.kind == "replay";
    if (!is_ref && !is_alt) continue;
    // A design replays a multi-threaded trace behind a lock ("segfit+lock");
    // its drop-in library always has one: the same allocator.
    std::string name = r.allocator;
    if (name.size() > 5 && name.ends_with("+lock")) name.resize(name.size() - 5);
    if (!out.by_allocator.count(name)) out.names.push_back(name);
    Side& side = is_ref ? out.by_allocator[name].reference : out.by_allocator[name].standin;
    ++side.runs;
    if (r.status != "ok") {
      if (side.first_failure.empty())
        side.first_failure = r.status + (r.status_detail.empty() ? "" : ": " + r.status_detail);
      continue;
    }
    side.wall.push_back(static_cast<double>(r.wall_ns));
    side.rss.push_back(static_cast<double>(r.peak_rss_bytes));
  }
  return out;
}

// The allocator's start-up memory that the replay's baseline already held,
// relative to the reference allocator's, added to the stand-in's RSS.
std::map<std::string, double> add_startup_rss(const FidelitySubject& s, SubjectRuns& runs, bool program) {
  std::map<std::string, double> extra;
  const auto& startup = s.allocator_startup_rss_bytes;
  const auto ref = startup.find("glibc") != startup.end() ? startup.find("glibc")
                                                          : startup.find(runs.names.empty() ? "" : runs.names.front());
  if (program && ref != startup.end())
    for (const auto& [name, bytes] : startup)
      extra[name] = static_cast<double>(bytes) - static_cast<double>(ref->second);
  for (auto& [name, sides] : runs.by_allocator)
    if (auto it = extra.find(name); it != extra.end())
      for (double& v : sides.standin.rss) v = std::max(0.0, v + it->second);
  return extra;
}

// The reference allocator's medians, which the memory ratios divide by.
struct ReferenceMedians {
  std::optional<double> ref_rss, alt_rss, ref_wall, alt_wall;
};

// The allocators that have both sides, for the pairs and Kendall's tau.
struct Judged {
  std::vector<std::string> names;
  std::vector<const Side*> ref_sides, alt_sides;
  std::vector<double> ref_wall, alt_wall, ref_rss, alt_rss;
  std::uint64_t cells = 0, close = 0;  // memory-ratio cells and those within tolerance
};

struct SubjectWords {
  std::string ref_alloc, ref_word, alt_word;
  double base = 0;  // the program's baseline RSS, subtracted from its side only
};

nlohmann::json describe_allocator(const std::string& n, const Sides& sd, const std::map<std::string, double>& extra,
                                  const ReferenceMedians& refm, const SubjectWords& w, const FidelityOptions& opt,
                                  Judged& judged, nlohmann::json& warnings) {
  nlohmann::json a = {{"allocator", n},
                      {"reference_runs", sd.reference.runs},
                      {"reference_ok_runs", sd.reference.wall.size()},
                      {"standin_runs", sd.standin.runs},
                      {"standin_ok_runs", sd.standin.wall.size()}};
  const auto rw = median_of(sd.reference.wall), aw = median_of(sd.standin.wall);
  const auto rr = median_of(sd.reference.rss), ar = median_of(sd.standin.rss);
  a["reference_wall_ns"] = number_or_null(rw);
  a["standin_wall_ns"] = number_or_null(aw);
  a["reference_peak_rss_bytes"] = number_or_null(rr);
  a["standin_peak_rss_bytes"] = number_or_null(ar);
  if (auto it = extra.find(n); it != extra.end()) a["standin_startup_rss_added_bytes"] = it->second;
  std::optional<double> ref_ratio, alt_ratio, error;
  if (rr && refm.ref_rss && *refm.ref_rss - w.base > 0) ref_ratio = (*rr - w.base) / (*refm.ref_rss - w.base);
  if (ar && refm.alt_rss && *refm.alt_rss > 0) alt_ratio = *ar / *refm.alt_rss;
  if (ref_ratio && alt_ratio && *ref_ratio > 0) error = *alt_ratio / *ref_ratio - 1;
  a["reference_memory_ratio"] = number_or_null(ref_ratio);
  a["standin_memory_ratio"] = number_or_null(alt_ratio);
  a["memory_ratio_error"] = number_or_null(error);
  if (error && n != w.ref_alloc) {
    ++judged.cells;
    judged.close += std::fabs(*error) <= opt.ratio_tolerance;
  }
  if (!sd.reference.first_failure.empty() && sd.reference.wall.empty())
    warnings.push_back(n + ": no ok " + w.ref_word + " run (" + sd.reference.first_failure +
                       "); its pairs are left out");
  else if (!sd.standin.first_failure.empty() && sd.standin.wall.empty())
    warnings.push_back(n + ": no ok " + w.alt_word + " run (" + sd.standin.first_failure + "); its pairs are left out");
  if (rw && aw && rr && ar) {
    judged.names.push_back(n);
    judged.ref_sides.push_back(&sd.reference);
    judged.alt_sides.push_back(&sd.standin);
    judged.ref_wall.push_back(*rw);
    judged.alt_wall.push_back(*aw);
    judged.ref_rss.push_back(*rr);
    judged.alt_rss.push_back(*ar);
  }
  return a;
}

// Can the stand-in stand for the reference at all?
void warn_about_standing(const FidelitySubject& s, const Judged& judged, const ReferenceMedians& refm,
                         const SubjectWords& w, bool program, const FidelityOptions& opt, nlohmann::json& warnings) {
  std::size_t fewest = std::numeric_limits<std::size_t>::max();
  for (const Side* sd : judged.ref_sides) fewest = std::min(fewest, sd->wall.size());
  if (judged.ref_sides.size() >= 2 && mann_whitney_min_p(fewest, fewest) >= opt.alpha)
    warnings.push_back("with " + std::to_string(fewest) + " ok " + w.ref_word +
                       " run(s) per allocator no difference can be significant at alpha " + fixed(opt.alpha, 2) +
                       " (the smallest p-value is " + fixed(mann_whitney_min_p(fewest, fewest), 3) +
                       "): every pair is undecided; use -r 5 or more");
  if (program && refm.ref_rss && s.recorded_peak_live_bytes > 0) {
    const double heap = *refm.ref_rss - w.base;
    if (heap > 0 && static_cast<double>(s.recorded_peak_live_bytes) < opt.hidden_heap_share * heap)
      warnings.push_back("the recording's peak live bytes (" +
                         human_bytes(static_cast<double>(s.recorded_peak_live_bytes)) + ") are " +
                         percent(static_cast<double>(s.recorded_peak_live_bytes) / heap) +
                         " of the program's peak RSS above its start under " + w.ref_alloc + " (" + human_bytes(heap) +
                         "): most of its memory does not come from malloc (an allocator of its own, such as "
                         "CPython's pymalloc, or mmap), so the replay cannot stand for its memory");
  }
  if (program && refm.ref_wall && refm.alt_wall && *refm.ref_wall > 0 &&
      *refm.alt_wall < opt.malloc_time_share * *refm.ref_wall)
    warnings.push_back("the replay of its " + std::to_string(s.recorded_events) + " recorded events takes " +
                       human_duration(*refm.alt_wall) + " under " + w.ref_alloc + ", " +
                       percent(*refm.alt_wall / *refm.ref_wall) + " of the program's " +
                       human_duration(*refm.ref_wall) +
                       ": the program spends little of its time in malloc, so its time differences come mostly "
                       "from elsewhere (the cache and TLB locality of the memory it is given)");
}

// The running totals over every subject.
struct Totals {
  Tally time, memory;
  std::uint64_t cells = 0, close = 0;
};

nlohmann::json judge_subject(const Report& report, const FidelitySubject& s, const FidelityOptions& opt,
                             Totals& totals) {
  SubjectRuns runs = collect_runs(report, s);
  nlohmann::json warnings = nlohmann::json::array();
  for (const std::string& n : s.notes) warnings.push_back(n);
  const bool program = s.reference_kind == "program";
  const std::map<std::string, double> extra = add_startup_rss(s, runs, program);
  SubjectWords w{"", program ? "program" : "trace", s.standin_kind == "look-alike" ? "look-alike" : "replay",
                 program ? static_cast<double>(s.baseline_rss_bytes) : 0.0};
  for (const std::string& n : runs.names)
    if (n == "glibc") w.ref_alloc = n;
  if (w.ref_alloc.empty() && !runs.names.empty()) w.ref_alloc = runs.names.front();

  ReferenceMedians refm;
  if (auto it = runs.by_allocator.find(w.ref_alloc); it != runs.by_allocator.end()) {
    refm = {median_of(it->second.reference.rss), median_of(it->second.standin.rss),
            median_of(it->second.reference.wall), median_of(it->second.standin.wall)};
  }
  nlohmann::json allocators = nlohmann::json::array();
  Judged judged;
  for (const std::string& n : runs.names)
    allocators.push_back(describe_allocator(n, runs.by_allocator[n], extra, refm, w, opt, judged, warnings));
  nlohmann::json pairs = nlohmann::json::array();
  const Tally time = judge_pairs(judged.names, judged.ref_sides, judged.alt_sides, true, opt.alpha, pairs);
  const Tally memory = judge_pairs(judged.names, judged.ref_sides, judged.alt_sides, false, opt.alpha, pairs);
  totals.time.add(time);
  totals.memory.add(memory);
  totals.cells += judged.cells;
  totals.close += judged.close;
  nlohmann::json tj = time.json(), mj = memory.json();
  tj["kendall_tau"] = number_or_null(kendall_tau_b(judged.ref_wall, judged.alt_wall));
  mj["kendall_tau"] = number_or_null(kendall_tau_b(judged.ref_rss, judged.alt_rss));
  mj["ratio_cells"] = judged.cells;
  mj["ratio_cells_close"] = judged.close;
  warn_about_standing(s, judged, refm, w, program, opt, warnings);
  return {{"name", s.name},
          {"reference_kind", s.reference_kind},
          {"standin_kind", s.standin_kind},
          {"reference_trace", s.reference_trace},
          {"standin_trace", s.standin_trace},
          {"reference_allocator", w.ref_alloc},
          {"recorded_events", s.recorded_events},
          {"recorded_peak_live_bytes", s.recorded_peak_live_bytes},
          {"baseline_rss_bytes", s.baseline_rss_bytes},
          {"allocators", std::move(allocators)},
          {"pairs", std::move(pairs)},
          {"time", std::move(tj)},
          {"memory", std::move(mj)},
          {"warnings", std::move(warnings)}};
}

}  // namespace

nlohmann::json compute_fidelity(const Report& report, const std::vector<FidelitySubject>& subjects,
                                const FidelityOptions& opt) {
  nlohmann::json out = {{"alpha", opt.alpha}, {"ratio_tolerance", opt.ratio_tolerance}};
  nlohmann::json subjects_out = nlohmann::json::array();
  Totals totals;
  for (const FidelitySubject& s : subjects) subjects_out.push_back(judge_subject(report, s, opt, totals));
  nlohmann::json sums = {{"time", totals.time.json()}, {"memory", totals.memory.json()}};
  sums["memory"]["ratio_cells"] = totals.cells;
  sums["memory"]["ratio_cells_close"] = totals.close;
  sums["memory"]["ratio_close_share"] =
      totals.cells ? nlohmann::json(static_cast<double>(totals.close) / static_cast<double>(totals.cells))
                   : nlohmann::json(nullptr);
  out["subjects"] = std::move(subjects_out);
  out["totals"] = std::move(sums);
  return out;
}

namespace {

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.resize(width, ' ');
  return s;
}

std::string figure(const nlohmann::json& v, bool bytes) {
  if (!v.is_number()) return "-";
  return bytes ? human_bytes(v.get<double>()) : human_duration(v.get<double>());
}

std::string ratio(const nlohmann::json& v) { return v.is_number() ? fixed(v.get<double>(), 2) : "-"; }

std::string tally_text(const nlohmann::json& t) {
  std::string s = std::to_string(t.value("decided", 0)) + " of " + std::to_string(t.value("pairs", 0)) +
                  " pairs decided by the reference, ";
  if (t.at("agreement").is_number())
    s += std::to_string(t.value("agreeing", 0)) + " agree (" + percent(t.at("agreement").get<double>()) + ")";
  else
    s += "none to agree on";
  if (t.contains("kendall_tau"))
    s += "; Kendall tau " + (t.at("kendall_tau").is_number() ? fixed(t.at("kendall_tau").get<double>(), 2) : "-");
  return s;
}

std::string render_fidelity_text(const nlohmann::json& f) {
  std::string out;
  for (const nlohmann::json& s : f.at("subjects")) {
    const bool program = s.value("reference_kind", "") == "program";
    const std::string ref = program ? "program" : "trace";
    const std::string alt = s.value("standin_kind", "") == "look-alike" ? "look-alike" : "replay";
    out += "\nfidelity of the " + std::string(program ? "recording" : "look-alike") + " of " + s.value("name", "?") +
           " (" + std::to_string(s.value("recorded_events", std::uint64_t{0})) + " events, peak live " +
           human_bytes(s.value("recorded_peak_live_bytes", 0.0)) + ") to the " + ref + "; memory ratios to " +
           s.value("reference_allocator", "?") + "\n";
    out += pad("allocator", 18) + pad(ref + " wall", 15) + pad(alt + " wall", 15) + pad(ref + " RSS", 15) +
           pad(alt + " RSS", 15) + pad(ref + " ratio", 15) + pad(alt + " ratio", 15) + "error\n";
    for (const nlohmann::json& a : s.at("allocators")) {
      std::string err = "-";
      if (a.at("memory_ratio_error").is_number())
        err = (a.at("memory_ratio_error").get<double>() >= 0 ? "+" : "") +
              percent(a.at("memory_ratio_error").get<double>());
      out += pad(a.value("allocator", "?"), 18) + pad(figure(a.at("reference_wall_ns"), false), 15) +
             pad(figure(a.at("standin_wall_ns"), false), 15) + pad(figure(a.at("reference_peak_rss_bytes"), true), 15) +
             pad(figure(a.at("standin_peak_rss_bytes"), true), 15) + pad(ratio(a.at("reference_memory_ratio")), 15) +
             pad(ratio(a.at("standin_memory_ratio")), 15) + err + "\n";
    }
    out += "time:   " + tally_text(s.at("time")) + "\n";
    out += "memory: " + tally_text(s.at("memory")) + "; ratio within " + percent(f.value("ratio_tolerance", 0.1)) +
           " on " + std::to_string(s.at("memory").value("ratio_cells_close", 0)) + " of " +
           std::to_string(s.at("memory").value("ratio_cells", 0)) + " allocators\n";
    for (const nlohmann::json& w : s.at("warnings")) out += "warning: " + w.get<std::string>() + "\n";
  }
  if (f.at("subjects").size() > 1) {
    const nlohmann::json& t = f.at("totals");
    out += "\nall " + std::to_string(f.at("subjects").size()) + ": time: " + tally_text(t.at("time")) +
           "\n       memory: " + tally_text(t.at("memory")) + "; ratio within " +
           percent(f.value("ratio_tolerance", 0.1)) + " on " +
           std::to_string(t.at("memory").value("ratio_cells_close", 0)) + " of " +
           std::to_string(t.at("memory").value("ratio_cells", 0)) + " cells\n";
  }
  return out;
}

std::string render_fidelity_markdown_text(const nlohmann::json& f) {
  std::string out;
  for (const nlohmann::json& s : f.at("subjects")) {
    const bool program = s.value("reference_kind", "") == "program";
    const std::string ref = program ? "program" : "trace";
    const std::string alt = s.value("standin_kind", "") == "look-alike" ? "look-alike" : "replay";
    out += "\n**Fidelity of the " + std::string(program ? "recording" : "look-alike") + " of " +
           markdown_escape(s.value("name", "?")) + "** (" +
           std::to_string(s.value("recorded_events", std::uint64_t{0})) + " events) to the " + ref +
           "; memory ratios to " + markdown_escape(s.value("reference_allocator", "?")) + ".\n\n";
    out += "| allocator | " + ref + " wall | " + alt + " wall | " + ref + " RSS | " + alt + " RSS | " + ref +
           " ratio | " + alt + " ratio |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
    for (const nlohmann::json& a : s.at("allocators"))
      out += "| " + markdown_escape(a.value("allocator", "?")) + " | " + figure(a.at("reference_wall_ns"), false) +
             " | " + figure(a.at("standin_wall_ns"), false) + " | " + figure(a.at("reference_peak_rss_bytes"), true) +
             " | " + figure(a.at("standin_peak_rss_bytes"), true) + " | " + ratio(a.at("reference_memory_ratio")) +
             " | " + ratio(a.at("standin_memory_ratio")) + " |\n";
    out += "\nTime: " + tally_text(s.at("time")) + ". Memory: " + tally_text(s.at("memory")) + ".\n";
    for (const nlohmann::json& w : s.at("warnings")) out += "\n- Warning: " + markdown_escape(w.get<std::string>());
    if (!s.at("warnings").empty()) out += "\n";
  }
  return out;
}

}  // namespace

std::string render_fidelity_markdown(const nlohmann::json& f) {
  if (!f.is_object() || !f.contains("subjects")) return "";
  try {
    return render_fidelity_markdown_text(f);
  } catch (const nlohmann::json::exception& e) {
    return "\nThe report's fidelity block is malformed (" + markdown_escape(e.what()) + ").\n";
  }
}

std::string render_fidelity(const nlohmann::json& f) {
  if (!f.is_object() || !f.contains("subjects")) return "";
  try {
    return render_fidelity_text(f);
  } catch (const nlohmann::json::exception& e) {  // a report file edited by hand
    return std::string("\nfidelity: the report's fidelity block is malformed (") + e.what() + ")\n";
  }
}

}  // namespace heapreplay
