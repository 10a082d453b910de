// `churn`: a steady population of small objects, replaced one by one at
// random (README.md: churn).
#include "traces/generators/generator.h"
#include "traces/generators/live_set.h"
#include "traces/trace_builder.h"

namespace heapreplay {

namespace {

constexpr ParamSpec kParams[] = {
    {"events", "1M", "events", "events in all"},
    {"live_objects", "20000", "count", "live objects the population stays near (split evenly among threads)"},
    {"size_min", "8", "bytes", "smallest size (sizes are log-uniform)"},
    {"size_max", "256", "bytes", "largest size"},
    {"calloc", "0.0625", "share", "share of allocations made with calloc"},
    {"threads", "1", "count", "threads, each with its own population (no cross-thread frees)"},
};

Trace generate(const GenParams& p, std::uint64_t seed) {
  std::uint64_t events = p.count("events", 0, 1, std::uint64_t{1} << 40);
  std::uint32_t threads = static_cast<std::uint32_t>(p.count("threads", 0, 1, 4096));
  std::uint64_t target = p.count("live_objects", 0, 2 * threads, std::uint64_t{1} << 32) / threads;
  std::uint64_t lo = p.bytes("size_min", 0, 1, std::uint64_t{1} << 40);
  std::uint64_t hi = p.bytes("size_max", 0, 1, std::uint64_t{1} << 40);
  if (hi < lo) p.fail("size_max", 0, "a size at least size_min");
  double calloc_share = p.share("calloc");

  SplitMix64 rng = substream(seed, 1);
  TraceBuilder b("generated", ReusePolicy::kLeakOld);
  for (std::uint32_t t = 0; t < threads; ++t) b.declare_thread(t);
  std::vector<LiveSet> live(threads);
  std::uint64_t next_key = 1;
  for (std::uint64_t i = 0; i < events; ++i) {
    std::uint32_t t = threads > 1 ? static_cast<std::uint32_t>(rng.below(threads)) : 0;
    LiveSet& l = live[t];
    // Allocate with probability 1/2 + 4 (target - live) / target, clamped to
    // [0, 1]: the population fills up to the target, then stays within a few
    // percent of it, with mallocs and frees in random runs.
    double p_grow =
        0.5 + 4.0 * (static_cast<double>(target) - static_cast<double>(l.size())) / static_cast<double>(target);
    bool grow = l.empty() || rng.chance(p_grow);
    if (grow) {
      std::uint64_t size = rng.log_uniform(lo, hi);
      std::uint64_t key = next_key++;
      if (calloc_share > 0 && rng.chance(calloc_share))
        b.calloc(key, 1, size, t);
      else
        b.malloc(key, size, t);
      l.add(key);
    } else {
      b.free(l.take_random(rng), t);
    }
  }
  return b.finish();
}

}  // namespace

const GeneratorKind& churn_generator() {
  static const GeneratorKind kind{
      "churn",
      "many small objects (8-256 B), a steady population replaced one at a time at random",
      "the allocation fast path: size-class free lists, thread caches, reuse of just-freed blocks",
      "the allocate-and-drop pattern of interpreters, compilers and container-heavy code (short-lived nodes, "
      "strings, boxed values), as in the malloc micro-benchmarks that replace random members of a live array",
      kParams,
      false,
      generate};
  return kind;
}

}  // namespace heapreplay
