// Atomic file output (see output_file.h).
#include "reports/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace heapreplay {

namespace {

[[noreturn]] void fail(const std::string& path, const char* what, int err) {
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(err));
}

// Writes everything or returns the errno of the failure (0 on success).
int write_all(int fd, std::string_view content) {
  std::size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return ENOSPC;
    off += static_cast<std::size_t>(n);
  }
  return 0;
}

}  // namespace

OutputKind output_kind(const std::string& path) {
  if (path.rfind("/proc/", 0) == 0) return OutputKind::kInPlace;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return OutputKind::kReplace;
  if (S_ISDIR(st.st_mode)) return OutputKind::kFolder;
  if (S_ISLNK(st.st_mode)) {
    const bool system_link =
        (path.rfind("/dev/", 0) == 0 && path.find('/', 5) == std::string::npos) || path.rfind("/dev/fd/", 0) == 0;
    return system_link ? OutputKind::kInPlace : OutputKind::kReplace;
  }
  return OutputKind::kInPlace;
}

void write_file_atomically(const std::string& path, std::string_view content) {
  if (path == "-") {
    if (int err = write_all(STDOUT_FILENO, content)) fail("standard output", "cannot write", err);
    return;
  }
  // Where the path names a device or a pipe (/dev/stdout, /dev/full, a FIFO),
  // write to it directly and report what it says: renaming over it would
  // replace the device node or /dev's link. Anything else, a link planted at
  // the path included, is replaced by a complete temporary file: a link there
  // is never followed (a link to a device outside /dev and /proc neither).
  switch (output_kind(path)) {
    case OutputKind::kFolder: fail(path, "cannot write", EISDIR);
    case OutputKind::kInPlace: {
      int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
      if (fd < 0) fail(path, "cannot open", errno);
      int err = write_all(fd, content);
      if (::close(fd) != 0 && err == 0) err = errno;
      if (err) fail(path, "cannot write", err);
      return;
    }
    case OutputKind::kReplace: break;
  }
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  std::string tmp = dir + "/.heapreplay-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) fail(path, "cannot create", errno);
  int err = write_all(fd, content);
  if (err == 0 && (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0)) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    fail(path, "cannot write", err);
  }
}

std::string read_whole_file(const std::string& path, std::uint64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, "cannot read", errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    fail(path, "cannot read", err);
  }
  // A device (/dev/zero, /dev/urandom) would be read for ever; a pipe is
  // fine, read up to the limit.
  if (S_ISDIR(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    ::close(fd);
    if (S_ISDIR(st.st_mode)) fail(path, "cannot read", EISDIR);
    throw std::runtime_error(path + ": cannot read: not a file (a device)");
  }
  auto too_big = [&] {
    ::close(fd);
    throw std::runtime_error(path + ": cannot read: larger than " + std::to_string(max_bytes >> 20) +
                             " MiB, more than any file heapreplay reads here");
  };
  if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > max_bytes) too_big();
  std::string out;
  if (S_ISREG(st.st_mode)) out.reserve(static_cast<std::size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      fail(path, "cannot read", err);
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) too_big();
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace heapreplay
