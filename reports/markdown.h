// The markdown summary of a report: compact enough for a CI job summary
// ($GITHUB_STEP_SUMMARY), one table row per (trace, allocator). Every text
// that comes from the report (trace and allocator names, the command line,
// failure messages) is escaped, so a name such as `<img src=x>` or `a|b`
// renders as itself and cannot break the table.
#pragma once

#include <string>
#include <string_view>

#include "reports/run_result.h"

namespace heapreplay {

std::string render_markdown(const Report& report);

// Escapes text for a GitHub-flavoured markdown table cell or paragraph:
// HTML-significant characters become entities (&lt; &gt; &amp; &quot;),
// markdown punctuation (\ ` * _ [ ] | # ~ ! etc.) gets a backslash, and a
// line break becomes a space.
std::string markdown_escape(std::string_view text);

}  // namespace heapreplay
