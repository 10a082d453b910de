// Tests of the pages design (seed 003, the Go page allocator): the demo
// sequence of the original and its mem_dump output, the class rule, Divided
// pages going back to Free, faithful limits, default growth, check().
#include "allocators/pages/pages.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace heapreplay {
namespace {

// Sanitizer builds (about twenty times slower) run the random mixes five
// times shorter; the regular build runs them in full.
#ifdef HEAPREPLAY_SANITIZED
constexpr std::size_t kMixScale = 5;
#else
constexpr std::size_t kMixScale = 1;
#endif

PagesConfig faithful_config() {
  PagesConfig c;
  c.faithful = true;
  c.relative_addresses = true;
  return c;
}

void fill(void* p, std::size_t n, std::uint8_t tag) {
  auto* b = static_cast<std::uint8_t*>(p);
  for (std::size_t k = 0; k < n; ++k) b[k] = static_cast<std::uint8_t>(tag + k);
}

std::size_t first_bad(const void* p, std::size_t n, std::uint8_t tag) {
  auto* b = static_cast<const std::uint8_t*>(p);
  for (std::size_t k = 0; k < n; ++k)
    if (b[k] != static_cast<std::uint8_t>(tag + k)) return k;
  return n;
}

double extra(const AllocatorStats& s, const std::string& key) {
  for (auto& [k, v] : s.extra)
    if (k == key) return v;
  ADD_FAILURE() << "no statistic " << key;
  return -1;
}

// One page line of the expected dump: status, address relative to the heap
// base, and for Divided pages the class size and free blocks.
struct PageRow {
  const char* status;
  std::uint64_t address;
  int class_size = 0;
  int free_blocks = 0;
};

// The mem_dump text for an 8-page, 32768-byte heap with these page rows.
std::string expected_dump(const std::vector<PageRow>& rows) {
  std::ostringstream os;
  os << "\n|" << std::string(12, '-') << "Allocator Info" << std::string(12, '-') << "|\n";
  os << "Memory heap: 32768\nPage size: 4096\nAmount of pages: " << rows.size() << "\n";
  os << "|" << std::string(14, '-') << "Pages Info" << std::string(14, '-') << "|\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    os << i << ".Status: " << rows[i].status << ";Address: 0x" << std::hex << rows[i].address << std::dec << ";";
    if (rows[i].class_size != 0)
      os << "Class size: " << rows[i].class_size << ";Free blocks: " << rows[i].free_blocks << ";";
    os << "\n";
  }
  os << "|" << std::string(38, '-') << "|\n\n";
  return os.str();
}

// Our expectation for each step of the demo: the label it prints, whether
// the faithful allocator prints the stray page count "3", and the pages.
struct DemoStep {
  std::string label;
  bool stray_three;
  std::vector<PageRow> rows;
};

std::vector<DemoStep> demo_steps() {
  auto free_page = [](std::uint64_t i) { return PageRow{"Free", i * 0x1000}; };
  std::vector<DemoStep> steps;
  std::vector<PageRow> r;
  for (int i = 0; i < 8; ++i) r.push_back(free_page(i));
  steps.push_back({"Initialised Page Allocator", false, r});
  for (int i = 0; i < 3; ++i) r[i] = {"Multi", i * 0x1000u};  // 8193 bytes: three pages
  steps.push_back({"Allocated 8193 bytes", false, r});
  r[3] = {"Divided", 0x3040, 64, 63};   // cursor past the first 64-byte block
  r[4] = {"Divided", 0x4080, 128, 31};  // 65 bytes: class 128
  steps.push_back({"Allocated 64 and 65 bytes", false, r});
  r[3] = {"Free", 0x3040};              // its only block left: Free, keeping the moved address
  r[5] = {"Divided", 0x5100, 256, 15};  // 200 bytes: class 256
  steps.push_back({"Reallocated block with 64 bytes to 200", false, r});
  for (int i = 0; i < 3; ++i) r[i] = free_page(i);
  r[5] = {"Divided", 0x5200, 256, 14};
  steps.push_back({"Reallocated block with 8193 bytes to 200", true, r});
  r[5] = {"Divided", 0x5200, 256, 15};
  steps.push_back({"Free block with 200", false, r});
  return steps;
}

