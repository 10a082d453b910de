// Run with one of the drop-in libraries preloaded (tests/dropin/CMakeLists.txt
// does, once per design): `dropin_check NAME`. Exercises every entry point of
// libhr_malloc_NAME.so and its edge cases, usable sizes, several threads
// freeing each other's blocks, fork while threads allocate, the C++
// operators, and, in child processes of its own, a bad option (exit 127 and
// one line), a failure from fault injection and the faithful setting (one
// line saying why). Prints one line per failed check and exits 1 if any.
//
// Built without the sanitizers and without malloc builtins (it is not our
// library's caller otherwise).
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <new>
#include <string>

extern "C" {
void* __libc_malloc(size_t);
void __libc_free(void*);
}

namespace {

const char* g_name = "";
std::string g_lib;  // "libhr_malloc_NAME.so"
std::atomic<int> g_failures{0};
int g_checks = 0;

#define CHECK(cond, ...)                                                \
  do {                                                                  \
    ++g_checks;                                                         \
    if (!(cond)) {                                                      \
      fprintf(stderr, "FAIL %s:%d (%s): ", __FILE__, __LINE__, g_name); \
      fprintf(stderr, __VA_ARGS__);                                     \
      fputc('\n', stderr);                                              \
      ++g_failures;                                                     \
    }                                                                   \
  } while (0)

// Values the compiler cannot see through, so that it neither warns about
// absurd sizes nor assumes what a failed call did to its argument.
size_t opaque(size_t v) {
  volatile size_t x = v;
  return x;
}
template <class T>
T* opaque(T* p) {
  T* volatile x = p;
  return x;
}

bool aligned(const void* p, size_t a) { return reinterpret_cast<uintptr_t>(p) % a == 0; }

// Whether the symbol at `fn` is defined by our library.
bool from_our_library(const void* fn) {
  Dl_info info;
  if (dladdr(fn, &info) == 0 || info.dli_fname == nullptr) return false;
  return strstr(info.dli_fname, g_lib.c_str()) != nullptr;
}

// The design owns p: our malloc_usable_size answers for it (0 for others).
bool owned(void* p, size_t at_least) { return p != nullptr && malloc_usable_size(p) >= at_least; }

void fill(void* p, size_t n, unsigned char v) { memset(p, v, n); }
bool holds(const void* p, size_t n, unsigned char v) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i)
    if (b[i] != v) return false;
  return true;
}

// --- entry points -----------------------------------------------------------

void check_active() {
  CHECK(from_our_library(reinterpret_cast<void*>(&malloc)), "malloc is not %s's", g_lib.c_str());
  CHECK(from_our_library(reinterpret_cast<void*>(&malloc_usable_size)), "malloc_usable_size is not ours");
  for (const char* sym :
       {"free", "calloc", "realloc", "reallocarray", "memalign", "posix_memalign", "aligned_alloc", "valloc", "pvalloc",
        "free_sized", "free_aligned_sized", "_Znwm", "_ZdlPv", "_ZnwmSt11align_val_t", "_ZdlPvmSt11align_val_t"}) {
    void* f = dlsym(RTLD_DEFAULT, sym);
    CHECK(f != nullptr && from_our_library(f), "%s is not defined by %s", sym, g_lib.c_str());
  }
}

void check_malloc_free() {
  void* a = malloc(0);
  void* b = malloc(0);
  CHECK(a != nullptr && b != nullptr && a != b, "malloc(0) gives %p and %p, not two unique pointers", a, b);
  CHECK(owned(a, 0) && aligned(a, 16), "malloc(0) is not a block of the design, 16-aligned");
  free(a);
  free(b);
  free(nullptr);
  errno = 1234;
  free(malloc(100));
  CHECK(errno == 1234, "free changed errno to %d", errno);
  errno = 0;
  CHECK(malloc(opaque(SIZE_MAX)) == nullptr && errno == ENOMEM, "malloc(SIZE_MAX) did not fail with ENOMEM");
  errno = 0;
  CHECK(malloc(opaque(PTRDIFF_MAX + size_t{1})) == nullptr && errno == ENOMEM, "malloc(PTRDIFF_MAX+1) did not fail");
}

