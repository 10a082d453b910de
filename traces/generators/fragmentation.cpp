// `fragmentation`: fill with small blocks, free every other one, then ask for
// larger blocks that the holes cannot hold (README.md: fragmentation).
#include <algorithm>

#include "traces/generators/generator.h"
#include "traces/generators/random.h"
#include "traces/trace_builder.h"

namespace heapreplay {

namespace {

constexpr ParamSpec kParams[] = {
    {"rounds", "4", "count", "fill / free every other / allocate larger rounds; survivors stay live"},
    {"objects", "50000", "count", "small blocks allocated in each round"},
    {"small", "64", "bytes", "size of the small blocks"},
    {"large", "512", "bytes", "size of the larger blocks asked for after the frees (one per hole)"},
    {"jitter", "0.25", "share", "each size is drawn uniformly from size (1 - jitter) .. size (1 + jitter)"},
    {"free_at_end", "1", "0/1", "free every block at the end, in allocation order"},
};

Trace generate(const GenParams& p, std::uint64_t seed) {
  std::uint64_t rounds = p.count("rounds", 0, 1, 1024);
  std::uint64_t objects = p.count("objects", 0, 2, std::uint64_t{1} << 26);
  std::uint64_t small = p.bytes("small", 0, 1, std::uint64_t{1} << 30);
  std::uint64_t large = p.bytes("large", 0, 1, std::uint64_t{1} << 30);
  double jitter = p.share("jitter");
  bool free_at_end = p.flag("free_at_end");

  SplitMix64 rng = substream(seed, 1);
  // size (1 +- jitter) as integer bounds; jitter * size is exact enough here
  // and the same everywhere (one IEEE multiply, then floor by conversion).
  auto draw = [&](std::uint64_t size) {
    auto spread = static_cast<std::uint64_t>(jitter * static_cast<double>(size));
    std::uint64_t lo = size > spread ? size - spread : 1;
    return spread == 0 ? size : rng.between(lo, size + spread);
  };
  TraceBuilder b("generated", ReusePolicy::kLeakOld);
  std::vector<std::uint64_t> survivors;  // keys still live, in allocation order
  std::uint64_t next_key = 1;
  for (std::uint64_t r = 0; r < rounds; ++r) {
    std::uint64_t first = next_key;
    for (std::uint64_t i = 0; i < objects; ++i) b.malloc(next_key++, draw(small));
    // Every other block goes: each hole is one small block wide, walled in by
    // live neighbours, so it cannot coalesce into anything larger.
    for (std::uint64_t i = 1; i < objects; i += 2) b.free(first + i);
    for (std::uint64_t i = 0; i < objects; i += 2) survivors.push_back(first + i);
    for (std::uint64_t i = 0; i < objects / 2; ++i) {
      survivors.push_back(next_key);
      b.malloc(next_key++, draw(large));
    }
  }
  if (free_at_end) {
    std::sort(survivors.begin(), survivors.end());
    for (std::uint64_t key : survivors) b.free(key);
  }
  return b.finish();
}

}  // namespace

const GeneratorKind& fragmentation_generator() {
  static const GeneratorKind kind{
      "fragmentation",
      "fill with small blocks, free every other one, then allocate larger blocks; repeat",
      "memory efficiency: holes that no later request fits (peak RSS against peak live), whether small free "
      "blocks are ever reused or given back, coalescing, size-class segregation",
      "the textbook worst case for fragmentation (Wilson, Johnstone, Neely and Boles, \"Dynamic storage "
      "allocation: a survey and critical review\", 1995), as in the malloc-lab binary-bal traces, which "
      "alternate small and large blocks, free one kind and then ask for blocks slightly larger",
      kParams,
      false,
      generate};
  return kind;
}

}  // namespace heapreplay
