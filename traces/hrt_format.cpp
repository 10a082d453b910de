// Writing and mapping `.hrt` files (see hrt_format.h and FORMAT.md).
#include "traces/hrt_format.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "traces/hrt_chunk.h"
#include "traces/hrt_stream.h"
#include "traces/trace_error.h"

namespace heapreplay {

namespace {

constexpr std::uint64_t kMul1 = 0x9E3779B97F4A7C15ull;
constexpr std::uint64_t kMul2 = 0xC2B2AE3D27D4EB4Full;

std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

std::uint64_t align_up(std::uint64_t n, std::uint64_t a) { return (n + a - 1) / a * a; }

std::string errno_text() { return std::strerror(errno); }

// Writes all of `bytes` at `offset`, retrying short writes.
void write_all(int fd, const void* data, std::size_t bytes, const std::string& path) {
  auto* p = static_cast<const char*>(data);
  while (bytes > 0) {
    ssize_t n = ::write(fd, p, bytes);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(path + ": cannot write: " + errno_text());
    }
    p += n;
    bytes -= static_cast<std::size_t>(n);
  }
}

// The ImportStats fields by name: one table for both directions.
constexpr std::pair<const char*, std::uint64_t ImportStats::*> kImportFields[] = {
    {"unmatched_free", &ImportStats::unmatched_free}, {"unmatched_realloc", &ImportStats::unmatched_realloc},
    {"reused_live", &ImportStats::reused_live},       {"failed_in_source", &ImportStats::failed_in_source},
    {"missing_size", &ImportStats::missing_size},     {"ignored_lines", &ImportStats::ignored_lines},
    {"source_lines", &ImportStats::source_lines},
};

}  // namespace

nlohmann::json import_stats_to_json(const ImportStats& s) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, field] : kImportFields) j[name] = s.*field;
  return j;
}

ImportStats import_stats_from_json(const nlohmann::json& j) {
  ImportStats s;
  if (!j.is_object()) return s;
  for (const auto& [name, field] : kImportFields)
    if (auto it = j.find(name); it != j.end() && it->is_number_unsigned()) s.*field = it->get<std::uint64_t>();
  return s;
}

HrtChecksum::HrtChecksum(std::uint64_t total_bytes, std::uint64_t seed) {
  const std::uint64_t h = seed ^ (total_bytes * kMul1);
  // Four independent lanes keep the loop fast on large event streams.
  lane_[0] = h;
  lane_[1] = h ^ kMul2;
  lane_[2] = h + kMul1;
  lane_[3] = h - kMul2;
  left_ = total_bytes;
}

void HrtChecksum::block(const unsigned char* p) {
  for (int k = 0; k < 4; ++k) {
    std::uint64_t w;
    std::memcpy(&w, p + 8 * k, 8);
    lane_[k] = rotl(lane_[k] ^ (w * kMul1), 29) * kMul2;
  }
}

void HrtChecksum::update(const void* data, std::size_t bytes) {
  auto* p = static_cast<const unsigned char*>(data);
  bytes = static_cast<std::size_t>(std::min<std::uint64_t>(bytes, left_));
  left_ -= bytes;
  // The bytes go to the lanes in 32-byte blocks counted from the start; what
  // is left at the end (total % 32 bytes) is mixed in byte by byte.
  while (bytes > 0) {
    if (pending_ == 0 && bytes >= 32) {
      block(p);
      p += 32;
      bytes -= 32;
      continue;
    }
    buffer_[pending_++] = *p++;
    --bytes;
    if (pending_ == 32) {
      block(buffer_);
      pending_ = 0;
    }
  }
}

std::uint64_t HrtChecksum::value() const {
  std::uint64_t h = lane_[0] ^ rotl(lane_[1], 17) ^ rotl(lane_[2], 31) ^ rotl(lane_[3], 47);
  for (std::size_t i = 0; i < pending_; ++i) h = rotl(h ^ (buffer_[i] * kMul1), 23) * kMul2;
  h ^= h >> 33;
  h *= kMul1;
  h ^= h >> 29;
  return h;
}

std::uint64_t hrt_checksum(const void* data, std::size_t bytes, std::uint64_t seed) {
  HrtChecksum sum(bytes, seed);
  sum.update(data, bytes);
  return sum.value();
}

