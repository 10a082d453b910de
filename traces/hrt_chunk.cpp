// The compact chunk codec (see hrt_chunk.h; the byte layout is in
// traces/FORMAT.md, "Version 2").
#include "traces/hrt_chunk.h"

#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_initStaticDCtx: a decoding context in our own mapping
#include <zstd.h>

#include <array>
#include <cstring>
#include <span>
#include <stdexcept>
#include <vector>

namespace heapreplay {

namespace {

// The op byte: the op in bits 0-2 and what the event spares the streams.
constexpr std::uint8_t kOpMask = 0x07;
constexpr std::uint8_t kSlotPredicted = 0x08;  // the slot is the model's guess: no slot delta
constexpr std::uint8_t kThreadChanged = 0x10;  // a thread index follows in the thread stream
constexpr std::uint8_t kSizeRepeated = 0x20;   // the size is the last one (free: 0): no size
constexpr std::uint8_t kHasAux = 0x40;         // an aux byte follows in the aux stream

// A timestamp is its delta from the previous one, zigzagged: the low byte in
// a stream per op (the time before a free is not the time before a malloc),
// the rest as a varint in one stream. The low bytes are near random; apart,
// they do not spoil the compression of the high ones.
enum Stream { kOps, kThreads, kSlots, kSizes, kAux, kTimeHigh, kTimeLow, kStreams = kTimeLow + kOpCount };
constexpr std::size_t kStreamTable = kStreams * sizeof(std::uint32_t);

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) { return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1); }

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// A stream being read: running past its end, or a varint longer than ten
// bytes, sets `bad` and yields 0.
struct Reader {
  const std::uint8_t* p = nullptr;
  const std::uint8_t* end = nullptr;
  bool bad = false;

  [[gnu::always_inline]] std::uint8_t byte() {
    if (p == end) {
      bad = true;
      return 0;
    }
    return *p++;
  }
  [[gnu::always_inline]] std::uint64_t varint() {
    if (p != end && *p < 0x80) return *p++;  // most are one byte
    return long_varint();
  }
  std::uint64_t long_varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (p == end) break;
      const std::uint8_t b = *p++;
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    bad = true;
    return 0;
  }
};

// The slot model both sides keep: the slot an allocation is expected to
// take is the most recently freed one, else the next new one (as
// TraceBuilder assigns them). It only predicts; any slot can be encoded.
// The stack of freed slots lives in the caller's storage, room for one per
// event of the chunk (a chunk cannot free more slots than it has events).
struct SlotModel {
  std::uint32_t next;
  std::uint32_t* freed;
  std::size_t top = 0;
  std::uint32_t prev = 0;  // the last slot named: deltas are taken from it

  SlotModel(std::uint32_t next_slot, std::uint32_t* stack) : next(next_slot), freed(stack) {}
  std::uint32_t predicted() const { return top == 0 ? next : freed[top - 1]; }
  void update(const Event& e) {
    if (e.id == kNoObject) return;
    if (e.id >= next) next = e.id + 1;
    const bool frees = e.op == Op::kFree || (e.op == Op::kRealloc && e.size == 0);
    if (frees) {
      freed[top++] = e.id;
    } else if (top != 0 && freed[top - 1] == e.id) {
      --top;
    }
    prev = e.id;
  }
};

// The most the streams of n events can take: an op byte, a 3-byte thread,
// 10-byte slot and size varints, an aux byte and a time's low byte and
// 8-byte varint each.
constexpr std::uint64_t most_raw_bytes(std::uint64_t n) { return kStreamTable + n * 34; }

}  // namespace

std::string hrt_event_problem(const Event& e, std::uint32_t object_count, std::uint32_t thread_count) {
  if (!hrt_event_in_range(e, object_count, thread_count)) return "invalid (op, object id or thread out of range)";
  if (!hrt_event_aux_ok(e)) return "invalid (aux " + std::to_string(e.aux) + " for " + op_name(e.op) + ")";
  return "";
}

