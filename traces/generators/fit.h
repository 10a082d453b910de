// `heapreplay gen fit`: a synthetic trace that looks like a given one, for
// sharing a stand-in for a trace that cannot be shared (README.md: fit).
//
// Model: an object's history is a chain of blocks (blocks.h): the block its
// allocation made, then one block per realloc, until a free or the end. The
// source's events are cut into `segments` equal spans, and each chain is
// pooled by the span of its first allocation. The fitted trace keeps the
// positions of the source's fresh allocations and free(NULL)s, and fills the
// allocation positions of each span with that span's chains drawn at random:
// a random permutation (kShuffle: every chain once, in a new order) or draws
// with replacement (kBootstrap: some chains twice, some not at all). Each
// block of a drawn chain keeps its size, op and threads and ends after its
// source lifetime jittered by up to +-1/32, so the order of frees and
// reallocs, which objects sit next to each other and every exact lifetime
// are resampled, while the histograms, the live-bytes curve and the thread
// mix stay close (trace_distance.h measures how close).
#pragma once

#include <cstdint>

#include "traces/tools/trace_distance.h"
#include "traces/trace.h"

namespace heapreplay {

struct FitOptions {
  enum class Draw { kShuffle, kBootstrap };
  std::uint64_t seed = 1;
  std::uint32_t segments = 100;  // at most one per 20 source events
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
