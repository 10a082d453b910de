// The HTML report in a real browser: headless Chromium (Debian's chromium)
// opens the file offline, the page records what each chart drew, and the
// test checks that every chart rendered with data for every allocator, that
// report text stayed text (a trace named like an <img> tag), and that the
// screenshot is not blank. Skips, saying why, without chromium or Chart.js.
//
// HR_KEEP_SCREENSHOT=PATH keeps a copy of the screenshot for a human to look at.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#ifdef HR_HAVE_ZLIB
#include <zlib.h>
#endif

#include "reports/fidelity.h"
#include "reports/run_result.h"
#include "support/cli_runner.h"
#include "support/synthetic_report.h"

namespace heapreplay {
namespace {

using test::run_cli;
using test::shell_quote;
using test::TempDir;

const char* kEvilTrace = "<img src=x onerror=alert(1)>.rep";
const std::vector<std::string> kAllocators = {"glibc", "jemalloc", "mimalloc"};

std::pair<int, std::string> shell(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {-1, ""};
  char buf[65536];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int raw = ::pclose(p);
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    auto [rc, out] = shell(std::string("command -v ") + name + " 2>/dev/null");
    while (!out.empty() && out.back() == '\n') out.pop_back();
    if (rc == 0 && !out.empty()) return out;
  }
  return "";
}

// The flags of a quiet, offline, throw-away headless browser.
std::string chromium_command(const std::string& chromium, const TempDir& dir, const std::string& extra,
                             const std::string& url) {
  // A browser that hangs must fail the test, not stall the whole CI run.
  return "timeout 120 " + shell_quote(chromium) +
         " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking"
         " --disable-component-update --disable-sync --hide-scrollbars --user-data-dir=" +
         shell_quote(dir.file("profile")) + " --virtual-time-budget=10000 " + extra + " " + shell_quote(url) + " 2>" +
         shell_quote(dir.file("chromium.err"));
}

std::string html_unescape(std::string s) {
  const std::pair<const char*, const char*> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&nbsp;", "\xc2\xa0"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities)
    for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += std::strlen(to))
      s.replace(pos, std::strlen(from), to);
  return s;
}

#ifdef HR_HAVE_ZLIB
// A minimal PNG reader for Chromium's screenshots: 8-bit RGB or RGBA, not
// interlaced. Returns RGBA pixels, or empty on anything else.
struct Image {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> rgba;
};

