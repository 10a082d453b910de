// Locked<P>: makes an allocator safe to call from several threads by taking
// one mutex around every call to it (it wraps a reference; the allocator
// itself lives elsewhere). Our designs are single-threaded by design;
// this is how they replay multi-threaded traces, reported as "NAME+lock" so
// nobody mistakes the figures for a concurrent design.
#pragma once

#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>

#include "allocators/core/allocator.h"

namespace heapreplay {

template <Allocator P>
class Locked {
 public:
  static constexpr bool kThreadSafe = true;
  // It forwards only the required members, plus a count of allocated bytes
  // of its own (below); its blocks are the parent's, touchable as those are.
  static constexpr Capabilities kCapabilities{.touchable = P::kCapabilities.touchable, .allocated_bytes = true};
  using Parent = P;

  explicit Locked(P& parent) : parent_(parent) {}

  void* allocate(std::size_t n, std::size_t align) noexcept {
    std::lock_guard<std::mutex> g(m_);
    void* p = parent_.allocate(n, align);
    if constexpr (kCounts)
      if (p != nullptr) allocated_ += parent_.usable_size(p);
    return p;
  }
  void deallocate(void* p, std::size_t n, std::size_t align) noexcept {
    std::lock_guard<std::mutex> g(m_);
    if constexpr (kCounts)
      if (p != nullptr) allocated_ -= parent_.usable_size(p);
    parent_.deallocate(p, n, align);
  }
  void* reallocate(void* p, std::size_t old_n, std::size_t n, std::size_t align) noexcept {
    std::lock_guard<std::mutex> g(m_);
    std::size_t before = 0;
    if constexpr (kCounts)
      if (p != nullptr) before = parent_.usable_size(p);
    void* q = parent_.reallocate(p, old_n, n, align);
    if constexpr (kCounts)
      if (q != nullptr) allocated_ = allocated_ - before + parent_.usable_size(q);
    return q;
  }
  // Usable bytes of the blocks handed out through this wrapper and not yet
  // given back: the parent's own counter where it keeps one, else counted
  // here, inside the lock every call takes anyway (a replay that asked
  // usable_size() itself would take the lock twice more per block).
  auto allocated_bytes() const {
    std::lock_guard<std::mutex> g(m_);
    if constexpr (kCounts)
      return allocated_;
    else
      return parent_.allocated_bytes();
  }
  std::size_t usable_size(void* p) const {
    std::lock_guard<std::mutex> g(m_);
    return parent_.usable_size(p);
  }
  AllocatorStats stats() const {
    std::lock_guard<std::mutex> g(m_);
    return parent_.stats();
  }
  CheckResult check() const {
    std::lock_guard<std::mutex> g(m_);
    return parent_.check();
  }
  void dump(std::ostream& os) const {
    std::lock_guard<std::mutex> g(m_);
    parent_.dump(os);
  }
  void reset() {
    std::lock_guard<std::mutex> g(m_);
    parent_.reset();
  }
  std::string name() const { return parent_.name() + "+lock"; }

 private:
  static constexpr bool kCounts = !P::kCapabilities.allocated_bytes;
  P& parent_;
  mutable std::mutex m_;
  std::uint64_t allocated_ = 0;  // kCounts: sum of usable_size() of the live blocks
};

}  // namespace heapreplay
