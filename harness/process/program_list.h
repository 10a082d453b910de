// The programs `heapreplay run` measures: one from its command line, or a
// file of named commands (--programs FILE), one `NAME: COMMAND` per line.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace heapreplay {

struct ProgramEntry {
  std::string name;               // names the program's rows, report runs and kept output files
  std::vector<std::string> argv;  // argv[0] is found in $PATH when it holds no '/'
  // What a program of the suite (--suite programs) brings of its own; empty
  // for a command line or a programs file, which take the session's.
  std::vector<std::string> env;  // "NAME=VALUE", after the session's --env
  std::string cwd;               // replaces --cwd
  std::string stdin_path;        // replaces --stdin
  // Given the run's stdout, "" when it is what a correct run prints, else
  // why not (the run then fails with "wrong output: why"). Empty: no check.
  std::function<std::string(std::string_view)> check_output;
  std::vector<std::string> outputs;  // files the program writes, removed before each run
  std::string unavailable;           // not "": every run fails with this (e.g. the package is missing)
  // What names the program in a sharded run set when its argv cannot (the
  // suite's hold a private folder's path): "" means the argv.
  std::string identity;
};

// A malformed programs file: the message is "FILE:LINE: why".
struct ProgramListError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Splits a command into words as a POSIX shell does, without expanding
// anything: blanks separate words; '...' keeps everything literally; "..."
// keeps everything but a backslash before $ ` " \ or a line break; a
// backslash outside quotes keeps the next character; a word beginning with #
// starts a comment to the end. $VAR, globs and ~ stay as written. Throws
// std::invalid_argument ("unclosed single quote", "a backslash at the end").
std::vector<std::string> split_command_words(std::string_view command);

// Parses a programs file's text. Lines: `NAME: COMMAND`, blank, or a comment
// (first non-blank character #). NAME: letters, digits, '.', '_', '-', '+',
// not starting with '.' or '-', unique. Throws ProgramListError.
std::vector<ProgramEntry> parse_program_list(std::string_view text, const std::string& file);

// Reads and parses FILE; a file that cannot be read is a ProgramListError too.
std::vector<ProgramEntry> read_program_list(const std::string& file);

// The name a program on the command line goes by: the last part of argv[0].
std::string program_name_of(const std::string& argv0);

}  // namespace heapreplay
