// Determinism: each generator, for fixed parameters and seed, writes the
// same .hrt file, byte for byte, as when these hashes were taken. The
// generators use only SplitMix64, integer arithmetic and det_math, so the
// hashes hold on any machine; a change to a generator's output must change
// them here, deliberately (the failure prints the new hash).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "traces/generators/fit.h"
#include "traces/generators/generator.h"
#include "traces/generators/suites.h"
#include "traces/hrt_format.h"

namespace heapreplay {
namespace {

// FNV-1a, 64-bit, over the file's bytes.
std::uint64_t file_hash(const Trace& t) {
  std::string path =
      (std::filesystem::temp_directory_path() / ("hr-det-" + std::to_string(::getpid()) + ".hrt")).string();
  write_hrt(t, path);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::filesystem::remove(path);
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : ss.str()) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

std::string hex(std::uint64_t h) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016llxull", static_cast<unsigned long long>(h));
  return buf;
}

struct Case {
  const char* kind;
  std::vector<std::string> params;
  std::uint64_t seed;
  std::uint64_t hash;
};

TEST(GeneratorDeterminism, FilesHashToPinnedValues) {
  const Case cases[] = {
      {"synthetic", {"events=20k"}, 1, 0x0a6b1d1220ef2b67ull},
      {"synthetic",
       {"phases=2", "events=10k", "size=powerlaw", "p2.size=lognormal", "p2.size_sigma=2", "realloc=0.1", "calloc=0.05",
        "align=64:0.05", "threads=3", "cross_free=0.2", "lifetime=lognormal", "p2.lifetime=powerlaw",
        "p2.lifetime_unit=events", "live_bytes=256K", "p1.teardown=1", "event_ns=250"},
       42,
       0x685307edc504d86cull},
      {"synthetic",
       {"events=10k", "size=loguniform", "lifetime=uniform", "lifetime_unit=events", "lifetime_mean=300"},
       7,
       0xd38679fb09df9c0eull},
      {"larson", {"events=20k", "slots=100", "handoff=500"}, 42, 0xc46dccd758c1438eull},
      {"xmalloc", {"events=20k"}, 42, 0x8e9b7917d99b16a3ull},
      {"churn", {"events=20k", "live_objects=1000", "threads=2"}, 42, 0x3f62f72b4ca46228ull},
      {"large", {"waves=2", "objects=20"}, 42, 0xf2ec8b2272202f57ull},
      {"realloc-buffer", {"events=20k", "growth=double"}, 42, 0xf4d8572423246f79ull},
      {"fragmentation", {"rounds=2", "objects=2000"}, 42, 0x6892926325cfe510ull},
  };
  for (const Case& c : cases) {
    std::uint64_t h = file_hash(generate_trace(c.kind, c.params, c.seed));
    EXPECT_EQ(h, c.hash) << c.kind << " seed " << c.seed << ": now " << hex(h);
  }
}

TEST(GeneratorDeterminism, FitIsPinnedToo) {
  Trace source = generate_trace("synthetic", {"events=20k", "threads=2", "cross_free=0.5", "realloc=0.1"}, 3);
  std::uint64_t h = file_hash(fit_trace(source, FitOptions{9}).trace);
  EXPECT_EQ(h, 0x515a99937bc43c01ull) << "now " << hex(h);
  h = file_hash(fit_trace(source, FitOptions{9, 100, FitOptions::Draw::kBootstrap}).trace);
  EXPECT_EQ(h, 0x60710ddd9c66e26aull) << "now " << hex(h);
}

TEST(GeneratorDeterminism, SameSeedSameTraceOtherSeedAnother) {
  for (const GeneratorKind* k : generator_kinds()) {
    std::vector<std::string> p;
    for (const ParamSpec& s : k->params)
      if (s.name == "events") p.push_back("events=5000");
    Trace a = generate_trace(k->name, p, 5), b = generate_trace(k->name, p, 5), c = generate_trace(k->name, p, 6);
    EXPECT_EQ(file_hash(a), file_hash(b)) << k->name;
    EXPECT_NE(file_hash(a), file_hash(c)) << k->name;
  }
}

TEST(GeneratorDeterminism, EverySuiteEntryIsAValidGenCall) {
  for (const Suite& s : suites()) {
    EXPECT_FALSE(s.entries.empty()) << s.name;
    for (const SuiteEntry& e : s.entries) {
      EXPECT_NE(find_generator(e.kind), nullptr) << e.name;
      EXPECT_NE(gen_command(e).find(std::string("heapreplay gen ") + std::string(e.kind)), std::string::npos);
    }
  }
  // The quick suite is small enough to make here; pin its first trace.
  const Suite& quick = suite_or_throw("quick");
  std::uint64_t h = file_hash(generate_entry(quick.entries.front()));
  EXPECT_EQ(h, 0x9ce6cd0c8b8d48ddull) << "now " << hex(h);
}

}  // namespace
}  // namespace heapreplay
