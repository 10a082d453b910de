/* mt_alloc: an allocation-heavy multi-threaded test program for
 * `heapreplay record` (tests and tools/record-overhead.sh). It is recorded,
 * never linked with anything of ours, and built without sanitizers.
 *
 * N worker threads stand in a ring: worker i allocates objects (malloc,
 * calloc, realloc, reallocarray, the five aligned calls), fills a header,
 * and hands them to worker i+1 in batches of 32 through a bounded queue; each
 * worker checks and frees what it receives (the objects and the batch), so
 * every handed-over block is freed by another thread than the one that made
 * it. Workers also allocate and free scratch
 * blocks of their own, and call free(NULL) now and then.
 *
 * At the end the program prints what it did, one line per process image:
 *   mt_alloc: pid=P role=R threads=T malloc=M calloc=C realloc=R free=F aligned=A free_null=N cross_thread_frees=X
 * where free counts free(NULL) too (as a trace does) and realloc counts
 * reallocarray. Calls the C library makes for itself (stdio buffers, thread
 * set-up) are not counted: tests subtract a run with --items 0.
 *
 * Options:
 *   --threads N       workers (default 4)
 *   --items N         objects each worker makes and hands over (default 100000)
 *   --work N          rounds of arithmetic per object, to stand for the work a real program does (default 0)
 *   --fork            then fork: the child makes a small workload of its own, prints its line, exits
 *   --exec            then exec this program again (--threads 2 --items 1000, role=exec)
 *   --exit-in-thread  end from a new thread while the workers are still alive (blocked): that thread
 *                     prints the counts, then does the --fork, --exec and --raise there, then calls exit()
 *   --raise SIG       end with raise(SIG) after printing (e.g. 9 for SIGKILL, 11 for SIGSEGV)
 *   --role NAME       the role printed (default main) */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define QUEUE_SLOTS 1024
#define BATCH_OBJECTS 32
#define MAGIC 0x6d74616c6c6f6321ull

struct counts {
  unsigned long malloc_, calloc_, realloc_, free_, aligned, free_null, cross_thread_frees;
};

struct object {
  uint64_t magic;
  uint32_t maker; /* worker index */
  uint32_t size;
};

/* Objects travel in batches, as a real producer hands work over: one lock
 * per batch, not per object. A batch is a block of its own, freed by the
 * receiver too. */
struct batch {
  uint32_t maker;
  uint32_t n;
  struct object *item[BATCH_OBJECTS];
};

struct queue {
  pthread_mutex_t lock;
  struct batch *slot[QUEUE_SLOTS];
  unsigned head, count;
};

struct worker {
  pthread_t thread;
  unsigned index;
  struct counts c;
  uint64_t rng;
  unsigned long sink;
};

static unsigned n_workers = 4;
static unsigned long n_items = 100000;
static unsigned long n_work = 0;
static struct queue *queues;
static struct worker *workers;

/* Everything but the workers' own counts: main's calls. */
static struct counts main_counts;

static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static unsigned workers_done;
static int park_workers; /* --exit-in-thread: finished workers block instead of returning */

