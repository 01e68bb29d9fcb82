#include "events/card_number.h"

namespace huawu {

char luhn_check_digit(std::string_view digits) {
  // From the right, every second digit starting with the last one of `digits`
  // is doubled (it will be second from the right once the check is appended).
  int sum = 0;
  bool double_it = true;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (double_it) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double_it = !double_it;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

bool luhn_valid(std::string_view number) {
  if (number.size() < 2) return false;
  for (char c : number)
    if (c < '0' || c > '9') return false;
  return luhn_check_digit(number.substr(0, number.size() - 1)) == number.back();
}

void card_number_into(CardKind kind, std::uint64_t serial, char* out) {
  out[0] = kind == CardKind::account ? '1' : '2';
  for (std::size_t i = card_number_digits - 2; i >= 1; --i) {
    out[i] = static_cast<char>('0' + serial % 10);
    serial /= 10;
  }
  out[card_number_digits - 1] = luhn_check_digit(std::string_view(out, card_number_digits - 1));
}

std::string card_number(CardKind kind, std::uint64_t serial) {
  std::string number(card_number_digits, '0');
  card_number_into(kind, serial, number.data());
  return number;
}

std::optional<ParsedCardNumber> parse_card_number(std::string_view number) {
  if (number.size() != card_number_digits || !luhn_valid(number)) return std::nullopt;
  ParsedCardNumber parsed;
  if (number[0] == '1')
    parsed.kind = CardKind::account;
  else if (number[0] == '2')
    parsed.kind = CardKind::recharge;
  else
    return std::nullopt;
  for (std::size_t i = 1; i + 1 < card_number_digits; ++i) parsed.serial = parsed.serial * 10 + (number[i] - '0');
  if (parsed.serial == 0) return std::nullopt;
  return parsed;
}

const char* card_kind_name(CardKind kind) { return kind == CardKind::account ? "account" : "recharge"; }

}  // namespace huawu
