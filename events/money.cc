#include "events/money.h"

#include <cstdlib>

#include "events/limits.h"

namespace huawu {

std::optional<std::int64_t> parse_yuan(std::string_view text, std::string* why) {
  auto refuse = [&](const char* reason) -> std::optional<std::int64_t> {
    if (why) *why = std::string("invalid amount '") + std::string(text) + "': " + reason;
    return std::nullopt;
  };
  if (text.empty()) return refuse("empty");
  if (text.front() == '-') return refuse("amounts are positive; write no sign");
  if (text.front() == '+') return refuse("write no sign");
  if (text.find_first_of("eE") != std::string_view::npos)
    return refuse("write the number out in yuan (no exponent), e.g. 1000");
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty()) return refuse("write a digit before the decimal point");
  if (dot != std::string_view::npos && fraction.empty())
    return refuse("write a digit after the decimal point");
  if (fraction.size() > 4) return refuse("at most 4 decimals (0.0001 yuan)");
  for (char c : whole)
    if (c < '0' || c > '9') return refuse("only digits and one decimal point (yuan, e.g. 12.3456)");
  for (char c : fraction)
    if (c < '0' || c > '9') return refuse("only digits and one decimal point (yuan, e.g. 12.3456)");
  // amount_units_max is 10^12 units = 10^8 yuan: 9 whole digits after leading
  // zeros are enough to detect overflow before it happens.
  std::size_t first_nonzero = whole.find_first_not_of('0');
  if (first_nonzero != std::string_view::npos && whole.size() - first_nonzero > 9)
    return refuse("too large");
  std::int64_t units = 0;
  for (char c : whole) units = units * 10 + (c - '0');
  units *= units_per_yuan;
  std::int64_t scale = units_per_yuan / 10;
  for (char c : fraction) {
    units += (c - '0') * scale;
    scale /= 10;
  }
  if (units > limits::amount_units_max) return refuse("too large (at most 100000000 yuan)");
  return units;
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
