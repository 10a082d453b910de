// Loading and preparing traces for replay (see trace_source.h).
#include "traces/trace_source.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "traces/hrt_format.h"
#include "traces/hrt_stream.h"
#include "traces/readers/compressed.h"
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
  // The head as the readers will see it: decompressed when the file is zstd
  // or gzip (traces/readers/compressed.h).
  Compression compression = Compression::kNone;
  const std::string head = read_text_head(path, 8192, &compression);
  const TraceFormat f = detect_format(head, path);
  if (f == TraceFormat::kHrt && compression != Compression::kNone)
    throw TraceError(path, 0,
                     std::string("is a ") + compression_name(compression) +
                         "-compressed .hrt trace: decompress it first (.hrt files are read in place)");
  return f;
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
  // Checked whole (the payload checksum and every event, or every chunk)
  // and summed here, once, before any child reads it, a window at a time so
  // that a trace of any length takes the same memory. Children read the
  // file in place, compact or plain: they decode into mapped buffers of
  // their own, never through the allocator under test (hrt_stream.h).
  HrtEventStream stream(path);
  stream.verify_payload();
  std::vector<std::uint64_t> scratch(2 * std::size_t{stream.header().object_count}, 0);
  TraceSummarizer sum(scratch.data());
  while (stream.next()) sum.add(stream.window().events);
  HrtSource src = stream.source();
  PreparedTrace p;
  p.label = path;
  p.hrt_path = path;
  p.format = src.format;
  p.threads = stream.header().thread_count;
  p.objects = stream.header().object_count;
  p.summary = sum.summary();
  p.import = src.import;
  return p;
}

}  // namespace heapreplay
