// Allocator names to preloaded libraries for real programs (see program_allocator.h).
#include "harness/process/program_allocator.h"

#include <unistd.h>

#include <filesystem>

#include "allocators/core/options.h"
#include "allocators/designs.h"
#include "allocators/registry.h"
#include "allocators/system/system_allocator.h"

namespace heapreplay {

namespace {

// The design's options, parsed by its own Config as a replay would: a bad
// one is an OptionError now, not a failed run for each repetition.
void check_design_options(const std::string& name, const std::string& options, const std::string& spec) {
  parse_allocator_options(name, options, spec);
  for_each_design([&]<class D>(std::type_identity<D>) {
    if (name != D::kName) return;
    OptionMap opts = OptionMap::parse(name, options);
    (void)D::Config::from_options(opts);
    opts.finish();
  });
}

bool readable(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }

}  // namespace

std::string library_folder_file(const std::string& file, const std::string& self_exe) {
  std::filesystem::path lib = std::filesystem::path(self_exe).parent_path().parent_path() / "lib" / file;
  return lib.lexically_normal().string();
}

std::string dropin_library_path(const std::string& name, const std::string& self_exe) {
  return library_folder_file("libhr_malloc_" + name + ".so", self_exe);
}

ProgramAllocator resolve_program_allocator(std::string_view text, const std::string& self_exe) {
  ProgramAllocator out;
  out.spec = std::string(text);
  const auto colon = text.find(':');
  std::string name(text.substr(0, colon));
  std::string options = colon == std::string_view::npos ? "" : std::string(text.substr(colon + 1));
  const bool locked = name.size() > 5 && name.ends_with("+lock");
  if (locked) name.resize(name.size() - 5);
  out.name = name;
  for (const AllocatorEntry& e : allocator_catalog()) {
    if (e.name != name) continue;
    if (locked && e.kind != AllocatorKind::kOurs)
      throw OptionError("allocator '" + out.spec + "': only our designs have a +lock variant");
    switch (e.kind) {
      case AllocatorKind::kHarness:
        throw OptionError("allocator '" + name +
                          "' hands out no memory (it measures heapreplay's replay loop): a program cannot run on it");
      case AllocatorKind::kSystem:
        if (!e.library.empty() && !readable(e.library))
          throw OptionError("allocator '" + name + "' is not available: library " + e.library + " not found");
        out.library = e.library;
        out.allocator_env =
            find_system_allocator(name)->config->environment(parse_allocator_options(name, options, out.spec));
        return out;
      case AllocatorKind::kPreload:
        if (options.empty()) throw OptionError("preload needs a library: preload:/path/to/lib.so");
        if (options.find_first_of(" :") != std::string::npos)
          throw OptionError("preload: the library path '" + options +
                            "' holds a space or a colon, which LD_PRELOAD cannot carry");
        if (!readable(options)) throw OptionError("preload: cannot read library '" + options + "'");
        out.library = options;
        return out;
      case AllocatorKind::kOurs:
        check_design_options(name, options, out.spec);
        out.library = dropin_library_path(name, self_exe);
        if (out.library.find_first_of(" :") != std::string::npos)
          throw OptionError("the drop-in library's path cannot go into LD_PRELOAD (it holds a space or ':'): " +
                            out.library);
        out.env.push_back(std::string(kDropinOptionsEnv) + "=" + options);
        if (!readable(out.library)) out.missing = "the drop-in library of " + name + " is missing: " + out.library;
        return out;
    }
  }
  std::string known;
  for (const AllocatorEntry& e : allocator_catalog())
    if (e.kind != AllocatorKind::kHarness) known += (known.empty() ? "" : ", ") + e.name;
  throw OptionError("unknown allocator '" + name + "' (known: " + known + ")");
}

std::vector<std::string> program_allocators_available(const std::string& self_exe) {
  std::vector<std::string> out;
  for (const AllocatorEntry& e : allocator_catalog()) {
    if (e.kind == AllocatorKind::kSystem && (e.library.empty() || readable(e.library))) out.push_back(e.name);
    if (e.kind == AllocatorKind::kOurs && readable(dropin_library_path(e.name, self_exe))) out.push_back(e.name);
  }
  return out;
}

}  // namespace heapreplay
