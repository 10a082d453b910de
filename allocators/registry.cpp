// The allocator catalogue (see registry.h).
#include "allocators/registry.h"

#include <unistd.h>

#include "allocators/core/options.h"
#include "allocators/designs.h"
#include "allocators/system/system_allocator.h"

namespace heapreplay {

const std::vector<AllocatorEntry>& allocator_catalog() {
  static const std::vector<AllocatorEntry> catalog = [] {
    std::vector<AllocatorEntry> c;
    c.push_back({"null", AllocatorKind::kHarness, "hands out one fixed address: measures the harness itself", ""});
    for (const SystemAllocator& row : system_allocators())
      c.push_back({std::string(row.name), AllocatorKind::kSystem, std::string(row.summary), std::string(row.library)});
    for_each_design([&]<class D>(std::type_identity<D>) {
      c.push_back({std::string(D::kName), AllocatorKind::kOurs, std::string(D::kSummary), ""});
    });
    c.push_back({"preload", AllocatorKind::kPreload, "any malloc-replacing library: preload:/path/to/lib.so", ""});
    return c;
  }();
  return catalog;
}

bool allocator_available(const AllocatorEntry& entry, std::string* why) {
#ifdef HEAPREPLAY_SANITIZED
  if (entry.kind == AllocatorKind::kSystem || entry.kind == AllocatorKind::kPreload) {
    if (why) *why = "system allocators are left out of sanitizer builds";
    return false;
  }
#endif
  if (!entry.library.empty() && ::access(entry.library.c_str(), R_OK) != 0) {
    if (why) *why = "library " + entry.library + " not found";
    return false;
  }
  return true;
}

AllocatorSpec parse_allocator_spec(std::string_view text) {
  AllocatorSpec spec;
  spec.text = std::string(text);
  auto colon = text.find(':');
  spec.name = std::string(text.substr(0, colon));
  if (colon != std::string_view::npos) spec.options = std::string(text.substr(colon + 1));
  for (const AllocatorEntry& e : allocator_catalog()) {
    if (e.name != spec.name) continue;
    std::string why;
    if (!allocator_available(e, &why)) throw OptionError("allocator '" + spec.name + "' is not available: " + why);
    if (e.kind == AllocatorKind::kPreload) {
      if (spec.options.empty()) throw OptionError("preload needs a library: preload:/path/to/lib.so");
      // LD_PRELOAD splits its value at spaces and colons: such a path would
      // preload other files than the one named.
      if (spec.options.find_first_of(" :") != std::string::npos)
        throw OptionError("preload: the library path '" + spec.options +
                          "' holds a space or a colon, which LD_PRELOAD cannot carry");
      if (::access(spec.options.c_str(), R_OK) != 0)
        throw OptionError("preload: cannot read library '" + spec.options + "'");
    } else if (e.kind != AllocatorKind::kOurs && !spec.options.empty()) {
      throw OptionError("allocator '" + spec.name + "' takes no options (got '" + spec.options + "')");
    }
    return spec;
  }
  std::string known;
  for (const AllocatorEntry& e : allocator_catalog()) known += (known.empty() ? "" : ", ") + e.name;
  throw OptionError("unknown allocator '" + spec.name + "' (known: " + known + ")");
}

std::string preload_library(const AllocatorSpec& spec) {
  if (spec.name == "preload") return spec.options;
  for (const AllocatorEntry& e : allocator_catalog())
    if (e.name == spec.name) return e.library;
  return "";
}

std::vector<std::string> all_available_allocators() {
  std::vector<std::string> out;
  for (const AllocatorEntry& e : allocator_catalog())
    if (e.kind != AllocatorKind::kPreload && allocator_available(e)) out.push_back(e.name);
  return out;
}

}  // namespace heapreplay