// Many blocks of many sizes live at once: each aligned to 16, its usable
// size at least the request, and all of it writable without touching another.
void check_usable_sizes() {
  enum { kCount = 700 };
  static void* blocks[kCount];
  static size_t usable[kCount];
  size_t sizes[kCount];
  for (int i = 0; i < kCount; ++i) {
    if (i < 520)
      sizes[i] = static_cast<size_t>(i);
    else
      sizes[i] = (size_t{1} << (i % 21)) + static_cast<size_t>(i % 3) - 1;  // 2^k - 1, 2^k, 2^k + 1 up to 1 MiB
  }
  for (int i = 0; i < kCount; ++i) {
    blocks[i] = malloc(sizes[i]);
    usable[i] = malloc_usable_size(blocks[i]);
    CHECK(blocks[i] != nullptr && aligned(blocks[i], 16), "malloc(%zu) = %p", sizes[i], blocks[i]);
    CHECK(usable[i] >= sizes[i], "malloc_usable_size(malloc(%zu)) = %zu", sizes[i], usable[i]);
    if (blocks[i] != nullptr) fill(blocks[i], usable[i], static_cast<unsigned char>(i * 7 + 1));
  }
  for (int i = 0; i < kCount; ++i)
    CHECK(blocks[i] == nullptr || holds(blocks[i], usable[i], static_cast<unsigned char>(i * 7 + 1)),
          "block %d (%zu bytes, %zu usable) was overwritten by another", i, sizes[i], usable[i]);
  for (int i = 0; i < kCount; i += 2) free(blocks[i]);
  for (int i = 1; i < kCount; i += 2) free(blocks[i]);
}

void check_calloc() {
  // Dirty memory first, so that a calloc that reuses it must clear it.
  for (size_t n : {24, 200, 5000, 100000}) {
    void* d = malloc(n);
    fill(d, n, 0xab);
    free(d);
    auto* z = static_cast<unsigned char*>(calloc(n / 8, 8));
    CHECK(z != nullptr && holds(z, n / 8 * 8, 0) && aligned(z, 16), "calloc(%zu, 8) is not zeroed", n / 8);
    free(z);
  }
  errno = 0;
  CHECK(calloc(opaque(SIZE_MAX / 2), 3) == nullptr && errno == ENOMEM, "calloc overflow did not fail with ENOMEM");
  errno = 0;
  CHECK(calloc(opaque(size_t{1} << 33), size_t{1} << 33) == nullptr && errno == ENOMEM, "calloc 2^66 did not fail");
  void* z = calloc(0, 0);
  CHECK(z != nullptr, "calloc(0, 0) is NULL");
  free(z);
}

unsigned char pattern(size_t i) { return static_cast<unsigned char>(i * 31 % 251); }

void check_realloc() {
  auto* p = static_cast<unsigned char*>(realloc(nullptr, 10));
  CHECK(p != nullptr && owned(p, 10), "realloc(NULL, 10) is not malloc");
  if (p == nullptr) return;
  for (size_t i = 0; i < 10; ++i) p[i] = pattern(i);
  size_t n = 10;
  for (size_t to : {20, 100, 3000, 70000, 1 << 20, 50, 5, 300000}) {
    auto* q = static_cast<unsigned char*>(realloc(p, to));
    CHECK(q != nullptr && aligned(q, 16) && malloc_usable_size(q) >= to, "realloc to %zu failed", to);
    if (q == nullptr) return;
    const size_t keep = n < to ? n : to;
    bool same = true;
    for (size_t i = 0; i < keep; ++i) same = same && q[i] == pattern(i);
    CHECK(same, "realloc from %zu to %zu lost some of the first %zu bytes", n, to, keep);
    for (size_t i = 0; i < to; ++i) q[i] = pattern(i);
    p = q;
    n = to;
  }
  errno = 0;
  CHECK(opaque(&realloc)(p, opaque(SIZE_MAX)) == nullptr && errno == ENOMEM,
        "realloc(p, SIZE_MAX) did not fail with ENOMEM");
  CHECK(p[1] == 31 && owned(p, n), "a failed realloc did not leave the block intact");
  errno = 0;
  CHECK(opaque(&reallocarray)(p, opaque(SIZE_MAX / 2), 3) == nullptr && errno == ENOMEM,
        "reallocarray overflow did not fail");
  CHECK(p[1] == 31, "a failed reallocarray did not leave the block intact");
  auto* r = static_cast<unsigned char*>(reallocarray(p, 100, 10));
  CHECK(r != nullptr && r[1] == 31 && malloc_usable_size(r) >= 1000, "reallocarray(p, 100, 10) failed");
  CHECK(realloc(r, 0) == nullptr, "realloc(p, 0) is not NULL (glibc frees p)");
  void* z = reallocarray(nullptr, 0, 5);
  CHECK(z != nullptr, "reallocarray(NULL, 0, 5) is NULL");
  free(z);
}

