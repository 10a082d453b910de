// The suite's table and the checks every entry shares (see programs.h).
#include "harness/programs/programs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <iterator>

#include "harness/programs/inputs.h"

namespace heapreplay {
namespace {

using namespace programs;

// The suite. Adding a program: a prepare function in a file of its own
// (declared in inputs.h), a row here, its package in tools/setup.sh, its
// section in docs/programs.md.
const std::array<SuiteProgram, 9> kSuite = {{
    {"python3", "python3", "/usr/bin/python3",
     "CPython with pymalloc: dicts of lists, json encode and decode, sorting, string joins", nullptr, prepare_python},
    {"python3-malloc", "python3", "/usr/bin/python3",
     "the same script with PYTHONMALLOC=malloc: every object is a malloc call", nullptr, prepare_python_malloc},
    {"perl", "perl", "/usr/bin/perl", "hashes of arrays, sort, regex matches, deletes, string joins", nullptr,
     prepare_perl},
    {"lua", "lua5.4", "/usr/bin/lua5.4", "tables, string matching and concatenation, the garbage collector", nullptr,
     prepare_lua},
    {"sqlite3", "sqlite3", "/usr/bin/sqlite3",
     "an in-memory database: 200k inserts, two indexes, a join, group by, update, delete", nullptr, prepare_sqlite},
    {"z3", "z3", "/usr/bin/z3", "an SMT solver on SAT, linear integer and pigeonhole problems under push/pop", nullptr,
     prepare_z3},
    {"ghostscript", "ghostscript", "/usr/bin/gs",
     "a PostScript interpreter rendering filled paths and text to a raster, dictionaries of names", nullptr,
     prepare_ghostscript},
    {"gxx", "g++", "/usr/bin/g++", "the C++ compiler on many template instantiations at -O1 (the trace is cc1plus's)",
     "cc1plus", prepare_gxx},
    {"git", "git", "/usr/bin/git", "git fast-import of a generated history: blobs, trees, commits, a pack", nullptr,
     prepare_git},
}};

bool is_executable_file(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0 && S_ISREG(st.st_mode) && ::access(path, X_OK) == 0;
}

// "line 3 is 'x', expected 'y'" for the first line where the two differ.
std::string first_difference(std::string_view got, std::string_view want) {
  std::size_t line = 1, pos = 0;
  for (;;) {
    const std::size_t g_end = got.find('\n', pos), w_end = want.find('\n', pos);
    const std::string_view g = got.substr(pos, g_end == std::string_view::npos ? std::string_view::npos : g_end - pos);
    const std::string_view w = want.substr(pos, w_end == std::string_view::npos ? std::string_view::npos : w_end - pos);
    if (g != w || (g_end == std::string_view::npos) != (w_end == std::string_view::npos)) {
      auto shown = [](std::string_view s) {
        std::string t(s.substr(0, 80));
        return s.size() > 80 ? t + "..." : t;
      };
      if (pos >= got.size()) return "stdout ends before line " + std::to_string(line) + " ('" + shown(w) + "')";
      if (pos >= want.size()) return "stdout has more than the " + std::to_string(line - 1) + " line(s) expected";
      return "stdout line " + std::to_string(line) + " is '" + shown(g) + "', expected '" + shown(w) + "'";
    }
    if (g_end == std::string_view::npos) return "";
    pos = g_end + 1;
    ++line;
  }
}

std::string printable(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '\0') out += c;
  return out;
}

}  // namespace

std::span<const SuiteProgram> suite_programs() { return kSuite; }

const SuiteProgram* find_suite_program(std::string_view name) {
  for (const SuiteProgram& p : kSuite)
    if (name == p.name) return &p;
  return nullptr;
}

bool valid_program_scale(double scale) { return scale > 0 && scale <= kMaxProgramScale; }

std::string missing_program(const SuiteProgram& program) {
  if (is_executable_file(program.executable)) return "";
  return std::string(program.name) + ": " + program.executable + " is missing (Debian package " + program.packages +
         ")";
}

std::string check_program_output(const PreparedProgram& run, std::string_view stdout_text) {
  if (stdout_text != run.expected_stdout) return first_difference(stdout_text, run.expected_stdout);
  for (const ExpectedFile& f : run.expected_files) {
    const std::string path = run.cwd + "/" + f.path;
    std::ifstream in(path, std::ios::binary);
    if (!in) return path + ": not written";
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.compare(0, f.prefix.size(), f.prefix) != 0) return path + ": does not begin as it should";
    for (const std::string& s : f.contains)
      if (data.find(s) == std::string::npos) return path + ": holds no '" + printable(s) + "'";
  }
  return "";
}

}  // namespace heapreplay
