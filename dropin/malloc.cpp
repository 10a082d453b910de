// One of our designs as the process's malloc: libhr_malloc_<design>.so, to be
// preloaded (docs/dropin.md). This one file is compiled once per design, with
// HEAPREPLAY_DROPIN_INDEX the design's index in the Designs list
// (allocators/designs.h) and HEAPREPLAY_DROPIN_NAME its name, both from
// dropin/CMakeLists.txt, which reads the names from kDesignNames.
//
// What it takes care of, since the designs are single-threaded classes that
// know nothing of being malloc:
//  - One lock around the design (a statically initialised pthread mutex, so
//    taking it never allocates), taken before fork and released in the parent
//    and the child (pthread_atfork).
//  - The design lives in static storage and is constructed by placement new
//    at the first call, under the lock, with its options read from
//    HEAPREPLAY_MALLOC_OPTIONS: no global constructor of ours runs it, so the
//    calls the loader and libc make before any constructor are served.
//  - The design's own bookkeeping (its std::vector, std::map...) calls malloc
//    while the design runs, under the lock: such a call, from the thread
//    that holds the lock inside the design, is passed to glibc's own
//    allocator (__libc_malloc and its kin), as the design's containers use
//    glibc in a replay.
//  - Which pointers are the design's: every mapping the design's code makes
//    is recorded in a page map (the link wraps mmap and munmap of the design's
//    objects, -Wl,--wrap), so free and realloc of a pointer from elsewhere
//    never reach the design. free ignores such a pointer (the block leaks,
//    nothing crashes); realloc copies what of it is readable into a new block.
//  - malloc's contract: 16-byte alignment, ENOMEM, overflow checks, each
//    aligned function's rules, realloc(p, 0) frees as glibc's does, malloc(0)
//    a unique pointer, free() keeps errno.
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <string_view>

#include "allocators/core/allocator.h"
#include "allocators/core/options.h"
#include "allocators/designs.h"

#ifndef HEAPREPLAY_DROPIN_INDEX
#error "dropin/CMakeLists.txt compiles this file with HEAPREPLAY_DROPIN_INDEX, _NAME and _COUNT"
#endif

#define HR_EXPORT extern "C" __attribute__((visibility("default")))

// glibc's own allocator, for the design's bookkeeping (see the top).
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
// The real system calls behind the design's mmap and munmap (-Wl,--wrap).
void* __real_mmap(void*, std::size_t, int, int, int, off_t);
int __real_munmap(void*, std::size_t);
}

namespace {

using namespace heapreplay;

template <std::size_t I, class List>
struct DesignAt;
template <std::size_t I, class T, class... Ts>
struct DesignAt<I, TypeList<T, Ts...>> : DesignAt<I - 1, TypeList<Ts...>> {};
template <class T, class... Ts>
struct DesignAt<0, TypeList<T, Ts...>> {
  using type = T;
};

using Design = typename DesignAt<HEAPREPLAY_DROPIN_INDEX, Designs>::type;
static_assert(kDesignNames.size() == HEAPREPLAY_DROPIN_COUNT && Design::kName == HEAPREPLAY_DROPIN_NAME,
              "the design list changed since cmake read it: re-run cmake");

constexpr std::string_view kOwner = "heapreplay malloc (" HEAPREPLAY_DROPIN_NAME ")";
// malloc's natural alignment on this ABI.
constexpr std::size_t kNatural = alignof(std::max_align_t);
// Larger requests fail at once, as glibc's do (no object may be that large).
constexpr std::size_t kMaxRequest = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max());

// ---------------------------------------------------------------------------
// One line to stderr, built without allocating.