static uint64_t next_rand(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* Waiting for a queue to change, without spinning: a worker with nothing to
 * do (its queue empty, the next one full) sleeps until any queue changes.
 * It reads the epoch before it looks at the queues, so a change in between
 * is never missed. */
static atomic_ulong epoch;
static atomic_int sleepers;
static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wait_cond = PTHREAD_COND_INITIALIZER;

static void changed(void) {
  atomic_fetch_add(&epoch, 1);
  if (atomic_load(&sleepers) > 0) {
    pthread_mutex_lock(&wait_lock);
    pthread_cond_broadcast(&wait_cond);
    pthread_mutex_unlock(&wait_lock);
  }
}

static void wait_for_change(unsigned long seen) {
  pthread_mutex_lock(&wait_lock);
  atomic_fetch_add(&sleepers, 1);
  while (atomic_load(&epoch) == seen) pthread_cond_wait(&wait_cond, &wait_lock);
  atomic_fetch_sub(&sleepers, 1);
  pthread_mutex_unlock(&wait_lock);
}

static int try_push(struct queue *q, struct batch *p) {
  pthread_mutex_lock(&q->lock);
  int ok = q->count < QUEUE_SLOTS;
  if (ok) {
    q->slot[(q->head + q->count) % QUEUE_SLOTS] = p;
    q->count++;
  }
  pthread_mutex_unlock(&q->lock);
  if (ok) changed();
  return ok;
}

static struct batch *try_pop(struct queue *q) {
  struct batch *p = NULL;
  pthread_mutex_lock(&q->lock);
  if (q->count > 0) {
    p = q->slot[q->head];
    q->head = (q->head + 1) % QUEUE_SLOTS;
    q->count--;
  }
  pthread_mutex_unlock(&q->lock);
  if (p) changed();
  return p;
}

static void fail(const char *what) {
  fprintf(stderr, "mt_alloc: %s\n", what);
  exit(3);
}

/* One object, made by one of the calls; its header says who made it. */
static struct object *make_object(struct worker *w, unsigned long item) {
  size_t size = sizeof(struct object) + (size_t)(next_rand(&w->rng) % 1000);
  struct object *o = NULL;
  if (item % 32 == 31) {
    void *p = NULL;
    switch ((item / 32) % 5) {
      case 0: p = posix_memalign(&p, 64, size) == 0 ? p : NULL; break;
      case 1: p = aligned_alloc(64, (size + 63) & ~(size_t)63); break;
      case 2: p = memalign(32, size); break;
      case 3: p = valloc(size); break;
      case 4: p = pvalloc(size); break;
    }
    o = p;
    w->c.aligned++;
  } else if (item % 8 == 3) {
    o = calloc(1, size);
    w->c.calloc_++;
  } else {
    o = malloc(size);
    w->c.malloc_++;
  }
  if (!o) fail("out of memory");
  if (item % 16 == 5) {
    size += 200;
    o = realloc(o, size);
    w->c.realloc_++;
  } else if (item % 64 == 9) {
    size += 100;
    o = reallocarray(o, 1, size);
    w->c.realloc_++;
  }
  if (!o) fail("out of memory");
  o->magic = MAGIC;
  o->maker = w->index;
  o->size = (uint32_t)size;
  memset(o + 1, (int)(item & 0xff), size - sizeof *o < 64 ? size - sizeof *o : 64);
  return o;
}

static void consume_object(struct worker *w, struct object *o) {
  if (o->magic != MAGIC) fail("corrupted object");
  w->sink += o->size;
  if (o->maker != w->index) w->c.cross_thread_frees++;
  free(o);
  w->c.free_++;
}

/* Frees a batch received from another worker: its objects, then itself.
 * Returns how many objects it held. */
static unsigned consume(struct worker *w, struct batch *b) {
  unsigned n = b->n;
  for (unsigned i = 0; i < n; ++i) consume_object(w, b->item[i]);
  if (b->maker != w->index) w->c.cross_thread_frees++;
  free(b);
  w->c.free_++;
  return n;
}

static void *worker_main(void *arg) {
  struct worker *w = arg;
  struct queue *mine = &queues[w->index];
  struct queue *next = &queues[(w->index + 1) % n_workers];
  unsigned long consumed = 0;
  struct batch *out = NULL;
  for (unsigned long item = 0; item < n_items; ++item) {
    if (!out) {
      out = malloc(sizeof *out);
      if (!out) fail("out of memory");
      w->c.malloc_++;
      out->n = 0;
      out->maker = w->index;
    }
    out->item[out->n++] = make_object(w, item);
    if (out->n == BATCH_OBJECTS || item + 1 == n_items) {
      for (;;) {
        unsigned long seen = atomic_load(&epoch);
        if (try_push(next, out)) break;
        struct batch *in = try_pop(mine);
        if (in)
          consumed += consume(w, in);
        else
          wait_for_change(seen);
      }
      out = NULL;
    }
    if (item % 4 == 0) { /* scratch: allocated and freed by this thread */
      char *s = malloc(32 + item % 200);
      if (!s) fail("out of memory");
      s[0] = (char)item;
      w->sink += (unsigned char)s[0];
      free(s);
      w->c.malloc_++;
      w->c.free_++;
    }
    if (item % 128 == 7) {
      void *volatile nothing = NULL; /* volatile: the compiler may not drop free(NULL) */
      free(nothing);
      w->c.free_++;
      w->c.free_null++;
    }
    for (unsigned long k = 0; k < n_work; ++k) w->sink += next_rand(&w->rng) >> 60;
    if (item % BATCH_OBJECTS == 0) {
      struct batch *in = try_pop(mine);
      if (in) consumed += consume(w, in);
    }
  }
  while (consumed < n_items) {
    unsigned long seen = atomic_load(&epoch);
    struct batch *in = try_pop(mine);
    if (in)
      consumed += consume(w, in);
    else
      wait_for_change(seen);
  }
  pthread_mutex_lock(&done_lock);
  workers_done++;
  pthread_cond_broadcast(&done_cond);
  while (park_workers) pthread_cond_wait(&done_cond, &done_lock); /* until exit() ends the process */
  pthread_mutex_unlock(&done_lock);
  return NULL;
}

static void add(struct counts *to, const struct counts *c) {
  to->malloc_ += c->malloc_;
  to->calloc_ += c->calloc_;
  to->realloc_ += c->realloc_;
  to->free_ += c->free_;
  to->aligned += c->aligned;
  to->free_null += c->free_null;
  to->cross_thread_frees += c->cross_thread_frees;
}

static void print_counts(const char *role, unsigned threads, const struct counts *c) {
  printf(
      "mt_alloc: pid=%d role=%s threads=%u malloc=%lu calloc=%lu realloc=%lu free=%lu aligned=%lu free_null=%lu "
      "cross_thread_frees=%lu\n",
      (int)getpid(), role, threads, c->malloc_, c->calloc_, c->realloc_, c->free_, c->aligned, c->free_null,
      c->cross_thread_frees);
  fflush(stdout);
}

static void total_counts(struct counts *t) {
  memset(t, 0, sizeof *t);
  add(t, &main_counts);
  for (unsigned i = 0; i < n_workers; ++i) add(t, &workers[i].c);
}

/* The forked child's own small workload: single-threaded, deterministic. */
static void child_workload(void) {
  struct counts c = {0};
  void *keep[500];
  for (int i = 0; i < 500; ++i) {
    keep[i] = malloc(24 + (size_t)i);
    c.malloc_++;
  }
  for (int i = 0; i < 500; i += 2) {
    keep[i] = realloc(keep[i], 1000 + (size_t)i);
    c.realloc_++;
  }
  void *z = calloc(10, 10);
  c.calloc_++;
  free(z);
  c.free_++;
  for (int i = 0; i < 500; ++i) {
    free(keep[i]);
    c.free_++;
  }
  print_counts("child", 1, &c);
}

static int do_fork, do_exec, raise_sig;

/* After the counts are printed: --fork, --exec, --raise, in that order. */
static void finish(void) {
  if (do_fork) {
    pid_t pid = fork();
    if (pid < 0) fail("fork");
    if (pid == 0) {
      child_workload();
      exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("the forked child failed");
  }
  if (do_exec) {
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) fail("readlink /proc/self/exe");
    self[n] = '\0';
    char *args[] = {self, "--threads", "2", "--items", "1000", "--role", "exec", NULL};
    execv(self, args);
    fail("exec");
  }
  if (raise_sig) raise(raise_sig);
}

static const char *exiting_role;
static unsigned exiting_threads;

static void *exit_main(void *arg) {
  (void)arg;
  struct counts t;
  total_counts(&t);
  print_counts(exiting_role, exiting_threads, &t);
  finish(); /* the workers are alive, blocked; main is in pthread_join */
  exit(0);
}

int main(int argc, char **argv) {
  int exit_in_thread = 0;
  const char *role = "main";
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--threads") && v)
      n_workers = (unsigned)strtoul(argv[++i], NULL, 10);
    else if (!strcmp(a, "--items") && v)
      n_items = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(a, "--work") && v)
      n_work = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(a, "--raise") && v)
      raise_sig = (int)strtol(argv[++i], NULL, 10);
    else if (!strcmp(a, "--role") && v)
      role = argv[++i];
    else if (!strcmp(a, "--fork"))
      do_fork = 1;
    else if (!strcmp(a, "--exec"))
      do_exec = 1;
    else if (!strcmp(a, "--exit-in-thread"))
      exit_in_thread = 1;
    else {
      fprintf(stderr, "mt_alloc: unknown argument '%s'\n", a);
      return 2;
    }
  }
  if (n_workers < 1 || n_workers > 1024) fail("--threads must be 1 to 1024");

  queues = calloc(n_workers, sizeof *queues);
  main_counts.calloc_++;
  workers = malloc(n_workers * sizeof *workers);
  main_counts.malloc_++;
  if (!queues || !workers) fail("out of memory");
  memset(workers, 0, n_workers * sizeof *workers);
  park_workers = exit_in_thread;
  for (unsigned i = 0; i < n_workers; ++i) {
    pthread_mutex_init(&queues[i].lock, NULL);
    workers[i].index = i;
    workers[i].rng = 0x9E3779B97F4A7C15ull * (i + 1);
    if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0) fail("pthread_create");
  }

  if (exit_in_thread) {
    pthread_mutex_lock(&done_lock);
    while (workers_done < n_workers) pthread_cond_wait(&done_cond, &done_lock);
    pthread_mutex_unlock(&done_lock);
    exiting_role = role;
    exiting_threads = n_workers;
    pthread_t t;
    if (pthread_create(&t, NULL, exit_main, NULL) != 0) fail("pthread_create");
    pthread_join(t, NULL); /* never returns: the other thread exits the process */
    fail("exit() from a thread returned");
  }

  for (unsigned i = 0; i < n_workers; ++i) pthread_join(workers[i].thread, NULL);
  unsigned long sink = 0;
  for (unsigned i = 0; i < n_workers; ++i) sink += workers[i].sink;
  if (sink == 42) puts(""); /* keeps the work from being optimised away */

  struct counts total;
  total_counts(&total);
  /* The queues and workers arrays are freed here, after counting: count them now. */
  total.free_ += 2;
  print_counts(role, n_workers, &total);
  free(queues);
  free(workers);

  finish();
  return 0;
}