std::uint32_t be32(const std::string& s, std::size_t at) {
  return (std::uint32_t(std::uint8_t(s[at])) << 24) | (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}

Image decode_png(const std::string& png) {
  Image img;
  if (png.size() < 8 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return img;
  std::string idat;
  int bit_depth = 0, color_type = 0, interlace = 0;
  for (std::size_t at = 8; at + 12 <= png.size();) {
    std::uint32_t len = be32(png, at);
    std::string type = png.substr(at + 4, 4);
    if (at + 12 + len > png.size()) return img;
    if (type == "IHDR") {
      img.width = be32(png, at + 8);
      img.height = be32(png, at + 12);
      bit_depth = std::uint8_t(png[at + 16]);
      color_type = std::uint8_t(png[at + 17]);
      interlace = std::uint8_t(png[at + 20]);
    } else if (type == "IDAT") {
      idat += png.substr(at + 8, len);
    }
    at += 12 + len;
  }
  const int channels = color_type == 6 ? 4 : color_type == 2 ? 3 : 0;
  if (bit_depth != 8 || channels == 0 || interlace != 0 || img.width == 0) return Image{};
  const std::size_t stride = std::size_t(img.width) * channels;
  std::vector<std::uint8_t> raw((stride + 1) * img.height);
  uLongf raw_len = raw.size();
  if (::uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK ||
      raw_len != raw.size())
    return Image{};
  std::vector<std::uint8_t> cur(stride), prev(stride, 0);
  img.rgba.resize(std::size_t(img.width) * img.height * 4);
  for (std::uint32_t y = 0; y < img.height; ++y) {
    const std::uint8_t* line = &raw[y * (stride + 1)];
    int filter = line[0];
    for (std::size_t x = 0; x < stride; ++x) {
      int a = x >= std::size_t(channels) ? cur[x - channels] : 0, b = prev[x],
          c = x >= std::size_t(channels) ? prev[x - channels] : 0;
      int p = line[1 + x], pred = 0;
      switch (filter) {
        case 0: pred = 0; break;
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) / 2; break;
        case 4: {
          int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: return Image{};
      }
      cur[x] = std::uint8_t(p + pred);
    }
    for (std::uint32_t x = 0; x < img.width; ++x) {
      std::uint8_t* out = &img.rgba[(std::size_t(y) * img.width + x) * 4];
      out[0] = cur[x * channels];
      out[1] = cur[x * channels + 1];
      out[2] = cur[x * channels + 2];
      out[3] = channels == 4 ? cur[x * channels + 3] : 255;
    }
    std::swap(cur, prev);
  }
  return img;
}
#endif

class HtmlInChromium : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = find_chromium();
    if (chromium_.empty())
      GTEST_SKIP() << "chromium not installed (Debian package chromium; tools/setup.sh installs it)";
    if (!std::filesystem::exists("/usr/share/javascript/chart.js/chart.min.js"))
      GTEST_SKIP() << "Chart.js not installed (Debian package libjs-chart.js; tools/setup.sh installs it)";
    std::vector<test::SyntheticAllocator> allocs = {
        {"glibc", 30, 1.25, 1.4, 90}, {"jemalloc", 20, 1.1, 1.2, 60}, {"mimalloc", 18, 1.3, 1.5, 50}};
    Report r = test::synthetic_report({kEvilTrace, "b.rep"}, allocs, 5);
    r.context["command_line"] = "heapreplay replay <script>alert(2)</script>";
    std::string json = dir_.write("r.json", report_to_json(r).dump());
    auto res = run_cli({"report", json, "--html", dir_.file("r.html")});
    ASSERT_EQ(res.status, 0) << res.err;
    url_ = "file://" + dir_.file("r.html");
  }

  // Chromium can leave helper processes behind after it printed its result;
  // they all carry this test's private profile folder on their command line.
  void TearDown() override {
    if (!chromium_.empty())
      shell("pkill -KILL -f " + shell_quote("user-data-dir=" + dir_.file("profile")) + " || true");
  }

  TempDir dir_;
  std::string chromium_, url_;
};

