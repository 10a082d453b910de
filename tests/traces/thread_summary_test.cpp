// Per-thread figures: events per thread, frees and reallocs of blocks another
// thread made.
#include "traces/thread_summary.h"

#include <gtest/gtest.h>

#include "traces/readers/text_reader.h"

namespace heapreplay {
namespace {

TEST(ThreadSummary, CountsEventsPerThreadAndCrossThreadFrees) {
  Trace t = read_text(
      "heapreplay-text 1\n"
      "t=1 malloc 1 10\n"
      "t=1 malloc 2 10\n"
      "t=2 free 1\n"        // cross-thread
      "t=2 realloc 2 20\n"  // cross-thread realloc: the block is thread 2's from now on
      "t=2 free 2\n"        // same thread as the block's maker now
      "t=1 malloc 3 10\n"
      "t=3 realloc 3 0\n"  // a realloc to 0 frees: cross-thread
      "t=3 free -\n"       // free(NULL): no block
      "t=3 free 9\n"       // unmatched: skipped on import
      "t=1 calloc 4 2 8\n"
      "t=1 free 4\n",
      "mem");
  ThreadSummary s = summarize_threads(t.view());
  EXPECT_EQ(s.events_per_thread, (std::vector<std::uint64_t>{5, 3, 2}));
  EXPECT_EQ(s.frees, 4u);
  EXPECT_EQ(s.cross_thread_frees, 2u);
  EXPECT_EQ(s.cross_thread_reallocs, 1u);
}

TEST(ThreadSummary, ATraceWithNoEventsHasOneThreadWithNone) {
  Trace t = read_text("heapreplay-text 1\n", "mem");
  ThreadSummary s = summarize_threads(t.view());
  EXPECT_EQ(s.events_per_thread, (std::vector<std::uint64_t>{0}));
  EXPECT_EQ(s.cross_thread_frees, 0u);
}

}  // namespace
}  // namespace heapreplay
