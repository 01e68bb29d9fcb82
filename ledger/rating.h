#pragma once
// Rating: the one statement of how a call is billed (issue 3, clause A2.1).
//
//   billed seconds: 0 for a zero-length (unanswered) call; otherwise the
//     duration rounded up to whole seconds, then the first block if the call
//     fits in it, else first block + ceil((duration - first) / next) * next.
//   cost: 0 for a zero-length call; otherwise
//     connect fee + billed seconds * price per minute / 60,
//     rounded up to the unit (0.0001 yuan) once, at the end.
//
// Prices are written in fen with at most 2 decimals ("7.5" fen/minute) and
// kept as units: 1 fen = 100 units, so every price is exact.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.h"
#include "projections/rate_table.h"

namespace huawu {

// "7.5" -> 750 units; refuses signs, exponents, more than 2 decimals and
// prices above limits::rate_price_fen_max, setting *why.
std::optional<std::int64_t> parse_fen(std::string_view text, std::string* why);

// billed_seconds(duration_ms, first, next): the first half of the rule, in
// projections/rate_table.h (the agent projection counts billed seconds of
// traffic pools with it too).
std::int64_t call_cost_units(const CallRate& rate, std::int64_t duration_ms);
inline std::int64_t call_cost_units(const Rate& rate, std::int64_t duration_ms) {
  return call_cost_units(CallRate{rate.prefix, rate.price_units_per_minute, rate.connect_fee_units,
                                  rate.first_block_seconds, rate.next_block_seconds, {}},
                         duration_ms);
}

// The rate a call is billed with, taken from a plan's row.
CallRate call_rate_of(const Rate& rate);

// The most whole seconds, at most `cap_seconds`, whose cost at `rate` is at
// most `available_units`: 0 when not even the first block is affordable.
// Since billing rounds up to blocks, the answer ends on a block boundary
// unless the cap cuts it.
std::int64_t affordable_seconds(const CallRate& rate, std::int64_t available_units,
                                std::int64_t cap_seconds);

// The most seconds a grant may have so that its billable seconds (the first
// half of the rule) fit in `available_seconds` of an agent's traffic pool: 0
// when not even the first block fits; otherwise it ends on a block boundary.
std::int64_t billable_cap_seconds(const CallRate& rate, std::int64_t available_seconds);


}  // namespace huawu
