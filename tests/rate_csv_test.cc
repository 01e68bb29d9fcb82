// Reading rate plans from CSV (ledger/rate_csv.h): what is accepted, and a
// named line for everything that is not.
#include "ledger/rate_csv.h"

#include <catch2/catch.hpp>

#include <string>

#include "events/limits.h"

namespace huawu {
namespace {

const std::string header =
    "prefix,description,price_fen_per_minute,connect_fee_fen,first_block_s,next_block_s\n";

TEST_CASE("rate CSV: rows become rates, exactly", "[rating][csv]") {
  const std::string text = header +
                           "86138,China Mobile 138,7.5,0,60,60\r\n"
                           "\"1\",\"North America, all\",3,10.25,30,6\n"
                           "\n"
                           "44,\"UK \"\"fixed\"\"\",12.34,0,1,1";
  std::string why;
  const auto rates = parse_rate_csv(text, &why);
  INFO(why);
  REQUIRE(rates.has_value());
  REQUIRE(rates->size() == 3);
  CHECK((*rates)[0] == Rate{"86138", "China Mobile 138", 750, 0, 60, 60});
  CHECK((*rates)[1] == Rate{"1", "North America, all", 300, 1'025, 30, 6});
  CHECK((*rates)[2] == Rate{"44", "UK \"fixed\"", 1'234, 0, 1, 1});
}

TEST_CASE("rate CSV: a header alone is an empty plan", "[rating][csv]") {
  std::string why;
  const auto rates = parse_rate_csv(header, &why);
  REQUIRE(rates.has_value());
  CHECK(rates->empty());
}

TEST_CASE("rate CSV: bad input is refused with its line", "[rating][csv]") {
  struct Row {
    std::string text;
    std::string fragment;  // expected in the reason
  };
  const Row rows[] = {
      {"", "header"},
      {"prefix,price\n86,1\n", "line 1: the header"},
      {header + "86,China,7.5,0,60\n", "line 2: expected 6 fields"},
      {header + "86,China,7.555,0,60,60\n", "line 2: invalid price"},
      {header + "86,China,-1,0,60,60\n", "line 2: invalid price"},
      {header + "86,China,7.5,x,60,60\n", "line 2: invalid price"},
      {header + "86,China,7.5,0,0,60\n", "line 2: blocks"},
      {header + "86,China,7.5,0,60,3601\n", "line 2: blocks"},
      {header + "86,China,7.5,0,6.5,6\n", "line 2: blocks"},
      {header + "+86,China,7.5,0,60,60\n", "line 2: prefix"},
      {header + "123456789012345678901,Long,1,0,60,60\n", "line 2: prefix"},
      {header + "86,China,1,0,60,60\n86,Again,2,0,60,60\n", "line 3: prefix 86 appears twice"},
      {header + "86,\"China,1,0,60,60\n", "line 2: unterminated quote"},
      {header + "86,\xff,1,0,60,60\n", "line 2: description"},
  };
  for (const Row& row : rows) {
    INFO(row.text);
    std::string why;
    CHECK_FALSE(parse_rate_csv(row.text, &why).has_value());
    CHECK_THAT(why, Catch::Contains(row.fragment));
  }
}

TEST_CASE("rate CSV: at most rate_plan_rows_max rows", "[rating][csv]") {
  std::string text = header;
  text.reserve(header.size() + (limits::rate_plan_rows_max + 1) * 24);
  for (std::size_t i = 0; i <= limits::rate_plan_rows_max; ++i)
    text += std::to_string(1'000'000 + i) + ",r,1,0,60,60\n";
  std::string why;
  CHECK_FALSE(parse_rate_csv(text, &why).has_value());
  CHECK_THAT(why, Catch::Contains("more than 200000 rates"));

  // Exactly the limit is accepted.
  text.resize(text.rfind(std::to_string(1'000'000 + limits::rate_plan_rows_max)));
  const auto rates = parse_rate_csv(text, &why);
  REQUIRE(rates.has_value());
  CHECK(rates->size() == limits::rate_plan_rows_max);
}

}  // namespace
}  // namespace huawu
