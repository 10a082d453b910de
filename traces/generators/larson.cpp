// `larson`: the Larson-Krishnan server simulation as a trace (README.md:
// larson).
#include "traces/generators/generator.h"
#include "traces/generators/random.h"
#include "traces/trace_builder.h"

namespace heapreplay {

namespace {

constexpr ParamSpec kParams[] = {
    {"events", "1M", "events", "events in all, the initial fill included"},
    {"threads", "4", "count", "worker threads running at once"},
    {"slots", "1000", "count", "blocks each worker holds (its array)"},
    {"size_min", "8", "bytes", "smallest size (sizes are uniform)"},
    {"size_max", "1000", "bytes", "largest size"},
    {"handoff", "5000", "count", "replacements a worker makes before its array passes to a new thread"},
};

Trace generate(const GenParams& p, std::uint64_t seed) {
  std::uint64_t events = p.count("events", 0, 1, std::uint64_t{1} << 40);
  std::uint64_t workers = p.count("threads", 0, 1, 1024);
  std::uint64_t slots = p.count("slots", 0, 1, std::uint64_t{1} << 24);
  std::uint64_t lo = p.bytes("size_min", 0, 1, std::uint64_t{1} << 40);
  std::uint64_t hi = p.bytes("size_max", 0, 1, std::uint64_t{1} << 40);
  if (hi < lo) p.fail("size_max", 0, "a size at least size_min");
  std::uint64_t handoff = p.count("handoff", 0, 1);
  // Thread 0 is the main thread that fills every array; each hand-off starts
  // a new thread, so ids must stay below the trace format's 65535.
  std::uint64_t fill = workers * slots;
  std::uint64_t handoffs = events > fill ? (events - fill) / 2 / handoff + 1 : 0;
  if (1 + workers + handoffs > 65535)
    p.fail("handoff", 0, "a larger count: these settings would start more than 65535 threads");

  SplitMix64 rng = substream(seed, 1);
  TraceBuilder b("generated", ReusePolicy::kLeakOld);
  std::vector<std::uint64_t> block(fill);  // key in each slot; worker w owns [w*slots, (w+1)*slots)
  std::vector<std::uint64_t> thread_of(workers), done(workers, 0);
  std::uint64_t next_key = 1, next_thread = 0, n = 0;
  b.declare_thread(next_thread++);
  for (std::uint64_t w = 0; w < workers; ++w) b.declare_thread(thread_of[w] = next_thread++);
  for (std::uint64_t i = 0; i < fill && n < events; ++i, ++n) {
    block[i] = next_key++;
    b.malloc(block[i], rng.between(lo, hi), 0);
  }
  while (n < events) {
    // Workers run concurrently: each step is one worker's, drawn uniformly.
    std::uint64_t w = rng.below(workers);
    std::uint64_t& slot = block[w * slots + rng.below(slots)];
    b.free(slot, thread_of[w]);
    if (++n == events) break;
    slot = next_key++;
    b.malloc(slot, rng.between(lo, hi), thread_of[w]);
    ++n;
    if (++done[w] == handoff) {
      done[w] = 0;
      thread_of[w] = next_thread++;
    }
  }
  return b.finish();
}

}  // namespace

const GeneratorKind& larson_generator() {
  static const GeneratorKind kind{
      "larson",
      "server simulation: workers replace random blocks of their arrays, which pass to new threads",
      "remote frees (a block freed by a thread that did not allocate it), heaps of threads that end, "
      "blowup when memory freed by one thread is not reused by another, scalability of the fast path",
      "Larson and Krishnan's benchmark (ISMM 1998) for long-running multithreaded servers, later used by Hoard, "
      "mimalloc-bench and others: each worker thread owns an array of blocks and repeatedly frees a random one "
      "and allocates a new one of random size; after a number of rounds the thread exits and a new thread "
      "carries on with the same array. Here the main thread (thread 0) fills every array first, as in the "
      "original, and each hand-off gives the array a new thread id",
      kParams,
      false,
      generate};
  return kind;
}

}  // namespace heapreplay
