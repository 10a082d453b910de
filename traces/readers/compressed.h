// Compressed trace files: heaptrack writes its recordings through zstd (or
// gzip), and any text trace may come compressed. A file is told compressed
// by its first bytes (the zstd and gzip magic numbers), never by its name,
// and is then decompressed in memory and read like any other text: the
// format is sniffed from the decompressed head and the reader parses the
// decompressed whole. This file is the one place that knows about it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "traces/readers/mapped_file.h"

namespace heapreplay {

enum class Compression { kNone, kGzip, kZstd };

// "zstd", "gzip" or "none".
const char* compression_name(Compression c);

// What the first bytes of a file say: zstd's frame magic (28 b5 2f fd),
// gzip's (1f 8b), or neither.
Compression compression_of(std::string_view head);

// The most a compressed trace may decompress to (4 GiB): past it the input
// is refused, saying so, rather than filling the machine's memory (a small
// file can declare terabytes). An uncompressed file has no such limit (it is
// mapped, not copied), so a larger trace can be decompressed to a file first.
inline constexpr std::uint64_t kMaxDecompressedBytes = std::uint64_t{4} << 30;

// Decompresses all of data (every zstd frame or gzip member in it). Throws
// TraceError `PATH: ...` naming the compressed byte offset where the data is
// corrupt, where it ends before its last frame does (a truncated file), or
// the limit when the output would pass max_bytes. With stop_after nonzero,
// stops quietly once that many bytes are out (or the input ends, truncated
// or not): what format detection needs of the head.
std::string decompress(std::string_view data, Compression c, const std::string& path,
                       std::uint64_t max_bytes = kMaxDecompressedBytes, std::uint64_t stop_after = 0);

// A whole trace file as text: the file as mapped when it is not compressed,
// its decompressed contents when it is.
class TraceText {
 public:
  // Throws TraceError as MappedFile and decompress do.
  explicit TraceText(const std::string& path, std::uint64_t max_decompressed = kMaxDecompressedBytes);
  std::string_view text() const { return text_; }
  Compression compression() const { return compression_; }

 private:
  MappedFile file_;
  std::string inflated_;
  std::string_view text_;
  Compression compression_ = Compression::kNone;
};

// The first `bytes` bytes of a file's text, decompressed when the file is
// compressed (then `*compression` says how). Throws TraceError `PATH: ...`
// when the file cannot be opened or read, or its head cannot be decompressed.
std::string read_text_head(const std::string& path, std::size_t bytes, Compression* compression = nullptr);

}  // namespace heapreplay
