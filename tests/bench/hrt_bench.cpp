// Google Benchmark target for the compact .hrt encoding (traces/hrt_chunk.h):
// events per second decoded and encoded on one core, chunk by chunk as
// HrtFile does. The input is the default suite's first workload with
// timestamps added (deltas of 20 to 300 ns, as a recording's), or the
// .hrt file named by HR_BENCH_HRT (a real recording, for docs/trace-encoding.md).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "traces/generators/suites.h"
#include "traces/hrt_chunk.h"
#include "traces/hrt_format.h"

namespace heapreplay {
namespace {

const Trace& input() {
  static const Trace t = [] {
    if (const char* path = std::getenv("HR_BENCH_HRT")) return read_hrt(path);
    Trace g = generate_entry(suite_or_throw("default").entries.front());
    std::mt19937_64 rng(1);
    std::uint64_t now = 1'000'000'000;
    for (std::size_t i = 0; i < g.events.size(); ++i) g.timestamps_ns.push_back(now += 20 + rng() % 280);
    return g;
  }();
  return t;
}

struct Chunk {
  std::string bytes;
  std::size_t first, count;
  std::uint32_t next_slot;
};

std::vector<Chunk> encode_all(const Trace& t) {
  std::vector<Chunk> out;
  std::uint32_t next = 0;
  const bool timed = !t.timestamps_ns.empty();
  for (std::size_t first = 0; first < t.events.size(); first += kHrtChunkEvents) {
    const std::size_t n = std::min<std::size_t>(kHrtChunkEvents, t.events.size() - first);
    out.push_back({encode_hrt_chunk(t.events.data() + first, timed ? t.timestamps_ns.data() + first : nullptr, n, next),
                   first, n, next});
    for (std::size_t i = first; i < first + n; ++i)
      if (t.events[i].id != kNoObject && t.events[i].id >= next) next = t.events[i].id + 1;
  }
  return out;
}

void BM_Decode(benchmark::State& state) {
  const Trace& t = input();
  const std::vector<Chunk> chunks = encode_all(t);
  std::vector<Event> events(t.events.size());
  std::vector<std::uint64_t> times(t.timestamps_ns.size());
  const ChunkLimits limits{t.object_count, t.thread_count == 0 ? 1 : t.thread_count, !times.empty()};
  std::size_t stored = 0;
  for (const Chunk& c : chunks) stored += c.bytes.size();
  for (auto _ : state) {
    for (const Chunk& c : chunks) {
      std::string why = decode_hrt_chunk(c.bytes.data(), c.bytes.size(), c.count, c.next_slot, limits,
                                         events.data() + c.first, times.empty() ? nullptr : times.data() + c.first);
      if (!why.empty()) throw std::runtime_error("decode failed: " + why);
    }
    benchmark::DoNotOptimize(events.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * t.events.size()));
  state.counters["bytes_per_event"] = static_cast<double>(stored) / static_cast<double>(t.events.size());
}
BENCHMARK(BM_Decode)->Unit(benchmark::kMillisecond);

void BM_Encode(benchmark::State& state) {
  const Trace& t = input();
  for (auto _ : state) benchmark::DoNotOptimize(encode_all(t));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * t.events.size()));
}
BENCHMARK(BM_Encode)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace heapreplay

BENCHMARK_MAIN();
