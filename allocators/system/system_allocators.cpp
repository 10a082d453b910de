// The system allocator table (see system_allocator.h): one row each. The
// libraries' paths and package versions are found by the build
// (cmake/Dependencies.cmake) and arrive as HEAPREPLAY_SYSTEM_LIB_<NAME> and
// HEAPREPLAY_SYSTEM_VERSION_<NAME>.
#include "allocators/system/system_allocator.h"

#include "build_config.h"

namespace heapreplay {

// Each defined in the allocator's own file of this folder.
extern const SystemIntrospection kGlibcIntrospection;
extern const SystemIntrospection kJemallocIntrospection;
extern const SystemIntrospection kMimallocIntrospection;
extern const SystemIntrospection kTcmallocIntrospection;
extern const SystemConfiguration kGlibcConfiguration;
extern const SystemConfiguration kJemallocConfiguration;
extern const SystemConfiguration kMimallocConfiguration;
extern const SystemConfiguration kTcmallocConfiguration;

namespace {

constexpr SystemAllocator kRows[] = {
    {"glibc", "GNU C library malloc (ptmalloc2)", "", &kGlibcIntrospection, &kGlibcConfiguration},
    {"jemalloc", "jemalloc " HEAPREPLAY_SYSTEM_VERSION_jemalloc, HEAPREPLAY_SYSTEM_LIB_jemalloc,
     &kJemallocIntrospection, &kJemallocConfiguration},
    {"mimalloc", "mimalloc " HEAPREPLAY_SYSTEM_VERSION_mimalloc, HEAPREPLAY_SYSTEM_LIB_mimalloc,
     &kMimallocIntrospection, &kMimallocConfiguration},
    {"tcmalloc", "gperftools tcmalloc (minimal) " HEAPREPLAY_SYSTEM_VERSION_tcmalloc, HEAPREPLAY_SYSTEM_LIB_tcmalloc,
     &kTcmallocIntrospection, &kTcmallocConfiguration},
};

}  // namespace

std::span<const SystemAllocator> system_allocators() { return kRows; }

const SystemAllocator* find_system_allocator(std::string_view name) {
  for (const SystemAllocator& row : kRows)
    if (row.name == name) return &row;
  return nullptr;
}

}  // namespace heapreplay
