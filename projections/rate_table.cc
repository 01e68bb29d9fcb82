#include "projections/rate_table.h"

#include "events/bytes.h"
#include "events/invariant.h"
#include "events/limits.h"

namespace huawu {

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

void write_rate(ByteWriter& w, const Rate& rate) {
  w.str(rate.prefix);
  w.str(rate.description);
  w.i64(rate.price_units_per_minute);
  w.i64(rate.connect_fee_units);
  w.u64(rate.first_block_seconds);
  w.u64(rate.next_block_seconds);
}

std::optional<Rate> read_rate(ByteReader& r) {
  Rate rate;
  rate.prefix = r.str();
  rate.description = r.str();
  rate.price_units_per_minute = r.i64();
  rate.connect_fee_units = r.i64();
  const std::uint64_t first = r.u64();
  const std::uint64_t next = r.u64();
  if (first > UINT32_MAX || next > UINT32_MAX) return std::nullopt;
  rate.first_block_seconds = static_cast<std::uint32_t>(first);
  rate.next_block_seconds = static_cast<std::uint32_t>(next);
  return rate;
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
