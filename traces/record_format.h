/* The raw record stream that the recording library (recorder/hr_record.c,
 * preloaded by `heapreplay record`) writes and that traces/readers/
 * record_reader.h turns into a trace. Plain C so that both sides share one
 * definition; the layout is documented in traces/FORMAT.md ("Raw recordings").
 *
 * A recording is a private folder. Each process image that loads the library
 * (the program, and again after each exec) makes a sub-folder "<pid>.<image>"
 * as it loads; a forked child makes its own at its first call. The folder
 * holds one "process" file and one "thread-<seq>" file per thread that made
 * a call. Every
 * file is written through a shared file mapping, so what a thread has stored
 * is in the file even if the process is killed a moment later.
 * All integers are little-endian. */
#ifndef HEAPREPLAY_TRACES_RECORD_FORMAT_H
#define HEAPREPLAY_TRACES_RECORD_FORMAT_H

#include <stdint.h>

#ifdef __cplusplus
#define HR_RECORD_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define HR_RECORD_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* Environment of a recorded program (set by `heapreplay record`). */
#define HR_RECORD_ENV_DIR "HEAPREPLAY_RECORD_DIR"   /* the recording folder; unset: record nothing */
#define HR_RECORD_ENV_FORK "HEAPREPLAY_RECORD_FORK" /* "child": forked children record too; else not */
#define HR_RECORD_ENV_PID                                              \
  "HEAPREPLAY_RECORD_PID" /* the pid of the program started; with FORK \
                             unset, only that pid (any of its images) records */
#define HR_RECORD_ENV_CLOCK                                                       \
  "HEAPREPLAY_RECORD_CLOCK" /* "monotonic", "tsc", or "auto"/unset: the TSC where \
                               the kernel's clocksource is the TSC (x86-64), else CLOCK_MONOTONIC */

#define HR_RECORD_VERSION 3u
#define HR_RECORD_PROCESS_MAGIC "HRRECPRC" /* 8 bytes, no terminator in the file */
#define HR_RECORD_THREAD_MAGIC "HRRECTHR"
#define HR_RECORD_PROCESS_FILE "process"
#define HR_RECORD_THREAD_PREFIX "thread-" /* then the decimal seq */

/* A thread file grows by chunks of this many bytes; the first chunk starts
 * with the 64-byte thread header, then records follow back to back. A record
 * never spans two chunks: one that does not fit in what is left of a chunk
 * goes at the start of the next, after an HR_OP_PAD word. */
#define HR_RECORD_CHUNK_BYTES (1u << 20)
#define HR_RECORD_THREAD_HEADER_BYTES 64u
#define HR_RECORD_PROCESS_FILE_BYTES 4096u

/* The op, in the low 8 bits of a record's head. 0 is never an op: a record
 * whose head is 0 has not been written, and ends the thread's stream. */
enum hr_record_op {
  HR_OP_MALLOC = 1,         /* addr = malloc(size) */
  HR_OP_CALLOC = 2,         /* addr = calloc(size, extra) */
  HR_OP_REALLOC = 3,        /* addr = realloc(extra, size); also reallocarray (size = the product) */
  HR_OP_FREE = 4,           /* free(addr) */
  HR_OP_MEMALIGN = 5,       /* addr = memalign(extra, size) */
  HR_OP_POSIX_MEMALIGN = 6, /* posix_memalign(&addr, extra, size); addr 0 when it failed */
  HR_OP_ALIGNED_ALLOC = 7,  /* addr = aligned_alloc(extra, size) */
  HR_OP_VALLOC = 8,         /* addr = valloc(size) */
  HR_OP_PVALLOC = 9,        /* addr = pvalloc(size), size as the caller asked */
  HR_OP_DROPPED = 10,       /* size calls made while the thread was already recording (a signal
                               handler interrupting the recorder) were not recorded */
  HR_OP_PAD = 11,           /* one word: the rest of this chunk is unused; records go on in the next */
  HR_OP_SYNC = 12,          /* not a call: a clock pair of a TSC recording, taken as a chunk begins;
                               the head's time in ticks, addr = CLOCK_MONOTONIC ns at the same moment */
};

/* What record times count. */
enum hr_record_clock {
  HR_CLOCK_MONOTONIC = 0, /* CLOCK_MONOTONIC ns since the process header's base_ns */
  HR_CLOCK_TSC = 1,       /* x86 time-stamp counter ticks since base_ticks; the reader turns them into ns
                             through the (ticks, ns) pairs the recording holds (headers, HR_OP_SYNC) */
};

