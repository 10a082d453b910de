/* known_allocs: a small single-threaded program whose malloc-family calls the
 * importers' recording tests know exactly. It is recorded with heaptrack and
 * with valgrind --trace-malloc=yes, never linked with anything of ours, and
 * built without sanitizers and without the compiler's malloc builtins.
 *
 * Between two markers, malloc(BEGIN_MARK) freed at once and malloc(END_MARK)
 * freed at once (sizes nothing else asks for), it makes STEPS calls (argv[1],
 * default 400) chosen by a fixed linear congruential generator over 48 slots:
 * malloc, calloc, posix_memalign, realloc to a new size (never realloc(NULL)
 * or realloc(p, 0)) and free, and leaves some blocks live at the end. It
 * makes no other call between the markers (no stdio), and then prints what it
 * did on one line:
 *   known_allocs: malloc=M calloc=C aligned=A realloc=R free=F peak=P final=L
 * where P and L are the most and the last live requested bytes inside the
 * window (realloc counting its new size in place of the old). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BEGIN_MARK 999983
#define END_MARK 999979
#define SLOTS 48

static uint64_t state = 12345;
static uint64_t next_random(void) {
  state = state * 6364136223846793005ull + 1442695040888963407ull;
  return state >> 33;
}

int main(int argc, char** argv) {
  const long steps = argc > 1 ? atol(argv[1]) : 400;
  void* slot[SLOTS] = {0};
  size_t size[SLOTS] = {0};
  unsigned long long n_malloc = 0, n_calloc = 0, n_aligned = 0, n_realloc = 0, n_free = 0;
  unsigned long long live = 0, peak = 0;

  free(malloc(BEGIN_MARK));
  for (long i = 0; i < steps; ++i) {
    const unsigned k = (unsigned)(next_random() % SLOTS);
    const size_t want = 1 + (size_t)(next_random() % 3000);
    const unsigned pick = (unsigned)(next_random() % 4);
    if (slot[k] == NULL) {
      if (pick == 0) {
        slot[k] = calloc(1 + want % 7, 16);
        size[k] = (1 + want % 7) * 16;
        ++n_calloc;
      } else if (pick == 1) {
        if (posix_memalign(&slot[k], 64, want) != 0) return 1;
        size[k] = want;
        ++n_aligned;
      } else {
        slot[k] = malloc(want);
        size[k] = want;
        ++n_malloc;
      }
      if (slot[k] == NULL) return 1;
      live += size[k];
    } else if (pick < 2) {
      void* p = realloc(slot[k], want);
      if (p == NULL) return 1;
      live = live - size[k] + want;
      slot[k] = p;
      size[k] = want;
      ++n_realloc;
    } else {
      free(slot[k]);
      live -= size[k];
      slot[k] = NULL;
      ++n_free;
    }
    if (live > peak) peak = live;
  }
  free(malloc(END_MARK));
  printf("known_allocs: malloc=%llu calloc=%llu aligned=%llu realloc=%llu free=%llu peak=%llu final=%llu\n", n_malloc,
         n_calloc, n_aligned, n_realloc, n_free, peak, live);
  return 0;
}
