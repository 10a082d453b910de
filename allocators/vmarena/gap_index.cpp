// Treap of free gaps with subtree maxima (see gap_index.h).
#include "allocators/vmarena/gap_index.h"

#include <algorithm>

namespace heapreplay {
namespace {

// Makes room for one more element with geometric growth, before any link is
// changed, so that a throwing allocation leaves the tree whole. (A bare
// reserve(size() + 1) would reallocate to the exact size every time.)
template <class T>
void reserve_one_more(std::vector<T>& v) {
  if (v.size() == v.capacity()) v.reserve(v.capacity() < 16 ? 16 : 2 * v.capacity());
}

}  // namespace

void GapIndex::clear() {
  nodes_.clear();
  free_.clear();
  root_ = kNil;
  count_ = 0;
}

void GapIndex::pull(std::int32_t t) {
  Node& n = nodes_[t];
  const std::uint64_t l = max_of(n.left);
  const std::uint64_t r = max_of(n.right);
  n.max_bytes = n.bytes > l ? (n.bytes > r ? n.bytes : r) : (l > r ? l : r);
}

void GapIndex::split(std::int32_t t, std::uint64_t key, std::int32_t& l, std::int32_t& r) {
  if (t == kNil) {
    l = r = kNil;
    return;
  }
  if (nodes_[t].start < key) {
    std::int32_t rl;
    split(nodes_[t].right, key, rl, r);
    nodes_[t].right = rl;
    l = t;
  } else {
    std::int32_t lr;
    split(nodes_[t].left, key, l, lr);
    nodes_[t].left = lr;
    r = t;
  }
  pull(t);
}

std::int32_t GapIndex::merge(std::int32_t l, std::int32_t r) {
  if (l == kNil) return r;
  if (r == kNil) return l;
  if (nodes_[l].priority > nodes_[r].priority) {
    nodes_[l].right = merge(nodes_[l].right, r);
    pull(l);
    return l;
  }
  nodes_[r].left = merge(l, nodes_[r].left);
  pull(r);
  return r;
}

std::int32_t GapIndex::new_node(std::uint64_t start, std::uint64_t bytes) {
  // xorshift64: cheap, and a fixed seed keeps layouts reproducible.
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  const Node n{start, bytes, bytes, static_cast<std::uint32_t>(rng_ >> 32), kNil, kNil};
  if (!free_.empty()) {
    const std::int32_t i = free_.back();
    free_.pop_back();
    nodes_[i] = n;
    return i;
  }
  nodes_.push_back(n);
  return static_cast<std::int32_t>(nodes_.size() - 1);
}

std::int32_t GapIndex::insert_at(std::int32_t t, std::int32_t n) {
  if (t == kNil) return n;
  if (nodes_[n].priority > nodes_[t].priority) {
    // n becomes the root of this subtree: what was here splits around its key.
    split(t, nodes_[n].start, nodes_[n].left, nodes_[n].right);
    pull(n);
    return n;
  }
  if (nodes_[n].start < nodes_[t].start) {
    nodes_[t].left = insert_at(nodes_[t].left, n);
  } else {
    nodes_[t].right = insert_at(nodes_[t].right, n);
  }
  pull(t);
  return t;
}

void GapIndex::insert(std::uint64_t start, std::uint64_t bytes) {
  if (free_.empty()) reserve_one_more(nodes_);
  root_ = insert_at(root_, new_node(start, bytes));
  ++count_;
}

std::int32_t GapIndex::erase_at(std::int32_t t, std::uint64_t start, bool& found) {
  if (t == kNil) return kNil;
  if (nodes_[t].start == start) {
    found = true;
    free_.push_back(t);
    return merge(nodes_[t].left, nodes_[t].right);
  }
  if (start < nodes_[t].start) {
    nodes_[t].left = erase_at(nodes_[t].left, start, found);
  } else {
    nodes_[t].right = erase_at(nodes_[t].right, start, found);
  }
  if (found) pull(t);
  return t;
}

bool GapIndex::erase(std::uint64_t start) {
  reserve_one_more(free_);
  bool found = false;
  root_ = erase_at(root_, start, found);
  if (found) --count_;
  return found;
}

bool GapIndex::assign_at(std::int32_t t, std::uint64_t start, std::uint64_t new_start, std::uint64_t new_bytes) {
  if (t == kNil) return false;
  Node& n = nodes_[t];
  bool found;
  if (n.start == start) {
    n.start = new_start;
    n.bytes = new_bytes;
    found = true;
  } else {
    found = assign_at(start < n.start ? n.left : n.right, start, new_start, new_bytes);
  }
  if (found) pull(t);
  return found;
}

bool GapIndex::assign(std::uint64_t start, std::uint64_t new_start, std::uint64_t new_bytes) {
  return assign_at(root_, start, new_start, new_bytes);
}

std::optional<GapIndex::Gap> GapIndex::find(std::uint64_t start) const {
  std::int32_t t = root_;
  while (t != kNil) {
    const Node& n = nodes_[t];
    if (n.start == start) return Gap{n.start, n.bytes};
    t = start < n.start ? n.left : n.right;
  }
  return std::nullopt;
}

std::optional<GapIndex::Gap> GapIndex::floor(std::uint64_t x) const {
  std::optional<Gap> best;
  std::int32_t t = root_;
  while (t != kNil) {
    const Node& n = nodes_[t];
    if (n.start <= x) {
      best = Gap{n.start, n.bytes};
      t = n.right;
    } else {
      t = n.left;
    }
  }
  return best;
}

std::optional<GapIndex::Gap> GapIndex::ceil(std::uint64_t x) const {
  std::optional<Gap> best;
  std::int32_t t = root_;
  while (t != kNil) {
    const Node& n = nodes_[t];
    if (n.start >= x) {
      best = Gap{n.start, n.bytes};
      t = n.left;
    } else {
      t = n.right;
    }
  }
  return best;
}

std::optional<GapIndex::Gap> GapIndex::first_fit(std::uint64_t min_bytes) const {
  std::int32_t t = root_;
  if (max_of(t) < min_bytes) return std::nullopt;
  // Invariant: the subtree at t holds a fitting gap; prefer the left side.
  while (true) {
    const Node& n = nodes_[t];
    if (max_of(n.left) >= min_bytes) {
      t = n.left;
    } else if (n.bytes >= min_bytes) {
      return Gap{n.start, n.bytes};
    } else {
      t = n.right;
    }
  }
}

std::vector<GapIndex::Gap> GapIndex::to_vector() const {
  std::vector<Gap> out;
  out.reserve(count_);
  for_each([&](const Gap& g) { out.push_back(g); });
  return out;
}

const char* GapIndex::verify_node(std::int32_t t, std::uint64_t lo, std::uint64_t hi, bool has_lo, bool has_hi,
                                  std::size_t& seen) const {
  if (t == kNil) return nullptr;
  if (++seen > count_) return "gap index: more nodes reachable than gaps counted (cycle?)";
  const Node& n = nodes_[t];
  for (std::int32_t c : {n.left, n.right}) {
    if (c == kNil) continue;
    if (c < 0 || static_cast<std::size_t>(c) >= nodes_.size()) return "gap index: node link out of range";
    if (nodes_[c].priority > n.priority) return "gap index: treap priority order broken";
  }
  if ((has_lo && n.start <= lo) || (has_hi && n.start >= hi)) return "gap index: gaps out of address order";
  if (n.bytes == 0) return "gap index: empty gap";
  if (n.max_bytes != std::max(n.bytes, std::max(max_of(n.left), max_of(n.right))))
    return "gap index: a subtree maximum is stale";
  if (const char* e = verify_node(n.left, lo, n.start, has_lo, true, seen)) return e;
  return verify_node(n.right, n.start, hi, true, has_hi, seen);
}

std::string GapIndex::verify() const {
  if (root_ != kNil && (root_ < 0 || static_cast<std::size_t>(root_) >= nodes_.size()))
    return "gap index: root link out of range";
  std::size_t seen = 0;
  if (const char* e = verify_node(root_, 0, 0, false, false, seen)) return e;
  if (seen != count_)
    return "gap index: " + std::to_string(seen) + " gaps reachable, " + std::to_string(count_) + " counted";
  return {};
}

}  // namespace heapreplay
