// Tests of the allocators' option tables: values by type and range, specs
// checked against a table (unknown keys, repeats, positions), the designs'
// tables held to what their from_options reads, each system allocator's
// mechanism (the environment its settings become), and sweeps' grids.
// Nothing here runs a system allocator, so it runs in every build.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "allocators/core/option_info.h"
#include "allocators/core/options.h"
#include "allocators/designs.h"
#include "allocators/registry.h"
#include "allocators/spec_grid.h"
#include "allocators/system/system_allocator.h"

namespace heapreplay {
namespace {

std::string message_of(auto&& f) {
  try {
    f();
  } catch (const OptionError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(OptionValues, EachTypeTakesItsSpellingsAndRefusesTheRest) {
  const OptionInfo flag = flag_option("f", "0", "");
  EXPECT_TRUE(parse_option_value(flag, "yes", "o").flag);
  EXPECT_TRUE(parse_option_value(flag, "", "o").flag);
  EXPECT_FALSE(parse_option_value(flag, "off", "o").flag);
  EXPECT_EQ(message_of([&] { parse_option_value(flag, "2", "o"); }),
            "o: f needs 1 or 0 (true/false, yes/no, on/off), not '2'");

  const OptionInfo ms = signed_option("ms", -1, 1000, "", "");
  EXPECT_EQ(parse_option_value(ms, "-1", "o").signed_value, -1);
  EXPECT_EQ(parse_option_value(ms, "500", "o").signed_value, 500);
  EXPECT_EQ(message_of([&] { parse_option_value(ms, "1K", "o"); }), "o: ms needs an integer from -1 to 1000, not '1K'");
  EXPECT_EQ(message_of([&] { parse_option_value(ms, "-2", "o"); }), "o: ms needs an integer from -1 to 1000, not '-2'");
  EXPECT_EQ(message_of([&] { parse_option_value(ms, "1001", "o"); }),
            "o: ms needs an integer from -1 to 1000, not '1001'");

  const OptionInfo size = with_multiple(unsigned_option("s", 0, std::uint64_t{1} << 30, "", ""), 1024);
  EXPECT_EQ(parse_option_value(size, "64K", "o").unsigned_value, 65536u);
  EXPECT_EQ(parse_option_value(size, "64K", "o").text, "65536");
  EXPECT_EQ(message_of([&] { parse_option_value(size, "1000", "o"); }),
            "o: s needs an unsigned integer from 0 to 1G, a multiple of 1K, not '1000'");
  EXPECT_EQ(message_of([&] { parse_option_value(size, "-1", "o"); }).substr(0, 17), "o: s needs an uns");

  const OptionInfo rate = real_option("r", 0, 10, "", "");
  EXPECT_EQ(parse_option_value(rate, "2.5", "o").real, 2.5);
  EXPECT_EQ(parse_option_value(rate, "2.50", "o").text, "2.5");
  EXPECT_EQ(message_of([&] { parse_option_value(rate, "nan", "o"); }), "o: r needs a number from 0 to 10, not 'nan'");
  EXPECT_EQ(message_of([&] { parse_option_value(rate, "11", "o"); }), "o: r needs a number from 0 to 10, not '11'");

  const OptionInfo pick = choice_option("c", "a|bb|c", "a", "");
  EXPECT_EQ(parse_option_value(pick, "bb", "o").text, "bb");
  EXPECT_EQ(message_of([&] { parse_option_value(pick, "b", "o"); }), "o: c needs one of a|bb|c, not 'b'");
}

TEST(OptionValues, AnUnsignedTypeShowsItsRangeWithTheSuffixesItTakes) {
  EXPECT_EQ(option_type_text(unsigned_option("k", 1, 4094, "", "")), "unsigned 1..4094");
  EXPECT_EQ(option_type_text(unsigned_option("k", 0, std::uint64_t{8} << 20, "", "")), "unsigned 0..8M");
  EXPECT_EQ(option_type_text(unsigned_option("k", 4096, kNoLimit, "", "")), "unsigned 4K or more");
  EXPECT_EQ(option_type_text(signed_option("k", -1, 5, "", "")), "integer -1..5");
  EXPECT_EQ(option_type_text(choice_option("k", "x|y", "", "")), "one of x|y");
}

TEST(OptionSpecs, AnUnknownKeyListsTheValidOnesAndSaysWhereItIs) {
  EXPECT_EQ(message_of([] { parse_allocator_options("segfit", "faithful,bogus=1", "segfit:faithful,bogus=1"); }),
            "allocator 'segfit:faithful,bogus=1': unknown option 'bogus' at position 17; valid: faithful, page_bytes, "
            "max_heap_pages, heap_reserve_bytes, fail_map_every, fail_commit_every, fail_after_bytes");
  EXPECT_EQ(message_of([] {
              parse_allocator_options("segfit", "page_bytes=8K,page_bytes=16K", "segfit:page_bytes=8K,page_bytes=16K");
            }),
            "allocator 'segfit:page_bytes=8K,page_bytes=16K': option 'page_bytes' given twice at position 22");
  EXPECT_EQ(message_of([] { parse_allocator_options("jemalloc", "narenas", "jemalloc:narenas"); }),
            "allocator 'jemalloc:narenas': narenas needs a value (narenas=...: unsigned 1..4094) at position 10");
  EXPECT_EQ(message_of([] { parse_allocator_options("jemalloc", "narenas=0", "jemalloc:narenas=0"); }),
            "allocator 'jemalloc:narenas=0': narenas needs an unsigned integer from 1 to 4094, not '0' at position 18");
}

TEST(OptionSpecs, ARenamedOrLaterOptionSaysWhatThisVersionHas) {
  EXPECT_NE(message_of([] {
              parse_allocator_options("mimalloc", "purge_delay=0", "m");
            }).find("(mimalloc 2.0.9 calls it decommit_delay)"),
            std::string::npos);
  EXPECT_NE(message_of([] {
              parse_allocator_options("mimalloc", "arena_eager_commit=1", "m");
            }).find("an option of later mimalloc versions"),
            std::string::npos);
  EXPECT_NE(message_of([] { parse_allocator_options("jemalloc", "lg_tcache_max=15", "j"); }).find("tcache_max"),
            std::string::npos);
  EXPECT_NE(message_of([] {
              parse_allocator_options("glibc", "glibc.malloc.arena_max=1", "g");
            }).find("without glibc.malloc."),
            std::string::npos);
}

// A design's table must name exactly what its from_options reads: a key
// missing from the table could not be given, one the design does not read
// would be accepted and ignored.
TEST(DesignOptions, EachDesignsTableIsWhatItsFromOptionsReads) {
  for_each_design([]<class D>(std::type_identity<D>) {
    OptionMap opts = OptionMap::parse(D::kName, "");
    (void)D::Config::from_options(opts);
    const std::set<std::string> asked(opts.asked().begin(), opts.asked().end());
    std::set<std::string> listed;
    for (const OptionInfo& o : allocator_options(D::kName)) listed.insert(std::string(o.key));
    EXPECT_EQ(asked, listed) << D::kName;
    EXPECT_EQ(listed.size(), allocator_options(D::kName).size()) << D::kName << ": a key listed twice";
  });
}

TEST(DesignOptions, EveryDefaultOfADesignsTableIsAValueItTakes) {
  for_each_design([]<class D>(std::type_identity<D>) {
    for (const OptionInfo& o : allocator_options(D::kName)) {
      const std::string item = std::string(o.key) + "=" + std::string(o.default_value);
      EXPECT_NO_THROW(parse_allocator_options(D::kName, item, D::kName)) << D::kName << ": " << item;
      OptionMap opts = OptionMap::parse(D::kName, item);
      EXPECT_NO_THROW({
        (void)D::Config::from_options(opts);
        opts.finish();
      }) << D::kName
         << ": " << item;
    }
  });
}

std::vector<EnvSetting> environment_of(const std::string& name, const std::string& options) {
  return find_system_allocator(name)->config->environment(parse_allocator_options(name, options, name));
}

TEST(SystemOptions, EachAllocatorsSettingsBecomeItsOwnVariables) {
  auto je = environment_of("jemalloc", "dirty_decay_ms=0,narenas=1,background_thread=1,tcache_max=16K");
  ASSERT_EQ(je.size(), 1u);
  EXPECT_EQ(je[0].name, "MALLOC_CONF");
  EXPECT_EQ(je[0].value, "dirty_decay_ms:0,narenas:1,background_thread:true,tcache_max:16384");
  EXPECT_EQ(je[0].join, ',');

  auto gl = environment_of("glibc", "arena_max=1,trim_threshold=128K");
  ASSERT_EQ(gl.size(), 1u);
  EXPECT_EQ(gl[0].name, "GLIBC_TUNABLES");
  EXPECT_EQ(gl[0].value, "glibc.malloc.arena_max=1:glibc.malloc.trim_threshold=131072");
  EXPECT_EQ(gl[0].join, ':');

  auto mi = environment_of("mimalloc", "decommit_delay=0,reserve_os_memory=2M,eager_commit=off");
  ASSERT_EQ(mi.size(), 3u);
  EXPECT_EQ(mi[0].name + "=" + mi[0].value, "MIMALLOC_DECOMMIT_DELAY=0");
  EXPECT_EQ(mi[1].name + "=" + mi[1].value, "MIMALLOC_RESERVE_OS_MEMORY=2048K");  // mimalloc holds it in KiB
  EXPECT_EQ(mi[2].name + "=" + mi[2].value, "MIMALLOC_EAGER_COMMIT=0");
  EXPECT_EQ(mi[0].join, 0);

  auto tc = environment_of("tcmalloc", "release_rate=0.5,aggressive_decommit=1");
  ASSERT_EQ(tc.size(), 2u);
  EXPECT_EQ(tc[0].name + "=" + tc[0].value, "TCMALLOC_RELEASE_RATE=0.5");
  EXPECT_EQ(tc[1].name + "=" + tc[1].value, "TCMALLOC_AGGRESSIVE_DECOMMIT=1");

  EXPECT_TRUE(environment_of("jemalloc", "").empty());
}

TEST(SystemOptions, EveryTableIsWellFormed) {
  for (const SystemAllocator& row : system_allocators()) {
    std::set<std::string_view> keys;
    for (const OptionInfo& o : row.config->options) {
      EXPECT_TRUE(keys.insert(o.key).second) << row.name << ": " << o.key << " twice";
      EXPECT_FALSE(o.meaning.empty()) << row.name << ": " << o.key;
      EXPECT_FALSE(o.default_value.empty()) << row.name << ": " << o.key;
    }
    EXPECT_FALSE(row.config->variables.empty()) << row.name;
  }
}

TEST(Grids, AGridExpandsToEveryCombinationTheFirstKeySlowest) {
  EXPECT_EQ(
      expand_allocator_grid("jemalloc:dirty_decay_ms={0,1000,10000},narenas={1,4}", 100),
      (std::vector<std::string>{"jemalloc:dirty_decay_ms=0,narenas=1", "jemalloc:dirty_decay_ms=0,narenas=4",
                                "jemalloc:dirty_decay_ms=1000,narenas=1", "jemalloc:dirty_decay_ms=1000,narenas=4",
                                "jemalloc:dirty_decay_ms=10000,narenas=1", "jemalloc:dirty_decay_ms=10000,narenas=4"}));
  EXPECT_EQ(allocator_grid_size("jemalloc:dirty_decay_ms={0,1000,10000},narenas={1,4}"), 6u);
  EXPECT_EQ(expand_allocator_grid("segfit:faithful,page_bytes={8K,16K}", 100),
            (std::vector<std::string>{"segfit:faithful,page_bytes=8K", "segfit:faithful,page_bytes=16K"}));
  EXPECT_EQ(expand_allocator_grid("glibc:arena_max=1", 100), (std::vector<std::string>{"glibc:arena_max=1"}));
  EXPECT_EQ(expand_allocator_grid("preload:/x/{a}.so", 100), (std::vector<std::string>{"preload:/x/{a}.so"}));
  EXPECT_TRUE(is_allocator_grid("jemalloc:narenas={1}"));
  EXPECT_FALSE(is_allocator_grid("jemalloc:narenas=1"));
  EXPECT_FALSE(is_allocator_grid("preload:/x/{a}.so"));
}

TEST(Grids, AMalformedGridSaysWhatAndWhere) {
  const std::pair<const char*, const char*> cases[] = {
      {"jemalloc:narenas={}", "an empty value list at position 18"},
      {"jemalloc:narenas={1,2", "'{' not closed at position 18"},
      {"jemalloc:narenas=1}", "'}' without '{' at position 19"},
      {"jemalloc:narenas={1,{2}}", "a '{' inside a value list at position 21"},
      {"jemalloc:narenas={1,,2}", "an empty value in a list at position 21"},
      {"jemalloc:narenas={1,1}", "the value '1' twice in one list at position 21"},
      {"jemalloc:narenas={1,2}x", "a value list must be the whole value at position 23"},
      {"jemalloc:narenas=1,narenas={1,2}", "option 'narenas' given twice at position 20"},
      {"jemalloc:narenas={1,0}", "narenas needs an unsigned integer from 1 to 4094, not '0' at position 21"},
      {"jemalloc:bogus={1,2}", "unknown option 'bogus' at position 10"},
      {"jem{alloc:narenas=1", "a brace in the allocator's name at position 4"},
  };
  for (const auto& [spec, why] : cases) {
    const std::string m = message_of([&] { expand_allocator_grid(spec, 100); });
    EXPECT_EQ(m.substr(0, std::string("allocator '").size() + std::string(spec).size() + 3),
              "allocator '" + std::string(spec) + "': ")
        << m;
    EXPECT_NE(m.find(why), std::string::npos) << spec << ": " << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

TEST(Grids, AGridBeyondTheLimitIsRefusedBeforeItIsMade) {
  // 10^12 configurations: counted, not built.
  std::string spec = "segfit:";
  for (const char* key : {"page_bytes", "max_heap_pages", "heap_reserve_bytes", "fail_map_every", "fail_commit_every",
                          "fail_after_bytes"})
    spec += std::string(key) +
            "={1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,"
            "31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,"
            "59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,"
            "87,88,89,90,91,92,93,94,95,96,97,98,99,100},";
  spec.pop_back();
  std::string fail_only = "segfit:fail_map_every={1,2,3},fail_commit_every={1,2,3}";
  EXPECT_EQ(allocator_grid_size(fail_only), 9u);
  EXPECT_NE(message_of([&] { expand_allocator_grid(fail_only, 8); }).find("the grid has 9 configurations, more than 8"),
            std::string::npos);
  EXPECT_EQ(allocator_grid_size(spec), 1000000000000u);
}

}  // namespace
}  // namespace heapreplay
