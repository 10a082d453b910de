// Writes a trace as heapreplay-text (the inverse of read_text), so any trace,
// an .hrt included, can be read, edited and diffed as text.
#pragma once

#include <string>

#include "traces/trace.h"

namespace heapreplay {

// Appends the text form of view to out. Object names are the slot ids,
// threads their dense indexes (written only when there are several),
// timestamps written when the view has them. read_text of the result gives
// back the same events for any trace a TraceBuilder made. Two things the
// text cannot carry are written in an equivalent form: an overflowed calloc
// as `calloc <id> 2 9223372036854775808`, and an alignment that is not a
// power of two as 3. Precondition: ids < view.object_count or kNoObject.
void write_text(const TraceView& view, std::string& out);

}  // namespace heapreplay
