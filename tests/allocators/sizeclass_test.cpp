// Tests of the sizeclass design (seed 000): class lists, batch refills, the
// mapped large path, alignment shims, faithful vs default realloc, check().
#include "allocators/sizeclass/sizeclass.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <set>
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

SizeclassConfig faithful_config() {
  SizeclassConfig c;
  c.faithful = true;
  return c;
}

void fill(void* p, std::size_t n, std::uint8_t tag) {
  auto* b = static_cast<std::uint8_t*>(p);
  for (std::size_t k = 0; k < n; ++k) b[k] = static_cast<std::uint8_t>(tag + k);
}

// Index of the first byte that does not hold the pattern, or n.
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

TEST(SizeclassTest, DefaultsAreTheOriginalConstants) {
  SizeclassConfig c;
  EXPECT_EQ(c.memory_alignment_bytes, 8u);
  EXPECT_EQ(c.max_heap_size_bytes, 512u);
  EXPECT_EQ(c.initial_list_mem_size_bytes, 512u);
  EXPECT_EQ(c.add_list_size_bytes, 512u);
  EXPECT_FALSE(c.faithful);
  Sizeclass a(c);
  EXPECT_EQ(a.class_count(), 65u);
  EXPECT_EQ(a.header_bytes(), 24u);
  EXPECT_EQ(a.name(), "sizeclass");
  EXPECT_FALSE(Sizeclass::kThreadSafe);
}

TEST(SizeclassTest, FromOptionsReadsFieldsAndPageSourceKeys) {
  OptionMap m =
      OptionMap::parse("sizeclass", "faithful,max_heap_size_bytes=1K,add_list_size_bytes=4096,fail_map_every=7");
  SizeclassConfig c = SizeclassConfig::from_options(m);
  EXPECT_NO_THROW(m.finish());
  EXPECT_TRUE(c.faithful);
  EXPECT_EQ(c.max_heap_size_bytes, 1024u);
  EXPECT_EQ(c.add_list_size_bytes, 4096u);
  EXPECT_EQ(c.page_source.fail_map_every, 7u);
  OptionMap bad = OptionMap::parse("sizeclass", "max_heap_size_bytes=100");
  EXPECT_THROW(SizeclassConfig::from_options(bad), OptionError);
  OptionMap unknown = OptionMap::parse("sizeclass", "no_such_key=1");
  SizeclassConfig::from_options(unknown);
  EXPECT_THROW(unknown.finish(), OptionError);
}

