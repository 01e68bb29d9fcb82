#pragma once
// Postings of expected events, one builder per ledger account kind (CNY
// units; owner empty for the ledger-wide accounts).
#include <cstdint>
#include <string>

#include "events/event.h"

namespace huawu::test {

inline Posting cash(std::int64_t amount) {
  return Posting{LedgerAccountKind::external_cash, "", Unit::cny_units, amount};
}
inline Posting wallet(const std::string& owner, std::int64_t amount) {
  return Posting{LedgerAccountKind::user_wallet, owner, Unit::cny_units, amount};
}
inline Posting hold(const std::string& owner, std::int64_t amount) {
  return Posting{LedgerAccountKind::user_hold, owner, Unit::cny_units, amount};
}
inline Posting arrears(const std::string& owner, std::int64_t amount) {
  return Posting{LedgerAccountKind::user_arrears, owner, Unit::cny_units, amount};
}
inline Posting revenue(std::int64_t amount) {
  return Posting{LedgerAccountKind::call_revenue, "", Unit::cny_units, amount};
}

}  // namespace huawu::test
