// The VMA homework's command language on the vmarena engine (see vma_interpreter.h).
#include "harness/shell/vma_interpreter.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace heapreplay::shell {

namespace {

// READ output moves through a buffer of this size, so a READ of a huge block
// needs no huge buffer.
constexpr std::uint64_t kReadPieceBytes = 64 * 1024;
// No command or 64-bit number is longer; a longer token is kept as this many
// bytes plus a byte that matches nothing, so it still counts as one token.
constexpr std::size_t kMaxTokenBytes = 256;
// An MPROTECT line longer than this cannot be a permission list.
constexpr std::size_t kMaxMprotectLineBytes = 4096;
// The WRITE data buffer is kept between commands unless it grew past this.
constexpr std::size_t kKeepPayloadBytes = std::size_t{16} << 20;

bool is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

}  // namespace

VmaInterpreter::VmaInterpreter(ByteReader& in, std::ostream& out, bool sparse_arenas)
    : in_(in), out_(out), vma_([sparse_arenas] {
        VmarenaConfig c;
        c.arena_bytes = 0;  // no arena until ALLOC_ARENA
        c.sparse = sparse_arenas;
        return c;
      }()) {}

VmaInterpreter::Command VmaInterpreter::command_of(const std::string& t) {
  if (t == "ALLOC_BLOCK") return Command::kAllocBlock;
  if (t == "FREE_BLOCK") return Command::kFreeBlock;
  if (t == "READ") return Command::kRead;
  if (t == "WRITE") return Command::kWrite;
  if (t == "PMAP") return Command::kPmap;
  if (t == "MPROTECT") return Command::kMprotect;
  if (t == "ALLOC_ARENA") return Command::kAllocArena;
  if (t == "DEALLOC_ARENA") return Command::kDeallocArena;
  return Command::kUnknown;
}

std::optional<std::uint64_t> VmaInterpreter::parse_number(const std::string& t) {
  if (t.empty() || !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size()) return std::nullopt;  // above 2^64 - 1
  return v;
}

std::optional<std::uint8_t> VmaInterpreter::parse_permissions(const std::string& text) {
  std::uint8_t perm = 0;
  bool want_word = true;
  std::size_t i = 0;
  for (;;) {
    while (i < text.size() && is_space(static_cast<unsigned char>(text[i]))) ++i;
    if (i == text.size()) break;
    if (!want_word) {
      if (text[i] != '|') return std::nullopt;
      ++i;
      want_word = true;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && text[j] != '|' && !is_space(static_cast<unsigned char>(text[j]))) ++j;
    const std::string_view word(text.data() + i, j - i);
    if (word == "PROT_NONE") {
    } else if (word == "PROT_READ") {
      perm |= Vmarena::kPermRead;
    } else if (word == "PROT_WRITE") {
      perm |= Vmarena::kPermWrite;
    } else if (word == "PROT_EXEC") {
      perm |= Vmarena::kPermExec;
    } else {
      return std::nullopt;
    }
    want_word = false;
    i = j;
  }
  if (want_word) return std::nullopt;  // nothing at all, or a trailing '|'
  return perm;
}

bool VmaInterpreter::next_token(std::string& token) {
  if (pending_) {
    token = std::move(*pending_);
    pending_.reset();
    return true;
  }
  int c;
  do {
    c = in_.get();
  } while (c != -1 && is_space(c));
  if (c == -1) return false;
  token.clear();
  bool too_long = false;
  for (;;) {
    if (token.size() < kMaxTokenBytes) {
      token.push_back(static_cast<char>(c));
    } else {
      too_long = true;
    }
    c = in_.peek();  // the byte that ends the token stays: WRITE's separator
    if (c == -1 || is_space(c)) break;
    in_.get();
  }
  if (too_long) token.push_back('\0');
  return true;
}

void VmaInterpreter::invalid(int times) {
  for (int i = 0; i < times; ++i) out_ << kInvalidCommand << '\n';
}

void VmaInterpreter::message(VmaStatus s) {
  if (s != VmaStatus::kOk) out_ << vma_message(s) << '\n';
}

// Reads `count` numbers. When one is missing or not a number, the command and
// the numbers before it are each an invalid token, and the bad token is read
// again as a command.
bool VmaInterpreter::number_args(int count, std::uint64_t* values) {
  for (int i = 0; i < count; ++i) {
    if (!next_token(token_)) {
      invalid(1 + i);
      return false;
    }
    const auto v = parse_number(token_);
    if (!v) {
      invalid(1 + i);
      pending_ = token_;
      return false;
    }
    values[i] = *v;
  }
  return true;
}

