// libFuzzer target: the general shell (`heapreplay shell -a DESIGN`), the
// input being a script. The first byte picks the design and setting. So that
// a run stays fast and small, a script is skipped when its numbers add up to
// more than kMaxScriptBytes (a person may type `calloc 1G 1G`; that the shell
// refuses or answers NULL is tested in tests/e2e, not here), and `save`
// writes only into a private scratch folder.
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "allocators/core/options.h"
#include "allocators/designs.h"
#include "allocators/registry.h"
#include "fuzz_support.h"
#include "harness/shell/input.h"
#include "harness/shell/shell.h"

using namespace heapreplay;

namespace {

constexpr std::uint64_t kMaxScriptBytes = std::uint64_t{64} << 20;

// Each design in its default and faithful setting, then null.
const std::vector<std::string> kSpecs = [] {
  std::vector<std::string> specs;
  for (std::string_view name : kDesignNames) {
    specs.emplace_back(name);
    specs.push_back(std::string(name) + ":faithful");
  }
  specs.emplace_back("null");
  return specs;
}();

// The script with every `save` sent to the scratch folder, or "" when its
// numbers are too large.
std::string prepare(std::string_view script, bool& ok) {
  std::string out;
  std::uint64_t total = 0;
  ok = true;
  std::size_t pos = 0;
  while (pos < script.size()) {
    std::size_t end = script.find('\n', pos);
    if (end == std::string_view::npos) end = script.size();
    std::string_view line = script.substr(pos, end - pos);
    pos = end + 1;
    std::size_t i = 0;
    std::uint64_t product = 1;
    bool first = true, is_save = false;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      std::size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
      std::string_view word = line.substr(i, j - i);
      if (first && !word.empty()) {
        std::string w(word);
        for (char& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        is_save = w == "save";
        first = false;
      } else if (auto v = parse_size(word)) {
        if (*v > kMaxScriptBytes) ok = false;
        product = *v == 0 ? 0 : (product > kMaxScriptBytes / *v ? kMaxScriptBytes + 1 : product * *v);
        total += *v;
      }
      i = j;
    }
    if (product > kMaxScriptBytes || total > kMaxScriptBytes) ok = false;
    if (is_save) {
      out += "save fuzz.hrt\n";
    } else {
      out.append(line);
      out += '\n';
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // `save` writes relative to the working folder: a scratch one of our own.
  char tmpl[] = "/tmp/heapreplay-fuzz-shell-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr || ::chdir(tmpl) != 0) fuzz::fail("cannot make a scratch folder");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  bool ok = true;
  std::string script = prepare(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), ok);
  if (!ok) return -1;  // not worth keeping in the corpus
  script += "\ncheck\n";
  const AllocatorSpec spec = parse_allocator_spec(kSpecs[data[0] % kSpecs.size()]);
  shell::StringInput source(std::move(script));
  shell::ByteReader in(source, {}, 4096);
  fuzz::NullStream out;
  std::ostringstream err;
  shell::SessionIo io;
  io.in = &in;
  io.out = &out;
  io.err = &err;
  io.source_name = "fuzz";
  // 0: every command worked; 1: some reported an error (a user error, one
  // line each). A `check` (the script's own, or the one added at its end)
  // that finds the heap broken, a block smaller than asked, misaligned or
  // overlapping another is an error line too: those are bugs.
  (void)shell::run_allocator_shell(spec, io);
  const std::string errors = err.str();
  for (std::size_t at = errors.find(": check: "); at != std::string::npos; at = errors.find(": check: ", at + 1)) {
    std::size_t eol = errors.find('\n', at);
    std::string line = errors.substr(at, eol - at);
    if (line.find("usage:") == std::string::npos) fuzz::fail("shell check failed" + line);
  }
  return 0;
}
