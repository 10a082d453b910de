// g++ -c: a generated C++ file of many distinct template instantiations
// (std::map, std::vector, std::unique_ptr and std::string over a type of
// each unit's own), compiled at -O1. The compiler proper (cc1plus, a child of
// the g++ driver) is what allocates; each unit's constant is checked by a
// static_assert, and the object file must define every unit's function.
#include <string>

#include "harness/programs/inputs.h"

namespace heapreplay::programs {
namespace {

constexpr std::uint64_t kUnits = 6;  // at scale 1
constexpr std::uint64_t kLeastUnits = 1;

const char* kPrologue = R"(#include <map>
#include <memory>
#include <string>
#include <vector>

template <int N> struct Tri { static constexpr long value = N + Tri<N - 1>::value; };
template <> struct Tri<0> { static constexpr long value = 0; };

template <int I> struct Item {
  long key;
  std::string text;
  bool operator<(const Item& o) const { return text != o.text ? text < o.text : key < o.key; }
};

template <int I> struct Unit {
  std::map<std::string, std::vector<Item<I>>> table;
  std::vector<std::unique_ptr<Item<I>>> owned;
  long run(int n) {
    for (int k = 0; k < n; ++k) {
      Item<I> item{k * I, std::to_string(k % (I + 3))};
      table[item.text].push_back(item);
      owned.push_back(std::make_unique<Item<I>>(item));
    }
    long s = 0;
    for (auto& [text, items] : table) s += static_cast<long>(items.size()) * static_cast<long>(text.size());
    return s + static_cast<long>(owned.size()) + Tri<I % 100>::value;
  }
};
)";

}  // namespace

PreparedProgram prepare_gxx(const std::string& work, double scale) {
  make_work_folder(work);
  const std::uint64_t units = scaled(scale, kUnits, kLeastUnits);
  std::string src = kPrologue;
  ExpectedFile object{"unit.o",
                      "\x7f"
                      "ELF",
                      {}};
  for (std::uint64_t i = 0; i < units; ++i) {
    const std::string n = std::to_string(i);
    const std::uint64_t t = i % 100;
    src += "static_assert(Tri<" + std::to_string(t) + ">::value == " + std::to_string(t * (t + 1) / 2) + ");\n";
    src += "extern \"C\" long hr_probe_" + n + "(int n) { Unit<" + n + "> u; return u.run(n); }\n";
    object.contains.push_back("hr_probe_" + n + '\0');  // as the symbol table ends it
  }
  write_work_file(work, "unit.cpp", src);
  PreparedProgram p = run_in(work, "/usr/bin/g++", {"-std=c++17", "-O1", "-c", "unit.cpp", "-o", "unit.o"});
  p.expected_files.push_back(std::move(object));
  return p;
}

}  // namespace heapreplay::programs