// Replays the original's main(): after each step, the label, what the step
// itself printed, and mem_dump, all into one stream as the program's stdout.
std::vector<std::string> run_demo(Pages& a) {
  std::vector<std::string> out;
  std::ostringstream os;
  a.set_debug_stream(&os);
  auto step = [&](const char* label, auto&& action) {
    os.str("");
    os << label << "\n";
    action();
    a.dump(os);
    out.push_back(os.str());
    EXPECT_TRUE(a.check().ok) << label << ": " << a.check().problem;
  };
  void* p8193 = nullptr;
  void* p64 = nullptr;
  void* p200 = nullptr;
  step("Initialised Page Allocator", [] {});
  step("Allocated 8193 bytes", [&] { p8193 = a.allocate(8193, 1); });
  step("Allocated 64 and 65 bytes", [&] {
    p64 = a.allocate(64, 1);
    a.allocate(65, 1);
  });
  step("Reallocated block with 64 bytes to 200", [&] { p200 = a.reallocate(p64, 64, 200, 1); });
  step("Reallocated block with 8193 bytes to 200", [&] { a.reallocate(p8193, 8193, 200, 1); });
  step("Free block with 200", [&] { a.deallocate(p200, 200, 1); });
  a.set_debug_stream(nullptr);
  return out;
}

TEST(PagesTest, DefaultsAreTheOriginalConstants) {
  PagesConfig c;
  EXPECT_EQ(c.memory_heap_bytes, 32768u);
  EXPECT_EQ(c.page_size_bytes, 4096u);
  EXPECT_FALSE(c.faithful);
  Pages a(c);
  EXPECT_EQ(a.page_count(), 8u);
  EXPECT_EQ(a.heap_bytes(), 32768u);
  EXPECT_EQ(a.name(), "pages");
  EXPECT_FALSE(Pages::kThreadSafe);
}

TEST(PagesTest, FromOptions) {
  OptionMap m = OptionMap::parse("pages", "faithful,relative_addresses,memory_heap_bytes=64K,fail_map_every=3");
  PagesConfig c = PagesConfig::from_options(m);
  EXPECT_NO_THROW(m.finish());
  EXPECT_TRUE(c.faithful);
  EXPECT_TRUE(c.relative_addresses);
  EXPECT_EQ(c.memory_heap_bytes, 65536u);
  EXPECT_EQ(c.page_source.fail_map_every, 3u);
  OptionMap bad = OptionMap::parse("pages", "page_size_bytes=3000");
  EXPECT_THROW(PagesConfig::from_options(bad), OptionError);
  OptionMap small = OptionMap::parse("pages", "memory_heap_bytes=100");
  EXPECT_THROW(PagesConfig::from_options(small), OptionError);
}

TEST(PagesTest, DemoSequenceReproducesTheOriginalDumps) {
  Pages a(faithful_config());
  std::vector<std::string> out = run_demo(a);
  std::vector<DemoStep> steps = demo_steps();
  ASSERT_EQ(out.size(), steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    std::string want = steps[i].label + "\n" + (steps[i].stray_three ? "3\n" : "") + expected_dump(steps[i].rows);
    EXPECT_EQ(out[i], want) << "step " << i + 1;
  }
}

TEST(PagesTest, DemoSequenceInDefaultModeDiffersOnlyByTheStrayLine) {
  PagesConfig c;
  c.relative_addresses = true;
  Pages a(c);
  std::vector<std::string> out = run_demo(a);
  std::vector<DemoStep> steps = demo_steps();
  ASSERT_EQ(out.size(), steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i)
    EXPECT_EQ(out[i], steps[i].label + "\n" + expected_dump(steps[i].rows)) << "step " << i + 1;
}

