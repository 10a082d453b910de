// Page-source fault injection through every design: with maps, commits or a
// byte budget made to fail (the options the CLI spec takes, e.g.
// `segfit:fail_map_every=7`), every request either succeeds with a usable
// block or returns nullptr, a failed realloc leaves its block intact, and the
// heap passes check() after every single operation.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "allocators/designs.h"

namespace heapreplay {
namespace {

// The design built from a CLI option text, as `-a NAME:TEXT` builds it.
template <class A>
A make_design(const std::string& options) {
  OptionMap opts = OptionMap::parse(std::string(A::kName), options);
  auto config = A::Config::from_options(opts);
  opts.finish();
  return A(config);
}

template <class A>
double injected_failures(const AllocatorStats& s) {
  for (const auto& [k, v] : s.extra)
    if (k == std::string(A::kName) + ".injected_failures") return v;
  return -1;
}

struct Outcome {
  int attempts = 0;
  int null_returns = 0;
  double injected = 0;
};

std::uint64_t next_random(std::uint64_t& x) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

// A random mix of allocations (small, page-sized, a few of a MiB), aligned
// allocations, reallocs and frees; check() after every operation. Each live
// block is filled with a byte derived from its index and checked before it
// is freed, so a block handed out twice or overwritten shows.
template <class A>
Outcome churn(A& a, int operations) {
  struct Live {
    unsigned char* p;
    std::size_t size, align;
    unsigned char fill;
  };
  std::vector<Live> live;
  Outcome out;
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  auto sized = [&] {
    std::uint64_t r = next_random(x) % 100;
    if (r < 70) return static_cast<std::size_t>(1 + next_random(x) % 512);
    if (r < 95) return static_cast<std::size_t>(513 + next_random(x) % 20000);
    return static_cast<std::size_t>((1u << 20) + next_random(x) % (1u << 20));
  };
  auto verify = [&](const Live& l) {
    for (std::size_t k = 0; k < l.size; k += 61)
      if (l.p[k] != l.fill) return false;
    return l.p[l.size - 1] == l.fill;
  };
  for (int op = 0; op < operations; ++op) {
    std::uint64_t what = next_random(x) % 10;
    if (what < 5 || live.empty()) {
      std::size_t size = sized(), align = what == 4 ? std::size_t{1} << (next_random(x) % 13) : 16;
      ++out.attempts;
      auto* p = static_cast<unsigned char*>(a.allocate(size, align));
      if (p == nullptr) {
        ++out.null_returns;
      } else {
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % align, 0u) << "op " << op;
        EXPECT_GE(a.usable_size(p), size);
        unsigned char fill = static_cast<unsigned char>(op | 1);
        std::memset(p, fill, size);
        live.push_back({p, size, align, fill});
      }
    } else if (what < 7) {
      std::size_t k = next_random(x) % live.size();
      Live& l = live[k];
      std::size_t size = sized();
      ++out.attempts;
      auto* p = static_cast<unsigned char*>(a.reallocate(l.p, l.size, size, l.align));
      if (p == nullptr) {
        ++out.null_returns;
        EXPECT_TRUE(verify(l)) << "op " << op << ": a failed realloc changed its block";
      } else {
        std::size_t kept = std::min(size, l.size);
        for (std::size_t b = 0; b < kept; b += 61) EXPECT_EQ(p[b], l.fill) << "op " << op;
        std::memset(p, l.fill, size);
        l.p = p;
        l.size = size;
      }
    } else {
      std::size_t k = next_random(x) % live.size();
      EXPECT_TRUE(verify(live[k])) << "op " << op;
      a.deallocate(live[k].p, live[k].size, live[k].align);
      live[k] = live.back();
      live.pop_back();
    }
    CheckResult c = a.check();
    if (!c.ok) {
      ADD_FAILURE() << "op " << op << ": " << c.problem;
      break;
    }
  }
  for (const Live& l : live) {
    EXPECT_TRUE(verify(l));
    a.deallocate(l.p, l.size, l.align);
  }
  CheckResult c = a.check();
  EXPECT_TRUE(c.ok) << "after freeing everything: " << c.problem;
  out.injected = injected_failures<A>(a.stats());
  return out;
}

template <class A>
class FaultInjection : public ::testing::Test {};
using DesignTypes = RebindList<Designs, ::testing::Types>;
TYPED_TEST_SUITE(FaultInjection, DesignTypes);

// Small growth steps, so that the mix needs many maps and commits.
template <class A>
std::string small_steps() {
  std::string n(A::kName);
  if (n == "sizeclass") return "segment_bytes=256K,";
  if (n == "blocks") return "grow_blocks=64,";
  if (n == "segfit") return "";
  if (n == "pages") return "grow_bytes=64K,";
  return "";
}

TYPED_TEST(FaultInjection, EveryNthMapFails) {
  for (const char* every : {"3", "5", "7"}) {
    auto a = make_design<TypeParam>(small_steps<TypeParam>() + "fail_map_every=" + every);
    Outcome o = churn(a, 1500);
    EXPECT_GT(o.null_returns, 0) << "fail_map_every=" << every;
    EXPECT_GT(o.injected, 0) << "fail_map_every=" << every;
    EXPECT_LT(o.null_returns, o.attempts) << "fail_map_every=" << every << ": nothing succeeded";
  }
}

TYPED_TEST(FaultInjection, EveryNthCommitFailsWhereTheDesignCommits) {
  auto a = make_design<TypeParam>(small_steps<TypeParam>() + "fail_commit_every=2");
  Outcome o = churn(a, 1500);
  if (TypeParam::kName == "blocks") {
    // blocks maps its segments committed and never commits on its own.
    EXPECT_EQ(o.injected, 0);
    EXPECT_EQ(o.null_returns, 0);
  } else {
    EXPECT_GT(o.injected, 0);
    EXPECT_GT(o.null_returns, 0);
  }
}

TYPED_TEST(FaultInjection, ABudgetOfCommittedBytesFailsWhatWouldExceedIt) {
  auto a = make_design<TypeParam>(small_steps<TypeParam>() + "fail_after_bytes=1M");
  Outcome o = churn(a, 1500);
  EXPECT_GT(o.null_returns, 0);
  EXPECT_GT(o.injected, 0);
  EXPECT_LE(a.stats().footprint_peak_bytes, std::uint64_t{1} << 20);
}

TYPED_TEST(FaultInjection, WhenEveryMapFailsNothingIsHandedOutAndNothingBreaks) {
  // Every map fails: nothing can be had, and nothing breaks.
  auto a = make_design<TypeParam>(small_steps<TypeParam>() + "fail_map_every=1");
  for (std::size_t size : {std::size_t{8}, std::size_t{4096}, std::size_t{3} << 20}) {
    EXPECT_EQ(a.allocate(size, 16), nullptr) << size;
    CheckResult c = a.check();
    EXPECT_TRUE(c.ok) << c.problem;
  }
  EXPECT_GT(injected_failures<TypeParam>(a.stats()), 0);
}

}  // namespace
}  // namespace heapreplay
