// Rating: the billing rule of ledger/rating.h as tables, one call a row.
// Expected costs are worked out by hand in the comments (issue 3, clause A2.1).
#include "ledger/rating.h"

#include <catch2/catch.hpp>

#include <string>

#include "events/limits.h"

namespace huawu {
namespace {

Rate rate(std::int64_t price_units, std::uint32_t first, std::uint32_t next,
          std::int64_t connect_units = 0) {
  return Rate{"86", "China", price_units, connect_units, first, next};
}

TEST_CASE("rating: billed seconds and cost, one call a row", "[rating]") {
  struct Row {
    Rate rate;
    std::int64_t duration_ms;
    std::int64_t billed_seconds;
    std::int64_t cost_units;
  };
  const Row rows[] = {
      // 60/60 at 7.5 fen/min (750 units): any answered call starts a minute.
      {rate(750, 60, 60), 1, 60, 750},
      {rate(750, 60, 60), 60'000, 60, 750},
      {rate(750, 60, 60), 60'001, 120, 1'500},  // 60.001 s rounds up to 61 s -> 2 minutes
      // 30/6: first 30 s, then 6 s blocks. 31 s -> 36 s -> 36*750/60 = 450.
      {rate(750, 30, 6), 29'000, 30, 375},
      {rate(750, 30, 6), 31'000, 36, 450},
      {rate(750, 30, 6), 36'000, 36, 450},
      {rate(750, 30, 6), 36'500, 42, 525},
      // 6/6: 7 s -> 12 s -> 150.
      {rate(750, 6, 6), 7'000, 12, 150},
      // 1/1: 7 s -> 7*750/60 = 87.5 -> rounded up once, to 88.
      {rate(750, 1, 1), 7'000, 7, 88},
      {rate(750, 1, 1), 7'001, 8, 100},
      {rate(700, 1, 1), 1'000, 1, 12},  // 700/60 = 11.67 -> 12
      // Connect fee 10 fen (1000 units) + 1 minute at 750: 1750.
      {rate(750, 60, 60, 1'000), 1'000, 60, 1'750},
      // Connect fee and 1/1 at 7 fen: (1000*60 + 1*700)/60 = 1011.67 -> 1012.
      {rate(700, 1, 1, 1'000), 1'000, 1, 1'012},
      // Zero-length (unanswered): nothing, not even the connect fee.
      {rate(750, 60, 60, 1'000), 0, 0, 0},
      {rate(750, 1, 1, 1'000), 0, 0, 0},
      // The longest call: 10^7 s at 10^6 fen/min. 10^7 = 166,666*60 + 40, so
      // billed = 10,000,020 s = 166,667 minutes -> 166,667 * 10^8 units.
      {rate(limits::rate_price_fen_max * 100, 60, 60), limits::call_duration_ms_max, 10'000'020,
       16'666'700'000'000},
  };
  for (const Row& row : rows) {
    INFO("price " << row.rate.price_units_per_minute << " blocks " << row.rate.first_block_seconds
                  << "/" << row.rate.next_block_seconds << " connect "
                  << row.rate.connect_fee_units << " duration_ms " << row.duration_ms);
    CHECK(billed_seconds(row.duration_ms, row.rate.first_block_seconds,
                         row.rate.next_block_seconds) == row.billed_seconds);
    CHECK(call_cost_units(row.rate, row.duration_ms) == row.cost_units);
  }
}

TEST_CASE("rating: cost never decreases as a call gets longer", "[rating]") {
  const Rate r = rate(750, 30, 6, 500);
  std::int64_t previous = 0;
  for (std::int64_t ms = 0; ms <= 600'000; ms += 250) {
    const std::int64_t cost = call_cost_units(r, ms);
    REQUIRE(cost >= previous);
    previous = cost;
  }
}

TEST_CASE("rating: prices in fen with at most 2 decimals", "[rating]") {
  std::string why;
  CHECK(parse_fen("7.5", &why) == 750);
  CHECK(parse_fen("8.5", &why) == 850);
  CHECK(parse_fen("0.01", &why) == 1);
  CHECK(parse_fen("12", &why) == 1'200);
  CHECK(parse_fen("1000000", &why) == 100'000'000);
  for (const char* bad : {"7.555", "-1", "+1", "1e3", "", ".5", "5.", "abc", "1000000.01", "7,5"}) {
    INFO(bad);
    why.clear();
    CHECK_FALSE(parse_fen(bad, &why).has_value());
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("rating: longest prefix wins, shorter prefixes shadowed only where longer match",
          "[rating]") {
  PrefixTable table;
  table.insert(Rate{"86", "China", 750, 0, 60, 60});
  table.insert(Rate{"8613", "China mobile", 900, 0, 60, 60});
  table.insert(Rate{"86138", "China mobile 138", 1'000, 0, 6, 6});
  table.insert(Rate{"1", "North America", 300, 0, 6, 6});
  CHECK(table.size() == 4);

  struct Row {
    const char* number;
    const char* prefix;  // nullptr: no rate
  };
  const Row rows[] = {
      {"8613800138000", "86138"}, {"8613900139000", "8613"}, {"862012345678", "86"},
      {"86", "86"},               {"8", nullptr},            {"12125550100", "1"},
      {"4420", nullptr},          {"", nullptr},             {"86138x", "86138"},
  };
  for (const Row& row : rows) {
    INFO(row.number);
    const Rate* found = table.lookup(row.number);
    if (row.prefix == nullptr) {
      CHECK(found == nullptr);
    } else {
      REQUIRE(found != nullptr);
      CHECK(found->prefix == row.prefix);
    }
  }
  // A re-import of a prefix replaces its rate.
  table.insert(Rate{"86", "China (new)", 700, 0, 60, 60});
  CHECK(table.size() == 4);
  CHECK(table.lookup("862012345678")->price_units_per_minute == 700);
}

}  // namespace
}  // namespace huawu
