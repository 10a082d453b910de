// Tests of the segfit design (seed 002): the nine CSE 320 basecode scenarios
// in faithful mode, the heap invariants under a long random mix, corruption
// detection, bad requests, and the first-fit search's node count in its worst case.
#include "allocators/segfit/segfit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace heapreplay {
namespace {

using FreeBlocks = std::vector<std::pair<int, std::size_t>>;

SegfitConfig faithful_config() {
  SegfitConfig c;
  c.faithful = true;
  return c;
}

std::uint64_t header_of(const void* p) {
  std::uint64_t h;
  std::memcpy(&h, static_cast<const char*>(p) - 8, sizeof h);
  return h;
}
std::size_t block_size_of(const void* p) { return header_of(p) & ~std::uint64_t{63}; }
bool alloc_bit_of(const void* p) { return (header_of(p) & 1) != 0; }

// A byte pattern seeded by the pointer and a tag, so a block overwritten by a
// neighbour or moved without its contents is caught.
void fill(void* p, std::size_t n, std::uint64_t tag) {
  auto* b = static_cast<unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<unsigned char>((tag * 131 + i * 7) >> 1);
}
bool holds(const void* p, std::size_t n, std::uint64_t tag) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i)
    if (b[i] != static_cast<unsigned char>((tag * 131 + i * 7) >> 1)) return false;
  return true;
}

#define EXPECT_HEAP_OK(a)             \
  do {                                \
    CheckResult r_ = (a).check();     \
    EXPECT_TRUE(r_.ok) << r_.problem; \
  } while (0)

// ---------------------------------------------------------------------------
// The nine scenarios of the CSE 320 Fall 2021 basecode suite (faithful mode,
// one fresh heap each).

TEST(SegfitBasecode, MallocAnInt) {
  Segfit a(faithful_config());
  int* x = static_cast<int*>(a.allocate(sizeof(int), alignof(int)));
  ASSERT_NE(x, nullptr);
  *x = 4;
  EXPECT_EQ(*x, 4);
  EXPECT_EQ(a.free_blocks(), (FreeBlocks{{8, 8000}}));
  EXPECT_EQ(a.error(), 0);
  EXPECT_EQ(a.heap_bytes(), 8192u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(x) % 64, 0u);
  EXPECT_HEAP_OK(a);
}

TEST(SegfitBasecode, MallocFourPages) {
  Segfit a(faithful_config());
  void* x = a.allocate(32624, 16);
  ASSERT_NE(x, nullptr);
  EXPECT_TRUE(a.free_blocks().empty());
  EXPECT_EQ(a.error(), 0);
  EXPECT_EQ(a.heap_bytes(), 4u * 8192);
  EXPECT_EQ(block_size_of(x), 32640u);
  EXPECT_HEAP_OK(a);
}

TEST(SegfitBasecode, MallocTooLarge) {
  Segfit a(faithful_config());
  EXPECT_EQ(a.allocate(524288, 16), nullptr);
  EXPECT_EQ(a.error(), ENOMEM);
  EXPECT_EQ(a.free_blocks(), (FreeBlocks{{8, 130944}}));
  EXPECT_EQ(a.heap_bytes(), 131072u);
  EXPECT_HEAP_OK(a);
}

TEST(SegfitBasecode, FreeNoCoalesce) {
  Segfit a(faithful_config());
  ASSERT_NE(a.allocate(8, 8), nullptr);
  void* y = a.allocate(200, 16);
  ASSERT_NE(y, nullptr);
  ASSERT_NE(a.allocate(1, 1), nullptr);
  a.deallocate(y, 200, 16);
  EXPECT_EQ(a.free_blocks(), (FreeBlocks{{3, 256}, {8, 7680}}));
  EXPECT_EQ(a.error(), 0);
  EXPECT_HEAP_OK(a);
}

TEST(SegfitBasecode, FreeCoalesce) {
  Segfit a(faithful_config());
  ASSERT_NE(a.allocate(8, 8), nullptr);
  void* x = a.allocate(200, 16);
  void* y = a.allocate(300, 16);
  ASSERT_NE(a.allocate(4, 4), nullptr);
  a.deallocate(y, 300, 16);
  a.deallocate(x, 200, 16);
  EXPECT_EQ(a.free_blocks(), (FreeBlocks{{5, 576}, {8, 7360}}));
  EXPECT_EQ(a.error(), 0);
  EXPECT_HEAP_OK(a);
}

