#pragma once
// CPU time of the whole process, for the benchmarks' "µs of CPU per event":
// unlike wall-clock rates it barely moves when other work loads the machine.
#include <sys/resource.h>

namespace huawu::bench {

inline double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace huawu::bench
