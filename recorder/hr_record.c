/* libhr_record.so: the recording library `heapreplay record` preloads into a
 * program. It interposes the C allocation functions, forwards each call to the
 * next definition (the C library's, or whatever malloc the program uses), and
 * appends one record (16 to 32 bytes) per call to a per-thread file of the
 * recording folder named by $HEAPREPLAY_RECORD_DIR (layout:
 * traces/record_format.h and traces/FORMAT.md, "Raw recordings").
 *
 * How it stays out of the program's way:
 *  - It allocates nothing through malloc. Thread state lives in initial-exec
 *    TLS; records go straight into a shared file mapping (mmap of the thread's
 *    file, 1 MiB at a time). No lock is taken on the hot path: a call costs a
 *    clock read and a handful of stores.
 *  - The clock is the TSC where the kernel keeps time with it (x86-64): one
 *    rdtsc instead of clock_gettime's fenced read and arithmetic. Times are
 *    ticks; (ticks, ns) pairs in the headers and at each chunk let the reader
 *    turn them into ns. $HEAPREPLAY_RECORD_CLOCK=monotonic asks for
 *    CLOCK_MONOTONIC ns instead.
 *  - Looking up the real functions with dlsym can itself call malloc or
 *    calloc: while that thread resolves, such calls get blocks from a small
 *    static buffer, and free, realloc and malloc_usable_size of those blocks
 *    are handled here.
 *  - Nothing needs flushing. The mapping is shared with the file, so whatever
 *    a thread stored is in the page cache the moment it is stored: normal exit,
 *    exit() from any thread, _exit, exec, a fatal signal, even SIGKILL lose
 *    nothing but a record being written at that instant (its head is stored
 *    last, so it reads as absent, never as garbage). That is why there are no
 *    signal handlers and no exec wrappers here: they would change the
 *    program's behaviour to protect nothing.
 *  - fork: the mappings are MADV_DONTFORK, so a child can never write into its
 *    parent's files. With $HEAPREPLAY_RECORD_FORK=child the child starts a
 *    recording of its own (a new "<pid>.<image>" folder) at its first call;
 *    otherwise it records nothing, and neither does anything it execs
 *    (only $HEAPREPLAY_RECORD_PID records).
 *  - exec: the new image loads this library again (LD_PRELOAD is inherited)
 *    and records as the next image of the same pid.
 *  - Thread exit: a pthread key destructor unmaps the thread's chunk in the
 *    last destructor round; the few calls a thread still makes after that
 *    (the C library freeing its per-thread state) are written with pwrite.
 *  - A call made while the same thread is inside the recorder (a signal
 *    handler that allocates) is forwarded but not recorded; the next record
 *    says how many were missed (HR_OP_DROPPED).
 *  - If the disk fills up, recording of the process stops (the process header
 *    says why) and the program runs on.
 * Memory contents are never read or recorded: only sizes and addresses. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "traces/record_format.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels say EINVAL and we fault pages in as we go */
#endif

#define HR_EXPORT __attribute__((visibility("default")))
#define HR_LIKELY(x) __builtin_expect(!!(x), 1)
#define HR_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HR_TLS __thread __attribute__((tls_model("initial-exec")))
#define HR_BARRIER() atomic_signal_fence(memory_order_seq_cst)

/* ---- the real functions ---- */

struct hr_real {
  void *(*malloc)(size_t);
  void *(*calloc)(size_t, size_t);
  void *(*realloc)(void *, size_t);
  void (*free)(void *);
  void *(*memalign)(size_t, size_t);
  int (*posix_memalign)(void **, size_t, size_t);
  void *(*aligned_alloc)(size_t, size_t);
  void *(*valloc)(size_t);
  void *(*pvalloc)(size_t);
  size_t (*malloc_usable_size)(void *);
};
static struct hr_real real;

enum { HR_UNRESOLVED = 0, HR_RESOLVING = 1, HR_READY = 2 };
static atomic_int resolve_state;
static HR_TLS int resolving_here; /* this thread is inside resolve(): serve from the bootstrap buffer */

/* ---- the bootstrap buffer (only while dlsym runs) ---- */

#define HR_BOOT_BYTES (64 * 1024)
static _Alignas(64) unsigned char boot_buf[HR_BOOT_BYTES];
static atomic_size_t boot_used;

