// JSON mapping of RunResult and Report (the schema is reports/SCHEMA.md).
#include "reports/run_result.h"

#include <stdexcept>

namespace heapreplay {

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
                     {"allocator_stats", r.allocator_stats}};
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
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error("run " + std::to_string(i) + ": " + e.what());
    }
  }
  return r;
}

}  // namespace heapreplay
