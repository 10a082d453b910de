// LiveSet: the keys of a generator's live objects, with O(1) insertion and
// O(1) removal of a member picked at random (swap with the last). Its order
// depends only on the calls made, so draws from it are reproducible.
#pragma once

#include <cstdint>
#include <vector>

#include "traces/generators/random.h"

namespace heapreplay {

class LiveSet {
 public:
  void add(std::uint64_t key) { keys_.push_back(key); }
  // Removes and returns the member at `i` (precondition: i < size()).
  std::uint64_t take_at(std::size_t i) {
    std::uint64_t k = keys_[i];
    keys_[i] = keys_.back();
    keys_.pop_back();
    return k;
  }
  // Precondition: not empty.
  std::uint64_t take_random(SplitMix64& rng) { return take_at(rng.below(keys_.size())); }
  std::uint64_t pick_random(SplitMix64& rng) const { return keys_[rng.below(keys_.size())]; }
  std::uint64_t at(std::size_t i) const { return keys_[i]; }
  std::size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }
  void clear() { keys_.clear(); }

 private:
  std::vector<std::uint64_t> keys_;
};

}  // namespace heapreplay
