// What the export table needs besides its rows (see exports.h).
#include "reports/exports/exports.h"

namespace heapreplay {

std::string json_file_text(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

const ReportExport* find_export(std::string_view name) {
  for (const ReportExport& e : kReportExports)
    if (e.name == name) return &e;
  return nullptr;
}

std::string export_names(std::string_view separator, std::string_view last_separator) {
  std::string out;
  const std::size_t n = std::size(kReportExports);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out += i + 1 == n ? last_separator : separator;
    out += kReportExports[i].name;
  }
  return out;
}

}  // namespace heapreplay