namespace {

// Writes a file at `path` atomically: `body(fd)` writes its bytes. The same
// rule as reports/output_file.h's output_kind(): a device node, FIFO or
// socket, a path under /proc/, or one of the system's links in /dev and
// /dev/fd (/dev/stdout) is written directly (renaming over it would replace
// the node, or the link); anything else, a link planted at the path included,
// gets a fresh temporary file in the same folder (mkstemp: O_EXCL, nothing
// planted is followed), renamed over the path once complete, so the link is
// replaced, never followed.
template <class Body>
void write_atomically(const std::string& path, Body body) {
  struct stat st {};
  bool device = path.rfind("/proc/", 0) == 0;
  if (!device && ::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) throw std::runtime_error(path + ": cannot write: " + std::strerror(EISDIR));
    device = !S_ISLNK(st.st_mode) || (path.rfind("/dev/", 0) == 0 && path.find('/', 5) == std::string::npos) ||
             path.rfind("/dev/fd/", 0) == 0;
  }
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = device ? ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC) : ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(path + ": cannot create: " + errno_text());
  try {
    body(fd);
    if (!device && (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0))
      throw std::runtime_error(path + ": cannot write: " + errno_text());
    if (::close(fd) != 0) {
      fd = -1;
      throw std::runtime_error(path + ": cannot write: " + errno_text());
    }
    fd = -1;
    if (!device && ::rename(tmp.c_str(), path.c_str()) != 0)
      throw std::runtime_error(path + ": cannot rename into place: " + errno_text());
  } catch (...) {
    if (fd >= 0) ::close(fd);
    if (!device) ::unlink(tmp.c_str());
    throw;
  }
}

// Writes zeros from `pos` up to `off`.
void pad_to(int fd, std::uint64_t& pos, std::uint64_t off, const std::string& path) {
  static const char zeros[64] = {};
  while (off > pos) {
    const std::uint64_t k = std::min<std::uint64_t>(off - pos, sizeof zeros);
    write_all(fd, zeros, k, path);
    pos += k;
  }
}

HrtHeader header_of(const Trace& trace, std::uint32_t version) {
  HrtHeader h{};
  std::memcpy(h.magic, kHrtMagic, sizeof kHrtMagic);
  h.version = version;
  h.header_bytes = sizeof(HrtHeader);
  h.event_count = trace.events.size();
  h.object_count = trace.object_count;
  h.thread_count = trace.thread_count == 0 ? 1 : trace.thread_count;
  h.event_bytes = sizeof(Event);
  h.flags = trace.timestamps_ns.empty() ? 0 : kHrtHasTimestamps;
  return h;
}

void write_plain(const Trace& trace, const std::string& meta, const std::string& path) {
  HrtHeader h = header_of(trace, kHrtVersion);
  h.events_offset = align_up(sizeof(HrtHeader), 64);
  std::uint64_t events_bytes = trace.events.size() * sizeof(Event);
  std::uint64_t end = h.events_offset + events_bytes;
  if (h.flags & kHrtHasTimestamps) {
    h.timestamps_offset = align_up(end, 64);
    end = h.timestamps_offset + trace.timestamps_ns.size() * sizeof(std::uint64_t);
  }
  h.meta_offset = align_up(end, 8);
  h.meta_bytes = meta.size();
  h.file_bytes = h.meta_offset + h.meta_bytes;
  std::uint64_t sum = hrt_checksum(trace.events.data(), events_bytes, 0);
  sum = hrt_checksum(trace.timestamps_ns.data(), trace.timestamps_ns.size() * sizeof(std::uint64_t), sum);
  h.payload_checksum = hrt_checksum(meta.data(), meta.size(), sum);
  h.header_checksum = hrt_checksum(&h, offsetof(HrtHeader, header_checksum), 0);
  write_atomically(path, [&](int fd) {
    std::uint64_t pos = 0;
    write_all(fd, &h, sizeof h, path);
    pos = sizeof h;
    pad_to(fd, pos, h.events_offset, path);
    write_all(fd, trace.events.data(), events_bytes, path);
    pos += events_bytes;
    if (h.flags & kHrtHasTimestamps) {
      pad_to(fd, pos, h.timestamps_offset, path);
      write_all(fd, trace.timestamps_ns.data(), trace.timestamps_ns.size() * 8, path);
      pos += trace.timestamps_ns.size() * 8;
    }
    pad_to(fd, pos, h.meta_offset, path);
    write_all(fd, meta.data(), meta.size(), path);
  });
}

