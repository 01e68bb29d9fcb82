#include "ledger/rating.h"

#include "events/invariant.h"
#include "events/limits.h"
#include "events/money.h"

namespace huawu {

std::optional<std::int64_t> parse_fen(std::string_view text, std::string* why) {
  // 1 fen = 100 units: fen with 2 decimals are units exactly.
  return parse_decimal(text, 2, limits::rate_price_fen_max * 100, "price", "fen, e.g. 7.5", why);
}

std::int64_t billed_seconds(std::int64_t duration_ms, std::uint32_t first_block_seconds,
                            std::uint32_t next_block_seconds) {
  HUAWU_ASSERT(duration_ms >= 0 && duration_ms <= limits::call_duration_ms_max, "duration range");
  HUAWU_ASSERT(first_block_seconds > 0 && next_block_seconds > 0, "blocks are positive");
  if (duration_ms == 0) return 0;
  const std::int64_t seconds = (duration_ms + 999) / 1000;
  const std::int64_t first = first_block_seconds;
  const std::int64_t next = next_block_seconds;
  if (seconds <= first) return first;
  return first + (seconds - first + next - 1) / next * next;
}

std::int64_t call_cost_units(const Rate& rate, std::int64_t duration_ms) {
  const std::int64_t billed =
      billed_seconds(duration_ms, rate.first_block_seconds, rate.next_block_seconds);
  if (billed == 0) return 0;  // unanswered: not even the connect fee
  // Exact in 64 bits: billed <= 10^7 s and price <= 10^8 units/minute.
  const std::int64_t numerator = rate.connect_fee_units * 60 + billed * rate.price_units_per_minute;
  return (numerator + 59) / 60;
}

std::int32_t PrefixTable::new_node() {
  nodes_.push_back(Node{{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1}, -1});
  return static_cast<std::int32_t>(nodes_.size() - 1);
}

void PrefixTable::insert(const Rate& rate) {
  HUAWU_ASSERT(!rate.prefix.empty() && rate.prefix.size() <= limits::rate_prefix_digits_max,
               "prefix length");
  std::int32_t node = 0;
  for (char c : rate.prefix) {
    HUAWU_ASSERT(c >= '0' && c <= '9', "prefixes are digits");
    std::int32_t next = nodes_[node].child[c - '0'];
    if (next < 0) {
      next = new_node();
      nodes_[node].child[c - '0'] = next;
    }
    node = next;
  }
  if (nodes_[node].rate >= 0) {
    rates_[nodes_[node].rate] = rate;
  } else {
    nodes_[node].rate = static_cast<std::int32_t>(rates_.size());
    rates_.push_back(rate);
  }
}

const Rate* PrefixTable::lookup(std::string_view number) const {
  std::int32_t node = 0;
  std::int32_t best = -1;
  for (char c : number) {
    if (c < '0' || c > '9') break;
    node = nodes_[node].child[c - '0'];
    if (node < 0) break;
    if (nodes_[node].rate >= 0) best = nodes_[node].rate;
  }
  return best < 0 ? nullptr : &rates_[best];
}

}  // namespace huawu
