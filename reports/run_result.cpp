// JSON mapping of RunResult and Report (the schema is reports/SCHEMA.md).
#include "reports/run_result.h"

#include <limits>
#include <stdexcept>
#include <type_traits>

namespace heapreplay {

namespace {

// Numbers read from a report are checked against their field's type before
// conversion: nlohmann's get<int>() of 1e300 or get<std::uint64_t>() of -5
// would convert out of range (undefined behaviour for a float). A report is
// input that others made; a field that lies is an error naming it.
template <class T>
T number(const nlohmann::json& v, const char* key) {
  if constexpr (std::is_floating_point_v<T>) {
    if (v.is_number()) return v.get<T>();
    throw std::runtime_error(std::string("\"") + key + "\" is not a number");
  } else {
    if (v.is_number_unsigned()) {
      auto x = v.get<std::uint64_t>();
      if (x <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return static_cast<T>(x);
    } else if (v.is_number_integer()) {
      auto x = v.get<std::int64_t>();
      if (x < 0 ? std::is_signed_v<T> && x >= static_cast<std::int64_t>(std::numeric_limits<T>::min())
                : static_cast<std::uint64_t>(x) <= static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
        return static_cast<T>(x);
    }
    throw std::runtime_error(std::string("\"") + key + "\" is not an integer in the range of its field");
  }
}

template <class T>
T required(const nlohmann::json& j, const char* key) {
  return number<T>(j.at(key), key);
}

template <class T>
T optional(const nlohmann::json& j, const char* key, T fallback) {
  if (!j.is_object()) throw std::runtime_error("not an object where \"" + std::string(key) + "\" was expected");
  auto it = j.find(key);
  return it == j.end() ? fallback : number<T>(*it, key);
}

template <class T>
std::vector<T> numbers(const nlohmann::json& v, const char* key) {
  if (!v.is_array()) throw std::runtime_error(std::string("\"") + key + "\" is not an array");
  std::vector<T> out;
  out.reserve(v.size());
  for (const auto& x : v) out.push_back(number<T>(x, key));
  return out;
}

}  // namespace

void to_json(nlohmann::json& j, const ThreadResult& t) {
  j = nlohmann::json{{"events", t.events},
                     {"wall_ns", t.wall_ns},
                     {"events_per_second", t.events_per_second},
                     {"wait_ns", t.wait_ns},
                     {"waits", t.waits}};
}

void from_json(const nlohmann::json& j, ThreadResult& t) {
  t.events = required<std::uint64_t>(j, "events");
  t.wall_ns = required<std::uint64_t>(j, "wall_ns");
  t.events_per_second = optional(j, "events_per_second", 0.0);
  t.wait_ns = optional(j, "wait_ns", std::uint64_t{0});
  t.waits = optional(j, "waits", std::uint64_t{0});
}

void to_json(nlohmann::json& j, const LatencyStats& l) {
  j = nlohmann::json{{"count", l.count},
                     {"p50_ns", l.p50_ns},
                     {"p90_ns", l.p90_ns},
                     {"p99_ns", l.p99_ns},
                     {"p999_ns", l.p999_ns},
                     {"max_ns", l.max_ns},
                     {"mean_ns", l.mean_ns},
                     {"bucket_upper_ns", l.bucket_upper_ns},
                     {"bucket_count", l.bucket_count}};
}

void from_json(const nlohmann::json& j, LatencyStats& l) {
  l.count = required<std::uint64_t>(j, "count");
  l.p50_ns = required<double>(j, "p50_ns");
  l.p90_ns = required<double>(j, "p90_ns");
  l.p99_ns = required<double>(j, "p99_ns");
  l.p999_ns = required<double>(j, "p999_ns");
  l.max_ns = required<double>(j, "max_ns");
  l.mean_ns = optional(j, "mean_ns", 0.0);
  if (j.contains("bucket_upper_ns")) l.bucket_upper_ns = numbers<double>(j["bucket_upper_ns"], "bucket_upper_ns");
  if (j.contains("bucket_count")) l.bucket_count = numbers<std::uint64_t>(j["bucket_count"], "bucket_count");
  if (l.bucket_upper_ns.size() != l.bucket_count.size())
    throw std::runtime_error("latency histogram: bucket_upper_ns and bucket_count differ in length");
}

namespace {

// Samples are stored as columns (one array per field): compact and easy to plot.
nlohmann::json samples_to_json(const std::vector<MemorySample>& s) {
  nlohmann::json j = {{"event", nlohmann::json::array()},           {"elapsed_ns", nlohmann::json::array()},
                      {"live_bytes", nlohmann::json::array()},      {"usable_bytes", nlohmann::json::array()},
                      {"footprint_bytes", nlohmann::json::array()}, {"rss_bytes", nlohmann::json::array()}};
  for (const MemorySample& m : s) {
    j["event"].push_back(m.event);
    j["elapsed_ns"].push_back(m.elapsed_ns);
    j["live_bytes"].push_back(m.live_bytes);
    j["usable_bytes"].push_back(m.usable_bytes);
    j["footprint_bytes"].push_back(m.footprint_bytes);
    j["rss_bytes"].push_back(m.rss_bytes);
  }
  return j;
}

std::vector<MemorySample> samples_from_json(const nlohmann::json& j) {
  std::vector<MemorySample> out;
  if (!j.is_object()) return out;
  const char* keys[] = {"event", "elapsed_ns", "live_bytes", "usable_bytes", "footprint_bytes", "rss_bytes"};
  std::vector<std::uint64_t> col[6];
  for (int k = 0; k < 6; ++k) {
    col[k] = numbers<std::uint64_t>(j.at(keys[k]), keys[k]);
    if (col[k].size() != col[0].size())
      throw std::runtime_error(std::string("samples: column ") + keys[k] + " has the wrong length");
  }
  out.resize(col[0].size());
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = MemorySample{col[0][i], col[1][i], col[2][i], col[3][i], col[4][i], col[5][i]};
  return out;
}

}  // namespace

void to_json(nlohmann::json& j, const RunResult& r) {
  j = nlohmann::json{{"trace", r.trace},
                     {"allocator", r.allocator},
                     {"repetition", r.repetition},
                     {"status", r.status},
                     {"status_detail", r.status_detail},
                     {"signal", r.signal},
                     {"touch", r.touch},
                     {"validate", r.validate},
                     {"events", r.events},
                     {"wall_ns", r.wall_ns},
                     {"ns_per_event", r.ns_per_event},
                     {"events_per_second", r.events_per_second},
                     {"peak_live_bytes", r.peak_live_bytes},
                     {"final_live_bytes", r.final_live_bytes},
                     {"peak_rss_bytes", r.peak_rss_bytes},
                     {"baseline_rss_bytes", r.baseline_rss_bytes},
                     {"rss_method", r.rss_method},
                     {"failed_allocations", r.failed_allocations},
                     {"allocator_version", r.allocator_version},
                     {"allocator_stats", r.allocator_stats},
                     {"sample_every", r.sample_every},
                     {"samples", samples_to_json(r.samples)},
                     {"peak_footprint_bytes", r.peak_footprint_bytes},
                     {"peak_usable_bytes", r.peak_usable_bytes},
                     {"internal_fragmentation_bytes", r.internal_fragmentation_bytes},
                     {"external_fragmentation_bytes", r.external_fragmentation_bytes},
                     {"fragmentation_at_peak_live", r.fragmentation_at_peak_live},
                     {"fragmentation_peak_ratio", r.fragmentation_peak_ratio},
                     {"utilization", r.utilization},
                     {"final_footprint_bytes", r.final_footprint_bytes},
                     {"retained_after_trim_bytes", r.retained_after_trim_bytes},
                     {"retained_rss_after_trim_bytes", r.retained_rss_after_trim_bytes},
                     {"threads", r.threads},
                     {"locked", r.locked},
                     {"pace", r.pace},
                     {"wait_ns", r.wait_ns},
                     {"per_thread", r.per_thread},
                     {"latency_sample_every", r.latency_sample_every},
                     {"clock_overhead_ns", r.clock_overhead_ns},
                     {"latency", r.latency}};
  if (r.malloc_alignment != 1) j["malloc_alignment"] = r.malloc_alignment;
  if (r.windows != 1) {
    j["windows"] = r.windows;
    j["window_fetch_ns"] = r.window_fetch_ns;
  }
  if (!r.allocator_config.empty()) j["allocator_config"] = r.allocator_config;
  if (r.kind != "replay") {
    j["kind"] = r.kind;
    j["command"] = r.command;
    j["exit_code"] = r.exit_code;
    j["user_ns"] = r.user_ns;
    j["sys_ns"] = r.sys_ns;
    j["minor_faults"] = r.minor_faults;
    j["major_faults"] = r.major_faults;
    j["voluntary_switches"] = r.voluntary_switches;
    j["involuntary_switches"] = r.involuntary_switches;
    j["spawn_rss_bytes"] = r.spawn_rss_bytes;
    j["output_check"] = r.output_check;
    j["stdout_path"] = r.stdout_path;
    j["stderr_path"] = r.stderr_path;
  }
}

void from_json(const nlohmann::json& j, RunResult& r) {
  r.kind = j.value("kind", std::string("replay"));
  if (r.kind != "replay" && r.kind != "program")
    throw std::runtime_error("\"kind\" is '" + r.kind + "', not replay or program");
  j.at("trace").get_to(r.trace);
  j.at("allocator").get_to(r.allocator);
  r.repetition = required<int>(j, "repetition");
  j.at("status").get_to(r.status);
  r.status_detail = j.value("status_detail", std::string());
  r.signal = optional(j, "signal", 0);
  r.touch = j.value("touch", std::string());
  r.malloc_alignment = optional(j, "malloc_alignment", std::uint64_t{1});
  r.validate = j.value("validate", false);
  r.events = required<std::uint64_t>(j, "events");
  r.wall_ns = required<std::uint64_t>(j, "wall_ns");
  r.ns_per_event = required<double>(j, "ns_per_event");
  r.events_per_second = optional(j, "events_per_second", 0.0);
  r.peak_live_bytes = required<std::uint64_t>(j, "peak_live_bytes");
  r.final_live_bytes = optional(j, "final_live_bytes", std::uint64_t{0});
  r.peak_rss_bytes = required<std::uint64_t>(j, "peak_rss_bytes");
  r.baseline_rss_bytes = optional(j, "baseline_rss_bytes", std::uint64_t{0});
  r.rss_method = j.value("rss_method", std::string());
  r.failed_allocations = required<std::uint64_t>(j, "failed_allocations");
  r.allocator_version = j.value("allocator_version", std::string());
  r.allocator_stats = j.value("allocator_stats", nlohmann::json::object());
  if (j.contains("allocator_config")) {
    if (!j["allocator_config"].is_object()) throw std::runtime_error("\"allocator_config\" is not an object");
    r.allocator_config = j["allocator_config"];
  }
  r.sample_every = optional(j, "sample_every", std::uint64_t{0});
  if (j.contains("samples")) r.samples = samples_from_json(j["samples"]);
  r.peak_footprint_bytes = optional(j, "peak_footprint_bytes", std::uint64_t{0});
  r.peak_usable_bytes = optional(j, "peak_usable_bytes", std::uint64_t{0});
  r.internal_fragmentation_bytes = optional(j, "internal_fragmentation_bytes", std::uint64_t{0});
  r.external_fragmentation_bytes = optional(j, "external_fragmentation_bytes", std::uint64_t{0});
  r.fragmentation_at_peak_live = optional(j, "fragmentation_at_peak_live", 0.0);
  r.fragmentation_peak_ratio = optional(j, "fragmentation_peak_ratio", 0.0);
  r.utilization = optional(j, "utilization", 0.0);
  r.final_footprint_bytes = optional(j, "final_footprint_bytes", std::uint64_t{0});
  r.retained_after_trim_bytes = optional(j, "retained_after_trim_bytes", std::uint64_t{0});
  r.retained_rss_after_trim_bytes = optional(j, "retained_rss_after_trim_bytes", std::uint64_t{0});
  r.threads = optional(j, "threads", 1);
  r.locked = j.value("locked", false);
  r.pace = j.value("pace", std::string("fast"));
  r.wait_ns = optional(j, "wait_ns", std::uint64_t{0});
  r.windows = optional(j, "windows", std::uint64_t{1});
  r.window_fetch_ns = optional(j, "window_fetch_ns", std::uint64_t{0});
  if (j.contains("per_thread")) j.at("per_thread").get_to(r.per_thread);
  r.latency_sample_every = optional(j, "latency_sample_every", std::uint64_t{0});
  r.clock_overhead_ns = optional(j, "clock_overhead_ns", 0.0);
  if (j.contains("latency")) j.at("latency").get_to(r.latency);
  if (r.kind == "program") {
    if (j.contains("command")) j.at("command").get_to(r.command);
    r.exit_code = optional(j, "exit_code", -1);
    r.user_ns = required<std::uint64_t>(j, "user_ns");
    r.sys_ns = required<std::uint64_t>(j, "sys_ns");
    r.minor_faults = optional(j, "minor_faults", std::uint64_t{0});
    r.major_faults = optional(j, "major_faults", std::uint64_t{0});
    r.voluntary_switches = optional(j, "voluntary_switches", std::uint64_t{0});
    r.involuntary_switches = optional(j, "involuntary_switches", std::uint64_t{0});
    r.spawn_rss_bytes = optional(j, "spawn_rss_bytes", std::uint64_t{0});
    r.output_check = j.value("output_check", std::string());
    r.stdout_path = j.value("stdout_path", std::string());
    r.stderr_path = j.value("stderr_path", std::string());
  }
}

nlohmann::json report_to_json(const Report& report) {
  nlohmann::json j{{"schema", kReportSchema}, {"context", report.context}, {"runs", report.runs}};
  if (report.interrupted)
    j["interrupted"] = {{"signal", report.interrupted->signal},
                        {"completed_runs", report.interrupted->completed_runs},
                        {"planned_runs", report.interrupted->planned_runs}};
  if (!report.fidelity.is_null()) j["fidelity"] = report.fidelity;
  return j;
}

std::string interruption_text(const Report& report) {
  if (!report.interrupted) return "";
  return "interrupted by " + report.interrupted->signal + " after " +
         std::to_string(report.interrupted->completed_runs) + " of " +
         std::to_string(report.interrupted->planned_runs) + " runs";
}

Report report_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("schema") || !j["schema"].is_string())
    throw std::runtime_error("not a heapreplay report (no \"schema\" field)");
  std::string schema = j["schema"].get<std::string>();
  if (schema != kReportSchema)
    throw std::runtime_error("report schema is '" + schema + "', this build reads '" + kReportSchema + "'");
  Report r;
  r.context = j.value("context", nlohmann::json::object());
  const auto& runs = j.at("runs");
  if (!runs.is_array()) throw std::runtime_error("\"runs\" is not an array");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    try {
      r.runs.push_back(runs[i].get<RunResult>());
    } catch (const std::exception& e) {
      throw std::runtime_error("run " + std::to_string(i) + ": " + e.what());
    }
  }
  if (j.contains("interrupted")) {
    const auto& in = j["interrupted"];
    try {
      Interruption x;
      in.at("signal").get_to(x.signal);
      x.completed_runs = required<std::uint64_t>(in, "completed_runs");
      x.planned_runs = required<std::uint64_t>(in, "planned_runs");
      r.interrupted = x;
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("\"interrupted\": ") + e.what());
    }
  }
  if (j.contains("fidelity")) {
    if (!j["fidelity"].is_object() || !j["fidelity"].contains("subjects") || !j["fidelity"]["subjects"].is_array())
      throw std::runtime_error("\"fidelity\" is not an object with a \"subjects\" array");
    r.fidelity = j["fidelity"];
  }
  return r;
}

}  // namespace heapreplay
