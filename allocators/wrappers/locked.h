// Locked<P>: makes an allocator safe to call from several threads by taking
// one mutex around every call to it (it wraps a reference; the allocator
// itself lives elsewhere). Our designs are single-threaded by design;
// this is how they replay multi-threaded traces, reported as "NAME+lock" so
// nobody mistakes the figures for a concurrent design.
#pragma once

#include <mutex>
#include <ostream>
#include <string>

#include "allocators/core/allocator.h"

namespace heapreplay {

template <Allocator P>
class Locked {
 public:
  static constexpr bool kThreadSafe = true;
  using Parent = P;

  explicit Locked(P& parent) : parent_(parent) {}

  void* allocate(std::size_t n, std::size_t align) noexcept {
    std::lock_guard<std::mutex> g(m_);
    return parent_.allocate(n, align);
  }
  void deallocate(void* p, std::size_t n, std::size_t align) noexcept {
    std::lock_guard<std::mutex> g(m_);
    parent_.deallocate(p, n, align);
  }
  void* reallocate(void* p, std::size_t old_n, std::size_t n, std::size_t align) noexcept {
    std::lock_guard<std::mutex> g(m_);
    return parent_.reallocate(p, old_n, n, align);
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
  P& parent_;
  mutable std::mutex m_;
};

}  // namespace heapreplay
