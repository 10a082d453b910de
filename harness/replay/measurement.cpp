// Sizing of a replay's measurement buffers (see ReplayMeasurement in replay.h).
#include <algorithm>

#include "harness/replay/replay_core.h"

namespace heapreplay {

void ReplayMeasurement::prepare(std::uint64_t events) {
  const std::uint64_t n = events;
  sample_at.clear();
  if (sample_every != 0)
    for (std::uint64_t k = sample_every; k < n; k += sample_every) sample_at.push_back(k);
  if (extra_sample_at != 0 && extra_sample_at < n) sample_at.push_back(extra_sample_at);
  std::sort(sample_at.begin(), sample_at.end());
  sample_at.erase(std::unique(sample_at.begin(), sample_at.end()), sample_at.end());
  sample_at.push_back(~std::uint64_t{0});
  samples.clear();
  samples.reserve(sample_at.size() + 1);  // + the caller's final sample after the last event
  latency = LatencyRecorder(latency_every != 0 ? n / latency_every + 1 : 0);
  live_bytes = usable_bytes = peak_usable_bytes = sampling_ns = 0;
}

}  // namespace heapreplay
