// dlsym lookups of an allocator library's own API, for the introspection
// files of this folder.
#pragma once

#include <dlfcn.h>

namespace heapreplay::system_api {

// The symbol's address in the process's global scope (nullptr when no loaded
// library defines it), as a function pointer of type Fn.
template <class Fn>
Fn lookup(const char* symbol) {
  return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, symbol));
}

}  // namespace heapreplay::system_api
