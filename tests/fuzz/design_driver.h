// The driver behind the allocator-design fuzz targets (fuzz_sizeclass.cpp,
// ...): the first input bytes pick the design's options (faithful or default
// setting, its keys, fault injection of its page source), the way
// `-a NAME:key=value,...` does (OptionMap, Config::from_options); the rest is
// decoded into allocate / aligned allocate / realloc / free requests (and the
// design's own extras) with bounded sizes and counts. After every request the
// design's check() must pass, and every live block must still hold its
// pattern (Validator, as `--validate` uses it): no overlap, no lost bytes, no
// misalignment, usable_size() covering the request.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "allocators/core/options.h"
#include "allocators/core/validator.h"
#include "fuzz_support.h"
#include "harness/replay/replay.h"

namespace heapreplay::fuzz {

// One option key and the values the fuzzer may give it ("" for a flag).
struct OptionChoice {
  const char* key;
  std::vector<const char*> values;
};

// "key=value,flag,..." with each key present or not, as the input says.
inline std::string pick_options(FuzzedDataProvider& in, const std::vector<OptionChoice>& choices) {
  std::string out;
  for (const OptionChoice& c : choices) {
    const std::size_t k = in.ConsumeIntegralInRange<std::size_t>(0, c.values.size() * 2);
    if (k >= c.values.size()) continue;  // absent (more often than not)
    if (!out.empty()) out += ',';
    out += c.key;
    if (*c.values[k] != '\0') out += std::string("=") + c.values[k];
  }
  return out;
}

// Fault injection of the page source, rarely: most runs must get far.
inline const OptionChoice kFaultChoices[] = {
    {"fail_map_every", {"2", "3", "5", "17"}},
    {"fail_after_bytes", {"65536", "1048576"}},
};

// Bytes checked at the start and at the end of each block (a block is not
// filled whole: a 1 MiB block would cost too much per request).
inline constexpr std::uint64_t kHeadBytes = 4096, kTailBytes = 64;
inline constexpr std::size_t kMaxOps = 4096;
inline constexpr std::uint64_t kHugeBytes = std::uint64_t{16} << 20;
inline constexpr std::uint64_t kDumpFootprintBytes = std::uint64_t{4} << 20;

template <class A>
class DesignDriver {
 public:
  explicit DesignDriver(A& a) : a_(a) {}
  ~DesignDriver() {
    for (const Live& l : live_) a_.deallocate(l.p, l.size, l.align);
  }

  void run(FuzzedDataProvider& in) {
    for (std::size_t op = 0; op < kMaxOps && in.remaining_bytes() > 0; ++op) {
      step(in, op);
      const CheckResult c = a_.check();
      if (!c.ok) fail("check() after request " + std::to_string(op) + ": " + c.problem);
    }
    for (const Live& l : live_) verify(l, "at the end");
  }

 private:
  struct Live {
    void* p;
    std::uint64_t size;
    std::size_t align;
    std::uint64_t seed;
  };

  static std::uint64_t pick_size(FuzzedDataProvider& in) {
    const auto kind = in.ConsumeIntegral<std::uint8_t>();
    if (kind < 160) return in.ConsumeIntegralInRange<std::uint64_t>(0, 512);
    if (kind < 220) return in.ConsumeIntegralInRange<std::uint64_t>(0, 16384);
    if (kind < 250) return in.ConsumeIntegralInRange<std::uint64_t>(0, std::uint64_t{1} << 20);
    // Absurd requests: each must fail cleanly (or succeed without touching
    // what it was given beyond what is written here).
    static constexpr std::uint64_t kAbsurd[] = {std::uint64_t{1} << 63,       ~std::uint64_t{0},
                                                ~std::uint64_t{0} - 4095,     std::uint64_t{1} << 40,
                                                (std::uint64_t{1} << 32) + 1, kHugeBytes};
    return kAbsurd[in.ConsumeIntegralInRange<std::size_t>(0, std::size(kAbsurd) - 1)];
  }

  static std::size_t pick_alignment(FuzzedDataProvider& in) {
    const auto b = in.ConsumeIntegral<std::uint8_t>();
    if (b < 160) return kNaturalAlignment;
    return std::size_t{1} << (b % 17);  // 1 .. 64 KiB
  }

  void fill(const Live& l) {
    auto* p = static_cast<unsigned char*>(l.p);
    Validator::fill(p, std::min(l.size, kHeadBytes), l.seed);
    if (l.size > kHeadBytes + kTailBytes) Validator::fill(p + l.size - kTailBytes, kTailBytes, ~l.seed);
  }

  void verify(const Live& l, const char* when) const {
    auto* p = static_cast<const unsigned char*>(l.p);
    auto bad = Validator::first_mismatch(p, std::min(l.size, kHeadBytes), l.seed);
    if (!bad && l.size > kHeadBytes + kTailBytes)
      bad = Validator::first_mismatch(p + l.size - kTailBytes, kTailBytes, ~l.seed);
    if (bad) fail(std::string("block of ") + std::to_string(l.size) + " bytes changed " + when);
  }

  // Checks a block just handed out and starts tracking it.
  void adopt(void* p, std::uint64_t size, std::size_t align, std::size_t op) {
    if (reinterpret_cast<std::uintptr_t>(p) % align != 0)
      fail("block of " + std::to_string(size) + " bytes not aligned to " + std::to_string(align));
    if (a_.usable_size(p) < size) fail("usable_size below the request of " + std::to_string(size));
    if (auto clash = overlap_.add_block(p, size)) fail("request " + std::to_string(op) + ": " + *clash);
    Live l{p, size, align, op * 0x9E3779B97F4A7C15ull + 1};
    fill(l);
    live_.push_back(l);
  }

