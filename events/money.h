#pragma once
// Money as an exact integer count of units: 1 unit = 0.0001 yuan (0.01 fen).
// Never floating point anywhere in huawu.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace huawu {

inline constexpr std::int64_t units_per_yuan = 10'000;
inline constexpr std::int64_t units_per_fen = 100;

// Parses a non-negative decimal number written with at most `decimals`
// decimals into an integer count of 10^-decimals ("7.5" with 2 -> 750).
// Refuses signs, exponents, spaces, empty parts ("5.", ".5") and values above
// `scaled_max`. On refusal sets *why to "invalid WHAT 'TEXT': REASON", where
// the reason quotes `example` (e.g. "yuan, e.g. 12.3456").
std::optional<std::int64_t> parse_decimal(std::string_view text, int decimals,
                                          std::int64_t scaled_max, std::string_view what,
                                          std::string_view example, std::string* why);

// Parses yuan written as digits with at most 4 decimals: "50", "12.3456",
// "0.5". Refuses signs, exponents, spaces, empty parts ("5.", ".5") and values
// above limits::amount_units_max. Returns nullopt and sets *why on refusal.
std::optional<std::int64_t> parse_yuan(std::string_view text, std::string* why);

// Formats units as yuan with exactly 4 decimals: 123456 -> "12.3456",
// -5 -> "-0.0005".
std::string format_yuan(std::int64_t units);

}  // namespace huawu
