// Drivers: a few threads running posted tasks, in the order posted. The
// benches' asynchronous clients use them for the step after a completion:
// completions arrive on the ledger's threads, which must not start the next
// command themselves (domain/write_core.h), just as a server posts a
// completion back to a connection's executor.
//
// Thread-safety: Post may be called from any thread. The destructor runs
// every task already posted, then joins.
//
//   Drivers drivers(2);
//   commands.ClaimAsync(who, project, {}, [&](StatusOr<ClaimResult> r) {
//     drivers.Post([&, r] { Decide(*r); });
//   });
#ifndef CONSILIUM_TOOLS_BENCH_ASYNC_DRIVERS_H_
#define CONSILIUM_TOOLS_BENCH_ASYNC_DRIVERS_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace consilium::cli {

class Drivers {
 public:
  explicit Drivers(size_t threads) {
    for (size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { Run(); });
    }
  }
  ~Drivers() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  Drivers(const Drivers&) = delete;
  Drivers& operator=(const Drivers&) = delete;

  void Post(std::function<void()> task) {
    {
      std::lock_guard l(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

 private:
  void Run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock l(mu_);
        cv_.wait(l, [&] { return stop_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_BENCH_ASYNC_DRIVERS_H_