/* Each bootstrap block is preceded by 16 bytes holding its size. */
static void *boot_alloc(size_t size, size_t align) {
  if (align < 16) align = 16;
  if (size > HR_BOOT_BYTES || (align & (align - 1)) != 0) return NULL;
  size_t old = atomic_load(&boot_used);
  for (;;) {
    size_t start = (old + 16 + align - 1) & ~(align - 1);
    size_t end = start + ((size + 15) & ~(size_t)15);
    if (end > HR_BOOT_BYTES) return NULL;
    if (atomic_compare_exchange_weak(&boot_used, &old, end)) {
      memcpy(boot_buf + start - 16, &size, sizeof size);
      return boot_buf + start;
    }
  }
}

static int is_boot(const void *p) {
  return (const unsigned char *)p >= boot_buf && (const unsigned char *)p < boot_buf + HR_BOOT_BYTES;
}

static size_t boot_size(const void *p) {
  size_t size;
  memcpy(&size, (const unsigned char *)p - 16, sizeof size);
  return size;
}

/* ---- recording state ---- */

enum { HR_IMAGE_NONE = 0, HR_IMAGE_CREATING = 1, HR_IMAGE_READY = 2, HR_IMAGE_FAILED = 3 };

static atomic_int enabled;            /* 1: calls are recorded */
static int follow_fork;               /* $HEAPREPLAY_RECORD_FORK=child */
static int forked_child;              /* this image is a fork child that has not exec'd */
static char rec_dir[PATH_MAX - 64];   /* $HEAPREPLAY_RECORD_DIR */
static char image_dir[PATH_MAX - 32]; /* rec_dir/<pid>.<image> once the image exists */
static atomic_int image_state;
static struct hr_process_header *process; /* the mapped process file */
static uint64_t base_time;                /* record times count from here (ticks or ns) */
static int clock_kind = HR_CLOCK_MONOTONIC;
static uint32_t page_bytes = 4096;
static atomic_uint thread_seq;
static pthread_key_t exit_key;

enum { HR_THREAD_FRESH = 0, HR_THREAD_ACTIVE = 1, HR_THREAD_EXITED = 2, HR_THREAD_OFF = 3 };

struct hr_thread {
  uint64_t *cur;        /* where the next record goes */
  uint64_t *end;        /* the end of the mapped chunk */
  void *chunk;          /* the mapped chunk */
  uint64_t chunk_index; /* which chunk of the file is mapped */
  uint64_t next_offset; /* EXITED: the file offset of the next record */
  uint64_t dropped;     /* calls not recorded since the last record */
  uint32_t seq;
  int busy;     /* inside record(): a nested call is a signal handler's */
  int internal; /* inside our own set-up: a nested call is ours, not the program's */
  int in_real;  /* inside the real function: a nested call is part of its work (glibc's
                   reallocarray calls realloc, some allocators' calloc calls malloc) */
  int state;
  int destructor_rounds;
};
static HR_TLS struct hr_thread self;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The record clock. rdtsc is not ordered with the loads before it: fine after
 * a call that hands a block out (the time is read before the caller can pass
 * the block on), but a free or realloc must not read a time from before it
 * loaded the pointer another thread handed over: those use the fenced read. */
static inline uint64_t now(void) {
#if defined(__x86_64__)
  if (HR_LIKELY(clock_kind == HR_CLOCK_TSC)) return __builtin_ia32_rdtsc();
#endif
  return now_ns();
}

static inline uint64_t now_fenced(void) {
#if defined(__x86_64__)
  if (HR_LIKELY(clock_kind == HR_CLOCK_TSC)) {
    __builtin_ia32_lfence();
    return __builtin_ia32_rdtsc();
  }
#endif
  return now_ns();
}

/* A (TSC, CLOCK_MONOTONIC) pair: the ticks halfway through the ns read. */
static void clock_pair(uint64_t *ticks, uint64_t *ns) {
  uint64_t a = now_fenced();
  *ns = now_ns();
  uint64_t b = now_fenced();
  *ticks = a + (b - a) / 2;
}

/* Whether the TSC can time this recording: x86-64 and asked for, or the
 * kernel's clocksource (the kernel checks that it is constant and in step
 * across CPUs before it picks it). */
