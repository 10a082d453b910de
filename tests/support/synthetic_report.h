// Test helper: reports made in code, with every measured field filled (memory
// samples, fragmentation figures, latency histograms), so that the report
// side can be tested before and independently of the measuring side.
// Deterministic: the same arguments give the same report.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "reports/run_result.h"

namespace heapreplay::test {

struct SyntheticAllocator {
  std::string name;
  double ns_per_event = 20;       // centre of this allocator's times
  double rss_factor = 1.2;        // peak RSS / peak live
  double footprint_factor = 1.3;  // peak footprint / peak live
  double p99_ns = 80;             // malloc p99 (free: half)
};

// A small deterministic jitter in [-1, 1] from the integers given.
inline double jitter(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  std::uint64_t x =
      a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull ^ c * 0x94D049BB133111EBull;
  x ^= x >> 31;
  x *= 0xD6E8FEB86659FD93ull;
  x ^= x >> 29;
  return static_cast<double>(x % 2000001) / 1000000.0 - 1.0;
}

// One ok run with everything filled. `noise` is the relative spread of the
// time (0.02: within ±2%).
inline RunResult synthetic_run(const std::string& trace, const SyntheticAllocator& a, int repetition,
                               double noise = 0.02, std::size_t samples = 120, bool latency = true) {
  RunResult r;
  r.trace = trace;
  r.allocator = a.name;
  r.repetition = repetition;
  r.touch = "pages";
  r.events = 200000;
  r.ns_per_event = a.ns_per_event * (1 + noise * jitter(repetition, a.name.size(), 1));
  r.wall_ns = static_cast<std::uint64_t>(r.ns_per_event * static_cast<double>(r.events));
  r.events_per_second = 1e9 / r.ns_per_event;
  r.peak_live_bytes = 8u << 20;
  r.final_live_bytes = 1u << 20;
  r.peak_rss_bytes = static_cast<std::uint64_t>(static_cast<double>(r.peak_live_bytes) * a.rss_factor);
  r.baseline_rss_bytes = 400 << 10;
  r.rss_method = "vmhwm-reset";
  r.allocator_version = "1.0";
  r.sample_every = samples ? r.events / samples : 0;
  for (std::size_t i = 0; i < samples; ++i) {
    double t = static_cast<double>(i + 1) / static_cast<double>(samples);
    double live = static_cast<double>(r.peak_live_bytes) * std::sin(t * 3.14159) * (0.6 + 0.4 * t);
    MemorySample m;
    m.event = (i + 1) * r.sample_every;
    m.elapsed_ns = static_cast<std::uint64_t>(static_cast<double>(m.event) * r.ns_per_event);
    m.live_bytes = static_cast<std::uint64_t>(std::max(live, 0.0));
    m.usable_bytes = m.live_bytes + m.live_bytes / 16;
    m.footprint_bytes = static_cast<std::uint64_t>(static_cast<double>(m.usable_bytes) * a.footprint_factor);
    m.rss_bytes = static_cast<std::uint64_t>(static_cast<double>(m.usable_bytes) * a.rss_factor);
    r.samples.push_back(m);
  }
  if (samples) {
    r.peak_footprint_bytes = static_cast<std::uint64_t>(static_cast<double>(r.peak_live_bytes) * a.footprint_factor);
    r.peak_usable_bytes = r.peak_live_bytes + r.peak_live_bytes / 16;
    r.internal_fragmentation_bytes = r.peak_usable_bytes - r.peak_live_bytes;
    r.external_fragmentation_bytes = r.peak_footprint_bytes - r.peak_usable_bytes;
    r.fragmentation_at_peak_live = a.footprint_factor;
    r.fragmentation_peak_ratio = a.footprint_factor;
    r.utilization = 1 / a.footprint_factor;
    r.final_footprint_bytes = r.peak_footprint_bytes / 2;
    r.retained_after_trim_bytes = r.peak_footprint_bytes / 4;
    r.retained_rss_after_trim_bytes = r.peak_rss_bytes / 4;
  }
  if (latency) {
    r.latency_sample_every = 101;
    r.clock_overhead_ns = 18;
    for (const char* op : {"malloc", "free", "realloc"}) {
      double scale = std::string(op) == "free" ? 0.5 : std::string(op) == "realloc" ? 2.0 : 1.0;
      LatencyStats l;
      l.count = 1000;
      l.p99_ns = a.p99_ns * scale * (1 + noise * jitter(repetition, 7, std::string(op).size()));
      l.p50_ns = l.p99_ns / 4;
      l.p90_ns = l.p99_ns / 2;
      l.p999_ns = l.p99_ns * 3;
      l.max_ns = l.p99_ns * 40;
      l.mean_ns = l.p50_ns * 1.2;
      for (double b = 1; b < 1 << 16; b *= 2) {
        l.bucket_upper_ns.push_back(b);
        l.bucket_count.push_back(b < l.p50_ns ? 0 : 10);
      }
      r.latency[op] = l;
    }
  }
  return r;
}

// Every (trace, allocator) `repetitions` times, interleaved as a session
// makes them, with a context block like a session's.
inline Report synthetic_report(const std::vector<std::string>& traces, const std::vector<SyntheticAllocator>& allocs,
                               int repetitions, double noise = 0.02, std::size_t samples = 120, bool latency = true) {
  Report rep;
  rep.context = {{"date", "2026-11-22T00:00:00Z"},
                 {"host", "testhost"},
                 {"cpu", "Test CPU @ 1.0GHz"},
                 {"cpu_count", 2},
                 {"kernel", "Linux 6.1"},
                 {"heapreplay_version", "0.1.0"},
                 {"git_revision", "abcdef123456"},
                 {"compiler", "GNU 12.2.0"},
                 {"build_type", "Release"},
                 {"command_line", "heapreplay replay -r " + std::to_string(repetitions)},
                 {"repetitions", repetitions},
                 {"touch", "pages"},
                 {"validate", false}};
  for (int rep_i = 0; rep_i < repetitions; ++rep_i)
    for (const std::string& t : traces)
      for (const SyntheticAllocator& a : allocs)
        rep.runs.push_back(synthetic_run(t, a, rep_i, noise, samples, latency));
  return rep;
}

}  // namespace heapreplay::test