TEST(SegfitBasecode, Freelist) {
  Segfit a(faithful_config());
  void* u = a.allocate(200, 16);
  ASSERT_NE(a.allocate(300, 16), nullptr);
  void* w = a.allocate(200, 16);
  ASSERT_NE(a.allocate(500, 16), nullptr);
  void* y = a.allocate(200, 16);
  ASSERT_NE(a.allocate(700, 16), nullptr);
  a.deallocate(u, 200, 16);
  a.deallocate(w, 200, 16);
  a.deallocate(y, 200, 16);
  EXPECT_EQ(a.free_blocks(), (FreeBlocks{{3, 256}, {3, 256}, {3, 256}, {8, 5696}}));
  const std::vector<const void*> list3 = a.free_list(3);
  ASSERT_EQ(list3.size(), 3u);
  EXPECT_EQ(list3[0], y);  // LIFO: the last freed block is at the front
  EXPECT_EQ(list3[1], w);
  EXPECT_EQ(list3[2], u);
  EXPECT_EQ(a.error(), 0);
  EXPECT_HEAP_OK(a);
}

TEST(SegfitBasecode, ReallocLargerBlock) {
  Segfit a(faithful_config());
  void* x = a.allocate(4, 4);
  ASSERT_NE(a.allocate(10, 8), nullptr);
  x = a.reallocate(x, 4, 80, 16);
  ASSERT_NE(x, nullptr);
  EXPECT_TRUE(alloc_bit_of(x));
  EXPECT_EQ(block_size_of(x), 128u);
  EXPECT_EQ(a.free_blocks(), (FreeBlocks{{0, 64}, {8, 7808}}));
  EXPECT_EQ(a.error(), 0);
  EXPECT_HEAP_OK(a);
}

TEST(SegfitBasecode, ReallocSmallerBlockSplinter) {
  Segfit a(faithful_config());
  void* x = a.allocate(80, 16);
  void* y = a.reallocate(x, 80, 64, 16);
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(y, x);
  EXPECT_TRUE(alloc_bit_of(y));
  EXPECT_EQ(block_size_of(y), 128u);
  EXPECT_EQ(a.free_blocks(), (FreeBlocks{{8, 7936}}));
  EXPECT_EQ(a.error(), 0);
  EXPECT_HEAP_OK(a);
}

TEST(SegfitBasecode, ReallocSmallerBlockFreeBlock) {
  Segfit a(faithful_config());
  void* x = a.allocate(64, 16);
  void* y = a.reallocate(x, 64, 4, 16);
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(y, x);
  EXPECT_TRUE(alloc_bit_of(y));
  EXPECT_EQ(block_size_of(y), 64u);
  EXPECT_EQ(a.free_blocks(), (FreeBlocks{{8, 8000}}));
  EXPECT_EQ(a.error(), 0);
  EXPECT_HEAP_OK(a);
}

// ---------------------------------------------------------------------------

TEST(Segfit, SizeClassesAreTheFibonacciTable) {
  EXPECT_EQ(Segfit::size_class(64), 0);
  EXPECT_EQ(Segfit::size_class(128), 1);
  EXPECT_EQ(Segfit::size_class(192), 2);
  EXPECT_EQ(Segfit::size_class(256), 3);
  EXPECT_EQ(Segfit::size_class(320), 3);
  EXPECT_EQ(Segfit::size_class(384), 4);
  EXPECT_EQ(Segfit::size_class(512), 4);
  EXPECT_EQ(Segfit::size_class(576), 5);
  EXPECT_EQ(Segfit::size_class(832), 5);
  EXPECT_EQ(Segfit::size_class(896), 6);
  EXPECT_EQ(Segfit::size_class(1344), 6);
  EXPECT_EQ(Segfit::size_class(1408), 7);
  EXPECT_EQ(Segfit::size_class(2176), 7);
  EXPECT_EQ(Segfit::size_class(2240), 8);
  EXPECT_EQ(Segfit::size_class(std::size_t{1} << 40), 8);
  EXPECT_EQ(Segfit::block_bytes_for(1), 64u);
  EXPECT_EQ(Segfit::block_bytes_for(56), 64u);
  EXPECT_EQ(Segfit::block_bytes_for(57), 128u);
  EXPECT_EQ(Segfit::block_bytes_for(std::numeric_limits<std::size_t>::max()), 0u);
}

