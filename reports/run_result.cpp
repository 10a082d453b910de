// JSON mapping of RunResult and Report (the schema is reports/SCHEMA.md).
#include "reports/run_result.h"

#include <limits>
#include <stdexcept>

namespace heapreplay {

namespace {

// Whole-number fields. nlohmann's get<std::uint64_t>() converts a float with
// a plain cast, which is undefined for one out of range (1e70) and wraps a
// negative integer; a report is input a user can get wrong, so each whole
// number is checked here: a JSON integer, or a float with an integral value,
// inside the field's range.
std::uint64_t whole(const nlohmann::json& v, const char* key, std::uint64_t max) {
  // A JSON integer is held as unsigned when parsed from text, as signed when
  // built from an int (to_json): both are fine when not negative.
  if (v.is_number_unsigned() && v.get<std::uint64_t>() <= max) return v.get<std::uint64_t>();
  if (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() >= 0 &&
      static_cast<std::uint64_t>(v.get<std::int64_t>()) <= max)
    return static_cast<std::uint64_t>(v.get<std::int64_t>());
  if (v.is_number_float()) {
    const double d = v.get<double>();
    // 2^64 is exact as a double; every double below it converts exactly.
    if (d >= 0 && d < 18446744073709551616.0 && d == static_cast<double>(static_cast<std::uint64_t>(d)) &&
        static_cast<std::uint64_t>(d) <= max)
      return static_cast<std::uint64_t>(d);
  }
  throw std::runtime_error(std::string("\"") + key + "\" must be a whole number from 0 to " + std::to_string(max));
}

std::uint64_t u64(const nlohmann::json& v, const char* key) { return whole(v, key, ~std::uint64_t{0}); }
int nonnegative_int(const nlohmann::json& v, const char* key) {
  return static_cast<int>(whole(v, key, static_cast<std::uint64_t>(std::numeric_limits<int>::max())));
}
std::uint64_t u64_at(const nlohmann::json& j, const char* key) { return u64(j.at(key), key); }
std::uint64_t u64_or(const nlohmann::json& j, const char* key, std::uint64_t otherwise) {
  return j.contains(key) ? u64(j[key], key) : otherwise;
}

}  // namespace


void to_json(nlohmann::json& j, const ThreadResult& t) {
  j = nlohmann::json{{"events", t.events},   {"wall_ns", t.wall_ns}, {"events_per_second", t.events_per_second},
                     {"wait_ns", t.wait_ns}, {"waits", t.waits}};
}

void from_json(const nlohmann::json& j, ThreadResult& t) {
  t.events = u64_at(j, "events");
  t.wall_ns = u64_at(j, "wall_ns");
  t.events_per_second = j.value("events_per_second", 0.0);
  t.wait_ns = u64_or(j, "wait_ns", 0);
  t.waits = u64_or(j, "waits", 0);
}

void to_json(nlohmann::json& j, const LatencyStats& l) {
  j = nlohmann::json{{"count", l.count},           {"p50_ns", l.p50_ns},   {"p90_ns", l.p90_ns},
                     {"p99_ns", l.p99_ns},         {"p999_ns", l.p999_ns}, {"max_ns", l.max_ns},
                     {"mean_ns", l.mean_ns},       {"bucket_upper_ns", l.bucket_upper_ns},
                     {"bucket_count", l.bucket_count}};
}

void from_json(const nlohmann::json& j, LatencyStats& l) {
  l.count = u64_at(j, "count");
  j.at("p50_ns").get_to(l.p50_ns);
  j.at("p90_ns").get_to(l.p90_ns);
  j.at("p99_ns").get_to(l.p99_ns);
  j.at("p999_ns").get_to(l.p999_ns);
  j.at("max_ns").get_to(l.max_ns);
  l.mean_ns = j.value("mean_ns", 0.0);
  l.bucket_upper_ns = j.value("bucket_upper_ns", std::vector<double>{});
  l.bucket_count.clear();
  if (j.contains("bucket_count")) {
    if (!j["bucket_count"].is_array()) throw std::runtime_error("\"bucket_count\" is not an array");
    for (const auto& v : j["bucket_count"]) l.bucket_count.push_back(u64(v, "bucket_count"));
  }
  if (l.bucket_upper_ns.size() != l.bucket_count.size())
    throw std::runtime_error("latency histogram: bucket_upper_ns and bucket_count differ in length");
}

namespace {

// Samples are stored as columns (one array per field): compact and easy to plot.
nlohmann::json samples_to_json(const std::vector<MemorySample>& s) {
  nlohmann::json j = {{"event", nlohmann::json::array()},        {"elapsed_ns", nlohmann::json::array()},
                      {"live_bytes", nlohmann::json::array()},   {"usable_bytes", nlohmann::json::array()},
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
  const auto& ev = j.at("event");
  std::size_t n = ev.size();
  for (const char* k : {"elapsed_ns", "live_bytes", "usable_bytes", "footprint_bytes", "rss_bytes"})
    if (j.at(k).size() != n) throw std::runtime_error(std::string("samples: column ") + k + " has the wrong length");
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i].event = u64(ev[i], "event");
    out[i].elapsed_ns = u64(j["elapsed_ns"][i], "elapsed_ns");
    out[i].live_bytes = u64(j["live_bytes"][i], "live_bytes");
    out[i].usable_bytes = u64(j["usable_bytes"][i], "usable_bytes");
    out[i].footprint_bytes = u64(j["footprint_bytes"][i], "footprint_bytes");
    out[i].rss_bytes = u64(j["rss_bytes"][i], "rss_bytes");
  }
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
}

void from_json(const nlohmann::json& j, RunResult& r) {
  j.at("trace").get_to(r.trace);
  j.at("allocator").get_to(r.allocator);
  r.repetition = nonnegative_int(j.at("repetition"), "repetition");
  j.at("status").get_to(r.status);
  r.status_detail = j.value("status_detail", std::string());
  r.signal = j.contains("signal") ? nonnegative_int(j["signal"], "signal") : 0;
  r.touch = j.value("touch", std::string());
  r.validate = j.value("validate", false);
  r.events = u64_at(j, "events");
  r.wall_ns = u64_at(j, "wall_ns");
  j.at("ns_per_event").get_to(r.ns_per_event);
  r.events_per_second = j.value("events_per_second", 0.0);
  r.peak_live_bytes = u64_at(j, "peak_live_bytes");
  r.final_live_bytes = u64_or(j, "final_live_bytes", 0);
  r.peak_rss_bytes = u64_at(j, "peak_rss_bytes");
  r.baseline_rss_bytes = u64_or(j, "baseline_rss_bytes", 0);
  r.rss_method = j.value("rss_method", std::string());
  r.failed_allocations = u64_at(j, "failed_allocations");
  r.allocator_version = j.value("allocator_version", std::string());
  r.allocator_stats = j.value("allocator_stats", nlohmann::json::object());
  r.sample_every = u64_or(j, "sample_every", 0);
  if (j.contains("samples")) r.samples = samples_from_json(j["samples"]);
  r.peak_footprint_bytes = u64_or(j, "peak_footprint_bytes", 0);
  r.peak_usable_bytes = u64_or(j, "peak_usable_bytes", 0);
  r.internal_fragmentation_bytes = u64_or(j, "internal_fragmentation_bytes", 0);
  r.external_fragmentation_bytes = u64_or(j, "external_fragmentation_bytes", 0);
  r.fragmentation_at_peak_live = j.value("fragmentation_at_peak_live", 0.0);
  r.fragmentation_peak_ratio = j.value("fragmentation_peak_ratio", 0.0);
  r.utilization = j.value("utilization", 0.0);
  r.final_footprint_bytes = u64_or(j, "final_footprint_bytes", 0);
  r.retained_after_trim_bytes = u64_or(j, "retained_after_trim_bytes", 0);
  r.retained_rss_after_trim_bytes = u64_or(j, "retained_rss_after_trim_bytes", 0);
  r.threads = j.contains("threads") ? nonnegative_int(j["threads"], "threads") : 1;
  r.locked = j.value("locked", false);
  r.pace = j.value("pace", std::string("fast"));
  r.wait_ns = u64_or(j, "wait_ns", 0);
  if (j.contains("per_thread")) j.at("per_thread").get_to(r.per_thread);
  r.latency_sample_every = u64_or(j, "latency_sample_every", 0);
  r.clock_overhead_ns = j.value("clock_overhead_ns", 0.0);
  if (j.contains("latency")) j.at("latency").get_to(r.latency);
}

nlohmann::json report_to_json(const Report& report) {
  return nlohmann::json{{"schema", kReportSchema}, {"context", report.context}, {"runs", report.runs}};
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
    } catch (const std::exception& e) {  // nlohmann's, or a field checked above
      throw std::runtime_error("run " + std::to_string(i) + ": " + e.what());
    }
  }
  return r;
}

}  // namespace heapreplay
