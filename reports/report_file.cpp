// Reading a JSON report from a file (see report_file.h).
#include "reports/report_file.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "reports/output_file.h"

namespace heapreplay {

Report read_report(const std::string& path) {
  std::string text = read_whole_file(path);  // throws "PATH: cannot read: ..."
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // Not only parse_error: a number too large for a double ("1E+999") is an
    // out_of_range thrown by the parser.
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 3, column 1: ..." -> from "parse error".
    auto at = what.find("] ");
    throw std::runtime_error(path + ": not a JSON report" + (text.empty() ? " (empty file)" : "") + ": " +
                             (at == std::string::npos ? what : what.substr(at + 2)));
  }
  try {
    return report_from_json(j);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace heapreplay