TEST(Segfit, FreshHeapLayout) {
  Segfit a;
  EXPECT_EQ(a.heap_bytes(), 0u);
  EXPECT_EQ(a.stats().footprint_bytes, 0u);
  EXPECT_HEAP_OK(a);
  void* p = a.allocate(1, 1);
  ASSERT_NE(p, nullptr);
  const char* start = static_cast<const char*>(a.heap_start());
  EXPECT_EQ(static_cast<const char*>(p), start + 128);  // 56 padding + 64 prologue + 8 header
  std::uint64_t prologue;
  std::memcpy(&prologue, start + 56, 8);
  EXPECT_EQ(prologue, 64u | 1u);
  std::uint64_t epilogue;
  std::memcpy(&epilogue, start + 8192 - 8, 8);
  EXPECT_EQ(epilogue, 1u);  // size 0, alloc, previous (the free rest) not allocated
  EXPECT_EQ(header_of(p), 64u | 2u | 1u);
  EXPECT_EQ(a.stats().footprint_bytes, 8192u);
}

TEST(Segfit, ZeroBytes) {
  Segfit faithful(faithful_config());
  EXPECT_EQ(faithful.allocate(0, 16), nullptr);
  EXPECT_EQ(faithful.error(), 0);  // errno untouched, as the original
  EXPECT_EQ(faithful.heap_bytes(), 0u);
  Segfit lifted;
  void* p = lifted.allocate(0, 16);
  void* q = lifted.allocate(0, 16);
  ASSERT_NE(p, nullptr);
  ASSERT_NE(q, nullptr);
  EXPECT_NE(p, q);
  lifted.deallocate(p, 0, 16);
  lifted.deallocate(q, 0, 16);
  EXPECT_HEAP_OK(lifted);
}

TEST(Segfit, PatternFillSurvivesNeighbours) {
  Segfit a;
  std::vector<std::pair<void*, std::size_t>> live;
  for (std::size_t i = 0; i < 400; ++i) {
    const std::size_t n = 1 + (i * 37) % 3000;
    void* p = a.allocate(n, 16);
    ASSERT_NE(p, nullptr);
    ASSERT_GE(a.usable_size(p), n);
    fill(p, n, reinterpret_cast<std::uintptr_t>(p));
    live.emplace_back(p, n);
  }
  for (std::size_t i = 0; i < live.size(); i += 2) a.deallocate(live[i].first, live[i].second, 16);
  for (std::size_t i = 1; i < live.size(); i += 2)
    ASSERT_TRUE(holds(live[i].first, live[i].second, reinterpret_cast<std::uintptr_t>(live[i].first))) << i;
  EXPECT_HEAP_OK(a);
  for (std::size_t i = 1; i < live.size(); i += 2) a.deallocate(live[i].first, live[i].second, 16);
  EXPECT_HEAP_OK(a);
  // Everything coalesced back into one free block.
  EXPECT_EQ(a.free_blocks().size(), 1u);
  EXPECT_EQ(a.free_blocks()[0].second, a.heap_bytes() - 128);
}

TEST(Segfit, Alignment) {
  for (bool faithful : {false, true}) {
    SegfitConfig c;
    c.faithful = faithful;
    Segfit a(c);
    struct Live {
      void* p;
      std::size_t n;
      std::size_t align;
    };
    std::vector<Live> live;
    for (std::size_t align = 1; align <= 4096; align *= 2) {
      for (std::size_t n : {1, 24, 100, 1000}) {
        void* p = a.allocate(n, align);
        ASSERT_NE(p, nullptr) << "align " << align << " n " << n;
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % align, 0u) << align;
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 64, 0u);
        EXPECT_GE(a.usable_size(p), n);
        fill(p, n, align + n);
        live.push_back({p, n, align});
        EXPECT_HEAP_OK(a);
      }
    }
    for (const Live& l : live) {
      EXPECT_TRUE(holds(l.p, l.n, l.align + l.n));
      a.deallocate(l.p, l.n, l.align);
    }
    EXPECT_HEAP_OK(a);
    EXPECT_EQ(a.allocate(16, 8192), nullptr);
    EXPECT_EQ(a.allocate(16, 48), nullptr);  // not a power of two
    EXPECT_HEAP_OK(a);
  }
}

