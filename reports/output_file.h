// The one place reports are written to disk: atomically (temporary file in
// the same folder, fsync, rename), so a reader never sees a half-written file
// and a failed write leaves nothing behind.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace heapreplay {

// How an output path is written. kInPlace: a device node, FIFO or socket
// (/dev/full, /dev/null), a path under /proc/ (/proc/self/fd/N), or one of
// the links the system keeps in /dev itself and /dev/fd (/dev/stdout,
// /dev/fd/1): written directly, the link followed as the user named it.
// kReplace: no such file, a regular file, or any other link (one planted in
// /tmp or /dev/shm included): a temporary file in the same folder is renamed
// over it, so a planted link is replaced, never followed. kFolder: an error.
// traces/hrt_format.cpp applies the same rule to .hrt files.
enum class OutputKind { kReplace, kInPlace, kFolder };
OutputKind output_kind(const std::string& path);

// Throws std::runtime_error("PATH: cannot write: <reason>") on any failure
// (missing folder, no permission, full disk); the target is then untouched.
void write_file_atomically(const std::string& path, std::string_view content);

// The most read_whole_file() reads unless told otherwise: more than any
// report or script heapreplay writes or reads, and a bound on what a crafted
// or mistaken input (a huge file, a pipe that never ends) can make it hold.
inline constexpr std::uint64_t kMaxInputBytes = std::uint64_t{256} << 20;

// Reads a whole file or pipe of at most `max_bytes`; throws
// std::runtime_error("PATH: cannot read: ...") for a missing file, a folder,
// a device (/dev/zero would never end) or anything larger.
std::string read_whole_file(const std::string& path, std::uint64_t max_bytes = kMaxInputBytes);

}  // namespace heapreplay
