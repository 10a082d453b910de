/* A tiny program for the `heapreplay run` and `exec` tests: each argument
 * pair is one action, done in order.
 *   out TEXT      TEXT and a newline on stdout
 *   err TEXT      TEXT and a newline on stderr
 *   exit N        exit with status N
 *   signal N      raise signal N (with its default action)
 *   sleep MS      sleep MS milliseconds
 *   alloc MB      malloc MB MiB and write every page of it
 *   env NAME      NAME=value (or NAME unset) on stdout
 *   cwd -         the working folder on stdout
 *   cat -         copy stdin to stdout
 *   dropin -      what tests/support/fake_dropin.c says, if it is preloaded
 *   pid FILE      write the process id into FILE
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const char* what = argv[i];
    const char* arg = argv[i + 1];
    if (strcmp(what, "out") == 0) {
      printf("%s\n", arg);
    } else if (strcmp(what, "err") == 0) {
      fprintf(stderr, "%s\n", arg);
    } else if (strcmp(what, "exit") == 0) {
      fflush(stdout);
      exit(atoi(arg));
    } else if (strcmp(what, "signal") == 0) {
      fflush(stdout);
      signal(atoi(arg), SIG_DFL);
      raise(atoi(arg));
    } else if (strcmp(what, "sleep") == 0) {
      struct timespec ts = {atoi(arg) / 1000, (long)(atoi(arg) % 1000) * 1000000L};
      nanosleep(&ts, NULL);
    } else if (strcmp(what, "alloc") == 0) {
      size_t bytes = (size_t)atoi(arg) << 20;
      volatile char* p = malloc(bytes);
      if (!p) {
        fprintf(stderr, "run_probe: malloc of %s MiB failed\n", arg);
        return 3;
      }
      for (size_t k = 0; k < bytes; k += 4096) p[k] = 1;
    } else if (strcmp(what, "env") == 0) {
      const char* v = getenv(arg);
      if (v)
        printf("%s=%s\n", arg, v);
      else
        printf("%s unset\n", arg);
    } else if (strcmp(what, "cwd") == 0) {
      char buf[4096];
      printf("%s\n", getcwd(buf, sizeof buf) ? buf : "?");
    } else if (strcmp(what, "cat") == 0) {
      int c;
      while ((c = getchar()) != EOF) putchar(c);
    } else if (strcmp(what, "dropin") == 0) {
      const char* (*options)(void) = (const char* (*)(void))dlsym(RTLD_DEFAULT, "hr_fake_dropin_options");
      if (options)
        printf("dropin loaded, options '%s'\n", options());
      else
        printf("no dropin\n");
    } else if (strcmp(what, "pid") == 0) {
      FILE* f = fopen(arg, "w");
      if (f) {
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
      }
    } else {
      fprintf(stderr, "run_probe: unknown action '%s'\n", what);
      return 2;
    }
  }
  return 0;
}
