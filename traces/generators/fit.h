// `heapreplay gen fit`: a synthetic trace that looks like a given one, for
// sharing a stand-in for a trace that cannot be shared (README.md: fit).
//
// Model: an object's history is a chain of blocks (blocks.h): the block its
// allocation made, then one block per realloc, until a free or the end. The
// source's events are cut into `segments` equal spans, and each chain (and
// each free(NULL)) is pooled by the span of its first allocation. The fitted
// trace is laid out on a calendar of positions: a position holds the end of
// a block placed there earlier, or else the next allocation, drawn at random
// from the pools of the spans reached so far (a random permutation,
// kShuffle, or draws with replacement, kBootstrap), among the chains whose
// first lifetime still has a free position in its lifetime bin. When a chain
// is drawn, the ends of all its blocks are placed: each after its source
// lifetime (short-lived blocks) or where the source's ended (blocks that
// outlive 4 spans), jittered, kept inside its lifetime bin. So the order of
// objects inside each span, the positions of allocations and frees, which
// objects sit next to each other and exact lifetimes are resampled, while
// the histograms, the live-bytes curve and the thread mix stay close
// (trace_distance.h measures how close).
#pragma once

#include <cstdint>

#include "traces/tools/trace_distance.h"
#include "traces/trace.h"

namespace heapreplay {

struct FitOptions {
  enum class Draw { kShuffle, kBootstrap };
  std::uint64_t seed = 1;
  std::uint32_t segments = 1000;  // at most one per 20 source events
  Draw draw = Draw::kShuffle;
};

struct FitResult {
  Trace trace;                 // format "generated:fit"
  TraceDistance distance;      // of the fitted trace from the source (trace_distance.h)
  std::uint32_t segments = 0;  // the segments used
};

// Precondition: a valid source trace (any format, as load_trace gives).
FitResult fit_trace(const Trace& source, const FitOptions& options);

}  // namespace heapreplay
