// Reading `.hrt` events in windows (see hrt_stream.h; the layout is in
// FORMAT.md).
#include "traces/hrt_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "traces/trace_error.h"

namespace heapreplay {

HrtEventStream::HrtEventStream(const std::string& path, std::uint64_t window_events) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw TraceError(path, 0, std::string("cannot open: ") + std::strerror(errno));
  try {
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) fail("not a regular file");
    const auto bytes = static_cast<std::uint64_t>(st.st_size);
    if (bytes < sizeof(HrtHeader)) fail("too short for an .hrt header (" + std::to_string(bytes) + " bytes)");
    read_at(&header_, sizeof header_, 0);
    if (std::string why = hrt_header_problem(header_, bytes); !why.empty()) fail(why);
    const HrtHeader& h = header_;
    capacity_ = std::clamp<std::uint64_t>(window_events, 1, kMaxWindowEvents);
    meta_ = MappedBuffer(h.meta_bytes, false);
    read_at(meta_.data(), h.meta_bytes, h.meta_offset);
    if (compact()) {
      capacity_ = (capacity_ + h.chunk_events - 1) / h.chunk_events * h.chunk_events;
      const std::uint64_t index_bytes = std::uint64_t{h.chunk_count} * sizeof(HrtIndexEntry);
      index_ = MappedBuffer(index_bytes, false);
      read_at(index_.data(), index_bytes, h.index_offset);
      if (h.payload_checksum != hrt_checksum(meta_.data(), h.meta_bytes, hrt_checksum(index_.data(), index_bytes, 0)))
        fail("payload checksum mismatch (file corrupted)");
      // Room for the largest frame the index names, within what any chunk
      // of this size can take (a frame beyond it is refused when loaded).
      std::uint64_t largest = 0;
      const auto* index = index_.as<const HrtIndexEntry>();
      const std::uint64_t bound = hrt_chunk_stored_bound(h.chunk_events);
      for (std::uint32_t k = 0; k < h.chunk_count; ++k)
        largest = std::max(largest, std::min<std::uint64_t>(index[k].stored_bytes, bound));
      frame_ = MappedBuffer(sizeof(HrtChunkHeader) + largest);
      decoder_.emplace();
    }
    capacity_ = std::min(capacity_, std::max<std::uint64_t>(h.event_count, 1));
    windows_ = h.event_count / capacity_ + (h.event_count % capacity_ != 0);
    events_ = MappedBuffer(capacity_ * sizeof(Event));
    if (timed()) timestamps_ = MappedBuffer(capacity_ * sizeof(std::uint64_t));
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

HrtEventStream::~HrtEventStream() { ::close(fd_); }

void HrtEventStream::fail(const std::string& why) const { throw TraceError(path_, 0, why); }

void HrtEventStream::read_at(void* out, std::uint64_t bytes, std::uint64_t offset) const {
  auto* p = static_cast<char*>(out);
  while (bytes > 0) {
    const ssize_t n =
        ::pread(fd_, p, static_cast<std::size_t>(std::min<std::uint64_t>(bytes, 1u << 30)), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) fail("ends early (the file shrank while it was read?)");
    p += n;
    bytes -= static_cast<std::uint64_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

bool HrtEventStream::next() {
  const std::uint64_t w = current_ == kBefore ? 0 : current_ + 1;
  if (w >= windows_) return false;
  if (w != loaded_) {
    loaded_ = kBefore;  // a window that fails to load is not kept as loaded
    load(w);
    loaded_ = w;
  }
  current_ = w;
  return true;
}

TraceView HrtEventStream::window() const {
  TraceView v;
  v.object_count = header_.object_count;
  v.thread_count = header_.thread_count;
  if (current_ == kBefore) return v;
  const std::uint64_t n = std::min(capacity_, header_.event_count - window_first());
  v.events = {events_.as<const Event>(), static_cast<std::size_t>(n)};
  if (timed()) v.timestamps_ns = {timestamps_.as<const std::uint64_t>(), static_cast<std::size_t>(n)};
  return v;
}

void HrtEventStream::load(std::uint64_t w) {
  const std::uint64_t first = w * capacity_;
  const std::uint64_t n = std::min(capacity_, header_.event_count - first);
  if (!compact()) return load_plain(first, n);
  const std::uint64_t chunk = first / header_.chunk_events;
  for (std::uint64_t k = 0; k * header_.chunk_events < n; ++k)
    load_chunk(chunk + k, events_.as<Event>() + k * header_.chunk_events,
               timed() ? timestamps_.as<std::uint64_t>() + k * header_.chunk_events : nullptr);
}

// Events [first, first + n) of a plain file, each checked as HrtFile does.
void HrtEventStream::load_plain(std::uint64_t first, std::uint64_t n) {
  const HrtHeader& h = header_;
  Event* ev = events_.as<Event>();
  read_at(ev, n * sizeof(Event), h.events_offset + first * sizeof(Event));
  if (timed()) read_at(timestamps_.data(), n * 8, h.timestamps_offset + first * 8);
  for (std::uint64_t i = 0; i < n; ++i)
    if (!hrt_event_ok(ev[i], h.object_count, h.thread_count))
      fail("event " + std::to_string(first + i) + " is " + hrt_event_problem(ev[i], h.object_count, h.thread_count));
}

// Chunk k of a compact file: where the index says, with its own header and
// checksum, decoded and its events checked. A bad chunk is named with its
// events.
void HrtEventStream::load_chunk(std::uint64_t k, Event* events, std::uint64_t* timestamps) {
  const HrtHeader& h = header_;
  HrtIndexEntry entry = index_.as<const HrtIndexEntry>()[k];
  const std::uint64_t first = k * h.chunk_events;
  const std::uint64_t count = std::min<std::uint64_t>(h.chunk_events, h.event_count - first);
  auto bad = [&](const std::string& why) {
    fail("chunk " + std::to_string(k) + " (events " + std::to_string(first) + "-" + std::to_string(first + count - 1) +
         "): " + why);
  };
  if (entry.first_event != first || entry.event_count != count) bad("the index disagrees with the header");
  if (entry.offset < h.events_offset || entry.offset > h.index_offset ||
      sizeof(HrtChunkHeader) + std::uint64_t{entry.stored_bytes} > h.index_offset - entry.offset)
    bad("lies outside the file's chunk area");
  if (sizeof(HrtChunkHeader) + std::uint64_t{entry.stored_bytes} > frame_.size())
    bad("its stored size " + std::to_string(entry.stored_bytes) + " is more than " + std::to_string(count) +
        " events can take");
  read_at(frame_.data(), sizeof(HrtChunkHeader) + entry.stored_bytes, entry.offset);
  HrtChunkHeader c;
  std::memcpy(&c, frame_.data(), sizeof c);
  if (std::memcmp(c.magic, kHrtChunkMagic, sizeof c.magic) != 0) bad("bad chunk magic");
  if (c.first_event != first || c.event_count != count || c.stored_bytes != entry.stored_bytes)
    bad("its header disagrees with the index");
  const unsigned char* frame = frame_.as<const unsigned char>() + sizeof c;
  if (c.checksum != hrt_checksum(frame, c.stored_bytes, 0)) bad("checksum mismatch (file corrupted)");
  if (c.next_slot > h.object_count) bad("its first slot lies beyond the object count");
  const ChunkLimits limits{h.object_count, h.thread_count, timed()};
  std::string why =
      decoder_->decode(frame, c.stored_bytes, static_cast<std::size_t>(count), c.next_slot, limits, events, timestamps);
  if (!why.empty()) bad(why);
}

void HrtEventStream::verify_payload() {
  if (compact()) return;
  const HrtHeader& h = header_;
  const std::uint64_t event_bytes = h.event_count * sizeof(Event), time_bytes = timed() ? h.event_count * 8 : 0;
  // Through the window's buffer, which is loaded again when next asked for.
  loaded_ = kBefore;
  auto sum_range = [&](std::uint64_t offset, std::uint64_t bytes, std::uint64_t seed) {
    HrtChecksum sum(bytes, seed);
    for (std::uint64_t done = 0; done < bytes;) {
      const std::uint64_t k = std::min<std::uint64_t>(events_.size(), bytes - done);
      read_at(events_.data(), k, offset + done);
      sum.update(events_.data(), static_cast<std::size_t>(k));
      done += k;
    }
    return sum.value();
  };
  std::uint64_t sum = sum_range(h.events_offset, event_bytes, 0);
  sum = sum_range(h.timestamps_offset, time_bytes, sum);
  sum = hrt_checksum(meta_.data(), h.meta_bytes, sum);
  if (sum != h.payload_checksum) fail("payload checksum mismatch (file corrupted)");
}

std::string HrtEventStream::metadata() const {
  if (header_.meta_bytes == 0) return "";
  return std::string(meta_.as<const char>(), static_cast<std::size_t>(header_.meta_bytes));
}

HrtSource HrtEventStream::source() const { return hrt_source_from_metadata(metadata()); }

}  // namespace heapreplay
