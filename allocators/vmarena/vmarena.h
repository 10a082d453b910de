// vmarena: the virtual memory arena of seed 004 (ACS UPB SD 2023 homework 1).
//
// Glossary
//   arena      a range of `arena_bytes` offsets, reserved once as address space
//   miniblock  one successful ALLOC_BLOCK / allocate(): [start, start + size),
//              with permissions R=4, W=2, X=1 (default RW- = 6)
//   block      a maximal run of adjacent miniblocks; blocks are derived, never
//              stored: two miniblocks are in one block iff no free byte is between
//   gap        a maximal run of free offsets
//
// The original keeps a linked list of blocks, each with a linked list of
// miniblocks, and scans them. Here miniblocks sit in an ordered map by start
// and gaps in a GapIndex (ordered by start, augmented with subtree maxima),
// so placement, freeing, lookup and lowest-address fit are all O(log n).
// Memory: the arena is reserved with no access; a page is committed when a
// WRITE touches it (command language) or when allocate() hands it out
// (trace replay, where the caller writes through the pointer), and is
// decommitted once no miniblock overlaps it. Bytes of an ALLOC_BLOCK that
// were never written read as 0 (a block from allocate() is, like malloc's,
// not cleared). An arena the OS will not reserve in one piece (larger than
// the address space left: valgrind allows about 60 GiB) is kept sparse
// instead: each written page is mapped on its own; the command language works
// the same, but allocate() has no pointers to give and returns nullptr.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "allocators/core/allocator.h"
#include "allocators/core/page_source.h"
#include "allocators/vmarena/commit_map.h"
#include "allocators/vmarena/gap_index.h"
#include "allocators/vmarena/vma_status.h"
#include "allocators/vmarena/vmarena_config.h"

namespace heapreplay {

// One miniblock as seen from outside.
struct VmaMiniblock {
  std::uint64_t start = 0;
  std::uint64_t size = 0;
  std::uint8_t perm = 0;
};

class Vmarena {
 public:
  using Config = VmarenaConfig;  // what allocators/dispatch.h parses options into
  static constexpr bool kThreadSafe = false;
  // Its read()/write() take an arena offset, not a block: they are not the
  // shell's checked write/read.
  static constexpr Capabilities kCapabilities{.allocated_bytes = true};
  static constexpr std::uint8_t kPermRead = 4;
  static constexpr std::uint8_t kPermWrite = 2;
  static constexpr std::uint8_t kPermExec = 1;
  static constexpr std::uint8_t kPermDefault = kPermRead | kPermWrite;  // RW-, as the skeleton's perm = 6

  // Creates the arena of config.arena_bytes (none when 0). If the OS refuses
  // the reservation, has_arena() is false and every operation fails.
  explicit Vmarena(VmarenaConfig config = {});
  ~Vmarena();
  Vmarena(const Vmarena&) = delete;
  Vmarena& operator=(const Vmarena&) = delete;

  // --- The command language (all offsets relative to the arena) ---

  // ALLOC_ARENA: drops any current arena and reserves a new one of `bytes`
  // (64-bit; nothing is committed). When the OS refuses the reservation, or
  // config.sparse says so, the arena is sparse (see the top of this file).
  // kOutOfMemory only for an arena within a page of 2^64 bytes.
  VmaStatus create_arena(std::uint64_t bytes);
  // DEALLOC_ARENA: gives everything back; has_arena() becomes false.
  void dealloc_arena();
  bool has_arena() const { return has_arena_; }
  // Whether the arena is sparse: no reserved range, base() is nullptr.
  bool sparse() const { return sparse_; }
  std::uint64_t arena_bytes() const { return arena_bytes_; }

  // ALLOC_BLOCK: a new miniblock [offset, offset + size) with permissions RW-.
  // Errors in this order: kOutsideArena (offset >= arena), kEndPastArena
  // (offset + size > arena), kAlreadyAllocated (overlaps an allocated byte);
  // size 0 gives kBadArgument. Joins the blocks that end at offset and start
  // at offset + size. Commits nothing; clears what a freed block left on the
  // (at most two) committed pages it overlaps. O(log n).
  VmaStatus alloc_at(std::uint64_t offset, std::uint64_t size);
  // FREE_BLOCK: offset must be exactly a miniblock start, else kInvalidFree.
  // Freeing a middle miniblock splits its block in two. O(log n).
  VmaStatus free_at(std::uint64_t offset);
  // READ: offset may be any allocated byte. Reads min(n, bytes to the end of
  // the offset's BLOCK) bytes into `out` (which must hold that many; see
  // bytes_available()), crossing miniblocks of the block. kInvalidRead when
  // offset is not allocated; kReadPermission (nothing copied) when a touched
  // miniblock lacks R. Never-written bytes read as 0. O(log n + touched).
  VmaAccess read(std::uint64_t offset, std::uint64_t n, void* out) const;
  // WRITE: as read() with kInvalidWrite / kWritePermission; commits the pages
  // it touches. kOutOfMemory (nothing written) if the OS refuses to commit.
  VmaAccess write(std::uint64_t offset, const void* data, std::uint64_t n);
  VmaAccess write(std::uint64_t offset, std::string_view data) { return write(offset, data.data(), data.size()); }
  // What read() / write() of n bytes at offset would return, without moving
  // or committing a byte. A caller that checks a large access once this way
  // can then move it in pieces, each of which succeeds (the VMA shell streams
  // a READ of a huge block instead of buffering it). O(log n + touched).
  VmaAccess check_read(std::uint64_t offset, std::uint64_t n) const;
  VmaAccess check_write(std::uint64_t offset, std::uint64_t n) const;
  // Bytes from `offset` to the end of its block; 0 when offset is not allocated.
  std::uint64_t bytes_available(std::uint64_t offset) const;
  // MPROTECT: replaces the permissions of the miniblock starting exactly at
  // offset (else kInvalidMprotect); perm > 7 gives kBadArgument. Permissions
  // are bookkeeping only, as in the original: the OS protection is unchanged.
  VmaStatus mprotect(std::uint64_t offset, std::uint8_t perm);
  // PMAP, exactly the homework's format (tabs, 0x%lX hex, exclusive ends).
  void pmap(std::ostream& os) const;

