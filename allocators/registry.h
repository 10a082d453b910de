// The allocators heapreplay knows by name, how a spec on the command line is
// parsed, and what each needs from its child process (a preloaded library).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "allocators/core/option_info.h"
#include "allocators/system/system_allocator.h"

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
  // The options checked against the allocator's table (allocator_options),
  // in the order given; empty for null and preload.
  std::vector<OptionSetting> settings;
};

// Throws OptionError naming the spec if the name is unknown, if the
// allocator is not available in this build (system allocators are left out
// of sanitizer builds) or on this machine (its library is missing), or if
// an option is not one of its table's or has a bad value (the message lists
// the valid keys). A design's own checks of its options' combination are
// its Config::from_options's (with_allocator).
AllocatorSpec parse_allocator_spec(std::string_view text);

// The options allocator `name` takes: a system allocator's table, or a
// design's with the page source's keys after it; empty for null, preload
// and unknown names.
std::span<const OptionInfo> allocator_options(std::string_view name);

// `options` (the part after ':') checked against allocator `name`'s table,
// as parse_allocator_spec checks them; messages name `spec_text` and the
// position in it (`options` starting at `position_base`, by default just
// after its first ':'). Does not ask whether the allocator is available.
std::vector<OptionSetting> parse_allocator_options(std::string_view name, std::string_view options,
                                                   std::string_view spec_text,
                                                   std::size_t position_base = std::string_view::npos);

// What sets the spec's options in a child's environment (a system
// allocator's mechanism); empty for every other allocator, whose options go
// in the spec itself.
std::vector<EnvSetting> allocator_environment(const AllocatorSpec& spec);

// The environment variables allocator `name` reads its configuration from
// (a name, or a prefix ending in '*'); empty for ours, null and preload.
std::span<const std::string_view> allocator_variables(std::string_view name);

// What a process running a system allocator learns of its configuration
// (read_back_configuration).
struct ConfigurationReadBack {
  // Every option the allocator reports, in its table's order.
  std::vector<std::pair<const OptionInfo*, OptionValue>> effective;
  // The keys the spec set that the allocator cannot report.
  std::vector<std::string> unverified;
  // "" when every setting it reports is the value asked; else the first that
  // is not: "narenas=1 not taken: jemalloc reports 2 (opt.narenas)".
  std::string not_taken;
};

// Asks the system allocator of `spec`, which must be this process's malloc,
// for every option of its table, and compares the spec's settings with what
// it reports. Empty for every other allocator.
ConfigurationReadBack read_back_configuration(const AllocatorSpec& spec);

// The library a child must preload for `spec` ("" for none).
std::string preload_library(const AllocatorSpec& spec);

// Whether `entry` can run here, and if not, why.
bool allocator_available(const AllocatorEntry& entry, std::string* why = nullptr);

// The names `-a all` expands to: every available allocator.
std::vector<std::string> all_available_allocators();

}  // namespace heapreplay
