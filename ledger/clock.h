#pragma once
// Time enters the ledger only here, so tests can fake it.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace huawu {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch, UTC.
  virtual std::int64_t now_us() = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_us() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// The steady clock, for timers and durations inside a process (never the
// ledger's time): the daemon's and the Kamailio connector's.
inline std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
inline std::int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A clock that tests set by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_us) : now_us_(start_us) {}
  std::int64_t now_us() override { return now_us_.load(); }
  void set_us(std::int64_t us) { now_us_.store(us); }
  void advance_us(std::int64_t us) { now_us_.fetch_add(us); }

 private:
  std::atomic<std::int64_t> now_us_;
};

}  // namespace huawu