void check_aligned() {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  for (size_t a = 16; a <= 4096; a *= 2) {
    for (size_t n : {1, 100, 5000}) {
      void* p = memalign(a, n);
      CHECK(p != nullptr && aligned(p, a) && malloc_usable_size(p) >= n, "memalign(%zu, %zu) = %p", a, n, p);
      if (p != nullptr) fill(p, malloc_usable_size(p), 0x5a);
      void* q = nullptr;
      CHECK(posix_memalign(&q, a, n) == 0 && aligned(q, a) && owned(q, n), "posix_memalign(%zu, %zu)", a, n);
      void* r = aligned_alloc(a, n);
      CHECK(r != nullptr && aligned(r, a) && owned(r, n), "aligned_alloc(%zu, %zu) = %p", a, n, r);
      // A block of an aligned call reallocated keeps its bytes.
      auto* s = static_cast<unsigned char*>(realloc(p, n * 3));
      CHECK(s != nullptr && holds(s, n, 0x5a), "realloc of memalign(%zu, %zu) lost its bytes", a, n);
      free(s);
      free(q);
      free(r);
    }
  }
  void* p = memalign(24, 10);  // glibc: rounded up to 32
  CHECK(p != nullptr && aligned(p, 32), "memalign(24) is not 32-aligned");
  free(p);
  p = memalign(4, 10);
  CHECK(p != nullptr && aligned(p, 16), "memalign(4) is not malloc");
  free(p);
  errno = 0;
  CHECK(memalign(opaque(SIZE_MAX / 2 + 2), 10) == nullptr && errno == EINVAL, "memalign(huge alignment) is not EINVAL");
  void* keep = &keep;
  for (size_t bad : {size_t{0}, size_t{3}, size_t{4}, size_t{24}}) {
    void* out = keep;
    CHECK(posix_memalign(&out, bad, 8) == EINVAL && out == keep, "posix_memalign alignment %zu is not EINVAL", bad);
    errno = 0;
    CHECK(aligned_alloc(bad == 4 ? 12 : bad, 8) == nullptr && errno == EINVAL, "aligned_alloc(%zu) is not EINVAL",
          bad == 4 ? 12 : bad);
  }
  void* out = keep;
  CHECK(posix_memalign(&out, 64, opaque(SIZE_MAX)) == ENOMEM && out == keep, "posix_memalign(SIZE_MAX) is not ENOMEM");
  CHECK(posix_memalign(&out, 64, 0) == 0 && out != keep && aligned(out, 64), "posix_memalign(64, 0) failed");
  free(out);
  void* a = aligned_alloc(8, 3);
  CHECK(a != nullptr && aligned(a, 16), "aligned_alloc(8, 3) is not a 16-aligned block");
  free(a);
  void* v = valloc(10);
  CHECK(v != nullptr && aligned(v, page) && owned(v, 10), "valloc(10) is not page-aligned");
  free(v);
  void* pv = pvalloc(10);
  CHECK(pv != nullptr && aligned(pv, page) && owned(pv, page), "pvalloc(10) is not a whole page");
  free(pv);
  pv = pvalloc(0);
  CHECK(pv != nullptr && aligned(pv, page), "pvalloc(0) failed");
  free(pv);
  errno = 0;
  CHECK(pvalloc(opaque(SIZE_MAX)) == nullptr && errno == ENOMEM, "pvalloc(opaque(SIZE_MAX)) did not fail with ENOMEM");
}

