// OrderIndex: the claimable items of one tier of a queue, in claim order,
// with each adjudicator's excluded items (conflict of interest, earlier
// decisions) beside them, so "the first item this adjudicator may take" is
// O(log n) when the head is eligible and O(log^2 n) at worst, never a scan.
//
// Structure. `all_` holds every claimable item's key; `excluded_[a]` holds
// the keys of claimable items `a` may not take (a subset of `all_`). Both are
// order-statistic trees (libstdc++'s policy-based red-black tree with subtree
// sizes: rank and select in O(log n)). The first eligible item for `a` is
// all_[r], where r is the length of the longest common prefix of all_ and
// excluded_[a]; since excluded_[a] is a subset of all_, "the first r keys of
// excluded_[a] are the first r keys of all_" holds exactly when
// rank_all(excluded_[a][r-1]) == r-1, which is monotone in r, so r is found
// by binary search over excluded_[a]: O(log |excluded| * log n).
//
// Thread-safety: none; owned by a Queue.
#ifndef CONSILIUM_ADJUDICATION_INTERNAL_ORDER_INDEX_H_
#define CONSILIUM_ADJUDICATION_INTERNAL_ORDER_INDEX_H_

#include <compare>
#include <cstdint>
#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace consilium::adjudication::internal {

// Claim order: higher priority first, then older (lower opening sequence
// number), then the item's dense index (stable under rebuild: items are
// numbered in order of first appearance in the event sequence).
struct QueueKey {
  int64_t neg_priority = 0;
  uint64_t opened_seq = 0;
  uint32_t item = 0;

  friend auto operator<=>(const QueueKey&, const QueueKey&) = default;
};

class OrderIndex {
 public:
  void Insert(const QueueKey& key, const std::vector<std::string>& excluded) {
    all_.insert(key);
    for (const std::string& who : excluded) excluded_[who].insert(key);
  }

  // `excluded` must be the list given to Insert for this key.
  void Erase(const QueueKey& key, const std::vector<std::string>& excluded) {
    all_.erase(key);
    for (const std::string& who : excluded) {
      auto it = excluded_.find(who);
      if (it == excluded_.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) excluded_.erase(it);  // canonical: no empties
    }
  }

  // The first key `who` may take, or nothing.
  std::optional<QueueKey> FirstFor(std::string_view who) const {
    if (all_.empty()) return std::nullopt;
    auto ex = excluded_.find(who);
    if (ex == excluded_.end() ||
        ex->second.find(*all_.begin()) == ex->second.end()) {
      return *all_.begin();  // the common case: one lookup
    }
    const Tree& mine = ex->second;
    size_t lo = 1, hi = mine.size();  // prefix length 1 is known to match
    while (lo < hi) {
      const size_t mid = lo + (hi - lo + 1) / 2;
      if (all_.order_of_key(*mine.find_by_order(mid - 1)) == mid - 1) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    if (lo >= all_.size()) return std::nullopt;
    return *all_.find_by_order(lo);
  }

  size_t size() const { return all_.size(); }

  // Every key in claim order, and each adjudicator's excluded keys: what a
  // rebuild must reproduce (Queue::DebugString).
  std::vector<QueueKey> Keys() const { return {all_.begin(), all_.end()}; }
  std::vector<std::pair<std::string, std::vector<QueueKey>>> Exclusions()
      const {
    std::vector<std::pair<std::string, std::vector<QueueKey>>> out;
    for (const auto& [who, keys] : excluded_) {
      out.emplace_back(who, std::vector<QueueKey>(keys.begin(), keys.end()));
    }
    return out;
  }

 private:
  using Tree = __gnu_pbds::tree<QueueKey, __gnu_pbds::null_type,
                                std::less<QueueKey>, __gnu_pbds::rb_tree_tag,
                                __gnu_pbds::tree_order_statistics_node_update>;
  Tree all_;
  std::map<std::string, Tree, std::less<>> excluded_;
};

}  // namespace consilium::adjudication::internal

#endif  // CONSILIUM_ADJUDICATION_INTERNAL_ORDER_INDEX_H_
