#include "ledger/reply_times.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include <fmt/format.h>

namespace huawu {

int ReplyTimes::bucket_of(std::int64_t micros) {
  if (micros < exact_below) return static_cast<int>(std::max<std::int64_t>(micros, 0));
  const auto value = static_cast<std::uint64_t>(micros);
  // 64 <= value: its power of two above 2^6, and the top 5 bits below the
  // leading one pick the sub-bucket.
  const int power = static_cast<int>(std::bit_width(value)) - 7;  // 0 for 64..127
  const auto sub = static_cast<int>((value >> (power + 1)) & (sub_buckets - 1));
  return std::min(exact_below + power * sub_buckets + sub, bucket_count - 1);
}

std::int64_t ReplyTimes::upper_bound_of(int bucket) {
  if (bucket < exact_below) return bucket;
  const int power = (bucket - exact_below) / sub_buckets;
  const int sub = (bucket - exact_below) % sub_buckets;
  const std::int64_t width = std::int64_t{2} << power;  // 2 us wide from 64 to 127
  return (std::int64_t{64} << power) + (sub + 1) * width - 1;
}

void ReplyTimes::record(std::int64_t micros) {
  ++buckets_[static_cast<std::size_t>(bucket_of(micros))];
  ++count_;
  max_us_ = std::max(max_us_, micros);
}

std::int64_t ReplyTimes::percentile_us(double fraction) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(fraction * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (int bucket = 0; bucket < bucket_count; ++bucket) {
    seen += buckets_[static_cast<std::size_t>(bucket)];
    if (seen >= std::max<std::uint64_t>(rank, 1)) return std::min(upper_bound_of(bucket), max_us_);
  }
  return max_us_;
}

std::string ReplyTimes::summary() const {
  const auto ms = [](std::int64_t us) { return static_cast<double>(us) / 1000.0; };
  return fmt::format("{} replies, p50 {:.3f} ms, p99 {:.3f} ms, p99.9 {:.3f} ms, max {:.3f} ms", count_,
                     ms(percentile_us(0.50)), ms(percentile_us(0.99)), ms(percentile_us(0.999)), ms(max_us_));
}

}  // namespace huawu