TEST(Segfit, ReallocGrowAndShrinkKeepContents) {
  for (bool faithful : {false, true}) {
    SegfitConfig c;
    c.faithful = faithful;
    Segfit a(c);
    void* p = a.allocate(100, 16);
    ASSERT_NE(p, nullptr);
    fill(p, 100, 7);
    void* blocker = a.allocate(10, 16);  // forces the grow to move
    ASSERT_NE(blocker, nullptr);
    void* q = a.reallocate(p, 100, 5000, 16);
    ASSERT_NE(q, nullptr);
    EXPECT_NE(q, p);
    EXPECT_TRUE(holds(q, 100, 7));
    EXPECT_GE(a.usable_size(q), 5000u);
    fill(q, 5000, 9);
    void* r = a.reallocate(q, 5000, 300, 16);
    EXPECT_EQ(r, q);  // shrinking keeps the block
    EXPECT_TRUE(holds(r, 300, 9));
    EXPECT_EQ(block_size_of(r), 320u);
    EXPECT_HEAP_OK(a);
    void* s = a.reallocate(r, 300, 300, 16);
    EXPECT_EQ(s, r);
    EXPECT_TRUE(holds(s, 300, 9));
    // Growing past what the heap can give fails and leaves the block alone.
    const std::size_t huge = faithful ? 200000 : (std::size_t{32} << 30);
    EXPECT_EQ(a.reallocate(s, 300, huge, 16), nullptr);
    EXPECT_EQ(a.error(), ENOMEM);
    EXPECT_TRUE(holds(s, 300, 9));
    EXPECT_EQ(a.usable_size(s), 320u - 8);
    EXPECT_HEAP_OK(a);
    EXPECT_EQ(a.reallocate(nullptr, 0, 40, 16) != nullptr, true);
    EXPECT_HEAP_OK(a);
  }
}

TEST(Segfit, FaithfulExhaustionGivesNullptr) {
  Segfit a(faithful_config());
  std::vector<void*> live;
  for (int i = 0; i < 10000; ++i) {
    void* p = a.allocate(1000, 16);
    if (p == nullptr) break;
    live.push_back(p);
  }
  EXPECT_EQ(a.error(), ENOMEM);
  EXPECT_EQ(a.heap_bytes(), 131072u);
  // 130944 usable bytes in 1024-byte blocks.
  EXPECT_EQ(live.size(), 130944u / 1024);
  EXPECT_LE(a.stats().footprint_bytes, 131072u);
  EXPECT_HEAP_OK(a);
  for (void* p : live) a.deallocate(p, 1000, 16);
  EXPECT_EQ(a.free_blocks(), (FreeBlocks{{8, 130944}}));
  EXPECT_HEAP_OK(a);
}

TEST(Segfit, AbsurdRequestsFailCleanly) {
  for (bool faithful : {false, true}) {
    SegfitConfig c;
    c.faithful = faithful;
    Segfit a(c);
    void* keep = a.allocate(10, 16);
    ASSERT_NE(keep, nullptr);
    const std::size_t before = a.heap_bytes();
    for (std::size_t n :
         {std::size_t{1} << 63, std::numeric_limits<std::size_t>::max(), std::numeric_limits<std::size_t>::max() - 7,
          std::numeric_limits<std::size_t>::max() - 70, std::size_t{36507238400}}) {
      EXPECT_EQ(a.allocate(n, 16), nullptr) << n;
      EXPECT_EQ(a.allocate(n, 4096), nullptr) << n;
      EXPECT_EQ(a.reallocate(keep, 10, n, 16), nullptr) << n;
      EXPECT_EQ(a.error(), ENOMEM);
    }
    // Default mode refuses without growing; faithful grows to its limit first.
    EXPECT_EQ(a.heap_bytes(), faithful ? 131072u : before);
    EXPECT_HEAP_OK(a);
    a.deallocate(keep, 10, 16);
    // Pointers that are not live blocks are ignored, not fatal.
    int local = 0;
    a.deallocate(&local, 4, 4);
    a.deallocate(keep, 10, 16);  // double free
    EXPECT_EQ(a.reallocate(&local, 4, 8, 4), nullptr);
    EXPECT_EQ(a.error(), EINVAL);
    EXPECT_HEAP_OK(a);
  }
}

