// Clock: the seam through which Consilium reads wall time, so tests can
// replace it (tests/testing/fake_clock.h).
//
// Thread-safety: implementations must be safe to call from any thread.
//
//   int64_t now = SystemClock()->NowMicros();
#ifndef CONSILIUM_COMMON_CLOCK_H_
#define CONSILIUM_COMMON_CLOCK_H_

#include <cstdint>

namespace consilium {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch, UTC.
  virtual int64_t NowMicros() const = 0;
};

// The process-wide real clock; never null, never freed.
Clock* SystemClock();

}  // namespace consilium

#endif  // CONSILIUM_COMMON_CLOCK_H_
