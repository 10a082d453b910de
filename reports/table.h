// Text renderings of a report for a terminal: one row per (trace, allocator),
// medians over repetitions.
#pragma once

#include <string>

#include "reports/run_result.h"
#include "reports/stats.h"

namespace heapreplay {

// Columns: trace, allocator, ok runs / all, ns/event (median), its CI width
// (only when some (trace, allocator) ran more than once), Mevents/s, peak RSS,
// peak live, failed allocations; a group with no ok run shows its first
// failure instead. Program runs (`heapreplay run`) get a table of their own
// below: program, allocator, runs, wall, its CI width, user, sys, peak RSS,
// minor and major faults, status (ok, or the first failure).
std::string render_table(const Report& report);

// Width of the median's confidence interval, "0.42"; followed by its real
// coverage, "0.42 (75%)", when fewer than 6 values cannot reach 95%; "-" for
// fewer than 2 values.
std::string ci_width(const Summary& s);

// "0.52 ms" below a second, "1.234 s" from there on.
std::string human_duration(double ns);

// "12.3 MiB" style.
std::string human_bytes(double bytes);

// A name from a report as a terminal should see it: control characters
// (escape sequences, newlines, carriage returns) as \xNN, so that a trace's
// file name cannot move the cursor, recolour the screen or forge rows.
std::string printable(const std::string& s);

}  // namespace heapreplay
