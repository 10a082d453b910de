// LatencyRecorder: per-operation latencies of sampled events, kept raw in
// buffers sized before the replay starts (no allocation while timing), then
// summarised into exact percentiles and a log-bucketed histogram.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "reports/run_result.h"
#include "traces/event.h"

namespace heapreplay {

class LatencyRecorder {
 public:
  using Clock = std::chrono::steady_clock;

  // Room for `capacity` samples in all (events / every, rounded up).
  explicit LatencyRecorder(std::size_t capacity);

  // The cost of one back-to-back pair of clock reads (median of many), which
  // record() subtracts from every sample.
  static double measure_clock_overhead_ns();

  void set_clock_overhead_ns(double ns) { overhead_ns_ = ns; }
  double clock_overhead_ns() const { return overhead_ns_; }

  // Records one event's latency (raw, overhead not yet removed).
  void record(Op op, Clock::time_point start, Clock::time_point end) {
    auto& buf = samples_[static_cast<int>(op)];
    if (buf.size() < buf.capacity())
      buf.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count(), 0xFFFFFFFF)));
  }

  // Adds another recorder's samples to this one's (after a threaded replay:
  // each thread records into its own, merged at the end). May allocate.
  void merge(const LatencyRecorder& other) {
    for (int op = 0; op < kOpCount; ++op)
      samples_[op].insert(samples_[op].end(), other.samples_[op].begin(), other.samples_[op].end());
  }

  // Per op name ("malloc", ...) with at least one sample.
  std::map<std::string, LatencyStats> summarize() const;

  // The histogram's bucket bounds: upper edges 2^(k/4) ns, k = 0..kBuckets-1.
  static constexpr int kBuckets = 4 * 33;

 private:
  std::array<std::vector<std::uint32_t>, kOpCount> samples_;  // ns, clamped to 32 bits (4.3 s)
  double overhead_ns_ = 0;
};

}  // namespace heapreplay