static int choose_clock(const char *asked) {
#if defined(__x86_64__)
  if (asked && strcmp(asked, "monotonic") == 0) return HR_CLOCK_MONOTONIC;
  if (asked && strcmp(asked, "tsc") == 0) return HR_CLOCK_TSC;
  int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return HR_CLOCK_MONOTONIC;
  char buf[8];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  return n == 4 && memcmp(buf, "tsc\n", 4) == 0 ? HR_CLOCK_TSC : HR_CLOCK_MONOTONIC;
#else
  (void)asked;
  return HR_CLOCK_MONOTONIC;
#endif
}

/* ---- small helpers that allocate nothing ---- */

static char *put_str(char *dst, const char *end, const char *s) {
  while (*s && dst < end - 1) *dst++ = *s++;
  *dst = '\0';
  return dst;
}

static char *put_u64(char *dst, const char *end, uint64_t v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0 && dst < end - 1) *dst++ = digits[--n];
  *dst = '\0';
  return dst;
}

static int parse_u64(const char *s, uint64_t *out) {
  uint64_t v = 0;
  if (!s || !*s) return 0;
  for (; *s; ++s) {
    if (*s < '0' || *s > '9') return 0;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  *out = v;
  return 1;
}

static void thread_path(char *buf, size_t cap, uint32_t seq) {
  char *p = put_str(buf, buf + cap, image_dir);
  p = put_str(p, buf + cap, "/" HR_RECORD_THREAD_PREFIX);
  put_u64(p, buf + cap, seq);
}

/* Stops recording this image for good and says why in the process header. */
static void fail(int where, int err) {
  atomic_store(&enabled, 0);
  if (process && process->error_errno == 0) {
    process->error_where = (uint32_t)where;
    process->error_errno = (uint32_t)(err ? err : EIO);
  }
}

/* Makes room for chunk `index` of the file: blocks are reserved up front, so
 * that a full disk is an error here rather than SIGBUS on a store later. */
static int extend(int fd, uint64_t index) {
  off_t off = (off_t)(index * HR_RECORD_CHUNK_BYTES);
  if (fallocate(fd, 0, off, HR_RECORD_CHUNK_BYTES) == 0) return 0;
  if (errno != EOPNOTSUPP && errno != ENOSYS) return -1;
  return ftruncate(fd, off + HR_RECORD_CHUNK_BYTES);
}

static void *map_chunk(int fd, uint64_t index) {
  void *p =
      mmap(NULL, HR_RECORD_CHUNK_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)(index * HR_RECORD_CHUNK_BYTES));
  if (p == MAP_FAILED) return NULL;
  madvise(p, HR_RECORD_CHUNK_BYTES, MADV_DONTFORK);
  madvise(p, HR_RECORD_CHUNK_BYTES, MADV_POPULATE_WRITE); /* one fault-in instead of 256 */
  return p;
}

/* ---- process images ---- */

