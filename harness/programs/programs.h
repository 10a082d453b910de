// The suite of real programs: allocation-heavy programs from Debian packages,
// each with a deterministic input that heapreplay writes itself (fixed seeds,
// nothing downloaded) and the output a correct run must give. One table
// (suite_programs()) lists them; a runner prepares a program's inputs into a
// work folder, starts `argv` in `cwd` with `env` added and `stdin_path` on
// stdin, and passes what it printed to check_program_output(). `heapreplay
// corpus record` records each of them; docs/programs.md describes them.
//
// This room starts nothing: it writes files and knows what a run must give.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace heapreplay {

// A file a correct run leaves in the work folder.
struct ExpectedFile {
  std::string path;                   // relative to the work folder
  std::string prefix;                 // the file begins with these bytes
  std::vector<std::string> contains;  // ... and holds each of these somewhere
};

// One program ready to run: its inputs written, its command and its answer.
struct PreparedProgram {
  std::vector<std::string> argv;  // argv[0] is the executable's absolute path
  std::vector<std::string> env;   // "NAME=VALUE" added to (or replacing in) the inherited environment
  std::string cwd;                // where it runs: the work folder
  std::string stdin_path;         // a file for its stdin; empty: /dev/null
  std::string expected_stdout;    // all a correct run prints on stdout, exactly
  std::vector<ExpectedFile> expected_files;
};

struct SuiteProgram {
  const char* name;        // [a-z0-9-]+, unique: the trace is NAME.hrt
  const char* packages;    // the Debian package(s) it needs, space-separated
  const char* executable;  // absolute path of the program the package installs
  const char* exercises;   // one line: what its allocations come from
  // The process image `corpus record` keeps, by executable name (g++ runs
  // its compiler proper, cc1plus, as a child); nullptr: the program itself.
  const char* record_image;
  // Writes the inputs into `work` (made if missing) at `scale` (1.0: 0.5 to
  // 5 s under glibc on a 2-core machine; see docs/programs.md) and returns
  // the run. Throws std::runtime_error naming the file that cannot be written.
  PreparedProgram (*prepare)(const std::string& work, double scale);
};

// The suite, in the order it runs.
std::span<const SuiteProgram> suite_programs();

// The entry of that name, or nullptr.
const SuiteProgram* find_suite_program(std::string_view name);

// Scales prepare() accepts: above 0, at most kMaxProgramScale.
inline constexpr double kMaxProgramScale = 20.0;
bool valid_program_scale(double scale);

// Empty when the program is installed here; else one line naming the
// package to install ("z3: /usr/bin/z3 is missing (Debian package z3)").
std::string missing_program(const SuiteProgram& program);

// Empty when `stdout_text` and the work folder's files are what a correct
// run gives; else one line saying the first difference found.
std::string check_program_output(const PreparedProgram& run, std::string_view stdout_text);

}  // namespace heapreplay
