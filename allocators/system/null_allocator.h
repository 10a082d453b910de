// NullAllocator: hands out one fixed non-null address and frees nothing, so a
// replay through it measures the harness itself (event decoding, the object
// table, the loop). Its blocks must never be touched: the harness forces
// `--touch none` for it and refuses `--validate`.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "allocators/core/allocator.h"

namespace heapreplay {

class NullAllocator {
 public:
  static constexpr bool kThreadSafe = true;
  // Blocks from this allocator are not memory: touching them is an error.
  static constexpr Capabilities kCapabilities{.touchable = false};

  void* allocate(std::size_t, std::size_t) noexcept { return address(); }
  void deallocate(void*, std::size_t, std::size_t) noexcept {}
  void* reallocate(void*, std::size_t, std::size_t, std::size_t) noexcept { return address(); }
  std::size_t usable_size(void*) const { return 0; }
  AllocatorStats stats() const { return {}; }
  CheckResult check() const { return CheckResult::good(); }
  void dump(std::ostream& os) const { os << "null: holds no memory\n"; }
  void reset() {}
  std::string name() const { return "null"; }

 private:
  // An address that is non-null and aligned for any request up to 2^20.
  static void* address() { return reinterpret_cast<void*>(std::uintptr_t{1} << 20); }
};

static_assert(Allocator<NullAllocator>);

}  // namespace heapreplay
