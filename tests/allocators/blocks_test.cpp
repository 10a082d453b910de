// Tests of the blocks design (seed 001, MeMager): the README's block notation,
// the header byte values, the rollback of "current", the extra operations
// (write / read / move), faithful limits and the default mode's reuse.
#include "allocators/blocks/blocks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace heapreplay {
namespace {

// Sanitizer builds (about twenty times slower) run the random mixes five
// times shorter; the regular build runs them in full.
#ifdef HEAPREPLAY_SANITIZED
constexpr std::size_t kMixScale = 5;
#else
constexpr std::size_t kMixScale = 1;
#endif

BlocksConfig faithful_config(std::size_t block_size = 64, std::size_t blocks_count = 10) {
  BlocksConfig c;
  c.faithful = true;
  c.block_size_bytes = block_size;
  c.blocks_count = blocks_count;
  return c;
}

std::string dump_of(const Blocks& a) {
  std::ostringstream os;
  a.dump(os);
  return os.str();
}

void fill(void* p, std::size_t n, std::uint8_t tag) {
  auto* b = static_cast<std::uint8_t*>(p);
  for (std::size_t k = 0; k < n; ++k) b[k] = static_cast<std::uint8_t>(tag + k);
}

std::size_t first_bad(const void* p, std::size_t n, std::uint8_t tag) {
  auto* b = static_cast<const std::uint8_t*>(p);
  for (std::size_t k = 0; k < n; ++k)
    if (b[k] != static_cast<std::uint8_t>(tag + k)) return k;
  return n;
}

double extra(const AllocatorStats& s, const std::string& key) {
  for (auto& [k, v] : s.extra)
    if (k == key) return v;
  ADD_FAILURE() << "no statistic " << key;
  return -1;
}

TEST(BlocksTest, DefaultsAreTheOriginalExample) {
  BlocksConfig c;
  EXPECT_EQ(c.block_size_bytes, 64u);
  EXPECT_EQ(c.blocks_count, 10u);
  EXPECT_FALSE(c.faithful);
  Blocks d(c);
  EXPECT_EQ(d.header_bytes(), 16u);
  EXPECT_EQ(d.name(), "blocks");
  Blocks f(faithful_config());
  EXPECT_EQ(f.header_bytes(), 1u);
  EXPECT_FALSE(Blocks::kThreadSafe);
}

TEST(BlocksTest, FromOptions) {
  OptionMap m = OptionMap::parse("blocks", "faithful,block_size_bytes=32,blocks_count=100,fail_after_bytes=1M");
  BlocksConfig c = BlocksConfig::from_options(m);
  EXPECT_NO_THROW(m.finish());
  EXPECT_TRUE(c.faithful);
  EXPECT_EQ(c.block_size_bytes, 32u);
  EXPECT_EQ(c.blocks_count, 100u);
  EXPECT_EQ(c.page_source.fail_after_bytes, 1u << 20);
  OptionMap bad = OptionMap::parse("blocks", "block_size_bytes=8");  // too small for the wide header
  EXPECT_THROW(BlocksConfig::from_options(bad), OptionError);
  OptionMap ok = OptionMap::parse("blocks", "faithful,block_size_bytes=8");
  EXPECT_NO_THROW(BlocksConfig::from_options(ok));
}

TEST(BlocksTest, ReadmeExampleInBlockNotation) {
  Blocks a(faithful_config(64, 10));  // init(64, 10)
  ASSERT_NE(a.allocate(5, 1), nullptr);
  ASSERT_NE(a.allocate(80, 1), nullptr);
  ASSERT_NE(a.allocate(20, 1), nullptr);
  EXPECT_EQ(dump_of(a), "[H, 5/63] [H, 63/63] [17/64] [H, 20/63]\n");
  EXPECT_TRUE(a.check().ok) << a.check().problem;
}

TEST(BlocksTest, HeaderBytesOfTheOriginalTester) {
  for (bool faithful : {true, false}) {
    BlocksConfig c = faithful_config();
    c.faithful = faithful;
    Blocks a(c);
    void* p1 = a.allocate(1, 1);
    void* p48 = a.allocate(48, 1);
    void* p64 = a.allocate(64, 1);
    ASSERT_NE(p1, nullptr);
    ASSERT_NE(p48, nullptr);
    ASSERT_NE(p64, nullptr);
    EXPECT_EQ(a.header_byte(p1), 0x0C) << faithful;  // readable | writable
    EXPECT_EQ(a.header_byte(p48), 0x0C) << faithful;
    EXPECT_EQ(a.header_byte(p64), 0x1E) << faithful;  // one glued block, extended, readable, writable
    EXPECT_EQ(a.run_blocks(p64), 2u);
    a.deallocate(p48, 48, 1);
    EXPECT_TRUE(a.check().ok) << a.check().problem;
  }
  Blocks fresh(faithful_config(64, 10));
  EXPECT_EQ(fresh.allocate(640, 1), nullptr);  // 11 blocks in a pool of 10
  EXPECT_NE(fresh.allocate(639, 1), nullptr);  // exactly 10
}

TEST(BlocksTest, FaithfulRunsAreLimitedToSixteenBlocks) {
  Blocks a(faithful_config(64, 100));
  void* p = a.allocate(16 * 64 - 1, 1);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(a.header_byte(p), 0xFE);
  EXPECT_EQ(a.allocate(16 * 64, 1), nullptr);  // 17 blocks: the count nibble cannot say so
  Blocks d;                                    // the default mode keeps the run length in its wide header
  void* q = d.allocate(5000, 16);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(d.run_blocks(q), (5000u + 16u + 63u) / 64u);
  EXPECT_EQ(d.header_byte(q), 0xFE);  // the nibble saturates at 15
  EXPECT_TRUE(d.check().ok) << d.check().problem;
}

TEST(BlocksTest, CurrentRollsBackOverTrailingFreeRuns) {
  Blocks a(faithful_config(64, 10));
  void* p5 = a.allocate(5, 1);
  void* p80 = a.allocate(80, 1);
  void* p20 = a.allocate(20, 1);
  a.deallocate(p80, 80, 1);  // not the last run: only marked free
  EXPECT_EQ(dump_of(a), "[H, 5/63] [ ] [ ] [H, 20/63]\n");
  EXPECT_EQ(a.header_byte(p20), 0x0C);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
  a.deallocate(p20, 20, 1);  // the last run: current goes back over it and the free run before it
  EXPECT_EQ(dump_of(a), "[H, 5/63]\n");
  EXPECT_TRUE(a.check().ok) << a.check().problem;
  void* p100 = a.allocate(100, 1);
  EXPECT_EQ(p100, p80);  // handed out from the rolled-back current
  EXPECT_EQ(dump_of(a), "[H, 5/63] [H, 63/63] [37/64]\n");
  a.deallocate(p5, 5, 1);
  EXPECT_EQ(dump_of(a), "[ ] [H, 63/63] [37/64]\n");
  a.deallocate(p100, 100, 1);  // everything free: current back at the start
  EXPECT_EQ(dump_of(a), "\n");
  EXPECT_EQ(a.allocate(5, 1), p5);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
}

TEST(BlocksTest, FaithfulPoolDoesNotReuseMiddleRuns) {
  Blocks a(faithful_config(64, 10));
  std::vector<void*> ps;
  for (int i = 0; i < 10; ++i) ps.push_back(a.allocate(10, 1));
  for (void* p : ps) ASSERT_NE(p, nullptr);
  EXPECT_EQ(a.allocate(1, 1), nullptr);  // full
  a.deallocate(ps[4], 10, 1);
  EXPECT_EQ(a.allocate(1, 1), nullptr);  // a free run in the middle is not reused
  a.deallocate(ps[9], 10, 1);
  EXPECT_EQ(a.allocate(1, 1), ps[9]);  // freeing the last one gave its block back
  EXPECT_TRUE(a.check().ok) << a.check().problem;
}

TEST(BlocksTest, DefaultModeMergesAndReusesFreeRuns) {
  Blocks a;
  std::vector<void*> ps;
  for (int i = 0; i < 8; ++i) ps.push_back(a.allocate(40, 16));  // one block each
  a.deallocate(ps[2], 40, 16);
  a.deallocate(ps[3], 40, 16);
  EXPECT_EQ(extra(a.stats(), "blocks.free_runs"), 1);  // merged
  void* two = a.allocate(100, 16);                     // 2 blocks: fits the merged hole exactly
  EXPECT_EQ(two, ps[2]);
  a.deallocate(ps[5], 40, 16);
  a.deallocate(ps[6], 40, 16);
  a.deallocate(ps[0], 40, 16);
  // Best fit: a 1-block request takes the 1-block hole, not the 2-block one.
  EXPECT_EQ(a.allocate(1, 16), ps[0]);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
}

TEST(BlocksTest, DefaultModeGrowsAndReturnsEmptySegments) {
  Blocks a;
  std::vector<void*> ps;
  for (int i = 0; i < 30000; ++i) {
    void* p = a.allocate(100, 16);
    ASSERT_NE(p, nullptr);
    ps.push_back(p);
  }
  EXPECT_GE(extra(a.stats(), "blocks.segments"), 3);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
  for (void* p : ps) a.deallocate(p, 100, 16);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
  EXPECT_EQ(extra(a.stats(), "blocks.segments"), 1);  // one empty segment is kept
  EXPECT_EQ(extra(a.stats(), "blocks.live_runs"), 0);
  void* big = a.allocate(50u << 20, 16);  // 50 MiB gets a segment of its own
  ASSERT_NE(big, nullptr);
  fill(big, 4096, 1);
  a.deallocate(big, 50u << 20, 16);
  EXPECT_LE(a.stats().footprint_bytes, 2u << 20);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
}

TEST(BlocksTest, WriteReadMoveKeepTheOriginalsCodes) {
  Blocks a(faithful_config(64, 10));
  auto* p = static_cast<char*>(a.allocate(20, 1));
  auto* big = static_cast<char*>(a.allocate(100, 1));
  auto* small = static_cast<char*>(a.allocate(10, 1));
  const char msg[] = "hello, blocks";
  EXPECT_EQ(a.write(p, 0, msg, sizeof msg), Blocks::kOk);
  char out[64] = {};
  EXPECT_EQ(a.read(p, 0, out, sizeof msg), Blocks::kOk);
  EXPECT_STREQ(out, msg);
  EXPECT_EQ(a.write(p, 60, msg, 3), Blocks::kOk);                         // up to byte 63 of 63
  EXPECT_EQ(a.write(p, 61, msg, 3), Blocks::kErrMoreBytesThanAvailable);  // -1
  EXPECT_EQ(a.read(p, 0, out, 64), Blocks::kErrMoreBytesThanAvailable);   // -1
  EXPECT_EQ(a.write(nullptr, 0, msg, 1), Blocks::kErrNullPointer);        // -2
  EXPECT_EQ(a.read(nullptr, 0, out, 1), Blocks::kErrNullPointer);         // -2
  EXPECT_EQ(Blocks::kErrMoreBytesThanAvailable, -1);
  EXPECT_EQ(Blocks::kErrNullPointer, -2);
  EXPECT_EQ(Blocks::kErrSmallerDestination, -2);
  EXPECT_EQ(a.move(small, big), Blocks::kErrSmallerDestination);  // 127 bytes do not fit in 63
  EXPECT_EQ(a.move(big, nullptr), Blocks::kErrBadPointer);
  EXPECT_EQ(a.move(big, p), Blocks::kOk);  // p is freed by the move
  EXPECT_STREQ(big, msg);
  EXPECT_EQ(extra(a.stats(), "blocks.live_runs"), 2);
  EXPECT_EQ(dump_of(a), "[ ] [H, 63/63] [37/64] [H, 10/63]\n");
  EXPECT_TRUE(a.check().ok) << a.check().problem;
}

TEST(BlocksTest, EveryAlignmentUpToThePage) {
  for (bool faithful : {true, false}) {
    BlocksConfig c = faithful_config(64, 4096);
    c.faithful = faithful;
    Blocks a(c);
    struct Obj {
      void* p;
      std::size_t n;
      std::uint8_t tag;
    };
    std::vector<Obj> live;
    // Faithful runs hold at most 16 * 64 - 1 bytes, which caps the alignment
    // that over-allocation can reach.
    for (std::size_t align = 1; align <= (faithful ? 512u : 4096u); align *= 2) {
      for (std::size_t n : {0, 1, 63, 200}) {
        void* p = a.allocate(n, align);
        ASSERT_NE(p, nullptr) << n << " " << align;
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % align, 0u);
        EXPECT_GE(a.usable_size(p), n);
        auto tag = static_cast<std::uint8_t>(align + n);
        fill(p, n, tag);
        live.push_back({p, n, tag});
        ASSERT_TRUE(a.check().ok) << a.check().problem;
      }
    }
    EXPECT_EQ(a.allocate(1, 8192), nullptr);
    if (faithful) {
      EXPECT_EQ(a.allocate(1, 4096), nullptr);
    }
    for (auto& o : live) EXPECT_EQ(first_bad(o.p, o.n, o.tag), o.n);
    for (auto& o : live) a.deallocate(o.p, o.n, 1);
    EXPECT_TRUE(a.check().ok) << a.check().problem;
    EXPECT_EQ(extra(a.stats(), "blocks.live_runs"), 0);
  }
}