static int create_image(void) {
  pid_t pid = getpid();
  char *p = NULL;
  const char *end = image_dir + sizeof image_dir;
  uint32_t image = 0;
  for (;; ++image) {
    p = put_str(image_dir, end, rec_dir);
    p = put_str(p, end, "/");
    p = put_u64(p, end, (uint64_t)pid);
    p = put_str(p, end, ".");
    p = put_u64(p, end, image);
    if (mkdir(image_dir, 0700) == 0) break;
    if (errno != EEXIST || image == 1000000) return -1;
  }
  char path[PATH_MAX];
  char *q = put_str(path, path + sizeof path, image_dir);
  put_str(q, path + sizeof path, "/" HR_RECORD_PROCESS_FILE);
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  void *m = MAP_FAILED;
  if (ftruncate(fd, HR_RECORD_PROCESS_FILE_BYTES) == 0)
    m = mmap(NULL, HR_RECORD_PROCESS_FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (m == MAP_FAILED) return -1;
  madvise(m, HR_RECORD_PROCESS_FILE_BYTES, MADV_DONTFORK);
  struct hr_process_header *h = m;
  struct timespec rt;
  clock_gettime(CLOCK_REALTIME, &rt);
  uint64_t base_ticks = 0, base_ns;
  if (clock_kind == HR_CLOCK_TSC)
    clock_pair(&base_ticks, &base_ns);
  else
    base_ns = now_ns();
  base_time = clock_kind == HR_CLOCK_TSC ? base_ticks : base_ns;
  h->version = HR_RECORD_VERSION;
  h->pid = (uint32_t)pid;
  h->ppid = (uint32_t)getppid();
  h->image = image;
  h->page_bytes = page_bytes;
  h->forked = (uint32_t)forked_child;
  h->base_ns = base_ns;
  h->realtime_ns = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec;
  ssize_t n = readlink("/proc/self/exe", h->exe, sizeof h->exe - 1);
  h->exe[n > 0 ? n : 0] = '\0';
  h->clock = (uint32_t)clock_kind;
  if (clock_kind == HR_CLOCK_TSC) {
    /* A second pair far enough from the first to give the tick rate to
     * 0.1% on its own, for a recording too short for any other pair. */
    uint64_t ticks, ns;
    do clock_pair(&ticks, &ns);
    while (ns - base_ns < 50000);
    h->base_ticks = base_ticks;
    h->calib_ticks = ticks;
    h->calib_ns = ns;
  }
  HR_BARRIER();
  memcpy(h->magic, HR_RECORD_PROCESS_MAGIC, 8);
  process = h;
  return 0;
}

static int ensure_image(void) {
  int s = atomic_load_explicit(&image_state, memory_order_acquire);
  if (HR_LIKELY(s == HR_IMAGE_READY)) return 1;
  if (s == HR_IMAGE_NONE) {
    int expected = HR_IMAGE_NONE;
    if (atomic_compare_exchange_strong(&image_state, &expected, HR_IMAGE_CREATING)) {
      int ok = create_image() == 0;
      if (!ok) atomic_store(&enabled, 0);
      atomic_store_explicit(&image_state, ok ? HR_IMAGE_READY : HR_IMAGE_FAILED, memory_order_release);
      return ok;
    }
  }
  while ((s = atomic_load_explicit(&image_state, memory_order_acquire)) == HR_IMAGE_CREATING) sched_yield();
  return s == HR_IMAGE_READY;
}

/* ---- threads ---- */

static void thread_exit(void *arg) {
  struct hr_thread *t = &self;
  (void)arg;
  /* Other keys' destructors run after ours and may free memory: stay until
   * the last round the C library runs. */
  if (++t->destructor_rounds < PTHREAD_DESTRUCTOR_ITERATIONS) {
    t->internal = 1;
    pthread_setspecific(exit_key, t);
    t->internal = 0;
    return;
  }
  if (t->state != HR_THREAD_ACTIVE) return;
  t->next_offset = t->chunk_index * HR_RECORD_CHUNK_BYTES + (uint64_t)((char *)t->cur - (char *)t->chunk);
  munmap(t->chunk, HR_RECORD_CHUNK_BYTES);
  t->chunk = NULL;
  t->cur = t->end = NULL;
  t->state = HR_THREAD_EXITED;
}

static int start_thread(struct hr_thread *t) {
  if (!ensure_image()) return -1;
  t->seq = atomic_fetch_add(&thread_seq, 1);
  char path[PATH_MAX];
  thread_path(path, sizeof path, t->seq);
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    fail(HR_ERROR_THREAD_FILE, errno);
    return -1;
  }
  void *chunk = NULL;
  if (extend(fd, 0) != 0) {
    fail(HR_ERROR_EXTEND, errno);
  } else if (!(chunk = map_chunk(fd, 0))) {
    fail(HR_ERROR_MAP, errno);
  }
  close(fd);
  if (!chunk) return -1;
  struct hr_thread_header *h = chunk;
  h->version = HR_RECORD_VERSION;
  h->word_bytes = sizeof(uint64_t);
  h->tid = (uint32_t)gettid();
  h->seq = t->seq;
  if (clock_kind == HR_CLOCK_TSC) clock_pair(&h->start_ticks, &h->start_ns);
  memcpy(h->magic, HR_RECORD_THREAD_MAGIC, 8);
  t->chunk = chunk;
  t->chunk_index = 0;
  t->cur = (uint64_t *)((char *)chunk + HR_RECORD_THREAD_HEADER_BYTES);
  t->end = (uint64_t *)((char *)chunk + HR_RECORD_CHUNK_BYTES);
  t->state = HR_THREAD_ACTIVE;
  pthread_setspecific(exit_key, t);
  return 0;
}

