/* A malloc with a planted heap bug, for the tests of `heapreplay trace
 * shrink`: preloaded into a replay child (`-a preload:.../
 * libhr_planted_malloc.so`), it is glibc's malloc except after one
 * interleaving of requests and frees:
 *
 *   a = malloc(1037); b = malloc(4133); free(a);
 *   then, while b is still live, malloc(2074) returns b + 16
 *
 * memory inside the live block b (a double hand-out: what a corrupted free
 * list makes an allocator do). Freeing that pointer aborts with a message, as
 * glibc does when it finds its heap corrupted. The sizes in any other order
 * (b freed before the 2074, a never freed, a freed before b is made) are
 * harmless, so a trace can hide the bug among decoys. A request of
 * 0xDEAD2 bytes is a second, unrelated fault: SIGSEGV. The state is plain
 * globals: replays of one thread only. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void __libc_free(void *p);

enum { kFirstSize = 1037, kSecondSize = 4133, kPlantedSize = 2074, kInside = 16, kSegvSize = 0xDEAD2 };

static int state; /* 0: waiting for a; 1: a made; 2: b made; 3: a freed; 4: planted */
static void *first, *second, *planted;

void *malloc(size_t size) {
  void *p = NULL;
  if (size == kSegvSize) raise(SIGSEGV);
  if (state == 3 && size == kPlantedSize) {
    planted = (char *)second + kInside;
    state = 4;
    return planted;
  }
  p = __libc_malloc(size);
  if (state == 0 && size == kFirstSize) {
    first = p;
    state = 1;
  } else if (state == 1 && size == kSecondSize) {
    second = p;
    state = 2;
  }
  return p;
}

void free(void *p) {
  if (p == NULL) return;
  if (state == 4 && p == planted) {
    static const char msg[] = "planted_malloc: free(): the block overlaps a live block: heap corrupted\n";
    (void)!write(2, msg, sizeof msg - 1);
    abort();
  }
  if (state == 1 && p == first)
    state = 0; /* a freed before b was made */
  else if (state == 2 && p == first)
    state = 3; /* the interleaving: b waits for a 2074 */
  else if ((state == 2 || state == 3) && p == second)
    state = 0; /* b freed first: nothing to hand out twice */
  __libc_free(p);
}

/* glibc would read the planted block's header inside b's data. */
size_t malloc_usable_size(void *p) {
  static size_t (*real)(void *);
  if (p == planted && state == 4) return kPlantedSize;
  if (!real) real = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
  return real(p);
}
