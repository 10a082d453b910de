// The `.hrt` binary trace format: a versioned header, the event stream, optional
// timestamps, and a JSON metadata block. Version 1 (plain) holds the events as
// an array of 16-byte Event records, mapped and replayed in place; version 2
// (compact) holds them in independently decodable zstd chunks with an index
// (hrt_chunk.h), decoded when the file is opened. The byte layout is
// documented in traces/FORMAT.md.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "traces/hrt_chunk.h"
#include "traces/trace.h"

namespace heapreplay {

inline constexpr char kHrtMagic[8] = {'H', 'R', 'T', 'R', 'A', 'C', 'E', '\0'};
inline constexpr std::uint32_t kHrtVersion = 1;         // plain
inline constexpr std::uint32_t kHrtCompactVersion = 2;  // chunked, compressed

// The on-disk header (little-endian, 128 bytes).
struct HrtHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t header_bytes;
  std::uint64_t event_count;
  std::uint32_t object_count;
  std::uint32_t thread_count;
  std::uint32_t event_bytes;
  std::uint32_t flags;              // kHrtHasTimestamps
  std::uint64_t events_offset;      // version 2: the first chunk
  std::uint64_t timestamps_offset;  // 0 when absent (version 2: always 0, they are in the chunks)
  std::uint64_t meta_offset;
  std::uint64_t meta_bytes;
  std::uint64_t file_bytes;
  std::uint64_t payload_checksum;  // hrt_checksum over events, timestamps, meta (version 2: index, meta)
  std::uint64_t header_checksum;   // hrt_checksum over the bytes before this field
  // Version 2 only (0 in version 1): the chunk index.
  std::uint64_t index_offset;
  std::uint32_t chunk_count;
  std::uint32_t chunk_events;  // events per chunk but the last
  std::uint8_t reserved[16];
};
static_assert(sizeof(HrtHeader) == 128);
inline constexpr std::uint32_t kHrtHasTimestamps = 0x1;

// Version 2: what precedes each chunk's zstd frame, and one entry of the
// index (little-endian; see FORMAT.md).
struct HrtChunkHeader {
  char magic[4];  // "HRCK"
  std::uint32_t event_count;
  std::uint64_t first_event;
  std::uint32_t next_slot;     // one past the highest slot named before the chunk
  std::uint32_t stored_bytes;  // of the zstd frame that follows
  std::uint64_t checksum;      // hrt_checksum over the frame
};
static_assert(sizeof(HrtChunkHeader) == 32);
struct HrtIndexEntry {
  std::uint64_t offset;  // of the chunk's header
  std::uint64_t first_event;
  std::uint32_t event_count;
  std::uint32_t stored_bytes;
};
static_assert(sizeof(HrtIndexEntry) == 24);
inline constexpr char kHrtChunkMagic[4] = {'H', 'R', 'C', 'K'};

// How write_hrt lays the events out.
enum class HrtEncoding {
  kPlain,    // version 1: mapped and replayed in place (the replay children's temporary traces)
  kCompact,  // version 2: what heapreplay writes for users to keep
};

// The checksum used by the format (a word-at-a-time multiply-rotate mix; see
// FORMAT.md). `seed` chains several ranges.
std::uint64_t hrt_checksum(const void* data, std::size_t bytes, std::uint64_t seed = 0);

// hrt_checksum over bytes given in pieces: the value one call over all of
// them gives, for a length known up front (bytes past it are ignored).
class HrtChecksum {
 public:
  explicit HrtChecksum(std::uint64_t total_bytes, std::uint64_t seed = 0);
  void update(const void* data, std::size_t bytes);
  std::uint64_t value() const;  // once all total_bytes were given

 private:
  void block(const unsigned char* p);
  std::uint64_t lane_[4];
  std::uint64_t left_;
  unsigned char buffer_[32];
  std::size_t pending_ = 0;
};

// What is wrong with a header for a file of `file_bytes` ("" when nothing):
// its checksum, version, sizes, counts, and where it says the events,
// timestamps, chunk index and metadata lie. Readers check nothing else
// before they trust the header's numbers.
std::string hrt_header_problem(const HrtHeader& h, std::uint64_t file_bytes);

// ImportStats as a JSON object with one field per counter, and back (unknown
// or mistyped fields are ignored; absent ones are 0).
nlohmann::json import_stats_to_json(const ImportStats& s);
ImportStats import_stats_from_json(const nlohmann::json& j);

// Writes `trace` to `path` atomically (temporary file in the same folder,
// fsync, rename). Throws std::runtime_error naming the path on any failure;
// no partial file is left behind. `level` is the zstd level of a compact
// file's chunks (hrt_chunk.h: kHrtChunkLevel, or kHrtRecordLevel for what a
// user waits for).
void write_hrt(const Trace& trace, const std::string& path, HrtEncoding encoding = HrtEncoding::kPlain,
               int level = kHrtChunkLevel);

// Where an `.hrt` file's events came from, as its metadata block says.
struct HrtSource {
  std::string format = "hrt";  // the format it was converted from
  ImportStats import;
};
// What a metadata block says; one that does not parse gives the defaults.
HrtSource hrt_source_from_metadata(const std::string& text);

// An `.hrt` file mapped read-only (version 1), or decoded into memory
// (version 2). Opening validates everything a replay relies on (header
// fields, bounds, checksums, every event's op, id and thread range), so a
// crafted file cannot make a reader go out of bounds.
class HrtFile {
 public:
  // Throws TraceError ("PATH: what") on any problem. `populate` pre-faults the
  // mapping so that first-touch page faults do not land inside a timed replay.
  explicit HrtFile(const std::string& path, bool populate = true);
  ~HrtFile();
  HrtFile(HrtFile&& other) noexcept;
  HrtFile& operator=(HrtFile&&) = delete;
  HrtFile(const HrtFile&) = delete;

  TraceView view() const;
  const HrtHeader& header() const { return *header_; }
  // The metadata JSON text (source format, import statistics).
  std::string metadata() const;
  // The metadata parsed; a block that does not parse gives the defaults.
  HrtSource source() const;
  std::uint64_t file_bytes() const { return bytes_; }
  bool compact() const { return header_->version == kHrtCompactVersion; }

 private:
  void decode_chunks(const std::string& path);

  void* base_ = nullptr;
  std::uint64_t bytes_ = 0;
  const HrtHeader* header_ = nullptr;
  std::vector<Event> events_;  // version 2: the decoded events and timestamps
  std::vector<std::uint64_t> timestamps_;
};

// Reads a whole `.hrt` into memory (a copy), restoring format and import
// statistics from the metadata. Throws TraceError.
Trace read_hrt(const std::string& path);

}  // namespace heapreplay
