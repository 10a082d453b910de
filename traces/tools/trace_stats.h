// What `heapreplay trace stats` reports about a trace: request sizes and
// block lifetimes as logarithmic histograms with exact quantiles, the
// live-bytes curve, the operation and thread mix and cross-thread frees. The
// fit generator and the trace distance use the same figures.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "traces/tools/log_histogram.h"
#include "traces/trace.h"

namespace heapreplay {

struct StatsOptions {
  unsigned bins_per_octave = 1;     // histogram resolution: 1, 2, 4, 8 or 16
  std::uint32_t curve_points = 20;  // windows of the live-bytes curve (at most one per event)
};

// Exact order statistics of a sample (nearest rank); all 0 when empty.
struct Quantiles {
  std::uint64_t count = 0, min = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
  double mean = 0;
};

struct TraceStats {
  std::uint64_t events = 0;
  std::uint32_t threads = 0;
  std::uint64_t op_count[kOpCount] = {};
  std::uint64_t free_null = 0;

  // Request sizes: every event that makes a block (malloc, calloc, aligned,
  // realloc with a size).
  LogHistogram sizes;
  Quantiles size_quantiles;

  // Block lifetimes (blocks.h), over blocks that ended (free or realloc):
  // in events from the event that made the block to the one that ended it,
  // and in bytes requested in between.
  LogHistogram lifetime_events, lifetime_bytes;
  Quantiles lifetime_events_quantiles, lifetime_bytes_quantiles;
  std::uint64_t blocks = 0;  // every block
  std::uint64_t blocks_live_at_end = 0;

  // Live bytes (sum of live requested sizes after each event).
  std::uint64_t peak_live_bytes = 0;
  std::uint64_t peak_live_event = 0;  // index of the first event reaching the peak
  std::uint64_t final_live_bytes = 0;
  // The curve resampled: the mean of the live bytes after each event of
  // curve_points equal windows of the event sequence.
  std::vector<double> live_curve;

  // Threads: events per thread index; frees (free or realloc to 0 of a
  // block) and those made by a thread other than the block's.
  std::vector<std::uint64_t> thread_events;
  std::uint64_t frees = 0, cross_thread_frees = 0;

  explicit TraceStats(unsigned bins_per_octave = 1)
      : sizes(bins_per_octave), lifetime_events(bins_per_octave), lifetime_bytes(bins_per_octave) {}
  double cross_thread_free_share() const {
    return frees == 0 ? 0.0 : static_cast<double>(cross_thread_frees) / static_cast<double>(frees);
  }
};

// One pass over the blocks plus one over the events. Precondition: a valid
// view (ids < object_count, threads < thread_count).
TraceStats compute_stats(const TraceView& view, const StatsOptions& options = {});

// As JSON (keys with units: *_bytes, *_count; every histogram a list of
// {lo, hi, count} bins with inclusive bounds, empty bins left out). Its
// "size_histogram" is what the synthetic generator reads with size=histogram.
nlohmann::json stats_to_json(const TraceStats& s);
// As text for a terminal: the figures and the histograms with bars.
std::string stats_to_text(const TraceStats& s);

}  // namespace heapreplay
