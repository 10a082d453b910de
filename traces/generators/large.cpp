// `large`: waves of blocks above the mmap threshold (README.md: large).
#include "traces/generators/generator.h"
#include "traces/generators/live_set.h"
#include "traces/trace_builder.h"

namespace heapreplay {

namespace {

constexpr ParamSpec kParams[] = {
    {"waves", "10", "count", "build-up and tear-down cycles"},
    {"objects", "256", "count", "blocks allocated at the start of each wave"},
    {"size_min", "64K", "bytes", "smallest size (sizes are log-uniform)"},
    {"size_max", "2M", "bytes", "largest size"},
    {"threads", "1", "count", "threads; each block belongs to one, drawn uniformly, that allocates and frees it"},
};

Trace generate(const GenParams& p, std::uint64_t seed) {
  std::uint64_t waves = p.count("waves", 0, 1, std::uint64_t{1} << 24);
  std::uint64_t objects = p.count("objects", 0, 2, std::uint64_t{1} << 24);
  std::uint64_t lo = p.bytes("size_min", 0, 1, std::uint64_t{1} << 40);
  std::uint64_t hi = p.bytes("size_max", 0, 1, std::uint64_t{1} << 40);
  if (hi < lo) p.fail("size_max", 0, "a size at least size_min");
  std::uint32_t threads = static_cast<std::uint32_t>(p.count("threads", 0, 1, 4096));

  SplitMix64 rng = substream(seed, 1);
  TraceBuilder b("generated", ReusePolicy::kLeakOld);
  for (std::uint32_t t = 0; t < threads; ++t) b.declare_thread(t);
  std::vector<std::uint32_t> owner(1, 0);  // by key
  LiveSet live;
  auto allocate = [&] {
    auto t = static_cast<std::uint32_t>(threads > 1 ? rng.below(threads) : 0);
    std::uint64_t key = owner.size();
    owner.push_back(t);
    b.malloc(key, rng.log_uniform(lo, hi), t);
    live.add(key);
  };
  auto free_random = [&] {
    std::uint64_t key = live.take_random(rng);
    b.free(key, owner[key]);
  };
  for (std::uint64_t w = 0; w < waves; ++w) {
    // Build up; free a random half, then allocate as many again with new
    // sizes (reuse of freed large regions); tear everything down.
    for (std::uint64_t i = 0; i < objects; ++i) allocate();
    for (std::uint64_t i = 0; i < objects / 2; ++i) free_random();
    for (std::uint64_t i = 0; i < objects / 2; ++i) allocate();
    while (!live.empty()) free_random();
  }
  return b.finish();
}

}  // namespace

const GeneratorKind& large_generator() {
  static const GeneratorKind kind{
      "large",
      "waves of 64 KiB-2 MiB blocks: build up, free half, refill, tear down",
      "the large-object path: mmap/munmap per block above the mmap threshold (glibc's starts at 128 KiB and "
      "moves up as mapped blocks are freed), page faults, giving memory back to the system, reuse of freed "
      "large regions for blocks of other sizes",
      "the large-buffer phases of image, compression and database programs; malloc-large in mimalloc-bench "
      "and glibc's own notes on its dynamic mmap threshold describe the same pattern",
      kParams,
      false,
      generate};
  return kind;
}

}  // namespace heapreplay
