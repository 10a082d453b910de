// Named suites of generated workloads: what `heapreplay bench` runs when
// given no traces (`default`), or the suite named with --suite. Every entry
// is a generator kind, parameters and a seed, so each trace of a suite is
// also `heapreplay gen KIND --param ... --seed S` (bench --list-suites
// prints those commands). README.md in this folder lists the suites, their
// sizes and measured run times.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "traces/trace.h"

namespace heapreplay {

struct SuiteEntry {
  std::string_view name;  // the trace is labelled suite:NAME
  std::string_view kind;
  std::vector<std::string> params;
  std::uint64_t seed = 1;
  std::string_view description;  // one line; bench --list-suites adds the measured events and peak live bytes
};

struct Suite {
  std::string_view name;
  std::string_view description;
  std::vector<SuiteEntry> entries;
};

// Every suite: default, quick, classic, mt.
std::span<const Suite> suites();
// nullptr when there is no such suite.
const Suite* find_suite(std::string_view name);
// Throws GenError naming the known suites.
const Suite& suite_or_throw(std::string_view name);

// The entry's trace (generate_trace with its kind, parameters and seed).
Trace generate_entry(const SuiteEntry& entry);
// The command that makes the same trace: heapreplay gen KIND --param ... --seed S -o NAME.hrt
std::string gen_command(const SuiteEntry& entry);

}  // namespace heapreplay
