// `realloc-buffer`: buffers that grow by realloc to a target size, sometimes
// shrink back, and are freed (README.md: realloc-buffer).
#include "traces/generators/generator.h"
#include "traces/generators/live_set.h"
#include "traces/trace_builder.h"

namespace heapreplay {

namespace {

constexpr ParamSpec kParams[] = {
    {"events", "200k", "events", "events in all"},
    {"buffers", "16", "count", "buffers in use at once"},
    {"growth", "append", "name",
     "append: realloc to the exact length after each append; double: capacity "
     "doubles when an append does not fit (only those reallocs are events)"},
    {"start_bytes", "64", "bytes", "a new buffer's first size"},
    {"target_min", "4K", "bytes", "a buffer grows to a length drawn log-uniformly from target_min..target_max"},
    {"target_max", "256K", "bytes", "see target_min"},
    {"append_min", "8", "bytes", "smallest append"},
    {"append_max", "512", "bytes", "largest append (appends are uniform)"},
    {"shrink", "0.5", "share", "share of full buffers that shrink back by halving before being freed"},
    {"interleave", "0.25", "share", "share of events that allocate or free small unrelated objects"},
    {"threads", "1", "count", "threads; each buffer belongs to one"},
};

struct Buffer {
  std::uint64_t key = 0;  // 0: no buffer in this slot
  std::uint64_t length = 0, capacity = 0, target = 0;
  std::uint32_t thread = 0;
  bool shrinking = false;
};

Trace generate(const GenParams& p, std::uint64_t seed) {
  std::uint64_t events = p.count("events", 0, 1, std::uint64_t{1} << 40);
  std::uint64_t buffers = p.count("buffers", 0, 1, std::uint64_t{1} << 20);
  static constexpr std::string_view kGrowth[] = {"append", "double"};
  bool doubling = p.choice("growth", kGrowth) == "double";
  std::uint64_t start = p.bytes("start_bytes", 0, 1, std::uint64_t{1} << 30);
  std::uint64_t tlo = p.bytes("target_min", 0, 1, std::uint64_t{1} << 36);
  std::uint64_t thi = p.bytes("target_max", 0, 1, std::uint64_t{1} << 36);
  if (thi < tlo) p.fail("target_max", 0, "a size at least target_min");
  std::uint64_t alo = p.bytes("append_min", 0, 1, std::uint64_t{1} << 30);
  std::uint64_t ahi = p.bytes("append_max", 0, 1, std::uint64_t{1} << 30);
  if (ahi < alo) p.fail("append_max", 0, "a size at least append_min");
  double shrink = p.share("shrink");
  double interleave = p.share("interleave");
  if (interleave >= 1.0) p.fail("interleave", 0, "a share below 1");
  std::uint32_t threads = static_cast<std::uint32_t>(p.count("threads", 0, 1, 4096));

  SplitMix64 rng = substream(seed, 1);
  TraceBuilder b("generated", ReusePolicy::kLeakOld);
  for (std::uint32_t t = 0; t < threads; ++t) b.declare_thread(t);
  std::vector<Buffer> buf(buffers);
  LiveSet small;
  std::vector<std::uint32_t> small_owner;  // by small key index
  // Small objects hover around 64 per buffer: enough to sit between buffers.
  const std::uint64_t small_target = 64 * buffers;
  std::uint64_t next_key = 1;
  for (std::uint64_t n = 0; n < events; ++n) {
    if (interleave > 0 && rng.chance(interleave)) {
      if (small.size() < small_target / 2 || (small.size() < small_target && rng.below(2) == 0)) {
        auto t = static_cast<std::uint32_t>(threads > 1 ? rng.below(threads) : 0);
        std::uint64_t key = next_key++;
        b.malloc(key, rng.between(16, 128), t);
        small.add(key);
        small_owner.resize(key + 1);
        small_owner[key] = t;
      } else {
        std::uint64_t key = small.take_random(rng);
        b.free(key, small_owner[key]);
      }
      continue;
    }
    Buffer& x = buf[rng.below(buffers)];
    if (x.key == 0) {
      x.key = next_key++;
      x.thread = static_cast<std::uint32_t>(threads > 1 ? rng.below(threads) : 0);
      x.length = x.capacity = start;
      x.target = rng.log_uniform(tlo, thi);
      x.shrinking = false;
      b.malloc(x.key, start, x.thread);
      continue;
    }
    if (x.shrinking) {
      if (x.capacity / 2 < start) {
        b.free(x.key, x.thread);
        x.key = 0;
      } else {
        x.length = x.capacity = x.capacity / 2;
        b.realloc(x.key, x.key, x.capacity, x.thread);
      }
      continue;
    }
    if (x.length >= x.target) {
      if (shrink > 0 && rng.chance(shrink)) {
        x.shrinking = true;
        x.length = x.capacity = x.capacity / 2;
        b.realloc(x.key, x.key, x.capacity, x.thread);
      } else {
        b.free(x.key, x.thread);
        x.key = 0;
      }
      continue;
    }
    // Append until the buffer must be reallocated (at once in append mode).
    do {
      x.length += rng.between(alo, ahi);
    } while (doubling && x.length <= x.capacity);
    if (doubling)
      while (x.capacity < x.length) x.capacity *= 2;
    else
      x.capacity = x.length;
    b.realloc(x.key, x.key, x.capacity, x.thread);
  }
  return b.finish();
}

}  // namespace

const GeneratorKind& realloc_buffer_generator() {
  static const GeneratorKind kind{
      "realloc-buffer",
      "buffers grown by realloc (exact or doubling), some shrunk back by halving, with small objects between",
      "realloc: growing in place when the next block is free, copying when it is not, mremap for large "
      "blocks, and shrinking in place; small neighbours keep in-place growth from always working",
      "string builders, output buffers and dynamic arrays that call realloc as they grow, and the malloc-lab "
      "realloc-bal traces, which grow a buffer while other blocks are allocated next to it",
      kParams,
      false,
      generate};
  return kind;
}

}  // namespace heapreplay
