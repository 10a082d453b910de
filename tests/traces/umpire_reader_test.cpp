// The Umpire replay log reader: a log written from Umpire's documented
// format (intent/result pairs, two allocators, two uids), malformed lines,
// and truncated and mutated logs.
#include "traces/readers/umpire_reader.h"

#include <gtest/gtest.h>

#include "tests/traces/trace_test_util.h"
#include "traces/readers/import.h"

namespace heapreplay {
namespace {

using testing::count;
using testing::expect_trace_error;
using testing::fixture;

TEST(UmpireReader, TheDocumentedEvents) {
  Trace t = import_trace(fixture("sample-umpire.json"));  // opens with '#' comments, as Umpire's example does
  EXPECT_EQ(t.format, "umpire");
  ASSERT_EQ(t.events.size(), 7u);
  EXPECT_EQ(count(t, Op::kMalloc), 4u);
  EXPECT_EQ(count(t, Op::kFree), 3u);
  // The same address from the pool and from DEVICE: two live allocations.
  EXPECT_NE(t.events[0].id, t.events[1].id);
  EXPECT_EQ(t.events[1].size, 4096u);
  EXPECT_EQ(t.import.failed_in_source, 1u);  // the 1 TiB intent with no result
  EXPECT_EQ(t.import.ignored_lines, 1u);     // "coalesce", not a documented event
  EXPECT_EQ(t.import.unmatched_free, 0u);
  EXPECT_EQ(t.thread_count, 2u);  // uids 27494 and 27495
  EXPECT_EQ(t.timestamps_ns.front(), 1060u);
  EXPECT_EQ(summarize(t.view()).final_live_bytes, 774u);
}

TEST(UmpireReader, MalformedLinesNameTheirPlace) {
  const std::string head = R"({"kind":"replay","uid":1,"timestamp":5,)";
  struct Case {
    std::string text;
    const char* message;
  } cases[] = {
      {"{\"kind\":\"replay\"\n", "mem:1: not a JSON object: '{\"kind\":\"replay\"'"},
      {"[1]\n", "mem:1: expected a JSON object"},
      {R"({"kind":"log","uid":1})"
       "\n",
       "mem:1: \"kind\" is not \"replay\""},
      {R"({"kind":"replay","timestamp":5})"
       "\n",
       "mem:1: missing \"uid\""},
      {R"({"kind":"replay","uid":-1})"
       "\n",
       "mem:1: \"uid\" is not a non-negative integer"},
      {head + R"("event":"allocate"})"
              "\n",
       "mem:1: missing \"payload\""},
      {head + R"("event":"allocate","payload":{"allocator_ref":"0x1"}})"
              "\n",
       "mem:1: missing \"size\" in the payload"},
      {head + R"("event":"allocate","payload":{"allocator_ref":"12","size":3}})"
              "\n",
       "mem:1: expected a hex pointer in \"allocator_ref\", found '12'"},
      {head + R"("event":"allocate","payload":{"allocator_ref":"0x1","size":3},"result":{}})"
              "\n",
       "mem:1: missing \"memory_ptr\" in the result"},
      {head + R"("event":"deallocate","payload":{"allocator_ref":"0x1","memory_ptr":7}})"
              "\n",
       "mem:1: \"memory_ptr\" in the payload is not a string"},
      {head + R"("event":3})"
              "\n",
       "mem:1: \"event\" is not a string"},
      {"# nothing\n", "mem: no replay events"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    expect_trace_error([&] { read_umpire(c.text, "mem"); }, c.message);
  }
}

// Prefixes and mutants of a log: each is refused with a message naming its
// line, or read into a trace that passes the fuzz targets' checks.
TEST(UmpireReader, TruncatedAndMutatedInputIsRefusedOrValid) {
  const std::string good =
      R"({ "kind":"replay", "uid":7, "timestamp":10, "event": "makeAllocator", "payload": { "allocator_name":"pool" }, "result": { "allocator_ref":"0x10" } })"
      "\n"
      R"({ "kind":"replay", "uid":7, "timestamp":11, "event": "allocate", "payload": { "allocator_ref": "0x10", "size": 134 } })"
      "\n"
      R"({ "kind":"replay", "uid":7, "timestamp":12, "event": "allocate", "payload": { "allocator_ref": "0x10", "size": 134 }, "result": { "memory_ptr": "0x200040000010" } })"
      "\n"
      R"({ "kind":"replay", "uid":7, "timestamp":13, "event": "deallocate", "payload": { "allocator_ref": "0x10", "memory_ptr": "0x200040000010" } })"
      "\n";
  testing::expect_refused_or_valid(
      good, "0123456789x{}\":, \n", 24, 3000,
      [](std::string_view text, const std::string& path) { return read_umpire(text, path); },
      [](std::string_view) { return testing::kNoClaim; });
}

}  // namespace
}  // namespace heapreplay