TEST(PagesTest, DemoSequenceMatchesTheRecordedOutput) {
  const std::filesystem::path file = std::filesystem::path(HR_SHARED_DATA) / "page_allocator" / "mem_dump_examples.txt";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "shared data not found at " << file;
  std::ifstream in(file);
  std::stringstream buf;
  buf << in.rdbuf();
  // Sections start with a "#### example N" line; the rest is stdout.
  std::vector<std::string> sections;
  std::string text = buf.str();
  std::size_t pos = 0;
  while ((pos = text.find("#### example", pos)) != std::string::npos) {
    std::size_t body = text.find('\n', pos) + 1;
    std::size_t end = text.find("#### example", body);
    sections.push_back(text.substr(body, end == std::string::npos ? std::string::npos : end - body));
    pos = body;
  }
  ASSERT_EQ(sections.size(), 6u);
  // Absolute addresses become offsets from the first page's address.
  std::regex address("Address: 0x([0-9a-f]+);");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(sections[0], m, address));
  const std::uint64_t base = std::stoull(m[1].str(), nullptr, 16);
  auto relative = [&](const std::string& s) {
    std::string r;
    auto it = s.cbegin();
    while (std::regex_search(it, s.cend(), m, address)) {
      std::ostringstream hex;
      hex << "Address: 0x" << std::hex << (std::stoull(m[1].str(), nullptr, 16) - base) << ";";
      r.append(it, m[0].first);
      r += hex.str();
      it = m[0].second;
    }
    r.append(it, s.cend());
    return r;
  };
  // The file drops the final blank line of the last dump; compare without
  // trailing newlines.
  auto trim = [](std::string s) {
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  };
  Pages a(faithful_config());
  std::vector<std::string> out = run_demo(a);
  ASSERT_EQ(out.size(), sections.size());
  for (std::size_t i = 0; i < out.size(); ++i)
    EXPECT_EQ(trim(out[i]), trim(relative(sections[i]))) << "example " << i + 1;
}

TEST(PagesTest, ClassIsTheNextPowerOfTwo) {
  Pages a(faithful_config());
  struct Case {
    std::size_t bytes, alignment, usable;
  };
  for (Case c :
       {Case{64, 1, 64}, Case{65, 1, 128}, Case{200, 1, 256}, Case{1, 1, 2}, Case{3, 1, 4}, Case{2047, 1, 2048},
        Case{10, 1024, 1024}, Case{2048, 1, 4096}, Case{10, 4096, 4096}, Case{4097, 1, 8192}}) {
    void* p = a.allocate(c.bytes, c.alignment);
    ASSERT_NE(p, nullptr) << c.bytes;
    EXPECT_EQ(a.usable_size(p), c.usable) << c.bytes << " aligned " << c.alignment;
    a.deallocate(p, c.bytes, c.alignment);
    EXPECT_TRUE(a.check().ok) << a.check().problem;
  }
  EXPECT_EQ(extra(a.stats(), "pages.free_pages"), 8);
}

TEST(PagesTest, DividedPageGoesBackToFreeWithItsLastBlock) {
  Pages a(faithful_config());
  std::vector<void*> ps;
  for (int i = 0; i < 40; ++i) ps.push_back(a.allocate(100, 1));  // 32 per page
  EXPECT_EQ(extra(a.stats(), "pages.divided_pages"), 2);
  for (int i = 0; i < 32; ++i) a.deallocate(ps[i], 100, 1);
  EXPECT_EQ(extra(a.stats(), "pages.divided_pages"), 1);
  std::ostringstream os;
  a.dump(os);
  EXPECT_NE(os.str().find("0.Status: Free;Address: 0x1000;"), std::string::npos) << os.str();  // cursor reached the end
  EXPECT_NE(os.str().find("1.Status: Divided;Address: 0x1400;Class size: 128;Free blocks: 24;"), std::string::npos)
      << os.str();
  // A freed block is handed out again before the cursor moves on.
  a.deallocate(ps[35], 100, 1);
  EXPECT_EQ(a.allocate(120, 1), ps[35]);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
}

TEST(PagesTest, FaithfulHeapIsFixed) {
  Pages a(faithful_config());
  EXPECT_EQ(a.allocate(32769, 1), nullptr);
  void* all = a.allocate(32768, 1);
  ASSERT_NE(all, nullptr);
  EXPECT_EQ(a.allocate(1, 1), nullptr);
  a.deallocate(all, 32768, 1);
  std::vector<void*> ps;
  for (int i = 0; i < 8; ++i) ps.push_back(a.allocate(3000, 1));
  for (void* p : ps) ASSERT_NE(p, nullptr);
  EXPECT_EQ(a.allocate(3000, 1), nullptr);
  EXPECT_EQ(a.allocate(8, 1), nullptr);  // no page left to divide
  EXPECT_EQ(a.reallocate(ps[0], 3000, 5000, 1), nullptr);
  a.deallocate(ps[3], 3000, 1);
  a.deallocate(ps[4], 3000, 1);
  EXPECT_EQ(a.allocate(5000, 1), ps[3]);  // two contiguous pages
  EXPECT_EQ(a.heap_bytes(), 32768u);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
}

