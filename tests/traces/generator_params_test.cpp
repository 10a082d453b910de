// Generator parameters: value syntax, the checks against each kind's table,
// phases, and the one-line messages a user sees.
#include <gtest/gtest.h>

#include <functional>

#include "traces/generators/generator.h"
#include "traces/generators/params.h"

namespace heapreplay {
namespace {

constexpr ParamSpec kSpecs[] = {
    {"phases", "1", "count", ""},   {"events", "10k", "events", ""}, {"size_min", "4K", "bytes", ""},
    {"share", "0.25", "share", ""}, {"mode", "a", "name", ""},       {"path", "", "path", ""},
};

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const GenError& e) {
    return e.what();
  }
  return "(no GenError)";
}

TEST(GenParams, ValueSyntax) {
  EXPECT_EQ(parse_count("1000"), 1000u);
  EXPECT_EQ(parse_count("10k"), 10000u);
  EXPECT_EQ(parse_count("2M"), 2000000u);
  EXPECT_EQ(parse_count("1G"), 1000000000u);
  EXPECT_EQ(parse_count("12x"), std::nullopt);
  EXPECT_EQ(parse_count(""), std::nullopt);
  EXPECT_EQ(parse_count("-1"), std::nullopt);
  EXPECT_EQ(parse_size("4K"), 4096u);
  EXPECT_EQ(parse_size("1M"), 1u << 20);
  EXPECT_EQ(parse_size("0x40"), 64u);
  EXPECT_EQ(parse_size("99999999999999999999"), std::nullopt);
  EXPECT_EQ(parse_decimal("0.05"), 0.05);
  EXPECT_EQ(parse_decimal("5%"), 0.05);
  EXPECT_EQ(parse_decimal("12.5%"), 0.125);
  EXPECT_EQ(parse_decimal("3"), 3.0);
  EXPECT_EQ(parse_decimal("1.5"), 1.5);
  EXPECT_EQ(parse_decimal("0.1"), 0.1);  // the same double as the literal: one correctly rounded division
  EXPECT_EQ(parse_decimal("."), std::nullopt);
  EXPECT_EQ(parse_decimal("1e3"), std::nullopt);
  EXPECT_EQ(parse_decimal("-0.5"), std::nullopt);
}

TEST(GenParams, DefaultsGivenValuesAndPhases) {
  GenParams p("k", kSpecs, {"phases=2", "events=5k", "p2.events=7", "p2.mode=b"}, true);
  EXPECT_EQ(p.phases(), 2);
  EXPECT_EQ(p.count("events", 1), 5000u);
  EXPECT_EQ(p.count("events", 2), 7u);
  EXPECT_EQ(p.bytes("size_min", 1), 4096u);
  EXPECT_EQ(p.share("share", 2), 0.25);
  static constexpr std::string_view kModes[] = {"a", "b"};
  EXPECT_EQ(p.choice("mode", kModes, 1), "a");
  EXPECT_EQ(p.choice("mode", kModes, 2), "b");
  EXPECT_TRUE(p.given("events", 1));
  EXPECT_FALSE(p.given("mode", 1));
  EXPECT_TRUE(p.given("mode", 2));
}

TEST(GenParams, MistakesAreOneLineMessages) {
  EXPECT_EQ(message_of([] { GenParams("k", kSpecs, {"evnts=5"}); }),
            "k: unknown parameter 'evnts' (known: phases, events, size_min, share, mode, path)");
  EXPECT_EQ(message_of([] { GenParams("k", kSpecs, {"events"}); }),
            "k: parameter 'events' is not of the form key=value");
  EXPECT_EQ(message_of([] { GenParams("k", kSpecs, {"events=1", "events=2"}); }), "k: parameter 'events' given twice");
  EXPECT_EQ(message_of([] { GenParams("k", kSpecs, {"p3.events=1"}, true); }),
            "k: parameter 'p3.events' names phase 3 but phases is 1");
  EXPECT_EQ(message_of([] { GenParams("k", kSpecs, {"p1.events=1"}, false); }),
            "k: unknown parameter 'p1.events' (known: phases, events, size_min, share, mode, path)");
  EXPECT_EQ(message_of([] { GenParams("k", kSpecs, {"events=lots"}).count("events"); }),
            "k: parameter 'events' needs a count (e.g. 1000, 10k, 2M), not 'lots'");
  EXPECT_EQ(message_of([] { GenParams("k", kSpecs, {"events=5"}).count("events", 0, 10, 20); }),
            "k: parameter 'events' needs a count from 10 to 20, not '5'");
  EXPECT_EQ(message_of([] { GenParams("k", kSpecs, {"share=1.5"}).share("share"); }),
            "k: parameter 'share' needs a share from 0 to 1 (e.g. 0.05 or 5%), not '1.5'");
  EXPECT_EQ(message_of([] { GenParams("k", kSpecs, {"size_min=4Q"}).bytes("size_min"); }),
            "k: parameter 'size_min' needs a size in bytes (e.g. 64, 4K, 1M), not '4Q'");
  static constexpr std::string_view kModes[] = {"a", "b"};
  EXPECT_EQ(message_of([] { GenParams("k", kSpecs, {"mode=c"}).choice("mode", kModes); }),
            "k: parameter 'mode' needs one of a, b, not 'c'");
}

TEST(GenParams, GeneratorsCheckTheirParameters) {
  EXPECT_EQ(message_of([] { generate_trace("nope", {}, 1); }),
            "unknown generator 'nope' (known: synthetic, larson, xmalloc, churn, large, realloc-buffer, "
            "fragmentation, fit)");
  EXPECT_EQ(message_of([] { generate_trace("synthetic", {"cross_free=0.2"}, 1); }),
            "synthetic: parameter 'cross_free' needs threads=2 or more (only one thread), not '0.2'");
  EXPECT_EQ(message_of([] {
              generate_trace("synthetic", {"live_bytes=1M", "lifetime_mean=100"}, 1);
            }),
            "synthetic: parameter 'lifetime_mean' needs to be left out when live_bytes is given (the live set "
            "follows from it), not '100'");
  EXPECT_EQ(message_of([] {
              generate_trace("synthetic", {"size=uniform", "size_min=100", "size_max=10"}, 1);
            }),
            "synthetic: parameter 'size_max' needs a size at least size_min (100), not '10'");
  EXPECT_EQ(message_of([] { generate_trace("synthetic", {"size=histogram"}, 1); }),
            "synthetic: size=histogram needs size_file=PATH");
  EXPECT_EQ(message_of([] { generate_trace("synthetic", {"align=48:0.1"}, 1); }),
            "synthetic: parameter 'align' needs ALIGN:SHARE items with a power-of-two ALIGN up to 1G (e.g. "
            "64:0.05,4096:1%), not '48:0.1'");
  EXPECT_EQ(message_of([] { generate_trace("larson", {"threads=0"}, 1); }),
            "larson: parameter 'threads' needs a count from 1 to 1024, not '0'");
  for (const GeneratorKind* k : generator_kinds()) {
    // Every default in every table reads back, and a tiny run works.
    std::vector<std::string> small;
    for (const ParamSpec& s : k->params)
      if (s.name == "events") small.push_back("events=100");
    EXPECT_NO_THROW(generate_trace(k->name, small, 1)) << k->name;
  }
}

}  // namespace
}  // namespace heapreplay
