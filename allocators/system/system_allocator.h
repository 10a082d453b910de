// The system allocators heapreplay knows by name, in one table
// (system_allocators.cpp). Each runs in a child process of its own with its
// library preloaded (glibc needs none); heapreplay links none of them, so
// what it asks of each (statistics, version, trimming) is found with dlsym
// at run time, through the allocator's row.
//
// Adding one: a file NAME.cpp here defining its SystemIntrospection, one
// row in system_allocators.cpp, and its library found in the build
// (cmake/Dependencies.cmake; docs/extending.md walks through it).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "allocators/core/allocator.h"

namespace heapreplay {

// What heapreplay can ask one system allocator, each looked up at run time.
// A function answers "unknown" (0, nullopt, "") when the library does not
// offer it.
struct SystemIntrospection {
  // Bytes held from the OS now; cheap enough to call while replaying.
  std::uint64_t (*footprint_bytes)();
  // The allocator's own count of bytes in live blocks, where it keeps one.
  std::optional<std::uint64_t> (*allocated_bytes)();
  // Everything else the allocator reports, into s.extra under "NAME." (and
  // metadata or peak figures where it has them); footprint is already set.
  void (*fill_stats)(AllocatorStats& s);
  // Gives free memory back to the OS.
  void (*trim)();
  // The library's own version string, "" when it offers none.
  std::string (*version)();
  // Whether this library is really the malloc of this process (a preload
  // the loader could not load leaves glibc in its place).
  bool (*is_active)();
};

struct SystemAllocator {
  std::string_view name;     // -a NAME
  std::string_view summary;  // what `heapreplay list` says of it
  std::string_view library;  // the shared library to preload ("" for none)
  const SystemIntrospection* api;
};

// Every system allocator this build knows, in the order `-a all` runs them.
std::span<const SystemAllocator> system_allocators();

// The row named `name`, or nullptr.
const SystemAllocator* find_system_allocator(std::string_view name);

}  // namespace heapreplay