// Version 2: the header, the chunks one after another (each its header and
// zstd frame), the index, the metadata.
void write_compact(const Trace& trace, const std::string& meta, const std::string& path, int level) {
  HrtHeader h = header_of(trace, kHrtCompactVersion);
  h.events_offset = sizeof(HrtHeader);
  h.chunk_events = kHrtChunkEvents;
  const std::size_t n = trace.events.size();
  const bool timed = !trace.timestamps_ns.empty();
  // Each chunk's first predicted slot, in one pass; then the chunks are
  // encoded on every core (a chunk depends on nothing before it but that).
  const std::size_t chunks = n / kHrtChunkEvents + (n % kHrtChunkEvents != 0);
  std::vector<std::uint32_t> next_slot(chunks, 0);
  for (std::size_t k = 0, i = 0, next = 0; k < chunks; ++k) {
    next_slot[k] = static_cast<std::uint32_t>(next);
    for (const std::size_t end = std::min(n, (k + 1) * kHrtChunkEvents); i < end; ++i)
      if (const std::uint32_t id = trace.events[i].id; id != kNoObject && id >= next) next = std::size_t{id} + 1;
  }
  std::vector<std::string> frames(chunks);
  std::atomic<std::size_t> taken{0};
  std::exception_ptr failure;
  std::mutex failure_lock;
  auto encode = [&] {
    for (std::size_t k; (k = taken.fetch_add(1)) < chunks;) {
      const std::size_t first = k * kHrtChunkEvents, count = std::min<std::size_t>(kHrtChunkEvents, n - first);
      try {
        frames[k] = encode_hrt_chunk(trace.events.data() + first, timed ? trace.timestamps_ns.data() + first : nullptr,
                                     count, next_slot[k], level);
      } catch (...) {
        std::lock_guard<std::mutex> hold(failure_lock);
        failure = std::current_exception();
      }
    }
  };
  const std::size_t workers =
      std::min<std::size_t>(chunks, std::max(1u, std::thread::hardware_concurrency())) - (chunks > 0 ? 1 : 0);
  std::vector<std::thread> pool;
  for (std::size_t w = 0; w < workers; ++w) pool.emplace_back(encode);
  encode();
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);

  std::vector<HrtChunkHeader> heads;
  std::vector<HrtIndexEntry> index;
  std::uint64_t offset = h.events_offset;
  for (std::size_t k = 0; k < chunks; ++k) {
    const std::string& z = frames[k];
    HrtChunkHeader c{};
    std::memcpy(c.magic, kHrtChunkMagic, sizeof c.magic);
    c.event_count = static_cast<std::uint32_t>(std::min<std::size_t>(kHrtChunkEvents, n - k * kHrtChunkEvents));
    c.first_event = k * kHrtChunkEvents;
    c.next_slot = next_slot[k];
    c.stored_bytes = static_cast<std::uint32_t>(z.size());
    c.checksum = hrt_checksum(z.data(), z.size(), 0);
    heads.push_back(c);
    index.push_back(HrtIndexEntry{offset, c.first_event, c.event_count, c.stored_bytes});
    offset += sizeof c + z.size();
  }
  h.chunk_count = static_cast<std::uint32_t>(index.size());
  h.index_offset = align_up(offset, 8);
  const std::uint64_t index_bytes = index.size() * sizeof(HrtIndexEntry);
  h.meta_offset = h.index_offset + index_bytes;
  h.meta_bytes = meta.size();
  h.file_bytes = h.meta_offset + h.meta_bytes;
  h.payload_checksum = hrt_checksum(meta.data(), meta.size(), hrt_checksum(index.data(), index_bytes, 0));
  h.header_checksum = hrt_checksum(&h, offsetof(HrtHeader, header_checksum), 0);
  write_atomically(path, [&](int fd) {
    std::uint64_t pos = 0;
    write_all(fd, &h, sizeof h, path);
    pos = sizeof h;
    for (std::size_t k = 0; k < frames.size(); ++k) {
      write_all(fd, &heads[k], sizeof heads[k], path);
      write_all(fd, frames[k].data(), frames[k].size(), path);
      pos += sizeof heads[k] + frames[k].size();
    }
    pad_to(fd, pos, h.index_offset, path);
    write_all(fd, index.data(), index_bytes, path);
    write_all(fd, meta.data(), meta.size(), path);
  });
}

}  // namespace

void write_hrt(const Trace& trace, const std::string& path, HrtEncoding encoding, int level) {
  if (!trace.timestamps_ns.empty() && trace.timestamps_ns.size() != trace.events.size())
    throw std::logic_error("write_hrt: timestamps do not match events");
  std::string meta = nlohmann::json{{"format", trace.format}, {"import", import_stats_to_json(trace.import)}}.dump();
  if (encoding == HrtEncoding::kCompact)
    write_compact(trace, meta, path, level);
  else
    write_plain(trace, meta, path);
}

