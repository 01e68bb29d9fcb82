// The daemon's reply-time histogram (ledger/reply_times.h): exact below
// 64 us, within 1/32 above, percentiles by rank, and its one-line summary.
#include "ledger/reply_times.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace huawu {
namespace {

TEST_CASE("reply times: empty, exact small values and ranks", "[reply_times]") {
  ReplyTimes times;
  CHECK(times.count() == 0);
  CHECK(times.percentile_us(0.99) == 0);
  CHECK(times.summary() == "0 replies, p50 0.000 ms, p99 0.000 ms, p99.9 0.000 ms, max 0.000 ms");

  // 1..63 us are their own buckets: percentiles are exact.
  for (std::int64_t us = 1; us <= 63; ++us) times.record(us);
  CHECK(times.count() == 63);
  CHECK(times.max_us() == 63);
  CHECK(times.percentile_us(0.0) == 1);   // the first value at least
  CHECK(times.percentile_us(0.5) == 32);  // rank ceil(31.5) = 32
  CHECK(times.percentile_us(1.0) == 63);

  // A negative time (a clock step) counts as zero rather than breaking the histogram.
  ReplyTimes skewed;
  skewed.record(-5);
  CHECK(skewed.count() == 1);
  CHECK(skewed.percentile_us(0.5) == 0);

  times.clear();
  CHECK(times.count() == 0);
  CHECK(times.max_us() == 0);
}

TEST_CASE("reply times: every percentile within 1/32 above the true value", "[reply_times]") {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> spread(7.0, 1.5);  // around 1 ms, tails to seconds
  std::vector<std::int64_t> values;
  ReplyTimes times;
  for (int i = 0; i < 200'000; ++i) {
    const auto us = static_cast<std::int64_t>(spread(rng));
    values.push_back(us);
    times.record(us);
  }
  std::sort(values.begin(), values.end());
  CHECK(times.max_us() == values.back());
  for (double fraction : {0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
    INFO("fraction " << fraction);
    const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(values.size())));
    const std::int64_t exact = values[std::max<std::size_t>(rank, 1) - 1];
    const std::int64_t reported = times.percentile_us(fraction);
    CHECK(reported >= exact);
    CHECK(static_cast<double>(reported) <= static_cast<double>(exact) * (1.0 + 1.0 / 32) + 1);
  }
}

TEST_CASE("reply times: bucket edges and huge values", "[reply_times]") {
  ReplyTimes times;
  times.record(64);
  CHECK(times.percentile_us(1.0) == 64);  // never above the largest value seen
  times.record(127);
  times.record(128);
  CHECK(times.percentile_us(0.33) == 65);   // rank 1: 64 is in 64..65
  CHECK(times.percentile_us(0.66) == 127);  // rank 2: 127 is in 126..127
  CHECK(times.percentile_us(1.0) == 128);   // rank 3: 128..131, capped at the largest value
  // An hour, and more than any bucket: counted, and the maximum is exact.
  times.record(3'600'000'000);
  times.record(INT64_MAX);
  CHECK(times.count() == 5);
  CHECK(times.max_us() == INT64_MAX);
  CHECK(times.percentile_us(0.8) >= 3'600'000'000);
  // The median is the third value, 128, reported as its bucket's top, 131.
  CHECK(times.summary().rfind("5 replies, p50 0.131 ms, ", 0) == 0);
}

}  // namespace
}  // namespace huawu