/* Stores words 1..n-1, then the head: a record is whole or absent. */
static inline void store(uint64_t *slot, unsigned n, uint64_t head, uint64_t addr, uint64_t size, uint64_t extra) {
  slot[1] = addr;
  if (n > 2) slot[2] = size;
  if (n > 3) slot[3] = extra;
  __atomic_store_n(&slot[0], head, __ATOMIC_RELEASE);
}

static uint64_t make_head(unsigned op, uint64_t t) {
  uint64_t delta = t > base_time ? t - base_time : 0;
  return (uint64_t)op | (delta << 8);
}

static int next_chunk(struct hr_thread *t) {
  char path[PATH_MAX];
  thread_path(path, sizeof path, t->seq);
  int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    fail(HR_ERROR_EXTEND, errno);
    return -1;
  }
  void *chunk = NULL;
  if (extend(fd, t->chunk_index + 1) != 0) {
    fail(HR_ERROR_EXTEND, errno);
  } else if (!(chunk = map_chunk(fd, t->chunk_index + 1))) {
    fail(HR_ERROR_MAP, errno);
  }
  close(fd);
  if (!chunk) return -1;
  munmap(t->chunk, HR_RECORD_CHUNK_BYTES);
  t->chunk = chunk;
  t->chunk_index++;
  t->cur = chunk;
  t->end = (uint64_t *)((char *)chunk + HR_RECORD_CHUNK_BYTES);
  if (clock_kind == HR_CLOCK_TSC) { /* a clock pair per MiB: the reader's tick rate follows the TSC's */
    uint64_t ticks, ns;
    clock_pair(&ticks, &ns);
    store(t->cur, 2, make_head(HR_OP_SYNC, ticks), ns, 0, 0);
    t->cur += 2;
  }
  return 0;
}

/* After the thread's destructor: one pwrite per record (a handful of calls). */
static void write_exited(struct hr_thread *t, const uint64_t *words, unsigned n) {
  char path[PATH_MAX];
  thread_path(path, sizeof path, t->seq);
  int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  uint64_t left = HR_RECORD_CHUNK_BYTES - t->next_offset % HR_RECORD_CHUNK_BYTES;
  if (left < n * sizeof *words) { /* the next chunk: pad this one out */
    uint64_t pad = HR_OP_PAD;
    if (pwrite(fd, &pad, sizeof pad, (off_t)t->next_offset) != (ssize_t)sizeof pad) goto out;
    t->next_offset += left;
  }
  uint64_t index = t->next_offset / HR_RECORD_CHUNK_BYTES;
  if (index > t->chunk_index) {
    if (extend(fd, index) != 0) goto out;
    t->chunk_index = index;
  }
  /* Head last, as everywhere: the rest, then the head. */
  if (n > 1 && pwrite(fd, words + 1, (n - 1) * sizeof *words, (off_t)(t->next_offset + sizeof *words)) !=
                   (ssize_t)((n - 1) * sizeof *words))
    goto out;
  if (pwrite(fd, words, sizeof *words, (off_t)t->next_offset) == (ssize_t)sizeof *words)
    t->next_offset += n * sizeof *words;
out:
  close(fd);
}

/* Everything that is not "room in the mapped chunk": first call of a thread,
 * a full chunk, a dropped count to report, an exited thread. */
