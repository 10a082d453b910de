// The VMA command language (harness/shell/vma_interpreter.h), rule by rule,
// on inputs of our own; the homework's own tests run in e2e/vma_data_test.
#include "harness/shell/vma_interpreter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>
#include <string>

namespace heapreplay::shell {
namespace {

constexpr const char* kInvalid = "Invalid command. Please try again.\n";

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

struct VmaRun {
  std::string out;
  bool dealloc = false;  // ended by DEALLOC_ARENA
  bool check_ok = false;
  std::uint64_t committed_bytes = 0;
};

// Runs `input` with the source handing out `piece` bytes at a time through a
// reader buffer of `buffer` bytes.
VmaRun run(const std::string& input, std::size_t piece = ~std::size_t{0}, std::size_t buffer = 1 << 16,
           bool sparse = false) {
  StringInput src(input, piece);
  ByteReader reader(src, {}, buffer);
  std::ostringstream out;
  VmaInterpreter vi(reader, out, sparse);
  VmaRun r;
  r.dealloc = vi.run();
  r.out = out.str();
  const CheckResult c = vi.engine().check();
  r.check_ok = c.ok;
  EXPECT_TRUE(c.ok) << c.problem;
  r.committed_bytes = vi.engine().committed_bytes();
  return r;
}

std::string pmap_header(const std::string& total, const std::string& free, int blocks, int minis) {
  return "Total memory: " + total + " bytes\nFree memory: " + free +
         " bytes\nNumber of allocated blocks: " + std::to_string(blocks) +
         "\nNumber of allocated miniblocks: " + std::to_string(minis) + "\n";
}

TEST(VmaLanguage, EveryUnknownTokenIsOneInvalidCommand) {
  // Unknown words, lower case (commands are case-sensitive) and stray numbers.
  VmaRun r = run("ALLOC_ARENA 10\nFOO 1 2\nalloc_block 3 1\n  \t\n7\nPMAP\n");
  EXPECT_EQ(r.out, repeat(kInvalid, 7) + pmap_header("0xA", "0xA", 0, 0));
  EXPECT_FALSE(r.dealloc);
}

TEST(VmaLanguage, ABadArgumentInvalidatesTheCommandAndIsReadAgain) {
  // ALLOC_BLOCK and 5 are invalid; PMAP then runs as a command.
  EXPECT_EQ(run("ALLOC_ARENA 10\nALLOC_BLOCK 5 PMAP\n").out, repeat(kInvalid, 2) + pmap_header("0xA", "0xA", 0, 0));
  // Not numbers: signs, hex, 2^64, a letter inside.
  EXPECT_EQ(run("ALLOC_ARENA -1\n").out, repeat(kInvalid, 2));
  EXPECT_EQ(run("ALLOC_ARENA 0x10\n").out, repeat(kInvalid, 2));
  EXPECT_EQ(run("ALLOC_ARENA 18446744073709551616\n").out, repeat(kInvalid, 2));
  EXPECT_EQ(run("ALLOC_ARENA 10\nREAD 1x 2\n").out, repeat(kInvalid, 3));
  // Arguments cut off by the end of input.
  EXPECT_EQ(run("ALLOC_ARENA 10\nREAD 5").out, repeat(kInvalid, 2));
  EXPECT_EQ(run("ALLOC_ARENA 10\nWRITE").out, repeat(kInvalid, 1));
  // A token of any length is one token.
  EXPECT_EQ(run("ALLOC_ARENA 10 " + std::string(100000, 'A') + " PMAP\n").out,
            kInvalid + pmap_header("0xA", "0xA", 0, 0));
  EXPECT_EQ(run("ALLOC_ARENA " + std::string(300, '0') + "7\nPMAP\n").out,
            repeat(kInvalid, 2) + "No arena was allocated.\n");
}

TEST(VmaLanguage, AllocBlockErrorsInTheirOrderAndMerging) {
  VmaRun r =
      run("ALLOC_ARENA 20\n"
          "ALLOC_BLOCK 20 1\n"    // outside (checked before the end)
          "ALLOC_BLOCK 25 100\n"  // outside, although the end is past too
          "ALLOC_BLOCK 15 6\n"    // end past
          "ALLOC_BLOCK 10 5\n"
          "ALLOC_BLOCK 2 3\n"
          "ALLOC_BLOCK 8 4\n"   // overlaps [10, 15)
          "ALLOC_BLOCK 1 18\n"  // contains both
          "ALLOC_BLOCK 5 5\n"   // joins [2,5) and [10,15): one block of three
          "PMAP\n");
  EXPECT_EQ(r.out,
            "The allocated address is outside the size of arena\n"
            "The allocated address is outside the size of arena\n"
            "The end address is past the size of the arena\n"
            "This zone was already allocated.\n"
            "This zone was already allocated.\n" +
                pmap_header("0x14", "0x7", 1, 3) +
                "\nBlock 1 begin\nZone: 0x2 - 0xF\n"
                "Miniblock 1:\t\t0x2\t\t-\t\t0x5\t\t| RW-\n"
                "Miniblock 2:\t\t0x5\t\t-\t\t0xA\t\t| RW-\n"
                "Miniblock 3:\t\t0xA\t\t-\t\t0xF\t\t| RW-\n"
                "Block 1 end\n");
}

TEST(VmaLanguage, FreeNeedsAMiniblockStartAndSplits) {
  VmaRun r =
      run("ALLOC_ARENA 100\nALLOC_BLOCK 10 10\nALLOC_BLOCK 20 10\nALLOC_BLOCK 30 10\n"
          "FREE_BLOCK 15\nFREE_BLOCK 9\nFREE_BLOCK 20\nFREE_BLOCK 20\nPMAP\n");
  EXPECT_EQ(r.out, repeat("Invalid address for free.\n", 3) + pmap_header("0x64", "0x50", 2, 2) +
                       "\nBlock 1 begin\nZone: 0xA - 0x14\nMiniblock 1:\t\t0xA\t\t-\t\t0x14\t\t| RW-\nBlock 1 end\n"
                       "\nBlock 2 begin\nZone: 0x1E - 0x28\nMiniblock 1:\t\t0x1E\t\t-\t\t0x28\t\t| RW-\nBlock 2 end\n");
}

TEST(VmaLanguage, WriteDataIsRawBytesAfterOneSeparator) {
  // The data swallows a newline and a command name; neither runs.
  VmaRun r =
      run("ALLOC_ARENA 100\nALLOC_BLOCK 0 50\n"
          "WRITE 0 5 \nPMAP\n"
          "READ 0 5\n"
          "WRITE 10 14 \nDEALLOC_ARENA\n"
          "READ 10 14\n"
          "WRITE 30 3\tabc\n"  // the separator may be any one whitespace byte
          "READ 30 3\n"
          "WRITE 40 2  x\n"  // the second blank is data
          "READ 40 2\n");
  EXPECT_EQ(r.out, "\nPMAP\n\nDEALLOC_ARENA\nabc\n x\n");
  EXPECT_FALSE(r.dealloc);
}

TEST(VmaLanguage, WriteDataIsConsumedWhenTheWriteFails) {
  VmaRun r =
      run("ALLOC_ARENA 100\nALLOC_BLOCK 0 10\nMPROTECT 0 PROT_READ\n"
          "WRITE 50 9 PMAP PMAP\n"     // not allocated
          "WRITE 0 9 PMAP PMAP\n"      // no W
          "WRITE 5 12 FREE_BLOCK 0\n"  // no W, and clipped: still all 12 bytes eaten
          "PMAP\n");
  EXPECT_EQ(r.out, "Invalid address for write.\nInvalid permissions for write.\nInvalid permissions for write.\n" +
                       pmap_header("0x64", "0x5A", 1, 1) +
                       "\nBlock 1 begin\nZone: 0x0 - 0xA\nMiniblock 1:\t\t0x0\t\t-\t\t0xA\t\t| R--\nBlock 1 end\n");
}

TEST(VmaLanguage, WriteCutShortByTheEndOfInputWritesNothing) {
  VmaRun r = run("ALLOC_ARENA 10000\nALLOC_BLOCK 0 100\nWRITE 0 10 abc");
  EXPECT_EQ(r.out, kInvalid);
  EXPECT_EQ(r.committed_bytes, 0u);
  // Zero bytes need no data, not even the separator.
  EXPECT_EQ(run("ALLOC_ARENA 10\nALLOC_BLOCK 0 5\nWRITE 0 0").out, "");
  EXPECT_EQ(run("ALLOC_ARENA 10\nALLOC_BLOCK 0 5\nWRITE 0 0\nREAD 0 0\n").out, "\n");
}

TEST(VmaLanguage, WarningsNameTheBytesLeftInTheBlock) {
  VmaRun r =
      run("ALLOC_ARENA 100\nALLOC_BLOCK 10 3\nALLOC_BLOCK 13 2\n"  // one block [10, 15) of two miniblocks
          "WRITE 11 8 abcdefgh\n"
          "READ 10 100\n"
          "READ 12 2\n"
          "READ 14 1\n");
  EXPECT_EQ(r.out,
            "Warning: size was bigger than the block size. Writing 4 characters.\n"
            "Warning: size was bigger than the block size. Reading 5 characters.\n"
            "\n"  // byte 10 was never written: it reads as NUL, which ends the text
            "bc\n"
            "d\n");
}

TEST(VmaLanguage, ReadStartsAnywhereInsideAndCrossesMiniblocks) {
  VmaRun r =
      run("ALLOC_ARENA 100\nALLOC_BLOCK 5 1\nALLOC_BLOCK 6 1\nALLOC_BLOCK 7 1\nALLOC_BLOCK 8 1\nALLOC_BLOCK 9 1\n"
          "WRITE 5 5 gigel\nREAD 6 3\nREAD 5 5\nREAD 4 1\nREAD 10 1\n");
  EXPECT_EQ(r.out, "ige\ngigel\nInvalid address for read.\nInvalid address for read.\n");
}

TEST(VmaLanguage, ReadStopsAtTheFirstNulAndUnwrittenBytesReadEmpty) {
  VmaRun r =
      run("ALLOC_ARENA 100\nALLOC_BLOCK 0 20\n"
          "READ 0 20\n"
          "WRITE 4 3 xyz\n"
          "READ 4 10\n"
          "READ 0 10\n");
  EXPECT_EQ(r.out, "\nxyz\n\n");
}

TEST(VmaLanguage, FreedBytesAreGoneWhenTheZoneIsAllocatedAgain) {
  VmaRun r =
      run("ALLOC_ARENA 100\nALLOC_BLOCK 0 10\nWRITE 0 5 hello\nFREE_BLOCK 0\nREAD 0 5\nALLOC_BLOCK 0 10\nREAD 0 5\n");
  EXPECT_EQ(r.out, "Invalid address for read.\n\n");
}

TEST(VmaLanguage, MprotectReplacesPermissionsAndTheyAreChecked) {
  VmaRun r =
      run("ALLOC_ARENA 100\nALLOC_BLOCK 0 10\nALLOC_BLOCK 10 10\nWRITE 0 15 abcdefghijklmno\n"
          "MPROTECT 10 PROT_WRITE\n"  // -W-: W alone, R is gone
          "READ 0 3\n"                // touches only the first miniblock
          "READ 8 4\n"                // crosses into the -W- one
          "WRITE 12 1 Z\n"
          "MPROTECT 10 PROT_READ | PROT_WRITE\n"
          "READ 8 5\n"
          "MPROTECT 0 PROT_NONE\n"
          "READ 0 1\nWRITE 0 1 q\n"
          "MPROTECT 0 PROT_READ|PROT_WRITE|PROT_EXEC\n"
          "MPROTECT 10 PROT_EXEC |PROT_READ\n"
          "PMAP\n");
  EXPECT_EQ(r.out,
            "abc\nInvalid permissions for read.\nijklZ\nInvalid permissions for read.\n"
            "Invalid permissions for write.\n" +
                pmap_header("0x64", "0x50", 1, 2) +
                "\nBlock 1 begin\nZone: 0x0 - 0x14\n"
                "Miniblock 1:\t\t0x0\t\t-\t\t0xA\t\t| RWX\n"
                "Miniblock 2:\t\t0xA\t\t-\t\t0x14\t\t| R-X\n"
                "Block 1 end\n");
}

TEST(VmaLanguage, MprotectChecksTheAddressFirstThenThePermissionWords) {
  VmaRun r =
      run("ALLOC_ARENA 200\nALLOC_BLOCK 10 100\n"
          "MPROTECT 20 PROT_EXECUTE\n"           // test 43: the address error, and the word is consumed
          "MPROTECT 10 PROT_EXECUTE\n"           // a valid address: the unknown word is one invalid command
          "MPROTECT 10 PROT_READ |\n"            // trailing '|'
          "MPROTECT 10 PROT_READ PROT_WRITE\n"   // no '|'
          "MPROTECT 10\n"                        // nothing
          "MPROTECT 10 PROT_NONE | PROT_READ\n"  // PROT_NONE adds nothing
          "PMAP\n");
  EXPECT_EQ(r.out, "Invalid address for mprotect.\n" + repeat(kInvalid, 4) + pmap_header("0xC8", "0x64", 1, 1) +
                       "\nBlock 1 begin\nZone: 0xA - 0x6E\nMiniblock 1:\t\t0xA\t\t-\t\t0x6E\t\t| R--\nBlock 1 end\n");
}

TEST(VmaLanguage, DeallocArenaEndsTheProgram) {
  VmaRun r = run("ALLOC_ARENA 10\nALLOC_BLOCK 1 1\nDEALLOC_ARENA\nPMAP\nFOO\n");
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(r.dealloc);
  EXPECT_TRUE(run("DEALLOC_ARENA").dealloc);
}

TEST(VmaLanguage, NoArenaYetAndASecondArenaReplacesTheFirst) {
  VmaRun r =
      run("PMAP\nALLOC_BLOCK 0 1\nFREE_BLOCK 0\nREAD 0 1\nWRITE 0 1 x\nMPROTECT 0 PROT_NONE\n"
          "ALLOC_ARENA 10\nALLOC_BLOCK 0 5\nALLOC_ARENA 20\nPMAP\n");
  EXPECT_EQ(r.out, repeat("No arena was allocated.\n", 6) + pmap_header("0x14", "0x14", 0, 0));
}

TEST(VmaLanguage, SixtyFourBitSizesAndAddresses) {
  // 2^63 bytes cannot be reserved: the arena is sparse and works the same.
  VmaRun r =
      run("ALLOC_ARENA 9223372036854775808\n"
          "ALLOC_BLOCK 9223372036854775000 808\n"
          "WRITE 9223372036854775800 8 lastbyte\n"
          "READ 9223372036854775801 100\n"
          "PMAP\n");
  EXPECT_EQ(r.out, "Warning: size was bigger than the block size. Reading 7 characters.\nastbyte\n" +
                       pmap_header("0x8000000000000000", "0x7FFFFFFFFFFFFCD8", 1, 1) +
                       "\nBlock 1 begin\nZone: 0x7FFFFFFFFFFFFCD8 - 0x8000000000000000\n"
                       "Miniblock 1:\t\t0x7FFFFFFFFFFFFCD8\t\t-\t\t0x8000000000000000\t\t| RW-\nBlock 1 end\n");
  EXPECT_EQ(r.committed_bytes, 4096u);
  // The largest arena the engine takes ends a page short of 2^64.
  EXPECT_EQ(run("ALLOC_ARENA 18446744073709547520\nPMAP\n").out,
            pmap_header("0xFFFFFFFFFFFFF000", "0xFFFFFFFFFFFFF000", 0, 0));
  EXPECT_EQ(run("ALLOC_ARENA 18446744073709551615\nPMAP\n").out, "Out of memory.\nNo arena was allocated.\n");
}

TEST(VmaLanguage, MemoryIsCommittedOnlyForBytesWritten) {
  const std::string arena = "ALLOC_ARENA 68719476736\nALLOC_BLOCK 0 68719476736\n";  // 64 GiB, all one block
  EXPECT_EQ(run(arena).committed_bytes, 0u);
  EXPECT_EQ(run(arena + "WRITE 40960 5 hello\n").committed_bytes, 4096u);
  EXPECT_EQ(run(arena + "WRITE 40958 5 hello\n").committed_bytes, 8192u);  // straddles two pages
  // Reading the whole block commits nothing and stops at the first NUL.
  VmaRun r = run(arena + "WRITE 40960 5 hello\nREAD 0 68719476736\nREAD 40960 99999999999999\n");
  EXPECT_EQ(r.out, "\nWarning: size was bigger than the block size. Reading 68719435776 characters.\nhello\n");
  EXPECT_EQ(r.committed_bytes, 4096u);
}

// A script with every command and WRITE data full of separators and command
// names; its output must not depend on how the input arrives.
std::string mixed_script() {
  return "ALLOC_ARENA 5000\nALLOC_BLOCK 100 50\nALLOC_BLOCK 150 50\nALLOC_BLOCK 300 10\n"
         "WRITE 120 40 PMAP\nREAD 1 2\n\tDEALLOC_ARENA \r\n\v\f  FREE_BLOCK 9\n"
         "READ 120 60\nMPROTECT 150 PROT_READ\nWRITE 160 3  ab\nREAD 100 200\n"
         "FOO BAR 12 READ_BLOCK 3 4\nPMAP\nFREE_BLOCK 150\nPMAP\nWRITE 300 10 0123456789\nREAD 300 10\n"
         "MPROTECT 300 PROT_NONE\nREAD 300 1\nDEALLOC_ARENA\nPMAP\n";
}

TEST(VmaLanguage, OutputDoesNotDependOnHowTheInputArrives) {
  const VmaRun whole = run(mixed_script());
  EXPECT_TRUE(whole.dealloc);
  EXPECT_NE(whole.out.find("Invalid permissions for write.\n"), std::string::npos);
  EXPECT_NE(whole.out.find("0123456789\n"), std::string::npos);
  for (std::size_t piece : {1, 2, 3, 5, 7, 64}) {
    for (std::size_t buffer : {1, 2, 7, 4096}) {
      const VmaRun r = run(mixed_script(), piece, buffer);
      EXPECT_EQ(r.out, whole.out) << "piece " << piece << ", buffer " << buffer;
      EXPECT_TRUE(r.dealloc);
    }
  }
}

// A random script over `miniblocks` page-sized miniblocks tiling the arena in
// random order, then `commands` random commands of every kind.
std::string random_script(std::uint64_t seed, int miniblocks, int commands, int pmap_every) {
  std::mt19937_64 rng(seed);
  const std::uint64_t page = 4096;
  std::string s = "ALLOC_ARENA " + std::to_string(miniblocks * page) + "\n";
  std::vector<int> order(static_cast<std::size_t>(miniblocks));
  for (int i = 0; i < miniblocks; ++i) order[static_cast<std::size_t>(i)] = i;
  std::shuffle(order.begin(), order.end(), rng);
  for (int i : order) s += "ALLOC_BLOCK " + std::to_string(i * page) + " " + std::to_string(page) + "\n";
  auto pick = [&](std::uint64_t n) { return rng() % n; };
  const char* perms[] = {"PROT_READ | PROT_WRITE", "PROT_READ", "PROT_WRITE", "PROT_NONE", "PROT_EXEC|PROT_WRITE"};
  for (int c = 0; c < commands; ++c) {
    const std::uint64_t at = pick(static_cast<std::uint64_t>(miniblocks)) * page;
    const std::uint64_t inside = at + pick(page);
    switch (pick(7)) {
      case 0:
      case 1: {
        const std::uint64_t n = 1 + pick(2 * page);
        std::string data;
        for (std::uint64_t k = 0; k < n; ++k) data += "ab \nPMAP\tz"[pick(10)];
        s += "WRITE " + std::to_string(inside) + " " + std::to_string(n) + " " + data + "\n";
        break;
      }
      case 2: s += "READ " + std::to_string(inside) + " " + std::to_string(1 + pick(3 * page)) + "\n"; break;
      case 3: s += "FREE_BLOCK " + std::to_string(pick(2) ? at : inside) + "\n"; break;
      case 4: s += "ALLOC_BLOCK " + std::to_string(at) + " " + std::to_string(1 + pick(2 * page)) + "\n"; break;
      case 5: s += "MPROTECT " + std::to_string(at) + " " + perms[pick(5)] + "\n"; break;
      case 6: s += pick(3) == 0 ? "NOT_A_COMMAND 1\n" : "READ " + std::to_string(at) + " 16\n"; break;
    }
    if (pmap_every != 0 && c % pmap_every == 0) s += "PMAP\n";
  }
  return s + "PMAP\nDEALLOC_ARENA\n";
}

TEST(VmaLanguage, SparseArenasBehaveExactlyAsReservedOnes) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const std::string script = random_script(seed, 200, 3000, 250);
    const VmaRun reserved = run(script);
    const VmaRun sparse = run(script, ~std::size_t{0}, 1 << 16, /*sparse=*/true);
    ASSERT_TRUE(reserved.dealloc);
    EXPECT_GT(reserved.out.size(), 50000u);
    EXPECT_TRUE(reserved.out == sparse.out) << "seed " << seed;
  }
}

TEST(VmaLanguage, TenThousandCommandsOnFiveThousandMiniblocks) {
  // The size the issue names. Timed for the record, not asserted (shared
  // machines vary); it takes a few tens of milliseconds in Release.
  const std::string script = random_script(42, 5000, 10000, 0);
  const auto t0 = std::chrono::steady_clock::now();
  const VmaRun r = run(script, ~std::size_t{0}, ByteReader::kDefaultBufferBytes);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  RecordProperty("milliseconds", std::to_string(ms));
  std::printf("10,000 commands on 5,000 miniblocks: %.1f ms\n", ms);
  EXPECT_TRUE(r.dealloc);
  EXPECT_TRUE(r.check_ok);
  EXPECT_NE(r.out.find("Number of allocated miniblocks: "), std::string::npos);
}

}  // namespace
}  // namespace heapreplay::shell
