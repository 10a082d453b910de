// Text from trace file names, allocator specs and the command line, written
// by a real replay, rendered by `report --html/--markdown` and `compare
// --markdown`: it must come out as text. The HTML is checked by splitting it
// into its script elements (nothing of the report may appear outside the
// JSON data block, and nothing inside may close it); the markdown by looking
// for raw tags and counting table cells.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/cli_runner.h"

namespace heapreplay {
namespace {

using test::run_cli;
using test::TempDir;

const char* kRep = "0\n2\n2\n0\na 0 100\na 1 5000\nf 0\nf 1\n";
const std::string kImg = "<img src=x onerror=alert(1)>.rep";
const std::string kScriptFile = "script><img src=z onerror=alert(3)>.rep";  // in a folder named "<"
const std::string kLib = "<b>|`x`*_[y](javascript;alert(4)).so";            // not a library: its run fails

struct Rendered {
  TempDir dir;
  std::string img_trace, script_trace, lib, report;
  Rendered() {
    img_trace = dir.write(kImg, kRep);
    std::filesystem::create_directory(dir.file("<"));
    script_trace = dir.write("</" + kScriptFile, kRep);
    lib = dir.write(kLib, "not an ELF file\n");
    report = dir.file("r.json");
  }
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The HTML without its script elements (tags and contents), and their contents.
void split_scripts(const std::string& html, std::string& outside, std::vector<std::string>& inside) {
  std::string l = lower(html);
  std::size_t pos = 0;
  for (;;) {
    std::size_t open = l.find("<script", pos);
    if (open == std::string::npos) break;
    std::size_t body = l.find('>', open) + 1;
    std::size_t close = l.find("</script", body);
    ASSERT_NE(close, std::string::npos);
    outside += html.substr(pos, open - pos);
    inside.push_back(html.substr(body, close - body));
    pos = l.find('>', close) + 1;
  }
  outside += html.substr(pos);
}

void expect_no_markup(const std::string& text, const std::string& what) {
  for (const char* tag : {"<img", "<b>", "<script", "</script"})
    EXPECT_EQ(lower(text).find(tag), std::string::npos) << what << " holds raw " << tag << ":\n" << text;
}

// Every markdown table row has as many unescaped `|` as its header.
void expect_tables_intact(const std::string& md) {
  std::istringstream in(md);
  std::size_t header = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '|') {
      header = 0;
      continue;
    }
    std::size_t cells = 0;
    for (std::size_t i = 0; i < line.size(); ++i)
      if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++cells;
    if (header == 0) header = cells;
    EXPECT_EQ(cells, header) << line;
  }
}

TEST(Escaping, NamesAndCommandLinesRenderAsTextInHtmlAndMarkdown) {
  Rendered t;
#ifdef HEAPREPLAY_SANITIZED
  // No preload in sanitizer builds: the names come from the files and the
  // command line only.
  const bool with_preload = false;
  auto r = run_cli({"replay", "-a", "segfit", "-r", "2", "-o", t.report, t.img_trace, t.script_trace});
  ASSERT_EQ(r.status, 0) << r.err;
#else
  const bool with_preload = true;
  auto r = run_cli(
      {"replay", "-a", "segfit", "-a", "preload:" + t.lib, "-r", "2", "-o", t.report, t.img_trace, t.script_trace});
  ASSERT_EQ(r.status, 1) << r.err;  // the preload of a file that is no library fails, and says so
  auto j = nlohmann::json::parse(test::read_file(t.report));
  EXPECT_EQ(j["runs"][1]["status"], "failed");
  EXPECT_NE(j["runs"][1]["status_detail"].get<std::string>().find(kLib), std::string::npos);
#endif

  std::string chart = t.dir.write("chart.js", "var Chart = function () {};\n");
  auto rep = run_cli(
      {"report", t.report, "--html", t.dir.file("r.html"), "--chartjs", chart, "--markdown", t.dir.file("r.md")});
  ASSERT_EQ(rep.status, 0) << rep.err;

  std::string html = test::read_file(t.dir.file("r.html")), outside;
  std::vector<std::string> scripts;
  split_scripts(html, outside, scripts);
  ASSERT_EQ(scripts.size(), 3u) << "the data, Chart.js and the page's own script";
  expect_no_markup(outside, "the HTML outside its scripts");
  EXPECT_EQ(outside.find("onerror"), std::string::npos);
  // The data block holds no '<' at all, so it cannot close its element or
  // open a comment, and it parses back to the very names.
  EXPECT_EQ(scripts[0].find('<'), std::string::npos);
  auto data = nlohmann::json::parse(scripts[0]);
  std::string dumped = data.dump();
  for (const std::string& s : {kImg, std::string("</") + kScriptFile})
    EXPECT_NE(dumped.find(nlohmann::json(s).dump().substr(1, s.size())), std::string::npos) << s;
  if (with_preload) {
    EXPECT_NE(dumped.find(nlohmann::json(kLib).dump().substr(1, kLib.size())), std::string::npos);
  }
  for (std::size_t k = 1; k < scripts.size(); ++k) EXPECT_EQ(scripts[k].find("onerror"), std::string::npos);

  std::string md = test::read_file(t.dir.file("r.md"));
  expect_no_markup(md, "the markdown summary");
  expect_tables_intact(md);
  EXPECT_NE(md.find("&lt;img src=x onerror=alert(1)&gt;.rep"), std::string::npos) << md;
  if (with_preload) {
    EXPECT_NE(md.find("&lt;b&gt;\\|\\`x\\`\\*\\_\\[y\\](javascript;alert(4)).so"), std::string::npos) << md;
  }

  auto cmp = run_cli({"compare", t.report, t.report, "--markdown", t.dir.file("c.md")});
  ASSERT_NE(cmp.status, 2) << cmp.err;
  std::string cmd = test::read_file(t.dir.file("c.md"));
  ASSERT_FALSE(cmd.empty());
  expect_no_markup(cmd, "compare's markdown");
  expect_tables_intact(cmd);
  EXPECT_NE(cmd.find("&lt;img src=x onerror=alert(1)&gt;.rep"), std::string::npos) << cmd;
}

TEST(Escaping, APreloadPathLdPreloadWouldSplitIsRefused) {
#ifdef HEAPREPLAY_SANITIZED
  GTEST_SKIP() << "sanitizer builds have no preload allocator";
#endif
  TempDir dir;
  std::string lib = dir.write("a b.so", "x");
  auto r = run_cli({"replay", "-a", "preload:" + lib, dir.write("t.rep", kRep)});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("holds a space or a colon"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace heapreplay
