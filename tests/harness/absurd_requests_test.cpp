// Absurd requests replayed in process through each of our designs: sizes of
// 2^63 and 2^64-1 bytes, calloc whose count x size overflows, alignments that
// are not powers of two or are huge, realloc to 2^63. Each gets what C gives
// (NULL; EINVAL for posix_memalign, which the replay counts without calling
// the allocator), is counted as a failed allocation, and leaves the heap
// consistent; the ordinary requests around them still work.
#include <gtest/gtest.h>

#include "allocators/dispatch.h"
#include "harness/replay/object_table.h"
#include "harness/replay/replay.h"
#include "support/cli_runner.h"
#include "traces/readers/text_reader.h"
#include "traces/trace_builder.h"

namespace heapreplay {
namespace {

// The fixture's own count: every request but the ordinary ones and the
// 64 KiB-aligned one, which an allocator may serve or refuse.
constexpr std::uint64_t kAbsurd = 13;

Trace absurd_trace() {
  std::string path = std::string(HR_FIXTURES) + "/traces/absurd.txt";
  return read_text(test::read_file(path), path);
}

class AbsurdRequests : public ::testing::TestWithParam<std::string> {};

TEST_P(AbsurdRequests, FailCountedAndTheHeapStaysConsistent) {
  Trace t = absurd_trace();
  for (bool validate : {false, true}) {
    with_allocator(parse_allocator_spec(GetParam()), [&](auto& a) {
      ObjectTable table(t.object_count);
      ReplayOutcome out = replay(a, t.view(), table, ReplayOptions{Touch::kPages, validate});
      EXPECT_FALSE(out.violated) << "event " << out.violation_event << ": " << out.violation;
      EXPECT_EQ(out.events, t.events.size());
      EXPECT_GE(out.failed_allocations, kAbsurd) << "validate " << validate;
      EXPECT_LE(out.failed_allocations, kAbsurd + 1) << "validate " << validate;
      if constexpr (requires { a.check(); }) {
        CheckResult c = a.check();
        EXPECT_TRUE(c.ok) << c.problem;
      }
      return 0;
    });
  }
}

// Every design, default and faithful; blocks' original pool of 10 blocks is
// too small for the ordinary requests, so it gets 100.
std::vector<std::string> design_specs() {
  std::vector<std::string> specs;
  for (std::string_view name : kDesignNames) {
    specs.emplace_back(name);
    specs.push_back(std::string(name) + ":faithful" + (name == "blocks" ? ",blocks_count=100" : ""));
  }
  return specs;
}
INSTANTIATE_TEST_SUITE_P(Designs, AbsurdRequests, ::testing::ValuesIn(design_specs()));

// The counts the trace's summary gives for such requests do not wrap around
// 64 bits (2^63 + 2^64 - 1 requested bytes would read as a small number).
TEST(AbsurdRequestsSummary, LiveBytesAreCappedNotWrapped) {
  Trace t = absurd_trace();
  TraceSummary s = summarize(t.view());
  EXPECT_EQ(s.peak_live_bytes, UINT64_MAX);
  EXPECT_EQ(s.max_request_bytes, UINT64_MAX);
}

}  // namespace
}  // namespace heapreplay
