// KeySlotMap: TraceBuilder's table of live objects, source key (an address or
// a file's object id, any 64-bit value) -> dense slot. Small keys (the object
// ids of .rep, wee and text files) index a plain array; the rest (addresses)
// go to an open-addressing table with linear probing and backward-shift
// deletion. Neither allocates per insert or erase, and a lookup usually costs
// one cache line, which is what lets a reader keep up with 100 MB/s of input
// (std::unordered_map spent ~150 ns an event).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace heapreplay {

class KeySlotMap {
 public:
  static constexpr std::uint32_t kAbsent = 0xFFFFFFFFu;  // never a slot (it is kNoObject)

  // Keys below this index direct_ (4 bytes each, grown to the largest key
  // seen, so at most 4 MiB).
  static constexpr std::uint64_t kDirectKeys = std::uint64_t{1} << 20;

  // The key's slot, or kAbsent.
  std::uint32_t find(std::uint64_t key) const {
    if (key < kDirectKeys) return key < direct_.size() ? direct_[key] : kAbsent;
    if (size_ == 0) return kAbsent;
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      if (buckets_[i].slot == kAbsent) return kAbsent;
      if (buckets_[i].key == key) return buckets_[i].slot;
    }
  }

  // Removes the key; returns its slot, or kAbsent if it was not there.
  std::uint32_t take(std::uint64_t key) {
    if (key < kDirectKeys) {
      if (key >= direct_.size()) return kAbsent;
      std::uint32_t slot = direct_[key];
      direct_[key] = kAbsent;
      return slot;
    }
    if (size_ == 0) return kAbsent;
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      if (buckets_[i].slot == kAbsent) return kAbsent;
      if (buckets_[i].key == key) {
        std::uint32_t slot = buckets_[i].slot;
        erase_at(i);
        return slot;
      }
    }
  }

  // Precondition: key is absent and slot != kAbsent.
  void insert(std::uint64_t key, std::uint32_t slot) {
    if (key < kDirectKeys) {
      if (key >= direct_.size()) direct_.resize(std::bit_ceil(static_cast<std::size_t>(key) + 1), kAbsent);
      direct_[key] = slot;
      return;
    }
    if ((size_ + 1) * 2 > buckets_.size()) grow();
    std::size_t i = home(key);
    while (buckets_[i].slot != kAbsent) i = (i + 1) & mask_;
    buckets_[i] = Bucket{key, slot};
    ++size_;
  }

  void clear() {
    direct_.clear();
    buckets_.clear();
    mask_ = 0;
    shift_ = 63;  // any valid shift: home() is only used once buckets exist
    size_ = 0;
  }

 private:
  struct Bucket {
    std::uint64_t key;
    std::uint32_t slot;
  };

  // Fibonacci hashing: the top bits of key * 2^64/phi, good for both dense
  // ids and 16-byte-aligned addresses.
  std::size_t home(std::uint64_t key) const {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_) & mask_;
  }

  void erase_at(std::size_t i) {
    // Pull back every later entry of the run that may sit at i, so no
    // lookup ever meets a hole before its key.
    for (std::size_t j = (i + 1) & mask_; buckets_[j].slot != kAbsent; j = (j + 1) & mask_) {
      std::size_t h = home(buckets_[j].key);
      bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
      if (!stays) {
        buckets_[i] = buckets_[j];
        i = j;
      }
    }
    buckets_[i].slot = kAbsent;
    --size_;
  }

  void grow() {
    std::vector<Bucket> old = std::move(buckets_);
    std::size_t capacity = old.empty() ? 16 : old.size() * 2;
    buckets_.assign(capacity, Bucket{0, kAbsent});
    mask_ = capacity - 1;
    shift_ = 64 - static_cast<unsigned>(__builtin_ctzll(capacity));
    size_ = 0;
    for (const Bucket& b : old)
      if (b.slot != kAbsent) insert(b.key, b.slot);
  }

  std::vector<std::uint32_t> direct_;  // key -> slot for keys < kDirectKeys
  std::vector<Bucket> buckets_;        // the other keys
  std::size_t mask_ = 0;
  unsigned shift_ = 63;   // any valid shift: home() is only used once buckets exist
  std::size_t size_ = 0;  // entries in buckets_
};

}  // namespace heapreplay
