// /proc/self/status parsing (see proc_memory.h).
#include "harness/measure/proc_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace heapreplay {

ProcMemory read_proc_memory() {
  ProcMemory m;
  // Plain read(2) into a stack buffer: no allocation, so the measurement does
  // not disturb the allocator being measured.
  int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return m;
  char buf[8192];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return m;
  buf[n] = '\0';
  struct Field {
    const char* key;
    std::uint64_t* out;
  } fields[] = {{"RssAnon:", &m.rss_anon_bytes},
                {"RssFile:", &m.rss_file_bytes},
                {"RssShmem:", &m.rss_shmem_bytes},
                {"VmHWM:", &m.hwm_bytes}};
  for (const Field& f : fields) {
    const char* at = std::strstr(buf, f.key);
    if (at == nullptr) continue;
    *f.out = std::strtoull(at + std::strlen(f.key), nullptr, 10) * 1024;  // values are in kB
  }
  return m;
}

bool reset_peak_rss() {
  int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, "5", 1) == 1;
  ::close(fd);
  return ok;
}

}  // namespace heapreplay
