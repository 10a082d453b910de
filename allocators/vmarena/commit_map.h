// CommitMap: which pages of a vmarena's reserved range are committed, as
// sorted disjoint runs of page-aligned arena offsets. It commits only what is
// not committed yet and decommits only what is, so PageSource's byte counts
// stay exact and each page is committed at most once.
//
// A sparse arena has no reserved range (it is larger than the address space
// the OS would reserve in one piece): each committed page is then mapped on
// its own, and for_each_committed() hands out where each piece lives.
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
  ~CommitMap() { clear(); }
  CommitMap(const CommitMap&) = delete;
  CommitMap& operator=(const CommitMap&) = delete;

  // Binds to the reserved range at `base` (nullptr: nothing to commit).
  void attach(PageSource* pages, char* base);
  // Binds to a sparse arena: each page is mapped on its own when committed.
  void attach_sparse(PageSource* pages);
  // Forgets every run. A reserved range is left to its owner, which releases
  // it as a whole; the pages of a sparse arena are unmapped here.
  void clear();
  bool sparse() const { return sparse_; }

  // Commits every uncommitted page of [begin, end) (page-aligned offsets).
  // Returns false when PageSource refuses; pages committed before the refusal
  // stay committed and recorded.
  bool commit(std::uint64_t begin, std::uint64_t end);
  // Decommits every committed page of [begin, end) (page-aligned offsets);
  // the kernel drops their contents, so a later commit reads zeros.
  void decommit(std::uint64_t begin, std::uint64_t end);
  // Whether the page starting at offset `page` is committed.
  bool is_committed(std::uint64_t page) const;

  // Calls f(b, e, mem) for each committed part [b, e) of [begin, end) (any
  // byte offsets), in order; mem is where byte b lives. A reserved range
  // gives one call per run, a sparse arena one per page.
  template <class F>
  void for_each_committed(std::uint64_t begin, std::uint64_t end, F f) const {
    if (sparse_) {
      const std::uint64_t page = PageSource::os_page_bytes();
      for (auto it = page_mem_.lower_bound(begin - begin % page); it != page_mem_.end() && it->first < end; ++it) {
        const std::uint64_t b = it->first > begin ? it->first : begin;
        const std::uint64_t e = it->first + page < end ? it->first + page : end;
        if (b < e) f(b, e, it->second + (b - it->first));
      }
      return;
    }
    auto it = runs_.upper_bound(begin);
    if (it != runs_.begin()) --it;
    for (; it != runs_.end() && it->first < end; ++it) {
      const std::uint64_t b = it->first > begin ? it->first : begin;
      const std::uint64_t e = it->second < end ? it->second : end;
      if (b < e) f(b, e, base_ + b);
    }
  }

  std::uint64_t committed_bytes() const { return committed_bytes_; }
  std::size_t runs() const { return runs_.size(); }
  // Approximate bytes of the run map and the sparse page map (node size times count).
  std::size_t memory_bytes() const {
    return (runs_.size() + page_mem_.size()) * (sizeof(std::pair<const std::uint64_t, std::uint64_t>) + 32);
  }
  // Empty when runs are sorted, disjoint, page-aligned, inside [0, limit) and
  // sum to committed_bytes(), and (sparse) exactly their pages are mapped;
  // otherwise the first violation.
  std::string verify(std::uint64_t limit) const;

 private:
  bool commit_pages(std::uint64_t begin, std::uint64_t bytes);
  void decommit_pages(std::uint64_t begin, std::uint64_t bytes);

  PageSource* pages_ = nullptr;
  char* base_ = nullptr;
  bool sparse_ = false;
  std::map<std::uint64_t, std::uint64_t> runs_;  // run start -> run end
  std::map<std::uint64_t, char*> page_mem_;      // sparse: page offset -> its own mapping
  std::uint64_t committed_bytes_ = 0;
};

}  // namespace heapreplay
