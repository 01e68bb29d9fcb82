#pragma once
// Business rejections are values, one name per rule. A request is either
// decided into events or refused with exactly one of these.
#include <cstdint>
#include <string_view>

namespace huawu {

enum class Rejection : std::uint8_t {
  none = 0,
  ledger_already_created,
  ledger_not_created,
  account_id_invalid,
  account_exists,
  account_not_found,
  account_closed,
  account_has_balance,      // close without saying what happens to the money
  amount_must_be_positive,
  amount_too_large,         // one amount above limits::amount_units_max
  balance_limit_exceeded,   // the balance would pass limits::balance_units_max
  text_invalid,             // a name or reference too long or with control characters
  idempotency_key_invalid,
  idempotency_key_reused,   // same key, different request content
  storage_failed,           // the store refused a write: the writer stopped (fail-stop)
  writer_stopped,           // submitted after the writer was closed
};

inline constexpr std::uint8_t rejection_count = static_cast<std::uint8_t>(Rejection::writer_stopped) + 1;

// The stable snake_case name shown to people and in JSON ("account_not_found").
std::string_view rejection_name(Rejection rejection);

}  // namespace huawu
