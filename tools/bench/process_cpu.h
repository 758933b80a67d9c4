// ProcessCpuSeconds: CPU time (user + system) of the whole process so far, in
// seconds. The benches report it per event beside their rates: other load
// on a shared machine disturbs it far less than throughput.
#ifndef CONSILIUM_TOOLS_BENCH_PROCESS_CPU_H_
#define CONSILIUM_TOOLS_BENCH_PROCESS_CPU_H_

#include <sys/resource.h>

namespace consilium::cli {

inline double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_BENCH_PROCESS_CPU_H_
