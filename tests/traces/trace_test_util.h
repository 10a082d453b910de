// Helpers shared by the trace tests: fixture and shared-data paths, exact
// TraceError checks, and per-op event counts.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "traces/trace.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay::testing {

inline std::string fixture(const std::string& name) { return std::string(HR_FIXTURES) + "/traces/" + name; }

inline std::uint64_t count(const Trace& t, Op op) { return summarize(t.view()).op_count[static_cast<int>(op)]; }

// Runs f and checks that it throws a TraceError whose what() is exactly what.
template <class F>
void expect_trace_error(F&& f, const std::string& what) {
  try {
    f();
    ADD_FAILURE() << "no TraceError; expected: " << what;
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()), what);
  }
}

}  // namespace heapreplay::testing

// Declares `std::string var` = HR_SHARED_DATA/rel, or skips the test when the
// shared data folder is not there (a fresh checkout has none).
#define HR_SHARED_FILE(var, rel)                                     \
  const std::string var = std::string(HR_SHARED_DATA) + "/" + (rel); \
  if (!std::filesystem::exists(var)) GTEST_SKIP() << "../shared/data not found: " << var
