// Google Benchmark target for the replay engine: events per second through
// the null allocator (the harness's own cost) and through glibc malloc, next
// to a minimal hand-written loop over the same events (the floor); and what
// heapreplay's measurements (memory samples, latency samples) add to a
// replay's timed loop, through glibc and two of our designs; and what
// reading the trace in windows from a file adds to it.
//
// The trace comes from HEAPREPLAY_BENCH_TRACE (any supported format; the
// README's figures use tools/record-mtrace.sh --perl-workload) or, when that
// is unset, from the default suite's churn workload.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "allocators/segfit/segfit.h"
#include "allocators/sizeclass/sizeclass.h"
#include "allocators/system/malloc_allocator.h"
#include "allocators/system/null_allocator.h"
#include "harness/replay/replay.h"
#include "traces/generators/suites.h"
#include "traces/hrt_format.h"
#include "traces/hrt_stream.h"
#include "traces/trace_source.h"

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
  state.counters["ns_per_event"] = benchmark::Counter(static_cast<double>(state.iterations() * events),
                                                      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
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
  MallocAllocator a = MallocAllocator::system("glibc");
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

// glibc through the adapter the child uses.
struct GlibcMalloc : MallocAllocator {
  GlibcMalloc() : MallocAllocator(MallocAllocator::system("glibc")) {}
};

// The same replay with the child's measurement settings: Arg 0 measures
// nothing, 1 times every 101st event (the default latency sampling), 2 takes
// about 300 memory samples with usable bytes tracked, 3 does both (the
// default of a run). The time is the replay's wall_ns, which leaves out the
// time spent taking memory samples, as a run's report does.
template <class A>
void BM_Measured(benchmark::State& state) {
  const Trace& t = bench_trace();
  const TraceView view = t.view();
  ObjectTable table(t.object_count);
  const auto mode = state.range(0);
  for (auto _ : state) {
    auto a = std::make_unique<A>();
    table.clear();
    ReplayMeasurement ms;
    ms.sample_every = (mode & 2) ? std::max<std::uint64_t>(1, t.events.size() / 300) : 0;
    ms.latency_every = (mode & 1) ? 101 : 0;
    ms.track_usable = ms.sample_every != 0;
    ms.prepare(view.events.size());
    ReplayOutcome out = replay(*a, view, table, ReplayOptions{Touch::kNone, false}, ms.active() ? &ms : nullptr);
    benchmark::DoNotOptimize(out);
    state.SetIterationTime(static_cast<double>(out.wall_ns) * 1e-9);
    if constexpr (std::is_same_v<A, GlibcMalloc>)
      for (std::size_t i = 0; i < table.size(); ++i) std::free(table.data()[i].ptr);
  }
  set_counters(state, t.events.size());
}

// The trace as a compact file in a temporary folder, for the streamed
// replays below (removed at exit).
struct BenchFile {
  std::string dir, path;
  BenchFile() {
    const char* base = std::getenv("TMPDIR");
    dir = std::string(base && *base ? base : "/tmp") + "/replay-bench-XXXXXX";
    if (::mkdtemp(dir.data()) == nullptr) std::abort();
    path = dir + "/trace.hrt";
    write_hrt(bench_trace(), path, HrtEncoding::kCompact);
  }
  ~BenchFile() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

// The same replay (nothing measured) from the trace in memory (Arg 0) or
// read from its compact file a window of 1 Mi events at a time, as a replay
// child reads it (Arg 1). Both are timed by the replay's wall_ns, which
// leaves out fetching the windows after the first, as a run's report does:
// the difference is what streaming costs the timed loop.
template <class A>
void BM_Streamed(benchmark::State& state) {
  static const BenchFile file;
  const Trace& t = bench_trace();
  ObjectTable table(t.object_count);
  for (auto _ : state) {
    auto a = std::make_unique<A>();
    table.clear();
    HrtEventStream stream(file.path);
    StreamedTrace streamed(stream);
    WholeTrace whole(t.view());
    EventWindows& source = state.range(0) ? static_cast<EventWindows&>(streamed) : whole;
    ReplayOutcome out = replay(*a, source, table, ReplayOptions{Touch::kNone, false});
    benchmark::DoNotOptimize(out);
    state.SetIterationTime(static_cast<double>(out.wall_ns) * 1e-9);
    if constexpr (std::is_same_v<A, GlibcMalloc>)
      for (std::size_t i = 0; i < table.size(); ++i) std::free(table.data()[i].ptr);
  }
  set_counters(state, t.events.size());
}

BENCHMARK(BM_MinimalLoop)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplayNull)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplayGlibc)->Unit(benchmark::kMillisecond);
// Through null the replay touches no fresh memory, so these four differ by
// what measuring itself costs per event, without page-fault noise.
BENCHMARK(BM_Measured<NullAllocator>)->DenseRange(0, 3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Measured<GlibcMalloc>)->DenseRange(0, 3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Measured<Sizeclass>)->DenseRange(0, 3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Measured<Segfit>)->DenseRange(0, 3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Streamed<NullAllocator>)->DenseRange(0, 1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Streamed<GlibcMalloc>)->DenseRange(0, 1)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace heapreplay

BENCHMARK_MAIN();
