// The HTML report: one self-contained file that opens offline, with Chart.js
// bundled in and the report's data embedded as JSON. Charts per trace:
// ns/event per allocator (median and 95% CI), footprint and RSS over time per
// allocator (from the runs' memory samples), latency percentiles per
// operation, fragmentation ratios. Per program (runs of `heapreplay run`): a
// table, wall time per allocator (median and 95% CI), peak RSS per allocator. Report text reaches the page only as JSON
// inside <script type="application/json"> (with <, > and & escaped as \u003c
// ...) and is put into the DOM with textContent, never as markup.
//
// Once every chart has drawn, the page writes a JSON summary of what each
// chart drew (datasets, points, painted pixels, allocators with data) into
// <pre id="hr-render-summary">, and sets data-hr-charts="done" on <html>;
// the headless-browser test reads both (SCHEMA.md, "HTML report").
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "reports/run_result.h"

namespace heapreplay {

// `chartjs_source`: the text of Chart.js 3.x's UMD build (chart.min.js), as
// the caller read it. Never throws for a well-formed Report.
std::string render_html(const Report& report, std::string_view chartjs_source);

// The data the page draws from (also what the tests check against).
nlohmann::json html_page_data(const Report& report);

// JSON text safe inside a <script> element: '<', '>' and '&' become \u003c,
// \u003e, \u0026 (JSON.parse reads them back), invalid UTF-8 is replaced.
std::string json_for_script(const nlohmann::json& j);

}  // namespace heapreplay
