// The named suites (see suites.h). Sizes are chosen so that the default suite
// runs through all ten allocators in under a minute on a 2-core machine and
// no trace holds more than about 160 MiB live (README.md: Suites).
#include "traces/generators/suites.h"

#include "traces/generators/generator.h"

namespace heapreplay {

std::span<const Suite> suites() {
  static const std::vector<Suite> all = {
      {"default",
       "one trace of each classic stress test and a mixed synthetic workload",
       {
           {"churn", "churn", {"events=1M"}, 1, "small objects replaced at random"},
           {"larson", "larson", {"events=400k"}, 1, "4 workers, remote frees after each hand-off"},
           {"xmalloc", "xmalloc", {"events=500k"}, 1, "2 producers, 2 consumers, every free remote"},
           {"mixed",
            "synthetic",
            {"events=500k", "size_sigma=1.5", "realloc=0.05", "calloc=0.05", "align=64:0.02,4096:0.002", "threads=2",
             "cross_free=0.1"},
            1,
            "log-normal sizes, reallocs, callocs, aligned, 2 threads"},
           {"realloc-buffer", "realloc-buffer", {"events=100k"}, 1, "16 buffers grown to 4-256 KiB"},
           {"fragmentation",
            "fragmentation",
            {"rounds=4", "objects=40000"},
            1,
            "free every other 64 B block, then ask for 512 B"},
           {"large", "large", {"waves=6", "objects=256"}, 1, "64 KiB-2 MiB blocks in waves"},
       }},
      {"quick",
       "the default suite's kinds at about a twentieth of the size, for smoke tests",
       {
           {"churn", "churn", {"events=50k", "live_objects=2000"}, 1, "small objects replaced at random"},
           {"larson", "larson", {"events=25k", "slots=200", "handoff=1000"}, 1, "4 workers, hand-offs"},
           {"xmalloc", "xmalloc", {"events=25k"}, 1, "producers and consumers"},
           {"mixed",
            "synthetic",
            {"events=25k", "live_bytes=1M", "size_sigma=1.5", "realloc=0.05", "calloc=0.05", "align=64:0.02,4096:0.002",
             "threads=2", "cross_free=0.1"},
            1,
            "log-normal sizes, reallocs, callocs, aligned, 2 threads"},
           {"realloc-buffer", "realloc-buffer", {"events=5k", "target_max=64K"}, 1, "buffers grown by realloc"},
           {"fragmentation", "fragmentation", {"rounds=2", "objects=4000"}, 1, "free every other block"},
           {"large", "large", {"waves=2", "objects=16"}, 1, "large blocks in waves"},
       }},
      {"classic",
       "the six classic stress tests at twice the default suite's size",
       {
           {"churn", "churn", {"events=2M", "live_objects=50000"}, 1, "small objects replaced at random"},
           {"larson", "larson", {"events=1M", "slots=2000"}, 1, "4 workers, hand-offs"},
           {"xmalloc", "xmalloc", {"events=1M"}, 1, "producers and consumers"},
           {"realloc-buffer", "realloc-buffer", {"events=200k"}, 1, "buffers grown by realloc"},
           {"fragmentation", "fragmentation", {"rounds=8", "objects=40000"}, 1, "free every other block"},
           {"large", "large", {"waves=16", "objects=256"}, 1, "large blocks in waves"},
       }},
      {"mt",
       "multithreaded workloads: remote frees and many threads",
       {
           {"larson-8", "larson", {"events=1M", "threads=8"}, 1, "8 workers, hand-offs"},
           {"xmalloc-8", "xmalloc", {"events=1M", "producers=4", "consumers=4"}, 1, "4 producers, 4 consumers"},
           {"churn-4", "churn", {"events=1M", "threads=4"}, 1, "4 threads, each its own population"},
           {"cross-25",
            "synthetic",
            {"events=1M", "threads=8", "cross_free=0.25", "size=loguniform", "size_max=4K"},
            1,
            "8 threads, a quarter of frees remote"},
       }},
  };
  return all;
}

const Suite* find_suite(std::string_view name) {
  for (const Suite& s : suites())
    if (s.name == name) return &s;
  return nullptr;
}

const Suite& suite_or_throw(std::string_view name) {
  if (const Suite* s = find_suite(name)) return *s;
  std::string list;
  for (const Suite& s : suites()) list += (list.empty() ? "" : ", ") + std::string(s.name);
  throw GenError("unknown suite '" + std::string(name) + "' (known: " + list + ")");
}

Trace generate_entry(const SuiteEntry& entry) { return generate_trace(entry.kind, entry.params, entry.seed); }

std::string gen_command(const SuiteEntry& entry) {
  std::string c = "heapreplay gen " + std::string(entry.kind);
  for (const std::string& p : entry.params) c += " --param " + p;
  return c + " --seed " + std::to_string(entry.seed) + " -o " + std::string(entry.name) + ".hrt";
}

}  // namespace heapreplay
