// Crash isolation: each run is a child process, and whatever an allocator
// does (abort, a wild write, a hang, returning NULL) becomes that run's
// status while the harness carries on. Uses preloaded libraries, so it is a
// "system" test (left out of the sanitizer build).
#include "harness/process/spawn.h"

#include <signal.h>

#include <gtest/gtest.h>

#include "allocators/registry.h"
#include "support/cli_runner.h"
#include "traces/hrt_format.h"
#include "traces/trace_builder.h"

namespace heapreplay {
namespace {

using test::TempDir;

// A trace that, 1000 events in, asks for `size` bytes.
std::string trace_with_request(const TempDir& dir, std::uint64_t size) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  for (std::uint64_t i = 0; i < 500; ++i) b.malloc(i, 32 + i);
  for (std::uint64_t i = 0; i < 500; ++i) b.free(i);
  b.malloc(1000, size);
  b.free(1000);
  std::string path = dir.file(std::to_string(size) + ".hrt");
  write_hrt(b.finish(), path);
  return path;
}

RunResult run(const std::string& trace, const std::string& allocator, const std::string& preload,
              std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  ChildRequest req;
  req.trace_path = trace;
  req.allocator = allocator;
  SpawnOptions opt;
  opt.self_exe = test::heapreplay_binary();
  opt.preload = preload;
  opt.timeout = timeout;
  return run_in_child(req, opt);
}

std::string faulty() { return "preload:" + test::faulty_malloc_library(); }

TEST(CrashIsolation, AbortBecomesCrashedWithSigabrt) {
  TempDir dir;
  RunResult r = run(trace_with_request(dir, 0xDEAD1), faulty(), test::faulty_malloc_library());
  EXPECT_EQ(r.status, "crashed");
  EXPECT_EQ(r.signal, SIGABRT);
  EXPECT_NE(r.status_detail.find("SIGABRT"), std::string::npos);
}

TEST(CrashIsolation, WildWriteBecomesCrashedWithSigsegv) {
  TempDir dir;
  RunResult r = run(trace_with_request(dir, 0xDEAD2), faulty(), test::faulty_malloc_library());
  EXPECT_EQ(r.status, "crashed");
  EXPECT_EQ(r.signal, SIGSEGV);
}

TEST(CrashIsolation, HangBecomesTimeout) {
  TempDir dir;
  auto start = std::chrono::steady_clock::now();
  RunResult r =
      run(trace_with_request(dir, 0xDEAD3), faulty(), test::faulty_malloc_library(), std::chrono::milliseconds(1500));
  EXPECT_EQ(r.status, "timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(CrashIsolation, NullIsAFailedAllocationNotACrash) {
  TempDir dir;
  RunResult r = run(trace_with_request(dir, 0xDEAD4), faulty(), test::faulty_malloc_library());
  EXPECT_EQ(r.status, "ok") << r.status_detail;
  EXPECT_EQ(r.failed_allocations, 1u);
  EXPECT_EQ(r.events, 1002u);
}

TEST(SystemAllocators, EachRunsPreloadedAndReportsItsOwnStatistics) {
  TempDir dir;
  std::string trace = trace_with_request(dir, 1 << 20);
  struct Case {
    const char* name;
    const char* stat;
  } cases[] = {{"glibc", "glibc.arena"},
               {"jemalloc", "jemalloc.allocated"},
               {"mimalloc", "mimalloc.peak_commit"},
               {"tcmalloc", "tcmalloc.generic.heap_size"}};
  for (const Case& c : cases) {
    AllocatorSpec spec = parse_allocator_spec(c.name);
    RunResult r = run(trace, c.name, preload_library(spec));
    EXPECT_EQ(r.status, "ok") << c.name << ": " << r.status_detail;
    EXPECT_TRUE(r.allocator_stats.contains(c.stat)) << c.name << ": " << r.allocator_stats.dump();
    EXPECT_FALSE(r.allocator_version.empty()) << c.name;
    EXPECT_EQ(r.events, 1002u);
  }
}

TEST(SystemAllocators, MissingPreloadIsReportedAsFailed) {
  TempDir dir;
  // Asking for jemalloc without preloading it: the child must notice.
  RunResult r = run(trace_with_request(dir, 64), "jemalloc", "");
  EXPECT_EQ(r.status, "failed");
  EXPECT_NE(r.status_detail.find("not the active malloc"), std::string::npos);
}

TEST(Spawn, BadTraceIsAFailedRunWithTheReason) {
  TempDir dir;
  RunResult r = run(dir.write("bad.hrt",
                              "not a trace at all, long enough to pass the size check....."
                              "...................................................................."),
                    "glibc", "");
  EXPECT_EQ(r.status, "failed");
  EXPECT_NE(r.status_detail.find("bad.hrt"), std::string::npos);
}

}  // namespace
}  // namespace heapreplay