TEST(SizeclassTest, FirstAllocationCarvesEveryClassAsTheOriginalInit) {
  Sizeclass a;
  void* p = a.allocate(8, 8);
  ASSERT_NE(p, nullptr);
  AllocatorStats s = a.stats();
  // INITIAL_LIST_MEM_SIZE / class blocks for classes 8..512: sum of 64/i.
  EXPECT_EQ(extra(s, "sizeclass.carved_blocks"), 280);
  EXPECT_EQ(extra(s, "sizeclass.carved_bytes"), 33944);  // sum of (64/i) * (8i + 24)
  EXPECT_EQ(s.footprint_bytes, 36864u);                  // committed in whole pages
  std::ostringstream os;
  a.dump(os);
  EXPECT_NE(os.str().find("class 8: 63 free of 64 carved\n"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("class 512: 1 free of 1 carved\n"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("class 264: 1 free of 1 carved\n"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("large mappings: 0\n"), std::string::npos) << os.str();
  a.deallocate(p, 8, 8);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
}

TEST(SizeclassTest, EmptyListIsRefilledWithAddListSizeBytes) {
  Sizeclass a;
  std::vector<void*> ps;
  for (int i = 0; i < 65; ++i) ps.push_back(a.allocate(8, 8));
  std::ostringstream os;
  a.dump(os);
  EXPECT_NE(os.str().find("class 8: 63 free of 128 carved\n"), std::string::npos) << os.str();
  // Class 512: one block per 512-byte batch.
  void* b1 = a.allocate(512, 8);
  void* b2 = a.allocate(505, 8);
  EXPECT_EQ(a.usable_size(b2), 512u);
  std::ostringstream os2;
  a.dump(os2);
  EXPECT_NE(os2.str().find("class 512: 0 free of 2 carved\n"), std::string::npos) << os2.str();
  // LIFO: a freed block is the next one handed out.
  a.deallocate(ps[10], 8, 8);
  EXPECT_EQ(a.allocate(3, 8), ps[10]);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
  for (void* p : ps) a.deallocate(p, 8, 8);
  a.deallocate(b1, 512, 8);
  a.deallocate(b2, 505, 8);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
}

TEST(SizeclassTest, SmallBlocksAreNeverReturnedNorCoalesced) {
  Sizeclass a;
  std::vector<void*> ps;
  for (int i = 0; i < 1000; ++i) ps.push_back(a.allocate(24, 8));
  std::uint64_t footprint = a.stats().footprint_bytes;
  for (void* p : ps) a.deallocate(p, 24, 8);
  EXPECT_EQ(a.stats().footprint_bytes, footprint);
  // Freed 24-byte blocks do not serve a 48-byte request.
  double carved = extra(a.stats(), "sizeclass.carved_blocks");
  for (int i = 0; i < 20; ++i) a.allocate(48, 8);
  EXPECT_GT(extra(a.stats(), "sizeclass.carved_blocks"), carved);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
}

TEST(SizeclassTest, LargeRequestsAreMappedAndUnmapped) {
  Sizeclass a;
  a.allocate(1, 8);  // carve the lists first
  std::uint64_t maps = a.stats().map_calls, unmaps = a.stats().unmap_calls;
  void* p = a.allocate(513, 8);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(a.stats().map_calls, maps + 1);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 4096, 24u);
  EXPECT_EQ(a.usable_size(p), 4096u - 24u);
  fill(p, 513, 7);
  std::ostringstream os;
  a.dump(os);
  EXPECT_NE(os.str().find("large mappings: 1\n"), std::string::npos);
  EXPECT_NE(os.str().find(": 537 bytes\n"), std::string::npos) << os.str();  // request + header, as the original
  EXPECT_TRUE(a.check().ok) << a.check().problem;
  a.deallocate(p, 513, 8);
  EXPECT_EQ(a.stats().unmap_calls, unmaps + 1);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
}

TEST(SizeclassTest, PatternSurvivesInEveryBlock) {
  for (bool faithful : {false, true}) {
    SizeclassConfig c;
    c.faithful = faithful;
    Sizeclass a(c);
    struct Obj {
      void* p;
      std::size_t n;
    };
    std::vector<Obj> objs;
    for (std::size_t n = 0; n < 3000; n += 7) {
      void* p = a.allocate(n, 8);
      ASSERT_NE(p, nullptr);
      ASSERT_GE(a.usable_size(p), n);
      ASSERT_EQ(reinterpret_cast<std::uintptr_t>(p) % 8, 0u);
      fill(p, n, static_cast<std::uint8_t>(n));
      objs.push_back({p, n});
    }
    ASSERT_TRUE(a.check().ok) << a.check().problem;
    for (auto& o : objs) EXPECT_EQ(first_bad(o.p, o.n, static_cast<std::uint8_t>(o.n)), o.n) << o.n;
    for (auto& o : objs) a.deallocate(o.p, o.n, 8);
    EXPECT_TRUE(a.check().ok) << a.check().problem;
  }
}

TEST(SizeclassTest, EveryAlignmentUpToThePage) {
  Sizeclass a;
  std::vector<std::pair<void*, std::size_t>> live;
  for (std::size_t align = 1; align <= 4096; align *= 2) {
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{100}, std::size_t{500}, std::size_t{5000}}) {
      void* p = a.allocate(n, align);
      ASSERT_NE(p, nullptr) << n << " " << align;
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % align, 0u) << n << " " << align;
      EXPECT_GE(a.usable_size(p), n);
      fill(p, n, static_cast<std::uint8_t>(align));
      live.emplace_back(p, n);
      ASSERT_TRUE(a.check().ok) << a.check().problem;
    }
  }
  EXPECT_EQ(a.allocate(8, 8192), nullptr);
  EXPECT_EQ(a.allocate(8, 12), nullptr);
  for (auto [p, n] : live) a.deallocate(p, n, 1);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
  EXPECT_EQ(extra(a.stats(), "sizeclass.live_list_blocks"), 0);
  EXPECT_EQ(extra(a.stats(), "sizeclass.large_mappings"), 0);
}

