// The one place reports are written to disk: atomically (temporary file in
// the same folder, fsync, rename), so a reader never sees a half-written file
// and a failed write leaves nothing behind.
#pragma once

#include <string>
#include <string_view>

namespace heapreplay {

// Throws std::runtime_error("PATH: cannot write: <reason>") on any failure
// (missing folder, no permission, full disk); the target is then untouched.
void write_file_atomically(const std::string& path, std::string_view content);

// Reads a whole file; throws std::runtime_error("PATH: cannot read: ...").
std::string read_whole_file(const std::string& path);

}  // namespace heapreplay
