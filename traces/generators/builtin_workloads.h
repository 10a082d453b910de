// The deterministic synthetic workloads `heapreplay bench` runs when given no
// traces. Each is made in memory from a fixed seed.
#pragma once

#include <string>
#include <vector>

#include "traces/trace.h"

namespace heapreplay {

struct Workload {
  std::string name;         // e.g. "small-churn"
  std::string description;  // one line: what it stresses
  Trace trace;
};

// small-churn: ~600k events, 8-256 byte objects, a steady live set of ~20k
//   objects with random frees (free-list speed, size-class reuse);
// mixed-realloc: ~400k events, 16 B-64 KiB objects, a third of them grown or
//   shrunk by realloc (in-place growth, copying);
// large-phases: 8k events, 64 KiB-2 MiB objects, 400 built up and torn down,
//   10 times (the mmap threshold, returning memory to the OS).
std::vector<Workload> builtin_workloads();

}  // namespace heapreplay
