// The allocators heapreplay knows by name, how a spec on the command line is
// parsed, and what each needs from its child process (a preloaded library).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace heapreplay {

enum class AllocatorKind {
  kHarness,  // null: measures the harness itself
  kOurs,     // one of our designs, linked in
  kSystem,   // a malloc-replacing library: glibc's own, or preloaded into the child
  kPreload,  // preload:/path/to/lib.so given by the user
};

struct AllocatorEntry {
  std::string name;
  AllocatorKind kind;
  std::string description;
  std::string library;  // the shared library to preload ("" for none)
};

// Every allocator this build knows, in the order `-a all` runs them.
const std::vector<AllocatorEntry>& allocator_catalog();

// `-a` text split into name and options: "segfit:page_bytes=8192" or
// "preload:/path/lib.so" (the path is the options part).
struct AllocatorSpec {
  std::string text;  // as given
  std::string name;
  std::string options;  // after the first ':'
};

// Throws OptionError naming the spec if the name is unknown, or if the
// allocator is not available in this build (system allocators are left out
// of sanitizer builds) or on this machine (its library is missing).
AllocatorSpec parse_allocator_spec(std::string_view text);

// The library a child must preload for `spec` ("" for none).
std::string preload_library(const AllocatorSpec& spec);

// Whether `entry` can run here, and if not, why.
bool allocator_available(const AllocatorEntry& entry, std::string* why = nullptr);

// The names `-a all` expands to: every available allocator.
std::vector<std::string> all_available_allocators();

}  // namespace heapreplay
