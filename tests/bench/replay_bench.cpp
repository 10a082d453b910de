// Google Benchmark target for the replay engine: events per second through
// the null allocator (the harness's own cost) and through glibc malloc, next
// to a minimal hand-written loop over the same events (the floor).
//
// The trace comes from HEAPREPLAY_BENCH_TRACE (any supported format; the
// README's figures use tools/record-mtrace.sh --perl-workload) or, when that
// is unset, from the default suite's churn workload.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>

#include "allocators/system/malloc_allocator.h"
#include "allocators/system/null_allocator.h"
#include "harness/replay/replay.h"
#include "harness/trace_source.h"
#include "traces/generators/suites.h"

namespace heapreplay {
namespace {

const Trace& bench_trace() {
  static const Trace trace = [] {
    if (const char* path = std::getenv("HEAPREPLAY_BENCH_TRACE")) return load_trace(path);
    return generate_entry(suite_or_throw("default").entries.front());
  }();
  return trace;
}

void set_counters(benchmark::State& state, std::size_t events) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events));
  state.counters["ns_per_event"] = benchmark::Counter(
      static_cast<double>(state.iterations() * events), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The floor: decode each event and update a pointer table, nothing else.
void BM_MinimalLoop(benchmark::State& state) {
  const Trace& t = bench_trace();
  std::vector<void*> table(t.object_count + 1);
  for (auto _ : state) {
    for (const Event& e : t.events) {
      if (e.op == Op::kFree) {
        if (e.id != kNoObject) table[e.id] = nullptr;
      } else {
        table[e.id] = reinterpret_cast<void*>(e.size | 1);
      }
    }
    benchmark::DoNotOptimize(table.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, t.events.size());
}

void BM_ReplayNull(benchmark::State& state) {
  const Trace& t = bench_trace();
  ObjectTable table(t.object_count);
  NullAllocator a;
  for (auto _ : state) {
    state.PauseTiming();
    table.clear();
    state.ResumeTiming();
    benchmark::DoNotOptimize(replay(a, t.view(), table, ReplayOptions{Touch::kNone, false}));
  }
  set_counters(state, t.events.size());
}

// glibc's free-everything step is left out of the timing by freeing the
// survivors with the timer paused.
void BM_ReplayGlibc(benchmark::State& state) {
  const Trace& t = bench_trace();
  ObjectTable table(t.object_count);
  MallocAllocator a("glibc", SystemFlavor::kGlibc);
  for (auto _ : state) {
    state.PauseTiming();
    table.clear();
    state.ResumeTiming();
    benchmark::DoNotOptimize(replay(a, t.view(), table, ReplayOptions{Touch::kNone, false}));
    state.PauseTiming();
    for (std::size_t i = 0; i < table.size(); ++i) std::free(table.data()[i].ptr);
    state.ResumeTiming();
  }
  set_counters(state, t.events.size());
}

BENCHMARK(BM_MinimalLoop)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplayNull)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplayGlibc)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace heapreplay

BENCHMARK_MAIN();
