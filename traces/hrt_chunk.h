// The compact `.hrt` encoding's chunks (version 2, traces/FORMAT.md): a run of
// events, each chunk decodable on its own, encoded for what malloc traces
// repeat (an op byte with flags, the object slot the decoder can predict,
// sizes that repeat, varint deltas of threads, slots and timestamps), then
// compressed with zstd.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/mapped_buffer.h"
#include "traces/event.h"

struct ZSTD_DCtx_s;  // zstd.h's decoding context

namespace heapreplay {

// Events per chunk when writing (the last chunk may hold fewer).
inline constexpr std::uint32_t kHrtChunkEvents = 65536;
// zstd level of the writer: near level 19's size at several times its speed
// on our streams (docs/trace-encoding.md).
inline constexpr int kHrtChunkLevel = 12;
// The level `record` writes at, while its user waits for the trace: 3 times
// faster to encode than level 12 for 2-4% more bytes on our recordings
// (docs/trace-encoding.md); `convert` makes the smaller file.
inline constexpr int kHrtRecordLevel = 3;

// What a chunk's events must satisfy: the header's counts, as version 1
// checks each event (traces/hrt_format.cpp).
struct ChunkLimits {
  std::uint32_t object_count = 0;
  std::uint32_t thread_count = 1;
  bool timed = false;
};

// Encodes `n` events (and their timestamps, when `timestamps` is not null)
// into the compressed bytes of one chunk. `next_slot` is one past the highest
// object slot the events before the chunk used (the decoder's prediction
// starts there).
std::string encode_hrt_chunk(const Event* events, const std::uint64_t* timestamps, std::size_t n,
                             std::uint32_t next_slot, int level = kHrtChunkLevel);

// The most bytes a chunk of `n` events can be stored in (its zstd frame).
std::uint64_t hrt_chunk_stored_bound(std::uint64_t n);

// Decodes chunks with memory of its own, all mapped (core/mapped_buffer.h):
// the zstd context, the decoded streams and the slot model's stack, about
// 2.5 MiB in all. Decoding never calls malloc, so a replay child can decode
// its trace beside the allocator under test without changing that heap.
class HrtChunkDecoder {
 public:
  HrtChunkDecoder();  // throws std::bad_alloc, or std::runtime_error if zstd refuses
  HrtChunkDecoder(const HrtChunkDecoder&) = delete;
  HrtChunkDecoder& operator=(const HrtChunkDecoder&) = delete;

  // As decode_hrt_chunk below; n is at most kHrtChunkEvents.
  std::string decode(const void* data, std::size_t bytes, std::size_t n, std::uint32_t next_slot,
                     const ChunkLimits& limits, Event* events, std::uint64_t* timestamps);

 private:
  MappedBuffer context_, raw_, freed_;
  ::ZSTD_DCtx_s* dctx_ = nullptr;
};

// Decodes a chunk's compressed bytes into `n` events (and timestamps when
// limits.timed), checking every event against `limits`. Returns "" when the
// chunk is good, else what is wrong with it (one line, without the place);
// the output is then unspecified. Uses a decoder of the calling thread's.
std::string decode_hrt_chunk(const void* data, std::size_t bytes, std::size_t n, std::uint32_t next_slot,
                             const ChunkLimits& limits, Event* events, std::uint64_t* timestamps);

// Whether `e` may appear in a trace of these counts: the checks every reader
// of .hrt makes, in both encodings. aux means something only for aligned
// calls (every value) and calloc (the overflow bit, with size 2^64-1):
// anything else cannot come from a writer of ours, and would not survive a
// conversion to text.
inline bool hrt_event_in_range(const Event& e, std::uint32_t object_count, std::uint32_t thread_count) {
  return static_cast<unsigned>(e.op) < kOpCount && e.thread < thread_count &&
         (e.id < object_count || (e.id == kNoObject && e.op == Op::kFree));
}
inline bool hrt_event_aux_ok(const Event& e) {
  return e.op == Op::kAligned || e.aux == 0 ||
         (e.op == Op::kCalloc && e.aux == kCallocOverflow && e.size == ~std::uint64_t{0});
}
inline bool hrt_event_ok(const Event& e, std::uint32_t object_count, std::uint32_t thread_count) {
  return hrt_event_in_range(e, object_count, thread_count) && hrt_event_aux_ok(e);
}
// "" when hrt_event_ok, else why not (one line).
std::string hrt_event_problem(const Event& e, std::uint32_t object_count, std::uint32_t thread_count);

}  // namespace heapreplay
