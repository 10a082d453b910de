// Programs files and shell-like word splitting (see program_list.h).
#include "harness/process/program_list.h"

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace heapreplay {

std::vector<std::string> split_command_words(std::string_view s) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '#' && !in_word) {
      break;  // a comment to the end
    } else if (c == '\\') {
      if (i + 1 >= s.size()) throw std::invalid_argument("a backslash at the end of the command");
      word += s[i + 1];
      in_word = true;
      i += 2;
    } else if (c == '\'') {
      std::size_t close = s.find('\'', i + 1);
      if (close == std::string_view::npos) throw std::invalid_argument("unclosed single quote");
      word.append(s.substr(i + 1, close - i - 1));
      in_word = true;
      i = close + 1;
    } else if (c == '"') {
      ++i;
      for (;;) {
        if (i >= s.size()) throw std::invalid_argument("unclosed double quote");
        const char d = s[i];
        if (d == '"') break;
        if (d == '\\' && i + 1 < s.size()) {
          const char n = s[i + 1];
          if (n == '$' || n == '`' || n == '"' || n == '\\' || n == '\n') {
            if (n != '\n') word += n;
            i += 2;
            continue;
          }
        }
        word += d;
        ++i;
      }
      in_word = true;
      ++i;
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

namespace {

bool valid_name(const std::string& n) {
  if (n.empty() || n[0] == '.' || n[0] == '-') return false;
  for (unsigned char c : n)
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '+')) return false;
  return true;
}

}  // namespace

std::vector<ProgramEntry> parse_program_list(std::string_view text, const std::string& file) {
  std::vector<ProgramEntry> out;
  std::set<std::string> names;
  std::size_t line_no = 0, pos = 0;
  while (pos <= text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() + 1 : eol + 1;
    ++line_no;
    auto fail = [&](const std::string& why) {
      throw ProgramListError(file + ":" + std::to_string(line_no) + ": " + why);
    };
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) fail("expected NAME: COMMAND");
    std::string name(line.substr(first, colon - first));
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    if (name.empty()) fail("no program name before ':'");
    if (!valid_name(name))
      fail("program name '" + name +
           "' may hold only letters, digits, '.', '_', '-' and '+', and not begin with '.' or '-'");
    if (!names.insert(name).second) fail("program '" + name + "' is named twice");
    ProgramEntry e;
    e.name = name;
    try {
      e.argv = split_command_words(line.substr(colon + 1));
    } catch (const std::invalid_argument& x) {
      fail(x.what());
    }
    if (e.argv.empty()) fail("no command after '" + name + ":'");
    out.push_back(std::move(e));
  }
  if (out.empty()) throw ProgramListError(file + ": no program in it (lines are NAME: COMMAND)");
  return out;
}

std::vector<ProgramEntry> read_program_list(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ProgramListError(file + ": cannot read the programs file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_program_list(ss.str(), file);
}

std::string program_name_of(const std::string& argv0) {
  std::size_t slash = argv0.find_last_of('/');
  std::string base = slash == std::string::npos ? argv0 : argv0.substr(slash + 1);
  return base.empty() ? argv0 : base;
}

}  // namespace heapreplay
