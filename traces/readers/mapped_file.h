// MappedFile: a whole input file as one read-only byte view, mmapped when the
// file is a regular one (no copy, the page cache is the buffer) and read into
// memory otherwise (pipes, /dev/stdin).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace heapreplay {

class MappedFile {
 public:
  // Throws TraceError `PATH: cannot open: <strerror>` (or cannot read / is a
  // directory). An empty file gives an empty view.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Valid while this object lives.
  std::string_view text() const { return text_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  void* map_ = nullptr;  // the mapping, when there is one
  std::size_t map_bytes_ = 0;
  std::string copy_;  // the contents, when the file could not be mapped
  std::string_view text_;
};

}  // namespace heapreplay
