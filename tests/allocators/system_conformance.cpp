// The conformance suite over one system allocator, named by HR_ALLOCATOR
// (glibc, jemalloc, mimalloc, tcmalloc). ctest runs this binary once per
// allocator with that allocator's library in LD_PRELOAD, so each is tested in
// a process of its own, as heapreplay runs it.
#include <cstdlib>

#include "allocators/system/malloc_allocator.h"
#include "conformance_suite.h"

namespace heapreplay::conformance {

template <>
struct ConformanceTraits<MallocAllocator> {
  static std::unique_ptr<MallocAllocator> make() {
    const char* name = std::getenv("HR_ALLOCATOR");
    std::string n = name ? name : "glibc";
    auto a = std::make_unique<MallocAllocator>(MallocAllocator::system(n));
    EXPECT_TRUE(a->is_active()) << n << " is not the active malloc: was it preloaded?";
    return a;
  }
  // mimalloc 2.0.9 (Debian 12) returns blocks of 256..1024 bytes misaligned
  // when asked for 256..1024-byte alignment (upstream microsoft/mimalloc
  // issue 700, fixed in later releases; measured here: exactly the sizes
  // align <= size <= 1024). Counted, so a newer mimalloc shows zero.
  static bool known_misalignment(std::size_t size, std::size_t align) {
    const char* name = std::getenv("HR_ALLOCATOR");
    return name && std::string(name) == "mimalloc" && align >= 256 && align <= 1024 && size >= align && size <= 1024;
  }
};

using System = ::testing::Types<MallocAllocator>;
INSTANTIATE_TYPED_TEST_SUITE_P(System, Conformance, System);

}  // namespace heapreplay::conformance