class Line {
 public:
  Line& operator<<(std::string_view s) {
    std::size_t k = std::min(s.size(), sizeof(buf_) - 1 - n_);
    std::memcpy(buf_ + n_, s.data(), k);
    n_ += k;
    return *this;
  }
  Line& operator<<(std::uint64_t v) {
    char digits[24];
    std::size_t k = 0;
    do {
      digits[k++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (k > 0 && n_ < sizeof(buf_) - 1) buf_[n_++] = digits[--k];
    return *this;
  }
  void write_stderr() {
    buf_[n_++] = '\n';
    for (std::size_t done = 0; done < n_;) {
      ssize_t w = ::write(2, buf_ + done, n_ - done);
      if (w <= 0 && errno != EINTR) return;
      if (w > 0) done += static_cast<std::size_t>(w);
    }
  }

 private:
  char buf_[512];
  std::size_t n_ = 0;
};

// ---------------------------------------------------------------------------
// The page map: one bit per 4 KiB of address space that a mapping of the
// design covers. A leaf holds a GiB; a GiB the design holds whole (a large
// reservation) is marked by kFullLeaf instead of a leaf. Used only under the
// lock (the design maps and unmaps only while it runs, under the lock).

class OwnedPages {
 public:
  // Marks [begin, end) as the design's (on) or not; false when a leaf cannot
  // be mapped or the range is beyond the tracked address space.
  bool set(std::uintptr_t begin, std::uintptr_t end, bool on) {
    if (end <= begin) return true;
    if (end > kLimit) return !on;
    std::uintptr_t g = begin >> kGranuleShift;
    const std::uintptr_t g_end = (end + kGranule - 1) >> kGranuleShift;
    while (g < g_end) {
      const std::size_t leaf = g >> kLeafGranulesShift;
      const std::uintptr_t leaf_first = std::uintptr_t{leaf} << kLeafGranulesShift;
      const std::uintptr_t leaf_last = leaf_first + kLeafGranules;
      const std::uintptr_t stop = std::min(g_end, leaf_last);
      if (g == leaf_first && stop == leaf_last) {
        // The whole GiB: no leaf needed either way.
        drop_leaf(leaf);
        if (on) leaves_[leaf] = full_leaf();
      } else if (!set_in_leaf(leaf, g - leaf_first, stop - leaf_first, on)) {
        return false;
      }
      g = stop;
    }
    return true;
  }

  bool contains(const void* p) const {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    if (a >= kLimit) return false;
    const std::uintptr_t g = a >> kGranuleShift;
    const std::uint64_t* leaf = leaves_[g >> kLeafGranulesShift];
    if (leaf == nullptr) return false;
    if (leaf == full_leaf()) return true;
    const std::uintptr_t i = g & (kLeafGranules - 1);
    return (leaf[i / 64] >> (i % 64)) & 1;
  }

 private:
  static constexpr unsigned kGranuleShift = 12;
  static constexpr std::uintptr_t kGranule = std::uintptr_t{1} << kGranuleShift;
  static constexpr unsigned kLeafGranulesShift = 30 - kGranuleShift;  // a GiB per leaf
  static constexpr std::uintptr_t kLeafGranules = std::uintptr_t{1} << kLeafGranulesShift;
  static constexpr std::size_t kLeafBytes = kLeafGranules / 8;  // 32 KiB
  static constexpr unsigned kAddressBits = 48;
  static constexpr std::uintptr_t kLimit = std::uintptr_t{1} << kAddressBits;
  static constexpr std::size_t kLeaves = std::size_t{1} << (kAddressBits - 30);

  // A distinct address that no leaf has: the marker of a whole GiB.
  static std::uint64_t* full_leaf() { return const_cast<std::uint64_t*>(&kFullLeafMarker); }
  static constexpr std::uint64_t kFullLeafMarker = 0;

  void drop_leaf(std::size_t leaf) {
    std::uint64_t* l = leaves_[leaf];
    if (l != nullptr && l != full_leaf()) __real_munmap(l, kLeafBytes);
    leaves_[leaf] = nullptr;
  }

  // Sets or clears granules [from, to) of one leaf.
  bool set_in_leaf(std::size_t leaf, std::uintptr_t from, std::uintptr_t to, bool on) {
    std::uint64_t* l = leaves_[leaf];
    if (l == nullptr && !on) return true;
    if (l == nullptr || l == full_leaf()) {
      if (l == full_leaf() && on) return true;
      void* m = __real_mmap(nullptr, kLeafBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (m == MAP_FAILED) return false;
      auto* fresh = static_cast<std::uint64_t*>(m);
      if (l == full_leaf()) std::memset(fresh, 0xff, kLeafBytes);
      leaves_[leaf] = l = fresh;
    }
    for (std::uintptr_t i = from; i < to;) {
      const std::uintptr_t word = i / 64, bit = i % 64;
      const std::uintptr_t n = std::min<std::uintptr_t>(64 - bit, to - i);
      const std::uint64_t mask = (n == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << n) - 1)) << bit;
      l[word] = on ? (l[word] | mask) : (l[word] & ~mask);
      i += n;
    }
    return true;
  }

  std::uint64_t* leaves_[kLeaves];
};

// ---------------------------------------------------------------------------
// The lock, and who holds it. `holder` is the thread inside (0: nobody); it
// is written only by that thread, so a thread that reads its own id there
// holds the lock. `in_design` says whether the holder is running the design
// (a malloc it makes then is the design's bookkeeping) or only holds the lock
// for fork (its mallocs then go to the design as usual, without locking again).

struct State {
  pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
  std::atomic<pthread_t> holder{0};
  bool in_design = false;
  bool failure_reported = false;
  Design* design = nullptr;
  OwnedPages owned{};
};

constinit State g{};
alignas(Design) unsigned char g_storage[sizeof(Design)];

// Held for the scope of one call; `bookkeeping()` says the call came from the
// design itself and must go to glibc.
class Entry {
 public:
  Entry() {
    const pthread_t self = pthread_self();
    if (g.holder.load(std::memory_order_relaxed) == self) {
      nested_ = true;
      bookkeeping_ = g.in_design;
      return;
    }
    pthread_mutex_lock(&g.mutex);
    g.holder.store(self, std::memory_order_relaxed);
  }
  ~Entry() {
    if (nested_) return;
    g.holder.store(0, std::memory_order_relaxed);
    pthread_mutex_unlock(&g.mutex);
  }
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;
  bool bookkeeping() const { return bookkeeping_; }