TEST(BlocksTest, ReallocGrowAndShrinkKeepContents) {
  for (bool faithful : {true, false}) {
    BlocksConfig c = faithful_config(64, 1000);
    c.faithful = faithful;
    Blocks a(c);
    // Faithful runs hold at most 1023 bytes, so a 256-byte alignment (255
    // bytes of slack) cannot reach 900 there.
    std::vector<std::size_t> aligns = {1, 16};
    if (!faithful) aligns.push_back(256);
    for (std::size_t align : aligns) {
      std::size_t n = 10;
      void* p = a.allocate(n, align);
      fill(p, n, 4);
      for (std::size_t next : {100, 500, 900, 300, 5, 700, 1}) {
        void* q = a.reallocate(p, n, next, align);
        ASSERT_NE(q, nullptr) << n << " -> " << next;
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(q) % align, 0u);
        std::size_t keep = std::min(n, next);
        EXPECT_EQ(first_bad(q, keep, 4), keep) << n << " -> " << next;
        fill(q, next, 4);
        p = q;
        n = next;
        ASSERT_TRUE(a.check().ok) << a.check().problem;
      }
      a.deallocate(p, n, align);
    }
    EXPECT_TRUE(a.check().ok) << a.check().problem;
  }
}

TEST(BlocksTest, DefaultReallocStaysInPlaceWhenItCan) {
  Blocks a;
  void* p = a.allocate(40, 16);
  fill(p, 40, 2);
  EXPECT_EQ(a.reallocate(p, 40, 1000, 16), p);  // grows into the tail
  void* fence = a.allocate(10, 16);
  EXPECT_EQ(a.reallocate(p, 1000, 100, 16), p);  // shrinks, the rest becomes a free run
  EXPECT_EQ(a.run_blocks(p), 2u);
  EXPECT_EQ(a.reallocate(p, 100, 500, 16), p);  // grows into that free run
  EXPECT_EQ(first_bad(p, 40, 2), 40u);
  EXPECT_NE(a.reallocate(p, 500, 5000, 16), p);  // the fence is in the way: moves
  (void)fence;
  EXPECT_TRUE(a.check().ok) << a.check().problem;
  Blocks f(faithful_config(64, 100));
  void* q = f.allocate(10, 1);
  EXPECT_EQ(f.reallocate(q, 10, 60, 1), q);  // same block count
  EXPECT_NE(f.reallocate(q, 60, 100, 1), q);
  EXPECT_TRUE(f.check().ok) << f.check().problem;
}

