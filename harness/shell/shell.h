// The general mode of `heapreplay shell`: drive any allocator by hand.
//
// One command per line, case-insensitive; `help` lists them:
//   alloc SIZE [ALIGN]   calloc N SIZE   realloc H SIZE   free H
//   write H OFFSET TEXT  read H OFFSET N  move SRC DST
//   list  dump  check  stats  save FILE.hrt  help  quit
// Blocks are named by handles h1, h2, ... (typed as `h1` or `1`); a handle
// keeps its name across realloc. Every access is checked against the size
// the handle was requested with, so nothing typed can touch memory outside a
// live block; a user error is one line on `err` and the session goes on.
// `save` writes the successful allocation calls so far as an .hrt trace that
// `heapreplay replay` runs again.
#pragma once

#include <ostream>
#include <string>

#include "allocators/registry.h"
#include "harness/shell/input.h"

namespace heapreplay::shell {

struct SessionIo {
  ByteReader* in = nullptr;
  std::ostream* out = nullptr;  // command output
  std::ostream* err = nullptr;  // one line per user error
  // Names the input in error lines ("script.txt:3: ..."); at a terminal the
  // place is left out.
  std::string source_name = "<stdin>";
  bool interactive = false;
};

// Runs the session on the allocator `spec` names, in this process (for a
// system allocator the caller has already preloaded its library). Returns 0
// when every command succeeded and 1 when some command reported an error;
// throws OptionError for a bad design option before reading any command.
// Blocks still live at the end are freed.
int run_allocator_shell(const AllocatorSpec& spec, const SessionIo& io);

// The help text the `help` command prints.
const char* allocator_shell_help();

}  // namespace heapreplay::shell
