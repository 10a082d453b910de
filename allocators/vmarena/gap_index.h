// GapIndex: the free gaps of a vmarena arena, ordered by start address and
// augmented with the longest gap in each subtree, so that "the lowest gap of
// at least L bytes" is found in O(log n) instead of by a scan over all gaps.
//
// A treap (randomised balanced binary search tree) kept in a node vector; the
// priorities come from a fixed-seed generator, so runs are reproducible.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace heapreplay {

class GapIndex {
 public:
  struct Gap {
    std::uint64_t start = 0;
    std::uint64_t bytes = 0;
    std::uint64_t end() const { return start + bytes; }
  };

  GapIndex() = default;

  // Removes every gap (keeps the node storage).
  void clear();
  // Adds [start, start + bytes). Precondition: bytes > 0 and no gap starts at `start`.
  void insert(std::uint64_t start, std::uint64_t bytes);
  // Removes the gap that starts at `start`; false if there is none.
  bool erase(std::uint64_t start);
  // Replaces the gap starting at `start` by [new_start, new_start + new_bytes)
  // in place (one root-to-node pass, no rebalancing). Precondition: that gap
  // exists, new_bytes > 0 and new_start stays between the neighbouring gaps'
  // starts. Returns false if no gap starts at `start`.
  bool assign(std::uint64_t start, std::uint64_t new_start, std::uint64_t new_bytes);

  // The gap starting exactly at `start`.
  std::optional<Gap> find(std::uint64_t start) const;
  // The gap with the largest start <= x.
  std::optional<Gap> floor(std::uint64_t x) const;
  // The gap with the smallest start >= x.
  std::optional<Gap> ceil(std::uint64_t x) const;
  // The gap with the lowest start among those of at least `min_bytes` bytes.
  std::optional<Gap> first_fit(std::uint64_t min_bytes) const;

  std::size_t size() const { return count_; }
  // Bytes of node storage held (for metadata accounting).
  std::size_t memory_bytes() const {
    return nodes_.capacity() * sizeof(Node) + free_.capacity() * sizeof(std::int32_t);
  }
  // All gaps in address order (O(n)).
  std::vector<Gap> to_vector() const;
  // Calls f(const Gap&) for every gap in address order (O(n), recursion depth
  // O(log n) expected).
  template <class F>
  void for_each(F&& f) const {
    for_each_at(root_, f);
  }
  // Empty when the search-tree order, the heap order of priorities and the
  // subtree maxima all hold; otherwise the first violation found.
  std::string verify() const;

 private:
  struct Node {
    std::uint64_t start;
    std::uint64_t bytes;
    std::uint64_t max_bytes;  // longest gap in this subtree
    std::uint32_t priority;
    std::int32_t left;
    std::int32_t right;
  };
  static constexpr std::int32_t kNil = -1;

  std::uint64_t max_of(std::int32_t t) const { return t == kNil ? 0 : nodes_[t].max_bytes; }
  void pull(std::int32_t t);
  // Splits t into keys < key (l) and keys >= key (r).
  void split(std::int32_t t, std::uint64_t key, std::int32_t& l, std::int32_t& r);
  std::int32_t merge(std::int32_t l, std::int32_t r);
  std::int32_t new_node(std::uint64_t start, std::uint64_t bytes);
  std::int32_t insert_at(std::int32_t t, std::int32_t n);
  std::int32_t erase_at(std::int32_t t, std::uint64_t start, bool& found);
  bool assign_at(std::int32_t t, std::uint64_t start, std::uint64_t new_start, std::uint64_t new_bytes);
  const char* verify_node(std::int32_t t, std::uint64_t lo, std::uint64_t hi, bool has_lo, bool has_hi,
                          std::size_t& seen) const;
  template <class F>
  void for_each_at(std::int32_t t, F& f) const {
    if (t == kNil) return;
    for_each_at(nodes_[t].left, f);
    f(Gap{nodes_[t].start, nodes_[t].bytes});
    for_each_at(nodes_[t].right, f);
  }

  std::vector<Node> nodes_;
  std::vector<std::int32_t> free_;  // recycled node slots
  std::int32_t root_ = kNil;
  std::size_t count_ = 0;
  std::uint64_t rng_ = 0x9e3779b97f4a7c15ull;
};

}  // namespace heapreplay
