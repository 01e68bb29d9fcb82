#include "ledger/rating.h"

#include <algorithm>

#include "events/invariant.h"
#include "events/limits.h"
#include "events/money.h"

namespace huawu {

std::optional<std::int64_t> parse_fen(std::string_view text, std::string* why) {
  // 1 fen = 100 units: fen with 2 decimals are units exactly.
  return parse_decimal(text, 2, limits::rate_price_fen_max * 100, "price", "fen, e.g. 7.5", why);
}

std::int64_t call_cost_units(const CallRate& rate, std::int64_t duration_ms) {
  const std::int64_t billed =
      billed_seconds(duration_ms, rate.first_block_seconds, rate.next_block_seconds);
  if (billed == 0) return 0;  // unanswered: not even the connect fee
  // Exact in 64 bits: billed <= 10^7 s and price <= 10^8 units/minute.
  const std::int64_t numerator = rate.connect_fee_units * 60 + billed * rate.price_units_per_minute;
  return (numerator + 59) / 60;
}

CallRate call_rate_of(const Rate& rate) {
  return CallRate{rate.prefix, rate.price_units_per_minute, rate.connect_fee_units,
                  rate.first_block_seconds, rate.next_block_seconds, {}};
}

std::int64_t affordable_seconds(const CallRate& rate, std::int64_t available_units,
                                std::int64_t cap_seconds) {
  HUAWU_ASSERT(available_units >= 0 && available_units <= limits::balance_units_max, "available");
  HUAWU_ASSERT(rate.first_block_seconds > 0 && rate.next_block_seconds > 0, "blocks");
  if (cap_seconds <= 0) return 0;
  // cost(s) <= available  <=>  connect*60 + billed(s)*price <= available*60, because
  // ceil(x / 60) <= a exactly when x <= 60a for integers (call_cost_units).
  const std::int64_t budget = (available_units - rate.connect_fee_units) * 60;
  if (budget < 0) return 0;
  if (rate.price_units_per_minute == 0) return cap_seconds;
  const std::int64_t billed_max = budget / rate.price_units_per_minute;
  const std::int64_t first = rate.first_block_seconds;
  const std::int64_t next = rate.next_block_seconds;
  if (billed_max < first) return 0;
  const std::int64_t billed_grant = first + (billed_max - first) / next * next;
  return std::min(cap_seconds, billed_grant);
}

std::int64_t billable_cap_seconds(const CallRate& rate, std::int64_t available_seconds) {
  HUAWU_ASSERT(rate.first_block_seconds > 0 && rate.next_block_seconds > 0, "blocks");
  const std::int64_t first = rate.first_block_seconds;
  const std::int64_t next = rate.next_block_seconds;
  if (available_seconds < first) return 0;
  return first + (available_seconds - first) / next * next;
}

}  // namespace huawu