void check_sized_frees() {
  using FreeSized = void (*)(void*, size_t);
  using FreeAlignedSized = void (*)(void*, size_t, size_t);
  auto fs = reinterpret_cast<FreeSized>(dlsym(RTLD_DEFAULT, "free_sized"));
  auto fas = reinterpret_cast<FreeAlignedSized>(dlsym(RTLD_DEFAULT, "free_aligned_sized"));
  CHECK(fs != nullptr && fas != nullptr, "free_sized or free_aligned_sized missing");
  if (fs == nullptr || fas == nullptr) return;
  for (int i = 0; i < 1000; ++i) {
    fs(malloc(static_cast<size_t>(i)), static_cast<size_t>(i));
    fas(aligned_alloc(256, static_cast<size_t>(i)), 256, static_cast<size_t>(i));
  }
  fs(nullptr, 0);
  fas(nullptr, 64, 0);
}

// Blocks that are not the design's (here glibc's own) must not crash free
// or realloc: free ignores them, realloc copies them.
void check_foreign() {
  auto* f = static_cast<unsigned char*>(__libc_malloc(100));
  fill(f, 100, 0x77);
  CHECK(malloc_usable_size(f) == 0, "malloc_usable_size of a foreign block is not 0");
  free(f);  // ignored
  CHECK(holds(f, 100, 0x77), "free of a foreign block touched it");
  auto* g = static_cast<unsigned char*>(realloc(f, 300));
  CHECK(g != nullptr && g != f && owned(g, 300) && holds(g, 100, 0x77), "realloc of a foreign block lost its bytes");
  free(g);
  __libc_free(f);
}

// --- C++ --------------------------------------------------------------------

int g_handler_calls = 0;
void handler_once() {
  ++g_handler_calls;
  std::set_new_handler(nullptr);
}

void check_cxx() {
  void* a = ::operator new(0);
  void* b = ::operator new(0);
  CHECK(a != b && owned(a, 0), "operator new(0) is not a unique block of the design");
  ::operator delete(a);
  ::operator delete (b, size_t{0});
  void* c = ::operator new[](100);
  CHECK(owned(c, 100) && aligned(c, 16), "operator new[](100)");
  ::operator delete[](c);
  void* d = ::operator new(1000, std::align_val_t(256));
  CHECK(aligned(d, 256) && owned(d, 1000), "operator new(1000, align 256)");
  ::operator delete(d, std::align_val_t(256));
  d = ::operator new[](1000, std::align_val_t(512), std::nothrow);
  CHECK(aligned(d, 512) && owned(d, 1000), "operator new[](1000, align 512, nothrow)");
  ::operator delete[](d, size_t{1000}, std::align_val_t(512));
  CHECK(::operator new(opaque(SIZE_MAX), std::nothrow) == nullptr, "nothrow new(SIZE_MAX) is not nullptr");
  CHECK(::operator new[](opaque(SIZE_MAX), std::align_val_t(64), std::nothrow) == nullptr, "nothrow new[] aligned");
  bool threw = false;
  try {
    void* volatile x = ::operator new(opaque(SIZE_MAX));
    (void)x;
  } catch (const std::bad_alloc&) {
    threw = true;
  }
  CHECK(threw, "operator new(SIZE_MAX) did not throw std::bad_alloc");
  std::set_new_handler(handler_once);
  threw = false;
  try {
    void* volatile x = ::operator new(opaque(SIZE_MAX));
    (void)x;
  } catch (const std::bad_alloc&) {
    threw = true;
  }
  CHECK(threw && g_handler_calls == 1, "the new-handler was called %d times before bad_alloc", g_handler_calls);
  // Containers' memory is the design's too.
  std::string s(5000, 'x');
  CHECK(owned(s.data(), 5000), "a std::string's buffer is not the design's");
}

// --- threads ----------------------------------------------------------------

// Each thread allocates, checks and frees its own blocks and hands some to
// the next thread through a mailbox, which frees what it receives.
constexpr int kThreads = 4;
constexpr int kOps = 60000;
struct Mailbox {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  void* slot[64] = {};
  size_t size[64] = {};
};
Mailbox g_boxes[kThreads];