static void record_slow(struct hr_thread *t, unsigned op, uint64_t t_ns, uint64_t addr, uint64_t size, uint64_t extra) {
  t->internal = 1;
  if (t->state == HR_THREAD_FRESH && start_thread(t) != 0) t->state = HR_THREAD_OFF;
  t->internal = 0;
  if (t->state == HR_THREAD_OFF || !atomic_load_explicit(&enabled, memory_order_relaxed)) return;
  struct hr_record r[2];
  int count = 0;
  if (t->dropped) {
    r[count] = (struct hr_record){make_head(HR_OP_DROPPED, t_ns), t->dropped, 0, 0};
    ++count;
    t->dropped = 0;
  }
  r[count] = (struct hr_record){make_head(op, t_ns), addr, size, extra};
  ++count;
  for (int i = 0; i < count; ++i) {
    unsigned n = hr_record_words(HR_RECORD_OP(r[i].head));
    if (t->state == HR_THREAD_EXITED) {
      uint64_t words[4] = {r[i].head, r[i].addr, r[i].size, r[i].extra};
      write_exited(t, words, n);
      continue;
    }
    if ((size_t)(t->end - t->cur) < n) {
      if (t->cur != t->end) __atomic_store_n(t->cur, (uint64_t)HR_OP_PAD, __ATOMIC_RELEASE);
      t->internal = 1;
      int ok = next_chunk(t) == 0;
      t->internal = 0;
      if (!ok) return;
    }
    store(t->cur, n, r[i].head, r[i].addr, r[i].size, r[i].extra);
    t->cur += n;
  }
}

#ifdef HR_RECORD_CLOCK_ONLY
static HR_TLS uint64_t clock_sink;
#endif

static inline void record(unsigned op, uint64_t t_ns, uint64_t addr, uint64_t size, uint64_t extra) {
  const unsigned n = hr_record_words(op); /* op is a constant at every call site: so is n */
  struct hr_thread *t = &self;
#ifdef HR_RECORD_CLOCK_ONLY
  /* libhr_record_clock_only.so, a measuring build for tools/record-overhead.sh:
   * the interposition and the clock read, nothing stored, so that what they
   * cost a program can be told from what recording adds. */
  clock_sink += t_ns + addr + size + extra + n + (uint64_t)(t->busy | t->internal | t->in_real);
  return;
#endif
  if (HR_UNLIKELY(t->busy | t->internal | t->in_real)) {
    if (t->busy && !t->internal) ++t->dropped; /* a signal handler interrupted a record of this thread */
    return;
  }
  t->busy = 1;
  HR_BARRIER();
  uint64_t *r = t->cur;
  if (HR_LIKELY((size_t)(t->end - r) >= n && t->dropped == 0)) {
    store(r, n, make_head(op, t_ns), addr, size, extra);
    t->cur = r + n;
  } else {
    record_slow(t, op, t_ns, addr, size, extra);
  }
  HR_BARRIER();
  t->busy = 0;
}

/* Calls the real function with in_real raised, so that calls it makes back
 * into this library are forwarded without being recorded a second time. */
#define REAL_CALL(expr)                   \
  __extension__({                         \
    ++self.in_real;                       \
    __typeof__(expr) hr_result_ = (expr); \
    --self.in_real;                       \
    hr_result_;                           \
  })

static inline int recording(void) { return atomic_load_explicit(&enabled, memory_order_relaxed); }

/* ---- start-up and fork ---- */

static void atfork_child(void) {
  struct hr_thread *t = &self;
  /* The parent's mappings are not in this process (MADV_DONTFORK). */
  t->cur = t->end = NULL;
  t->chunk = NULL;
  t->dropped = 0;
  t->busy = 0;
  t->internal = 0;
  t->in_real = 0;
  t->destructor_rounds = 0;
  process = NULL; /* the parent's, and not mapped here */
  if (!follow_fork) {
    atomic_store(&enabled, 0);
    t->state = HR_THREAD_OFF;
    return;
  }
  t->state = HR_THREAD_FRESH;
  forked_child = 1;
  atomic_store(&thread_seq, 0);
  atomic_store(&image_state, HR_IMAGE_NONE);
}

/* Reads the environment and decides whether this image records. Runs once,
 * inside resolve(), so any allocation it causes is served by the bootstrap
 * buffer and never recorded. */
static void init_recording(void) {
  const char *dir = getenv(HR_RECORD_ENV_DIR);
  if (!dir || !*dir || strlen(dir) >= sizeof rec_dir - 32) return;
  const char *fork_mode = getenv(HR_RECORD_ENV_FORK);
  follow_fork = fork_mode && strcmp(fork_mode, "child") == 0;
  uint64_t root = 0;
  if (!follow_fork && (!parse_u64(getenv(HR_RECORD_ENV_PID), &root) || root != (uint64_t)getpid())) return;
  put_str(rec_dir, rec_dir + sizeof rec_dir, dir);
  long page = sysconf(_SC_PAGESIZE);
  if (page > 0) page_bytes = (uint32_t)page;
  clock_kind = choose_clock(getenv(HR_RECORD_ENV_CLOCK));
  if (pthread_key_create(&exit_key, thread_exit) != 0) return;
  if (pthread_atfork(NULL, NULL, atfork_child) != 0) return;
  atomic_store(&enabled, 1);
}

