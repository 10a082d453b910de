/* A malloc-replacing test library for crash isolation: preloaded into a
 * replay child (`-a preload:.../libhr_faulty_malloc.so`), it behaves like
 * glibc malloc except for a few magic request sizes, which a test trace asks
 * for at the point where the fault should happen. */
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);

enum {
  kAbortSize = 0xDEAD1, /* abort(): SIGABRT */
  kSegvSize = 0xDEAD2,  /* a wild write: SIGSEGV */
  kHangSize = 0xDEAD3,  /* never returns */
  kNullSize = 0xDEAD4,  /* returns NULL, as an exhausted allocator would */
};

void *malloc(size_t size) {
  switch (size) {
    case kAbortSize: abort();
    case kSegvSize: raise(SIGSEGV); break;
    case kHangSize:
      for (;;) pause();
    case kNullSize: return NULL;
    default: break;
  }
  return __libc_malloc(size);
}