TEST(PagesTest, DefaultHeapGrowsUpToItsLimit) {
  Pages a;
  std::vector<void*> ps;
  for (int i = 0; i < 100; ++i) {
    void* p = a.allocate(4096, 16);
    ASSERT_NE(p, nullptr);
    fill(p, 4096, static_cast<std::uint8_t>(i));
    ps.push_back(p);
  }
  EXPECT_EQ(a.heap_bytes(), 32768u + (1u << 20));             // one growth step
  EXPECT_EQ(a.allocate(std::size_t{36} << 30, 16), nullptr);  // 36 GiB: over the 4 GiB limit
  EXPECT_EQ(a.allocate(std::size_t{5} << 30, 16), nullptr);
  void* big = a.allocate(50u << 20, 16);  // 50 MiB: whole pages
  ASSERT_NE(big, nullptr);
  fill(big, 50u << 20, 9);
  EXPECT_EQ(first_bad(big, 50u << 20, 9), 50u << 20);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(first_bad(ps[i], 4096, static_cast<std::uint8_t>(i)), 4096u);
  a.deallocate(big, 50u << 20, 16);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
  PagesConfig tight;
  tight.heap_limit_bytes = 64 * 1024;
  Pages t(tight);
  EXPECT_NE(t.allocate(60000, 16), nullptr);
  EXPECT_EQ(t.allocate(8000, 16), nullptr);
  EXPECT_NE(t.allocate(4000, 16), nullptr);  // the last page of the limit
  EXPECT_EQ(t.allocate(1, 1), nullptr);
  EXPECT_TRUE(t.check().ok) << t.check().problem;
}

TEST(PagesTest, ReallocKeepsContentsAndStaysInPlaceWhereItCan) {
  Pages d;
  void* p = d.allocate(70, 16);
  fill(p, 70, 1);
  EXPECT_EQ(d.reallocate(p, 70, 128, 16), p);  // same class
  void* q = d.reallocate(p, 128, 129, 16);     // next class
  EXPECT_NE(q, p);
  EXPECT_EQ(first_bad(q, 70, 1), 70u);
  void* m = d.allocate(10000, 16);  // three pages at the top of the used heap
  fill(m, 10000, 2);
  EXPECT_EQ(d.reallocate(m, 10000, 12000, 16), m);
  EXPECT_EQ(d.reallocate(m, 12000, 30000, 16), m);  // grows into the free pages after it
  EXPECT_EQ(d.reallocate(m, 30000, 5000, 16), m);   // shrinks, the tail pages become free
  EXPECT_EQ(d.usable_size(m), 8192u);
  EXPECT_EQ(first_bad(m, 5000, 2), 5000u);
  void* r = d.reallocate(m, 5000, 100, 16);  // Multi to Divided moves
  EXPECT_NE(r, m);
  EXPECT_EQ(first_bad(r, 100, 2), 100u);
  EXPECT_TRUE(d.check().ok) << d.check().problem;

  Pages f(faithful_config());
  void* s = f.allocate(100, 1);
  fill(s, 100, 3);
  void* t = f.reallocate(s, 100, 110, 1);  // the original allocates first, then frees
  EXPECT_NE(t, s);
  EXPECT_EQ(first_bad(t, 100, 3), 100u);
  EXPECT_TRUE(f.check().ok) << f.check().problem;
}

