// FakeClock: a Clock the test sets by hand.
#ifndef CONSILIUM_TESTS_TESTING_FAKE_CLOCK_H_
#define CONSILIUM_TESTS_TESTING_FAKE_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "common/clock.h"

namespace consilium::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_us = 1'790'000'000'000'000) : now_(now_us) {}
  int64_t NowMicros() const override { return now_.load(); }
  void Set(int64_t now_us) { now_ = now_us; }
  void Advance(int64_t us) { now_ += us; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace consilium::testing

#endif  // CONSILIUM_TESTS_TESTING_FAKE_CLOCK_H_
