// JSON mapping of RunResult and Report (the schema is reports/SCHEMA.md).
#include "reports/run_result.h"

#include <stdexcept>

namespace heapreplay {

void to_json(nlohmann::json& j, const ThreadResult& t) {
  j = nlohmann::json{{"events", t.events},   {"wall_ns", t.wall_ns}, {"events_per_second", t.events_per_second},
                     {"wait_ns", t.wait_ns}, {"waits", t.waits}};
}

void from_json(const nlohmann::json& j, ThreadResult& t) {
  j.at("events").get_to(t.events);
  j.at("wall_ns").get_to(t.wall_ns);
  t.events_per_second = j.value("events_per_second", 0.0);
  t.wait_ns = j.value("wait_ns", std::uint64_t{0});
  t.waits = j.value("waits", std::uint64_t{0});
}

void to_json(nlohmann::json& j, const LatencyStats& l) {
  j = nlohmann::json{{"count", l.count},           {"p50_ns", l.p50_ns},   {"p90_ns", l.p90_ns},
                     {"p99_ns", l.p99_ns},         {"p999_ns", l.p999_ns}, {"max_ns", l.max_ns},
                     {"mean_ns", l.mean_ns},       {"bucket_upper_ns", l.bucket_upper_ns},
                     {"bucket_count", l.bucket_count}};
}

void from_json(const nlohmann::json& j, LatencyStats& l) {
  j.at("count").get_to(l.count);
  j.at("p50_ns").get_to(l.p50_ns);
  j.at("p90_ns").get_to(l.p90_ns);
  j.at("p99_ns").get_to(l.p99_ns);
  j.at("p999_ns").get_to(l.p999_ns);
  j.at("max_ns").get_to(l.max_ns);
  l.mean_ns = j.value("mean_ns", 0.0);
  l.bucket_upper_ns = j.value("bucket_upper_ns", std::vector<double>{});
  l.bucket_count = j.value("bucket_count", std::vector<std::uint64_t>{});
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
    out[i].event = ev[i].get<std::uint64_t>();
    out[i].elapsed_ns = j["elapsed_ns"][i].get<std::uint64_t>();
    out[i].live_bytes = j["live_bytes"][i].get<std::uint64_t>();
    out[i].usable_bytes = j["usable_bytes"][i].get<std::uint64_t>();
    out[i].footprint_bytes = j["footprint_bytes"][i].get<std::uint64_t>();
    out[i].rss_bytes = j["rss_bytes"][i].get<std::uint64_t>();
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
  j.at("repetition").get_to(r.repetition);
  j.at("status").get_to(r.status);
  r.status_detail = j.value("status_detail", std::string());
  r.signal = j.value("signal", 0);
  r.touch = j.value("touch", std::string());
  r.validate = j.value("validate", false);
  j.at("events").get_to(r.events);
  j.at("wall_ns").get_to(r.wall_ns);
  j.at("ns_per_event").get_to(r.ns_per_event);
  r.events_per_second = j.value("events_per_second", 0.0);
  j.at("peak_live_bytes").get_to(r.peak_live_bytes);
  r.final_live_bytes = j.value("final_live_bytes", std::uint64_t{0});
  j.at("peak_rss_bytes").get_to(r.peak_rss_bytes);
  r.baseline_rss_bytes = j.value("baseline_rss_bytes", std::uint64_t{0});
  r.rss_method = j.value("rss_method", std::string());
  j.at("failed_allocations").get_to(r.failed_allocations);
  r.allocator_version = j.value("allocator_version", std::string());
  r.allocator_stats = j.value("allocator_stats", nlohmann::json::object());
  r.sample_every = j.value("sample_every", std::uint64_t{0});
  if (j.contains("samples")) r.samples = samples_from_json(j["samples"]);
  r.peak_footprint_bytes = j.value("peak_footprint_bytes", std::uint64_t{0});
  r.peak_usable_bytes = j.value("peak_usable_bytes", std::uint64_t{0});
  r.internal_fragmentation_bytes = j.value("internal_fragmentation_bytes", std::uint64_t{0});
  r.external_fragmentation_bytes = j.value("external_fragmentation_bytes", std::uint64_t{0});
  r.fragmentation_at_peak_live = j.value("fragmentation_at_peak_live", 0.0);
  r.fragmentation_peak_ratio = j.value("fragmentation_peak_ratio", 0.0);
  r.utilization = j.value("utilization", 0.0);
  r.final_footprint_bytes = j.value("final_footprint_bytes", std::uint64_t{0});
  r.retained_after_trim_bytes = j.value("retained_after_trim_bytes", std::uint64_t{0});
  r.retained_rss_after_trim_bytes = j.value("retained_rss_after_trim_bytes", std::uint64_t{0});
  r.threads = j.value("threads", 1);
  r.locked = j.value("locked", false);
  r.pace = j.value("pace", std::string("fast"));
  r.wait_ns = j.value("wait_ns", std::uint64_t{0});
  if (j.contains("per_thread")) j.at("per_thread").get_to(r.per_thread);
  r.latency_sample_every = j.value("latency_sample_every", std::uint64_t{0});
  r.clock_overhead_ns = j.value("clock_overhead_ns", 0.0);
  if (j.contains("latency")) j.at("latency").get_to(r.latency);
}

nlohmann::json report_to_json(const Report& report) {
  nlohmann::json j{{"schema", kReportSchema}, {"context", report.context}, {"runs", report.runs}};
  if (report.interrupted)
    j["interrupted"] = {{"signal", report.interrupted->signal},
                        {"completed_runs", report.interrupted->completed_runs},
                        {"planned_runs", report.interrupted->planned_runs}};
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
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error("run " + std::to_string(i) + ": " + e.what());
    }
  }
  if (j.contains("interrupted")) {
    const auto& in = j["interrupted"];
    try {
      Interruption x;
      in.at("signal").get_to(x.signal);
      in.at("completed_runs").get_to(x.completed_runs);
      in.at("planned_runs").get_to(x.planned_runs);
      r.interrupted = x;
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(std::string("\"interrupted\": ") + e.what());
    }
  }
  return r;
}

}  // namespace heapreplay
