// The one place reports are written to disk: atomically (temporary file in
// the same folder, fsync, rename), so a reader never sees a half-written file
// and a failed write leaves nothing behind.
#pragma once

#include <string>
#include <string_view>

namespace heapreplay {

// How an output path is written. kInPlace: a path under /dev/ or /proc/
// (/dev/stdout, /dev/full, /proc/self/fd/N: followed, as the user named it)
// or a FIFO, socket or device node elsewhere; written directly. kReplace: no
// such file, a regular file, or a link: a temporary file in the same folder
// is renamed over it, so a planted link is replaced, never followed.
// kFolder: an error.
enum class OutputKind { kReplace, kInPlace, kFolder };
OutputKind output_kind(const std::string& path);

// Throws std::runtime_error("PATH: cannot write: <reason>") on any failure
// (missing folder, no permission, full disk); the target is then untouched.
void write_file_atomically(const std::string& path, std::string_view content);

// Reads a whole file; throws std::runtime_error("PATH: cannot read: ...").
std::string read_whole_file(const std::string& path);

}  // namespace heapreplay
