// Google Benchmark target for the text importers: parse throughput in MB/s
// (bytes_per_second) of read_rep and read_mtrace over a ~50 MB synthetic
// input made in memory, and over the largest real file of each format in
// ../shared/data when that folder is there. BM_Builder* replays the same
// calls into TraceBuilder alone, to show how much of the time is parsing.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "traces/readers/mapped_file.h"
#include "traces/readers/mtrace_reader.h"
#include "traces/readers/rep_reader.h"
#include "traces/trace_builder.h"

namespace heapreplay {
namespace {

constexpr std::size_t kSyntheticBytes = 50u << 20;

// A malloc-lab trace: 100k ids, about half of them live, a/r/f mixed 4:1:3.
const std::string& synthetic_rep() {
  static const std::string text = [] {
    constexpr std::uint64_t kIds = 100000;
    std::mt19937_64 rng(1);
    std::vector<std::uint64_t> live, dead;
    for (std::uint64_t i = 0; i < kIds; ++i) dead.push_back(i);
    std::string ops;
    ops.reserve(kSyntheticBytes + 64);
    std::uint64_t n = 0;
    char buf[64];
    while (ops.size() < kSyntheticBytes) {
      unsigned pick = static_cast<unsigned>(rng() % 8);
      int len;
      if ((pick < 4 || live.empty()) && !dead.empty()) {
        std::size_t k = rng() % dead.size();
        std::uint64_t id = dead[k];
        dead[k] = dead.back();
        dead.pop_back();
        live.push_back(id);
        len = std::snprintf(buf, sizeof buf, "a %llu %llu\n", static_cast<unsigned long long>(id),
                            static_cast<unsigned long long>(1 + rng() % 4096));
      } else if (pick < 5) {
        std::uint64_t id = live[rng() % live.size()];
        len = std::snprintf(buf, sizeof buf, "r %llu %llu\n", static_cast<unsigned long long>(id),
                            static_cast<unsigned long long>(1 + rng() % 65536));
      } else {
        std::size_t k = rng() % live.size();
        std::uint64_t id = live[k];
        live[k] = live.back();
        live.pop_back();
        dead.push_back(id);
        len = std::snprintf(buf, sizeof buf, "f %llu\n", static_cast<unsigned long long>(id));
      }
      ops.append(buf, static_cast<std::size_t>(len));
      ++n;
    }
    return "0\n" + std::to_string(kIds) + "\n" + std::to_string(n) + "\n0\n" + ops;
  }();
  return text;
}

// A glibc mtrace log with realistic callers, 64-bit addresses reused after
// frees, and realloc pairs.
const std::string& synthetic_mtrace() {
  static const std::string text = [] {
    static const char* const kCallers[] = {
        "@ /lib/x86_64-linux-gnu/libc.so.6:(_IO_file_doallocate+0x8c)[0x7f3a1c0758cc]",
        "@ /usr/bin/sed:[0x55d5c5e3b2a0]",
        "@ /lib/x86_64-linux-gnu/libc.so.6:[0x7f3a1c039221]",
        "@ [0x7f3a1c17a4fd]",
    };
    std::mt19937_64 rng(2);
    std::vector<std::uint64_t> live, free_addrs;
    std::uint64_t next = 0x558acf1632a0;
    std::string out = "= Start\n";
    out.reserve(kSyntheticBytes + 256);
    char buf[256];
    while (out.size() < kSyntheticBytes) {
      const char* caller = kCallers[rng() % 4];
      unsigned pick = static_cast<unsigned>(rng() % 8);
      int len;
      if (pick < 4 || live.size() < 16) {
        std::uint64_t a;
        if (!free_addrs.empty() && rng() % 2) {
          a = free_addrs.back();
          free_addrs.pop_back();
        } else {
          a = next;
          next += 16 * (1 + rng() % 64);
        }
        live.push_back(a);
        len = std::snprintf(buf, sizeof buf, "%s + 0x%llx 0x%llx\n", caller, static_cast<unsigned long long>(a),
                            static_cast<unsigned long long>(1 + rng() % 4096));
      } else if (pick < 5) {
        std::size_t k = rng() % live.size();
        std::uint64_t old = live[k];
        std::uint64_t a = next;
        next += 16 * (1 + rng() % 64);
        live[k] = a;
        free_addrs.push_back(old);
        len = std::snprintf(buf, sizeof buf, "%s < 0x%llx\n%s > 0x%llx 0x%llx\n", caller,
                            static_cast<unsigned long long>(old), caller, static_cast<unsigned long long>(a),
                            static_cast<unsigned long long>(1 + rng() % 65536));
      } else {
        std::size_t k = rng() % live.size();
        std::uint64_t a = live[k];
        live[k] = live.back();
        live.pop_back();
        free_addrs.push_back(a);
        len = std::snprintf(buf, sizeof buf, "%s - 0x%llx\n", caller, static_cast<unsigned long long>(a));
      }
      out.append(buf, static_cast<std::size_t>(len));
    }
    out += "= End\n";
    return out;
  }();
  return text;
}

// Keeps freed memory in the heap while it lives, so that every run after the
// first reuses pages the kernel has already handed out. On small VMs a first
// touch costs tens of microseconds a page, and a 50 MB parse writes 75 MB of
// events: the cold figure then measures the hypervisor more than the parser.
class WarmHeap {
 public:
  WarmHeap() {
    // No mmap for big blocks (glibc caps M_MMAP_THRESHOLD at 32 MB, less than
    // the events array) and no trimming: freed pages stay with the process.
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  }
  ~WarmHeap() {  // back to glibc's defaults
    mallopt(M_MMAP_MAX, 65536);
    mallopt(M_TRIM_THRESHOLD, 128 * 1024);
  }
};

template <class Read>
void run_parse(benchmark::State& state, std::string_view text, Read read) {
  const bool warm = state.range(0) != 0;
  std::optional<WarmHeap> heap;
  if (warm) {
    heap.emplace();
    Trace first = read(text);  // faults the pages in, untimed
    benchmark::DoNotOptimize(first.events.data());
  }
  state.SetLabel(warm ? "warm heap" : "cold heap");
  std::size_t events = 0;
  for (auto _ : state) {
    Trace t = read(text);
    events = t.events.size();
    benchmark::DoNotOptimize(t.events.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["MB"] = static_cast<double>(text.size()) / 1e6;
  state.counters["events"] = static_cast<double>(events);
}

Trace rep(std::string_view text) { return read_rep(text, "bench.rep"); }
Trace mtrace(std::string_view text) { return read_mtrace(text, "bench.mtrace"); }

void BM_ParseRepSynthetic(benchmark::State& state) { run_parse(state, synthetic_rep(), rep); }
void BM_ParseMtraceSynthetic(benchmark::State& state) { run_parse(state, synthetic_mtrace(), mtrace); }

// The builder alone, fed the calls the synthetic .rep holds: what is left
// of BM_ParseRepSynthetic's time once this is taken away is the parsing.
void BM_BuilderRepCalls(benchmark::State& state) {
  const Trace parsed = rep(synthetic_rep());
  WarmHeap heap;
  auto build = [&parsed] {
    TraceBuilder b("rep", ReusePolicy::kLeakOld);
    b.reserve(parsed.events.size());
    for (const Event& e : parsed.events) {
      switch (e.op) {
        case Op::kMalloc: b.malloc(e.id, e.size); break;
        case Op::kRealloc: b.realloc(e.id, e.id, e.size); break;
        default: b.free(e.id); break;
      }
    }
    return b.finish();
  };
  Trace first = build();  // faults the pages in, untimed
  benchmark::DoNotOptimize(first.events.data());
  state.SetLabel("warm heap");
  for (auto _ : state) {
    Trace t = build();
    benchmark::DoNotOptimize(t.events.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * synthetic_rep().size()));
}

// The largest file with one of the extensions under ../shared/data, or "".
std::string largest_shared(const std::vector<std::string>& folders, const std::string& ext) {
  std::string best;
  std::uintmax_t best_bytes = 0;
  for (const std::string& folder : folders) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(std::string(HR_SHARED_DATA) + "/" + folder, ec)) {
      if (e.path().extension() != ext) continue;
      std::uintmax_t bytes = e.file_size(ec);
      if (!ec && bytes > best_bytes) {
        best_bytes = bytes;
        best = e.path().string();
      }
    }
  }
  return best;
}

void register_real_files() {
  struct Real {
    const char* name;
    std::string path;
    Trace (*read)(std::string_view);
  };
  const Real reals[] = {
      {"BM_ParseRepReal", largest_shared({"malloclab-classic", "malloclab-cmu", "malloclab-cmu-2016"}, ".rep"), rep},
      {"BM_ParseMtraceReal", largest_shared({"mtrace"}, ".mtrace"), mtrace},
  };
  for (const Real& r : reals) {
    if (r.path.empty()) {
      std::fprintf(stderr, "%s: ../shared/data not found under %s, skipped\n", r.name, HR_SHARED_DATA);
      continue;
    }
    // Mapped once and kept for every run (shared by the closure's copies).
    auto file = std::make_shared<MappedFile>(r.path);
    auto read = r.read;
    const std::string label = std::filesystem::path(r.path).filename().string();
    benchmark::RegisterBenchmark((std::string(r.name) + "/" + label).c_str(),
                                 [file, read](benchmark::State& state) { run_parse(state, file->text(), read); })
        ->Arg(0)
        ->Arg(1)
        ->Unit(benchmark::kMillisecond);
  }
}

// Argument: 0 = cold heap (fresh pages every run, as one import sees), 1 = warm.
BENCHMARK(BM_ParseRepSynthetic)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseMtraceSynthetic)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BuilderRepCalls)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace heapreplay

int main(int argc, char** argv) {
  heapreplay::register_real_files();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