uint64_t next_random(uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

void* worker(void* arg) {
  const int me = static_cast<int>(reinterpret_cast<intptr_t>(arg));
  uint64_t rng = 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(me + 1);
  void* live[128] = {};
  size_t live_size[128] = {};
  const unsigned char tag = static_cast<unsigned char>(me + 1);
  for (int op = 0; op < kOps; ++op) {
    const uint64_t r = next_random(rng);
    const int i = static_cast<int>(r % 128);
    if (live[i] != nullptr) {
      if (!holds(live[i], live_size[i], tag)) {
        fprintf(stderr, "FAIL (%s): thread %d found its block overwritten\n", g_name, me);
        ++g_failures;
      }
      if (r & 0x100) {
        Mailbox& box = g_boxes[(me + 1) % kThreads];
        pthread_mutex_lock(&box.m);
        const int k = static_cast<int>((r >> 12) % 64);
        void* old = box.slot[k];
        box.slot[k] = live[i];
        box.size[k] = live_size[i];
        pthread_mutex_unlock(&box.m);
        free(old);  // another thread's block
      } else if (r & 0x200) {
        const size_t to = (r >> 20) % 3000 + 1;
        void* q = realloc(live[i], to);
        if (q == nullptr) {
          ++g_failures;
          continue;
        }
        live[i] = q;
        live_size[i] = to;
        fill(q, to, tag);
        continue;
      } else {
        free(live[i]);
      }
      live[i] = nullptr;
    } else {
      const size_t n = (r >> 24) % 16 == 0 ? (r >> 32) % 70000 : (r >> 32) % 400;
      void* p = (r >> 30) % 8 == 0 ? aligned_alloc(64, n) : ((r >> 30) % 8 == 1 ? calloc(1, n) : malloc(n));
      if (p == nullptr) {
        fprintf(stderr, "FAIL (%s): thread %d: allocation of %zu bytes failed\n", g_name, me, n);
        ++g_failures;
        continue;
      }
      fill(p, n, tag);
      live[i] = p;
      live_size[i] = n;
    }
  }
  for (void* p : live) free(p);
  return nullptr;
}

void check_threads() {
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; ++i) pthread_create(&t[i], nullptr, worker, reinterpret_cast<void*>(intptr_t{i}));
  for (pthread_t& x : t) pthread_join(x, nullptr);
  for (Mailbox& box : g_boxes)
    for (void*& p : box.slot) {
      free(p);
      p = nullptr;
    }
  ++g_checks;
}

// --- fork in a threaded program ---------------------------------------------

std::atomic<bool> g_stop{false};
void* churn(void*) {
  while (!g_stop.load()) {
    void* p[16];
    for (void*& x : p) x = malloc(100 + reinterpret_cast<uintptr_t>(&x) % 5000);
    for (void* x : p) free(x);
  }
  return nullptr;
}

void check_fork() {
  pthread_t t[3];
  for (pthread_t& x : t) pthread_create(&x, nullptr, churn, nullptr);
  for (int round = 0; round < 30; ++round) {
    pid_t pid = fork();
    if (pid == 0) {
      alarm(10);  // a child stuck on the lock dies of SIGALRM
      for (int i = 0; i < 1000; ++i) {
        void* p = malloc(static_cast<size_t>(i) * 13 + 1);
        if (p == nullptr) _exit(3);
        fill(p, static_cast<size_t>(i) * 13 + 1, 1);
        free(p);
      }
      void* q = realloc(nullptr, 100000);
      _exit(q == nullptr ? 4 : 0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid, "fork or wait failed");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "forked child (round %d) ended with status %#x", round,
          status);
  }
  g_stop = true;
  for (pthread_t& x : t) pthread_join(x, nullptr);
}

// --- child processes: options and failures -----------------------------------

// The child's part: allocate 1 MiB blocks until one fails (at most 256).
int child_exhaust() {
  void* held[256];
  int n = 0;
  bool failed = false;
  for (; n < 256; ++n) {
    errno = 0;
    held[n] = malloc(size_t{1} << 20);
    if (held[n] == nullptr) {
      failed = true;
      if (errno != ENOMEM) return 5;
      break;
    }
  }
  for (int i = 0; i < n; ++i) free(held[i]);
  const char* word = failed ? "failed\n" : "served\n";
  return write(1, word, strlen(word)) > 0 ? 0 : 6;
}

struct ChildResult {
  int status = -1;
  std::string out, err;
};

