// Blocks: the design of seed 001 (MeMager). Memory is a pool of equal blocks;
// an allocation of n bytes takes a run of ceil((n + header) / block_size)
// contiguous blocks and its first block starts with a header whose first byte
// is MeMager's: 0x1 free, 0x2 extended, 0x4 readable, 0x8 writable, high
// nibble = number of extra ("glued") blocks. Allocation bumps a "current"
// pointer; freeing the run that ends at current rolls current back over every
// free run before it.
//
// Faithful mode is MeMager: a 1-byte header, at most 16 blocks per run, one
// fixed pool, freed runs reused only through the rollback. The default mode
// widens the header to 16 bytes (flags byte, request, 64-bit run length), adds
// segments when the pool is full, merges freed runs and reuses them (best fit
// over a size index). See README.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "allocators/blocks/blocks_config.h"
#include "allocators/core/allocator.h"
#include "allocators/core/page_source.h"

namespace heapreplay {

class Blocks {
 public:
  using Config = BlocksConfig;  // what allocators/dispatch.h parses options into
  static constexpr bool kThreadSafe = false;
  // MeMager's own checked write, read and move, which the shell uses.
  static constexpr Capabilities kCapabilities{.write = true, .read = true, .move = true};

  // MeMager's header bits.
  static constexpr std::uint8_t kFreeBit = 0x1;
  static constexpr std::uint8_t kExtendedBit = 0x2;
  static constexpr std::uint8_t kReadableBit = 0x4;
  static constexpr std::uint8_t kWritableBit = 0x8;
  static constexpr unsigned kCountShift = 4;  // high nibble: extra blocks
  // The state of a block nobody has allocated yet: free, readable, writable.
  static constexpr std::uint8_t kDefaultState = kFreeBit | kReadableBit | kWritableBit;
  // A 4-bit count allows 15 extra blocks: 16 blocks per run in faithful mode.
  static constexpr std::size_t kMaxFaithfulRunBlocks = 16;

  // Return codes of write / read / move (MeMager's values).
  static constexpr int kOk = 0;
  static constexpr int kErrMoreBytesThanAvailable = -1;  // write/read past the end of the allocation
  static constexpr int kErrNullPointer = -2;             // write/read through a null pointer
  static constexpr int kErrBadPointer = -1;              // move from (or to) a null pointer
  static constexpr int kErrSmallerDestination = -2;      // move into an allocation smaller than the source

  // Maps the first pool (blocks_count blocks). Throws std::invalid_argument if
  // config.validate() fails. If the page source refuses, every allocation
  // fails in faithful mode; the default mode retries with a new segment.
  explicit Blocks(BlocksConfig config = {});
  ~Blocks();
  Blocks(const Blocks&) = delete;
  Blocks& operator=(const Blocks&) = delete;

  // Any power-of-two alignment up to 4096 (larger: nullptr). The payload
  // follows the header, so the native alignment is 1 (faithful) or 16
  // (default, with 16-byte-multiple blocks); larger ones over-allocate and
  // remember the run in a side table. nullptr when the pool is exhausted,
  // the run would exceed 16 blocks (faithful), or the size overflows.
  void* allocate(std::size_t bytes, std::size_t alignment) noexcept;
  // p came from this instance and is live (or nullptr: nothing happens).
  void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept;
  // In place when the run keeps its block count; the default mode also
  // shrinks in place and grows into a free run or the tail that follows.
  // Otherwise allocate, copy, free. On failure nullptr, p left intact.
  void* reallocate(void* p, std::size_t old_bytes, std::size_t new_bytes, std::size_t alignment) noexcept;
  // Bytes usable at p: the run's blocks less the header (and less the
  // alignment offset of p).
  std::size_t usable_size(const void* p) const;

  AllocatorStats stats() const;
  // Walks every segment run by run from its start to current, checking each
  // header against the free-run tables and the live counters.
  CheckResult check() const;
  // One line per segment in MeMager's notation: a used run prints
  // "[H, used/capacity]" for its first block and "[used/block_size]" for each
  // glued block; a freed block below current prints "[ ]"; nothing is printed
  // at or after current. Blocks are separated by one space.
  void dump(std::ostream& os) const;
  // Returns everything and maps a fresh first pool.
  void reset();
  // The name on the command line (-a blocks) and what `heapreplay list` says of it.
  static constexpr std::string_view kName = "blocks";
  static constexpr std::string_view kSummary = "MeMager fixed-size block pool with header bytes (seed 001)";
  std::string name() const { return std::string(kName); }

