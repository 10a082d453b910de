// libFuzzer target: the JSON report reader of `heapreplay compare` and
// `heapreplay report` (read_report, reports/report_file.h), then,
// for a report it accepts, what those commands do with it: the table, the
// markdown and HTML pages, the three exports, and compare of the report
// against itself with every rendering of the comparison, and a merge of it
// as a shard's fragment.
#include <nlohmann/json.hpp>

#include "fuzz_support.h"
#include "reports/aggregate.h"
#include "reports/compare.h"
#include "reports/exports/exports.h"
#include "reports/html.h"
#include "reports/markdown.h"
#include "reports/report_file.h"
#include "reports/shard.h"
#include "reports/table.h"

using namespace heapreplay;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::MemFile file(data, size);
  Report r;
  try {
    r = read_report(file.path());
  } catch (const std::runtime_error&) {
    return 0;
  }
  // A report that read_report accepted is well formed: nothing below may throw.
  (void)aggregate_runs(r);
  (void)render_table(r);
  (void)render_markdown(r);
  (void)render_html(r, "/* Chart */");
  for (const ReportExport& e : kReportExports) (void)e.render(r);
  // The JSON the report would be written as reads back.
  try {
    (void)report_from_json(report_to_json(r));
  } catch (const std::exception& e) {
    fuzz::fail(std::string("a report read from JSON does not read back after writing: ") + e.what());
  }
  // A fragment of a sharded run merges, alone or twice over, or is refused
  // with one line (MergeError); nothing else may come out of it.
  try {
    (void)merge_fragments({{"a.json", r}}, MergeOptions{true});
    (void)merge_fragments({{"a.json", r}, {"b.json", r}}, MergeOptions{false});
  } catch (const MergeError&) {
  }
  CompareOptions opt;
  Comparison c;
  try {
    c = compare_reports(r, r, opt);
  } catch (const std::invalid_argument&) {
    return 0;  // no (trace, allocator) in common: an empty report
  }
  (void)render_comparison_text(c);
  (void)render_comparison_markdown(c);
  (void)comparison_to_json(c).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
