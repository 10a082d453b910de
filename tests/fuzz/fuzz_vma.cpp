// libFuzzer target: the VMA command interpreter (`heapreplay shell --vma`),
// the input being the command stream. The first byte picks dense or sparse
// arenas and how the input is cut into reads (the interpreter must not care);
// after the run, the engine's heap must pass check().
#include "fuzz_support.h"
#include "harness/shell/input.h"
#include "harness/shell/vma_interpreter.h"

using namespace heapreplay;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool sparse = (data[0] & 1) != 0;
  const std::size_t piece = (data[0] >> 1) == 0 ? ~std::size_t{0} : data[0] >> 1;
  shell::StringInput source(std::string(reinterpret_cast<const char*>(data + 1), size - 1), piece);
  shell::ByteReader in(source, {}, 4096);
  fuzz::NullStream out;
  shell::VmaInterpreter vma(in, out, sparse);
  // Runs until DEALLOC_ARENA or the end of the input; more commands after a
  // DEALLOC_ARENA start again, as a script piped in would not, but the engine
  // must take them.
  for (int round = 0; round < 4; ++round) {
    bool dealloc = vma.run();
    CheckResult c = vma.engine().check();
    if (!c.ok) fuzz::fail("vmarena heap broken after the commands: " + c.problem);
    if (!dealloc) break;
  }
  return 0;
}
