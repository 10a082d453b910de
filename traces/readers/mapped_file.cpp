// Whole-file input for the text readers: mmap, or one read loop for files
// that cannot be mapped.
#include "traces/readers/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "traces/trace_error.h"

namespace heapreplay {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Closes the descriptor on every path out of the constructor.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

MappedFile::MappedFile(const std::string& path) : path_(path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw TraceError(path, 0, "cannot open: " + errno_text(errno));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw TraceError(path, 0, "cannot stat: " + errno_text(errno));
  if (S_ISDIR(st.st_mode)) throw TraceError(path, 0, "cannot read: " + errno_text(EISDIR));
  // Size 0 may still have contents (/proc files): those are read below.
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    void* m = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, f.fd, 0);
    if (m != MAP_FAILED) {
      map_ = m;
      map_bytes_ = static_cast<std::size_t>(st.st_size);
      ::madvise(map_, map_bytes_, MADV_SEQUENTIAL);
      text_ = std::string_view(static_cast<const char*>(map_), map_bytes_);
      return;
    }
  }
  // Not mappable (a pipe, a character device, or mmap refused): read it all.
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw TraceError(path, 0, "cannot read: " + errno_text(errno));
    }
    copy_.append(buf, static_cast<std::size_t>(n));
  }
  text_ = copy_;
}

MappedFile::~MappedFile() {
  if (map_) ::munmap(map_, map_bytes_);
}

}  // namespace heapreplay