TEST(Segfit, DefaultModeGrowsForRealTraces) {
  Segfit a;
  std::vector<void*> live;
  for (int i = 0; i < 30000; ++i) {
    void* p = a.allocate(16 + (i % 200), 16);
    ASSERT_NE(p, nullptr);
    live.push_back(p);
  }
  void* big = a.allocate(614784, 16);
  ASSERT_NE(big, nullptr);
  std::memset(big, 0xab, 614784);
  EXPECT_GT(a.heap_bytes(), 131072u);
  EXPECT_EQ(a.stats().footprint_bytes, a.heap_bytes());
  EXPECT_HEAP_OK(a);
  a.deallocate(big, 614784, 16);
  for (void* p : live) a.deallocate(p, 0, 16);
  EXPECT_HEAP_OK(a);
  EXPECT_EQ(a.free_blocks().size(), 1u);
}

TEST(Segfit, InjectedPageFailureGivesNullptr) {
  SegfitConfig c;
  c.page_source.fail_after_bytes = 3 * 8192;
  Segfit a(c);
  void* p = a.allocate(10000, 16);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(a.allocate(20000, 16), nullptr);
  EXPECT_EQ(a.error(), ENOMEM);
  EXPECT_HEAP_OK(a);
  EXPECT_NE(a.allocate(1000, 16), nullptr);
  EXPECT_HEAP_OK(a);
}

TEST(Segfit, StatsAndReset) {
  Segfit a;
  void* p = a.allocate(20000, 16);
  ASSERT_NE(p, nullptr);
  AllocatorStats s = a.stats();
  EXPECT_EQ(s.footprint_bytes, 24576u);
  EXPECT_EQ(s.footprint_peak_bytes, 24576u);
  EXPECT_GE(s.map_calls, 2u);
  EXPECT_EQ(s.metadata_bytes, 128u + 8 + 16);
  bool found = false;
  for (auto& [k, v] : s.extra)
    if (k == "segfit.heap_bytes") found = (v == 24576.0);
  EXPECT_TRUE(found);
  a.reset();
  EXPECT_EQ(a.heap_bytes(), 0u);
  EXPECT_EQ(a.stats().footprint_bytes, 0u);
  EXPECT_EQ(a.stats().map_calls, 0u);
  EXPECT_HEAP_OK(a);
  EXPECT_NE(a.allocate(1, 1), nullptr);
  EXPECT_HEAP_OK(a);
}

TEST(Segfit, DumpShowsListsAndHeap) {
  Segfit a(faithful_config());
  void* u = a.allocate(200, 16);
  ASSERT_NE(a.allocate(1, 1), nullptr);
  a.deallocate(u, 200, 16);
  std::ostringstream os;
  a.dump(os);
  const std::string text = os.str();
  EXPECT_NE(text.find("8192 bytes"), std::string::npos) << text;
  EXPECT_NE(text.find("list 3 (192,320]: ["), std::string::npos) << text;
  EXPECT_NE(text.find(" 256]"), std::string::npos) << text;
  EXPECT_NE(text.find(" 7744]"), std::string::npos) << text;
  EXPECT_NE(text.find("list 0 64:\n"), std::string::npos) << text;
}

TEST(Segfit, OptionsAndNames) {
  OptionMap o = OptionMap::parse("segfit", "faithful,page_bytes=16K,max_heap_pages=4,fail_map_every=0");
  SegfitConfig c = SegfitConfig::from_options(o);
  o.finish();
  EXPECT_TRUE(c.faithful);
  EXPECT_EQ(c.page_bytes, 16384u);
  EXPECT_EQ(c.heap_limit_bytes(), 65536u);
  Segfit a(c);
  EXPECT_EQ(a.name(), "segfit");
  void* p = a.allocate(1, 1);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(a.free_blocks(), (FreeBlocks{{8, 16384 - 128 - 64}}));
  EXPECT_EQ(a.allocate(70000, 16), nullptr);
  EXPECT_EQ(a.heap_bytes(), 65536u);

  OptionMap bad = OptionMap::parse("segfit", "page_bytes=1000");
  EXPECT_THROW(SegfitConfig::from_options(bad), OptionError);
  OptionMap unknown = OptionMap::parse("segfit", "pages=3");
  SegfitConfig::from_options(unknown);
  EXPECT_THROW(unknown.finish(), OptionError);
  SegfitConfig d;
  EXPECT_FALSE(d.faithful);
  EXPECT_EQ(d.page_bytes, 8192u);
  EXPECT_EQ(d.max_heap_pages, 16u);
}