 private:
  bool nested_ = false;
  bool bookkeeping_ = false;
};

// Whether this call comes from the design itself (what Entry::bookkeeping()
// says), asked without taking the lock: only the holder finds itself there.
bool bookkeeping_call() { return g.holder.load(std::memory_order_relaxed) == pthread_self() && g.in_design; }

// Marks the design as running for its scope.
class InDesign {
 public:
  InDesign() : was_(g.in_design) { g.in_design = true; }
  ~InDesign() { g.in_design = was_; }
  InDesign(const InDesign&) = delete;
  InDesign& operator=(const InDesign&) = delete;

 private:
  bool was_;
};

[[noreturn]] void fail_to_start(std::string_view why) {
  Line line;
  if (why.substr(0, kOwner.size()) != kOwner) line << kOwner << ": ";
  line << why;
  line.write_stderr();
  _exit(127);
}

// The design, constructed at the first call (under the lock). A bad option
// is fatal: one line, exit status 127.
Design& design() {
  if (g.design != nullptr) return *g.design;
  InDesign running;
  try {
    const char* text = getenv("HEAPREPLAY_MALLOC_OPTIONS");
    OptionMap opts = OptionMap::parse(kOwner, text != nullptr ? text : "");
    typename Design::Config config = Design::Config::from_options(opts);
    opts.finish();
    g.design = new (g_storage) Design(config);
  } catch (const std::exception& e) {
    fail_to_start(e.what());
  } catch (...) {
    fail_to_start("the design could not be constructed");
  }
  return *g.design;
}

bool faithful(const Design& d) {
  if constexpr (requires { d.config().faithful; })
    return d.config().faithful;
  else
    return false;
}

// The first failed request of the design writes one line saying so.
void report_failure(std::size_t bytes, std::size_t alignment) {
  if (g.failure_reported) return;
  g.failure_reported = true;
  std::uint64_t held = 0;
  try {
    InDesign running;
    held = footprint_of(*g.design);
  } catch (...) {
  }
  Line line;
  line << kOwner << ": a request of " << std::uint64_t{bytes} << " bytes";
  if (alignment > kNatural) line << " aligned to " << std::uint64_t{alignment};
  line << " failed (ENOMEM) with " << held << " bytes held from the OS";
  if (faithful(*g.design)) line << "; faithful mode keeps the original's fixed heap and limits";
  line << "; later failures are not reported";
  line.write_stderr();
}

// ---------------------------------------------------------------------------
// The calls, on the design. `alignment` is a power of two >= kNatural.

void* allocate(std::size_t bytes, std::size_t alignment) noexcept {
  if (bytes > kMaxRequest) {
    errno = ENOMEM;
    return nullptr;
  }
  const int saved = errno;
  Entry entry;
  if (entry.bookkeeping()) return alignment <= kNatural ? __libc_malloc(bytes) : __libc_memalign(alignment, bytes);
  Design& d = design();
  void* p;
  {
    InDesign running;
    p = d.allocate(bytes == 0 ? 1 : bytes, alignment);
  }
  if (p == nullptr) {
    report_failure(bytes, alignment);
    errno = ENOMEM;
  } else {
    errno = saved;
  }
  return p;
}

void release(void* p) noexcept {
  if (p == nullptr) return;
  const int saved = errno;
  {
    Entry entry;
    if (entry.bookkeeping()) {
      __libc_free(p);
    } else if (g.design != nullptr && g.owned.contains(p)) {
      InDesign running;
      g.design->deallocate(p, g.design->usable_size(p), kNatural);
    }
    // Anything else is not the design's: ignored (see the top).
  }
  errno = saved;
}

// Copies up to n bytes of a block that is not the design's into dst, as far
// as the memory is readable (its size is unknown): page by page with
// process_vm_readv, which fails instead of faulting; where that call is not
// allowed, the rest of src's own page.
void copy_readable(void* dst, const void* src, std::size_t n) {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const pid_t self = getpid();
  std::size_t done = 0;
  while (done < n) {
    const auto at = reinterpret_cast<std::uintptr_t>(src) + done;
    const std::size_t k = std::min(n - done, page - at % page);
    iovec local{static_cast<char*>(dst) + done, k};
    iovec remote{reinterpret_cast<void*>(at), k};
    ssize_t r = process_vm_readv(self, &local, 1, &remote, 1, 0);
    if (r < 0 && errno != EFAULT && done == 0) {
      std::memcpy(dst, src, k);
      return;
    }
    if (r != static_cast<ssize_t>(k)) return;
    done += k;
  }
}

void* reallocate(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return allocate(bytes, kNatural);
  if (bytes == 0) {  // glibc: frees and returns NULL
    release(p);
    return nullptr;
  }
  if (bytes > kMaxRequest) {
    errno = ENOMEM;
    return nullptr;
  }
  const int saved = errno;
  Entry entry;
  if (entry.bookkeeping()) return __libc_realloc(p, bytes);
  Design& d = design();
  void* q;
  if (g.owned.contains(p)) {
    InDesign running;
    q = d.reallocate(p, d.usable_size(p), bytes, kNatural);
  } else {
    {
      InDesign running;
      q = d.allocate(bytes, kNatural);
    }
    if (q != nullptr) copy_readable(q, p, bytes);
  }
  if (q == nullptr) {
    report_failure(bytes, kNatural);
    errno = ENOMEM;
  } else {
    errno = saved;
  }
  return q;
}

std::size_t usable(void* p) noexcept {
  if (p == nullptr) return 0;
  Entry entry;
  if (entry.bookkeeping() || g.design == nullptr || !g.owned.contains(p)) return 0;
  InDesign running;
  return g.design->usable_size(p);
}

bool power_of_two(std::size_t n) { return n != 0 && (n & (n - 1)) == 0; }

std::size_t os_page() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }

