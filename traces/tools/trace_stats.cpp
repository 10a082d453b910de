// Trace statistics (see trace_stats.h).
#include "traces/tools/trace_stats.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "traces/tools/blocks.h"

namespace heapreplay {

namespace {

Quantiles quantiles(std::vector<std::uint64_t>& v) {
  Quantiles q;
  q.count = v.size();
  if (v.empty()) return q;
  std::sort(v.begin(), v.end());
  auto rank = [&](std::uint64_t pct) {  // nearest rank: the ceil(pct/100 N)-th smallest
    std::uint64_t r = (v.size() * pct + 99) / 100;
    return v[r == 0 ? 0 : r - 1];
  };
  q.min = v.front();
  q.max = v.back();
  q.p50 = rank(50);
  q.p90 = rank(90);
  q.p99 = rank(99);
  double sum = 0;
  for (auto x : v) sum += static_cast<double>(x);
  q.mean = sum / static_cast<double>(v.size());
  return q;
}

nlohmann::json histogram_json(const LogHistogram& h, const char* lo_key, const char* hi_key) {
  nlohmann::json bins = nlohmann::json::array();
  for (std::size_t i = 0; i < h.bin_count(); ++i)
    if (h.count(i) > 0) bins.push_back({{lo_key, h.bin_lo(i)}, {hi_key, h.bin_hi(i)}, {"count", h.count(i)}});
  return bins;
}

nlohmann::json quantiles_json(const Quantiles& q) {
  return {{"count", q.count}, {"min", q.min}, {"p50", q.p50},  {"p90", q.p90},
          {"p99", q.p99},     {"max", q.max}, {"mean", q.mean}};
}

std::string human(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * share);
  return buf;
}

void histogram_text(std::ostringstream& out, const LogHistogram& h, const char* unit) {
  std::uint64_t most = 0;
  for (std::size_t i = 0; i < h.bin_count(); ++i) most = std::max(most, h.count(i));
  for (std::size_t i = 0; i < h.bin_count(); ++i) {
    if (h.count(i) == 0) continue;
    char range[96];
    if (h.bin_lo(i) == h.bin_hi(i))
      std::snprintf(range, sizeof range, "%llu %s", static_cast<unsigned long long>(h.bin_lo(i)), unit);
    else
      std::snprintf(range, sizeof range, "%llu-%llu %s", static_cast<unsigned long long>(h.bin_lo(i)),
                    static_cast<unsigned long long>(h.bin_hi(i)), unit);
    char line[192];
    double share = static_cast<double>(h.count(i)) / static_cast<double>(h.total());
    std::snprintf(line, sizeof line, "    %-32s %12llu %6.1f%%  ", range, static_cast<unsigned long long>(h.count(i)),
                  100 * share);
    out << line
        << std::string(
               static_cast<std::size_t>(40.0 * static_cast<double>(h.count(i)) / static_cast<double>(most) + 0.5), '#')
        << '\n';
  }
}

void quantiles_text(std::ostringstream& out, const Quantiles& q) {
  char line[200];
  std::snprintf(line, sizeof line, "    min %llu, median %llu, p90 %llu, p99 %llu, max %llu, mean %.1f\n",
                static_cast<unsigned long long>(q.min), static_cast<unsigned long long>(q.p50),
                static_cast<unsigned long long>(q.p90), static_cast<unsigned long long>(q.p99),
                static_cast<unsigned long long>(q.max), q.mean);
  out << line;
}

}  // namespace

TraceStats compute_stats(const TraceView& view, const StatsOptions& options) {
  TraceStats s(options.bins_per_octave);
  s.events = view.events.size();
  s.threads = view.thread_count == 0 ? 1 : view.thread_count;
  s.thread_events.assign(s.threads, 0);

  std::vector<std::uint64_t> sizes, life_events, life_bytes;
  for_each_block(view, [&](const BlockRecord& b) {
    ++s.blocks;
    sizes.push_back(b.size);
    s.sizes.add(b.size);
    if (b.end == BlockEnd::kLive) {
      ++s.blocks_live_at_end;
      return;
    }
    life_events.push_back(b.lifetime_events());
    life_bytes.push_back(b.lifetime_bytes);
    s.lifetime_events.add(b.lifetime_events());
    s.lifetime_bytes.add(b.lifetime_bytes);
    if (b.end != BlockEnd::kRealloc) {
      ++s.frees;
      if (b.end_thread != b.thread) ++s.cross_thread_frees;
    }
  });
  s.size_quantiles = quantiles(sizes);
  s.lifetime_events_quantiles = quantiles(life_events);
  s.lifetime_bytes_quantiles = quantiles(life_bytes);

  // Live bytes after each event, averaged over windows.
  std::uint32_t points = static_cast<std::uint32_t>(std::min<std::uint64_t>(options.curve_points, s.events));
  s.live_curve.assign(points, 0.0);
  std::vector<std::uint64_t> size_of(view.object_count, 0);
  std::vector<bool> live(view.object_count, false);
  // 128 bits: absurd requests (2^63 bytes, twice) add up past 64 bits; the
  // figures reported are capped at UINT64_MAX rather than wrapped around.
  unsigned __int128 live_bytes = 0;
  auto clamped = [](unsigned __int128 v) { return v > UINT64_MAX ? UINT64_MAX : static_cast<std::uint64_t>(v); };
  std::size_t window = 0;
  std::uint64_t window_end = points ? s.events / points : 0, window_start = 0;
  double window_sum = 0;
  for (std::uint64_t i = 0; i < s.events; ++i) {
    const Event& e = view.events[i];
    s.op_count[static_cast<int>(e.op)]++;
    if (e.thread < s.thread_events.size()) s.thread_events[e.thread]++;
    if (e.id == kNoObject) {
      if (e.op == Op::kFree) ++s.free_null;
    } else {
      if (live[e.id]) {
        live_bytes -= size_of[e.id];
        live[e.id] = false;
      }
      if (e.op != Op::kFree && !(e.op == Op::kRealloc && e.size == 0)) {
        std::uint64_t bytes = (e.op == Op::kCalloc && (e.aux & kCallocOverflow)) ? 0 : e.size;
        size_of[e.id] = bytes;
        live[e.id] = true;
        live_bytes += bytes;
        if (clamped(live_bytes) > s.peak_live_bytes) {
          s.peak_live_bytes = clamped(live_bytes);
          s.peak_live_event = i;
        }
      }
    }
    if (points == 0) continue;
    window_sum += static_cast<double>(clamped(live_bytes));
    if (i + 1 == window_end) {
      s.live_curve[window] = window_sum / static_cast<double>(window_end - window_start);
      window_sum = 0;
      window_start = window_end;
      ++window;
      window_end = window < points ? (window + 1) * s.events / points : s.events + 1;
    }
  }
  s.final_live_bytes = clamped(live_bytes);
  return s;
}