  // MeMager's extra operations, for an interactive shell. p must be live.
  // Copies n bytes from src into p at offset: kOk, kErrNullPointer if p is
  // null, kErrMoreBytesThanAvailable if offset + n exceeds usable_size(p).
  int write(void* p, std::size_t offset, const void* src, std::size_t n);
  // Copies n bytes at offset of p into dst; same checks and codes as write.
  int read(const void* p, std::size_t offset, void* dst, std::size_t n) const;
  // Copies src's usable bytes into dst and frees src (MeMager's move_ptr):
  // kOk, kErrBadPointer if either is null, kErrSmallerDestination if dst's
  // usable size is smaller than src's (then nothing happens). dst == src
  // does nothing.
  int move(void* dst, void* src);
  // The header byte of the allocation p belongs to.
  std::uint8_t header_byte(const void* p) const;
  // Number of blocks in the run of p.
  std::size_t run_blocks(const void* p) const;
  // Header bytes in front of each payload: 1 (faithful) or 16 (default).
  std::size_t header_bytes() const { return header_bytes_; }
  const BlocksConfig& config() const { return config_; }

 private:
  struct Segment {
    std::byte* base = nullptr;
    std::size_t blocks = 0;        // usable blocks
    std::size_t current = 0;       // index of the first block never handed out since the last rollback
    std::size_t mapped_bytes = 0;  // as passed to PageSource::map
  };
  // A free run below current, or (default mode, tail = true) the blocks from
  // current to the end of its segment.
  struct FreeRun {
    std::size_t blocks;
    bool tail;
  };

  std::size_t blocks_for(std::size_t inner_bytes) const;
  std::byte* run_of(const void* p) const;
  std::byte* run_of_and_forget(void* p);
  Segment& segment_of(const std::byte* run);
  const Segment* find_segment(std::uintptr_t a) const;
  std::uint8_t flags_for(std::size_t blocks, bool free) const;
  std::size_t run_length(const std::byte* run) const;
  std::uint64_t run_request(const std::byte* run) const;
  void write_used_header(std::byte* run, std::size_t blocks, std::uint64_t request);
  void write_free_header(std::byte* run, std::size_t blocks);
  bool add_segment(std::size_t min_blocks);
  void release_segment(std::map<std::uintptr_t, Segment>::iterator it);
  std::byte* take_run(std::size_t blocks);
  void release_run(std::byte* run, std::size_t blocks);
  bool grow_in_place(std::byte* run, std::size_t blocks, std::size_t need);
  void add_free(std::uintptr_t at, std::size_t blocks, bool tail);
  void remove_free(std::map<std::uintptr_t, FreeRun>::iterator it);
  void release_all() noexcept;
  // Walks one segment; `next_free` walks free_runs_ alongside (both are in
  // address order) and is left after the segment's last entry.
  CheckResult check_segment(const Segment& s, std::uint64_t* live_runs, std::uint64_t* live_blocks,
                            std::map<std::uintptr_t, FreeRun>::const_iterator* next_free) const;

  BlocksConfig config_;
  std::size_t block_bytes_;
  std::size_t header_bytes_;
  std::size_t native_align_;
  std::optional<PageSource> source_;
  std::map<std::uintptr_t, Segment> segments_;                  // by base address
  std::map<std::uintptr_t, FreeRun> free_runs_;                 // by address
  std::set<std::pair<std::size_t, std::uintptr_t>> fit_index_;  // default mode: (blocks, address) of free_runs_
  std::unordered_map<std::uintptr_t, std::uintptr_t> aligned_;  // over-aligned pointer -> its run
  std::vector<std::uint64_t> requested_;  // faithful mode: request bytes by block index of the run start
  std::uint64_t live_runs_ = 0;
  std::uint64_t live_blocks_ = 0;
};

static_assert(Allocator<Blocks>);

}  // namespace heapreplay
