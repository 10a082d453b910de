// The synthetic generator honours its parameters: each test states the
// bound it holds the sample to. The bounds are several standard errors wide
// for the sample sizes used, and far narrower than what a wrong
// implementation gives (a wrong mean, a missing share, a swapped clock).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#include "traces/generators/generator.h"
#include "traces/tools/blocks.h"
#include "traces/tools/trace_stats.h"

namespace heapreplay {
namespace {

// Request sizes of the events that make blocks, in order.
std::vector<std::uint64_t> request_sizes(const Trace& t) {
  std::vector<std::uint64_t> v;
  for (const Event& e : t.events)
    if (e.id != kNoObject && e.op != Op::kFree && !(e.op == Op::kRealloc && e.size == 0)) v.push_back(e.size);
  return v;
}

double mean(const std::vector<std::uint64_t>& v) {
  double s = 0;
  for (auto x : v) s += static_cast<double>(x);
  return s / static_cast<double>(v.size());
}

std::uint64_t median(std::vector<std::uint64_t> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

double share_if(const std::vector<std::uint64_t>& v, const std::function<bool(std::uint64_t)>& f) {
  return static_cast<double>(std::count_if(v.begin(), v.end(), f)) / static_cast<double>(v.size());
}

// Mean live bytes over events [from, to).
double mean_live_bytes(const Trace& t, std::uint64_t from, std::uint64_t to) {
  std::vector<std::uint64_t> size(t.object_count, 0);
  std::uint64_t live = 0;
  double sum = 0;
  for (std::uint64_t i = 0; i < to; ++i) {
    const Event& e = t.events[i];
    if (e.id != kNoObject) {
      live -= size[e.id];
      size[e.id] = (e.op == Op::kFree) ? 0 : e.size;
      live += size[e.id];
    }
    if (i >= from) sum += static_cast<double>(live);
  }
  return sum / static_cast<double>(to - from);
}

TEST(SyntheticGenerator, FixedAndUniformSizes) {
  Trace t = generate_trace("synthetic", {"events=20k", "size=fixed", "size_bytes=48"}, 1);
  for (std::uint64_t s : request_sizes(t)) ASSERT_EQ(s, 48u);
  t = generate_trace("synthetic", {"events=200k", "size=uniform", "size_min=100", "size_max=300"}, 1);
  auto v = request_sizes(t);
  EXPECT_EQ(*std::min_element(v.begin(), v.end()), 100u);
  EXPECT_EQ(*std::max_element(v.begin(), v.end()), 300u);
  EXPECT_NEAR(mean(v), 200.0, 1.0);  // standard error ~0.15
  EXPECT_NEAR(static_cast<double>(median(v)), 200, 2);
  EXPECT_NEAR(share_if(v, [](auto s) { return s < 150; }), 0.25, 0.01);
}

TEST(SyntheticGenerator, LogUniformAndLogNormalSizes) {
  auto v = request_sizes(
      generate_trace("synthetic", {"events=200k", "size=loguniform", "size_min=16", "size_max=65535"}, 2));
  // Median of a log-uniform on [16, 65536) is sqrt(16 * 65536) = 1024.
  EXPECT_NEAR(static_cast<double>(median(v)), 1024, 1024 * 0.04);
  EXPECT_NEAR(share_if(v, [](auto s) { return s < 256; }), 1.0 / 3, 0.01);  // 4 of the 12 octaves
  v = request_sizes(generate_trace(
      "synthetic", {"events=200k", "size=lognormal", "size_median=200", "size_sigma=1", "size_min=1", "size_max=1G"},
      3));
  EXPECT_NEAR(static_cast<double>(median(v)), 200, 200 * 0.03);
  // Within one sigma of the median in log space: 68.27%.
  EXPECT_NEAR(share_if(v,
                       [](auto s) {
                         const double d = static_cast<double>(s);
                         return d >= 200 / std::exp(1.0) && d <= 200 * std::exp(1.0);
                       }),
              0.6827, 0.01);
  // Clamping: everything inside [size_min, size_max].
  v = request_sizes(generate_trace("synthetic", {"events=50k", "size_sigma=3", "size_min=32", "size_max=1K"}, 4));
  EXPECT_EQ(*std::min_element(v.begin(), v.end()), 32u);
  EXPECT_EQ(*std::max_element(v.begin(), v.end()), 1024u);
}

TEST(SyntheticGenerator, PowerLawSizes) {
  auto v = request_sizes(
      generate_trace("synthetic", {"events=200k", "size=powerlaw", "size_alpha=2", "size_min=16", "size_max=64K"}, 5));
  // Density s^-2 on [16, 65537), floored: P(size <= 32) = (1/16 - 1/33) / (1/16 - 1/65537) = 0.5153.
  EXPECT_NEAR(share_if(v, [](auto s) { return s <= 32; }), 0.5153, 0.01);
  // P(size <= 1023) = (1/16 - 1/1024) / (1/16 - 1/65537) = 0.9846.
  EXPECT_NEAR(share_if(v, [](auto s) { return s <= 1023; }), 0.9846, 0.003);
  EXPECT_GE(*std::min_element(v.begin(), v.end()), 16u);
  EXPECT_LE(*std::max_element(v.begin(), v.end()), 65536u);
}

TEST(SyntheticGenerator, HistogramFileSizes) {
  auto dir = std::filesystem::temp_directory_path() / ("hr-hist-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "h.txt").string();
  std::ofstream(path) << "# sizes\n24 1\n100 199 3   # a bin\n";
  auto v = request_sizes(generate_trace("synthetic", {"events=100k", "size=histogram", "size_file=" + path}, 6));
  EXPECT_NEAR(share_if(v, [](auto s) { return s == 24; }), 0.25, 0.01);
  EXPECT_EQ(share_if(v, [](auto s) { return s == 24 || (s >= 100 && s <= 199); }), 1.0);
  EXPECT_NEAR(share_if(v, [](auto s) { return s >= 100 && s < 150; }), 0.375, 0.01);
  std::ofstream(path) << "24 1\n100 x 3\n";
  try {
    generate_trace("synthetic", {"size=histogram", "size_file=" + path}, 6);
    ADD_FAILURE() << "no error for a malformed histogram";
  } catch (const std::exception& e) {
    EXPECT_EQ(std::string(e.what()), path + ":2: 'x' is not an unsigned number");
  }
  std::filesystem::remove_all(dir);
}

TEST(SyntheticGenerator, LiveSetHoldsTheTarget) {
  // Bytes clock (the default): mean live bytes over the second half.
  Trace t = generate_trace("synthetic", {"events=400k", "live_bytes=1M"}, 7);
  EXPECT_NEAR(mean_live_bytes(t, 200000, 400000), 1 << 20, 0.1 * (1 << 20));
  // Events clock, with reallocs (the derivation accounts for both).
  t = generate_trace("synthetic", {"events=400k", "live_bytes=1M", "lifetime_unit=events", "realloc=0.2"}, 8);
  EXPECT_NEAR(mean_live_bytes(t, 200000, 400000), 1 << 20, 0.15 * (1 << 20));
  t = generate_trace("synthetic", {"events=400k", "live_bytes=256K", "realloc=0.3", "lifetime=lognormal"}, 9);
  EXPECT_NEAR(mean_live_bytes(t, 200000, 400000), 256 << 10, 0.15 * (256 << 10));
}

TEST(SyntheticGenerator, LifetimesFollowTheirDistribution) {
  auto lifetimes = [](const Trace& t) {
    std::vector<std::uint64_t> v;
    for_each_block(t.view(), [&](const BlockRecord& b) {
      if (b.end == BlockEnd::kFree) v.push_back(b.lifetime_events());
    });
    return v;
  };
  // Fixed lifetime on the events clock: never sooner; the queue of frees due
  // at once delays a few by an event or two.
  auto v = lifetimes(
      generate_trace("synthetic", {"events=100k", "lifetime=fixed", "lifetime_unit=events", "lifetime_mean=100"}, 10));
  EXPECT_EQ(*std::min_element(v.begin(), v.end()), 100u);
  EXPECT_LE(median(v), 102u);
  // Exponential, mean 1000 events: mean and median (ln 2 * mean).
  v = lifetimes(generate_trace("synthetic", {"events=400k", "lifetime_unit=events", "lifetime_mean=1000"}, 11));
  EXPECT_NEAR(mean(v), 1000, 50);
  EXPECT_NEAR(static_cast<double>(median(v)), 693, 40);
  // Bytes clock: bytes allocated between allocation and free, fixed at 1 MiB.
  Trace t = generate_trace("synthetic", {"events=100k", "lifetime=fixed", "lifetime_mean=1048576"}, 12);
  std::uint64_t freed = 0;
  for_each_block(t.view(), [&](const BlockRecord& b) {
    if (b.end != BlockEnd::kFree) return;
    ++freed;
    EXPECT_GE(b.lifetime_bytes, 1048576u);
    EXPECT_LT(b.lifetime_bytes, 1048576u + 70000);  // at most one largest request over
  });
  EXPECT_GT(freed, 40000u);  // most: 100k events, ~10k objects live at a time
  // Pareto: heavy tail (mean well above median), the median of x_m U^(-1/a) is x_m 2^(1/a).
  v = lifetimes(generate_trace(
      "synthetic",
      {"events=400k", "lifetime=powerlaw", "lifetime_alpha=2", "lifetime_unit=events", "lifetime_mean=200"}, 13));
  EXPECT_NEAR(static_cast<double>(median(v)), 100 * std::sqrt(2.0), 6);
}

TEST(SyntheticGenerator, OperationShares) {
  Trace t = generate_trace("synthetic", {"events=300k", "realloc=0.2", "calloc=0.1", "align=64:0.05,4K:0.01"}, 14);
  TraceStats s = compute_stats(t.view());
  auto op = [&](Op o) { return static_cast<double>(s.op_count[static_cast<int>(o)]); };
  EXPECT_NEAR(op(Op::kRealloc) / static_cast<double>(s.events), 0.2, 0.005);
  double allocations = op(Op::kMalloc) + op(Op::kCalloc) + op(Op::kAligned);
  EXPECT_NEAR(op(Op::kCalloc) / allocations, 0.1, 0.005);
  EXPECT_NEAR(op(Op::kAligned) / allocations, 0.06, 0.004);
  std::uint64_t a64 = 0, a4k = 0;
  for (const Event& e : t.events) {
    if (e.op != Op::kAligned) continue;
    ASSERT_TRUE(e.alignment() == 64 || e.alignment() == 4096);
    (e.alignment() == 64 ? a64 : a4k)++;
  }
  EXPECT_NEAR(static_cast<double>(a4k) / static_cast<double>(a64 + a4k), 1.0 / 6, 0.02);
}

TEST(SyntheticGenerator, ThreadsAndCrossThreadFrees) {
  Trace t = generate_trace("synthetic", {"events=300k", "threads=4", "cross_free=0.3", "live_bytes=256K"}, 15);
  TraceStats s = compute_stats(t.view());
  EXPECT_EQ(t.thread_count, 4u);
  EXPECT_NEAR(s.cross_thread_free_share(), 0.3, 0.01);
  for (std::uint64_t n : s.thread_events)
    EXPECT_NEAR(static_cast<double>(n) / static_cast<double>(s.events), 0.25, 0.01);
  t = generate_trace("synthetic", {"events=50k", "threads=4"}, 15);
  EXPECT_EQ(compute_stats(t.view()).cross_thread_frees, 0u);
}

TEST(SyntheticGenerator, PhasesTeardownAndTimestamps) {
  Trace t = generate_trace("synthetic",
                           {"phases=2", "size=fixed", "p1.size_bytes=32", "p1.events=5000", "p1.teardown=1",
                            "p2.size_bytes=4096", "events=3000", "p2.event_ns=100", "live_bytes=64K"},
                           16);
  // Phase 1: 5000 events of 32-byte objects, then frees of all of them.
  std::uint64_t i = 0, live = 0;
  for (; i < 5000; ++i) {
    const Event& e = t.events[i];
    if (e.op == Op::kFree) {
      --live;
    } else {
      ASSERT_EQ(e.size, 32u) << i;
      ++live;
    }
  }
  for (; live > 0; ++i, --live) ASSERT_EQ(t.events[i].op, Op::kFree) << i;
  std::uint64_t phase2 = i;
  EXPECT_EQ(t.events.size() - phase2, 3000u);
  for (; i < t.events.size(); ++i) {
    if (t.events[i].op != Op::kFree) {
      ASSERT_EQ(t.events[i].size, 4096u) << i;
    }
  }
  // Timestamps: present (phase 1 at 0), rising by 100 ns on average in phase 2.
  ASSERT_EQ(t.timestamps_ns.size(), t.events.size());
  EXPECT_EQ(t.timestamps_ns[phase2 - 1], 0u);
  double mean_gap = static_cast<double>(t.timestamps_ns.back()) / 3000.0;
  EXPECT_NEAR(mean_gap, 100, 3);
  EXPECT_TRUE(std::is_sorted(t.timestamps_ns.begin(), t.timestamps_ns.end()));
}

}  // namespace
}  // namespace heapreplay
