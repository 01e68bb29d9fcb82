#include "events/money.h"

#include "events/limits.h"

namespace huawu {

std::optional<std::int64_t> parse_decimal(std::string_view text, int decimals,
                                          std::int64_t scaled_max, std::string_view what,
                                          std::string_view example, std::string* why) {
  auto refuse = [&](const std::string& reason) -> std::optional<std::int64_t> {
    if (why)
      *why = "invalid " + std::string(what) + " '" + std::string(text) + "': " + reason;
    return std::nullopt;
  };
  const std::string only_digits = "only digits and one decimal point (" + std::string(example) + ")";
  if (text.empty()) return refuse("empty");
  if (text.front() == '-') return refuse("write no sign; " + std::string(what) + "s are positive");
  if (text.front() == '+') return refuse("write no sign");
  if (text.find_first_of("eE") != std::string_view::npos)
    return refuse("write the number out (no exponent), " + std::string(example));
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty()) return refuse("write a digit before the decimal point");
  if (dot != std::string_view::npos && fraction.empty())
    return refuse("write a digit after the decimal point");
  if (fraction.size() > static_cast<std::size_t>(decimals))
    return refuse("at most " + std::to_string(decimals) + " decimals");
  for (char c : whole)
    if (c < '0' || c > '9') return refuse(only_digits);
  for (char c : fraction)
    if (c < '0' || c > '9') return refuse(only_digits);
  // 13 significant whole digits times 10^4 still fit in int64: refuse longer
  // numbers on the digit count, before any arithmetic could overflow.
  const std::size_t first_nonzero = whole.find_first_not_of('0');
  if (first_nonzero != std::string_view::npos && whole.size() - first_nonzero > 13)
    return refuse("too large");
  std::int64_t scaled = 0;
  for (char c : whole) scaled = scaled * 10 + (c - '0');
  for (int i = 0; i < decimals; ++i) scaled *= 10;
  std::int64_t scale = 1;
  for (int i = 1; i < decimals; ++i) scale *= 10;
  for (char c : fraction) {
    scaled += (c - '0') * scale;
    scale /= 10;
  }
  if (scaled > scaled_max) return refuse("too large");
  return scaled;
}

std::optional<std::int64_t> parse_yuan(std::string_view text, std::string* why) {
  static_assert(units_per_yuan == 10'000, "4 decimals of yuan");
  return parse_decimal(text, 4, limits::amount_units_max, "amount", "yuan, e.g. 12.3456", why);
}

std::string format_yuan(std::int64_t units) {
  const bool negative = units < 0;
  // Work in unsigned so INT64_MIN formats without overflow.
  const std::uint64_t magnitude =
      negative ? std::uint64_t{0} - static_cast<std::uint64_t>(units) : static_cast<std::uint64_t>(units);
  std::string fraction = std::to_string(magnitude % units_per_yuan);
  fraction.insert(0, 4 - fraction.size(), '0');
  return (negative ? "-" : "") + std::to_string(magnitude / units_per_yuan) + "." + fraction;
}

}  // namespace huawu