TEST(SizeclassTest, ReallocGrowAndShrinkKeepContents) {
  for (bool faithful : {false, true}) {
    SizeclassConfig c;
    c.faithful = faithful;
    Sizeclass a(c);
    for (std::size_t align : {std::size_t{8}, std::size_t{64}}) {
      std::size_t n = 10;
      void* p = a.allocate(n, align);
      fill(p, n, 3);
      for (std::size_t next : {300, 600, 5000, 70000, 6000, 100, 8, 1}) {
        void* q = a.reallocate(p, n, next, align);
        ASSERT_NE(q, nullptr);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(q) % align, 0u);
        std::size_t keep = std::min(n, next);
        EXPECT_EQ(first_bad(q, keep, 3), keep) << n << " -> " << next;
        fill(q, next, 3);
        p = q;
        n = next;
        ASSERT_TRUE(a.check().ok) << a.check().problem;
      }
      a.deallocate(p, n, align);
    }
    EXPECT_TRUE(a.check().ok) << a.check().problem;
  }
}

TEST(SizeclassTest, FaithfulReallocAlwaysMovesDefaultStaysInClass) {
  Sizeclass f(faithful_config());
  void* p = f.allocate(20, 8);
  void* q = f.reallocate(p, 20, 24, 8);
  EXPECT_NE(q, p);  // malloc, copy, free, even within the class
  Sizeclass d;
  p = d.allocate(20, 8);
  EXPECT_EQ(d.reallocate(p, 20, 24, 8), p);
  void* r = d.reallocate(p, 24, 25, 8);  // next class
  EXPECT_NE(r, p);
  void* big = d.allocate(5000, 8);
  EXPECT_EQ(d.reallocate(big, 5000, 8000, 8), big);  // same two pages
  void* moved = d.reallocate(big, 8000, 9000, 8);
  EXPECT_NE(moved, big);
  EXPECT_TRUE(d.check().ok) << d.check().problem;
}

// The replay's realloc asks malloc's alignment once an aligned object has
// been realloc'd. A fresh 7595-byte request fits the block's two pages, but
// its pointer sits 2048 bytes in, where only 6144 bytes remain: it must move.
TEST(SizeclassTest, OverAlignedBlockReallocatedWithLessAlignmentMovesWhenItNoLongerFits) {
  Sizeclass a;
  void* p = a.allocate(2248, 2048);  // mapped: two pages, 6144 bytes after p
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(a.usable_size(p), 6144u);
  fill(p, 2248, 5);
  void* q = a.reallocate(p, 2248, 5015, 2048);
  EXPECT_EQ(q, p);  // the same two pages, and room for it
  fill(q, 5015, 5);
  void* r = a.reallocate(q, 5015, 7595, 1);
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r, q);
  ASSERT_GE(a.usable_size(r), 7595u);
  EXPECT_EQ(first_bad(r, 5015, 5), 5015u);
  fill(r, 7595, 5);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
  a.deallocate(r, 7595, 1);
  EXPECT_EQ(extra(a.stats(), "sizeclass.large_mappings"), 0);
}

TEST(SizeclassTest, ExhaustionReturnsNullptrInFaithfulMode) {
  SizeclassConfig c = faithful_config();
  c.page_source.fail_after_bytes = 256 * 1024;
  Sizeclass a(c);
  std::vector<void*> ps;
  for (;;) {
    void* p = a.allocate(200, 8);
    if (p == nullptr) break;
    fill(p, 200, 9);
    ps.push_back(p);
    ASSERT_LT(ps.size(), 100000u);
  }
  EXPECT_GT(ps.size(), 500u);
  EXPECT_EQ(a.allocate(100000, 8), nullptr);
  // The old blocks are intact and a failing realloc leaves its block alone.
  EXPECT_EQ(a.reallocate(ps[0], 200, 100000, 8), nullptr);
  for (void* p : ps) ASSERT_EQ(first_bad(p, 200, 9), 200u);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
  a.deallocate(ps.back(), 200, 8);
  EXPECT_NE(a.allocate(200, 8), nullptr);  // a freed block serves again
}

