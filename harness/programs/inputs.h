// What the suite's input generators share (programs.h): a seeded random
// stream, writing a file of the work folder, sizes from a scale, and the
// table of (key, value) records the scripting languages read.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "harness/programs/programs.h"

namespace heapreplay::programs {

// splitmix64: the same stream for a seed on every machine.
class Stream {
 public:
  explicit Stream(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  std::uint64_t below(std::uint64_t n) { return next() % n; }  // n > 0; the tiny bias does not matter here

 private:
  std::uint64_t state_;
};

// Makes `work` (and its parents) if missing; throws std::runtime_error naming it.
void make_work_folder(const std::string& work);

// Writes `text` to work/name, replacing it; throws std::runtime_error
// "PATH: cannot write: why".
void write_work_file(const std::string& work, const std::string& name, std::string_view text);

// `full` scaled, at least `least`.
std::uint64_t scaled(double scale, std::uint64_t full, std::uint64_t least);

// Lower-case base 36 of v ("0" for 0).
std::string base36(std::uint64_t v);

// A run with argv[0] = `executable`, its cwd the work folder.
PreparedProgram run_in(const std::string& work, const char* executable, std::vector<std::string> args);

// `lines` records "KEY VALUE\n": KEY is "k" and base 36 of a number below
// lines / 4 + 1, VALUE a number below 1000.
struct Records {
  std::string text;
  std::map<std::string, std::vector<std::uint64_t>> values;  // by key, in file order
};
Records make_records(std::uint64_t lines, std::uint64_t seed);

// The python, perl and lua scripts' checksum: sum over the sorted keys of
// (1-based rank) * (sum of the key's values), modulo 1000000007.
std::uint64_t rank_checksum(const Records& r);

// Each program's input generator (programs.h: SuiteProgram::prepare), in
// the file of its name.
PreparedProgram prepare_python(const std::string& work, double scale);
PreparedProgram prepare_python_malloc(const std::string& work, double scale);
PreparedProgram prepare_perl(const std::string& work, double scale);
PreparedProgram prepare_lua(const std::string& work, double scale);
PreparedProgram prepare_sqlite(const std::string& work, double scale);
PreparedProgram prepare_z3(const std::string& work, double scale);
PreparedProgram prepare_ghostscript(const std::string& work, double scale);
PreparedProgram prepare_gxx(const std::string& work, double scale);
PreparedProgram prepare_git(const std::string& work, double scale);

}  // namespace heapreplay::programs
