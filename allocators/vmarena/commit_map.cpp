// Committed-page runs of a vmarena (see commit_map.h).
#include "allocators/vmarena/commit_map.h"

#include <algorithm>

namespace heapreplay {

void CommitMap::attach(PageSource* pages, char* base) {
  pages_ = pages;
  base_ = base;
  clear();
}

void CommitMap::clear() {
  runs_.clear();
  committed_bytes_ = 0;
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
      if (!pages_->commit(base_ + cur, it->first - cur)) {
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
    if (pages_->commit(base_ + cur, end - cur)) {
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
    pages_->decommit(base_ + b, e - b);
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
  if (sum != committed_bytes_) return "commit map: runs sum to " + std::to_string(sum) + " bytes, counted " +
                                      std::to_string(committed_bytes_);
  return {};
}

}  // namespace heapreplay