TEST(SizeclassTest, AbsurdRequestsFailCleanly) {
  for (bool faithful : {false, true}) {
    SizeclassConfig c;
    c.faithful = faithful;
    Sizeclass a(c);
    constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();
    for (std::size_t n : {kMax, kMax - 1, kMax - 30, kMax / 2 + 1, std::size_t{1} << 63, std::size_t{1} << 50}) {
      for (std::size_t align : {std::size_t{8}, std::size_t{4096}}) EXPECT_EQ(a.allocate(n, align), nullptr) << n;
    }
    void* p = a.allocate(100, 8);
    fill(p, 100, 5);
    EXPECT_EQ(a.reallocate(p, 100, kMax - 5, 8), nullptr);
    EXPECT_EQ(a.reallocate(p, 100, std::size_t{1} << 63, 64), nullptr);
    EXPECT_EQ(first_bad(p, 100, 5), 100u);
    EXPECT_TRUE(a.check().ok) << a.check().problem;
  }
}

TEST(SizeclassTest, ZeroByteRequestsGetDistinctPointers) {
  Sizeclass a;
  std::set<void*> seen;
  for (int i = 0; i < 100; ++i) {
    void* p = a.allocate(0, 8);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(seen.insert(p).second);
  }
  EXPECT_TRUE(a.check().ok) << a.check().problem;
}

TEST(SizeclassTest, CheckDetectsDamagedHeaders) {
  Sizeclass a;
  auto* p = static_cast<std::uint8_t*>(a.allocate(40, 8));
  ASSERT_TRUE(a.check().ok);
  // Top byte of the `next` word of a live block (the header's last byte).
  p[-1] ^= 0x80;
  CheckResult r = a.check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("next pointer set"), std::string::npos) << r.problem;
  p[-1] ^= 0x80;
  ASSERT_TRUE(a.check().ok);
  // Low byte of `size`.
  p[-24] ^= 0x08;
  r = a.check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("header size 32, expected 40"), std::string::npos) << r.problem;
  p[-24] ^= 0x08;
  // `is_mmap`.
  p[-16] = 1;
  EXPECT_FALSE(a.check().ok);
  p[-16] = 0;
  ASSERT_TRUE(a.check().ok);
  // A use-after-free write into a free block's link.
  auto* q = static_cast<std::uint8_t*>(a.allocate(40, 8));
  a.deallocate(q, 40, 8);
  q[-8] ^= 0x10;
  r = a.check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("class 40"), std::string::npos) << r.problem;
  q[-8] ^= 0x10;
  ASSERT_TRUE(a.check().ok);
  // A mapped block's header.
  auto* big = static_cast<std::uint8_t*>(a.allocate(10000, 8));
  big[-16] = 0;
  r = a.check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("mapping"), std::string::npos) << r.problem;
  big[-16] = 1;
  EXPECT_TRUE(a.check().ok) << a.check().problem;
}

TEST(SizeclassTest, StatsAndReset) {
  Sizeclass a;
  EXPECT_EQ(a.stats().footprint_bytes, 0u);
  void* p = a.allocate(100, 8);
  void* big = a.allocate(100000, 8);
  AllocatorStats s = a.stats();
  EXPECT_EQ(s.footprint_bytes, 36864u + 102400u);
  EXPECT_GE(s.footprint_peak_bytes, s.footprint_bytes);
  EXPECT_GE(s.metadata_bytes, (280u + 1u) * 24u);
  EXPECT_EQ(s.map_calls, 1u + 9u + 1u);  // one reserve, nine page commits, one mapping
  for (auto& [k, v] : s.extra) EXPECT_EQ(k.rfind("sizeclass.", 0), 0u) << k;
  (void)p;
  (void)big;
  a.reset();
  s = a.stats();
  EXPECT_EQ(s.footprint_bytes, 0u);
  EXPECT_EQ(s.footprint_peak_bytes, 0u);
  EXPECT_TRUE(a.check().ok);
  EXPECT_NE(a.allocate(10, 8), nullptr);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
}