std::string hrt_header_problem(const HrtHeader& h, std::uint64_t file_bytes) {
  if (std::memcmp(h.magic, kHrtMagic, sizeof kHrtMagic) != 0) return "not an .hrt file (bad magic)";
  if (h.version != kHrtVersion && h.version != kHrtCompactVersion)
    return "unsupported .hrt version " + std::to_string(h.version) + " (this build reads versions " +
           std::to_string(kHrtVersion) + " and " + std::to_string(kHrtCompactVersion) + ")";
  if (h.header_checksum != hrt_checksum(&h, offsetof(HrtHeader, header_checksum), 0))
    return "header checksum mismatch (file corrupted)";
  if (h.header_bytes != sizeof(HrtHeader) || h.event_bytes != sizeof(Event)) return "unexpected header or event size";
  if (h.file_bytes != file_bytes)
    return "file is " + std::to_string(file_bytes) + " bytes, header says " + std::to_string(h.file_bytes) +
           " (truncated?)";
  if (h.thread_count == 0 || h.thread_count > 0x10000) return "thread count out of range";
  // Every object slot and every thread is first named by an event, so neither
  // count can exceed the events. Checked before anything is sized by them:
  // the replay's object table holds 16 bytes per slot, and each thread of a
  // trace replays on a thread of its own.
  if (h.object_count > h.event_count)
    return "object count " + std::to_string(h.object_count) + " exceeds the " + std::to_string(h.event_count) +
           " events";
  if (h.thread_count > std::max<std::uint64_t>(h.event_count, 1))
    return "thread count " + std::to_string(h.thread_count) + " exceeds the " + std::to_string(h.event_count) +
           " events";
  if ((h.flags & ~kHrtHasTimestamps) != 0) return "unknown flags";
  const bool timed = (h.flags & kHrtHasTimestamps) != 0;
  if (h.meta_offset > file_bytes || h.meta_bytes > file_bytes - h.meta_offset) return "metadata lies outside the file";
  if (h.version == kHrtCompactVersion) {
    if (h.timestamps_offset != 0) return "a compact file keeps its timestamps in its chunks (timestamps offset is set)";
    if (h.chunk_events == 0 || h.chunk_events > kHrtChunkEvents)
      return "chunk size " + std::to_string(h.chunk_events) + " is not 1 to " + std::to_string(kHrtChunkEvents) +
             " events";
    const std::uint64_t chunks = h.event_count / h.chunk_events + (h.event_count % h.chunk_events != 0);
    if (h.chunk_count != chunks)
      return "the header names " + std::to_string(h.chunk_count) + " chunks where " + std::to_string(h.event_count) +
             " events take " + std::to_string(chunks);
    const std::uint64_t index_bytes = std::uint64_t{h.chunk_count} * sizeof(HrtIndexEntry);
    if (h.index_offset % 8 != 0 || h.index_offset < h.events_offset || h.events_offset < sizeof(HrtHeader) ||
        h.index_offset > file_bytes || index_bytes > file_bytes - h.index_offset)
      return "chunk index lies outside the file";
    return "";
  }
  auto in_file = [&](std::uint64_t off, std::uint64_t count, std::uint64_t unit) {
    return off % 8 == 0 && off <= file_bytes && count <= (file_bytes - off) / unit;
  };
  if (h.events_offset < sizeof(HrtHeader) || !in_file(h.events_offset, h.event_count, sizeof(Event)))
    return "event stream lies outside the file";
  if (timed && (h.timestamps_offset < h.events_offset + h.event_count * sizeof(Event) ||
                !in_file(h.timestamps_offset, h.event_count, 8)))
    return "timestamps lie outside the file";
  if (h.meta_offset % 8 != 0) return "metadata lies outside the file";
  return "";
}

