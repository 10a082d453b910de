// malloc-lab .rep reader. The drivers read these files with fscanf, so the
// reader copies fscanf's tolerance where real files depend on it (CR, trailing
// spaces, extra lines, alaska's missing sizes) and rejects everything else
// with the line it met it on.
#include "traces/readers/rep_reader.h"

#include <algorithm>
#include <charconv>

#include "traces/readers/text_scan.h"
#include "traces/trace_builder.h"
#include "traces/trace_error.h"

namespace heapreplay {
namespace {

// The shape nearly every op line has: "a 12 345", "r 3 40", "f 7", or an
// a/r with no size ("a 7", alaska's), single spaces, nothing more. Parsed
// without the field splitter; anything else (blank lines, tabs, "f -1",
// errors) returns false and takes the general path, which also writes the
// messages. has_size is false for an a/r without a size.
bool parse_plain_op(std::string_view line, char& op, std::uint64_t& id, std::uint64_t& size, bool& has_size) {
  const char* p = line.data();
  const char* end = p + line.size();
  if (line.size() < 3 || p[1] != ' ') return false;
  op = p[0];
  if (op != 'a' && op != 'r' && op != 'f') return false;
  auto [q, ec] = std::from_chars(p + 2, end, id);
  if (ec != std::errc()) return false;
  has_size = q != end;
  if (op == 'f' || !has_size) return q == end;
  if (*q != ' ') return false;
  auto [r, ec2] = std::from_chars(q + 1, end, size);
  return ec2 == std::errc() && r == end;
}

}  // namespace

Trace read_rep(std::string_view text, const std::string& path) { return read_rep(text, path, nullptr); }

bool sniff_rep(const SniffHead& head) {
  std::string_view rest = head.from_line;
  auto next_token = [&rest]() {
    std::size_t i = 0;
    while (i < rest.size() && (scan::is_space(rest[i]) || rest[i] == '\n')) ++i;
    std::size_t j = i;
    while (j < rest.size() && !scan::is_space(rest[j]) && rest[j] != '\n') ++j;
    std::string_view t = rest.substr(i, j - i);
    rest.remove_prefix(j);
    return t;
  };
  for (int i = 0; i < 4; ++i)
    if (!scan::all_digits(next_token(), false)) return false;
  std::string_view op = next_token();
  return op.empty() || op == "a" || op == "r" || op == "f";
}

namespace {

// The header: four numbers separated by any whitespace (fscanf does not see
// line breaks); the ops start on the line after the fourth.
RepHeader read_header(scan::LineScanner& lines, const std::string& path) {
  std::string_view line;
  std::uint64_t h[4] = {};
  int have = 0;
  while (have < 4 && lines.next(line)) {
    scan::Fields f(line);
    for (std::string_view tok = f.next(); !tok.empty(); tok = f.next()) {
      if (have == 4)
        throw TraceError(path, lines.line_number(), "unexpected " + scan::quote(tok) + " after the header");
      scan::Num st = scan::parse_u64(tok, h[have]);
      if (st != scan::Num::kOk)
        throw TraceError(path, lines.line_number(),
                         scan::bad_number("header number " + std::to_string(have + 1) + " of 4", tok, st));
      ++have;
    }
  }
  if (have < 4) throw TraceError(path, 0, "the header has " + std::to_string(have) + " of its 4 numbers");
  RepHeader header;
  header.classic = h[0] > 3;
  header.weight = header.classic ? h[3] : h[0];
  header.num_ids = h[1];
  header.num_ops = h[2];
  header.suggested_heap_bytes = header.classic ? h[0] : 0;
  header.cmu_line4 = header.classic ? 0 : h[3];
  return header;
}

// The op lines into the builder, with the size an a/r without one repeats.
struct RepOps {
  TraceBuilder& b;
  const RepHeader& header;
  const std::string& path;
  std::uint64_t last_size = 0;
  bool have_size = false;  // whether an earlier a/r gave a size for a missing one to repeat

  void allocate(char op, std::uint64_t id, std::uint64_t size) {
    if (op == 'a')
      b.malloc(id, size);
    else
      b.realloc(id, id, size);  // an id never allocated: realloc(NULL, size), counted by the builder
  }

