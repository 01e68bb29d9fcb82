// Money as text: parse_yuan and format_yuan (events/money.h). Amounts are int64
// units, 1 unit = 0.0001 yuan (DESIGN §3); these tests pin the accepted
// grammar, every refusal with its reason, and the exact text form.
#include "events/money.h"

#include <catch2/catch.hpp>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include "events/limits.h"

namespace huawu {
namespace {

TEST_CASE("parse_yuan accepts digits with at most four decimals", "[money]") {
  struct Row {
    const char* text;
    std::int64_t units;
  };
  // Expected units worked out by hand: yuan * 10'000 plus the decimals.
  const Row rows[] = {
      {"50", 500'000},
      {"12.3456", 123'456},
      {"0.0001", 1},
      {"0.5", 5'000},
      {"0.05", 500},
      {"7.5", 75'000},
      {"1", 10'000},
      {"0", 0},
      {"0.0000", 0},
      {"007", 70'000},  // leading zeros are digits like any other
      {"99999999.9999", 999'999'999'999},
      {"100000000", 1'000'000'000'000},  // limits::amount_units_max, the largest amount
      {"100000000.0000", 1'000'000'000'000},
      {"0000000000000000000000000000000100000000", 1'000'000'000'000},
  };
  for (const Row& row : rows) {
    INFO("text = '" << row.text << "'");
    std::string why;
    const auto units = parse_yuan(row.text, &why);
    REQUIRE(units.has_value());
    CHECK(*units == row.units);
    CHECK(why.empty());
  }
  CHECK(*parse_yuan("100000000", nullptr) == limits::amount_units_max);
}

TEST_CASE("parse_yuan refuses everything else and says why", "[money]") {
  struct Row {
    std::string text;
    const char* reason;  // a fragment of the message shown to the operator
  };
  const Row rows[] = {
      {"", "empty"},
      {"1e3", "no exponent"},
      {"1E3", "no exponent"},
      {"-5", "write no sign"},
      {"-0", "write no sign"},
      {"+5", "write no sign"},
      {"12.34567", "at most 4 decimals"},
      {"0.00001", "at most 4 decimals"},
      {"abc", "only digits"},
      {".5", "digit before the decimal point"},
      {".", "digit before the decimal point"},
      {"5.", "digit after the decimal point"},
      {" 5", "only digits"},
      {"5 ", "only digits"},
      {"1,000", "only digits"},
      {"0x10", "only digits"},
      {"1.2.3", "only digits"},
      {"1.-2", "only digits"},
      {"５", "only digits"},  // a full-width digit is not an ASCII digit
      {std::string("5\0", 2), "only digits"},
      {"100000000.0001", "too large"},  // one unit above limits::amount_units_max
      {"100000001", "too large"},
      {"999999999", "too large"},
      {"1000000000", "too large"},
      // Far longer than any int64: refused on the digit count, before any overflow.
      {"1" + std::string(30, '0'), "too large"},
      {std::string(1000, '9'), "too large"},
      {std::string(1000, '9') + ".9999", "too large"},
  };
  for (const Row& row : rows) {
    INFO("text = '" << row.text << "'");
    std::string why;
    const auto units = parse_yuan(row.text, &why);
    CHECK_FALSE(units.has_value());
    CHECK_THAT(why, Catch::Matchers::StartsWith("invalid amount '" + row.text + "': "));
    CHECK_THAT(why, Catch::Matchers::Contains(row.reason));
    // The caller may not want the reason at all.
    CHECK_FALSE(parse_yuan(row.text, nullptr).has_value());
  }
}

TEST_CASE("format_yuan writes exactly four decimals", "[money]") {
  struct Row {
    std::int64_t units;
    const char* text;
  };
  const Row rows[] = {
      {0, "0.0000"},
      {1, "0.0001"},
      {-5, "-0.0005"},
      {123'456, "12.3456"},
      {500'000, "50.0000"},
      {-10'000, "-1.0000"},
      {10'001, "1.0001"},
      {1'000'000'000'000, "100000000.0000"},
      // INT64_MAX = 9223372036854775807: split off the last four digits.
      {std::numeric_limits<std::int64_t>::max(), "922337203685477.5807"},
      // INT64_MIN = -9223372036854775808 has no positive twin; still exact.
      {std::numeric_limits<std::int64_t>::min(), "-922337203685477.5808"},
      {std::numeric_limits<std::int64_t>::min() + 1, "-922337203685477.5807"},
  };
  for (const Row& row : rows) {
    INFO("units = " << row.units);
    CHECK(format_yuan(row.units) == row.text);
  }
}

// An oracle written a different way from format_yuan: printf arithmetic on
// the absolute value, for values where negation cannot overflow.
std::string printf_yuan(std::int64_t units) {
  const std::int64_t magnitude = units < 0 ? -units : units;
  char text[64];
  std::snprintf(text, sizeof text, "%s%" PRId64 ".%04" PRId64, units < 0 ? "-" : "",
                magnitude / 10'000, magnitude % 10'000);
  return text;
}

TEST_CASE("format_yuan agrees with a printf oracle on random values", "[money]") {
  std::mt19937_64 random(20240601);
  std::uniform_int_distribution<std::int64_t> any(std::numeric_limits<std::int64_t>::min() + 1,
                                                  std::numeric_limits<std::int64_t>::max());
  for (int i = 0; i < 10'000; ++i) {
    const std::int64_t units = any(random);
    INFO("units = " << units);
    REQUIRE(format_yuan(units) == printf_yuan(units));
  }
}

TEST_CASE("parse_yuan(format_yuan(x)) == x for every amount in range", "[money]") {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<std::int64_t> amount(0, limits::amount_units_max);
  // Small values exercise the decimals, large ones the whole part.
  std::uniform_int_distribution<std::int64_t> small(0, 100'000);
  std::vector<std::int64_t> values = {
      0, 1, 9'999, 10'000, limits::amount_units_max - 1, limits::amount_units_max};
  for (int i = 0; i < 10'000; ++i) values.push_back(amount(random));
  for (int i = 0; i < 10'000; ++i) values.push_back(small(random));
  for (const std::int64_t units : values) {
    const std::string text = format_yuan(units);
    INFO("units = " << units << ", text = " << text);
    std::string why;
    const auto parsed = parse_yuan(text, &why);
    REQUIRE(parsed.has_value());
    REQUIRE(*parsed == units);
  }
}

}  // namespace
}  // namespace huawu