// Runs this program as `dropin_check NAME --child MODE` with the options in
// the environment (the preload is inherited).
ChildResult run_child(const char* self, const char* mode, const char* options) {
  int out[2], err[2];
  ChildResult r;
  if (pipe(out) != 0 || pipe(err) != 0) return r;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    close(out[0]);
    close(err[0]);
    setenv("HEAPREPLAY_MALLOC_OPTIONS", options, 1);
    execl(self, self, g_name, "--child", mode, static_cast<char*>(nullptr));
    _exit(126);
  }
  close(out[1]);
  close(err[1]);
  char buf[4096];
  for (int fd : {out[0], err[0]}) {
    ssize_t k;
    while ((k = read(fd, buf, sizeof buf)) > 0) (fd == out[0] ? r.out : r.err).append(buf, static_cast<size_t>(k));
    close(fd);
  }
  waitpid(pid, &r.status, 0);
  return r;
}

bool one_line(const std::string& s) { return !s.empty() && s.find('\n') == s.size() - 1; }

void check_children(const char* self) {
  const std::string owner = std::string("heapreplay malloc (") + g_name + ")";
  ChildResult bad = run_child(self, "idle", "no_such_option");
  CHECK(WIFEXITED(bad.status) && WEXITSTATUS(bad.status) == 127, "a bad option gave status %#x, not exit 127",
        bad.status);
  CHECK(bad.err == owner + ": unknown option 'no_such_option'\n", "a bad option said '%s'", bad.err.c_str());
  ChildResult bad_value = run_child(self, "idle", "fail_after_bytes=lots");
  CHECK(WIFEXITED(bad_value.status) && WEXITSTATUS(bad_value.status) == 127 && one_line(bad_value.err) &&
            bad_value.err.rfind(owner + ": option 'fail_after_bytes'", 0) == 0,
        "a bad option value gave status %#x and '%s'", bad_value.status, bad_value.err.c_str());

  // Past a budget of committed bytes (the page source's fault injection),
  // allocations fail with ENOMEM, and the first failure says so in one line.
  ChildResult budget = run_child(self, "exhaust", "fail_after_bytes=8M");
  CHECK(WIFEXITED(budget.status) && WEXITSTATUS(budget.status) == 0 && budget.out == "failed\n",
        "with fail_after_bytes=8M: status %#x, '%s'", budget.status, budget.out.c_str());
  CHECK(one_line(budget.err) && budget.err.rfind(owner + ": a request of ", 0) == 0 &&
            budget.err.find("failed (ENOMEM)") != std::string::npos,
        "with fail_after_bytes=8M the program was told '%s'", budget.err.c_str());

  // faithful: where that is the original's fixed heap, allocations fail
  // cleanly and the line says faithful mode is why; otherwise nothing fails.
  ChildResult faithful = run_child(self, "exhaust", "faithful");
  CHECK(WIFEXITED(faithful.status) && WEXITSTATUS(faithful.status) == 0, "faithful: status %#x, stderr '%s'",
        faithful.status, faithful.err.c_str());
  if (faithful.out == "failed\n")
    CHECK(one_line(faithful.err) &&
              faithful.err.find("faithful mode keeps the original's fixed heap") != std::string::npos,
          "faithful failed, and said '%s'", faithful.err.c_str());
  else
    CHECK(faithful.out == "served\n" && faithful.err.empty(), "faithful served all, and said '%s'",
          faithful.err.c_str());
  printf("dropin_check %s: faithful mode %s 256 MiB in 1 MiB blocks\n", g_name,
         faithful.out == "failed\n" ? "cannot serve" : "serves");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: dropin_check DESIGN [--child idle|exhaust]\n");
    return 2;
  }
  g_name = argv[1];
  g_lib = std::string("libhr_malloc_") + g_name + ".so";
  if (argc == 4 && strcmp(argv[2], "--child") == 0) return strcmp(argv[3], "exhaust") == 0 ? child_exhaust() : 0;
  check_active();
  if (g_failures.load() != 0) {
    fprintf(stderr, "dropin_check: run it with %s preloaded\n", g_lib.c_str());
    return 1;
  }
  check_malloc_free();
  check_usable_sizes();
  check_calloc();
  check_realloc();
  check_aligned();
  check_sized_frees();
  check_foreign();
  check_cxx();
  check_children(argv[0]);
  check_threads();
  check_fork();
  if (g_failures.load() != 0) {
    fprintf(stderr, "dropin_check %s: %d of %d checks failed\n", g_name, g_failures.load(), g_checks);
    return 1;
  }
  printf("dropin_check %s: %d checks passed\n", g_name, g_checks);
  return 0;
}