TEST(BlocksTest, AbsurdRequestsFailCleanly) {
  for (bool faithful : {true, false}) {
    BlocksConfig c = faithful_config();
    c.faithful = faithful;
    Blocks a(c);
    constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();
    for (std::size_t n : {kMax, kMax - 1, kMax - 70, std::size_t{1} << 63, std::size_t{1} << 50})
      for (std::size_t align : {std::size_t{1}, std::size_t{16}, std::size_t{4096}})
        EXPECT_EQ(a.allocate(n, align), nullptr) << n;
    void* p = a.allocate(20, 1);
    fill(p, 20, 6);
    EXPECT_EQ(a.reallocate(p, 20, kMax - 3, 1), nullptr);
    EXPECT_EQ(a.reallocate(p, 20, std::size_t{1} << 62, 16), nullptr);
    EXPECT_EQ(first_bad(p, 20, 6), 20u);
    EXPECT_TRUE(a.check().ok) << a.check().problem;
  }
}

TEST(BlocksTest, CheckDetectsDamagedHeaders) {
  Blocks f(faithful_config(64, 10));
  auto* p = static_cast<std::uint8_t*>(f.allocate(20, 1));
  f.allocate(20, 1);
  ASSERT_TRUE(f.check().ok);
  p[-1] ^= Blocks::kFreeBit;
  CheckResult r = f.check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("without a matching free run"), std::string::npos) << r.problem;
  p[-1] ^= Blocks::kFreeBit;
  ASSERT_TRUE(f.check().ok);
  p[-1] ^= 0x10;  // a glued block that is not there
  r = f.check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("extended bit"), std::string::npos) << r.problem;
  p[-1] ^= 0x10;
  ASSERT_TRUE(f.check().ok);

  Blocks d;
  auto* q = static_cast<std::uint8_t*>(d.allocate(20, 16));
  d.allocate(20, 16);
  q[-16] ^= Blocks::kWritableBit;
  r = d.check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("readable/writable"), std::string::npos) << r.problem;
  q[-16] ^= Blocks::kWritableBit;
  q[-1] ^= 0x40;  // top byte of the 64-bit run length
  r = d.check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("passes current"), std::string::npos) << r.problem;
  q[-1] ^= 0x40;
  q[-14] ^= 0x01;  // second byte of the recorded request: 20 becomes 276
  r = d.check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("a request of 276 bytes"), std::string::npos) << r.problem;
  q[-14] ^= 0x01;
  EXPECT_TRUE(d.check().ok) << d.check().problem;
}