void VmaInterpreter::do_read(std::uint64_t address, std::uint64_t n) {
  const VmaAccess a = vma_.check_read(address, n);
  if (a.status != VmaStatus::kOk) return message(a.status);
  if (a.bytes < n) out_ << "Warning: size was bigger than the block size. Reading " << a.bytes << " characters.\n";
  scratch_.resize(static_cast<std::size_t>(std::min(a.bytes, kReadPieceBytes)));
  for (std::uint64_t done = 0; done < a.bytes;) {
    const std::uint64_t piece = std::min(a.bytes - done, kReadPieceBytes);
    vma_.read(address + done, piece, scratch_.data());  // inside the checked range: cannot fail
    const auto* nul = static_cast<const char*>(std::memchr(scratch_.data(), '\0', piece));
    out_.write(scratch_.data(), nul != nullptr ? nul - scratch_.data() : static_cast<std::streamsize>(piece));
    if (nul != nullptr) break;
    done += piece;
  }
  out_ << '\n';
}

void VmaInterpreter::do_write(std::uint64_t address, std::uint64_t n) {
  // Decide first how many of the n bytes will be kept; the rest is only consumed.
  const VmaAccess a = vma_.check_write(address, n);
  const std::uint64_t keep = a.status == VmaStatus::kOk ? a.bytes : 0;
  if (in_.peek() != -1) in_.get();  // the one separator byte after the size
  payload_.clear();
  std::uint64_t got = 0;
  while (got < n) {
    const std::string_view piece = in_.take(n - got);
    if (piece.empty()) break;
    if (got < keep)
      payload_.append(piece.data(), static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), keep - got)));
    got += piece.size();
  }
  if (got < n) {
    invalid();  // the input ended inside the data
  } else if (a.status != VmaStatus::kOk) {
    message(a.status);
  } else {
    if (a.bytes < n) out_ << "Warning: size was bigger than the block size. Writing " << a.bytes << " characters.\n";
    message(vma_.write(address, payload_.data(), keep).status);  // only kOutOfMemory can happen here
  }
  if (payload_.capacity() > kKeepPayloadBytes) std::string().swap(payload_);
}

void VmaInterpreter::do_mprotect(std::uint64_t address) {
  scratch_.clear();
  bool too_long = false;
  for (int c = in_.get(); c != -1 && c != '\n'; c = in_.get()) {
    if (scratch_.size() < kMaxMprotectLineBytes) {
      scratch_.push_back(static_cast<char>(c));
    } else {
      too_long = true;
    }
  }
  if (!vma_.has_arena()) return message(VmaStatus::kNoArena);
  if (!vma_.miniblock(address)) return message(VmaStatus::kInvalidMprotect);
  const auto perm = too_long ? std::nullopt : parse_permissions(scratch_);
  if (!perm) return invalid();
  message(vma_.mprotect(address, *perm));
}

bool VmaInterpreter::run() {
  std::uint64_t arg[2];
  for (;;) {
    mid_command_ = false;
    if (!next_token(token_)) return false;
    const Command c = command_of(token_);
    mid_command_ = true;
    switch (c) {
      case Command::kUnknown: invalid(); break;
      case Command::kAllocArena:
        if (number_args(1, arg)) message(vma_.create_arena(arg[0]));
        break;
      case Command::kDeallocArena:
        vma_.dealloc_arena();
        mid_command_ = false;
        return true;
      case Command::kAllocBlock:
        if (number_args(2, arg)) message(vma_.alloc_at(arg[0], arg[1]));
        break;
      case Command::kFreeBlock:
        if (number_args(1, arg)) message(vma_.free_at(arg[0]));
        break;
      case Command::kRead:
        if (number_args(2, arg)) do_read(arg[0], arg[1]);
        break;
      case Command::kWrite:
        if (number_args(2, arg)) do_write(arg[0], arg[1]);
        break;
      case Command::kPmap:
        if (vma_.has_arena()) {
          vma_.pmap(out_);
        } else {
          message(VmaStatus::kNoArena);
        }
        break;
      case Command::kMprotect:
        if (number_args(1, arg)) do_mprotect(arg[0]);
        break;
    }
  }
}

}  // namespace heapreplay::shell
