// VmaInterpreter: the command language of the Virtual Memory Allocator
// homework (seed 004; data README section 5), byte for byte, on the vmarena
// engine. `heapreplay shell --vma` is this class reading stdin or a script.
//
// The language, as its tests pin it down:
//   - Input is a stream of whitespace-separated tokens (space, \t, \n, \v,
//     \f, \r). Commands are case-sensitive: ALLOC_ARENA n, DEALLOC_ARENA,
//     ALLOC_BLOCK a n, FREE_BLOCK a, READ a n, WRITE a n <data>, PMAP,
//     MPROTECT a PERM [| PERM ...]. Numbers are unsigned decimal, 64-bit.
//   - Every token that is not part of a well-formed command prints one
//     "Invalid command. Please try again.": an unknown word, and also a
//     command and the arguments read so far when the next argument is not a
//     number (the token that broke it is then read again as a command, so
//     `ALLOC_BLOCK 5 PMAP` gives two such lines and then the PMAP).
//   - WRITE: after the size token exactly one separator byte is skipped, and
//     then exactly n raw bytes are the data, newlines included; they are
//     never parsed as commands and are consumed even when the WRITE fails.
//     If the input ends before n bytes, the WRITE is incomplete: one
//     "Invalid command" line, nothing written.
//   - READ prints the bytes up to the first NUL (bytes never written read as
//     NUL, so a never-written range prints an empty line, as test 34 wants),
//     then '\n'. READ/WRITE check permissions first, then print the
//     "size was bigger than the block size" warning, then move the bytes.
//   - MPROTECT takes the rest of its line after the address: PROT_NONE,
//     PROT_READ, PROT_WRITE, PROT_EXEC joined by '|' (spaces optional), and
//     replaces the miniblock's permissions with their union. The address is
//     checked first ("Invalid address for mprotect.", test 43, whose
//     PROT_EXECUTE is consumed with it); for a valid address, an unknown or
//     missing permission word prints one "Invalid command" line and leaves
//     the permissions as they were.
//   - DEALLOC_ARENA gives everything back and ends the program; so does the
//     end of input. Commands before ALLOC_ARENA print "No arena was
//     allocated."; a second ALLOC_ARENA replaces the arena.
//
// Every command costs O(log n) in the number of miniblocks plus the bytes it
// moves (PMAP: its output), and memory is committed only for bytes written.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "allocators/vmarena/vmarena.h"
#include "harness/shell/input.h"

namespace heapreplay::shell {

class VmaInterpreter {
 public:
  // The engine starts with no arena (ALLOC_ARENA creates it). With
  // `sparse_arenas`, every arena is sparse (tests compare both kinds).
  VmaInterpreter(ByteReader& in, std::ostream& out, bool sparse_arenas = false);

  // Runs commands until DEALLOC_ARENA (returns true) or the end of input
  // (returns false). Output goes to `out` in order; nothing is flushed here.
  bool run();
  // Whether a command has been started but not finished (its arguments or
  // WRITE data are still to come): a terminal shows a continuation prompt.
  bool mid_command() const { return mid_command_; }
  const Vmarena& engine() const { return vma_; }

  static constexpr const char* kInvalidCommand = "Invalid command. Please try again.";

 private:
  enum class Command { kUnknown, kAllocArena, kDeallocArena, kAllocBlock, kFreeBlock, kRead, kWrite, kPmap, kMprotect };

  bool next_token(std::string& token);
  bool number_args(int count, std::uint64_t* values);
  void invalid(int times = 1);
  void message(VmaStatus s);
  void do_read(std::uint64_t address, std::uint64_t n);
  void do_write(std::uint64_t address, std::uint64_t n);
  void do_mprotect(std::uint64_t address);
  static Command command_of(const std::string& token);
  static std::optional<std::uint64_t> parse_number(const std::string& token);
  static std::optional<std::uint8_t> parse_permissions(const std::string& text);

  ByteReader& in_;
  std::ostream& out_;
  Vmarena vma_;
  std::string token_;
  std::optional<std::string> pending_;  // a token to read again as a command
  std::string payload_;                 // WRITE data, reused
  std::string scratch_;                 // READ pieces and MPROTECT lines, reused
  bool mid_command_ = false;
};

}  // namespace heapreplay::shell
