// Tests of the vmarena design (seed 004): the homework's PMAP format and
// command semantics (merging, splitting, error order, READ/WRITE clipping,
// permissions), a model-checked random command mix, the Allocator side with a
// long random mix, and corruption detection.
#include "allocators/vmarena/vmarena.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace heapreplay {

// Reaches into the maps so that check() can be shown to catch corruption.
struct VmarenaTestAccess {
  static void set_size(Vmarena& v, std::uint64_t start, std::uint64_t size) { v.minis_.at(start).size = size; }
  static void drop_gap(Vmarena& v, std::uint64_t start) { v.gaps_.erase(start); }
  static void add_gap(Vmarena& v, std::uint64_t start, std::uint64_t bytes) { v.gaps_.insert(start, bytes); }
  static void set_perm(Vmarena& v, std::uint64_t start, std::uint8_t perm) { v.minis_.at(start).perm = perm; }
  static void bump_block_count(Vmarena& v) { ++v.block_count_; }
};

namespace {

VmarenaConfig arena_of(std::uint64_t bytes, bool faithful = false) {
  VmarenaConfig c;
  c.arena_bytes = bytes;
  c.faithful = faithful;
  return c;
}

std::string pmap_of(const Vmarena& v) {
  std::ostringstream os;
  v.pmap(os);
  return os.str();
}

#define EXPECT_ARENA_OK(v)            \
  do {                                \
    CheckResult r_ = (v).check();     \
    EXPECT_TRUE(r_.ok) << r_.problem; \
  } while (0)

// ---------------------------------------------------------------------------
// PMAP format and block structure.

TEST(VmarenaPmap, EmptyArenaPrintsOnlyTheHeader) {
  Vmarena v(arena_of(20));
  EXPECT_EQ(pmap_of(v),
            "Total memory: 0x14 bytes\n"
            "Free memory: 0x14 bytes\n"
            "Number of allocated blocks: 0\n"
            "Number of allocated miniblocks: 0\n");
  EXPECT_ARENA_OK(v);
}

TEST(VmarenaPmap, HomeworkExampleFreeMiddle) {
  Vmarena v(arena_of(20));
  for (std::uint64_t a : {3, 4, 5, 6}) ASSERT_EQ(v.alloc_at(a, 1), VmaStatus::kOk);
  EXPECT_EQ(v.block_count(), 1u);
  EXPECT_EQ(v.miniblock_count(), 4u);
  EXPECT_EQ(pmap_of(v),
            "Total memory: 0x14 bytes\n"
            "Free memory: 0x10 bytes\n"
            "Number of allocated blocks: 1\n"
            "Number of allocated miniblocks: 4\n"
            "\n"
            "Block 1 begin\n"
            "Zone: 0x3 - 0x7\n"
            "Miniblock 1:\t\t0x3\t\t-\t\t0x4\t\t| RW-\n"
            "Miniblock 2:\t\t0x4\t\t-\t\t0x5\t\t| RW-\n"
            "Miniblock 3:\t\t0x5\t\t-\t\t0x6\t\t| RW-\n"
            "Miniblock 4:\t\t0x6\t\t-\t\t0x7\t\t| RW-\n"
            "Block 1 end\n");
  ASSERT_EQ(v.free_at(4), VmaStatus::kOk);
  EXPECT_EQ(pmap_of(v),
            "Total memory: 0x14 bytes\n"
            "Free memory: 0x11 bytes\n"
            "Number of allocated blocks: 2\n"
            "Number of allocated miniblocks: 3\n"
            "\n"
            "Block 1 begin\n"
            "Zone: 0x3 - 0x4\n"
            "Miniblock 1:\t\t0x3\t\t-\t\t0x4\t\t| RW-\n"
            "Block 1 end\n"
            "\n"
            "Block 2 begin\n"
            "Zone: 0x5 - 0x7\n"
            "Miniblock 1:\t\t0x5\t\t-\t\t0x6\t\t| RW-\n"
            "Miniblock 2:\t\t0x6\t\t-\t\t0x7\t\t| RW-\n"
            "Block 2 end\n");
  EXPECT_ARENA_OK(v);
  // Filling the hole merges the three back into one block; freeing 5 splits again.
  ASSERT_EQ(v.alloc_at(4, 1), VmaStatus::kOk);
  EXPECT_EQ(v.block_count(), 1u);
  ASSERT_EQ(v.free_at(5), VmaStatus::kOk);
  EXPECT_EQ(v.block_count(), 2u);
  EXPECT_EQ(pmap_of(v),
            "Total memory: 0x14 bytes\n"
            "Free memory: 0x11 bytes\n"
            "Number of allocated blocks: 2\n"
            "Number of allocated miniblocks: 3\n"
            "\n"
            "Block 1 begin\n"
            "Zone: 0x3 - 0x5\n"
            "Miniblock 1:\t\t0x3\t\t-\t\t0x4\t\t| RW-\n"
            "Miniblock 2:\t\t0x4\t\t-\t\t0x5\t\t| RW-\n"
            "Block 1 end\n"
            "\n"
            "Block 2 begin\n"
            "Zone: 0x6 - 0x7\n"
            "Miniblock 1:\t\t0x6\t\t-\t\t0x7\t\t| RW-\n"
            "Block 2 end\n");
  EXPECT_ARENA_OK(v);
}

TEST(VmarenaPmap, SixtyFourBitArenaWithoutCommitting) {
  Vmarena v(arena_of(68719476836ull));
  ASSERT_TRUE(v.has_arena());
  ASSERT_EQ(v.alloc_at(17179869194ull, 4096), VmaStatus::kOk);
  EXPECT_EQ(pmap_of(v),
            "Total memory: 0x1000000064 bytes\n"
            "Free memory: 0xFFFFFF064 bytes\n"
            "Number of allocated blocks: 1\n"
            "Number of allocated miniblocks: 1\n"
            "\n"
            "Block 1 begin\n"
            "Zone: 0x40000000A - 0x40000100A\n"
            "Miniblock 1:\t\t0x40000000A\t\t-\t\t0x40000100A\t\t| RW-\n"
            "Block 1 end\n");
  EXPECT_EQ(v.committed_bytes(), 0u);
  EXPECT_EQ(v.stats().footprint_bytes, 0u);
  std::string data(4096, 'x');
  VmaAccess w = v.write(17179869194ull, data);
  EXPECT_EQ(w.status, VmaStatus::kOk);
  EXPECT_EQ(w.bytes, 4096u);
  EXPECT_EQ(v.committed_bytes(), 8192u);  // the miniblock straddles two pages
  std::string back(4096, '\0');
  EXPECT_EQ(v.read(17179869194ull, 4096, back.data()).bytes, 4096u);
  EXPECT_EQ(back, data);
  EXPECT_ARENA_OK(v);
  ASSERT_EQ(v.free_at(17179869194ull), VmaStatus::kOk);
  EXPECT_EQ(v.committed_bytes(), 0u);
  EXPECT_EQ(v.stats().footprint_bytes, 0u);
  EXPECT_ARENA_OK(v);
}

TEST(VmarenaBlocks, ThreeBlocksMergeInAnyOrder) {
  const std::array<std::pair<std::uint64_t, std::uint64_t>, 3> parts = {{{10, 10}, {20, 5}, {25, 15}}};
  std::array<int, 3> order = {0, 1, 2};
  do {
    Vmarena v(arena_of(100));
    std::set<int> placed;
    for (int i : order) {
      ASSERT_EQ(v.alloc_at(parts[i].first, parts[i].second), VmaStatus::kOk);
      placed.insert(i);
      // Blocks are maximal runs: 0 and 2 are apart until 1 joins them.
      const std::uint64_t expected = (placed.count(0) && placed.count(2) && !placed.count(1)) ? 2 : 1;
      EXPECT_EQ(v.block_count(), expected);
      EXPECT_ARENA_OK(v);
    }
    EXPECT_EQ(v.block_count(), 1u);
    EXPECT_EQ(v.miniblock_count(), 3u);
    const std::string text = pmap_of(v);
    EXPECT_NE(text.find("Zone: 0xA - 0x28\n"
                        "Miniblock 1:\t\t0xA\t\t-\t\t0x14\t\t| RW-\n"
                        "Miniblock 2:\t\t0x14\t\t-\t\t0x19\t\t| RW-\n"
                        "Miniblock 3:\t\t0x19\t\t-\t\t0x28\t\t| RW-\n"),
              std::string::npos)
        << text;
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST(VmarenaBlocks, FreeingSplitsAndRemoves) {
  Vmarena v(arena_of(100));
  for (std::uint64_t a : {0, 10, 20, 30}) ASSERT_EQ(v.alloc_at(a, 10), VmaStatus::kOk);
  EXPECT_EQ(v.block_count(), 1u);
  ASSERT_EQ(v.free_at(10), VmaStatus::kOk);  // middle: split
  EXPECT_EQ(v.block_count(), 2u);
  ASSERT_EQ(v.free_at(30), VmaStatus::kOk);  // last: shrinks the second block
  EXPECT_EQ(v.block_count(), 2u);
  ASSERT_EQ(v.free_at(20), VmaStatus::kOk);  // only miniblock: block removed
  EXPECT_EQ(v.block_count(), 1u);
  ASSERT_EQ(v.free_at(0), VmaStatus::kOk);
  EXPECT_EQ(v.block_count(), 0u);
  EXPECT_EQ(v.allocated_bytes(), 0u);
  EXPECT_ARENA_OK(v);
  // Blocks touching both arena ends.
  ASSERT_EQ(v.alloc_at(0, 50), VmaStatus::kOk);
  ASSERT_EQ(v.alloc_at(50, 50), VmaStatus::kOk);
  EXPECT_EQ(v.block_count(), 1u);
  EXPECT_EQ(v.alloc_at(99, 1), VmaStatus::kAlreadyAllocated);
  ASSERT_EQ(v.free_at(50), VmaStatus::kOk);
  EXPECT_EQ(v.block_count(), 1u);
  EXPECT_ARENA_OK(v);
}

TEST(VmarenaErrors, AllocErrorsInTheirOrder) {
  Vmarena small(arena_of(2));
  EXPECT_EQ(small.alloc_at(2, 1), VmaStatus::kOutsideArena);

  Vmarena v(arena_of(100));
  ASSERT_EQ(v.alloc_at(10, 10), VmaStatus::kOk);
  EXPECT_EQ(v.alloc_at(100, 1), VmaStatus::kOutsideArena);
  EXPECT_EQ(v.alloc_at(1000, 5000), VmaStatus::kOutsideArena);
  EXPECT_EQ(v.alloc_at(99, 2), VmaStatus::kEndPastArena);
  EXPECT_EQ(v.alloc_at(15, 200), VmaStatus::kEndPastArena);  // also overlaps: end-past wins
  EXPECT_EQ(v.alloc_at(50, std::numeric_limits<std::uint64_t>::max()), VmaStatus::kEndPastArena);
  EXPECT_EQ(v.alloc_at(5, 10), VmaStatus::kAlreadyAllocated);   // overlaps the front
  EXPECT_EQ(v.alloc_at(19, 5), VmaStatus::kAlreadyAllocated);   // overlaps the back
  EXPECT_EQ(v.alloc_at(12, 2), VmaStatus::kAlreadyAllocated);   // inside
  EXPECT_EQ(v.alloc_at(0, 100), VmaStatus::kAlreadyAllocated);  // contains the old zone
  EXPECT_EQ(v.alloc_at(10, 10), VmaStatus::kAlreadyAllocated);
  EXPECT_EQ(v.alloc_at(30, 0), VmaStatus::kBadArgument);
  EXPECT_EQ(v.alloc_at(0, 10), VmaStatus::kOk);  // touching is fine
  EXPECT_EQ(v.alloc_at(20, 80), VmaStatus::kOk);
  EXPECT_EQ(v.block_count(), 1u);
  EXPECT_ARENA_OK(v);

  EXPECT_EQ(vma_message(VmaStatus::kOutsideArena), "The allocated address is outside the size of arena");
  EXPECT_EQ(vma_message(VmaStatus::kEndPastArena), "The end address is past the size of the arena");
  EXPECT_EQ(vma_message(VmaStatus::kAlreadyAllocated), "This zone was already allocated.");
  EXPECT_EQ(vma_message(VmaStatus::kInvalidFree), "Invalid address for free.");
  EXPECT_EQ(vma_message(VmaStatus::kReadPermission), "Invalid permissions for read.");
  EXPECT_EQ(vma_message(VmaStatus::kWritePermission), "Invalid permissions for write.");
}

TEST(VmarenaErrors, FreeNeedsAMiniblockStart) {
  Vmarena v(arena_of(100));
  ASSERT_EQ(v.alloc_at(10, 10), VmaStatus::kOk);
  EXPECT_EQ(v.free_at(11), VmaStatus::kInvalidFree);
  EXPECT_EQ(v.free_at(20), VmaStatus::kInvalidFree);
  EXPECT_EQ(v.free_at(500), VmaStatus::kInvalidFree);
  EXPECT_EQ(v.free_at(10), VmaStatus::kOk);
  EXPECT_EQ(v.free_at(10), VmaStatus::kInvalidFree);  // double free
  EXPECT_ARENA_OK(v);
  v.dealloc_arena();
  EXPECT_EQ(v.alloc_at(0, 1), VmaStatus::kNoArena);
  EXPECT_EQ(v.create_arena(50), VmaStatus::kOk);
  EXPECT_EQ(v.alloc_at(0, 50), VmaStatus::kOk);
  EXPECT_ARENA_OK(v);
}

// ---------------------------------------------------------------------------
// READ / WRITE.

TEST(VmarenaAccess, ClippingOffsetsAndCrossingMiniblocks) {
  Vmarena v(arena_of(100));
  ASSERT_EQ(v.alloc_at(0, 5), VmaStatus::kOk);
  ASSERT_EQ(v.alloc_at(5, 5), VmaStatus::kOk);
  ASSERT_EQ(v.alloc_at(20, 5), VmaStatus::kOk);
  EXPECT_EQ(v.committed_bytes(), 0u);
  // Never written: zeros, and still nothing committed.
  std::string buf(100, '?');
  VmaAccess r = v.read(0, 10, buf.data());
  EXPECT_EQ(r.status, VmaStatus::kOk);
  EXPECT_EQ(r.bytes, 10u);
  EXPECT_EQ(buf.substr(0, 10), std::string(10, '\0'));
  EXPECT_EQ(v.committed_bytes(), 0u);

  VmaAccess w = v.write(2, "HELLOWORLD!!");
  EXPECT_EQ(w.status, VmaStatus::kOk);
  EXPECT_EQ(w.bytes, 8u);  // clipped at the end of the block [0, 10), not of the miniblock
  EXPECT_EQ(v.committed_bytes(), 4096u);
  r = v.read(6, 4, buf.data());
  EXPECT_EQ(r.bytes, 4u);
  EXPECT_EQ(buf.substr(0, 4), "OWOR");
  r = v.read(1, 1000, buf.data());
  EXPECT_EQ(r.status, VmaStatus::kOk);
  EXPECT_EQ(r.bytes, 9u);
  EXPECT_EQ(buf.substr(0, 9), std::string("\0HELLOWOR", 9));
  EXPECT_EQ(v.bytes_available(3), 7u);
  EXPECT_EQ(v.bytes_available(10), 0u);
  // The block at 20 is separate: nothing leaked into it.
  r = v.read(20, 5, buf.data());
  EXPECT_EQ(buf.substr(0, 5), std::string(5, '\0'));

  EXPECT_EQ(v.read(10, 1, buf.data()).status, VmaStatus::kInvalidRead);
  EXPECT_EQ(v.read(99, 1, buf.data()).status, VmaStatus::kInvalidRead);
  EXPECT_EQ(v.write(15, "x").status, VmaStatus::kInvalidWrite);
  EXPECT_EQ(v.write(1000, "x").status, VmaStatus::kInvalidWrite);
  // Filling [10, 20) joins the blocks: a write now runs on into [20, 25).
  ASSERT_EQ(v.alloc_at(10, 10), VmaStatus::kOk);
  w = v.write(8, std::string(30, 'z'));
  EXPECT_EQ(w.bytes, 17u);
  r = v.read(0, 25, buf.data());
  EXPECT_EQ(r.bytes, 25u);
  EXPECT_EQ(buf.substr(0, 25), std::string("\0\0HELLOW", 8) + std::string(17, 'z'));
  EXPECT_ARENA_OK(v);
}

TEST(VmarenaAccess, FreedBytesReadAsZeroWhenReallocated) {
  Vmarena v(arena_of(20000));
  ASSERT_EQ(v.alloc_at(0, 10), VmaStatus::kOk);
  ASSERT_EQ(v.alloc_at(10, 10), VmaStatus::kOk);
  ASSERT_EQ(v.alloc_at(5000, 6000), VmaStatus::kOk);  // pages 1 and 2, alone
  ASSERT_EQ(v.write(0, std::string(20, 'a')).bytes, 20u);
  ASSERT_EQ(v.write(5000, std::string(6000, 'b')).bytes, 6000u);
  EXPECT_EQ(v.committed_bytes(), 3u * 4096);
  ASSERT_EQ(v.free_at(10), VmaStatus::kOk);    // shares its page with [0, 10)
  ASSERT_EQ(v.free_at(5000), VmaStatus::kOk);  // its pages are now unused
  EXPECT_EQ(v.committed_bytes(), 4096u);
  ASSERT_EQ(v.alloc_at(10, 10), VmaStatus::kOk);
  ASSERT_EQ(v.alloc_at(5000, 6000), VmaStatus::kOk);
  std::string buf(6000, '?');
  ASSERT_EQ(v.read(10, 10, buf.data()).bytes, 10u);
  EXPECT_EQ(buf.substr(0, 10), std::string(10, '\0'));
  ASSERT_EQ(v.read(0, 10, buf.data()).bytes, 10u);
  EXPECT_EQ(buf.substr(0, 10), std::string(10, 'a'));
  ASSERT_EQ(v.read(5000, 6000, buf.data()).bytes, 6000u);
  EXPECT_EQ(buf, std::string(6000, '\0'));
  EXPECT_ARENA_OK(v);
}

TEST(VmarenaAccess, Permissions) {
  Vmarena v(arena_of(100));
  ASSERT_EQ(v.alloc_at(0, 5), VmaStatus::kOk);
  ASSERT_EQ(v.alloc_at(5, 5), VmaStatus::kOk);
  ASSERT_EQ(v.write(0, "0123456789").bytes, 10u);
  EXPECT_EQ(v.mprotect(5, Vmarena::kPermRead), VmaStatus::kOk);  // R--
  VmaAccess w = v.write(3, "abcd");                              // touches the read-only miniblock
  EXPECT_EQ(w.status, VmaStatus::kWritePermission);
  std::string buf(10, '?');
  ASSERT_EQ(v.read(0, 10, buf.data()).status, VmaStatus::kOk);
  EXPECT_EQ(buf, "0123456789");                                   // nothing was written
  EXPECT_EQ(v.write(0, "ab").status, VmaStatus::kOk);             // only the RW- miniblock
  EXPECT_EQ(v.mprotect(0, Vmarena::kPermWrite), VmaStatus::kOk);  // -W-: replaces, does not add
  EXPECT_EQ(v.read(4, 3, buf.data()).status, VmaStatus::kReadPermission);
  EXPECT_EQ(v.read(5, 3, buf.data()).status, VmaStatus::kOk);
  EXPECT_EQ(v.mprotect(3, 6), VmaStatus::kInvalidMprotect);
  EXPECT_EQ(v.mprotect(50, 6), VmaStatus::kInvalidMprotect);
  EXPECT_EQ(v.mprotect(0, 8), VmaStatus::kBadArgument);
  const std::string text = pmap_of(v);
  EXPECT_NE(text.find("Miniblock 1:\t\t0x0\t\t-\t\t0x5\t\t| -W-\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Miniblock 2:\t\t0x5\t\t-\t\t0xA\t\t| R--\n"), std::string::npos) << text;
  EXPECT_EQ(v.mprotect(0, 7), VmaStatus::kOk);
  EXPECT_EQ(v.mprotect(5, 0), VmaStatus::kOk);
  const std::string text2 = pmap_of(v);
  EXPECT_NE(text2.find("| RWX\n"), std::string::npos) << text2;
  EXPECT_NE(text2.find("| ---\n"), std::string::npos) << text2;
  EXPECT_EQ(v.write(0, "z").status, VmaStatus::kOk);
  EXPECT_EQ(v.write(5, "z").status, VmaStatus::kWritePermission);
  EXPECT_ARENA_OK(v);
}

// ---------------------------------------------------------------------------

TEST(VmarenaLarge, FiveThousandPagesTileTheArena) {
  constexpr std::uint64_t kPages = 5000;
  constexpr std::uint64_t kPage = 4096;
  Vmarena v(arena_of(20480000));
  std::vector<std::uint64_t> order(kPages);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(35);
  std::shuffle(order.begin(), order.end(), rng);
  for (std::uint64_t i : order) ASSERT_EQ(v.alloc_at(i * kPage, kPage), VmaStatus::kOk);
  EXPECT_EQ(v.block_count(), 1u);
  EXPECT_EQ(v.miniblock_count(), kPages);
  const std::string text = pmap_of(v);
  EXPECT_EQ(text.substr(0, text.find("\nBlock 1 begin")),
            "Total memory: 0x1388000 bytes\n"
            "Free memory: 0x0 bytes\n"
            "Number of allocated blocks: 1\n"
            "Number of allocated miniblocks: 5000\n");
  EXPECT_NE(text.find("Zone: 0x0 - 0x1388000\n"), std::string::npos);
  EXPECT_NE(text.find("Miniblock 5000:\t\t0x1387000\t\t-\t\t0x1388000\t\t| RW-\nBlock 1 end\n"), std::string::npos);
  EXPECT_ARENA_OK(v);
  std::shuffle(order.begin(), order.end(), rng);
  for (std::uint64_t i : order) ASSERT_EQ(v.free_at(i * kPage), VmaStatus::kOk);
  EXPECT_EQ(v.block_count(), 0u);
  EXPECT_EQ(v.miniblock_count(), 0u);
  EXPECT_ARENA_OK(v);
}

// A random command mix checked against a byte-by-byte model of the arena.
TEST(VmarenaModel, RandomCommandsMatchANaiveModel) {
  constexpr std::uint64_t kArena = 512;
  Vmarena v(arena_of(kArena));
  std::vector<int> owner(kArena, -1);  // miniblock start owning each byte
  std::vector<char> data(kArena, 0);
  std::vector<std::uint8_t> perm(kArena, 6);  // by miniblock start
  std::mt19937_64 rng(2023);
  auto block_end = [&](std::uint64_t a) {
    while (a < kArena && owner[a] != -1) ++a;
    return a;
  };
  auto model_pmap = [&] {
    std::vector<std::uint64_t> starts;
    for (std::uint64_t i = 0; i < kArena; ++i)
      if (owner[i] == static_cast<int>(i)) starts.push_back(i);
    std::uint64_t used = 0;
    for (int o : owner) used += o != -1;
    std::uint64_t blocks = 0;
    for (std::uint64_t i = 0; i < kArena; ++i) blocks += owner[i] != -1 && (i == 0 || owner[i - 1] == -1);
    std::ostringstream os;
    os << std::uppercase << std::hex << "Total memory: 0x" << kArena << " bytes\nFree memory: 0x" << kArena - used
       << " bytes\n"
       << std::dec << "Number of allocated blocks: " << blocks << "\nNumber of allocated miniblocks: " << starts.size()
       << "\n";
    std::uint64_t b = 0;
    std::size_t k = 0;
    while (k < starts.size()) {
      const std::uint64_t s = starts[k];
      const std::uint64_t e = block_end(s);
      os << "\nBlock " << ++b << " begin\nZone: 0x" << std::hex << s << " - 0x" << e << std::dec << "\n";
      int m = 0;
      while (k < starts.size() && starts[k] < e) {
        std::uint64_t me = starts[k] + 1;
        while (me < kArena && owner[me] == static_cast<int>(starts[k])) ++me;
        const std::uint8_t p = perm[starts[k]];
        os << "Miniblock " << ++m << ":\t\t0x" << std::hex << starts[k] << "\t\t-\t\t0x" << me << std::dec << "\t\t| "
           << ((p & 4) ? 'R' : '-') << ((p & 2) ? 'W' : '-') << ((p & 1) ? 'X' : '-') << "\n";
        ++k;
      }
      os << "Block " << b << " end\n";
    }
    return os.str();
  };
  std::string buf(kArena, '\0');
  for (int op = 0; op < 100000; ++op) {
    const unsigned what = static_cast<unsigned>(rng() % 10);
    const std::uint64_t a = rng() % (kArena + 8);
    if (what < 3) {
      const std::uint64_t n = rng() % 24;
      VmaStatus expected = VmaStatus::kOk;
      if (a >= kArena) {
        expected = VmaStatus::kOutsideArena;
      } else if (a + n > kArena) {
        expected = VmaStatus::kEndPastArena;
      } else if (n == 0) {
        expected = VmaStatus::kBadArgument;
      } else {
        for (std::uint64_t i = a; i < a + n; ++i)
          if (owner[i] != -1) expected = VmaStatus::kAlreadyAllocated;
      }
      ASSERT_EQ(v.alloc_at(a, n), expected) << "op " << op;
      if (expected == VmaStatus::kOk) {
        for (std::uint64_t i = a; i < a + n; ++i) {
          owner[i] = static_cast<int>(a);
          data[i] = 0;
        }
        perm[a] = 6;
      }
    } else if (what < 5) {
      // Mostly real starts, sometimes anything.
      std::uint64_t f = a;
      if (rng() % 4 != 0 && a < kArena && owner[a] != -1) f = static_cast<std::uint64_t>(owner[a]);
      const bool ok = f < kArena && owner[f] == static_cast<int>(f);
      ASSERT_EQ(v.free_at(f), ok ? VmaStatus::kOk : VmaStatus::kInvalidFree) << "op " << op;
      if (ok)
        for (std::uint64_t i = f; i < kArena && owner[i] == static_cast<int>(f); ++i) owner[i] = -1;
    } else if (what < 7) {
      const std::uint64_t n = rng() % 40;
      std::string text(n, '\0');
      for (char& c : text) c = static_cast<char>('a' + rng() % 26);
      VmaAccess got = v.write(a, text);
      if (a >= kArena || owner[a] == -1) {
        ASSERT_EQ(got.status, VmaStatus::kInvalidWrite) << "op " << op;
        continue;
      }
      const std::uint64_t bytes = std::min(n, block_end(a) - a);
      ASSERT_EQ(got.bytes, bytes) << "op " << op;
      bool allowed = (perm[owner[a]] & 2) != 0;
      for (std::uint64_t i = a; i < a + bytes; ++i) allowed = allowed && (perm[owner[i]] & 2) != 0;
      ASSERT_EQ(got.status, allowed ? VmaStatus::kOk : VmaStatus::kWritePermission) << "op " << op;
      if (allowed)
        std::copy(text.begin(), text.begin() + static_cast<long>(bytes), data.begin() + static_cast<long>(a));
    } else if (what < 9) {
      const std::uint64_t n = rng() % 40;
      VmaAccess got = v.read(a, n, buf.data());
      if (a >= kArena || owner[a] == -1) {
        ASSERT_EQ(got.status, VmaStatus::kInvalidRead) << "op " << op;
        continue;
      }
      const std::uint64_t bytes = std::min(n, block_end(a) - a);
      ASSERT_EQ(got.bytes, bytes) << "op " << op;
      bool allowed = (perm[owner[a]] & 4) != 0;
      for (std::uint64_t i = a; i < a + bytes; ++i) allowed = allowed && (perm[owner[i]] & 4) != 0;
      ASSERT_EQ(got.status, allowed ? VmaStatus::kOk : VmaStatus::kReadPermission) << "op " << op;
      if (allowed) {
        ASSERT_EQ(buf.substr(0, bytes),
                  std::string(data.begin() + static_cast<long>(a), data.begin() + static_cast<long>(a + bytes)))
            << "op " << op;
      }
    } else {
      std::uint64_t m = a;
      if (rng() % 4 != 0 && a < kArena && owner[a] != -1) m = static_cast<std::uint64_t>(owner[a]);
      const std::uint8_t p = static_cast<std::uint8_t>(rng() % 8);
      const bool ok = m < kArena && owner[m] == static_cast<int>(m);
      ASSERT_EQ(v.mprotect(m, p), ok ? VmaStatus::kOk : VmaStatus::kInvalidMprotect) << "op " << op;
      if (ok) perm[m] = p;
    }
    CheckResult r = v.check();
    ASSERT_TRUE(r.ok) << "op " << op << ": " << r.problem;
    if (op % 97 == 0) {
      ASSERT_EQ(pmap_of(v), model_pmap()) << "op " << op;
    }
  }
}

// ---------------------------------------------------------------------------
// The Allocator side.

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

TEST(VmarenaAllocator, LowestAddressFirstAndPatterns) {
  Vmarena v;
  EXPECT_EQ(v.name(), "vmarena");
  EXPECT_EQ(v.arena_bytes(), std::uint64_t{64} << 30);
  char* a = static_cast<char*>(v.allocate(10, 8));
  char* b = static_cast<char*>(v.allocate(20, 8));
  char* c = static_cast<char*>(v.allocate(30, 8));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(a, v.base());
  EXPECT_EQ(b, v.base() + 16);  // sizes round up to the 16-byte granule
  EXPECT_EQ(c, v.base() + 48);
  EXPECT_EQ(v.block_count(), 1u);
  EXPECT_EQ(v.usable_size(b), 32u);
  fill(a, 10, 1);
  fill(b, 20, 2);
  fill(c, 30, 3);
  v.deallocate(b, 20, 8);
  EXPECT_EQ(v.block_count(), 2u);
  char* d = static_cast<char*>(v.allocate(5, 8));
  EXPECT_EQ(d, v.base() + 16);  // lowest hole
  EXPECT_TRUE(holds(a, 10, 1));
  EXPECT_TRUE(holds(c, 30, 3));
  EXPECT_EQ(v.stats().footprint_bytes, 4096u);
  std::vector<std::pair<void*, std::size_t>> live;
  for (std::size_t i = 0; i < 2000; ++i) {
    const std::size_t n = 1 + (i * 53) % 5000;
    void* p = v.allocate(n, 16);
    ASSERT_NE(p, nullptr);
    fill(p, n, i);
    live.emplace_back(p, n);
  }
  for (std::size_t i = 0; i < live.size(); i += 2) v.deallocate(live[i].first, live[i].second, 16);
  for (std::size_t i = 1; i < live.size(); i += 2) ASSERT_TRUE(holds(live[i].first, live[i].second, i)) << i;
  EXPECT_ARENA_OK(v);
  // Miniblocks placed by allocate() appear in PMAP like ALLOC_BLOCK ones.
  std::ostringstream os;
  v.dump(os);
  EXPECT_EQ(os.str().rfind("Total memory: 0x1000000000 bytes\n", 0), 0u);
}

TEST(VmarenaAllocator, Alignment) {
  for (bool faithful : {false, true}) {
    Vmarena v(arena_of(1 << 24, faithful));
    ASSERT_NE(v.allocate(3, 1), nullptr);  // misaligns the arena for what follows
    for (std::size_t align = 1; align <= 4096; align *= 2) {
      for (std::size_t n : {1, 7, 100, 5000}) {
        void* p = v.allocate(n, align);
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % align, 0u) << align;
        EXPECT_GE(v.usable_size(p), n);
        fill(p, n, n + align);
      }
      EXPECT_ARENA_OK(v);
    }
    EXPECT_EQ(v.allocate(8, 8192), nullptr);
    EXPECT_EQ(v.allocate(8, 24), nullptr);
    // Faithful placement is byte-granular, as ALLOC_BLOCK addresses are.
    Vmarena w(arena_of(1000, faithful));
    char* p = static_cast<char*>(w.allocate(3, 1));
    char* q = static_cast<char*>(w.allocate(3, 1));
    EXPECT_EQ(q - p, faithful ? 3 : 16);
  }
}

TEST(VmarenaAllocator, ReallocKeepsContents) {
  Vmarena v(arena_of(1 << 20));
  char* p = static_cast<char*>(v.allocate(100, 16));
  fill(p, 100, 5);
  // Grows in place into the free bytes after it.
  char* q = static_cast<char*>(v.reallocate(p, 100, 3000, 16));
  EXPECT_EQ(q, p);
  EXPECT_TRUE(holds(q, 100, 5));
  fill(q, 3000, 6);
  char* blocker = static_cast<char*>(v.allocate(10, 16));
  ASSERT_EQ(blocker, p + 3008);
  EXPECT_EQ(v.block_count(), 1u);
  // Now it must move.
  char* r = static_cast<char*>(v.reallocate(q, 3000, 10000, 16));
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r, q);
  EXPECT_TRUE(holds(r, 3000, 6));
  EXPECT_ARENA_OK(v);
  // Shrinking stays and frees the tail.
  char* s = static_cast<char*>(v.reallocate(r, 10000, 50, 16));
  EXPECT_EQ(s, r);
  EXPECT_TRUE(holds(s, 50, 6));
  EXPECT_EQ(v.usable_size(s), 64u);
  EXPECT_ARENA_OK(v);
  // Failure leaves the block alone.
  EXPECT_EQ(v.reallocate(s, 50, std::size_t{1} << 21, 16), nullptr);
  EXPECT_TRUE(holds(s, 50, 6));
  EXPECT_EQ(v.usable_size(s), 64u);
  // Grow in place up to the next block merges the two.
  void* t = v.allocate(16, 16);
  void* u = v.allocate(16, 16);
  ASSERT_NE(u, nullptr);
  v.deallocate(u, 16, 16);
  void* w = v.allocate(16, 16);  // same place again: lowest fit
  EXPECT_EQ(w, u);
  const std::uint64_t blocks = v.block_count();
  v.deallocate(w, 16, 16);
  ASSERT_EQ(v.allocate(16, 16), u);
  (void)t;
  EXPECT_EQ(v.block_count(), blocks);
  EXPECT_ARENA_OK(v);
}

TEST(VmarenaAllocator, ExhaustionAndAbsurdRequests) {
  for (bool faithful : {false, true}) {
    Vmarena v(arena_of(8192, faithful));
    std::vector<void*> live;
    while (void* p = v.allocate(1000, 8)) live.push_back(p);
    EXPECT_EQ(live.size(), 8u);  // 1000 (faithful) or 1008 bytes each in 8192
    EXPECT_ARENA_OK(v);
    for (std::size_t n : {std::size_t{1} << 63, std::numeric_limits<std::size_t>::max(),
                          std::numeric_limits<std::size_t>::max() - 3, std::size_t{36507238400}}) {
      EXPECT_EQ(v.allocate(n, 16), nullptr);
      EXPECT_EQ(v.allocate(n, 4096), nullptr);
      EXPECT_EQ(v.reallocate(live[0], 1000, n, 16), nullptr);
    }
    for (void* p : live) v.deallocate(p, 1000, 8);
    EXPECT_EQ(v.allocate(0, 16) == nullptr, faithful);
    int local = 0;
    v.deallocate(&local, 4, 4);  // not ours: ignored
    v.deallocate(v.base() + 3, 1, 1);
    EXPECT_EQ(v.reallocate(&local, 4, 8, 4), nullptr);
    EXPECT_ARENA_OK(v);
  }
  VmarenaConfig c = arena_of(1 << 20);
  c.page_source.fail_after_bytes = 8192;
  Vmarena f(c);
  void* p = f.allocate(8000, 16);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(f.allocate(8000, 16), nullptr);  // commit refused
  EXPECT_ARENA_OK(f);
  EXPECT_EQ(f.miniblock_count(), 1u);
}

TEST(VmarenaAllocator, StatsOptionsReset) {
  OptionMap o = OptionMap::parse("vmarena", "faithful,arena_bytes=1M,fail_after_bytes=0");
  VmarenaConfig c = VmarenaConfig::from_options(o);
  o.finish();
  EXPECT_TRUE(c.faithful);
  EXPECT_EQ(c.arena_bytes, 1u << 20);
  EXPECT_EQ(c.granule_bytes(), 1u);
  OptionMap bad = OptionMap::parse("vmarena", "size_granule_bytes=24");
  EXPECT_THROW(VmarenaConfig::from_options(bad), OptionError);
  Vmarena v(c);
  void* p = v.allocate(10000, 16);
  ASSERT_NE(p, nullptr);
  AllocatorStats s = v.stats();
  EXPECT_EQ(s.footprint_bytes, 12288u);
  EXPECT_EQ(s.footprint_peak_bytes, 12288u);
  EXPECT_GT(s.metadata_bytes, 0u);
  EXPECT_GE(s.map_calls, 2u);
  v.deallocate(p, 10000, 16);
  s = v.stats();
  EXPECT_EQ(s.footprint_bytes, 0u);
  EXPECT_EQ(s.footprint_peak_bytes, 12288u);
  EXPECT_GE(s.unmap_calls, 1u);
  v.reset();
  EXPECT_EQ(v.stats().footprint_peak_bytes, 0u);
  EXPECT_EQ(v.arena_bytes(), 1u << 20);
  EXPECT_EQ(v.miniblock_count(), 0u);
  EXPECT_ARENA_OK(v);
}

// Long seeded random mix of allocate/reallocate/deallocate with at most 64
// live blocks: check() after every step for 100k operations, then every 100th.
TEST(VmarenaAllocator, MillionOpsRandomMix) {
  for (bool faithful : {false, true}) {
    Vmarena v(arena_of(1 << 20, faithful));
    struct Slot {
      void* p = nullptr;
      std::size_t n = 0;
      std::uint64_t tag = 0;
      std::size_t align = 16;
    };
    std::vector<Slot> slots(64);
    std::mt19937_64 rng(faithful ? 11 : 12);
    auto size_draw = [&]() -> std::size_t {
      const std::uint64_t r = rng();
      return r % 16 == 0 ? 1 + (r >> 8) % 20000 : 1 + (r >> 8) % 300;
    };
    auto plen = [](std::size_t n) { return n < 128 ? n : std::size_t{128}; };
    // A million operations in default mode; faithful placement differs only in
    // rounding, so a quarter of that covers it.
    const std::size_t ops = faithful ? 250000 : 1000000;
    for (std::size_t i = 0; i < ops; ++i) {
      Slot& s = slots[rng() % slots.size()];
      const unsigned what = static_cast<unsigned>(rng() % 3);
      if (s.p == nullptr) {
        s.n = size_draw();
        s.align = std::size_t{1} << (rng() % 13);
        s.p = v.allocate(s.n, s.align);
        if (s.p == nullptr) continue;
        ASSERT_EQ(reinterpret_cast<std::uintptr_t>(s.p) % s.align, 0u);
        s.tag = rng();
        fill(s.p, plen(s.n), s.tag);
      } else if (what == 0) {
        const std::size_t n = size_draw();
        void* q = v.reallocate(s.p, s.n, n, s.align);
        if (q == nullptr) {
          ASSERT_TRUE(holds(s.p, plen(s.n), s.tag)) << i;
          continue;
        }
        ASSERT_TRUE(holds(q, plen(std::min(n, s.n)), s.tag)) << i;
        s.p = q;
        s.n = n;
        fill(s.p, plen(n), s.tag);
      } else {
        ASSERT_TRUE(holds(s.p, plen(s.n), s.tag)) << i;
        v.deallocate(s.p, s.n, s.align);
        s.p = nullptr;
      }
      if (i < 100000 || i % 100 == 0) {
        CheckResult r = v.check();
        ASSERT_TRUE(r.ok) << "op " << i << ": " << r.problem;
      }
    }
    for (Slot& s : slots)
      if (s.p != nullptr) v.deallocate(s.p, s.n, s.align);
    EXPECT_ARENA_OK(v);
    EXPECT_EQ(v.miniblock_count(), 0u);
    EXPECT_EQ(v.committed_bytes(), 0u);
  }
}

// ---------------------------------------------------------------------------

TEST(VmarenaCheck, DetectsCorruptedMetadata) {
  Vmarena v(arena_of(1000));
  ASSERT_EQ(v.alloc_at(10, 10), VmaStatus::kOk);
  ASSERT_EQ(v.alloc_at(20, 10), VmaStatus::kOk);
  ASSERT_EQ(v.alloc_at(100, 10), VmaStatus::kOk);
  EXPECT_ARENA_OK(v);

  VmarenaTestAccess::set_size(v, 10, 15);  // the miniblock "header" now overlaps the next
  CheckResult r = v.check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("overlaps"), std::string::npos) << r.problem;
  VmarenaTestAccess::set_size(v, 10, 10);
  EXPECT_ARENA_OK(v);

