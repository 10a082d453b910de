// KeySlotMap, the builder's live-object table: the same answers as
// std::unordered_map over long random runs of inserts, lookups and removals,
// for small keys (the direct array), addresses (the hash table) and the
// boundary between them.
#include "traces/key_slot_map.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

namespace heapreplay {
namespace {

template <class Draw>
void check_against_reference(Draw draw, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  KeySlotMap map;
  std::unordered_map<std::uint64_t, std::uint32_t> ref;
  std::uint32_t next_slot = 0;
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t key = draw(rng);
    auto it = ref.find(key);
    ASSERT_EQ(map.find(key), it == ref.end() ? KeySlotMap::kAbsent : it->second) << "key " << key;
    if (it == ref.end()) {
      if (rng() % 3 != 0) {  // mostly insert, so the table grows and shrinks
        map.insert(key, next_slot);
        ref.emplace(key, next_slot++);
      }
    } else {
      ASSERT_EQ(map.take(key), it->second);
      ASSERT_EQ(map.find(key), KeySlotMap::kAbsent);
      ref.erase(it);
    }
  }
  for (const auto& [key, slot] : ref) ASSERT_EQ(map.find(key), slot);
  map.clear();
  for (const auto& [key, slot] : ref) ASSERT_EQ(map.find(key), KeySlotMap::kAbsent);
}

TEST(KeySlotMap, SmallIds) {
  check_against_reference([](std::mt19937_64& r) { return r() % 5000; }, 1);
}

TEST(KeySlotMap, AlignedAddresses) {
  // 16-byte aligned, in a narrow range: many keys share their low bits.
  check_against_reference([](std::mt19937_64& r) { return 0x558acf160000ull + 16 * (r() % 20000); }, 2);
}

TEST(KeySlotMap, KeysThatCollideInTheTable) {
  // Multiples of a large power of two stress the probing and the
  // backward-shift deletion (long runs that wrap around the table).
  check_against_reference([](std::mt19937_64& r) { return (r() % 3000 + 1) << 40; }, 3);
}

TEST(KeySlotMap, AroundTheDirectArrayLimit) {
  check_against_reference(
      [](std::mt19937_64& r) {
        std::uint64_t k = KeySlotMap::kDirectKeys - 500 + r() % 1000;
        return r() % 8 == 0 ? ~std::uint64_t{0} - r() % 4 : k;
      },
      4);
}

TEST(KeySlotMap, EmptyMapAnswersAbsent) {
  KeySlotMap map;
  EXPECT_EQ(map.find(0), KeySlotMap::kAbsent);
  EXPECT_EQ(map.find(~std::uint64_t{0}), KeySlotMap::kAbsent);
  EXPECT_EQ(map.take(12345678901ull), KeySlotMap::kAbsent);
  map.insert(0, 7);
  map.insert(~std::uint64_t{0}, 8);
  EXPECT_EQ(map.find(0), 7u);
  EXPECT_EQ(map.take(~std::uint64_t{0}), 8u);
  EXPECT_EQ(map.find(~std::uint64_t{0}), KeySlotMap::kAbsent);
}

}  // namespace
}  // namespace heapreplay