// A seeded mix of allocate / free / realloc / aligned requests with a pattern
// in every block and check() after every single step.
void random_mix(const SizeclassConfig& config, std::uint64_t seed, std::size_t ops, std::size_t list_max_bytes) {
  Sizeclass a(config);
  std::mt19937_64 rng(seed);
  struct Obj {
    void* p;
    std::size_t n;
    std::size_t align;
    std::uint8_t tag;
  };
  std::vector<Obj> live;
  auto pick_size = [&]() -> std::size_t {
    std::uint64_t r = rng() % 1000;
    if (r < 900) return rng() % (list_max_bytes + 8);
    if (r < 995) return rng() % 4000;
    return rng() % 70000;
  };
  auto pick_align = [&]() -> std::size_t { return rng() % 10 == 0 ? std::size_t{1} << (rng() % 13) : 8; };
  for (std::size_t i = 0; i < ops; ++i) {
    std::uint64_t r = rng() % 100;
    if (live.empty() || (r < 40 && live.size() < 48)) {
      Obj o{nullptr, pick_size(), pick_align(), static_cast<std::uint8_t>(rng())};
      o.p = a.allocate(o.n, o.align);
      ASSERT_NE(o.p, nullptr) << "step " << i;
      ASSERT_EQ(reinterpret_cast<std::uintptr_t>(o.p) % o.align, 0u);
      fill(o.p, o.n, o.tag);
      live.push_back(o);
    } else if (r < 75) {
      std::size_t k = rng() % live.size();
      Obj o = live[k];
      ASSERT_EQ(first_bad(o.p, o.n, o.tag), o.n) << "step " << i;
      a.deallocate(o.p, o.n, o.align);
      live[k] = live.back();
      live.pop_back();
    } else {
      Obj& o = live[rng() % live.size()];
      std::size_t n = std::max<std::size_t>(pick_size(), 1);
      void* q = a.reallocate(o.p, o.n, n, o.align);
      ASSERT_NE(q, nullptr) << "step " << i;
      std::size_t keep = std::min(o.n, n);
      ASSERT_EQ(first_bad(q, keep, o.tag), keep) << "step " << i;
      o.p = q;
      o.n = n;
      fill(q, n, o.tag);
    }
    CheckResult c = a.check();
    ASSERT_TRUE(c.ok) << "step " << i << ": " << c.problem;
  }
  for (Obj& o : live) a.deallocate(o.p, o.n, o.align);
  CheckResult c = a.check();
  ASSERT_TRUE(c.ok) << c.problem;
  EXPECT_EQ(extra(a.stats(), "sizeclass.live_list_blocks"), 0);
  EXPECT_EQ(extra(a.stats(), "sizeclass.large_mappings"), 0);
}

// check() walks every carved block, and the default constants carve 280 at
// the first allocation; classes up to 128 bytes keep the walk short enough for
// a million steps. The default and faithful constants get shorter mixes.
TEST(SizeclassTest, RandomMixOfOneMillionOperationsChecksAfterEveryStep) {
  SizeclassConfig c;
  c.max_heap_size_bytes = 128;
  c.initial_list_mem_size_bytes = 128;
  c.add_list_size_bytes = 256;
  auto t0 = std::chrono::steady_clock::now();
  random_mix(c, 42, 1000000 / kMixScale, 128);
  auto t1 = std::chrono::steady_clock::now();
  std::cout << "[ timing ] " << 1000000 / kMixScale
            << "-step random mix with check() per step: " << std::chrono::duration<double>(t1 - t0).count() << " s\n";
}

TEST(SizeclassTest, RandomMixWithTheOriginalConstants) { random_mix(SizeclassConfig{}, 3, 200000 / kMixScale, 512); }

TEST(SizeclassTest, RandomMixFaithful) { random_mix(faithful_config(), 7, 100000 / kMixScale, 512); }

}  // namespace
}  // namespace heapreplay
