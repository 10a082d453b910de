/* Stands in for a design's drop-in library (libhr_malloc_NAME.so) in the
 * `heapreplay run` tests, so that the design path is tested whether or not
 * the real libraries are built: it replaces no function, and says, through
 * the one function it exports, the options heapreplay gave it. */
#include <stdlib.h>

__attribute__((visibility("default"))) const char* hr_fake_dropin_options(void) {
  const char* v = getenv("HEAPREPLAY_MALLOC_OPTIONS");
  return v ? v : "(unset)";
}
