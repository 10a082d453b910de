// Helpers shared by the trace tests: fixture and shared-data paths, exact
// TraceError checks, per-op event counts, and the truncated-and-mutated
// input loop every text reader's test runs.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <regex>
#include <string>
#include <string_view>

#include "support/trace_checks.h"

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

// An input as it can be shown in a failure message: bytes outside printable
// ASCII, and the line breaks, as C escapes.
inline std::string escaped(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

// A reader test's own reading of its format, for the loop below: the number
// of the first line of `input` that no trace file can hold, which the reader
// must therefore refuse, on that line or an earlier one; kNoClaim when it
// sees no such line; kRefusedAnywhere when the input as a whole cannot be
// accepted (the refusal may then name any line, or none).
inline constexpr std::uint64_t kNoClaim = 0;
inline constexpr std::uint64_t kRefusedAnywhere = ~std::uint64_t{0};

// The oracle for a format whose every line stands alone: the first line that
// is not blank and does not match `shape` (a whole-line ECMAScript regex;
// write it to allow every line a reader accepts, the trailing whitespace the
// readers drop included). With `header`, the first line that is not blank
// must match that instead. Lines are numbered as the readers number them.
inline std::uint64_t first_line_not_matching(std::string_view input, const std::regex& shape,
                                             const std::regex* header = nullptr) {
  std::uint64_t number = 0;
  bool header_seen = header == nullptr;
  while (!input.empty()) {
    const std::size_t nl = input.find('\n');
    const std::string line(input.substr(0, nl));
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    ++number;
    if (line.find_first_not_of(" \t\r\v\f") == std::string::npos) continue;
    if (!header_seen) {
      header_seen = true;
      if (!std::regex_match(line, *header)) return number;
      continue;
    }
    if (!std::regex_match(line, shape)) return number;
  }
  return header_seen ? kNoClaim : kRefusedAnywhere;  // no header at all
}

// Throws every prefix of `good`, then `mutants` copies of it with three bytes
// replaced by bytes of `alphabet` (chosen by a std::mt19937 from `seed`), at
// `parse(input, "mem")`. Each input must either be refused with a TraceError
// as test::refusal_problem asks (it names "mem" and, if a line, one of the
// input's lines), or give a trace that passes test::trace_problem (the fuzz
// targets' check). `first_bad_line(input)` is the test's own reading of the
// format (see kNoClaim): an input it finds a bad line in must be refused, on
// that line or before. `good` itself must be accepted, and both some mutants
// accepted and some refused, so that neither half of the loop goes unused.
template <class Parse, class BadLine>
void expect_refused_or_valid(const std::string& good, std::string_view alphabet, unsigned seed, int mutants,
                             Parse parse, BadLine first_bad_line) {
  int accepted = 0, refused = 0, failures = 0;
  auto check = [&](std::string_view input) {
    if (failures >= 10) return;  // enough to see the pattern
    const std::uint64_t bad = first_bad_line(input);
    try {
      const Trace t = parse(input, std::string("mem"));
      ++accepted;
      const std::string why = test::trace_problem(t);
      if (!why.empty()) {
        ++failures;
        ADD_FAILURE() << "accepted, but " << why << ": \"" << escaped(input) << "\"";
      }
      if (bad != kNoClaim) {
        ++failures;
        ADD_FAILURE() << "accepted, but "
                      << (bad == kRefusedAnywhere ? std::string("no trace file reads so")
                                                  : "no trace file holds line " + std::to_string(bad))
                      << ": \"" << escaped(input) << "\"";
      }
    } catch (const TraceError& e) {
      ++refused;
      std::string why = test::refusal_problem(e, "mem", test::line_count(input));
      if (why.empty() && bad != kNoClaim && bad != kRefusedAnywhere && (e.line() == 0 || e.line() > bad))
        why = "refused, but not at line " + std::to_string(bad) + " or before: " + e.what();
      if (!why.empty()) {
        ++failures;
        ADD_FAILURE() << why << ": \"" << escaped(input) << "\"";
      }
    }
  };
  try {
    (void)parse(std::string_view(good), std::string("mem"));
  } catch (const TraceError& e) {
    ADD_FAILURE() << "the unmutated input is refused: " << e.what();
  }
  EXPECT_EQ(first_bad_line(std::string_view(good)), kNoClaim) << "the oracle refuses the unmutated input";
  for (std::size_t n = 0; n <= good.size(); ++n) check(std::string_view(good).substr(0, n));
  std::mt19937 rng(seed);
  for (int i = 0; i < mutants; ++i) {
    std::string s = good;
    for (int k = 0; k < 3; ++k) s[rng() % s.size()] = alphabet[rng() % alphabet.size()];
    check(s);
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace heapreplay::testing

// Declares `std::string var` = HR_SHARED_DATA/rel, or skips the test when the
// shared data folder is not there (a fresh checkout has none).
#define HR_SHARED_FILE(var, rel)                                     \
  const std::string var = std::string(HR_SHARED_DATA) + "/" + (rel); \
  if (!std::filesystem::exists(var)) GTEST_SKIP() << "../shared/data not found: " << var