/* One call is 2 to 4 words of 8 bytes: the head, then the first
 * hr_record_words(op) - 1 of addr, size, extra. head = op | (time << 8),
 * where time counts the process header's clock from its base (ns of
 * CLOCK_MONOTONIC, or TSC ticks): taken after the call returned for anything
 * that allocates, before the call for free (fenced, for free and realloc, so
 * that the time is read after the loads that found the block: a thread never
 * times its free of a block before the time another thread's allocation of
 * it was read). The head is stored last, so a record is either whole or absent. The
 * short forms matter: the page cache the records go through costs the
 * recorded program time per byte. This struct is a record decoded. */
struct hr_record {
  uint64_t head;
  uint64_t addr;  /* the block returned, or freed (HR_OP_DROPPED: the count of calls) */
  uint64_t size;  /* the size requested (calloc: the element count) */
  uint64_t extra; /* calloc: element size; realloc: the old block; aligned calls: the alignment */
};
HR_RECORD_STATIC_ASSERT(sizeof(struct hr_record) == 32, "hr_record is 32 bytes");

/* Words a record of this op takes, its head included; 0 for no op. */
static inline unsigned hr_record_words(unsigned op) {
  switch (op) {
    case HR_OP_PAD: return 1;
    case HR_OP_FREE:
    case HR_OP_DROPPED:
    case HR_OP_SYNC: return 2;
    case HR_OP_MALLOC:
    case HR_OP_VALLOC:
    case HR_OP_PVALLOC: return 3; /* valloc/pvalloc: the alignment is the process header's page */
    case HR_OP_CALLOC:
    case HR_OP_REALLOC:
    case HR_OP_MEMALIGN:
    case HR_OP_POSIX_MEMALIGN:
    case HR_OP_ALIGNED_ALLOC: return 4;
    default: return 0;
  }
}

#define HR_RECORD_OP(head) ((unsigned)((head)&0xffu))
#define HR_RECORD_TIME(head) ((head) >> 8)

/* The first 64 bytes of a thread file. */
struct hr_thread_header {
  char magic[8];        /* HR_RECORD_THREAD_MAGIC */
  uint32_t version;     /* HR_RECORD_VERSION */
  uint32_t word_bytes;  /* 8 */
  uint32_t tid;         /* the kernel's thread id (gettid) */
  uint32_t seq;         /* this file's number: the order in which the image's threads first recorded */
  uint64_t start_ticks; /* HR_CLOCK_TSC: a clock pair taken as the thread began recording ... */
  uint64_t start_ns;    /* ... (the TSC, CLOCK_MONOTONIC); 0 for HR_CLOCK_MONOTONIC */
  uint8_t reserved[24];
};
HR_RECORD_STATIC_ASSERT(sizeof(struct hr_thread_header) == 64, "hr_thread_header is 64 bytes");

/* The process file (4096 bytes; this header, then zeros). */
struct hr_process_header {
  char magic[8];        /* HR_RECORD_PROCESS_MAGIC */
  uint32_t version;     /* HR_RECORD_VERSION */
  uint32_t pid;         /* getpid() */
  uint32_t ppid;        /* getppid() when the image began recording */
  uint32_t image;       /* 0 for the first image of this pid that recorded, then 1 after an exec, ... */
  uint32_t page_bytes;  /* the page size (valloc and pvalloc alignment) */
  uint32_t forked;      /* 1: the image is a forked child that did not exec (yet) */
  uint64_t base_ns;     /* CLOCK_MONOTONIC when the image began recording (HR_CLOCK_MONOTONIC: record
                           times count from here) */
  uint64_t realtime_ns; /* CLOCK_REALTIME at the same moment */
  uint32_t error_errno; /* non-zero: recording stopped early on this errno ... */
  uint32_t error_where; /* ... while doing this (enum hr_record_error) */
  char exe[256];        /* readlink("/proc/self/exe"), NUL-terminated, cut at 255 bytes */
  uint32_t clock;       /* enum hr_record_clock */
  uint32_t reserved0;
  uint64_t base_ticks;  /* HR_CLOCK_TSC: the TSC at base_ns; record times count from here */
  uint64_t calib_ticks; /* HR_CLOCK_TSC: a second clock pair, at least 50 us after the first */
  uint64_t calib_ns;
  uint64_t exit_ticks; /* HR_CLOCK_TSC: a last clock pair, stored at normal exit (0: none) */
  uint64_t exit_ns;
  uint8_t reserved[152];
};
HR_RECORD_STATIC_ASSERT(sizeof(struct hr_process_header) == 512, "hr_process_header is 512 bytes");

enum hr_record_error {
  HR_ERROR_NONE = 0,
  HR_ERROR_THREAD_FILE = 1, /* creating a thread file */
  HR_ERROR_EXTEND = 2,      /* growing a thread file (a full disk, usually) */
  HR_ERROR_MAP = 3,         /* mapping a chunk */
};

#endif /* HEAPREPLAY_TRACES_RECORD_FORMAT_H */