  VmarenaTestAccess::set_size(v, 100, 5);  // shrunk without a gap for the rest
  EXPECT_FALSE(v.check().ok);
  VmarenaTestAccess::set_size(v, 100, 10);

  VmarenaTestAccess::drop_gap(v, 30);  // free range no longer indexed
  r = v.check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("gap"), std::string::npos) << r.problem;
  VmarenaTestAccess::add_gap(v, 30, 70);
  EXPECT_ARENA_OK(v);

  VmarenaTestAccess::set_perm(v, 20, 9);
  EXPECT_FALSE(v.check().ok);
  VmarenaTestAccess::set_perm(v, 20, 6);

  VmarenaTestAccess::bump_block_count(v);
  EXPECT_FALSE(v.check().ok);
}

// ---------------------------------------------------------------------------
// Access checks that move nothing, and sparse arenas.

TEST(VmarenaAccess, CheckReadAndWriteAgreeWithReadAndWriteAndMoveNothing) {
  Vmarena v(arena_of(100));
  ASSERT_EQ(v.alloc_at(0, 5), VmaStatus::kOk);
  ASSERT_EQ(v.alloc_at(5, 5), VmaStatus::kOk);
  ASSERT_EQ(v.mprotect(5, Vmarena::kPermRead), VmaStatus::kOk);
  std::string buf(100, '?');
  for (std::uint64_t at : {0u, 3u, 5u, 9u, 10u, 50u}) {
    for (std::uint64_t n : {0u, 1u, 4u, 7u, 1000u}) {
      const std::uint64_t committed = v.committed_bytes();
      const VmaAccess cr = v.check_read(at, n);
      const VmaAccess cw = v.check_write(at, n);
      EXPECT_EQ(v.committed_bytes(), committed);  // the checks commit nothing
      const VmaAccess r = v.read(at, n, buf.data());
      EXPECT_EQ(cr.status, r.status) << at << " " << n;
      EXPECT_EQ(cr.bytes, r.bytes) << at << " " << n;
      const VmaAccess w = v.write(at, std::string(static_cast<std::size_t>(n), 'w'));
      EXPECT_EQ(cw.status, w.status) << at << " " << n;
      EXPECT_EQ(cw.bytes, w.bytes) << at << " " << n;
    }
  }
  EXPECT_EQ(v.check_read(50, 1).status, VmaStatus::kInvalidRead);
  EXPECT_EQ(v.check_write(50, 1).status, VmaStatus::kInvalidWrite);
  EXPECT_EQ(v.check_write(3, 4).status, VmaStatus::kWritePermission);
  EXPECT_EQ(v.check_write(3, 4).bytes, 4u);
  EXPECT_EQ(v.check_read(7, 100).bytes, 3u);
  Vmarena none(arena_of(0));
  none.dealloc_arena();
  EXPECT_EQ(none.check_read(0, 1).status, VmaStatus::kNoArena);
  EXPECT_ARENA_OK(v);
}

