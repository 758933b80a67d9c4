// Gate: a writer-preferring shared lock (WriteCore's). Concurrent commands
// hold it shared from validation until their event is queued in the ledger;
// exclusive commands hold it for validate-append-apply. Writer preference
// keeps a stream of annotations from starving an admin command (glibc's
// std::shared_mutex prefers readers). docs/commands.md, "Concurrency".
#ifndef CONSILIUM_DOMAIN_INTERNAL_GATE_H_
#define CONSILIUM_DOMAIN_INTERNAL_GATE_H_

#include <condition_variable>
#include <mutex>

namespace consilium::domain::internal {

class Gate {
 public:
  void lock_shared() {
    std::unique_lock l(mu_);
    cv_.wait(l, [&] { return !writer_ && writers_waiting_ == 0; });
    ++readers_;
  }
  void unlock_shared() {
    std::lock_guard l(mu_);
    if (--readers_ == 0 && writers_waiting_ > 0) cv_.notify_all();
  }
  void lock() {
    std::unique_lock l(mu_);
    ++writers_waiting_;
    cv_.wait(l, [&] { return !writer_ && readers_ == 0; });
    --writers_waiting_;
    writer_ = true;
  }
  void unlock() {
    std::lock_guard l(mu_);
    writer_ = false;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int readers_ = 0;
  int writers_waiting_ = 0;
  bool writer_ = false;
};

}  // namespace consilium::domain::internal

#endif  // CONSILIUM_DOMAIN_INTERNAL_GATE_H_
