// The optional allocator capabilities (allocators/core/capabilities.h): what
// each of our allocators is expected to declare, that a declaration and the
// members must agree both ways, and the helpers that read them.
#include "allocators/core/capabilities.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "allocators/blocks/blocks.h"
#include "allocators/core/allocator.h"
#include "allocators/pages/pages.h"
#include "allocators/segfit/segfit.h"
#include "allocators/sizeclass/sizeclass.h"
#include "allocators/system/malloc_allocator.h"
#include "allocators/system/null_allocator.h"
#include "allocators/vmarena/vmarena.h"
#include "allocators/wrappers/locked.h"

namespace heapreplay {
namespace {

// The expectation table. A change to what an allocator offers changes what
// the replay measures (calloc's path, the usable-bytes source, trim before
// the retained figures...), so it must change this table too. A misspelt
// member whose flag was also left out shows up here as a missing flag.
static_assert(Sizeclass::kCapabilities == Capabilities{});
static_assert(Segfit::kCapabilities == Capabilities{});
static_assert(Pages::kCapabilities == Capabilities{});
static_assert(Blocks::kCapabilities == Capabilities{.write = true, .read = true, .move = true});
static_assert(Vmarena::kCapabilities == Capabilities{.allocated_bytes = true});
static_assert(MallocAllocator::kCapabilities == Capabilities{.is_malloc = true,
                                                             .allocate_zeroed = true,
                                                             .allocate_aligned = true,
                                                             .allocated_bytes = true,
                                                             .footprint_bytes = true,
                                                             .trim = true,
                                                             .version = true,
                                                             .is_active = true});
static_assert(NullAllocator::kCapabilities == Capabilities{.touchable = false});
// Locked keeps a count of its own, and its blocks are its parent's.
static_assert(Locked<Sizeclass>::kCapabilities == Capabilities{.allocated_bytes = true});
static_assert(Locked<Vmarena>::kCapabilities == Capabilities{.allocated_bytes = true});
static_assert(Locked<NullAllocator>::kCapabilities == Capabilities{.touchable = false, .allocated_bytes = true});
static_assert(Allocator<Locked<Sizeclass>> && Allocator<Locked<Vmarena>> && Allocator<Locked<NullAllocator>>);

// The members behind the flags, one by one, on each allocator that has them.
static_assert(AllocatesZeroed<MallocAllocator> && !AllocatesZeroed<Sizeclass>);
static_assert(AllocatesAligned<MallocAllocator> && !AllocatesAligned<Segfit>);
static_assert(CountsAllocatedBytes<MallocAllocator> && CountsAllocatedBytes<Vmarena> &&
              CountsAllocatedBytes<Locked<Pages>> && !CountsAllocatedBytes<Pages>);
static_assert(ReportsFootprint<MallocAllocator> && !ReportsFootprint<Vmarena>);
static_assert(Trims<MallocAllocator> && ReportsVersion<MallocAllocator> && KnowsIfActive<MallocAllocator>);
static_assert(WritesChecked<Blocks> && ReadsChecked<Blocks> && MovesChecked<Blocks>);
// Vmarena's read()/write() take arena offsets: not the checked block access.
static_assert(!WritesChecked<Vmarena> && !ReadsChecked<Vmarena>);
static_assert(Touchable<Sizeclass> && !Touchable<NullAllocator>);

// A minimal allocator with the required members only; the fakes below add
// one optional member or one declaration each.
struct Required {
  static constexpr bool kThreadSafe = false;
  void* allocate(std::size_t, std::size_t) noexcept { return nullptr; }
  void deallocate(void*, std::size_t, std::size_t) noexcept {}
  void* reallocate(void*, std::size_t, std::size_t, std::size_t) noexcept { return nullptr; }
  std::size_t usable_size(void*) const { return 0; }
  AllocatorStats stats() const { return {}; }
  CheckResult check() const { return CheckResult::good(); }
  void dump(std::ostream&) const {}
  void reset() {}
  std::string name() const { return "fake"; }
};

struct Plain : Required {
  static constexpr Capabilities kCapabilities{};
};
static_assert(Allocator<Plain>);

// No declaration at all.
static_assert(!Allocator<Required>);

// A member, correctly spelt, whose flag is forgotten: refused.
struct UndeclaredTrim : Plain {
  void trim() {}
};
struct UndeclaredCounter : Plain {
  std::uint64_t allocated_bytes() const { return 0; }
};
struct UndeclaredZeroed : Plain {
  void* allocate_zeroed(std::size_t) noexcept { return nullptr; }
};
struct UndeclaredWrite : Plain {
  int write(void*, std::size_t, const void*, std::size_t) { return 0; }
};
static_assert(!Allocator<UndeclaredTrim> && !Allocator<UndeclaredCounter> && !Allocator<UndeclaredZeroed> &&
              !Allocator<UndeclaredWrite>);

// A declared capability whose member is misspelt: refused.
struct MisspeltCounter : Required {
  static constexpr Capabilities kCapabilities{.allocated_bytes = true};
  std::uint64_t allocated_byte() const { return 0; }
};
struct MisspeltFootprint : Required {
  static constexpr Capabilities kCapabilities{.footprint_bytes = true};
  std::uint64_t footprint() const { return 0; }
};
struct MisspeltActive : Required {
  static constexpr Capabilities kCapabilities{.is_active = true};
  bool active() const { return true; }
};
static_assert(!Allocator<MisspeltCounter> && !Allocator<MisspeltFootprint> && !Allocator<MisspeltActive>);

// A declared capability whose member has the wrong signature: refused.
struct ThrowingZeroed : Required {
  static constexpr Capabilities kCapabilities{.allocate_zeroed = true};
  void* allocate_zeroed(std::size_t) { return nullptr; }  // not noexcept
};
struct AlignedWithoutCall : Required {
  static constexpr Capabilities kCapabilities{.allocate_aligned = true};
  void* allocate_aligned(std::size_t, std::size_t) noexcept { return nullptr; }
};
struct MoveWithoutStatus : Required {
  static constexpr Capabilities kCapabilities{.move = true};
  void move(void*, void*) {}
};
static_assert(!Allocator<ThrowingZeroed> && !Allocator<AlignedWithoutCall> && !Allocator<MoveWithoutStatus>);

// The old way of saying "not memory" is refused rather than ignored.
struct StaleTouchable : Plain {
  static constexpr bool kTouchable = false;
};
static_assert(!Allocator<StaleTouchable>);

// Declared and present: accepted, with either result type of the counter.
struct FullCounter : Required {
  static constexpr Capabilities kCapabilities{.allocated_bytes = true, .trim = true};
  std::optional<std::uint64_t> allocated_bytes() const { return std::nullopt; }
  void trim() {}
};
static_assert(Allocator<FullCounter>);

TEST(Capabilities, AllocatedBytesOfIsEmptyWithoutACounter) {
  Sizeclass s;
  void* p = s.allocate(100, kNaturalAlignment);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(allocated_bytes_of(s).has_value());
  s.deallocate(p, 100, kNaturalAlignment);
  EXPECT_FALSE(allocated_bytes_of(FullCounter{}).has_value());
}

TEST(Capabilities, AllocatedBytesOfReadsTheAllocatorsCounter) {
  Vmarena v;
  void* p = v.allocate(5000, kNaturalAlignment);
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(allocated_bytes_of(v).has_value());
  EXPECT_EQ(*allocated_bytes_of(v), v.allocated_bytes());
  EXPECT_GE(*allocated_bytes_of(v), 5000u);
  v.deallocate(p, 5000, kNaturalAlignment);
  EXPECT_EQ(allocated_bytes_of(v), std::optional<std::uint64_t>(0));
}

TEST(Capabilities, LockedCountsUsableBytesForAParentWithoutACounter) {
  Segfit s;
  Locked<Segfit> locked(s);
  void* p = locked.allocate(100, kNaturalAlignment);
  void* q = locked.allocate(3000, kNaturalAlignment);
  ASSERT_NE(p, nullptr);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(allocated_bytes_of(locked), std::optional<std::uint64_t>(s.usable_size(p) + s.usable_size(q)));
  locked.deallocate(p, 100, kNaturalAlignment);
  EXPECT_EQ(allocated_bytes_of(locked), std::optional<std::uint64_t>(s.usable_size(q)));
  locked.deallocate(q, 3000, kNaturalAlignment);
  EXPECT_EQ(allocated_bytes_of(locked), std::optional<std::uint64_t>(0));
}

TEST(Capabilities, FootprintOfFallsBackToStats) {
  Pages pg;
  void* p = pg.allocate(64, kNaturalAlignment);
  ASSERT_NE(p, nullptr);
  EXPECT_GT(footprint_of(pg), 0u);
  EXPECT_EQ(footprint_of(pg), pg.stats().footprint_bytes);
  pg.deallocate(p, 64, kNaturalAlignment);
}

TEST(Capabilities, TouchableFollowsTheDeclaration) {
  EXPECT_TRUE(touchable<Blocks>());
  EXPECT_FALSE(touchable<NullAllocator>());
  EXPECT_FALSE(touchable<Locked<NullAllocator>>());
}

}  // namespace
}  // namespace heapreplay