// ---------------------------------------------------------------------------
// Corruption is found by check().

TEST(SegfitCheck, DetectsCorruptedHeader) {
  Segfit a;
  void* x = a.allocate(100, 16);
  void* y = a.allocate(100, 16);
  void* z = a.allocate(100, 16);
  ASSERT_NE(z, nullptr);
  EXPECT_HEAP_OK(a);
  char* h = static_cast<char*>(y) - 8;
  std::uint64_t saved;
  std::memcpy(&saved, h, 8);

  std::uint64_t bad = saved + 64;  // size grows into z
  std::memcpy(h, &bad, 8);
  CheckResult r = a.check();
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.problem.empty());

  bad = saved & ~std::uint64_t{2};  // prev-alloc bit cleared although x is allocated
  std::memcpy(h, &bad, 8);
  r = a.check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("prev-alloc"), std::string::npos) << r.problem;

  bad = saved | 0x4;  // an unused bit
  std::memcpy(h, &bad, 8);
  EXPECT_FALSE(a.check().ok);

  std::memcpy(h, &saved, 8);
  EXPECT_HEAP_OK(a);
  a.deallocate(x, 100, 16);
  a.deallocate(z, 100, 16);
  (void)y;
}

TEST(SegfitCheck, DetectsCorruptedFreeBlock) {
  Segfit a;
  void* x = a.allocate(100, 16);
  void* y = a.allocate(100, 16);
  ASSERT_NE(y, nullptr);
  a.deallocate(x, 100, 16);
  EXPECT_HEAP_OK(a);
  char* b = static_cast<char*>(x) - 8;  // free block header
  // Footer differs from header.
  char* footer = b + 128 - 8;
  std::uint64_t saved;
  std::memcpy(&saved, footer, 8);
  std::uint64_t bad = saved ^ 64;
  std::memcpy(footer, &bad, 8);
  EXPECT_FALSE(a.check().ok);
  std::memcpy(footer, &saved, 8);
  EXPECT_HEAP_OK(a);
  // A broken next link.
  std::uint64_t link;
  std::memcpy(&link, b + 8, 8);
  std::uint64_t wild = link + 8;
  std::memcpy(b + 8, &wild, 8);
  CheckResult r = a.check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("list"), std::string::npos) << r.problem;
  std::memcpy(b + 8, &link, 8);
  EXPECT_HEAP_OK(a);
  // A free block whose alloc bit is set: free block missing from the lists view.
  std::uint64_t h;
  std::memcpy(&h, b, 8);
  std::uint64_t alloc = h | 1;
  std::memcpy(b, &alloc, 8);
  EXPECT_FALSE(a.check().ok);
  std::memcpy(b, &h, 8);
  EXPECT_HEAP_OK(a);
}

// ---------------------------------------------------------------------------
// Long seeded random mix: check() after every step (every step for the first
// 100k operations, then every 100th), payload patterns verified on free/realloc.