static void *next_symbol(const char *name) { return dlsym(RTLD_NEXT, name); }

static void die(const char *what) {
  static const char prefix[] = "libhr_record: cannot find the real ";
  ssize_t ignored = write(2, prefix, sizeof prefix - 1);
  ignored = write(2, what, strlen(what));
  ignored = write(2, "\n", 1);
  (void)ignored;
  abort();
}

static void resolve(void) {
  int expected = HR_UNRESOLVED;
  if (!atomic_compare_exchange_strong(&resolve_state, &expected, HR_RESOLVING)) {
    /* Another thread resolves: wait for it (this one is not inside dlsym). */
    while (atomic_load(&resolve_state) != HR_READY) sched_yield();
    return;
  }
  resolving_here = 1;
  real.malloc = (void *(*)(size_t))next_symbol("malloc");
  real.calloc = (void *(*)(size_t, size_t))next_symbol("calloc");
  real.realloc = (void *(*)(void *, size_t))next_symbol("realloc");
  real.free = (void (*)(void *))next_symbol("free");
  real.memalign = (void *(*)(size_t, size_t))next_symbol("memalign");
  real.posix_memalign = (int (*)(void **, size_t, size_t))next_symbol("posix_memalign");
  real.aligned_alloc = (void *(*)(size_t, size_t))next_symbol("aligned_alloc");
  real.valloc = (void *(*)(size_t))next_symbol("valloc");
  real.pvalloc = (void *(*)(size_t))next_symbol("pvalloc");
  real.malloc_usable_size = (size_t(*)(void *))next_symbol("malloc_usable_size");
  if (!real.malloc || !real.calloc || !real.realloc || !real.free || !real.memalign) die("malloc functions");
  init_recording();
  resolving_here = 0;
  atomic_store(&resolve_state, HR_READY);
}

/* Returns 1 when the caller must serve the call from the bootstrap buffer. */
static inline int need_boot(void) {
  if (HR_LIKELY(atomic_load_explicit(&resolve_state, memory_order_acquire) == HR_READY)) return 0;
  if (resolving_here) return 1;
  resolve();
  return 0;
}

/* The image is made at load time, not at its first call, so that heapreplay
 * can tell a program that allocated nothing from one that never loaded us. */
__attribute__((constructor)) static void hr_record_start(void) {
  if (atomic_load(&resolve_state) != HR_READY) resolve();
  if (recording()) {
    self.internal = 1;
    ensure_image();
    self.internal = 0;
  }
}

/* A last clock pair at normal exit (exit() or returning from main): with it,
 * the tick rate of a TSC recording spans the whole run. */
__attribute__((destructor)) static void hr_record_stop(void) {
  struct hr_process_header *h = process;
  if (!h || clock_kind != HR_CLOCK_TSC || !recording()) return;
  uint64_t ticks, ns;
  clock_pair(&ticks, &ns);
  h->exit_ns = ns;
  HR_BARRIER();
  h->exit_ticks = ticks; /* last: a pair cut in half reads as none */
}

/* ---- the interposed functions ---- */

HR_EXPORT void *malloc(size_t size) {
  if (HR_UNLIKELY(need_boot())) return boot_alloc(size, 16);
  void *p = REAL_CALL(real.malloc(size));
  if (recording()) record(HR_OP_MALLOC, now(), (uintptr_t)p, size, 0);
  return p;
}

HR_EXPORT void *calloc(size_t count, size_t size) {
  if (HR_UNLIKELY(need_boot())) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) return NULL;
    return boot_alloc(total, 16); /* static storage: already zero */
  }
  void *p = REAL_CALL(real.calloc(count, size));
  if (recording()) record(HR_OP_CALLOC, now(), (uintptr_t)p, count, size);
  return p;
}

