#pragma once
// Card numbers (issue 5, clause A2.3): what is printed on a card and typed by
// a user. A number is 16 digits: the kind digit (1 account card, 2 recharge
// voucher), the serial in 14 digits, and a Luhn check digit over the 15
// before it, so that a mistyped digit or two swapped neighbours is caught
// before the ledger is asked.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/event.h"

namespace huawu {

inline constexpr std::size_t card_number_digits = 16;
inline constexpr std::uint64_t card_serial_max = 99'999'999'999'999;  // 14 digits

// The Luhn check digit for `digits` (all '0'..'9'), as the digit to append.
char luhn_check_digit(std::string_view digits);
// True when the last digit of `number` is the Luhn check digit of the rest.
bool luhn_valid(std::string_view number);

// The number of the card with `serial` (1..card_serial_max) of `kind`;
// card_number_into writes its card_number_digits digits (no NUL) into `out`.
std::string card_number(CardKind kind, std::uint64_t serial);
void card_number_into(CardKind kind, std::uint64_t serial, char* out);

struct ParsedCardNumber {
  CardKind kind = CardKind::account;
  std::uint64_t serial = 0;
};

// The kind and serial of a well-formed number, or nullopt (wrong length, not
// digits, unknown kind digit, serial 0, Luhn check fails).
std::optional<ParsedCardNumber> parse_card_number(std::string_view number);

const char* card_kind_name(CardKind kind);  // "account", "recharge"

}  // namespace huawu