HrtFile::HrtFile(const std::string& path, bool populate) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw TraceError(path, 0, "cannot open: " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw TraceError(path, 0, "not a regular file");
  }
  bytes_ = static_cast<std::uint64_t>(st.st_size);
  if (bytes_ < sizeof(HrtHeader)) {
    ::close(fd);
    throw TraceError(path, 0, "too short for an .hrt header (" + std::to_string(bytes_) + " bytes)");
  }
  base_ = ::mmap(nullptr, bytes_, PROT_READ, MAP_PRIVATE | (populate ? MAP_POPULATE : 0), fd, 0);
  ::close(fd);
  if (base_ == MAP_FAILED) {
    base_ = nullptr;
    throw TraceError(path, 0, "cannot map: " + errno_text());
  }
  header_ = static_cast<const HrtHeader*>(base_);
  auto fail = [&](const std::string& why) {
    ::munmap(base_, bytes_);
    base_ = nullptr;
    throw TraceError(path, 0, why);
  };
  const HrtHeader& h = *header_;
  if (std::string why = hrt_header_problem(h, bytes_); !why.empty()) fail(why);
  if (h.version == kHrtCompactVersion) {
    try {
      decode_chunks(path);
    } catch (const TraceError&) {
      ::munmap(base_, bytes_);
      base_ = nullptr;
      throw;
    }
    return;
  }
  const bool timed = (h.flags & kHrtHasTimestamps) != 0;
  auto* bytes = static_cast<const unsigned char*>(base_);
  std::uint64_t sum = hrt_checksum(bytes + h.events_offset, h.event_count * sizeof(Event), 0);
  // Without timestamps their offset is not checked and may point anywhere:
  // no pointer is formed from it then (the checksum still takes its 0 bytes).
  sum = hrt_checksum(timed ? bytes + h.timestamps_offset : bytes, timed ? h.event_count * 8 : 0, sum);
  sum = hrt_checksum(bytes + h.meta_offset, h.meta_bytes, sum);
  if (sum != h.payload_checksum) fail("payload checksum mismatch (file corrupted)");

  // Checksums catch accidents; these checks make crafted files harmless too.
  auto* ev = reinterpret_cast<const Event*>(bytes + h.events_offset);
  for (std::uint64_t i = 0; i < h.event_count; ++i)
    if (!hrt_event_ok(ev[i], h.object_count, h.thread_count))
      fail("event " + std::to_string(i) + " is " + hrt_event_problem(ev[i], h.object_count, h.thread_count));
}

// Version 2: decoded through the stream reader (hrt_stream.h), which checks
// the index, the metadata and every chunk, into memory of this object's.
void HrtFile::decode_chunks(const std::string& path) {
  const HrtHeader& h = *header_;
  HrtEventStream stream(path);
  events_.resize(h.event_count);
  if (stream.timed()) timestamps_.resize(h.event_count);
  while (stream.next()) {
    const TraceView w = stream.window();
    std::copy(w.events.begin(), w.events.end(), events_.begin() + static_cast<std::ptrdiff_t>(stream.window_first()));
    std::copy(w.timestamps_ns.begin(), w.timestamps_ns.end(),
              timestamps_.begin() + static_cast<std::ptrdiff_t>(stream.window_first()));
  }
}

HrtFile::~HrtFile() {
  if (base_ != nullptr) ::munmap(base_, bytes_);
}

HrtFile::HrtFile(HrtFile&& other) noexcept
    : base_(other.base_),
      bytes_(other.bytes_),
      header_(other.header_),
      events_(std::move(other.events_)),
      timestamps_(std::move(other.timestamps_)) {
  other.base_ = nullptr;
  other.header_ = nullptr;
}

TraceView HrtFile::view() const {
  auto* bytes = static_cast<const unsigned char*>(base_);
  const HrtHeader& h = *header_;
  TraceView v;
  if (compact()) {
    v.events = events_;
    v.timestamps_ns = timestamps_;
  } else {
    v.events = {reinterpret_cast<const Event*>(bytes + h.events_offset), h.event_count};
    if (h.flags & kHrtHasTimestamps)
      v.timestamps_ns = {reinterpret_cast<const std::uint64_t*>(bytes + h.timestamps_offset), h.event_count};
  }
  v.object_count = h.object_count;
  v.thread_count = h.thread_count;
  return v;
}

std::string HrtFile::metadata() const {
  auto* bytes = static_cast<const char*>(base_);
  return std::string(bytes + header_->meta_offset, header_->meta_bytes);
}

HrtSource hrt_source_from_metadata(const std::string& text) {
  HrtSource src;
  // Metadata is informative: a block that does not parse or has odd types is
  // ignored rather than fatal, since the events themselves were validated.
  auto meta = nlohmann::json::parse(text, nullptr, false);
  try {
    if (meta.is_object()) {
      src.format = meta.value("format", std::string("hrt"));
      if (auto it = meta.find("import"); it != meta.end()) src.import = import_stats_from_json(*it);
    }
  } catch (const nlohmann::json::exception&) {
    src = HrtSource{};
  }
  return src;
}

HrtSource HrtFile::source() const { return hrt_source_from_metadata(metadata()); }

Trace read_hrt(const std::string& path) {
  HrtFile f(path, false);
  TraceView v = f.view();
  Trace t;
  t.events.assign(v.events.begin(), v.events.end());
  t.timestamps_ns.assign(v.timestamps_ns.begin(), v.timestamps_ns.end());
  t.object_count = v.object_count;
  t.thread_count = v.thread_count;
  HrtSource src = f.source();
  t.format = src.format;
  t.import = src.import;
  return t;
}

}  // namespace heapreplay
