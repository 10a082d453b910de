// heapreplay list: the allocators this build knows and whether each can run;
// list --options NAME: the options one of them takes.
#include <iostream>

#include "allocators/registry.h"
#include "harness/cli/cli.h"

namespace heapreplay::cli {

namespace {

const char* kind_name(AllocatorKind k) {
  switch (k) {
    case AllocatorKind::kHarness: return "harness";
    case AllocatorKind::kOurs: return "ours";
    case AllocatorKind::kSystem: return "system";
    case AllocatorKind::kPreload: return "preload";
  }
  return "?";
}

std::string padded(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// `list --options NAME`: one line per option (key, type, default, meaning,
// how a replay reads it back), or a JSON array.
int list_options(const std::string& name, bool json) {
  const AllocatorEntry* entry = nullptr;
  for (const AllocatorEntry& e : allocator_catalog())
    if (e.name == name) entry = &e;
  if (entry == nullptr) {
    std::string known;
    for (const AllocatorEntry& e : allocator_catalog()) known += (known.empty() ? "" : ", ") + e.name;
    throw UsageError("--options: unknown allocator '" + name + "' (known: " + known + ")");
  }
  const std::span<const OptionInfo> options = allocator_options(name);
  const SystemAllocator* row = find_system_allocator(name);
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const OptionInfo& o : options)
      out.push_back({{"key", o.key},
                     {"type", option_type_text(o)},
                     {"default", o.default_value},
                     {"meaning", o.meaning},
                     {"read_back", row != nullptr ? nlohmann::json(o.read_back) : nlohmann::json("in the spec")}});
    std::cout << out.dump(2) << '\n';
    return kExitOk;
  }
  if (options.empty()) {
    std::cout << name
              << (entry->kind == AllocatorKind::kPreload ? " takes a library, preload:/path/lib.so, and no options\n"
                                                         : " takes no options\n");
    return kExitOk;
  }
  std::cout << name << " options: -a " << name << ":KEY=VALUE,...";
  if (row != nullptr)
    std::cout << " (set through " << row->config->mechanism << "; a replay reads each back where it can)";
  std::cout << "; a value list {a,b,...} sweeps\n";
  std::size_t key_width = 0, type_width = 0, default_width = 0;
  for (const OptionInfo& o : options) {
    key_width = std::max(key_width, o.key.size());
    type_width = std::max(type_width, option_type_text(o).size());
    default_width = std::max(default_width, o.default_value.size());
  }
  for (const OptionInfo& o : options) {
    std::cout << "  " << padded(std::string(o.key), key_width) << "  " << padded(option_type_text(o), type_width)
              << "  default " << padded(std::string(o.default_value), default_width) << "  " << o.meaning;
    if (row != nullptr)
      std::cout << (o.read_back.empty() ? " [not read back]" : " [read back: " + std::string(o.read_back) + "]");
    std::cout << '\n';
  }
  return kExitOk;
}

}  // namespace

int cmd_list(const std::vector<std::string>& args) {
  std::string options_of;
  po::options_description d("Options");
  d.add_options()("json", "print a JSON array")(
      "options", po::value(&options_of),
      "the options allocator NAME takes (-a NAME:key=value): type, default, meaning and how a replay reads it back");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("list", args, d, pos, vm, "[--json] [--options NAME]")) return kExitOk;
  if (vm.count("options")) return list_options(options_of, vm.count("json") > 0);
  nlohmann::json out = nlohmann::json::array();
  for (const AllocatorEntry& e : allocator_catalog()) {
    std::string why;
    bool ok = allocator_available(e, &why);
    out.push_back({{"name", e.name},
                   {"kind", kind_name(e.kind)},
                   {"description", e.description},
                   {"available", ok},
                   {"why_not", why},
                   {"library", e.library}});
    if (!vm.count("json"))
      std::cout << (e.name + std::string(10 - std::min<std::size_t>(10, e.name.size()), ' ')) << kind_name(e.kind)
                << std::string(9 - std::string(kind_name(e.kind)).size(), ' ') << e.description
                << (ok ? "" : "  [not available: " + why + "]") << '\n';
  }
  if (vm.count("json")) std::cout << out.dump(2) << '\n';
  return kExitOk;
}

}  // namespace heapreplay::cli
