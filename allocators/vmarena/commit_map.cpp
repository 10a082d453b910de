// Committed-page runs of a vmarena (see commit_map.h).
#include "allocators/vmarena/commit_map.h"

#include <algorithm>

namespace heapreplay {

void CommitMap::attach(PageSource* pages, char* base) {
  clear();
  pages_ = pages;
  base_ = base;
  sparse_ = false;
}

void CommitMap::attach_sparse(PageSource* pages) {
  clear();
  pages_ = pages;
  base_ = nullptr;
  sparse_ = true;
}

void CommitMap::clear() {
  const std::uint64_t page = PageSource::os_page_bytes();
  for (auto& [offset, mem] : page_mem_) pages_->unmap(mem, page);
  page_mem_.clear();
  runs_.clear();
  committed_bytes_ = 0;
}

// Makes [begin, begin + bytes) usable: commits that part of the reserved
// range, or maps each of its pages (sparse). All or nothing.
bool CommitMap::commit_pages(std::uint64_t begin, std::uint64_t bytes) {
  if (!sparse_) return pages_->commit(base_ + begin, bytes);
  const std::uint64_t page = PageSource::os_page_bytes();
  std::uint64_t off = begin;
  auto undo = [&] {
    for (std::uint64_t o = begin; o < off; o += page) {
      auto it = page_mem_.find(o);
      pages_->unmap(it->second, page);
      page_mem_.erase(it);
    }
  };
  try {
    for (; off < begin + bytes; off += page) {
      auto slot = page_mem_.emplace(off, nullptr).first;
      slot->second = static_cast<char*>(pages_->map(page));
      if (slot->second == nullptr) {
        page_mem_.erase(slot);
        undo();
        return false;
      }
    }
  } catch (...) {  // the map's node allocation
    undo();
    throw;
  }
  return true;
}

void CommitMap::decommit_pages(std::uint64_t begin, std::uint64_t bytes) {
  if (!sparse_) return pages_->decommit(base_ + begin, bytes);
  const std::uint64_t page = PageSource::os_page_bytes();
  for (auto it = page_mem_.lower_bound(begin); it != page_mem_.end() && it->first < begin + bytes;) {
    pages_->unmap(it->second, page);
    it = page_mem_.erase(it);
  }
}

bool CommitMap::commit(std::uint64_t begin, std::uint64_t end) {
  if (begin >= end) return true;
  // Start at the run that touches or overlaps `begin`, so that adjacent runs merge.
  auto it = runs_.upper_bound(begin);
  if (it != runs_.begin() && std::prev(it)->second >= begin) --it;
  std::uint64_t merged_begin = begin;
  std::uint64_t cur = begin;  // [merged_begin, cur) is committed
  bool ok = true;
  while (it != runs_.end() && it->first <= end) {
    if (it->first > cur) {
      if (!commit_pages(cur, it->first - cur)) {
        ok = false;
        break;
      }
      committed_bytes_ += it->first - cur;
    }
    merged_begin = std::min(merged_begin, it->first);
    cur = std::max(cur, it->second);
    it = runs_.erase(it);
  }
  if (ok && cur < end) {
    if (commit_pages(cur, end - cur)) {
      committed_bytes_ += end - cur;
      cur = end;
    } else {
      ok = false;
    }
  }
  if (cur > merged_begin) runs_.emplace(merged_begin, cur);
  return ok;
}

void CommitMap::decommit(std::uint64_t begin, std::uint64_t end) {
  if (begin >= end) return;
  auto it = runs_.upper_bound(begin);
  if (it != runs_.begin() && std::prev(it)->second > begin) --it;
  while (it != runs_.end() && it->first < end) {
    const std::uint64_t rb = it->first;
    const std::uint64_t re = it->second;
    const std::uint64_t b = std::max(rb, begin);
    const std::uint64_t e = std::min(re, end);
    it = runs_.erase(it);
    decommit_pages(b, e - b);
    committed_bytes_ -= e - b;
    if (rb < b) runs_.emplace(rb, b);
    if (e < re) it = runs_.emplace(e, re).first;
  }
}

bool CommitMap::is_committed(std::uint64_t page) const {
  auto it = runs_.upper_bound(page);
  if (it == runs_.begin()) return false;
  --it;
  return page >= it->first && page < it->second;
}

std::string CommitMap::verify(std::uint64_t limit) const {
  const std::uint64_t page = PageSource::os_page_bytes();
  std::uint64_t prev_end = 0;
  std::uint64_t sum = 0;
  bool first = true;
  for (const auto& [b, e] : runs_) {
    if (b >= e) return "commit map: empty run at " + std::to_string(b);
    if (b % page != 0 || e % page != 0) return "commit map: run not page-aligned at " + std::to_string(b);
    if (!first && b < prev_end) return "commit map: overlapping runs at " + std::to_string(b);
    if (e > limit) return "commit map: run past the reserved range at " + std::to_string(b);
    sum += e - b;
    prev_end = e;
    first = false;
  }
  if (sum != committed_bytes_)
    return "commit map: runs sum to " + std::to_string(sum) + " bytes, counted " + std::to_string(committed_bytes_);
  if (sparse_) {
    if (page_mem_.size() * page != committed_bytes_)
      return "commit map: " + std::to_string(page_mem_.size()) + " sparse pages mapped for " +
             std::to_string(committed_bytes_) + " committed bytes";
    for (const auto& [offset, mem] : page_mem_)
      if (mem == nullptr || !is_committed(offset))
        return "commit map: sparse page " + std::to_string(offset) + " is not in a run";
  } else if (!page_mem_.empty()) {
    return "commit map: sparse pages in a reserved range";
  }
  return {};
}

}  // namespace heapreplay
