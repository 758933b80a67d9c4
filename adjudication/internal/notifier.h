// Notifier: AdjudicationModel's subscriptions. Notices are queued by the
// model while the write core applies events (under the core's state lock;
// Post takes only this object's mutex) and delivered in order on one thread
// of this object's own, outside every lock of the core.
//
// Thread-safety: every member may be called from any thread, except that
// a listener must not call Subscribe/Unsubscribe/WaitDelivered.
#ifndef CONSILIUM_ADJUDICATION_INTERNAL_NOTIFIER_H_
#define CONSILIUM_ADJUDICATION_INTERNAL_NOTIFIER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "adjudication/model.h"

namespace consilium::adjudication::internal {

class Notifier {
 public:
  using Listener = AdjudicationModel::Listener;

  Notifier() = default;
  ~Notifier() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  // True when someone listens: the model skips building notices otherwise.
  bool active() const { return active_.load(std::memory_order_acquire); }

  void Post(std::vector<QueueNotice>&& notices) {
    if (notices.empty()) return;
    {
      std::lock_guard l(mu_);
      if (listeners_.empty()) return;
      for (QueueNotice& n : notices) queue_.push_back(std::move(n));
      posted_ += notices.size();
    }
    cv_.notify_all();
  }

  uint64_t Subscribe(Listener listener) {
    std::lock_guard l(mu_);
    const uint64_t id = ++next_id_;
    listeners_.emplace(id, std::move(listener));
    active_.store(true, std::memory_order_release);
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
    return id;
  }

  void Unsubscribe(uint64_t id) {
    std::unique_lock l(mu_);
    listeners_.erase(id);
    active_.store(!listeners_.empty(), std::memory_order_release);
    if (std::this_thread::get_id() == thread_.get_id()) return;
    // Until the running listener (a copy) returns, it may still be `id`.
    cv_.wait(l, [&] { return running_ != id; });
  }

  void WaitDelivered() {
    std::unique_lock l(mu_);
    const uint64_t target = posted_;
    cv_.wait(l, [&] { return delivered_ >= target || stop_; });
  }

 private:
  void Run() {
    std::unique_lock l(mu_);
    while (true) {
      cv_.wait(l, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      QueueNotice notice = std::move(queue_.front());
      queue_.pop_front();
      // Listeners are copied one at a time so Unsubscribe can wait for the
      // one running and never for the rest.
      for (uint64_t next = 0;;) {
        auto it = listeners_.upper_bound(next);
        if (it == listeners_.end()) break;
        next = it->first;
        Listener call = it->second;
        running_ = next;
        l.unlock();
        call(notice);
        l.lock();
        running_ = 0;
        cv_.notify_all();
      }
      ++delivered_;
      cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<QueueNotice> queue_;
  std::map<uint64_t, Listener> listeners_;
  std::atomic<bool> active_{false};
  uint64_t next_id_ = 0;
  uint64_t running_ = 0;  // the listener being called, 0 for none
  uint64_t posted_ = 0;
  uint64_t delivered_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace consilium::adjudication::internal

#endif  // CONSILIUM_ADJUDICATION_INTERNAL_NOTIFIER_H_