nlohmann::json stats_to_json(const TraceStats& s) {
  nlohmann::json ops = nlohmann::json::object();
  for (int o = 0; o < kOpCount; ++o) ops[op_name(static_cast<Op>(o))] = s.op_count[o];
  ops["free_null"] = s.free_null;
  return {
      {"events", s.events},
      {"threads", s.threads},
      {"ops", ops},
      {"bins_per_octave", s.sizes.bins_per_octave()},
      {"size_bytes", quantiles_json(s.size_quantiles)},
      {"size_histogram", histogram_json(s.sizes, "lo_bytes", "hi_bytes")},
      {"blocks_count", s.blocks},
      {"blocks_live_at_end_count", s.blocks_live_at_end},
      {"lifetime_events", quantiles_json(s.lifetime_events_quantiles)},
      {"lifetime_events_histogram", histogram_json(s.lifetime_events, "lo_events", "hi_events")},
      {"lifetime_bytes", quantiles_json(s.lifetime_bytes_quantiles)},
      {"lifetime_bytes_histogram", histogram_json(s.lifetime_bytes, "lo_bytes", "hi_bytes")},
      {"peak_live_bytes", s.peak_live_bytes},
      {"peak_live_event", s.peak_live_event},
      {"final_live_bytes", s.final_live_bytes},
      {"live_bytes_curve", s.live_curve},
      {"thread_events", s.thread_events},
      {"frees_count", s.frees},
      {"cross_thread_frees_count", s.cross_thread_frees},
      {"cross_thread_free_share", s.cross_thread_free_share()},
  };
}

std::string stats_to_text(const TraceStats& s) {
  std::ostringstream out;
  auto share = [&](std::uint64_t n) { return s.events ? static_cast<double>(n) / static_cast<double>(s.events) : 0.0; };
  out << "events            " << s.events << "  (";
  for (int o = 0; o < kOpCount; ++o)
    out << (o ? ", " : "") << op_name(static_cast<Op>(o)) << ' ' << s.op_count[o] << ' '
        << percent(share(s.op_count[o]));
  out << "; free(NULL) " << s.free_null << ")\n";
  out << "threads           " << s.threads << "  (events:";
  for (std::size_t t = 0; t < s.thread_events.size() && t < 16; ++t) out << ' ' << percent(share(s.thread_events[t]));
  if (s.thread_events.size() > 16) out << " ...";
  out << ")\n";
  out << "cross-thread frees " << s.cross_thread_frees << " of " << s.frees << " frees ("
      << percent(s.cross_thread_free_share()) << ")\n";
  out << "live bytes        peak " << s.peak_live_bytes << " (" << human(static_cast<double>(s.peak_live_bytes))
      << ") at event " << s.peak_live_event << ", final " << s.final_live_bytes << '\n';
  if (!s.live_curve.empty()) {
    double top = *std::max_element(s.live_curve.begin(), s.live_curve.end());
    out << "  mean live bytes over " << s.live_curve.size() << " equal windows of the events:\n";
    for (std::size_t w = 0; w < s.live_curve.size(); ++w) {
      char line[96];
      std::snprintf(line, sizeof line, "    %3zu%%  %12s  ", w * 100 / s.live_curve.size(),
                    human(s.live_curve[w]).c_str());
      out << line << std::string(top > 0 ? static_cast<std::size_t>(40 * s.live_curve[w] / top + 0.5) : 0, '#') << '\n';
    }
  }
  out << "request sizes     " << s.size_quantiles.count << " requests (bytes)\n";
  quantiles_text(out, s.size_quantiles);
  histogram_text(out, s.sizes, "B");
  out << "lifetimes         " << s.lifetime_events_quantiles.count << " blocks ended, " << s.blocks_live_at_end
      << " live at the end\n  in events (from the event that made the block to the one that ended it):\n";
  quantiles_text(out, s.lifetime_events_quantiles);
  histogram_text(out, s.lifetime_events, "events");
  out << "  in bytes requested in between:\n";
  quantiles_text(out, s.lifetime_bytes_quantiles);
  histogram_text(out, s.lifetime_bytes, "B");
  return out.str();
}

}  // namespace heapreplay
