// A mixed multi-threaded trace of several compact chunks, and a check that
// two traces hold the same events, for the tests of the .hrt readers.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "traces/hrt_chunk.h"
#include "traces/trace_builder.h"

namespace heapreplay::test {

// Three and a half chunks of a mixed workload on 3 threads: slots reused
// LIFO as TraceBuilder gives them and some not (a free of an old block),
// repeated and new sizes, aligned and overflowing calloc events, free(NULL),
// and timestamps that go back now and then (threads merged).
inline Trace mixed_trace(bool timed) {
  TraceBuilder b("text", ReusePolicy::kLeakOld);
  std::mt19937_64 rng(7);
  std::vector<std::uint64_t> live;
  std::uint64_t key = 1, now = 5'000'000'000ull;
  const std::size_t n = 3 * kHrtChunkEvents + kHrtChunkEvents / 2;
  auto t = [&] {
    now += rng() % 300;
    return timed ? now - rng() % 50 : TraceBuilder::kNoTime;
  };
  while (b.event_count() < n) {
    const auto th = static_cast<std::uint16_t>(rng() % 3);
    const unsigned pick = static_cast<unsigned>(rng() % 10);
    if (live.empty() || pick < 4) {
      const std::uint64_t size = pick == 0 ? 1 + rng() % 100000 : 16 * (1 + rng() % 4);
      b.malloc(key, size, th, t());
      live.push_back(key++);
    } else if (pick == 4) {
      b.aligned(key, std::uint64_t{1} << (4 + rng() % 8), 1 + rng() % 5000, AlignedKind::kAlignedAlloc, th, t());
      live.push_back(key++);
    } else if (pick == 5) {
      b.calloc(key, 3, 1 + rng() % 64, th, t());
      live.push_back(key++);
    } else if (pick == 6) {
      const std::size_t k = rng() % live.size();
      b.realloc(live[k], key, 1 + rng() % 9000, th, t());
      live[k] = key++;
    } else if (pick == 7) {
      b.free_null(th, t());
    } else {
      const std::size_t k = rng() % live.size();  // not always the newest: the slot model guesses wrong
      b.free(live[k], th, t());
      live[k] = live.back();
      live.pop_back();
    }
  }
  return b.finish();
}

inline void expect_same(const Trace& a, const Trace& b) {
  ASSERT_EQ(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i)
    ASSERT_EQ(0, std::memcmp(&a.events[i], &b.events[i], sizeof(Event))) << "event " << i;
  EXPECT_EQ(a.timestamps_ns, b.timestamps_ns);
  EXPECT_EQ(a.object_count, b.object_count);
  EXPECT_EQ(a.thread_count, b.thread_count);
  EXPECT_EQ(a.format, b.format);
}

}  // namespace heapreplay::test
