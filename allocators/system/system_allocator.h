// The system allocators heapreplay knows by name, in one table
// (system_allocators.cpp). Each runs in a child process of its own with its
// library preloaded (glibc needs none); heapreplay links none of them, so
// what it asks of each (statistics, version, trimming) is found with dlsym
// at run time, through the allocator's row.
//
// Each also takes options, `-a NAME:key=value,...`, through its own
// mechanism (an environment variable or several: MALLOC_CONF, MIMALLOC_*,
// GLIBC_TUNABLES, TCMALLOC_*), described by its SystemConfiguration: the
// table of options, how they become the child's environment, and how the
// child reads each back from the library (docs/configurations.md).
//
// Adding one: a file NAME.cpp here defining its SystemIntrospection and
// SystemConfiguration, one row in system_allocators.cpp, and its library
// found in the build (cmake/Dependencies.cmake; docs/extending.md walks
// through it).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "allocators/core/allocator.h"
#include "allocators/core/option_info.h"

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

// One variable of a child's environment that carries settings. `join` is
// the separator with which the settings go after a value of the same
// variable inherited under --inherit-env (',' for MALLOC_CONF, ':' for
// GLIBC_TUNABLES); 0: they replace it.
struct EnvSetting {
  std::string name, value;
  char join = 0;
};

// How one system allocator is configured, and how its configuration is
// read back.
struct SystemConfiguration {
  // How the settings reach the library, for `list --options` ("MALLOC_CONF").
  std::string_view mechanism;
  std::span<const OptionInfo> options;
  // Every environment variable the library reads its configuration from: a
  // name, or a prefix ending in '*' ("MIMALLOC_*").
  std::span<const std::string_view> variables;
  // The variables that give the library `settings` (checked against `options`).
  std::vector<EnvSetting> (*environment)(std::span<const OptionSetting> settings);
  // In a process running this library: the value in effect of `option`, as
  // the library reports it, or nullopt when it cannot say. `asked` is the
  // value the spec set (nullptr when it set none): an option known only by
  // its effect is checked against it.
  std::optional<OptionValue> (*read_back)(const OptionInfo& option, const OptionValue* asked);
  // For an unknown key, a hint ("" for none): the name it has in this version.
  std::string (*hint)(std::string_view key);
};

struct SystemAllocator {
  std::string_view name;     // -a NAME
  std::string_view summary;  // what `heapreplay list` says of it
  std::string_view library;  // the shared library to preload ("" for none)
  const SystemIntrospection* api;
  const SystemConfiguration* config;
};

// Every system allocator this build knows, in the order `-a all` runs them.
std::span<const SystemAllocator> system_allocators();

// The row named `name`, or nullptr.
const SystemAllocator* find_system_allocator(std::string_view name);

}  // namespace heapreplay
