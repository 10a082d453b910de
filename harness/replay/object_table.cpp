// The replay's preallocated object table (see object_table.h).
#include "harness/replay/object_table.h"

#include <sys/mman.h>

#include <cstring>
#include <new>

namespace heapreplay {

ObjectTable::ObjectTable(std::size_t count) : count_(count == 0 ? 1 : count) {
  bytes_ = count_ * sizeof(Slot);
  void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  slots_ = static_cast<Slot*>(p);
  clear();  // also faults in any page MAP_POPULATE left out
}

ObjectTable::~ObjectTable() { munmap(slots_, bytes_); }

void ObjectTable::clear() { std::memset(static_cast<void*>(slots_), 0, bytes_); }

}  // namespace heapreplay