TEST_F(HtmlInChromium, EveryChartDrawsEveryAllocatorAndTextStaysText) {
  auto [rc, dom] = shell(chromium_command(chromium_, dir_, "--dump-dom", url_));
  ASSERT_EQ(rc, 0) << test::read_file(dir_.file("chromium.err"));
  ASSERT_FALSE(dom.empty()) << test::read_file(dir_.file("chromium.err"));
  EXPECT_NE(dom.find("data-hr-charts=\"done\""), std::string::npos) << "the page did not finish drawing";

  // Report text became text, never markup.
  EXPECT_EQ(dom.find("<img"), std::string::npos);
  EXPECT_EQ(dom.find("<script>alert"), std::string::npos);
  EXPECT_NE(dom.find("&lt;img src=x onerror=alert(1)&gt;.rep</h2>"), std::string::npos);
  EXPECT_NE(dom.find("heapreplay replay &lt;script&gt;alert(2)&lt;/script&gt;"), std::string::npos);

  const std::string open = "<pre id=\"hr-render-summary\" hidden=\"\">";
  auto begin = dom.find(open);
  ASSERT_NE(begin, std::string::npos);
  begin += open.size();
  auto end = dom.find("</pre>", begin);
  nlohmann::json summary = nlohmann::json::parse(html_unescape(dom.substr(begin, end - begin)));

  const auto& charts = summary["charts"];
  EXPECT_EQ(summary["expected_charts"], 16);  // 8 per trace: 5, and 3 Pareto fronts
  ASSERT_EQ(charts.size(), 16u) << summary.dump(1);
  EXPECT_TRUE(summary["skipped"].empty()) << summary.dump(1);
  std::set<std::pair<std::string, std::string>> kinds;
  for (const auto& c : charts) {
    std::string what = c["trace"].get<std::string>() + " " + c["kind"].get<std::string>();
    kinds.insert({c["trace"].get<std::string>(), c["kind"].get<std::string>()});
    EXPECT_EQ(c["expected_allocators"], nlohmann::json(kAllocators)) << what;
    EXPECT_EQ(c["allocators_with_data"], nlohmann::json(kAllocators)) << what;
    EXPECT_GT(c["painted_pixels"].get<long>(), 5000) << what;
    EXPECT_GT(c["width"].get<int>(), 300) << what;
    for (const auto& d : c["datasets"]) {
      EXPECT_GT(d["points"].get<int>(), 0) << what << " " << d["label"];
      EXPECT_EQ(d["elements"], d["points"]) << what << " " << d["label"];
    }
    if (c["kind"] == "footprint" || c["kind"] == "rss") {
      for (const auto& d : c["datasets"]) EXPECT_EQ(d["points"], 120) << what << " " << d["label"];
    }
    if (c["kind"] == "latency") {
      for (const auto& d : c["datasets"]) EXPECT_EQ(d["points"], 15) << what;  // 3 operations x 5 percentiles
    }
    if (c["kind"].get<std::string>().rfind("pareto_", 0) == 0) {
      // A point per allocator, then the front: mimalloc is fastest,
      // jemalloc smallest on every axis, glibc slower and bigger than
      // jemalloc. The tooltip of each point names its allocator.
      ASSERT_EQ(c["datasets"].size(), 4u) << what;
      EXPECT_EQ(c["datasets"][3]["label"], "Pareto front") << what;
      EXPECT_EQ(c["datasets"][3]["points"], 2) << what;
      EXPECT_EQ(c["front"], nlohmann::json({"mimalloc", "jemalloc"})) << what;
      ASSERT_EQ(c["tooltips"].size(), 5u) << what;
      for (std::size_t i = 0; i < kAllocators.size(); ++i)
        EXPECT_EQ(c["tooltips"][i].get<std::string>().rfind(kAllocators[i] + ": ", 0), 0u) << c["tooltips"][i];
      EXPECT_NE(c["tooltips"][0].get<std::string>().find(" ns/event, "), std::string::npos) << c["tooltips"][0];
      EXPECT_EQ(c["tooltips"][0].get<std::string>().find("(on the front)"), std::string::npos) << c["tooltips"][0];
      EXPECT_EQ(c["tooltips"][3].get<std::string>().rfind("mimalloc: ", 0), 0u) << c["tooltips"][3];
      EXPECT_NE(c["tooltips"][3].get<std::string>().find("(on the front)"), std::string::npos);
    }
  }
  for (const char* trace : {kEvilTrace, "b.rep"})
    for (const char* kind : {"ns_per_event", "footprint", "rss", "latency", "fragmentation", "pareto_rss",
                             "pareto_footprint", "pareto_fragmentation"})
      EXPECT_TRUE(kinds.count({std::string(trace), std::string(kind)})) << trace << " " << kind;
}

TEST_F(HtmlInChromium, ScreenshotIsNotBlank) {
  std::string png_path = dir_.file("shot.png");
  auto [rc, out] =
      shell(chromium_command(chromium_, dir_, "--window-size=1280,3200 --screenshot=" + shell_quote(png_path), url_));
  ASSERT_EQ(rc, 0) << out << test::read_file(dir_.file("chromium.err"));
  std::string png = test::read_file(png_path);
  ASSERT_GT(png.size(), 30000u) << "a blank page compresses to a few KiB";
  if (const char* keep = std::getenv("HR_KEEP_SCREENSHOT"))
    std::filesystem::copy_file(png_path, keep, std::filesystem::copy_options::overwrite_existing);
#ifdef HR_HAVE_ZLIB
  Image img = decode_png(png);
  ASSERT_EQ(img.width, 1280u);
  ASSERT_EQ(img.height, 3200u);
  // Non-white pixels (text, axes, data) and strongly coloured ones (the
  // allocators' bars and lines: the palette is saturated, the page is grey).
  std::size_t ink = 0, colour = 0;
  for (std::size_t i = 0; i < img.rgba.size(); i += 4) {
    int r = img.rgba[i], g = img.rgba[i + 1], b = img.rgba[i + 2];
    if (r < 240 || g < 240 || b < 240) ++ink;
    if (std::max({r, g, b}) - std::min({r, g, b}) > 80) ++colour;
  }
  const std::size_t pixels = std::size_t(img.width) * img.height;
  EXPECT_GT(ink, pixels / 50) << "ink " << ink << " of " << pixels;
  EXPECT_GT(colour, pixels / 100) << "coloured " << colour << " of " << pixels;
#endif
}

