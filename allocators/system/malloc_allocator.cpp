// The malloc API as an Allocator; statistics, versions and trimming through
// the system allocator's row (system_allocator.h), so that heapreplay links
// none of them (each runs preloaded in a child process).
#include "allocators/system/malloc_allocator.h"

#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <stdexcept>
#include <string_view>

namespace heapreplay {

MallocAllocator MallocAllocator::system(std::string_view name) {
  const SystemAllocator* row = find_system_allocator(name);
  if (row == nullptr) throw std::invalid_argument("not a system allocator: " + std::string(name));
  return MallocAllocator(std::string(name), row->api);
}

std::uint64_t MallocAllocator::footprint_bytes() const { return api_ != nullptr ? api_->footprint_bytes() : 0; }

std::optional<std::uint64_t> MallocAllocator::allocated_bytes() const {
  return api_ != nullptr ? api_->allocated_bytes() : std::nullopt;
}

AllocatorStats MallocAllocator::stats() const {
  AllocatorStats s;
  s.footprint_bytes = footprint_bytes();
  if (api_ != nullptr) api_->fill_stats(s);
  return s;
}

void MallocAllocator::trim() {
  if (api_ != nullptr) api_->trim();
}

void MallocAllocator::dump(std::ostream& os) const {
  AllocatorStats s = stats();
  os << name_ << ": footprint " << s.footprint_bytes << " bytes, metadata " << s.metadata_bytes << " bytes\n";
  for (const auto& [k, v] : s.extra) os << "  " << k << " = " << static_cast<std::uint64_t>(v) << '\n';
}

std::string MallocAllocator::version() const { return api_ != nullptr ? api_->version() : ""; }

bool MallocAllocator::is_active() const {
  if (api_ != nullptr) return api_->is_active();
  // preload:PATH: the library must be loaded, and the malloc this process
  // calls must be its own. The dynamic loader only warns about a preload it
  // cannot load (not an ELF file, wrong architecture) and goes on with
  // glibc, which would then be measured under the library's name.
  constexpr std::string_view kPrefix = "preload:";
  if (name_.rfind(kPrefix, 0) != 0) return true;
  const std::string path = name_.substr(kPrefix.size());
  void* handle = dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  dlclose(handle);
  Dl_info info{};
  void* m = dlsym(RTLD_DEFAULT, "malloc");
  if (m == nullptr || dladdr(m, &info) == 0 || info.dli_fname == nullptr) return false;
  char* a = realpath(info.dli_fname, nullptr);
  char* b = realpath(path.c_str(), nullptr);
  const bool same = a != nullptr && b != nullptr && std::strcmp(a, b) == 0;
  std::free(a);
  std::free(b);
  return same;
}

}  // namespace heapreplay