// operator new's loop: the new-handler, then std::bad_alloc.
void* new_or_throw(std::size_t bytes, std::size_t alignment) {
  if (!power_of_two(alignment)) throw std::bad_alloc();
  alignment = std::max(alignment, kNatural);
  for (;;) {
    if (void* p = allocate(bytes, alignment)) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

void* new_or_null(std::size_t bytes, std::size_t alignment) noexcept {
  try {
    return new_or_throw(bytes, alignment);
  } catch (...) {
    return nullptr;
  }
}

// fork: the lock is taken before and released on both sides, so the child
// never inherits a design caught halfway through a call.
void before_fork() {
  pthread_mutex_lock(&g.mutex);
  g.holder.store(pthread_self(), std::memory_order_relaxed);
}
void after_fork_parent() {
  g.holder.store(0, std::memory_order_relaxed);
  pthread_mutex_unlock(&g.mutex);
}
void after_fork_child() {
  g.holder.store(0, std::memory_order_relaxed);
  g.in_design = false;
  pthread_mutex_init(&g.mutex, nullptr);
}

// Registered as early as the library's constructor runs: prepare handlers
// run in the reverse order of registration, so ours runs after those
// registered later (which may still call malloc), and ours is the first to
// release in the parent and the child. A malloc from another handler while
// the lock is held for fork is served (the Entry sees the holder is itself).
__attribute__((constructor)) void register_fork_handlers() {
  pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

}  // namespace

// ---------------------------------------------------------------------------
// The design's mmap and munmap (its objects are linked with --wrap=mmap and
// --wrap=munmap): the system call, and the page map kept in step.

extern "C" void* __wrap_mmap(void* addr, std::size_t len, int prot, int flags, int fd, off_t off) {
  void* p = __real_mmap(addr, len, prot, flags, fd, off);
  if (p == MAP_FAILED) return p;
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  if (!g.owned.set(a, a + len, true)) {
    // Untracked memory would look foreign to free: refuse it instead.
    __real_munmap(p, len);
    errno = ENOMEM;
    return MAP_FAILED;
  }
  return p;
}

extern "C" int __wrap_munmap(void* p, std::size_t len) {
  const int r = __real_munmap(p, len);
  if (r == 0) {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    g.owned.set(a, a + len, false);
  }
  return r;
}

// ---------------------------------------------------------------------------
// The C API.

HR_EXPORT void* malloc(std::size_t bytes) noexcept { return allocate(bytes, kNatural); }

HR_EXPORT void free(void* p) noexcept { release(p); }

HR_EXPORT void* calloc(std::size_t count, std::size_t size) noexcept {
  std::size_t bytes;
  if (__builtin_mul_overflow(count, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  if (bookkeeping_call()) return __libc_calloc(count, size);
  void* p = allocate(bytes, kNatural);
  if (p != nullptr) std::memset(p, 0, bytes);
  return p;
}

HR_EXPORT void* realloc(void* p, std::size_t bytes) noexcept { return reallocate(p, bytes); }

HR_EXPORT void* reallocarray(void* p, std::size_t count, std::size_t size) noexcept {
  std::size_t bytes;
  if (__builtin_mul_overflow(count, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  return reallocate(p, bytes);
}

// glibc's rules: an alignment up to the natural one is malloc; one that is
// not a power of two is rounded up to the next; beyond SIZE_MAX/2+1, EINVAL.
HR_EXPORT void* memalign(std::size_t alignment, std::size_t bytes) noexcept {
  if (alignment <= kNatural) return allocate(bytes, kNatural);
  if (alignment > std::numeric_limits<std::size_t>::max() / 2 + 1) {
    errno = EINVAL;
    return nullptr;
  }
  if (!power_of_two(alignment)) alignment = std::size_t{1} << (64 - __builtin_clzl(alignment));
  return allocate(bytes, alignment);
}

// C17 and glibc 2.38: the alignment must be a power of two (else EINVAL);
// the size need not be a multiple of it.
HR_EXPORT void* aligned_alloc(std::size_t alignment, std::size_t bytes) noexcept {
  if (!power_of_two(alignment)) {
    errno = EINVAL;
    return nullptr;
  }
  return allocate(bytes, std::max(alignment, kNatural));
}

// POSIX: EINVAL unless a power of two multiple of sizeof(void*); ENOMEM;
// *out is written only on success; errno is left alone.
HR_EXPORT int posix_memalign(void** out, std::size_t alignment, std::size_t bytes) noexcept {
  if (!power_of_two(alignment) || alignment % sizeof(void*) != 0) return EINVAL;
  const int saved = errno;
  void* p = allocate(bytes, std::max(alignment, kNatural));
  errno = saved;
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

HR_EXPORT void* valloc(std::size_t bytes) noexcept { return allocate(bytes, os_page()); }

// The size rounded up to whole pages (pvalloc(0) is one page, as glibc's).
HR_EXPORT void* pvalloc(std::size_t bytes) noexcept {
  const std::size_t page = os_page();
  if (bytes > kMaxRequest) {
    errno = ENOMEM;
    return nullptr;
  }
  const std::size_t rounded = bytes == 0 ? page : (bytes + page - 1) & ~(page - 1);
  return allocate(rounded, page);
}

HR_EXPORT std::size_t malloc_usable_size(void* p) noexcept { return usable(p); }

// C23's sized frees (glibc 2.36 declares neither): the size and alignment
// are the caller's promise; the design finds the block from the pointer.
HR_EXPORT void free_sized(void* p, std::size_t /*size*/) noexcept { release(p); }
HR_EXPORT void free_aligned_sized(void* p, std::size_t /*alignment*/, std::size_t /*size*/) noexcept { release(p); }

// ---------------------------------------------------------------------------
// The C++ operators, so that a C++ program's memory goes to the design
// without a detour through libstdc++'s operators.

#define HR_CXX_EXPORT __attribute__((visibility("default")))

HR_CXX_EXPORT void* operator new(std::size_t n) { return new_or_throw(n, kNatural); }
HR_CXX_EXPORT void* operator new[](std::size_t n) { return new_or_throw(n, kNatural); }
HR_CXX_EXPORT void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return new_or_null(n, kNatural); }
HR_CXX_EXPORT void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return new_or_null(n, kNatural); }
HR_CXX_EXPORT void* operator new(std::size_t n, std::align_val_t a) {
  return new_or_throw(n, static_cast<std::size_t>(a));
}
HR_CXX_EXPORT void* operator new[](std::size_t n, std::align_val_t a) {
  return new_or_throw(n, static_cast<std::size_t>(a));
}
HR_CXX_EXPORT void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return new_or_null(n, static_cast<std::size_t>(a));
}
HR_CXX_EXPORT void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return new_or_null(n, static_cast<std::size_t>(a));
}

HR_CXX_EXPORT void operator delete(void* p) noexcept { release(p); }
HR_CXX_EXPORT void operator delete[](void* p) noexcept { release(p); }
HR_CXX_EXPORT void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
HR_CXX_EXPORT void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
HR_CXX_EXPORT void operator delete(void* p, std::size_t) noexcept { release(p); }
HR_CXX_EXPORT void operator delete[](void* p, std::size_t) noexcept { release(p); }
HR_CXX_EXPORT void operator delete(void* p, std::align_val_t) noexcept { release(p); }
HR_CXX_EXPORT void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
HR_CXX_EXPORT void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
HR_CXX_EXPORT void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
HR_CXX_EXPORT void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
HR_CXX_EXPORT void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
