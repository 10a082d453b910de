// Google Benchmark target for our five designs (sizeclass, blocks, segfit,
// pages, vmarena): the replay engine's cost per event (touch none) through
// each design, over
//   - every malloc-lab .rep trace in ../shared/data/malloclab-classic
//     (skipped with an error when ../shared/data is not there), and
//   - the default bench suite's generated workloads (traces/generators/suites.h);
// and segfit's forced worst case for first fit (n free blocks in the last list,
// none of which fits), whose cost grows linearly in n.
//
// Each iteration replays the whole trace on a fresh allocator; constructing
// and destroying it (returning its memory) is left out of the timing.
// Benchmarks are named <design>/<trace>, e.g. segfit/random-bal.rep.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "allocators/designs.h"
#include "harness/replay/object_table.h"
#include "harness/replay/replay.h"
#include "traces/generators/suites.h"
#include "traces/readers/import.h"

namespace heapreplay {
namespace {

void set_counters(benchmark::State& state, std::size_t events) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events));
  state.counters["ns_per_event"] = benchmark::Counter(static_cast<double>(state.iterations() * events),
                                                      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

struct NamedTrace {
  std::string name;  // the file name (random-bal.rep) or the workload's name
  Trace trace;
};

// Replays `t` through a fresh A per iteration.
template <class A>
void replay_design(benchmark::State& state, const Trace* t) {
  ObjectTable table(t->object_count);
  std::uint64_t failed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    table.clear();
    auto a = std::make_unique<A>();
    state.ResumeTiming();
    ReplayOutcome out = replay(*a, t->view(), table, ReplayOptions{Touch::kNone, false});
    benchmark::DoNotOptimize(out);
    state.PauseTiming();
    failed = out.failed_allocations;
    a.reset();
    state.ResumeTiming();
  }
  set_counters(state, t->events.size());
  state.counters["events"] = static_cast<double>(t->events.size());
  state.counters["failed_allocs"] = static_cast<double>(failed);  // per replay (each one is the same)
}

template <class A>
void register_design(const char* design, const std::vector<NamedTrace>& traces) {
  for (const NamedTrace& nt : traces)
    benchmark::RegisterBenchmark((std::string(design) + "/" + nt.name).c_str(), replay_design<A>, &nt.trace)
        ->Unit(benchmark::kMicrosecond);
}

// segfit's worst case: n holes of 2240 bytes in the last list (list 8), each
// between allocated blocks, and 24000-byte requests, none of which any hole
// fits: every request walks all n holes, then grows the heap. One iteration
// is one request; the heap is rebuilt (timer paused) every kBatch requests so
// that it does not grow without bound.
void BM_SegfitFirstFitWorstCase(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  constexpr std::int64_t kBatch = 256;
  std::optional<Segfit> a;
  auto rebuild = [&] {
    a.reset();
    a.emplace();
    std::vector<void*> holes;
    holes.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      holes.push_back(a->allocate(2232, 16));
      a->allocate(8, 16);  // keeps the holes apart
    }
    for (void* h : holes) a->deallocate(h, 2232, 16);
  };
  std::uint64_t steps = 0;
  std::int64_t in_batch = kBatch;
  for (auto _ : state) {
    if (in_batch == kBatch) {
      state.PauseTiming();
      rebuild();
      in_batch = 0;
      state.ResumeTiming();
    }
    const std::uint64_t s0 = a->list_steps();
    void* p = a->allocate(24000, 16);
    benchmark::DoNotOptimize(p);
    steps += a->list_steps() - s0;
    ++in_batch;
    if (p == nullptr) {
      state.SkipWithError("segfit refused a 24000-byte request");
      break;
    }
  }
  state.SetComplexityN(state.range(0));
  state.counters["ns_per_request"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                        benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["steps_per_request"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kAvgIterations);
}

void skip_missing(benchmark::State& state, const std::string& why) {
  for (auto _ : state) {
  }
  state.SkipWithError(why.c_str());
}

}  // namespace
}  // namespace heapreplay

int main(int argc, char** argv) {
  using namespace heapreplay;
  namespace fs = std::filesystem;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  // Loaded once, before any benchmark runs; the benchmarks point into these.
  static std::vector<NamedTrace> malloclab;
  static std::vector<NamedTrace> suite;
  static std::vector<std::pair<std::string, std::string>> missing;  // name, reason

  const fs::path dir = fs::path(HR_SHARED_DATA) / "malloclab-classic";
  if (!fs::is_directory(dir)) {
    missing.emplace_back("malloclab-classic", "../shared/data not found (" + dir.string() + ")");
  } else {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".rep") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    malloclab.reserve(files.size());
    for (const fs::path& f : files) {
      try {
        malloclab.push_back({f.filename().string(), import_trace(f.string())});
      } catch (const std::exception& e) {
        missing.emplace_back(f.filename().string(), std::string("cannot import: ") + e.what());
      }
    }
  }
  for (const SuiteEntry& e : suite_or_throw("default").entries)
    suite.push_back({"suite:" + std::string(e.name), generate_entry(e)});

  for_each_design([&]<class D>(std::type_identity<D>) {
    const std::string name(D::kName);
    register_design<D>(name.c_str(), malloclab);
    for (const auto& [trace, why] : missing)
      benchmark::RegisterBenchmark((name + "/" + trace).c_str(), skip_missing, why);
    register_design<D>(name.c_str(), suite);
  });
  benchmark::RegisterBenchmark("segfit/first-fit-worst-case", BM_SegfitFirstFitWorstCase)
      ->Arg(1000)
      ->Arg(4000)
      ->Arg(16000)
      ->Unit(benchmark::kMicrosecond)
      ->Complexity(benchmark::oN);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
