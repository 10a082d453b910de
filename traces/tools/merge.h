// Merging traces as the threads of one: trace k's thread t becomes thread
// (threads of traces 0..k-1) + t, and every trace keeps its own objects.
//
// Order of the merged events:
//   kTime:         by timestamp (ties: the earlier trace first); every trace
//                  needs timestamps, and the result keeps them;
//   kProportional: each trace spread over the whole result, event i of a
//                  trace of n events at position (i + 1/2) / n (ties: the
//                  earlier trace first), as if the programs ran side by side
//                  at steady speeds;
//   kConcat:       one trace after the other.
// kAuto is kTime when every trace has timestamps, else kProportional. Only
// kTime keeps timestamps.
#pragma once

#include <vector>

#include "traces/trace.h"

namespace heapreplay {

enum class MergeOrder { kAuto, kTime, kProportional, kConcat };

// Throws std::invalid_argument for no traces, more than 65535 threads in all,
// or kTime with a trace without timestamps. The result's format is "merged".
Trace merge_traces(const std::vector<const Trace*>& traces, MergeOrder order = MergeOrder::kAuto);

}  // namespace heapreplay
