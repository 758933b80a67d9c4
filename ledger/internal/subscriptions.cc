// Ledger::Subscribe: committed events delivered in order on a thread of the
// subscription's own.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "ledger/internal/ledger_impl.h"

namespace consilium {

using namespace ledger_internal;  // NOLINT(google-build-using-namespace)

namespace {

class SubscriptionImpl final : public Ledger::Subscription {
 public:
  SubscriptionImpl(const Ledger* ledger, std::mutex* mu,
                   std::condition_variable* cv,
                   const std::atomic<uint64_t>* committed, uint64_t from,
                   std::function<void(const StoredEvent&)> consumer)
      : ledger_(ledger),
        mu_(mu),
        cv_(cv),
        committed_(committed),
        next_(std::max<uint64_t>(from, 1)),
        consumer_(std::move(consumer)) {
    thread_ = std::thread([this] { Run(); });
  }

  ~SubscriptionImpl() override {
    stop_flag_.store(true, std::memory_order_relaxed);
    {
      std::lock_guard l(*mu_);
      stop_ = true;
    }
    cv_->notify_all();
    thread_.join();
  }

  uint64_t next_seq() const override { return next_.load(); }

 private:
  void Run() {
    for (;;) {
      uint64_t target = committed_->load(std::memory_order_acquire);
      if (next_ <= target) {
        // Catch up from disk: committed events are immutable, so reading
        // them needs no coordination with the committer.
        Status s =
            ledger_->Scan(next_, target - next_ + 1, [&](const StoredEvent& e) {
              if (stop_flag_.load(std::memory_order_relaxed)) return false;
              consumer_(e);
              next_ = e.seq + 1;
              return true;
            });
        if (!s.ok()) return;  // the ledger is damaged; verify reports it
        // Stopped mid-scan: the consumer refused the rest, so next_ is still
        // <= target and looping would scan forever instead of returning.
        if (stop_flag_.load(std::memory_order_relaxed)) return;
        continue;
      }
      std::unique_lock l(*mu_);
      cv_->wait(l, [&] { return stop_ || committed_->load() >= next_; });
      if (stop_) return;
    }
  }

  const Ledger* ledger_;
  std::mutex* mu_;
  std::condition_variable* cv_;
  const std::atomic<uint64_t>* committed_;
  std::atomic<uint64_t> next_;
  std::function<void(const StoredEvent&)> consumer_;
  bool stop_ = false;  // guarded by *mu_
  std::atomic<bool> stop_flag_{false};
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Ledger::Subscription> Ledger::Subscribe(
    uint64_t from, std::function<void(const StoredEvent&)> consumer) {
  return std::make_unique<SubscriptionImpl>(
      this, &impl_->commit_mu_, &impl_->commit_cv_, &impl_->committed_seq_,
      from, std::move(consumer));
}

}  // namespace consilium
