// StringPool: interned strings for the projection state (engine.h), each
// numbered densely from 0 in the order first added. The characters live back
// to back in one buffer and the index is an open-addressing table of 32-bit
// numbers, so a string costs its length plus 16 to 24 bytes, against ~80 for
// a std::map<std::string, ...> node (docs/statistics.md, "The engine",
// "Memory").
//
// Views returned by Get stay valid until the next Intern (the buffer may
// move). Not thread-safe; a value type.
#ifndef CONSILIUM_PROJECTIONS_INTERNAL_STRING_POOL_H_
#define CONSILIUM_PROJECTIONS_INTERNAL_STRING_POOL_H_

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace consilium::projections::internal {

class StringPool {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // The number of `s`, adding it when new; the bool is true when added.
  std::pair<uint32_t, bool> Intern(std::string_view s) {
    if ((size() + 1) * 2 > slots_.size()) Grow();
    size_t i = Hash(s) & (slots_.size() - 1);
    while (slots_[i] != kNone) {
      if (Get(slots_[i]) == s) return {slots_[i], false};
      i = (i + 1) & (slots_.size() - 1);
    }
    // Invariant: fewer than kNone strings (the numbers are 32-bit).
    assert(size() < kNone);
    const uint32_t id = static_cast<uint32_t>(size());
    chars_.append(s);
    ends_.push_back(chars_.size());
    slots_[i] = id;
    return {id, true};
  }

  // The number of `s`, or kNone.
  uint32_t Find(std::string_view s) const {
    if (slots_.empty()) return kNone;
    size_t i = Hash(s) & (slots_.size() - 1);
    while (slots_[i] != kNone) {
      if (Get(slots_[i]) == s) return slots_[i];
      i = (i + 1) & (slots_.size() - 1);
    }
    return kNone;
  }

  std::string_view Get(uint32_t id) const {
    const size_t begin = id == 0 ? 0 : ends_[id - 1];
    return std::string_view(chars_).substr(begin, ends_[id] - begin);
  }

  size_t size() const { return ends_.size(); }

  // Room for `n` strings without regrowing the numbering or the index (a
  // rebuild of millions of ids otherwise rehashes every one of them about
  // twice on the way).
  void Reserve(size_t n) {
    ends_.reserve(n);
    size_t slots = 16;
    while (slots < n * 2) slots *= 2;
    if (slots > slots_.size()) Rehash(slots);
  }

 private:
  static size_t Hash(std::string_view s) {
    return std::hash<std::string_view>()(s);
  }

  void Grow() { Rehash(std::max<size_t>(16, slots_.size() * 2)); }

  void Rehash(size_t n) {
    std::vector<uint32_t> slots(n, kNone);
    for (uint32_t id = 0; id < size(); ++id) {
      size_t i = Hash(Get(id)) & (slots.size() - 1);
      while (slots[i] != kNone) i = (i + 1) & (slots.size() - 1);
      slots[i] = id;
    }
    slots_ = std::move(slots);
  }

  std::string chars_;
  std::vector<uint64_t> ends_;   // ends_[id]: one past the string's end
  std::vector<uint32_t> slots_;  // size a power of two, at most half full
};

}  // namespace consilium::projections::internal

#endif  // CONSILIUM_PROJECTIONS_INTERNAL_STRING_POOL_H_