TEST(PagesTest, ReallocGrowAndShrinkKeepContents) {
  for (bool faithful : {false, true}) {
    PagesConfig c;
    c.faithful = faithful;
    c.memory_heap_bytes = 1 << 20;
    Pages a(c);
    for (std::size_t align : {std::size_t{1}, std::size_t{64}, std::size_t{4096}}) {
      std::size_t n = 10;
      void* p = a.allocate(n, align);
      fill(p, n, 5);
      for (std::size_t next : {300, 2000, 5000, 70000, 6000, 100, 3, 1}) {
        void* q = a.reallocate(p, n, next, align);
        ASSERT_NE(q, nullptr);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(q) % align, 0u);
        std::size_t keep = std::min(n, next);
        EXPECT_EQ(first_bad(q, keep, 5), keep) << n << " -> " << next;
        fill(q, next, 5);
        p = q;
        n = next;
        ASSERT_TRUE(a.check().ok) << a.check().problem;
      }
      a.deallocate(p, n, align);
    }
    EXPECT_TRUE(a.check().ok) << a.check().problem;
  }
}

TEST(PagesTest, EveryAlignmentUpToThePage) {
  Pages a;
  struct Obj {
    void* p;
    std::size_t n;
    std::uint8_t tag;
  };
  std::vector<Obj> live;
  for (std::size_t align = 1; align <= 4096; align *= 2) {
    for (std::size_t n : {0, 1, 100, 2047, 5000}) {
      void* p = a.allocate(n, align);
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % align, 0u) << n << " " << align;
      EXPECT_GE(a.usable_size(p), n);
      auto tag = static_cast<std::uint8_t>(n + align);
      fill(p, n, tag);
      live.push_back({p, n, tag});
    }
  }
  EXPECT_EQ(a.allocate(1, 8192), nullptr);
  for (auto& o : live) EXPECT_EQ(first_bad(o.p, o.n, o.tag), o.n);
  for (auto& o : live) a.deallocate(o.p, o.n, 1);
  EXPECT_TRUE(a.check().ok) << a.check().problem;
  EXPECT_EQ(extra(a.stats(), "pages.free_runs"), 1);
}

TEST(PagesTest, AbsurdRequestsFailCleanly) {
  for (bool faithful : {false, true}) {
    PagesConfig c;
    c.faithful = faithful;
    Pages a(c);
    constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();
    for (std::size_t n : {kMax, kMax - 1, kMax - 4095, std::size_t{1} << 63, std::size_t{1} << 50})
      for (std::size_t align : {std::size_t{1}, std::size_t{4096}}) EXPECT_EQ(a.allocate(n, align), nullptr) << n;
    void* p = a.allocate(30, 1);
    fill(p, 30, 8);
    EXPECT_EQ(a.reallocate(p, 30, kMax, 1), nullptr);
    EXPECT_EQ(a.reallocate(p, 30, std::size_t{1} << 62, 16), nullptr);
    EXPECT_EQ(first_bad(p, 30, 8), 30u);
    EXPECT_TRUE(a.check().ok) << a.check().problem;
  }
}

TEST(PagesTest, CheckDetectsDamagedBlockLinks) {
  // Page headers live outside the heap; the in-heap metadata is the 16-bit
  // link at the start of each freed block.
  Pages a(faithful_config());
  auto* p = static_cast<std::uint8_t*>(a.allocate(64, 1));
  auto* q = static_cast<std::uint8_t*>(a.allocate(64, 1));
  a.allocate(64, 1);
  a.deallocate(p, 64, 1);
  a.deallocate(q, 64, 1);
  ASSERT_TRUE(a.check().ok);
  q[0] ^= 0x01;  // q's link (to p, offset 0) now points at offset 1
  CheckResult r = a.check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("free-block link 1 is not a handed-out block"), std::string::npos) << r.problem;
  q[0] ^= 0x01;
  ASSERT_TRUE(a.check().ok);
  q[0] = 0x40;  // q's link points at itself: a loop
  q[1] = 0x00;
  r = a.check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("loops"), std::string::npos) << r.problem;
  q[0] = 0x00;
  EXPECT_TRUE(a.check().ok) << a.check().problem;
}

TEST(PagesTest, StatsAndReset) {
  Pages a;
  AllocatorStats s = a.stats();
  EXPECT_EQ(s.footprint_bytes, 32768u);
  EXPECT_EQ(s.map_calls, 2u);  // reserve + commit
  a.allocate(100000, 16);      // 25 pages: the heap grows by one step
  s = a.stats();
  EXPECT_EQ(s.footprint_bytes, 32768u + (1u << 20));
  EXPECT_EQ(extra(s, "pages.multi_pages"), 25);
  EXPECT_GE(s.metadata_bytes, a.page_count() * 24u);
  for (auto& [k, v] : s.extra) EXPECT_EQ(k.rfind("pages.", 0), 0u) << k;
  a.reset();
  s = a.stats();
  EXPECT_EQ(s.footprint_bytes, 32768u);
  EXPECT_EQ(s.footprint_peak_bytes, 32768u);
  EXPECT_EQ(a.page_count(), 8u);
  EXPECT_TRUE(a.check().ok);
}

