// Shrinking a trace: delta debugging (Zeller and Hildebrandt's ddmin) for the
// smallest trace that still shows an outcome, which a caller-given test
// decides (heapreplay trace shrink runs each candidate in a child).
//
// Candidates are always well formed, because what ddmin removes are whole
// pieces of the trace's object lives, never a lone event that others need:
//   1. objects: an object's whole life (the allocation that made it, its
//      reallocs, the free that ended it) goes or stays; a free(NULL) is an
//      object of its own;
//   2. ends and resizes: of the objects left, a free (the object then stays
//      live: a leak) or a realloc of a live object (it keeps its size);
//   3. threads: the kept events' threads renumbered densely, dropping threads
//      with no events left (tried once, at the end).
// Passes 1 and 2 alternate until neither removes anything: the result is
// 1-minimal (removing any one object, free or realloc loses the outcome).
// Every candidate is rebuilt through TraceBuilder from the kept events in
// their order: slots are dense, each event keeps its thread and timestamp,
// and so the cross-thread order of what is left is the source's.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "traces/trace.h"

namespace heapreplay {

struct ShrinkProgress {
  std::uint64_t events = 0;       // events of the smallest trace that shows the outcome
  std::uint64_t candidates = 0;   // candidates tested so far
  const char* pass = "";          // "objects", "ends and resizes", "threads"
  std::uint64_t atoms = 0;        // what the pass works on (objects, ...; threads) and
  std::uint64_t granularity = 0;  // in how many pieces ddmin cuts them now
};

struct ShrinkHooks {
  // True when the candidate shows the outcome. Called once per candidate,
  // never with the source trace (the caller knows it shows the outcome).
  std::function<bool(const Trace&)> test;
  // A smaller trace showed the outcome: the best so far (write it out).
  std::function<void(const Trace&, const ShrinkProgress&)> improved;
  // Polled before each candidate: true stops the search (budget spent, a
  // signal), leaving the best so far as the result.
  std::function<bool(const ShrinkProgress&)> stop;
};

struct ShrinkResult {
  Trace trace;           // the smallest trace that showed the outcome (the source if none did)
  bool minimal = false;  // 1-minimal: the search ran to its end
  ShrinkProgress progress;
};

// Precondition: a valid trace that shows the outcome.
ShrinkResult shrink_trace(const Trace& source, const ShrinkHooks& hooks);

}  // namespace heapreplay
