// CommitMap: which pages of a vmarena's reserved range are committed, as
// sorted disjoint runs of page-aligned arena offsets. It commits only what is
// not committed yet and decommits only what is, so PageSource's byte counts
// stay exact and each page is committed at most once.
//
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "allocators/core/page_source.h"

namespace heapreplay {

class CommitMap {
 public:
  CommitMap() = default;

  // Binds to the reserved range at `base`; forgets earlier runs without
  // touching the OS (the owner releases the range as a whole).
  void attach(PageSource* pages, char* base);
  void clear();

  // Commits every uncommitted page of [begin, end) (page-aligned offsets).
  // Returns false when PageSource refuses; pages committed before the refusal
  // stay committed and recorded.
  bool commit(std::uint64_t begin, std::uint64_t end);
  // Decommits every committed page of [begin, end) (page-aligned offsets);
  // the kernel drops their contents, so a later commit reads zeros.
  void decommit(std::uint64_t begin, std::uint64_t end);
  // Whether the page starting at offset `page` is committed.
  bool is_committed(std::uint64_t page) const;

  // Calls f(run_begin, run_end) for each committed part of [begin, end), in order.
  template <class F>
  void for_each_committed(std::uint64_t begin, std::uint64_t end, F f) const {
    auto it = runs_.upper_bound(begin);
    if (it != runs_.begin()) --it;
    for (; it != runs_.end() && it->first < end; ++it) {
      const std::uint64_t b = it->first > begin ? it->first : begin;
      const std::uint64_t e = it->second < end ? it->second : end;
      if (b < e) f(b, e);
    }
  }

  std::uint64_t committed_bytes() const { return committed_bytes_; }
  std::size_t runs() const { return runs_.size(); }
  // Approximate bytes of the run map (node size times count).
  std::size_t memory_bytes() const { return runs_.size() * (sizeof(std::pair<const std::uint64_t, std::uint64_t>) + 32); }
  // Empty when runs are sorted, disjoint, page-aligned, inside [0, limit) and
  // sum to committed_bytes(); otherwise the first violation.
  std::string verify(std::uint64_t limit) const;

 private:
  PageSource* pages_ = nullptr;
  char* base_ = nullptr;
  std::map<std::uint64_t, std::uint64_t> runs_;  // run start -> run end
  std::uint64_t committed_bytes_ = 0;
};

}  // namespace heapreplay
