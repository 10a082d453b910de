// End-to-end tests of the system allocators' options: each setting reaches
// the library through its own mechanism and the replay child reads it back
// (run JSON allocator_config), a setting the library does not take fails the
// run, inherited allocator variables are refused or let through
// (--inherit-env) and named in the report, and children start without them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "allocators/core/option_info.h"
#include "allocators/registry.h"
#include "support/cli_runner.h"
#include "traces/hrt_format.h"
#include "traces/trace_builder.h"

namespace heapreplay {
namespace {

using test::run_cli;
using test::TempDir;
namespace fs = std::filesystem;

std::string small_trace(const TempDir& dir) {
  TraceBuilder b("test", ReusePolicy::kLeakOld);
  for (std::uint64_t i = 0; i < 200; ++i) b.malloc(i, 16 + i * 8);
  for (std::uint64_t i = 0; i < 200; i += 2) b.free(i);
  write_hrt(b.finish(), dir.file("t.hrt"));
  return dir.file("t.hrt");
}

// heapreplay with `env` ("NAME=VALUE" words) before it, through the shell.
test::CliResult run_with_env(const std::string& env, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"-c", "exec env " + env + " \"$0\" \"$@\"", test::heapreplay_binary()};
  all.insert(all.end(), args.begin(), args.end());
  TempDir dir;
  std::string cmd = "/bin/sh";
  for (const std::string& a : all) cmd += " " + test::shell_quote(a);
  cmd += " </dev/null >" + dir.file("out") + " 2>" + dir.file("err");
  const int raw = std::system(cmd.c_str());
  test::CliResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = test::read_file(dir.file("out"));
  r.err = test::read_file(dir.file("err"));
  return r;
}

nlohmann::json report_of(const TempDir& dir) { return nlohmann::json::parse(test::read_file(dir.file("r.json"))); }

TEST(ConfigSystem, JemallocReportsTheSettingsItWasGivenAndItsDefaultsOtherwise) {
  TempDir dir;
  const std::string trace = small_trace(dir);
  auto r = run_cli(
      {"replay", "-a", "jemalloc:dirty_decay_ms=0,narenas=1", "-a", "jemalloc", "-o", dir.file("r.json"), trace});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = report_of(dir);
  ASSERT_EQ(j["runs"].size(), 2u);
  const auto& set = j["runs"][0]["allocator_config"];
  EXPECT_EQ(set["settings"], nlohmann::json({{"dirty_decay_ms", 0}, {"narenas", 1}}));
  EXPECT_EQ(set["environment"]["MALLOC_CONF"], "dirty_decay_ms:0,narenas:1");
  EXPECT_EQ(set["effective"]["dirty_decay_ms"], 0);  // read back as opt.dirty_decay_ms
  EXPECT_EQ(set["effective"]["narenas"], 1);
  EXPECT_EQ(set["unverified"], nlohmann::json::array());
  const auto& plain = j["runs"][1]["allocator_config"];
  EXPECT_EQ(plain["effective"]["dirty_decay_ms"], 10000);
  EXPECT_FALSE(plain["environment"].contains("MALLOC_CONF"));
  EXPECT_EQ(plain["settings"], nlohmann::json::object());
}

// Every option a library reports, with no settings, is the default its
// table documents (where that is a value, not a rule such as "4 x CPUs"):
// the tables' defaults, jemalloc's opt.* names and mimalloc's option
// numbers are held to the libraries here.
TEST(ConfigSystem, WithoutSettingsEachLibraryReportsTheDefaultsItsTableDocuments) {
  TempDir dir;
  const std::string trace = small_trace(dir);
  for (const char* name : {"jemalloc", "mimalloc", "tcmalloc"}) {
    SCOPED_TRACE(name);
    auto r = run_cli({"replay", "-a", name, "-o", dir.file("r.json"), trace});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto effective = report_of(dir)["runs"][0]["allocator_config"]["effective"];
    int compared = 0;
    for (const OptionInfo& o : allocator_options(name)) {
      if (o.read_back.empty()) continue;
      ASSERT_TRUE(effective.contains(std::string(o.key))) << o.key;
      OptionValue def;
      try {
        def = parse_option_value(o, o.default_value, name);
      } catch (const std::exception&) {
        continue;  // a rule, not a value
      }
      const auto& got = effective[std::string(o.key)];
      switch (def.type) {
        case OptionType::kFlag: EXPECT_EQ(got, def.flag) << o.key; break;
        case OptionType::kSigned: EXPECT_EQ(got, def.signed_value) << o.key; break;
        case OptionType::kUnsigned: EXPECT_EQ(got, def.unsigned_value) << o.key; break;
        case OptionType::kReal: EXPECT_EQ(got, def.real) << o.key; break;
        case OptionType::kChoice: EXPECT_EQ(got, def.text) << o.key; break;
      }
      ++compared;
    }
    EXPECT_GE(compared, 8);
  }
}

TEST(ConfigSystem, EachLibraryTakesNonDefaultSettingsAndSaysSo) {
  TempDir dir;
  const std::string trace = small_trace(dir);
  struct Case {
    std::string spec;
    nlohmann::json expected;  // effective values
  } cases[] = {
      {"jemalloc:narenas=3,muzzy_decay_ms=100,tcache_max=16K,retain=0,dss=primary,thp=never,oversize_threshold=4M",
       {{"narenas", 3},
        {"muzzy_decay_ms", 100},
        {"tcache_max", 16384},
        {"retain", false},
        {"dss", "primary"},
        {"thp", "never"},
        {"oversize_threshold", 4u << 20}}},
      {"mimalloc:decommit_delay=7,reserve_os_memory=1M,eager_commit=0,page_reset=1,segment_decommit_delay=50",
       {{"decommit_delay", 7},
        {"reserve_os_memory", 1u << 20},
        {"eager_commit", false},
        {"page_reset", true},
        {"segment_decommit_delay", 50}}},
      {"tcmalloc:release_rate=0,max_total_thread_cache_bytes=1M,aggressive_decommit=1,heap_limit_mb=4096",
       {{"release_rate", 0.0},
        {"max_total_thread_cache_bytes", 1u << 20},
        {"aggressive_decommit", true},
        {"heap_limit_mb", 4096}}},
      {"glibc:perturb=165", {{"perturb", 165}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.spec);
    auto r = run_cli({"replay", "-a", c.spec, "-o", dir.file("r.json"), trace});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto run = report_of(dir)["runs"][0];
    EXPECT_EQ(run["status"], "ok");
    for (const auto& [key, value] : c.expected.items())
      EXPECT_EQ(run["allocator_config"]["effective"][key], value) << key;
  }
}

TEST(ConfigSystem, GlibcSaysWhichSettingsItCannotReportAndSetsThemThroughItsTunables) {
  TempDir dir;
  auto r = run_cli(
      {"replay", "-a", "glibc:arena_max=1,trim_threshold=128K,perturb=7", "-o", dir.file("r.json"), small_trace(dir)});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto config = report_of(dir)["runs"][0]["allocator_config"];
  EXPECT_EQ(config["environment"]["GLIBC_TUNABLES"],
            "glibc.malloc.arena_max=1:glibc.malloc.trim_threshold=131072:glibc.malloc.perturb=7");
  EXPECT_EQ(config["unverified"], nlohmann::json::array({"arena_max", "trim_threshold"}));
  EXPECT_EQ(config["effective"], nlohmann::json({{"perturb", 7}}));  // seen in a new block's bytes
}

// jemalloc raises narenas to the number of CPUs under percpu_arena: the
// library does not take narenas=1, and the run fails saying what it has.
TEST(ConfigSystem, ASettingTheLibraryDoesNotTakeFailsTheRunWithTheReason) {
  if (::sysconf(_SC_NPROCESSORS_ONLN) < 2) GTEST_SKIP() << "needs two CPUs (percpu_arena then raises narenas)";
  TempDir dir;
  auto r = run_cli({"replay", "-a", "jemalloc:percpu_arena=percpu,narenas=1", "-a", "glibc", "-o", dir.file("r.json"),
                    small_trace(dir)});
  EXPECT_EQ(r.status, 1) << r.err;
  const auto j = report_of(dir);
  EXPECT_EQ(j["runs"][0]["status"], "failed");
  EXPECT_EQ(j["runs"][0]["status_detail"].get<std::string>().rfind("narenas=1 not taken: jemalloc reports ", 0), 0u)
      << j["runs"][0]["status_detail"];
  EXPECT_GE(j["runs"][0]["allocator_config"]["effective"]["narenas"].get<int>(), 2);
  EXPECT_EQ(j["runs"][1]["status"], "ok");  // the other runs go on
  EXPECT_NE(r.err.find("narenas=1 not taken"), std::string::npos) << r.err;
}

TEST(ConfigSystem, AnInheritedVariableTheAllocatorReadsIsRefusedWithOneLine) {
  TempDir dir;
  const std::string trace = small_trace(dir);
  const std::pair<const char*, const char*> cases[] = {
      {"MALLOC_CONF=narenas:2", "jemalloc"},
      {"MIMALLOC_DECOMMIT_DELAY=3", "mimalloc"},
      {"GLIBC_TUNABLES=glibc.malloc.arena_max=2", "glibc"},
      {"MALLOC_ARENA_MAX=2", "glibc"},
      {"TCMALLOC_RELEASE_RATE=5", "tcmalloc"},
  };
  for (const auto& [var, alloc] : cases) {
    auto r = run_with_env(var, {"replay", "-a", alloc, "-o", dir.file("r.json"), trace});
    EXPECT_EQ(r.status, 2) << var << ": " << r.err;
    const std::string name = std::string(var).substr(0, std::string(var).find('='));
    EXPECT_NE(r.err.find(std::string(var) + " is set in this environment and would change " + alloc +
                         "'s configuration: unset it, or pass --inherit-env"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(dir.file("r.json"))) << "nothing runs";
  }
}

TEST(ConfigSystem, InheritEnvLetsTheVariableThroughTheContextNamesItAndTheSpecWins) {
  TempDir dir;
  auto r =
      run_with_env("MALLOC_CONF=narenas:2,muzzy_decay_ms:50",
                   {"replay", "--inherit-env", "-a", "jemalloc:narenas=3", "-o", dir.file("r.json"), small_trace(dir)});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = report_of(dir);
  EXPECT_EQ(j["context"]["inherited_env"]["MALLOC_CONF"], "narenas:2,muzzy_decay_ms:50");
  EXPECT_EQ(j["context"]["inherit_env"], true);
  const auto config = j["runs"][0]["allocator_config"];
  EXPECT_EQ(config["environment"]["MALLOC_CONF"], "narenas:2,muzzy_decay_ms:50,narenas:3");
  EXPECT_EQ(config["effective"]["narenas"], 3);          // the spec's, after the inherited one
  EXPECT_EQ(config["effective"]["muzzy_decay_ms"], 50);  // the inherited one, let through
}

TEST(ConfigSystem, AVariableAnotherAllocatorReadsIsNamedInTheContextButNotPassedOn) {
  TempDir dir;
  auto r =
      run_with_env("MALLOC_CONF=narenas:2", {"replay", "-a", "mimalloc", "-o", dir.file("r.json"), small_trace(dir)});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = report_of(dir);
  EXPECT_EQ(j["context"]["inherited_env"]["MALLOC_CONF"], "narenas:2");
  EXPECT_EQ(j["context"]["inherit_env"], false);
  EXPECT_FALSE(j["runs"][0]["allocator_config"]["environment"].contains("MALLOC_CONF"));
}

TEST(ConfigSystem, ProgramsGetTheSettingsAndACleanAllocatorEnvironment) {
  auto plain =
      run_with_env("MALLOC_CONF=narenas:2 MIMALLOC_VERBOSE=0", {"exec", "-a", "jemalloc:narenas=3", "--", "env"});
  EXPECT_EQ(plain.status, 2) << "MALLOC_CONF is jemalloc's: refused";
  auto clean = run_with_env("MALLOC_CONF=narenas:2", {"exec", "-a", "mimalloc:decommit_delay=5", "--", "env"});
  ASSERT_EQ(clean.status, 0) << clean.err;
  EXPECT_EQ(clean.out.find("MALLOC_CONF="), std::string::npos) << clean.out;
  EXPECT_NE(clean.out.find("\nMIMALLOC_DECOMMIT_DELAY=5\n"), std::string::npos) << clean.out;
  auto kept = run_with_env("MALLOC_CONF=narenas:2", {"exec", "--inherit-env", "-a", "mimalloc", "--", "env"});
  ASSERT_EQ(kept.status, 0) << kept.err;
  EXPECT_NE(kept.out.find("MALLOC_CONF=narenas:2\n"), std::string::npos) << kept.out;
  auto glibc = run_cli({"exec", "-a", "glibc:arena_max=1", "--", "env"});
  ASSERT_EQ(glibc.status, 0) << glibc.err;
  EXPECT_NE(glibc.out.find("GLIBC_TUNABLES=glibc.malloc.arena_max=1\n"), std::string::npos) << glibc.out;
  auto both = run_cli({"exec", "-a", "jemalloc:narenas=1", "--env", "MALLOC_CONF=narenas:2", "--", "env"});
  EXPECT_EQ(both.status, 2);
  EXPECT_NE(both.err.find("both set MALLOC_CONF"), std::string::npos) << both.err;

  TempDir dir;
  auto run =
      run_cli({"run", "-a", "jemalloc:narenas=3", "--keep-output", dir.path(), "-o", dir.file("r.json"), "--", "env"});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(test::read_file(dir.file("env.jemalloc_narenas=3.1.stdout")).find("\nMALLOC_CONF=narenas:3\n"),
            std::string::npos);
}

TEST(ConfigSystem, ASweepOfASystemAllocatorRunsEachConfigurationInterleaved) {
  TempDir dir;
  auto r = run_cli({"replay", "-a", "jemalloc:dirty_decay_ms={0,10000},narenas={1,2}", "-r", "2", "-o",
                    dir.file("r.json"), small_trace(dir)});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("heapreplay: 4 allocator configurations x 1 trace x 2 repetitions = 8 runs\n"),
            std::string::npos)
      << r.err;
  const auto j = report_of(dir);
  ASSERT_EQ(j["runs"].size(), 8u);
  const std::vector<std::string> specs = {"jemalloc:dirty_decay_ms=0,narenas=1", "jemalloc:dirty_decay_ms=0,narenas=2",
                                          "jemalloc:dirty_decay_ms=10000,narenas=1",
                                          "jemalloc:dirty_decay_ms=10000,narenas=2"};
  for (std::size_t i = 0; i < 8; ++i) {
    const auto& run = j["runs"][i];
    EXPECT_EQ(run["allocator"], specs[i % 4]);
    EXPECT_EQ(run["repetition"], i / 4);
    EXPECT_EQ(run["allocator_config"]["effective"]["dirty_decay_ms"], i % 4 < 2 ? 0 : 10000);
    EXPECT_EQ(run["allocator_config"]["effective"]["narenas"], i % 2 == 0 ? 1 : 2);
  }
  for (const std::string& s : specs) EXPECT_TRUE(j["context"]["allocators"].contains(s)) << s;
  for (const std::string& s : specs) EXPECT_NE(r.out.find(s), std::string::npos) << "table row of " << s;
}

TEST(ConfigSystem, RunSweepsAProgramOverTheGrid) {
  TempDir dir;
  auto r = run_cli({"run", "-a", "glibc:arena_max={1,2}", "-a", "jemalloc:narenas={1,2}", "--keep-output", dir.path(),
                    "-o", dir.file("r.json"), "--", "env"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("heapreplay: 4 allocator configurations x 1 program x 1 repetition = 4 runs\n"),
            std::string::npos)
      << r.err;
  const auto j = report_of(dir);
  ASSERT_EQ(j["runs"].size(), 4u);
  EXPECT_EQ(j["runs"][1]["allocator"], "glibc:arena_max=2");
  EXPECT_NE(
      test::read_file(dir.file("env.glibc_arena_max=2.1.stdout")).find("\nGLIBC_TUNABLES=glibc.malloc.arena_max=2\n"),
      std::string::npos);
  EXPECT_NE(test::read_file(dir.file("env.jemalloc_narenas=2.1.stdout")).find("\nMALLOC_CONF=narenas:2\n"),
            std::string::npos);
}

TEST(ConfigSystem, TheShellRunsTheConfigurationAndRefusesOneNotTaken) {
  TempDir dir;
  const std::string script = dir.write("s", "alloc 100\nstats\nquit\n");
  auto ok = run_cli({"shell", "-a", "jemalloc:narenas=2", script});
  EXPECT_EQ(ok.status, 0) << ok.err;
  if (::sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
    auto bad = run_cli({"shell", "-a", "jemalloc:percpu_arena=percpu,narenas=1", script});
    EXPECT_EQ(bad.status, 2) << bad.err;
    EXPECT_NE(bad.err.find("narenas=1 not taken: jemalloc reports"), std::string::npos) << bad.err;
  }
  auto sweep = run_cli({"shell", "-a", "jemalloc:narenas={1,2}", script});
  EXPECT_EQ(sweep.status, 2);
  EXPECT_NE(sweep.err.find("shell drives one configuration"), std::string::npos) << sweep.err;
}

}  // namespace
}  // namespace heapreplay
