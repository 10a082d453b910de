// Latency sample storage and summary (see latency_recorder.h).
#include "harness/measure/latency_recorder.h"

#include <algorithm>
#include <cmath>

namespace heapreplay {

LatencyRecorder::LatencyRecorder(std::size_t capacity) {
  // Any op may take every sample: reserve the whole capacity for each, so
  // record() never allocates. (Five small buffers: 4 bytes per sample.)
  for (auto& s : samples_) s.reserve(capacity);
}

double LatencyRecorder::measure_clock_overhead_ns() {
  std::vector<std::int64_t> d(2001);
  for (auto& x : d) {
    auto a = Clock::now();
    auto b = Clock::now();
    x = std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
  }
  std::nth_element(d.begin(), d.begin() + d.size() / 2, d.end());
  return static_cast<double>(d[d.size() / 2]);
}

std::map<std::string, LatencyStats> LatencyRecorder::summarize() const {
  std::map<std::string, LatencyStats> out;
  for (int op = 0; op < kOpCount; ++op) {
    if (samples_[op].empty()) continue;
    std::vector<double> v;
    v.reserve(samples_[op].size());
    for (std::uint32_t raw : samples_[op]) v.push_back(std::max(0.0, raw - overhead_ns_));
    std::sort(v.begin(), v.end());
    LatencyStats s;
    s.count = v.size();
    // Nearest-rank percentiles: the smallest sample with at least q of all at or below it.
    auto rank = [&](double q) {
      std::size_t k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
      return v[std::min(v.size() - 1, k == 0 ? 0 : k - 1)];
    };
    s.p50_ns = rank(0.50);
    s.p90_ns = rank(0.90);
    s.p99_ns = rank(0.99);
    s.p999_ns = rank(0.999);
    s.max_ns = v.back();
    double sum = 0;
    for (double x : v) sum += x;
    s.mean_ns = sum / static_cast<double>(v.size());
    // Log buckets, quarter-octave wide; only up to the last non-empty one.
    std::vector<std::uint64_t> counts(kBuckets, 0);
    for (double x : v) {
      int k = x <= 1 ? 0 : static_cast<int>(std::ceil(4 * std::log2(x)));
      counts[std::min(k, kBuckets - 1)]++;
    }
    int last = kBuckets - 1;
    while (last > 0 && counts[last] == 0) --last;
    for (int k = 0; k <= last; ++k) {
      s.bucket_upper_ns.push_back(std::exp2(k / 4.0));
      s.bucket_count.push_back(counts[k]);
    }
    out[op_name(static_cast<Op>(op))] = std::move(s);
  }
  return out;
}

}  // namespace heapreplay
