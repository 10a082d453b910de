// How fuzz_hrt.cpp reads its input, shared with the regression tests: the
// first byte is a flag, the rest the .hrt file; with the flag odd, the header
// and payload checksums (and a compact file's chunk checksums) are made right
// first (where the ranges the header names lie inside the file), so that the
// fuzzer gets past the checksums to the checks behind them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "traces/hrt_format.h"

namespace heapreplay::fuzz {

inline std::vector<std::uint8_t> hrt_file_from_input(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return {};
  std::vector<std::uint8_t> bytes(data + 1, data + size);
  if ((data[0] & 1) == 0 || bytes.size() < sizeof(HrtHeader)) return bytes;
  HrtHeader h;
  std::memcpy(&h, bytes.data(), sizeof h);
  const std::uint64_t n = bytes.size();
  auto inside = [&](std::uint64_t off, std::uint64_t len) { return off <= n && len <= n - off; };
  const bool timed = (h.flags & kHrtHasTimestamps) != 0;
  if (h.version == kHrtCompactVersion) {
    // Version 2: each chunk's checksum where the index entry and the chunk
    // header lie inside the file, then the index and metadata's.
    const std::uint64_t index_bytes = std::uint64_t{h.chunk_count} * sizeof(HrtIndexEntry);
    if (inside(h.index_offset, index_bytes)) {
      for (std::uint32_t k = 0; k < h.chunk_count; ++k) {
        HrtIndexEntry e;
        std::memcpy(&e, bytes.data() + h.index_offset + k * sizeof e, sizeof e);
        HrtChunkHeader c;
        if (!inside(e.offset, sizeof c)) continue;
        std::memcpy(&c, bytes.data() + e.offset, sizeof c);
        if (!inside(e.offset + sizeof c, c.stored_bytes)) continue;
        c.checksum = hrt_checksum(bytes.data() + e.offset + sizeof c, c.stored_bytes, 0);
        std::memcpy(bytes.data() + e.offset, &c, sizeof c);
      }
      if (inside(h.meta_offset, h.meta_bytes))
        h.payload_checksum = hrt_checksum(bytes.data() + h.meta_offset, h.meta_bytes,
                                          hrt_checksum(bytes.data() + h.index_offset, index_bytes, 0));
    }
  } else if (h.event_count <= n / sizeof(Event) && inside(h.events_offset, h.event_count * sizeof(Event)) &&
             (!timed || (h.event_count <= n / 8 && inside(h.timestamps_offset, h.event_count * 8))) &&
             inside(h.meta_offset, h.meta_bytes)) {
    std::uint64_t sum = hrt_checksum(bytes.data() + h.events_offset, h.event_count * sizeof(Event), 0);
    sum = hrt_checksum(bytes.data() + (timed ? h.timestamps_offset : 0), timed ? h.event_count * 8 : 0, sum);
    h.payload_checksum = hrt_checksum(bytes.data() + h.meta_offset, h.meta_bytes, sum);
  }
  h.header_checksum = hrt_checksum(&h, offsetof(HrtHeader, header_checksum), 0);
  std::memcpy(bytes.data(), &h, sizeof h);
  return bytes;
}

}  // namespace heapreplay::fuzz