// A seeded mix of allocate / free / realloc / aligned requests with a pattern
// in every block and check() after every step.
void random_mix(const PagesConfig& config, std::uint64_t seed, std::size_t ops) {
  Pages a(config);
  std::mt19937_64 rng(seed);
  struct Obj {
    void* p;
    std::size_t n;
    std::size_t align;
    std::uint8_t tag;
  };
  std::vector<Obj> live;
  std::size_t failures = 0;
  auto pick_size = [&]() -> std::size_t {
    std::uint64_t r = rng() % 100;
    if (r < 85) return rng() % 600;
    if (r < 99) return rng() % 9000;
    return rng() % 70000;
  };
  auto pick_align = [&]() -> std::size_t { return rng() % 10 == 0 ? std::size_t{1} << (rng() % 13) : 16; };
  for (std::size_t i = 0; i < ops; ++i) {
    std::uint64_t r = rng() % 100;
    if (live.empty() || (r < 40 && live.size() < 48)) {
      Obj o{nullptr, pick_size(), pick_align(), static_cast<std::uint8_t>(rng())};
      o.p = a.allocate(o.n, o.align);
      if (o.p == nullptr) {
        ASSERT_TRUE(config.faithful) << "step " << i;
        ++failures;
      } else {
        ASSERT_EQ(reinterpret_cast<std::uintptr_t>(o.p) % o.align, 0u);
        fill(o.p, o.n, o.tag);
        live.push_back(o);
      }
    } else if (r < 75) {
      std::size_t k = rng() % live.size();
      Obj o = live[k];
      ASSERT_EQ(first_bad(o.p, o.n, o.tag), o.n) << "step " << i;
      a.deallocate(o.p, o.n, o.align);
      live[k] = live.back();
      live.pop_back();
    } else {
      Obj& o = live[rng() % live.size()];
      std::size_t n = std::max<std::size_t>(pick_size(), 1);
      void* q = a.reallocate(o.p, o.n, n, o.align);
      if (q == nullptr) {
        ASSERT_TRUE(config.faithful) << "step " << i;
        ++failures;
        ASSERT_EQ(first_bad(o.p, o.n, o.tag), o.n) << "step " << i;
      } else {
        std::size_t keep = std::min(o.n, n);
        ASSERT_EQ(first_bad(q, keep, o.tag), keep) << "step " << i;
        o.p = q;
        o.n = n;
        fill(q, n, o.tag);
      }
    }
    CheckResult c = a.check();
    ASSERT_TRUE(c.ok) << "step " << i << ": " << c.problem;
  }
  for (Obj& o : live) a.deallocate(o.p, o.n, o.align);
  CheckResult c = a.check();
  ASSERT_TRUE(c.ok) << c.problem;
  EXPECT_EQ(extra(a.stats(), "pages.live_small_blocks"), 0);
  EXPECT_EQ(extra(a.stats(), "pages.live_multi_blocks"), 0);
  EXPECT_EQ(extra(a.stats(), "pages.free_runs"), 1);
  EXPECT_LT(failures, ops / 4);
}

TEST(PagesTest, RandomMixOfOneMillionOperationsChecksAfterEveryStep) {
  auto t0 = std::chrono::steady_clock::now();
  random_mix(PagesConfig{}, 42, 1000000 / kMixScale);
  auto t1 = std::chrono::steady_clock::now();
  std::cout << "[ timing ] " << 1000000 / kMixScale
            << "-step random mix with check() per step: " << std::chrono::duration<double>(t1 - t0).count() << " s\n";
}

TEST(PagesTest, RandomMixFaithful) {
  PagesConfig c = faithful_config();
  c.memory_heap_bytes = 256 * 1024;
  random_mix(c, 7, 200000 / kMixScale);
}

}  // namespace
}  // namespace heapreplay