TEST(VmarenaSparse, CommandsWorkAsInAReservedArenaWithPagesMappedOneByOne) {
  VmarenaConfig c = arena_of(1 << 20);
  c.sparse = true;
  Vmarena v(c);
  ASSERT_TRUE(v.has_arena());
  EXPECT_TRUE(v.sparse());
  EXPECT_EQ(v.base(), nullptr);
  EXPECT_EQ(v.allocate(16, 16), nullptr);  // no pointers to hand out
  ASSERT_EQ(v.alloc_at(4090, 20000), VmaStatus::kOk);
  EXPECT_EQ(v.committed_bytes(), 0u);
  // A write across page boundaries lands on three separately mapped pages.
  std::string data(8200, 'x');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  ASSERT_EQ(v.write(4090, data).bytes, data.size());
  EXPECT_EQ(v.committed_bytes(), 4u * 4096);  // pages 0..3 (4090 .. 12290)
  EXPECT_EQ(v.stats().footprint_bytes, 4u * 4096);
  std::string back(data.size(), '?');
  ASSERT_EQ(v.read(4090, data.size(), back.data()).bytes, data.size());
  EXPECT_EQ(back, data);
  ASSERT_EQ(v.read(4090 + 8200, 100, back.data()).bytes, 100u);  // never written: zeros
  EXPECT_EQ(back.substr(0, 100), std::string(100, '\0'));
  EXPECT_ARENA_OK(v);
  // Freeing gives the pages back; allocating again reads zeros.
  ASSERT_EQ(v.free_at(4090), VmaStatus::kOk);
  EXPECT_EQ(v.committed_bytes(), 0u);
  EXPECT_EQ(v.stats().footprint_bytes, 0u);
  ASSERT_EQ(v.alloc_at(4096, 10), VmaStatus::kOk);
  ASSERT_EQ(v.read(4096, 10, back.data()).bytes, 10u);
  EXPECT_EQ(back.substr(0, 10), std::string(10, '\0'));
  ASSERT_EQ(v.write(4096, "abc").bytes, 3u);
  EXPECT_ARENA_OK(v);
  v.dealloc_arena();
  EXPECT_EQ(v.stats().footprint_bytes, 0u);
  EXPECT_FALSE(v.sparse());
  EXPECT_ARENA_OK(v);
}

