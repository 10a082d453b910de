// Loading and preparing traces for replay (see trace_source.h).
#include "traces/trace_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "traces/hrt_format.h"
#include "traces/readers/import.h"
#include "traces/readers/trace_format.h"
#include "traces/trace_error.h"

namespace heapreplay {

namespace {

TraceFormat resolve_format(const std::string& path, const std::string& format) {
  if (!format.empty()) {
    auto f = format_from_name(format);
    if (!f) throw TraceError(path, 0, "unknown trace format '" + format + "' (known: " + format_names() + ")");
    return *f;
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw TraceError(path, 0, std::string("cannot open: ") + std::strerror(errno));
  std::string head(8192, '\0');
  ssize_t n = ::read(fd, head.data(), head.size());
  ::close(fd);
  if (n < 0) throw TraceError(path, 0, std::string("cannot read: ") + std::strerror(errno));
  head.resize(static_cast<std::size_t>(n));
  return detect_format(head, path);
}

}  // namespace

std::string trace_format_of(const std::string& path, const std::string& format) {
  return format_name(resolve_format(path, format));
}

Trace load_trace(const std::string& path, const std::string& format) {
  TraceFormat f = resolve_format(path, format);
  if (f == TraceFormat::kHrt) return read_hrt(path);
  return import_trace(path, f);
}

TraceWorkspace::TraceWorkspace() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/heapreplay-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error(tmpl + ": cannot create a temporary folder: " + std::strerror(errno));
  dir_ = tmpl;
}

TraceWorkspace::~TraceWorkspace() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

PreparedTrace TraceWorkspace::add(const Trace& trace, const std::string& label) {
  PreparedTrace p;
  p.label = label;
  p.format = trace.format;
  p.threads = trace.thread_count;
  p.objects = trace.object_count;
  p.summary = summarize(trace.view());
  p.import = trace.import;
  p.hrt_path = dir_ + "/" + std::to_string(++counter_) + ".hrt";
  write_hrt(trace, p.hrt_path);
  return p;
}

PreparedTrace TraceWorkspace::prepare(const std::string& path, const std::string& format) {
  TraceFormat f = resolve_format(path, format);
  if (f != TraceFormat::kHrt) return add(import_trace(path, f), path);
  HrtFile file(path, false);  // validates the whole file before any child maps it
  // A compact file is decoded here, once, and the children map a plain copy.
  // A child that decoded it would allocate and free its buffers through the
  // allocator under test before the replay, and change it: glibc raises its
  // mmap and trim thresholds when it frees a large block, which made git's
  // recording replay 7 times faster under glibc from a compact file than
  // from a plain one.
  if (file.compact()) {
    Trace t = read_hrt(path);
    return add(t, path);
  }
  HrtSource src = file.source();
  PreparedTrace p;
  p.label = path;
  p.hrt_path = path;
  p.format = src.format;
  p.threads = file.view().thread_count;
  p.objects = file.view().object_count;
  p.summary = summarize(file.view());
  p.import = src.import;
  return p;
}

}  // namespace heapreplay
