// heapreplay list: the allocators this build knows and whether each can run.
#include <iostream>

#include "allocators/registry.h"
#include "harness/cli/cli.h"

namespace heapreplay::cli {

int cmd_list(const std::vector<std::string>& args) {
  po::options_description d("Options");
  d.add_options()("json", "print a JSON array");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse("list", args, d, pos, vm, "[--json]")) return kExitOk;
  auto kind_name = [](AllocatorKind k) {
    switch (k) {
      case AllocatorKind::kHarness: return "harness";
      case AllocatorKind::kOurs: return "ours";
      case AllocatorKind::kSystem: return "system";
      case AllocatorKind::kPreload: return "preload";
    }
    return "?";
  };
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
