// Promotions (issue 6, clause B3.2): an agent's discount changes retail
// prices only once the provider approved and filed it, only for users of the
// agent's subtree on the promotion's plan, only on the days of its window,
// until withdrawn; the rating records which promotion it applied. The
// discount rule rounds up to the unit. Bad requests are named.
#include <catch2/catch.hpp>

#include "projections/promotions.h"
#include "tests/agents_ledger.h"
#include "tests/contract_support.h"

namespace huawu {
namespace {

using test::AgentsLedger;
using test::authorize_call;
using test::fen;

// bj (with sub-agent bj-cy) and sh; each with a pool; users u-bj, u-cy, u-sh on "retail"
// (10 fen a minute to 86) and u-other on "other". The ledger's day is 2025-01-01.
void tree(AgentsLedger& ledger) {
  for (const auto& [agent, parent] : {std::pair{"bj", ""}, {"bj-cy", "bj"}, {"sh", ""}}) {
    REQUIRE(ledger.submit(AddAgent{agent, parent, agent, 500}) == Rejection::none);
    REQUIRE(ledger.submit(RecordAgentPayment{agent, AgentPaymentKind::traffic, 1'000'000, "T"}) == Rejection::none);
  }
  REQUIRE(ledger.submit(BuyTraffic{"bj", 1'000}) == Rejection::none);
  REQUIRE(ledger.submit(BuyTraffic{"bj-cy", 500}) == Rejection::none);
  REQUIRE(ledger.submit(BuyTraffic{"sh", 1'000}) == Rejection::none);
  REQUIRE(ledger.submit(ImportRatePlan{"other", "other.csv", {Rate{"86", "China", 20 * fen, 0, 60, 60}}}) ==
          Rejection::none);
  for (const auto& [user, agent, plan] : {std::tuple{"u-bj", "bj", "retail"}, {"u-cy", "bj-cy", "retail"},
                                          {"u-sh", "sh", "retail"}, {"u-other", "bj", "other"}})
    REQUIRE(ledger.submit(OpenAccount{user, plan, 100'000 * fen, agent}) == Rejection::none);
}

// The rate a one-minute call of `user` is authorized at.
CallRate rate_of_call(AgentsLedger& ledger, const std::string& user) {
  static int call = 0;
  REQUIRE(ledger.switch_reason(authorize_call("c" + std::to_string(++call), user, 60)) == "");
  return std::get<CallAuthorized>(ledger.last().events.at(0).payload).rate;
}

Rejection request(AgentsLedger& ledger, const char* agent, std::uint32_t basis_points, const char* from,
                  const char* to, const char* plan = "retail") {
  return ledger.submit(RequestPromotion{agent, plan, basis_points, from, to});
}

TEST_CASE("B3.2: a promotion used before approval is not applied, once approved and filed it is, and rating records it",
          "[promotions]") {
  AgentsLedger ledger;
  tree(ledger);
  REQUIRE(request(ledger, "bj", 2'000, "2025-01-01", "2025-01-31") == Rejection::none);  // 20% off
  const auto& requested = std::get<PromotionRequested>(ledger.last().events.at(0).payload);
  CHECK(requested.promotion == "P000001");
  // Requested, not approved: the plan's price.
  CallRate rate = rate_of_call(ledger, "u-bj");
  CHECK(rate.price_units_per_minute == 10 * fen);
  CHECK(rate.promotion.empty());
  REQUIRE(ledger.submit(ApprovePromotion{"P000001", "FILING-2025-001"}) == Rejection::none);
  rate = rate_of_call(ledger, "u-bj");
  CHECK(rate.price_units_per_minute == 8 * fen);
  CHECK(rate.promotion == "P000001");
  // The settle bills at the rate fixed with the hold, and records the promotion.
  const std::string call = std::get<CallAuthorized>(ledger.last().events.at(0).payload).call_id;
  REQUIRE(ledger.switch_reason(SettleCall{call, test::agents_start_us, 60'000, 16}) == "");
  const auto& settled = std::get<CallSettled>(ledger.last().events.at(0).payload);
  CHECK(settled.cost_units == 8 * fen);
  CHECK(settled.rate.promotion == "P000001");
  // A call record is rated the same way.
  REQUIRE(ledger.switch_reason(RecordCall{"r1", "u-bj", "8610000000", "8620123456", test::agents_start_us, 120'000,
                                          16}) == "");
  CHECK(std::get<CallSettled>(ledger.last().events.at(0).payload).cost_units == 16 * fen);
  // The whole subtree, but only it, and only on the promotion's plan.
  CHECK(rate_of_call(ledger, "u-cy").promotion == "P000001");
  CHECK(rate_of_call(ledger, "u-sh").promotion.empty());
  CHECK(rate_of_call(ledger, "u-other").price_units_per_minute == 20 * fen);
}

TEST_CASE("B3.2: only inside its window and until withdrawn, of two, the larger discount", "[promotions]") {
  AgentsLedger ledger;
  tree(ledger);
  REQUIRE(request(ledger, "bj", 1'000, "2025-01-02", "2025-01-03") == Rejection::none);
  REQUIRE(ledger.submit(ApprovePromotion{"P000001", "F-1"}) == Rejection::none);
  CHECK(rate_of_call(ledger, "u-bj").promotion.empty());  // 2025-01-01: before the window
  ledger.advance_to(test::china_time("2025-01-02", 0));
  CHECK(rate_of_call(ledger, "u-bj").promotion == "P000001");
  // The sub-agent's own, larger promotion wins for its users; the parent's still applies to the parent's.
  REQUIRE(request(ledger, "bj-cy", 2'500, "2025-01-01", "2025-01-31") == Rejection::none);
  REQUIRE(ledger.submit(ApprovePromotion{"P000002", "F-2"}) == Rejection::none);
  const CallRate cy = rate_of_call(ledger, "u-cy");
  CHECK(cy.promotion == "P000002");
  CHECK(cy.price_units_per_minute == 750);
  CHECK(rate_of_call(ledger, "u-bj").promotion == "P000001");
  ledger.advance_to(test::china_time("2025-01-04", 0));
  CHECK(rate_of_call(ledger, "u-bj").promotion.empty());  // after the window
  REQUIRE(ledger.submit(WithdrawPromotion{"P000002", "budget spent"}) == Rejection::none);
  CHECK(rate_of_call(ledger, "u-cy").promotion.empty());
  CHECK(ledger.state().promotions().find("P000002")->phase == PromotionPhase::withdrawn);
}

TEST_CASE("B3.2: the discount rule rounds each price up to the unit", "[promotions]") {
  PromotionState p;
  p.requested = PromotionRequested{"P000001", "bj", "retail", 3'333, "2025-01-01", "2025-01-31"};
  p.phase = PromotionPhase::approved;
  const CallRate base{"86", 7, 1'001, 60, 60, {}};
  const CallRate discounted = discounted_rate(base, p);
  CHECK(discounted.price_units_per_minute == 5);     // 7 x 0.6667 = 4.6669 -> 5
  CHECK(discounted.connect_fee_units == 668);        // 1001 x 0.6667 = 667.3667 -> 668
  CHECK(discounted.first_block_seconds == 60);
  p.requested.discount_basis_points = 10'000;        // 100% off: free
  CHECK(discounted_rate(base, p).price_units_per_minute == 0);
  CHECK(parse_discount_percent("12.5") == 1'250u);
  CHECK(parse_discount_percent("100") == 10'000u);
  CHECK_FALSE(parse_discount_percent("0").has_value());
  CHECK_FALSE(parse_discount_percent("100.01").has_value());
  CHECK_FALSE(parse_discount_percent("-5").has_value());
  CHECK_FALSE(parse_discount_percent("1.234").has_value());
  CHECK(format_discount_percent(1'250) == "12.50%");
  CHECK(format_discount_percent(2'000) == "20%");
}

TEST_CASE("B3.2: bad promotion requests and decisions are named and record nothing", "[promotions]") {
  AgentsLedger ledger;
  tree(ledger);
  const std::size_t events = ledger.events().size();
  CHECK(request(ledger, "nobody", 1'000, "2025-01-01", "2025-01-31") == Rejection::agent_not_found);
  CHECK(request(ledger, "bad id!", 1'000, "2025-01-01", "2025-01-31") == Rejection::agent_id_invalid);
  CHECK(request(ledger, "bj", 1'000, "2025-01-01", "2025-01-31", "nope") == Rejection::rate_plan_not_found);
  CHECK(request(ledger, "bj", 0, "2025-01-01", "2025-01-31") == Rejection::promotion_discount_invalid);
  CHECK(request(ledger, "bj", 10'001, "2025-01-01", "2025-01-31") == Rejection::promotion_discount_invalid);
  CHECK(request(ledger, "bj", 1'000, "2025-01-31", "2025-01-01") == Rejection::promotion_window_invalid);
  CHECK(request(ledger, "bj", 1'000, "2024-12-01", "2024-12-31") == Rejection::promotion_window_invalid);
  CHECK(request(ledger, "bj", 1'000, "2025-02-30", "2025-03-31") == Rejection::date_invalid);
  CHECK(ledger.submit(ApprovePromotion{"P000009", "F"}) == Rejection::promotion_not_found);
  CHECK(ledger.events().size() == events);
  REQUIRE(request(ledger, "bj", 1'000, "2025-01-01", "2025-01-31") == Rejection::none);
  CHECK(ledger.submit(ApprovePromotion{"P000001", ""}) == Rejection::filing_reference_required);
  REQUIRE(ledger.submit(ApprovePromotion{"P000001", "F"}) == Rejection::none);
  CHECK(ledger.submit(ApprovePromotion{"P000001", "F"}) == Rejection::promotion_not_pending);
  CHECK(ledger.submit(RejectPromotion{"P000001", "late"}) == Rejection::promotion_not_pending);
  REQUIRE(request(ledger, "sh", 1'000, "2025-01-01", "2025-01-31") == Rejection::none);
  REQUIRE(ledger.submit(RejectPromotion{"P000002", "not filed in time"}) == Rejection::none);
  CHECK(ledger.submit(WithdrawPromotion{"P000002", ""}) == Rejection::promotion_ended);
  CHECK(ledger.submit(ApprovePromotion{"P000002", "F"}) == Rejection::promotion_not_pending);
  // A rejected promotion never applies.
  CHECK(rate_of_call(ledger, "u-sh").promotion.empty());
}

}  // namespace
}  // namespace huawu
