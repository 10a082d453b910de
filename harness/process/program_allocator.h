// What a real program needs to run on an allocator named on the command line
// (`heapreplay run` and `exec`): the library to preload and the variables to
// set. The one place that maps an allocator's name to that.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "allocators/system/system_allocator.h"

namespace heapreplay {

struct ProgramAllocator {
  std::string spec;              // as given: "jemalloc", "segfit:page_bytes=8192", "segfit+lock", "preload:/x.so"
  std::string name;              // the catalogue's name: "jemalloc", "segfit", "preload"
  std::string library;           // what LD_PRELOAD gets ("" for glibc: the C library's own malloc)
  std::vector<std::string> env;  // "NAME=VALUE" to set (our designs: HEAPREPLAY_MALLOC_OPTIONS)
  // A system allocator's options, through its own mechanism (MALLOC_CONF,
  // ...): set with set_allocator_environment (allocator_env.h).
  std::vector<EnvSetting> allocator_env;
  // Set when the library should be there and is not (a design whose drop-in
  // library was not built): every run of it fails with this line.
  std::string missing;
};

// The variable our designs' drop-in libraries read their options from.
inline constexpr const char* kDropinOptionsEnv = "HEAPREPLAY_MALLOC_OPTIONS";

// Resolves `spec` for a program run:
// - a system allocator: its library, as a replay's child preloads it (glibc:
//   none), and its options as the variables it reads (checked against its
//   table); `preload:/path/lib.so`: that path (checked as replay checks it);
// - one of our designs, with its options (checked now with the design's own
//   parser) and optionally "+lock" after the name (the drop-in is always
//   behind its lock): `<folder of heapreplay>/../lib/libhr_malloc_NAME.so`
//   with HEAPREPLAY_MALLOC_OPTIONS set to the options text;
// - `null` is refused: it hands out no memory, so no program can run on it.
// Throws OptionError with a one-line message for an unknown name, a bad
// option, a system allocator whose library is not on this machine, or null.
// `self_exe` is the heapreplay binary (self_executable()).
ProgramAllocator resolve_program_allocator(std::string_view spec, const std::string& self_exe);

// `file` in the library folder beside heapreplay (`self_exe`): the drop-in
// libraries and fidelity's start-up probe.
std::string library_folder_file(const std::string& file, const std::string& self_exe);

// The drop-in library of our design `name`, next to `self_exe`.
std::string dropin_library_path(const std::string& name, const std::string& self_exe);

// The allocator names `-a all` means for a program: every system allocator
// whose library is here, and every design whose drop-in library is built.
std::vector<std::string> program_allocators_available(const std::string& self_exe);

}  // namespace heapreplay