  std::uint64_t block_count() const { return block_count_; }
  std::uint64_t miniblock_count() const { return minis_.size(); }
  std::uint64_t allocated_bytes() const { return allocated_bytes_; }
  // The miniblock starting exactly at offset.
  std::optional<VmaMiniblock> miniblock(std::uint64_t offset) const;
  // Arena offset 0 in memory (nullptr without an arena of at least 1 byte, and
  // for a sparse arena).
  char* base() const { return base_; }
  std::uint64_t committed_bytes() const { return committed_.committed_bytes(); }

  // --- Allocator (trace replay) ---

  // Lowest free offset that fits `bytes` (rounded up to the granule) at
  // `alignment` (power of two up to the OS page): exact for alignments up to
  // the granule; for larger ones the lowest gap certain to fit is taken when
  // the lowest gap that is long enough is misaligned. Commits the pages.
  // nullptr when nothing fits, for absurd sizes and bad alignments.
  void* allocate(std::size_t bytes, std::size_t alignment) noexcept;
  // Frees the miniblock starting at p; anything else is ignored.
  void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept;
  // Shrinks in place; grows in place when the bytes after the miniblock are
  // free, else allocate + copy + free. nullptr on failure with p untouched.
  void* reallocate(void* p, std::size_t old_bytes, std::size_t new_bytes, std::size_t alignment) noexcept;
  // The miniblock size at p (>= the request); 0 if p starts no miniblock.
  std::size_t usable_size(const void* p) const;

  AllocatorStats stats() const;
  // Walks every miniblock, gap and committed run: order, no overlap, gaps
  // exactly the complement of the miniblocks, index invariants, counters.
  CheckResult check() const;
  // The PMAP text.
  void dump(std::ostream& os) const { pmap(os); }
  // Back to the freshly constructed state (a new arena of config.arena_bytes).
  void reset();
  // The name on the command line (-a vmarena) and what `heapreplay list` says of it.
  static constexpr std::string_view kName = "vmarena";
  static constexpr std::string_view kSummary = "virtual memory arena of blocks and miniblocks (seed 004)";
  std::string name() const { return std::string(kName); }
  const VmarenaConfig& config() const { return config_; }

 private:
  friend struct VmarenaTestAccess;  // tests corrupt the maps to see check() fail

  struct Mini {
    std::uint64_t size;
    std::uint8_t perm;
  };
  using MiniMap = std::map<std::uint64_t, Mini>;

  void place(std::uint64_t offset, std::uint64_t size, const GapIndex::Gap& gap);
  void free_miniblock(MiniMap::iterator it);
  void shrink_miniblock(MiniMap::iterator it, std::uint64_t new_size);
  void release_bytes(std::uint64_t begin, std::uint64_t end);
  void zero_committed(std::uint64_t begin, std::uint64_t end);
  MiniMap::const_iterator containing(std::uint64_t offset) const;
  std::uint64_t block_end(std::uint64_t offset) const;
  VmaAccess check_access(std::uint64_t offset, std::uint64_t n, std::uint8_t perm, VmaStatus invalid,
                         VmaStatus denied) const;
  std::optional<std::uint64_t> offset_of(const void* p) const;
  bool commit_bytes(std::uint64_t begin, std::uint64_t end);
  bool has_memory() const { return base_ != nullptr || sparse_; }

  VmarenaConfig config_;
  std::optional<PageSource> pages_;  // re-created by reset() so counters restart
  char* base_ = nullptr;
  bool sparse_ = false;  // arena pages mapped one by one (no reserved range)
  bool has_arena_ = false;
  std::uint64_t arena_bytes_ = 0;
  std::uint64_t reserved_bytes_ = 0;  // arena_bytes_ rounded up to the OS page
  MiniMap minis_;                     // start -> miniblock
  GapIndex gaps_;                     // free runs, exactly the complement of the miniblocks
  CommitMap committed_;
  std::uint64_t block_count_ = 0;
  std::uint64_t allocated_bytes_ = 0;
  mutable std::vector<GapIndex::Gap> check_scratch_;  // reused by check(), which runs after every test step
};

static_assert(Allocator<Vmarena>);

}  // namespace heapreplay
