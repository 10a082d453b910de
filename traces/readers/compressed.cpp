// zstd and gzip inputs, decompressed in memory with a bound on the output
// (see compressed.h).
#include "traces/readers/compressed.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <memory>

#include "traces/trace_error.h"

namespace heapreplay {
namespace {

constexpr std::size_t kOutStep = std::size_t{1} << 20;  // output grows by this much at a time

std::string too_large(std::uint64_t max_bytes) {
  return "decompresses to more than " + std::to_string(max_bytes >> 20) +
         " MiB, the limit for a compressed trace (decompress it to a file and read that instead)";
}

// Room for one more step of output, or the limit's message.
void grow(std::string& out, std::size_t& used, std::uint64_t max_bytes, const std::string& path) {
  if (used >= max_bytes) throw TraceError(path, 0, too_large(max_bytes));
  const std::uint64_t room = std::min<std::uint64_t>(kOutStep, max_bytes - used + 1);
  out.resize(used + static_cast<std::size_t>(room));
}

std::string zstd_inflate(std::string_view in, const std::string& path, std::uint64_t max_bytes,
                         std::uint64_t stop_after) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) throw TraceError(path, 0, "cannot start a zstd decoder");
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  std::string out;
  std::size_t used = 0;
  std::size_t last = 1;  // what the decoder still expects: 0 once a frame is complete
  while (src.pos < src.size || last != 0) {
    if (stop_after != 0 && used >= stop_after) break;
    grow(out, used, max_bytes, path);
    ZSTD_outBuffer dst{out.data() + used, out.size() - used, 0};
    last = ZSTD_decompressStream(ctx.get(), &dst, &src);
    if (ZSTD_isError(last))
      throw TraceError(path, 0,
                       "zstd data is corrupt at or before compressed byte " + std::to_string(src.pos) + ": " +
                           ZSTD_getErrorName(last));
    used += dst.pos;
    if (used > max_bytes) throw TraceError(path, 0, too_large(max_bytes));
    // The input is spent, the output had room and the frame is not done: it
    // was cut short.
    if (src.pos == src.size && dst.pos < dst.size && last != 0) {
      if (stop_after != 0 && used > 0) break;  // the head so far; an empty one says why
      throw TraceError(path, 0,
                       "the zstd data ends in the middle of a frame after " + std::to_string(in.size()) +
                           " compressed bytes (a truncated file?)");
    }
  }
  out.resize(used);
  return out;
}

std::string gzip_inflate(std::string_view in, const std::string& path, std::uint64_t max_bytes,
                         std::uint64_t stop_after) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) throw TraceError(path, 0, "cannot start a gzip decoder");
  struct End {
    z_stream* z;
    ~End() { inflateEnd(z); }
  } end{&z};
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  std::size_t fed = 0;  // input handed to zlib so far (avail_in is 32 bits)
  std::string out;
  std::size_t used = 0;
  for (;;) {
    if (stop_after != 0 && used >= stop_after) break;
    if (z.avail_in == 0 && fed < in.size()) {
      const std::size_t n = std::min<std::size_t>(in.size() - fed, std::size_t{1} << 30);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + fed));
      z.avail_in = static_cast<uInt>(n);
      fed += n;
    }
    grow(out, used, max_bytes, path);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    z.avail_out = static_cast<uInt>(out.size() - used);
    const uInt room = z.avail_out;
    const int rc = inflate(&z, Z_NO_FLUSH);
    used += room - z.avail_out;
    if (used > max_bytes) throw TraceError(path, 0, too_large(max_bytes));
    const std::size_t at = fed - z.avail_in;  // compressed bytes consumed
    if (rc == Z_STREAM_END) {
      if (at == in.size()) break;
      if (inflateReset(&z) != Z_OK) throw TraceError(path, 0, "cannot restart the gzip decoder");
      continue;  // another gzip member follows
    }
    if (rc == Z_BUF_ERROR || (rc == Z_OK && at == in.size() && z.avail_out != 0)) {
      if (stop_after != 0 && used > 0) break;  // the head so far; an empty one says why
      throw TraceError(path, 0,
                       "the gzip data ends before its end marker after " + std::to_string(in.size()) +
                           " compressed bytes (a truncated file?)");
    }
    if (rc != Z_OK)
      throw TraceError(path, 0,
                       "gzip data is corrupt at or before compressed byte " + std::to_string(at) + ": " +
                           (z.msg ? z.msg : "error " + std::to_string(rc)));
  }
  out.resize(used);
  return out;
}

}  // namespace

const char* compression_name(Compression c) {
  switch (c) {
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
    case Compression::kNone: break;
  }
  return "none";
}

Compression compression_of(std::string_view head) {
  if (head.starts_with(std::string_view("\x28\xb5\x2f\xfd", 4))) return Compression::kZstd;
  if (head.starts_with(std::string_view("\x1f\x8b", 2))) return Compression::kGzip;
  return Compression::kNone;
}

std::string decompress(std::string_view data, Compression c, const std::string& path, std::uint64_t max_bytes,
                       std::uint64_t stop_after) {
  switch (c) {
    case Compression::kZstd: return zstd_inflate(data, path, max_bytes, stop_after);
    case Compression::kGzip: return gzip_inflate(data, path, max_bytes, stop_after);
    case Compression::kNone: break;
  }
  return std::string(data);
}

TraceText::TraceText(const std::string& path, std::uint64_t max_decompressed)
    : file_(path), compression_(compression_of(file_.text())) {
  if (compression_ == Compression::kNone) {
    text_ = file_.text();
    return;
  }
  inflated_ = decompress(file_.text(), compression_, path, max_decompressed);
  text_ = inflated_;
}

std::string read_text_head(const std::string& path, std::size_t bytes, Compression* compression) {
  MappedFile file(path);
  const std::string_view raw = file.text();
  const Compression c = compression_of(raw);
  if (compression) *compression = c;
  if (c == Compression::kNone) return std::string(raw.substr(0, std::min(raw.size(), bytes)));
  std::string head = decompress(raw, c, path, kMaxDecompressedBytes, bytes);
  if (head.size() > bytes) head.resize(bytes);
  return head;
}

}  // namespace heapreplay
