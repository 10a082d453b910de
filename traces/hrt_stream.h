// HrtEventStream: an `.hrt` file's events a window at a time, in memory of a
// fixed size whatever the trace's length. Both versions stream: a plain file
// is read window by window, a compact one decoded chunk by chunk. Every
// buffer is mapped (core/mapped_buffer.h), the zstd context included, so a
// replay child reads its trace without calling the allocator under test.
//
// Opening checks the header, the chunk index and the metadata (and their
// checksum); each window is checked as it is loaded (every chunk's checksum
// and events, or every plain event's op, slot and thread), so a crafted or
// damaged file fails with the trace, the chunk and the event range named,
// never a read out of bounds. A plain file's payload checksum covers the
// whole file: verify_payload() reads it once to compare.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/mapped_buffer.h"
#include "traces/hrt_chunk.h"
#include "traces/hrt_format.h"
#include "traces/trace.h"

namespace heapreplay {

class HrtEventStream {
 public:
  // 16 chunks: 16 MiB of events and 8 MiB of timestamps in memory.
  static constexpr std::uint64_t kDefaultWindowEvents = 16 * std::uint64_t{kHrtChunkEvents};
  // The largest window asked for is taken as this (the plans of threaded
  // replays count a window's events in 32 bits).
  static constexpr std::uint64_t kMaxWindowEvents = std::uint64_t{1} << 31;

  // Opens `path` with windows of `window_events` events (a compact file's
  // are whole chunks: the size is rounded up to them). Throws TraceError.
  explicit HrtEventStream(const std::string& path, std::uint64_t window_events = kDefaultWindowEvents);
  ~HrtEventStream();
  HrtEventStream(const HrtEventStream&) = delete;
  HrtEventStream& operator=(const HrtEventStream&) = delete;

  const std::string& path() const { return path_; }
  const HrtHeader& header() const { return header_; }
  bool compact() const { return header_.version == kHrtCompactVersion; }
  bool timed() const { return (header_.flags & kHrtHasTimestamps) != 0; }
  std::uint64_t event_count() const { return header_.event_count; }
  std::uint64_t window_capacity() const { return capacity_; }
  std::uint64_t windows() const { return windows_; }

  // Loads the next window; false once the last was given. Throws
  // TraceError naming the chunk (compact) or the event (plain) at fault.
  bool next();
  // The window loaded (empty before the first next()): its events and
  // timestamps, with the trace's object and thread counts.
  TraceView window() const;
  // The index in the trace of the window's first event.
  std::uint64_t window_first() const { return current_ == kBefore ? 0 : current_ * capacity_; }
  // Back to before the first window. A trace of one window keeps it: the
  // next next() gives it again without reading anything.
  void rewind() { current_ = kBefore; }

  // Plain files: reads the events, timestamps and metadata once and compares
  // the payload checksum (compact files check theirs chunk by chunk, and
  // their index and metadata when opened). Throws TraceError.
  void verify_payload();
  // The metadata block, and what it says of the trace's source.
  std::string metadata() const;
  HrtSource source() const;

 private:
  static constexpr std::uint64_t kBefore = ~std::uint64_t{0};
  void read_at(void* out, std::uint64_t bytes, std::uint64_t offset) const;
  void load(std::uint64_t w);
  void load_plain(std::uint64_t first, std::uint64_t n);
  void load_chunk(std::uint64_t k, Event* events, std::uint64_t* timestamps);
  [[noreturn]] void fail(const std::string& why) const;

  std::string path_;
  int fd_ = -1;
  HrtHeader header_{};
  std::uint64_t capacity_ = 1;
  std::uint64_t windows_ = 0;
  std::uint64_t current_ = kBefore;  // the window given last
  std::uint64_t loaded_ = kBefore;   // the window in the buffers
  MappedBuffer events_, timestamps_, index_, meta_, frame_;
  std::optional<HrtChunkDecoder> decoder_;  // compact files only
};

}  // namespace heapreplay
