// The allocator catalogue (see registry.h).
#include "allocators/registry.h"

#include <unistd.h>

#include <iterator>
#include <map>

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

std::span<const OptionInfo> allocator_options(std::string_view name) {
  if (const SystemAllocator* row = find_system_allocator(name)) return row->config->options;
  // Each design's keys and the page source's, joined once.
  static const std::map<std::string_view, std::vector<OptionInfo>> designs = [] {
    std::map<std::string_view, std::vector<OptionInfo>> m;
    for_each_design([&]<class D>(std::type_identity<D>) {
      std::vector<OptionInfo>& t = m[D::kName];
      t.assign(std::begin(D::Config::kOptions), std::end(D::Config::kOptions));
      t.insert(t.end(), std::begin(PageSourceConfig::kOptions), std::end(PageSourceConfig::kOptions));
    });
    return m;
  }();
  auto it = designs.find(name);
  return it != designs.end() ? std::span<const OptionInfo>(it->second) : std::span<const OptionInfo>{};
}

std::vector<EnvSetting> allocator_environment(const AllocatorSpec& spec) {
  const SystemAllocator* row = find_system_allocator(spec.name);
  return row != nullptr ? row->config->environment(spec.settings) : std::vector<EnvSetting>{};
}

std::span<const std::string_view> allocator_variables(std::string_view name) {
  const SystemAllocator* row = find_system_allocator(name);
  return row != nullptr ? row->config->variables : std::span<const std::string_view>{};
}

std::vector<OptionSetting> parse_allocator_options(std::string_view name, std::string_view options,
                                                   std::string_view spec_text, std::size_t position_base) {
  const std::span<const OptionInfo> table = allocator_options(name);
  const SystemAllocator* row = find_system_allocator(name);
  // The allocator's hint for the first key its table does not have.
  std::string hint;
  if (row != nullptr && row->config->hint != nullptr) {
    std::string_view rest = options;
    while (!rest.empty() && hint.empty()) {
      const std::string_view item = rest.substr(0, rest.find(','));
      rest = item.size() < rest.size() ? rest.substr(item.size() + 1) : std::string_view{};
      const std::string_view key = item.substr(0, item.find('='));
      bool known = key.empty();
      for (const OptionInfo& o : table) known = known || o.key == key;
      if (!known) hint = row->config->hint(key);
    }
  }
  if (position_base == std::string_view::npos) {
    const std::size_t colon = spec_text.find(':');
    if (colon != std::string_view::npos) position_base = colon + 1;
  }
  return parse_option_settings(table, options, "allocator '" + std::string(spec_text) + "'", hint, position_base);
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
    if (e.kind == AllocatorKind::kOurs || e.kind == AllocatorKind::kSystem) {
      spec.settings = parse_allocator_options(spec.name, spec.options, spec.text);
      return spec;
    }
    if (e.kind == AllocatorKind::kPreload) {
      if (spec.options.empty()) throw OptionError("preload needs a library: preload:/path/to/lib.so");
      // LD_PRELOAD splits its value at spaces and colons: such a path would
      // preload other files than the one named.
      if (spec.options.find_first_of(" :") != std::string::npos)
        throw OptionError("preload: the library path '" + spec.options +
                          "' holds a space or a colon, which LD_PRELOAD cannot carry");
      if (::access(spec.options.c_str(), R_OK) != 0)
        throw OptionError("preload: cannot read library '" + spec.options + "'");
    } else if (!spec.options.empty()) {
      throw OptionError("allocator '" + spec.name + "' takes no options (got '" + spec.options + "')");
    }
    return spec;
  }
  std::string known;
  for (const AllocatorEntry& e : allocator_catalog()) known += (known.empty() ? "" : ", ") + e.name;
  throw OptionError("unknown allocator '" + spec.name + "' (known: " + known + ")");
}

ConfigurationReadBack read_back_configuration(const AllocatorSpec& spec) {
  ConfigurationReadBack out;
  const SystemAllocator* row = find_system_allocator(spec.name);
  if (row == nullptr) return out;
  for (const OptionInfo& o : row->config->options) {
    const OptionValue* asked = nullptr;
    for (const OptionSetting& s : spec.settings)
      if (s.info == &o) asked = &s.value;
    std::optional<OptionValue> v = row->config->read_back(o, asked);
    if (v) out.effective.emplace_back(&o, *v);
    if (asked == nullptr) continue;
    if (!v) {
      out.unverified.emplace_back(o.key);
    } else if (!(*v == *asked) && out.not_taken.empty()) {
      out.not_taken = std::string(o.key) + "=" + asked->text + " not taken: " + spec.name + " reports " + v->text +
                      " (" + std::string(o.read_back) + ")";
    }
  }
  return out;
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
