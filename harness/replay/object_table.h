// ObjectTable: the replay's map from a trace's dense object id to the live
// block, preallocated (mmap, pre-faulted) before timing starts so the replay
// loop never allocates and the table's pages are part of the memory baseline.
#pragma once

#include <cstddef>
#include <cstdint>

namespace heapreplay {

// One live object. `size_and_align` packs the requested bytes (low 58 bits) and
// log2 of the alignment asked for (high 6 bits): a request that large never
// succeeds, so a live slot's size always fits.
struct Slot {
  void* ptr;
  std::uint64_t size_and_align;

  static constexpr int kAlignShift = 58;
  static constexpr std::uint64_t kSizeMask = (std::uint64_t{1} << kAlignShift) - 1;

  std::uint64_t size() const { return size_and_align & kSizeMask; }
  std::size_t alignment() const { return std::size_t{1} << (size_and_align >> kAlignShift); }
  static std::uint64_t pack(std::uint64_t size, unsigned log2_align) {
    return (size & kSizeMask) | (std::uint64_t{log2_align} << kAlignShift);
  }
};

class ObjectTable {
 public:
  // Maps and pre-faults room for `count` slots (at least one), all empty.
  // Throws std::bad_alloc if the OS refuses.
  explicit ObjectTable(std::size_t count);
  ~ObjectTable();
  ObjectTable(const ObjectTable&) = delete;
  ObjectTable& operator=(const ObjectTable&) = delete;

  Slot* data() { return slots_; }
  std::size_t size() const { return count_; }
  // Empties every slot (for a second repetition in the same process).
  void clear();

 private:
  Slot* slots_ = nullptr;
  std::size_t count_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace heapreplay
