// A trace that hides the planted bug of tests/support/planted_malloc.c
// among background blocks and decoys, and a model of that bug, for the
// tests of trace shrinking (in process and through `heapreplay trace
// shrink` with the library preloaded).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "traces/trace.h"
#include "traces/trace_builder.h"

namespace heapreplay::test {

// The planted bug of tests/support/planted_malloc.c as a model: true when a
// 1037-byte block is made, then a 4133 one, then the 1037 is freed, then
// (the 4133 still live) a 2074 is made and later freed.
inline bool planted_bug_fires(const Trace& t) {
  int state = 0;
  std::uint32_t first = 0, second = 0, planted = 0;
  for (const Event& e : t.events) {
    bool frees = e.op == Op::kFree || (e.op == Op::kRealloc && e.size == 0);
    if (frees && e.id != kNoObject) {
      if (state == 4 && e.id == planted) return true;
      if (state == 1 && e.id == first)
        state = 0;
      else if (state == 2 && e.id == first)
        state = 3;
      else if ((state == 2 || state == 3) && e.id == second)
        state = 0;
      continue;
    }
    if (e.op == Op::kMalloc && state == 3 && e.size == 2074) {
      planted = e.id;
      state = 4;
    } else if (e.op == Op::kMalloc && state == 0 && e.size == 1037) {
      first = e.id;
      state = 1;
    } else if (e.op == Op::kMalloc && state == 1 && e.size == 4133) {
      second = e.id;
      state = 2;
    }
  }
  return false;
}

// Background blocks of sizes that are multiples of 16 (never a magic size),
// with decoys (the magic sizes in orders that do nothing) and the
// interleaving itself, spread over `events` events.
inline Trace planted_trace(std::uint64_t events, std::uint64_t planted_at) {
  TraceBuilder b("text", ReusePolicy::kLeakOld);
  std::mt19937_64 rng(7);
  std::vector<std::uint64_t> live;
  std::uint64_t key = 1;
  auto background = [&](int n) {
    for (int i = 0; i < n; ++i) {
      if (!live.empty() && (live.size() > 200 || rng() % 2)) {
        std::size_t k = rng() % live.size();
        b.free(live[k]);
        live[k] = live.back();
        live.pop_back();
      } else {
        live.push_back(key);
        b.malloc(key++, 16 * (1 + rng() % 256));
      }
    }
  };
  auto decoys = [&] {
    std::uint64_t a = key++, c = key++, d = key++;
    b.malloc(a, 1037);  // a freed before b is made
    background(3);
    b.free(a);
    b.malloc(c, 4133);
    b.malloc(d, 2074);
    b.free(c);
    b.free(d);
    a = key++, c = key++, d = key++;
    b.malloc(a, 1037);  // b freed before the 2074
    b.malloc(c, 4133);
    background(2);
    b.free(a);
    b.free(c);
    b.malloc(d, 2074);
    b.free(d);
  };
  bool planted = false;
  while (b.event_count() < events) {
    if (b.event_count() % 5000 < 20) decoys();
    if (!planted && b.event_count() >= planted_at) {
      planted = true;
      std::uint64_t a = key++, c = key++, d = key++;
      b.malloc(a, 1037);
      background(5);
      b.malloc(c, 4133);
      background(5);
      b.free(a);
      background(5);
      b.malloc(d, 2074);
      background(5);
      b.free(d);
      background(5);
      b.free(c);
    }
    background(1);
  }
  for (std::uint64_t k : live) b.free(k);
  return b.finish();
}

}  // namespace heapreplay::test