// A fidelity report (heapreplay fidelity): per subject a time chart and a
// memory chart, each with the reference's and the stand-in's bars for every
// allocator that ran on both sides, and the warnings as text.
TEST(HtmlFidelityInChromium, DrawsBothSidesOfEveryAllocator) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium not installed (Debian package chromium; tools/setup.sh installs it)";
  if (!std::filesystem::exists("/usr/share/javascript/chart.js/chart.min.js"))
    GTEST_SKIP() << "Chart.js not installed (Debian package libjs-chart.js; tools/setup.sh installs it)";
  Report r;
  r.context = {{"kind", "fidelity"}, {"repetitions", 5}};
  const double program_ms[] = {1000, 800, 850}, replay_ms[] = {300, 200, 250};
  const double program_mib[] = {100, 120, 90}, replay_mib[] = {80, 95, 70};
  for (int k = 0; k < 5; ++k) {
    for (std::size_t a = 0; a < kAllocators.size(); ++a) {
      RunResult p;
      p.kind = "program";
      p.trace = "<b>perl</b>";
      p.allocator = kAllocators[a];
      p.repetition = k;
      p.wall_ns = static_cast<std::uint64_t>(program_ms[a] * 1e6 * (1 + 0.01 * k));
      p.peak_rss_bytes = static_cast<std::uint64_t>(program_mib[a] * 1048576 * (1 + 0.01 * k));
      RunResult q = p;
      q.kind = "replay";
      q.trace = "recording:<b>perl</b>";
      q.wall_ns = static_cast<std::uint64_t>(replay_ms[a] * 1e6 * (1 + 0.01 * k));
      q.peak_rss_bytes = static_cast<std::uint64_t>(replay_mib[a] * 1048576 * (1 + 0.01 * k));
      r.runs.push_back(p);
      r.runs.push_back(q);
    }
  }
  FidelitySubject s;
  s.name = s.reference_trace = "<b>perl</b>";
  s.reference_kind = "program";
  s.standin_trace = "recording:<b>perl</b>";
  s.standin_kind = "recording";
  s.recorded_events = 1000;
  s.recorded_peak_live_bytes = 1u << 20;
  r.fidelity = compute_fidelity(r, {s});
  TempDir dir;
  const std::string json = dir.write("f.json", report_to_json(r).dump());
  auto res = run_cli({"report", json, "--html", dir.file("f.html")});
  ASSERT_EQ(res.status, 0) << res.err;
  auto [rc, dom] = shell(chromium_command(chromium, dir, "--dump-dom", "file://" + dir.file("f.html")));
  ASSERT_EQ(rc, 0) << test::read_file(dir.file("chromium.err"));
  EXPECT_NE(dom.find("data-hr-charts=\"done\""), std::string::npos) << "the page did not finish drawing";
  EXPECT_NE(dom.find("fidelity: &lt;b&gt;perl&lt;/b&gt; (replay against the program)"), std::string::npos);
  // 1 MiB recorded against 100 MiB of RSS: the hidden-heap warning is on the page.
  EXPECT_NE(dom.find("does not come from malloc"), std::string::npos);
  const std::string open = "<pre id=\"hr-render-summary\" hidden=\"\">";
  auto begin = dom.find(open);
  ASSERT_NE(begin, std::string::npos);
  begin += open.size();
  nlohmann::json summary = nlohmann::json::parse(html_unescape(dom.substr(begin, dom.find("</pre>", begin) - begin)));
  std::set<std::string> kinds;
  for (const auto& c : summary["charts"]) {
    if (c["trace"] != "<b>perl</b>" || c["kind"].get<std::string>().rfind("fidelity_", 0) != 0) continue;
    kinds.insert(c["kind"].get<std::string>());
    EXPECT_EQ(c["expected_allocators"], nlohmann::json(kAllocators)) << c.dump();
    EXPECT_EQ(c["allocators_with_data"], nlohmann::json(kAllocators)) << c.dump();
    EXPECT_GT(c["painted_pixels"].get<long>(), 5000) << c.dump();
    ASSERT_EQ(c["datasets"].size(), 2u) << c.dump();
    for (const auto& d : c["datasets"]) EXPECT_EQ(d["points"], 3) << c.dump();
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"fidelity_time", "fidelity_memory"})) << summary.dump(1);
}

}  // namespace
}  // namespace heapreplay