std::string encode_hrt_chunk(const Event* events, const std::uint64_t* timestamps, std::size_t n,
                             std::uint32_t next_slot, int level) {
  std::array<std::string, kStreams> s;
  s[kOps].reserve(n);
  std::vector<std::uint32_t> freed(n);
  SlotModel slots(next_slot, freed.data());
  std::uint16_t thread = 0;
  std::uint64_t last_size = 0, last_time = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Event& e = events[i];
    auto op = static_cast<std::uint8_t>(static_cast<std::uint8_t>(e.op) & kOpMask);
    if (e.thread != thread) {
      op |= kThreadChanged;
      put_varint(s[kThreads], e.thread);
      thread = e.thread;
    }
    if (e.id == slots.predicted()) {
      op |= kSlotPredicted;
    } else {
      put_varint(s[kSlots], zigzag(static_cast<std::int64_t>(e.id) - static_cast<std::int64_t>(slots.prev)));
    }
    const bool is_free = e.op == Op::kFree;
    if (e.size == (is_free ? 0 : last_size)) {
      op |= kSizeRepeated;
    } else {
      put_varint(s[kSizes], e.size);
    }
    if (!is_free) last_size = e.size;
    if (e.aux != 0) {
      op |= kHasAux;
      s[kAux].push_back(static_cast<char>(e.aux));
    }
    s[kOps].push_back(static_cast<char>(op));
    if (timestamps != nullptr) {
      const std::uint64_t z = zigzag(static_cast<std::int64_t>(timestamps[i] - last_time));
      s[kTimeLow + static_cast<int>(e.op)].push_back(static_cast<char>(z & 0xff));
      put_varint(s[kTimeHigh], z >> 8);
      last_time = timestamps[i];
    }
    slots.update(e);
  }
  std::string raw(kStreamTable, '\0');
  for (int k = 0; k < kStreams; ++k) {
    const auto len = static_cast<std::uint32_t>(s[k].size());
    std::memcpy(raw.data() + k * sizeof len, &len, sizeof len);
  }
  for (const std::string& stream : s) raw += stream;
  // The frame carries zstd's checksum of the decoded bytes too: a frame
  // changed and resealed still fails instead of decoding to other events.
  struct Context {
    ZSTD_CCtx* z = ZSTD_createCCtx();
    ~Context() { ZSTD_freeCCtx(z); }
  };
  thread_local Context ctx;
  if (ctx.z == nullptr) throw std::runtime_error("zstd cannot make a compression context");
  ZSTD_CCtx_reset(ctx.z, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(ctx.z, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(ctx.z, ZSTD_c_checksumFlag, 1);
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  const std::size_t z = ZSTD_compress2(ctx.z, out.data(), out.size(), raw.data(), raw.size());
  if (ZSTD_isError(z)) throw std::runtime_error(std::string("zstd cannot compress a chunk: ") + ZSTD_getErrorName(z));
  out.resize(z);
  return out;
}

std::uint64_t hrt_chunk_stored_bound(std::uint64_t n) {
  return ZSTD_compressBound(static_cast<std::size_t>(most_raw_bytes(n)));
}

HrtChunkDecoder::HrtChunkDecoder()
    : context_(ZSTD_estimateDCtxSize()),
      raw_(most_raw_bytes(kHrtChunkEvents)),
      freed_(std::size_t{kHrtChunkEvents} * sizeof(std::uint32_t)) {
  dctx_ = ZSTD_initStaticDCtx(context_.data(), context_.size());
  if (dctx_ == nullptr) throw std::runtime_error("zstd cannot make a decoding context");
}

std::string decode_hrt_chunk(const void* data, std::size_t bytes, std::size_t n, std::uint32_t next_slot,
                             const ChunkLimits& limits, Event* events, std::uint64_t* timestamps) {
  // One decoder per thread, kept from chunk to chunk.
  thread_local HrtChunkDecoder decoder;
  return decoder.decode(data, bytes, n, next_slot, limits, events, timestamps);
}

std::string HrtChunkDecoder::decode(const void* data, std::size_t bytes, std::size_t n, std::uint32_t next_slot,
                                    const ChunkLimits& limits, Event* events, std::uint64_t* timestamps) {
  if (n > kHrtChunkEvents)
    return "it holds " + std::to_string(n) + " events, more than a chunk may (" + std::to_string(kHrtChunkEvents) + ")";
  const unsigned long long declared = ZSTD_getFrameContentSize(data, bytes);
  if (declared == ZSTD_CONTENTSIZE_ERROR) return "not a zstd frame";
  if (declared == ZSTD_CONTENTSIZE_UNKNOWN || declared < kStreamTable || declared > most_raw_bytes(n))
    return "its decoded size is missing or impossible for " + std::to_string(n) + " events";
  const std::span<std::uint8_t> raw(raw_.as<std::uint8_t>(), static_cast<std::size_t>(declared));
  const std::size_t got = ZSTD_decompressDCtx(dctx_, raw.data(), raw.size(), data, bytes);
  if (ZSTD_isError(got)) return std::string("zstd cannot decode it: ") + ZSTD_getErrorName(got);
  if (got != raw.size()) return "it decodes to fewer bytes than it declares";

  std::array<Reader, kStreams> r;
  std::uint64_t at = kStreamTable;
  for (int k = 0; k < kStreams; ++k) {
    std::uint32_t len;
    std::memcpy(&len, raw.data() + k * sizeof len, sizeof len);
    if (len > raw.size() - at) return "its stream table names more bytes than it holds";
    r[k].p = raw.data() + at;
    r[k].end = r[k].p + len;
    at += len;
  }
  if (at != raw.size()) return "it holds bytes after its last stream";
  if (r[kOps].end - r[kOps].p != static_cast<std::ptrdiff_t>(n))
    return "its op stream holds " + std::to_string(r[kOps].end - r[kOps].p) + " events, not " + std::to_string(n);
  if (!limits.timed)
    for (int k = kTimeHigh; k < kStreams; ++k)
      if (r[k].p != r[k].end) return "it holds timestamps in a trace without them";

  SlotModel slots(next_slot, freed_.as<std::uint32_t>());
  std::uint16_t thread = 0;
  std::uint64_t last_size = 0, last_time = 0;
  // The streams every event may read, as locals the compiler can keep in
  // registers (the op stream holds exactly n bytes: checked above).
  const std::uint8_t* ops = r[kOps].p;
  Reader threads = r[kThreads], slot_deltas = r[kSlots], sizes = r[kSizes], aux = r[kAux], high = r[kTimeHigh];
  auto put_back = [&] {
    r[kOps].p = r[kOps].end;
    r[kThreads] = threads;
    r[kSlots] = slot_deltas;
    r[kSizes] = sizes;
    r[kAux] = aux;
    r[kTimeHigh] = high;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t op = ops[i];
    // Written field by field where it goes: an Event built on the stack and
    // copied whole stalls on store forwarding (half the decoding time).
    Event& e = events[i];
    e.op = static_cast<Op>(op & kOpMask);
    e.aux = 0;
    if (op & 0x80) return "event " + std::to_string(i) + " of the chunk has an unknown flag";
    if (op & kThreadChanged) {
      const std::uint64_t t = threads.varint();
      if (t > 0xffff) return "event " + std::to_string(i) + " of the chunk names thread " + std::to_string(t);
      thread = static_cast<std::uint16_t>(t);
    }
    e.thread = thread;
    if (op & kSlotPredicted) {
      e.id = slots.predicted();
    } else {
      const std::int64_t id = static_cast<std::int64_t>(slots.prev) + unzigzag(slot_deltas.varint());
      if (id < 0 || id > static_cast<std::int64_t>(kNoObject))
        return "event " + std::to_string(i) + " of the chunk names object " + std::to_string(id);
      e.id = static_cast<std::uint32_t>(id);
    }
    const bool is_free = e.op == Op::kFree;
    e.size = (op & kSizeRepeated) ? (is_free ? 0 : last_size) : sizes.varint();
    if (!is_free) last_size = e.size;
    if (op & kHasAux) {
      e.aux = aux.byte();
      if (e.aux == 0) return "event " + std::to_string(i) + " of the chunk has an aux byte of 0";
    }
    if (limits.timed && static_cast<unsigned>(e.op) < kOpCount) {
      const std::uint64_t low = r[kTimeLow + static_cast<int>(e.op)].byte();
      last_time += static_cast<std::uint64_t>(unzigzag(high.varint() << 8 | low));
      timestamps[i] = last_time;
    }
    // A stream that ran out gave zeros: the chunk fails below, whatever
    // those events were.
    if (!hrt_event_ok(e, limits.object_count, limits.thread_count)) {
      put_back();
      for (const Reader& x : r)
        if (x.bad) return "event " + std::to_string(i) + " of the chunk runs past the end of a stream";
      return "event " + std::to_string(i) + " of the chunk is " +
             hrt_event_problem(e, limits.object_count, limits.thread_count);
    }
    slots.update(e);
  }
  put_back();
  for (const Reader& x : r) {
    if (x.bad) return "the chunk's events run past the end of a stream";
    if (x.p != x.end) return "a stream holds bytes after the chunk's last event";
  }
  return "";
}

}  // namespace heapreplay
