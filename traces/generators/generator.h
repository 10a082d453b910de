// The catalogue of trace generators behind `heapreplay gen KIND`: one entry
// per kind, each with its parameter table, what it stresses and where the
// pattern comes from (README.md in this folder has the same, longer).
//
// Every generator is a pure function of (parameters, seed): the same inputs
// give the same events, byte for byte, on any machine (SplitMix64 and
// det_math only; no libm, no std:: distributions, no unordered iteration).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "traces/generators/params.h"
#include "traces/trace.h"

namespace heapreplay {

struct GeneratorKind {
  std::string_view name;
  std::string_view summary;   // one line
  std::string_view stresses;  // what the trace exercises in an allocator
  std::string_view origin;    // where the pattern comes from
  std::span<const ParamSpec> params;
  bool phased = false;  // takes `phases` and `pN.key=value`
  Trace (*generate)(const GenParams& params, std::uint64_t seed) = nullptr;
};

// Every kind, in the order `heapreplay gen list` shows them.
std::span<const GeneratorKind* const> generator_kinds();
// nullptr when there is no such kind.
const GeneratorKind* find_generator(std::string_view name);

// Makes a trace. Throws GenError for an unknown kind ("unknown generator
// 'x' (known: ...)") or a bad parameter, and TraceError for an unreadable
// input file a parameter names. The trace's format is "generated:KIND".
Trace generate_trace(std::string_view kind, const std::vector<std::string>& params, std::uint64_t seed);

// The kinds, one per file.
const GeneratorKind& synthetic_generator();
const GeneratorKind& larson_generator();
const GeneratorKind& xmalloc_generator();
const GeneratorKind& churn_generator();
const GeneratorKind& large_generator();
const GeneratorKind& realloc_buffer_generator();
const GeneratorKind& fragmentation_generator();

}  // namespace heapreplay
