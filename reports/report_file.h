// Reading a JSON report from a file (compare, report, the report fuzz
// target): every way the file can be wrong becomes one line naming it.
#pragma once

#include <string>

#include "reports/run_result.h"

namespace heapreplay {

// Throws std::runtime_error "PATH: what is wrong" for a file that cannot be
// read, is not JSON, or is not a report of a schema version we read.
Report read_report(const std::string& path);

}  // namespace heapreplay