TEST(VmarenaSparse, AnArenaTooLargeToReserveIsSparse) {
  Vmarena v(arena_of(0));
  // 2^63 bytes is past any address space: sparse, and still nothing committed.
  ASSERT_EQ(v.create_arena(std::uint64_t{1} << 63), VmaStatus::kOk);
  EXPECT_TRUE(v.sparse());
  const std::uint64_t top = (std::uint64_t{1} << 63) - 10;
  ASSERT_EQ(v.alloc_at(top, 10), VmaStatus::kOk);
  ASSERT_EQ(v.write(top, "0123456789").bytes, 10u);
  EXPECT_EQ(v.committed_bytes(), 4096u);
  std::string back(10, '?');
  ASSERT_EQ(v.read(top, 10, back.data()).bytes, 10u);
  EXPECT_EQ(back, "0123456789");
  EXPECT_ARENA_OK(v);
  // The largest arena ends a page short of 2^64; past that nothing can hold it.
  EXPECT_EQ(v.create_arena(~std::uint64_t{0} - 4095), VmaStatus::kOk);
  EXPECT_EQ(v.create_arena(~std::uint64_t{0}), VmaStatus::kOutOfMemory);
  EXPECT_FALSE(v.has_arena());
  // A small arena is reserved as before.
  ASSERT_EQ(v.create_arena(100), VmaStatus::kOk);
  EXPECT_FALSE(v.sparse());
  EXPECT_NE(v.base(), nullptr);
  EXPECT_ARENA_OK(v);
}

}  // namespace
}  // namespace heapreplay
