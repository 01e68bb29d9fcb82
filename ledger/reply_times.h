#pragma once
// Reply times as the daemon sees them: from reading a switch frame to handing
// its reply to ZeroMQ. What the switch measures adds the network and its own
// scheduling; this figure is the daemon's share, for operators and benchmarks.
//
// A log-linear histogram (HdrHistogram's layout): values below 64 us are
// counted exactly, larger ones in 32 buckets per power of two, so every
// percentile is within 3% of the true value. Fixed size, no allocation per
// value; one thread records.
#include <array>
#include <cstdint>
#include <string>

namespace huawu {

class ReplyTimes {
 public:
  void record(std::int64_t micros);
  void clear() { *this = ReplyTimes{}; }

  std::uint64_t count() const { return count_; }
  std::int64_t max_us() const { return max_us_; }
  // The smallest bucket bound at or above `fraction` of the values (0 when empty).
  std::int64_t percentile_us(double fraction) const;
  // "N replies, p50 X ms, p99 Y ms, p99.9 Z ms, max W ms".
  std::string summary() const;

 private:
  static constexpr int exact_below = 64;
  static constexpr int sub_buckets = 32;  // per power of two from 64 up
  static constexpr int powers = 40;       // up to 2^45 us: any duration that fits
  static constexpr int bucket_count = exact_below + sub_buckets * powers;
  static int bucket_of(std::int64_t micros);
  static std::int64_t upper_bound_of(int bucket);

  std::array<std::uint64_t, bucket_count> buckets_{};
  std::uint64_t count_ = 0;
  std::int64_t max_us_ = 0;
};

}  // namespace huawu
