// The runs of a JSON report as "TRACE ALLOCATOR REPETITION", in the report's
// order: what the shards of a session, merged, must reproduce.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/cli_runner.h"

namespace heapreplay::test {

inline std::vector<std::string> run_keys(const std::string& report_path) {
  std::vector<std::string> keys;
  const nlohmann::json report = nlohmann::json::parse(read_file(report_path));
  for (const auto& r : report["runs"])
    keys.push_back(r["trace"].get<std::string>() + " " + r["allocator"].get<std::string>() + " " +
                   std::to_string(r["repetition"].get<int>()));
  return keys;
}

}  // namespace heapreplay::test