void random_mix(Segfit& a, std::uint64_t seed, std::size_t ops, std::size_t max_bytes) {
  constexpr std::size_t kSlots = 64;
  struct Slot {
    void* p = nullptr;
    std::size_t n = 0;
    std::uint64_t tag = 0;
    std::size_t align = 16;
  };
  std::vector<Slot> slots(kSlots);
  std::mt19937_64 rng(seed);
  std::size_t failures = 0;
  auto size_draw = [&]() -> std::size_t {
    const std::uint64_t r = rng();
    if (r % 16 == 0) return 1 + (r >> 8) % max_bytes;
    return 1 + (r >> 8) % 300;
  };
  auto pattern_len = [](std::size_t n) { return n < 128 ? n : 128; };
  for (std::size_t i = 0; i < ops; ++i) {
    Slot& s = slots[rng() % kSlots];
    const unsigned what = static_cast<unsigned>(rng() % 3);
    if (s.p == nullptr) {
      s.n = size_draw();
      s.align = (rng() % 32 == 0) ? std::size_t{256} << (rng() % 5) : 16;
      s.p = a.allocate(s.n, s.align);
      if (s.p == nullptr) {
        ++failures;
        continue;
      }
      ASSERT_EQ(reinterpret_cast<std::uintptr_t>(s.p) % s.align, 0u);
      s.tag = rng();
      fill(s.p, pattern_len(s.n), s.tag);
    } else if (what == 0) {
      const std::size_t n = size_draw();
      void* q = a.reallocate(s.p, s.n, n, s.align);
      if (q == nullptr) {
        ++failures;
        ASSERT_TRUE(holds(s.p, pattern_len(s.n), s.tag)) << "op " << i;
        continue;
      }
      ASSERT_TRUE(holds(q, pattern_len(std::min(n, s.n)), s.tag)) << "op " << i;
      s.p = q;
      s.n = n;
      fill(s.p, pattern_len(s.n), s.tag);
    } else {
      ASSERT_TRUE(holds(s.p, pattern_len(s.n), s.tag)) << "op " << i;
      a.deallocate(s.p, s.n, s.align);
      s.p = nullptr;
    }
    if (i < 100000 || i % 100 == 0) {
      CheckResult r = a.check();
      ASSERT_TRUE(r.ok) << "op " << i << ": " << r.problem;
    }
  }
  for (Slot& s : slots)
    if (s.p != nullptr) a.deallocate(s.p, s.n, s.align);
  CheckResult r = a.check();
  ASSERT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(a.free_blocks().size(), 1u);
  if (a.config().faithful) {
    EXPECT_GT(failures, 0u);  // the 128 KiB heap is too small for 64 blocks of up to 20 KB
  } else {
    EXPECT_EQ(failures, 0u);
  }
}

TEST(SegfitRandom, MillionOpsDefaultMode) {
  Segfit a;
  random_mix(a, 42, 1000000, 20000);
}

TEST(SegfitRandom, MillionOpsFaithfulMode) {
  Segfit a(faithful_config());
  random_mix(a, 7, 1000000, 20000);
}

// ---------------------------------------------------------------------------
// First fit's cost, counted in list nodes visited (list_steps()); its timing is
// in tests/bench/designs_bench.cpp.

// The worst case the design forces: first fit walks the whole last list when
// no block in it fits. n holes of 2240 bytes sit in list 8 between allocated
// blocks; every 24000-byte request then walks all of them before growing. The
// count of list nodes visited is deterministic: the n holes per request, plus
// at most one other block (the free tail left at the heap's end by the last
// growth, when it is big enough for list 8), so the cost is linear in n.
TEST(SegfitTraces, FirstFitIsLinearInTheLastList) {
  for (std::size_t n : {1000, 4000, 16000}) {
    Segfit a;
    std::vector<void*> holes;
    for (std::size_t i = 0; i < n; ++i) {
      holes.push_back(a.allocate(2232, 16));
      ASSERT_NE(holes.back(), nullptr);
      ASSERT_NE(a.allocate(8, 16), nullptr);
    }
    for (void* h : holes) a.deallocate(h, 2232, 16);
    ASSERT_GE(a.free_list(8).size(), n);
    constexpr std::uint64_t kRequests = 200;
    const std::uint64_t steps0 = a.list_steps();
    for (std::uint64_t k = 0; k < kRequests; ++k) {
      const std::uint64_t before = a.list_steps();
      ASSERT_NE(a.allocate(24000, 16), nullptr);
      const std::uint64_t steps = a.list_steps() - before;
      ASSERT_GE(steps, n) << "request " << k << " with " << n << " holes";
      ASSERT_LE(steps, n + 1) << "request " << k << " with " << n << " holes";
    }
    const std::uint64_t total = a.list_steps() - steps0;
    EXPECT_GE(total, kRequests * n);
    EXPECT_LE(total, kRequests * (n + 1));
    // The holes are all still free in list 8: none was taken or merged.
    EXPECT_GE(a.free_list(8).size(), n);
    CheckResult r = a.check();
    ASSERT_TRUE(r.ok) << r.problem;
  }
}

}  // namespace
}  // namespace heapreplay
