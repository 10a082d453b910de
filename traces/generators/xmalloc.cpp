// `xmalloc`: producer threads allocate, consumer threads free (README.md:
// xmalloc).
#include <deque>

#include "traces/generators/generator.h"
#include "traces/generators/random.h"
#include "traces/trace_builder.h"

namespace heapreplay {

namespace {

constexpr ParamSpec kParams[] = {
    {"events", "1M", "events", "events in all"},
    {"producers", "2", "count", "threads that allocate"},
    {"consumers", "2", "count", "threads that free what producers allocated"},
    {"batch", "64", "count", "objects a producer hands over at once"},
    {"queue", "16", "count", "batches waiting at most; a producer waits while the queue is full"},
    {"size_min", "8", "bytes", "smallest size (sizes are log-uniform)"},
    {"size_max", "512", "bytes", "largest size"},
};

Trace generate(const GenParams& p, std::uint64_t seed) {
  std::uint64_t events = p.count("events", 0, 1, std::uint64_t{1} << 40);
  std::uint64_t producers = p.count("producers", 0, 1, 4096);
  std::uint64_t consumers = p.count("consumers", 0, 1, 4096);
  std::uint64_t batch = p.count("batch", 0, 1, std::uint64_t{1} << 24);
  std::uint64_t queue_max = p.count("queue", 0, 1, std::uint64_t{1} << 24);
  std::uint64_t lo = p.bytes("size_min", 0, 1, std::uint64_t{1} << 40);
  std::uint64_t hi = p.bytes("size_max", 0, 1, std::uint64_t{1} << 40);
  if (hi < lo) p.fail("size_max", 0, "a size at least size_min");

  SplitMix64 rng = substream(seed, 1);
  TraceBuilder b("generated", ReusePolicy::kLeakOld);
  std::uint64_t threads = producers + consumers;
  for (std::uint64_t t = 0; t < threads; ++t) b.declare_thread(t);
  std::vector<std::vector<std::uint64_t>> filling(producers), emptying(consumers);
  std::deque<std::vector<std::uint64_t>> queue;
  std::vector<std::size_t> emptied(consumers, 0);  // objects of emptying[c] already freed
  std::uint64_t next_key = 1;
  for (std::uint64_t n = 0; n < events;) {
    // Each step is one thread's; a thread that has to wait (full queue,
    // nothing to consume) lets another go.
    std::uint64_t t = rng.below(threads);
    if (t < producers) {
      if (queue.size() >= queue_max) continue;
      std::uint64_t key = next_key++;
      b.malloc(key, rng.log_uniform(lo, hi), t);
      filling[t].push_back(key);
      if (filling[t].size() == batch) {
        queue.push_back(std::move(filling[t]));
        filling[t].clear();
      }
    } else {
      std::uint64_t c = t - producers;
      if (emptied[c] == emptying[c].size()) {
        if (queue.empty()) continue;
        emptying[c] = std::move(queue.front());
        queue.pop_front();
        emptied[c] = 0;
      }
      b.free(emptying[c][emptied[c]++], t);
    }
    ++n;
  }
  return b.finish();
}

}  // namespace

const GeneratorKind& xmalloc_generator() {
  static const GeneratorKind kind{
      "xmalloc",
      "producer-consumer: producer threads allocate batches that consumer threads free",
      "remote frees only (every free comes from another thread), memory flowing one way between threads, "
      "return of freed blocks to the heap that owns them",
      "the xmalloc-test of Lever and Boreham (\"malloc() performance in a multithreaded Linux environment\", "
      "USENIX 2000), kept in mimalloc-bench: some threads allocate, others free what they allocated, through a "
      "shared queue of batches",
      kParams,
      false,
      generate};
  return kind;
}

}  // namespace heapreplay
