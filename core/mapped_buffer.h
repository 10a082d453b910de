// MappedBuffer: memory straight from the kernel (an anonymous private
// mapping), for what a replay child keeps beside the allocator under test:
// its trace windows, decoding buffers and thread plans. Nothing here goes
// through malloc, so reading a trace neither warms nor changes that
// allocator's heap.
#pragma once

#include <cstddef>

namespace heapreplay {

class MappedBuffer {
 public:
  MappedBuffer() = default;
  // Maps `bytes` (rounded up to pages; none for 0), pre-faulted when
  // `populate`, so that first-touch faults do not land in a timed loop.
  // Throws std::bad_alloc when the kernel refuses.
  explicit MappedBuffer(std::size_t bytes, bool populate = true);
  ~MappedBuffer();
  MappedBuffer(MappedBuffer&& other) noexcept;
  MappedBuffer& operator=(MappedBuffer&& other) noexcept;
  MappedBuffer(const MappedBuffer&) = delete;
  MappedBuffer& operator=(const MappedBuffer&) = delete;

  void* data() const { return data_; }
  std::size_t size() const { return bytes_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(data_);
  }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace heapreplay