  // The shape nearly every line has, without the field splitter; false
  // when the line needs the general path.
  bool fast(std::string_view line) {
    char op;
    std::uint64_t id, size;
    bool has_size;
    if (!parse_plain_op(line, op, id, size, has_size) || id >= header.num_ids || !(op == 'f' || has_size || have_size))
      return false;
    if (op == 'f') {
      b.free(id);
      return true;
    }
    if (has_size) {
      last_size = size;
      have_size = true;
    } else {
      size = last_size;  // see general()
      ++b.import_stats().missing_size;
    }
    allocate(op, id, size);
    return true;
  }

  // Any other line, with the messages: true when it was an op (false: a
  // blank line). Throws TraceError naming line `ln`.
  bool general(std::string_view line, std::uint64_t ln) {
    scan::Fields f(line);
    std::string_view op = f.next();
    if (op.empty()) return false;
    if (op.size() != 1 || (op[0] != 'a' && op[0] != 'r' && op[0] != 'f'))
      throw TraceError(path, ln, "unknown op " + scan::quote(op) + " (expected a, r or f)");
    std::string_view id_tok = f.next();
    if (op[0] == 'f' && id_tok == "-1") {
      if (!f.at_end()) throw TraceError(path, ln, "unexpected " + scan::quote(f.next()) + " after 'f -1'");
      b.free_null();
      return true;
    }
    std::uint64_t id = 0;
    scan::Num st = scan::parse_u64(id_tok, id);
    if (st != scan::Num::kOk)
      throw TraceError(path, ln, scan::bad_number("an id after '" + std::string(op) + "'", id_tok, st));
    if (id >= header.num_ids)
      throw TraceError(
          path, ln, "id " + std::to_string(id) + " out of range (num_ids is " + std::to_string(header.num_ids) + ")");
    // Built only for a message: the loop itself must not allocate.
    auto op_id = [&] { return std::string(op) + " " + std::string(id_tok); };
    if (op[0] == 'f') {
      if (!f.at_end()) throw TraceError(path, ln, "unexpected " + scan::quote(f.next()) + " after '" + op_id() + "'");
      b.free(id);
      return true;
    }
    std::string_view size_tok = f.next();
    std::uint64_t size = 0;
    if (size_tok.empty()) {
      // fscanf("%u %u") fails on the size and leaves the driver's size
      // variable as the previous op set it; alaska.rep relies on that.
      if (!have_size) throw TraceError(path, ln, "expected a size after '" + op_id() + "'");
      size = last_size;
      ++b.import_stats().missing_size;
    } else {
      st = scan::parse_u64(size_tok, size);
      if (st != scan::Num::kOk)
        throw TraceError(path, ln, scan::bad_number("a size after '" + op_id() + "'", size_tok, st));
      if (!f.at_end())
        throw TraceError(
            path, ln, "unexpected " + scan::quote(f.next()) + " after '" + op_id() + " " + std::string(size_tok) + "'");
      last_size = size;
      have_size = true;
    }
    allocate(op[0], id, size);
    return true;
  }
};

}  // namespace

Trace read_rep(std::string_view text, const std::string& path, RepHeader* header_out) {
  scan::LineScanner lines(text);
  const RepHeader header = read_header(lines, path);
  if (header_out) *header_out = header;
  TraceBuilder b("rep", ReusePolicy::kLeakOld);
  // An op line takes at least 4 bytes ("f 1\n"): a header claiming more ops
  // than that cannot make the reader reserve more than the input justifies.
  b.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(header.num_ops, text.size() / 4)));
  RepOps reader{b, header, path};
  std::uint64_t ops = 0;
  std::string_view line;
  while (ops < header.num_ops && lines.next(line))
    if (reader.fast(line) || reader.general(line, lines.line_number())) ++ops;
  if (ops < header.num_ops)
    throw TraceError(path, 0, "expected " + std::to_string(header.num_ops) + " ops, found " + std::to_string(ops));
  b.import_stats().ignored_lines = lines.skip_rest();
  b.import_stats().source_lines = lines.line_number();
  return b.finish();
}

}  // namespace heapreplay