  void step(FuzzedDataProvider& in, std::size_t op) {
    const auto kind = in.ConsumeIntegralInRange<int>(0, 9);
    if (live_.empty() || kind <= 2) {
      const std::uint64_t size = pick_size(in);
      const std::size_t align = kind == 2 ? pick_alignment(in) : kNaturalAlignment;
      void* p = a_.allocate(static_cast<std::size_t>(size), align);
      if (p != nullptr) adopt(p, size, align, op);
      return;
    }
    const std::size_t k = in.ConsumeIntegralInRange<std::size_t>(0, live_.size() - 1);
    Live l = live_[k];
    verify(l, "before it was used again");
    if (kind <= 5) {  // free
      overlap_.remove_block(l.p);
      a_.deallocate(l.p, l.size, l.align);
      live_[k] = live_.back();
      live_.pop_back();
    } else if (kind <= 7) {  // realloc (never 0 bytes: the harness frees instead)
      std::uint64_t size = std::max<std::uint64_t>(1, pick_size(in));
      if (l.size > kHugeBytes && size > kHugeBytes) size = kHugeBytes;  // the copy would take too long
      void* q = a_.reallocate(l.p, static_cast<std::size_t>(l.size), static_cast<std::size_t>(size), l.align);
      if (q == nullptr) {
        verify(l, "by a realloc that failed");
        return;
      }
      const std::uint64_t kept = std::min({l.size, size, kHeadBytes});
      if (Validator::first_mismatch(q, kept, l.seed)) fail("realloc lost the block's first bytes");
      overlap_.remove_block(l.p);
      live_[k] = live_.back();
      live_.pop_back();
      adopt(q, size, l.align, op);
    } else if (kind == 8) {
      extra(in, k, op);
    } else {
      // The heap map and statistics: walks the design's structures too. A
      // map prints a line or an entry per block (blocks: per 64-byte block),
      // so only a small heap is dumped.
      if (a_.stats().footprint_bytes <= kDumpFootprintBytes) {
        NullStream out;
        a_.dump(out);
      }
    }
  }

  // The design's own operations (MeMager's write/read/move for blocks).
  void extra(FuzzedDataProvider& in, std::size_t k, std::size_t op) {
    if constexpr (A::kCapabilities.write && A::kCapabilities.read && A::kCapabilities.move) {
      const Live l = live_[k];
      const std::uint64_t span = std::min(l.size, kHeadBytes);
      const int what = in.ConsumeIntegralInRange<int>(0, 2);
      if (what < 2 && span > 0) {
        // Write the block's own pattern back over a range and read it again:
        // the contents stay the same, so verify() catches a stray write.
        std::vector<unsigned char> pattern(span);
        Validator::fill(pattern.data(), span, l.seed);
        const std::uint64_t off = in.ConsumeIntegralInRange<std::uint64_t>(0, span - 1);
        const std::uint64_t n = in.ConsumeIntegralInRange<std::uint64_t>(0, span - off);
        if (what == 0) {
          if (a_.write(l.p, off, pattern.data() + off, n) != 0) fail("write inside the request refused");
        } else {
          std::vector<unsigned char> got(n);
          if (a_.read(l.p, off, got.data(), n) != 0) fail("read inside the request refused");
          if (!std::equal(got.begin(), got.end(), pattern.begin() + static_cast<std::ptrdiff_t>(off)))
            fail("read gave other bytes than the block holds");
        }
        return;
      }
      if (live_.size() < 2) return;
      std::size_t j = in.ConsumeIntegralInRange<std::size_t>(0, live_.size() - 2);
      if (j >= k) ++j;
      const Live dst = live_[j];
      if (a_.usable_size(dst.p) < a_.usable_size(l.p)) return;  // refused, nothing happens (tested elsewhere)
      // move copies the whole source block: one of 4 GiB would touch 4 GiB
      // of memory (past libFuzzer's RSS limit) and take seconds.
      if (a_.usable_size(l.p) > kHugeBytes) return;
      if (a_.move(dst.p, l.p) != 0) fail("move into a large enough block refused");
      if (Validator::first_mismatch(dst.p, std::min({l.size, dst.size, kHeadBytes}), l.seed))
        fail("move did not copy the source's bytes");
      overlap_.remove_block(l.p);
      overlap_.remove_block(dst.p);
      const std::size_t hi = std::max(j, k), lo = std::min(j, k);
      live_[hi] = live_.back();
      live_.pop_back();
      live_[lo] = live_.back();
      live_.pop_back();
      adopt(dst.p, dst.size, dst.align, op);
    } else {
      (void)in;
      (void)k;
      (void)op;
      a_.reset();  // back to a fresh heap: everything live is gone
      live_.clear();
      overlap_ = Validator();
    }
  }

  A& a_;
  std::vector<Live> live_;
  Validator overlap_;
};

// One fuzz input for design A named `name`, with its own option choices.
template <class A>
int fuzz_design(const char* name, std::vector<OptionChoice> choices, const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  choices.insert(choices.begin(), {"faithful", {""}});
  choices.insert(choices.end(), std::begin(kFaultChoices), std::end(kFaultChoices));
  const std::string text = pick_options(in, choices);
  typename A::Config config;
  try {
    OptionMap opts = OptionMap::parse(name, text);
    config = A::Config::from_options(opts);
    opts.finish();
  } catch (const OptionError&) {
    return -1;  // a combination the design refuses, as the command line would
  }
  A a(config);
  {
    DesignDriver<A> driver(a);
    driver.run(in);
  }
  const CheckResult c = a.check();
  if (!c.ok) fail("check() after freeing everything: " + c.problem);
  return 0;
}

}  // namespace heapreplay::fuzz
