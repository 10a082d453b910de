// TraceError: the one exception type for input a user can get wrong (a file
// that cannot be read, a malformed line). Its what() is a single line naming
// the place, `PATH:LINE: message`, so tools can print it as is.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace heapreplay {

class TraceError : public std::runtime_error {
 public:
  // line is 1-based; 0 means the message is about the whole file (what() is
  // then `PATH: message`).
  TraceError(std::string path, std::uint64_t line, std::string message)
      : std::runtime_error(compose(path, line, message)),
        path_(std::move(path)),
        line_(line),
        message_(std::move(message)) {}

  const std::string& path() const { return path_; }
  std::uint64_t line() const { return line_; }             // 0 when not about one line
  const std::string& message() const { return message_; }  // without the place

 private:
  static std::string compose(const std::string& path, std::uint64_t line, const std::string& message) {
    std::string s = path;
    if (line != 0) {
      s += ':';
      s += std::to_string(line);
    }
    s += ": ";
    s += message;
    return s;
  }

  std::string path_;
  std::uint64_t line_;
  std::string message_;
};

}  // namespace heapreplay
