// Prints kDesignNames, one a line: dropin/CMakeLists.txt compiles and runs
// this at configure time, so that the list of drop-in libraries is the design
// list itself (allocators/designs.h) and nothing else.
#include <cstdio>

#include "allocators/designs.h"

int main() {
  for (auto name : heapreplay::kDesignNames) std::printf("%.*s\n", static_cast<int>(name.size()), name.data());
  return 0;
}
