// IdIndex: an index from string ids to dense numbers 0..n-1 whose ids live
// elsewhere (in the caller's vector of entries, entry n holding the id of
// number n). An open-addressing table of (32-bit hash tag, number) slots: a
// lookup of an absent id usually touches one slot and no string, and a
// present one a slot and its entry's id; growing re-places the slots from
// their tags without hashing or reading any id again. DomainState keeps its
// annotations this way (domain/domain_state.h): with millions of them, a
// node-based std::unordered_map cost a cache miss per node visited on every
// lookup and a long rehash under the handler's state lock as it grew.
//
// Not thread-safe; a value type.
//
//   std::vector<Entry> entries;
//   IdIndex index;
//   auto id_of = [&](uint32_t n) -> std::string_view { return entries[n].id; };
//   auto [n, added] = index.Insert(id, entries.size(), id_of);
//   if (added) entries.push_back(Entry{std::string(id)});
#ifndef CONSILIUM_PROJECTIONS_INTERNAL_ID_INDEX_H_
#define CONSILIUM_PROJECTIONS_INTERNAL_ID_INDEX_H_

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

namespace consilium::domain::internal {

class IdIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // The number of `id`, or kNone. `id_of(n)` returns the id of number n.
  template <typename IdOf>
  uint32_t Find(std::string_view id, IdOf&& id_of) const {
    if (slots_.empty()) return kNone;
    const uint32_t tag = Tag(id);
    for (size_t i = tag & Mask(); slots_[i].number != kNone;
         i = (i + 1) & Mask()) {
      if (slots_[i].tag == tag && id_of(slots_[i].number) == id)
        return slots_[i].number;
    }
    return kNone;
  }

  // The number of `id` and false when present; otherwise records `id` as
  // number `next` (which must be size()) and returns it with true. The
  // caller then stores the entry, so that id_of(next) works from the next
  // call on.
  template <typename IdOf>
  std::pair<uint32_t, bool> Insert(std::string_view id, uint32_t next,
                                   IdOf&& id_of) {
    // Invariant: numbers are dense and fewer than kNone.
    assert(next == size_ && next < kNone);
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    const uint32_t tag = Tag(id);
    size_t i = tag & Mask();
    for (; slots_[i].number != kNone; i = (i + 1) & Mask()) {
      if (slots_[i].tag == tag && id_of(slots_[i].number) == id)
        return {slots_[i].number, false};
    }
    slots_[i] = Slot{tag, next};
    ++size_;
    return {next, true};
  }

  size_t size() const { return size_; }

 private:
  struct Slot {
    uint32_t tag = 0;
    uint32_t number = kNone;
  };

  // The slot position comes from the tag too, so growing needs no id.
  static uint32_t Tag(std::string_view id) {
    const size_t h = std::hash<std::string_view>()(id);
    return static_cast<uint32_t>(h ^ (h >> 32));
  }
  size_t Mask() const { return slots_.size() - 1; }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(16, old.size() * 2), Slot{});
    for (const Slot& s : old) {
      if (s.number == kNone) continue;
      size_t i = s.tag & Mask();
      while (slots_[i].number != kNone) i = (i + 1) & Mask();
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;  // a power of two in size, at most half full
  size_t size_ = 0;
};

}  // namespace consilium::domain::internal

#endif  // CONSILIUM_PROJECTIONS_INTERNAL_ID_INDEX_H_
