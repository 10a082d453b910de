// The built-in benchmark workloads (see builtin_workloads.h).
#include "traces/generators/builtin_workloads.h"

#include "traces/generators/random.h"
#include "traces/trace_builder.h"

namespace heapreplay {

namespace {

// Keeps a live set near `target` objects: below it, allocate; at it, free a
// random live object (swap-remove keeps the pick O(1)).
struct LiveSet {
  std::vector<std::uint64_t> keys;
  std::uint64_t next_key = 1;

  std::uint64_t add() {
    keys.push_back(next_key);
    return next_key++;
  }
  std::uint64_t take_random(SplitMix64& rng) {
    std::size_t i = rng.below(keys.size());
    std::uint64_t k = keys[i];
    keys[i] = keys.back();
    keys.pop_back();
    return k;
  }
};

Trace small_churn() {
  SplitMix64 rng(0x5EED0001);
  TraceBuilder b("generated", ReusePolicy::kLeakOld);
  LiveSet live;
  const std::size_t target = 20000;
  for (int i = 0; i < 600000; ++i) {
    bool grow = live.keys.size() < target / 2 || (live.keys.size() < target && rng.below(2) == 0);
    if (grow) {
      std::uint64_t size = rng.log_uniform(8, 256);
      if (rng.below(16) == 0)
        b.calloc(live.add(), 1, size);
      else
        b.malloc(live.add(), size);
    } else {
      b.free(live.take_random(rng));
    }
  }
  return b.finish();
}

Trace mixed_realloc() {
  SplitMix64 rng(0x5EED0002);
  TraceBuilder b("generated", ReusePolicy::kLeakOld);
  LiveSet live;
  std::vector<std::uint64_t> size_of(1, 0);
  const std::size_t target = 5000;
  for (int i = 0; i < 400000; ++i) {
    std::uint64_t r = rng.below(3);
    if (live.keys.size() < target / 2 || (r == 0 && live.keys.size() < target)) {
      std::uint64_t size = rng.log_uniform(16, 65536);
      std::uint64_t k = live.add();
      size_of.resize(k + 1, 0);
      size_of[k] = size;
      b.malloc(k, size);
    } else if (r == 1) {
      std::uint64_t k = live.keys[rng.below(live.keys.size())];
      // Grow by up to 2x or shrink to as little as half.
      std::uint64_t old = size_of[k];
      std::uint64_t size = rng.below(3) == 0 ? old / 2 + 1 : old + rng.between(1, old);
      size_of[k] = size;
      b.realloc(k, k, size);
    } else {
      b.free(live.take_random(rng));
    }
  }
  return b.finish();
}

Trace large_phases() {
  SplitMix64 rng(0x5EED0003);
  TraceBuilder b("generated", ReusePolicy::kLeakOld);
  LiveSet live;
  for (int phase = 0; phase < 10; ++phase) {
    for (int i = 0; i < 400; ++i) b.malloc(live.add(), rng.log_uniform(64 << 10, 2 << 20));
    while (!live.keys.empty()) b.free(live.take_random(rng));
  }
  return b.finish();
}

}  // namespace

std::vector<Workload> builtin_workloads() {
  std::vector<Workload> w;
  w.push_back({"small-churn", "8-256 B objects, steady live set of ~20k, random frees", small_churn()});
  w.push_back({"mixed-realloc", "16 B-64 KiB objects, a third resized by realloc", mixed_realloc()});
  w.push_back({"large-phases", "64 KiB-2 MiB objects, 400 built up then freed, 10 times", large_phases()});
  return w;
}

}  // namespace heapreplay