HR_EXPORT void free(void *p) {
  if (HR_UNLIKELY(is_boot(p))) return;
  if (HR_UNLIKELY(need_boot())) return; /* nothing but bootstrap blocks exist yet */
  if (!recording()) {
    real.free(p);
    return;
  }
  uint64_t t = now_fenced(); /* before: the block may be handed out again once free returns */
  ++self.in_real;
  real.free(p);
  --self.in_real;
  record(HR_OP_FREE, t, (uintptr_t)p, 0, 0);
}

/* realloc of a bootstrap block: move it into a real block. */
static void *realloc_boot(void *old, size_t size) {
  void *p = malloc(size);
  if (p) {
    size_t n = boot_size(old);
    memcpy(p, old, n < size ? n : size);
  }
  return p;
}

HR_EXPORT void *realloc(void *old, size_t size) {
  if (HR_UNLIKELY(need_boot())) {
    void *p = boot_alloc(size, 16);
    if (p && old) {
      size_t n = boot_size(old);
      memcpy(p, old, n < size ? n : size);
    }
    return p;
  }
  if (HR_UNLIKELY(is_boot(old))) return realloc_boot(old, size);
  void *p = REAL_CALL(real.realloc(old, size));
  if (recording()) record(HR_OP_REALLOC, now_fenced(), (uintptr_t)p, size, (uintptr_t)old);
  return p;
}

/* Not forwarded to the real reallocarray: glibc's calls realloc through the
 * interposable symbol, which would record the call twice. */
HR_EXPORT void *reallocarray(void *old, size_t count, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(count, size, &total)) {
    if (!need_boot() && !is_boot(old) && recording())
      record(HR_OP_REALLOC, now_fenced(), 0, UINT64_MAX, (uintptr_t)old);
    errno = ENOMEM;
    return NULL;
  }
  return realloc(old, total);
}

HR_EXPORT void *memalign(size_t align, size_t size) {
  if (HR_UNLIKELY(need_boot())) return boot_alloc(size, align);
  void *p = REAL_CALL(real.memalign(align, size));
  if (recording()) record(HR_OP_MEMALIGN, now(), (uintptr_t)p, size, align);
  return p;
}

HR_EXPORT int posix_memalign(void **out, size_t align, size_t size) {
  if (HR_UNLIKELY(need_boot())) {
    void *p = boot_alloc(size, align);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
  }
  void *p = NULL;
  int rc = real.posix_memalign ? REAL_CALL(real.posix_memalign(&p, align, size)) : EINVAL;
  if (rc == 0) *out = p;
  if (recording()) record(HR_OP_POSIX_MEMALIGN, now(), rc == 0 ? (uintptr_t)p : 0, size, align);
  return rc;
}

HR_EXPORT void *aligned_alloc(size_t align, size_t size) {
  if (HR_UNLIKELY(need_boot())) return boot_alloc(size, align);
  void *p = REAL_CALL(real.aligned_alloc ? real.aligned_alloc(align, size) : real.memalign(align, size));
  if (recording()) record(HR_OP_ALIGNED_ALLOC, now(), (uintptr_t)p, size, align);
  return p;
}

HR_EXPORT void *valloc(size_t size) {
  if (HR_UNLIKELY(need_boot())) return boot_alloc(size, page_bytes);
  void *p = REAL_CALL(real.valloc ? real.valloc(size) : real.memalign(page_bytes, size));
  if (recording()) record(HR_OP_VALLOC, now(), (uintptr_t)p, size, page_bytes);
  return p;
}

HR_EXPORT void *pvalloc(size_t size) {
  if (HR_UNLIKELY(need_boot())) return boot_alloc(size, page_bytes);
  size_t rounded = size ? (size + page_bytes - 1) & ~(size_t)(page_bytes - 1) : page_bytes;
  void *p = REAL_CALL(real.pvalloc ? real.pvalloc(size) : real.memalign(page_bytes, rounded));
  if (recording()) record(HR_OP_PVALLOC, now(), (uintptr_t)p, size, page_bytes);
  return p;
}

/* Not recorded; here so that a bootstrap block never reaches the real one. */
HR_EXPORT size_t malloc_usable_size(void *p) {
  if (HR_UNLIKELY(is_boot(p))) return boot_size(p);
  if (HR_UNLIKELY(need_boot())) return 0;
  return real.malloc_usable_size ? real.malloc_usable_size(p) : 0;
}