TEST(BlocksTest, StatsAndReset) {
  Blocks a;
  AllocatorStats s = a.stats();
  EXPECT_EQ(s.footprint_bytes, 4096u);  // 10 blocks of 64 bytes, page rounded
  EXPECT_EQ(s.map_calls, 1u);
  void* p = a.allocate(10000, 16);
  ASSERT_NE(p, nullptr);
  s = a.stats();
  EXPECT_EQ(s.footprint_bytes, 4096u + (16384u * 64u));
  EXPECT_EQ(extra(s, "blocks.live_blocks"), 157);  // (10000 + 16) / 64 rounded up
  EXPECT_GT(s.metadata_bytes, 0u);
  for (auto& [k, v] : s.extra) EXPECT_EQ(k.rfind("blocks.", 0), 0u) << k;
  a.reset();
  s = a.stats();
  EXPECT_EQ(s.footprint_bytes, 4096u);
  EXPECT_EQ(s.footprint_peak_bytes, 4096u);
  EXPECT_TRUE(a.check().ok);
  EXPECT_NE(a.allocate(10, 16), nullptr);
}

// A seeded mix of allocate / free / realloc / aligned requests with a pattern
// in every block and check() after every step. `lifo_percent` of the frees
// take the newest object (so that the faithful pool rolls back).
void random_mix(const BlocksConfig& config, std::uint64_t seed, std::size_t ops, std::size_t max_size,
                int lifo_percent) {
  Blocks a(config);
  std::mt19937_64 rng(seed);
  struct Obj {
    void* p;
    std::size_t n;
    std::size_t align;
    std::uint8_t tag;
  };
  std::vector<Obj> live;
  std::size_t failures = 0;
  auto pick_size = [&]() -> std::size_t {
    if (rng() % 100 < 90) return rng() % 200;
    return rng() % max_size;
  };
  auto pick_align = [&]() -> std::size_t { return rng() % 10 == 0 ? std::size_t{1} << (rng() % 13) : 16; };
  for (std::size_t i = 0; i < ops; ++i) {
    std::uint64_t r = rng() % 100;
    if (live.empty() || (r < 40 && live.size() < 48)) {
      Obj o{nullptr, pick_size(), pick_align(), static_cast<std::uint8_t>(rng())};
      o.p = a.allocate(o.n, o.align);
      if (o.p == nullptr) {
        ASSERT_TRUE(config.faithful) << "step " << i;
        ++failures;
      } else {
        ASSERT_EQ(reinterpret_cast<std::uintptr_t>(o.p) % o.align, 0u);
        fill(o.p, o.n, o.tag);
        live.push_back(o);
      }
    } else if (r < 75) {
      std::size_t k = static_cast<int>(rng() % 100) < lifo_percent ? live.size() - 1 : rng() % live.size();
      Obj o = live[k];
      ASSERT_EQ(first_bad(o.p, o.n, o.tag), o.n) << "step " << i;
      a.deallocate(o.p, o.n, o.align);
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(k));
    } else {
      Obj& o = live[rng() % live.size()];
      std::size_t n = std::max<std::size_t>(pick_size(), 1);
      void* q = a.reallocate(o.p, o.n, n, o.align);
      if (q == nullptr) {
        ASSERT_TRUE(config.faithful) << "step " << i;
        ++failures;
        ASSERT_EQ(first_bad(o.p, o.n, o.tag), o.n) << "step " << i;
      } else {
        std::size_t keep = std::min(o.n, n);
        ASSERT_EQ(first_bad(q, keep, o.tag), keep) << "step " << i;
        o.p = q;
        o.n = n;
        fill(q, n, o.tag);
      }
    }
    CheckResult c = a.check();
    ASSERT_TRUE(c.ok) << "step " << i << ": " << c.problem;
  }
  for (Obj& o : live) a.deallocate(o.p, o.n, o.align);
  CheckResult c = a.check();
  ASSERT_TRUE(c.ok) << c.problem;
  EXPECT_EQ(extra(a.stats(), "blocks.live_runs"), 0);
  if (config.faithful) {
    EXPECT_LT(failures, ops / 2);
  }
}

TEST(BlocksTest, RandomMixOfOneMillionOperationsChecksAfterEveryStep) {
  auto t0 = std::chrono::steady_clock::now();
  random_mix(BlocksConfig{}, 42, 1000000 / kMixScale, 20000, 0);
  auto t1 = std::chrono::steady_clock::now();
  std::cout << "[ timing ] " << 1000000 / kMixScale
            << "-step random mix with check() per step: " << std::chrono::duration<double>(t1 - t0).count() << " s\n";
}

TEST(BlocksTest, RandomMixFaithful) { random_mix(faithful_config(64, 1024), 7, 200000 / kMixScale, 1000, 60); }

}  // namespace
}  // namespace heapreplay
