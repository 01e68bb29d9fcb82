// Agents' money and traffic (issue 4) by clause: 4.1 (prepaid traffic bought
// in minutes at the wholesale price, exact), B3.7 (first traffic payment,
// security deposit, franchise fee), calls consuming each level's pool, the
// pool's never-overspend rule, and margins. Then a property test: 10,000
// random operations across a random tree, with double entry checked after
// every event, per-agent statements equal to the ledger, and a rebuild from
// sequence 1 equal to the live state.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "events/limits.h"
#include "tests/agents_ledger.h"
#include "tests/property_seed.h"

namespace huawu {
namespace {

using Ledger = test::AgentsLedger;
using test::authorize_call;
using test::fen;

Rejection pay(Ledger& ledger, const std::string& agent, AgentPaymentKind kind, std::int64_t units) {
  return ledger.submit(RecordAgentPayment{agent, kind, units, "bank-" + agent});
}

TEST_CASE("4.1: 10,000 minutes at 8.5 fen a minute cost exactly 850.0000 yuan, paid in first", "[agents][money]") {
  Ledger ledger;
  REQUIRE(ledger.submit(AddAgent{"bj", "", "Beijing Reseller", 850}) == Rejection::none);
  // Traffic is prepaid: nothing paid in, nothing bought.
  CHECK(ledger.submit(BuyTraffic{"bj", 10'000}) == Rejection::agent_prepayment_insufficient);
  REQUIRE(pay(ledger, "bj", AgentPaymentKind::traffic, 8'500'000) == Rejection::none);  // 850 yuan
  REQUIRE(ledger.submit(BuyTraffic{"bj", 10'000}) == Rejection::none);
  const auto& bought = std::get<TrafficPurchased>(ledger.last().events[0].payload);
  CHECK(bought.cost_units == 8'500'000);
  CHECK(bought.price_units_per_minute == 850);
  CHECK(bought.seller.empty());
  CHECK(ledger.funds("bj").pool_seconds == 600'000);
  CHECK(ledger.funds("bj").prepaid_units() == 0);
  CHECK(ledger.ledger_units(LedgerAccountKind::traffic_pool, "bj", Unit::traffic_seconds) == 600'000);
  CHECK(ledger.ledger_units(LedgerAccountKind::traffic_source, "", Unit::traffic_seconds) == -600'000);
  CHECK(ledger.ledger_units(LedgerAccountKind::wholesale_revenue, "") == 8'500'000);
  // One minute more is past what it paid.
  CHECK(ledger.submit(BuyTraffic{"bj", 1}) == Rejection::agent_prepayment_insufficient);
  // A credit line from its parent lets it buy on account; it then owes.
  REQUIRE(ledger.submit(SetAgentCredit{"bj", 1'000'000, 0}) == Rejection::none);
  REQUIRE(ledger.submit(BuyTraffic{"bj", 1'000}) == Rejection::none);
  CHECK(ledger.funds("bj").prepaid_units() == -850'000);
  CHECK(ledger.submit(BuyTraffic{"bj", 200}) == Rejection::agent_prepayment_insufficient);  // 170,000 more
  CHECK(ledger.submit(BuyTraffic{"bj", 176}) == Rejection::none);                           // 149,600: within
  // Bad purchases, each named.
  CHECK(ledger.submit(BuyTraffic{"bj", 0}) == Rejection::minutes_invalid);
  CHECK(ledger.submit(BuyTraffic{"bj", -10}) == Rejection::minutes_invalid);
  CHECK(ledger.submit(BuyTraffic{"nobody", 10}) == Rejection::agent_not_found);
  REQUIRE(ledger.submit(AddAgent{"free", "", "No price yet", 0}) == Rejection::none);
  CHECK(ledger.submit(BuyTraffic{"free", 10}) == Rejection::agent_price_unset);
  CHECK(ledger.submit(SetAgentCredit{"bj", -1, 0}) == Rejection::credit_invalid);
  CHECK(ledger.submit(SetAgentCredit{"bj", 0, -60}) == Rejection::credit_invalid);
}

TEST_CASE("4.1: a sub-agent buys seconds out of its parent's pool, at the price its parent set", "[agents][money]") {
  Ledger ledger;
  REQUIRE(ledger.submit(SetLevelPrice{2, 1'000}) == Rejection::none);
  REQUIRE(ledger.submit(AddAgent{"bj", "", "Beijing", 850}) == Rejection::none);
  REQUIRE(ledger.submit(AddAgent{"bj-cy", "bj", "Chaoyang", 0}) == Rejection::none);
  REQUIRE(pay(ledger, "bj", AgentPaymentKind::traffic, 850'000) == Rejection::none);
  REQUIRE(ledger.submit(BuyTraffic{"bj", 1'000}) == Rejection::none);  // 60,000 s
  REQUIRE(pay(ledger, "bj-cy", AgentPaymentKind::traffic, 2'000'000) == Rejection::none);
  CHECK(ledger.submit(BuyTraffic{"bj-cy", 1'001}) == Rejection::parent_traffic_insufficient);
  REQUIRE(ledger.submit(BuyTraffic{"bj-cy", 400}) == Rejection::none);
  const auto& bought = std::get<TrafficPurchased>(ledger.last().events[0].payload);
  CHECK(bought.seller == "bj");
  CHECK(bought.cost_units == 400'000);  // the level-2 price: 10 fen
  CHECK(ledger.funds("bj").pool_seconds == 36'000);
  CHECK(ledger.funds("bj-cy").pool_seconds == 24'000);
  CHECK(ledger.ledger_units(LedgerAccountKind::wholesale_revenue, "bj") == 400'000);
  // The parent's new price applies to the next purchase only.
  REQUIRE(ledger.submit(SetAgentPrice{"bj-cy", 1'200}) == Rejection::none);
  REQUIRE(ledger.submit(BuyTraffic{"bj-cy", 100}) == Rejection::none);
  CHECK(std::get<TrafficPurchased>(ledger.last().events[0].payload).cost_units == 120'000);
  CHECK(ledger.funds("bj-cy").bought_units == 520'000);
  CHECK(ledger.funds("bj-cy").prepaid_units() == 2'000'000 - 520'000);
}

TEST_CASE("B3.7: deposit paid, refunded in part, forfeited with a reason, never more than held, fees to the parent",
          "[agents][money]") {
  Ledger ledger;
  REQUIRE(ledger.submit(AddAgent{"bj", "", "Beijing", 850}) == Rejection::none);
  REQUIRE(ledger.submit(AddAgent{"bj-cy", "bj", "Chaoyang", 900}) == Rejection::none);
  REQUIRE(pay(ledger, "bj", AgentPaymentKind::deposit, 50'000'000) == Rejection::none);       // 5,000 yuan
  REQUIRE(pay(ledger, "bj", AgentPaymentKind::franchise_fee, 20'000'000) == Rejection::none); // to the provider
  REQUIRE(pay(ledger, "bj-cy", AgentPaymentKind::franchise_fee, 5'000'000) == Rejection::none);  // to bj
  REQUIRE(pay(ledger, "bj-cy", AgentPaymentKind::other, 10'000) == Rejection::none);
  CHECK(ledger.funds("bj").deposit_units == 50'000'000);
  CHECK(ledger.ledger_units(LedgerAccountKind::fee_revenue, "") == 20'000'000);
  CHECK(ledger.ledger_units(LedgerAccountKind::fee_revenue, "bj") == 5'010'000);
  CHECK(ledger.funds("bj").prepaid_units() == 0);  // fees and deposits buy no traffic

  CHECK(ledger.submit(ReleaseDeposit{"bj", 10'000'000, DepositDisposition::forfeited, ""}) ==
        Rejection::reason_required);
  REQUIRE(ledger.submit(ReleaseDeposit{"bj", 10'000'000, DepositDisposition::forfeited, "late payment, B3.7"}) ==
          Rejection::none);
  CHECK(ledger.ledger_units(LedgerAccountKind::deposit_forfeited, "") == 10'000'000);
  REQUIRE(ledger.submit(ReleaseDeposit{"bj", 15'000'000, DepositDisposition::refunded, ""}) == Rejection::none);
  CHECK(ledger.funds("bj").deposit_units == 25'000'000);
  CHECK(ledger.submit(ReleaseDeposit{"bj", 25'000'001, DepositDisposition::refunded, ""}) ==
        Rejection::deposit_insufficient);
  CHECK(ledger.submit(ReleaseDeposit{"bj-cy", 1, DepositDisposition::refunded, ""}) ==
        Rejection::deposit_insufficient);
  CHECK(pay(ledger, "bj", AgentPaymentKind::deposit, 0) == Rejection::amount_must_be_positive);
  CHECK(pay(ledger, "bj", AgentPaymentKind::deposit, -5) == Rejection::amount_must_be_positive);
  CHECK(pay(ledger, "bj", AgentPaymentKind::deposit, limits::amount_units_max + 1) == Rejection::amount_too_large);
  CHECK(pay(ledger, "nobody", AgentPaymentKind::deposit, 100) == Rejection::agent_not_found);
  // Refund leaves the system: cash in minus cash out equals what is still held or earned.
  CHECK(ledger.ledger_units(LedgerAccountKind::external_cash, "") ==
        -(50'000'000 + 20'000'000 + 5'010'000) + 15'000'000);
}

TEST_CASE("calls consume the pool of each user's own agent, at every level, and book its retail revenue",
          "[agents][money][calls]") {
  Ledger ledger;
  REQUIRE(ledger.submit(AddAgent{"bj", "", "Beijing", 850}) == Rejection::none);
  REQUIRE(ledger.submit(AddAgent{"bj-cy", "bj", "Chaoyang", 900}) == Rejection::none);
  REQUIRE(ledger.submit(AddAgent{"bj-cy-1", "bj-cy", "Shop", 950}) == Rejection::none);
  for (const char* agent : {"bj", "bj-cy", "bj-cy-1"}) {
    REQUIRE(pay(ledger, agent, AgentPaymentKind::traffic, 10'000'000) == Rejection::none);
    REQUIRE(ledger.submit(BuyTraffic{agent, 100}) == Rejection::none);
  }
  // bj bought 100 and sold 100 to bj-cy, which sold 100 to bj-cy-1.
  CHECK(ledger.funds("bj").pool_seconds == 0);
  CHECK(ledger.funds("bj-cy").pool_seconds == 0);
  CHECK(ledger.funds("bj-cy-1").pool_seconds == 6'000);
  REQUIRE(ledger.submit(BuyTraffic{"bj", 300}) == Rejection::none);
  REQUIRE(ledger.submit(BuyTraffic{"bj-cy", 100}) == Rejection::none);
  CHECK(ledger.funds("bj").pool_seconds == 12'000);
  CHECK(ledger.funds("bj-cy").pool_seconds == 6'000);

  for (const char* agent : {"bj", "bj-cy", "bj-cy-1"})
    REQUIRE(ledger.submit(OpenAccount{std::string("u-") + agent, "retail", 1'000'000, agent}) == Rejection::none);
  REQUIRE(ledger.submit(OpenAccount{"u-direct", "retail", 1'000'000, {}}) == Rejection::none);
  // Each user talks 125 s on 60/60 blocks: 180 billed seconds, 30 fen.
  int n = 0;
  for (const char* user : {"u-bj", "u-bj-cy", "u-bj-cy-1", "u-direct"}) {
    const std::string call = "c" + std::to_string(n++);
    REQUIRE(ledger.switch_reason(authorize_call(call, user, 300)) == "");
    REQUIRE(ledger.switch_reason(SettleCall{call, test::agents_start_us, 125'000, 16}) == "");
  }
  CHECK(ledger.funds("bj").pool_seconds == 12'000 - 180);
  CHECK(ledger.funds("bj-cy").pool_seconds == 6'000 - 180);
  CHECK(ledger.funds("bj-cy-1").pool_seconds == 6'000 - 180);
  for (const char* agent : {"bj", "bj-cy", "bj-cy-1"}) {
    CHECK(ledger.funds(agent).used_seconds == 180);
    CHECK(ledger.funds(agent).reserved_seconds == 0);
    CHECK(ledger.ledger_units(LedgerAccountKind::call_revenue, agent) == 3'000);
  }
  CHECK(ledger.ledger_units(LedgerAccountKind::call_revenue, "") == 3'000);  // the provider's own user

  // Margins: revenue 30 fen against 180 s at the agent's price.
  const std::int32_t day = china_day_number(ledger.now_us());
  std::map<std::string, AgentDayFigures> figures;
  for (const char* agent : {"bj", "bj-cy", "bj-cy-1"})
    ledger.agents().for_each_day(agent, day, day, [&](std::int32_t, const AgentDayFigures& f) { figures[agent] = f; });
  CHECK(figures["bj"] == AgentDayFigures{1, 180, 3'000, 180 * 850});          // cost 2,550: margin 450
  CHECK(figures["bj-cy"] == AgentDayFigures{1, 180, 3'000, 180 * 900});       // cost 2,700: margin 300
  CHECK(figures["bj-cy-1"] == AgentDayFigures{1, 180, 3'000, 180 * 950});     // cost 2,850: margin 150
}

TEST_CASE("a pool is never overspent: grants reserve billable seconds, an empty pool refuses, overdraft extends",
          "[agents][money][calls]") {
  Ledger ledger;
  REQUIRE(ledger.submit(AddAgent{"a", "", "A", 600}) == Rejection::none);
  REQUIRE(pay(ledger, "a", AgentPaymentKind::traffic, 3'000) == Rejection::none);
  REQUIRE(ledger.submit(BuyTraffic{"a", 5}) == Rejection::none);  // 300 s
  REQUIRE(ledger.submit(OpenAccount{"u", "retail", 10'000'000, "a"}) == Rejection::none);
  // Six parallel one-minute calls on 60/60 blocks: five fit the pool.
  for (int i = 0; i < 5; ++i)
    REQUIRE(ledger.switch_reason(authorize_call("p" + std::to_string(i), "u", 60)) == "");
  CHECK(ledger.funds("a").reserved_seconds == 300);
  CHECK(ledger.funds("a").available_seconds() == 0);
  CHECK(ledger.switch_reason(authorize_call("p5", "u", 60)) == "agent_traffic_exhausted");
  // A call that ends early gives its unused reservation back.
  REQUIRE(ledger.switch_reason(SettleCall{"p0", test::agents_start_us, 0, 16}) == "");
  CHECK(ledger.funds("a").reserved_seconds == 240);
  CHECK(ledger.funds("a").pool_seconds == 300);  // unanswered: nothing billed
  // A long request is cut to what the pool carries, on a block boundary.
  REQUIRE(ledger.switch_reason(authorize_call("p6", "u", 3'600)) == "");
  CHECK(std::get<CallAuthorized>(ledger.last().events[0].payload).granted_seconds == 60);
  // 6/6 blocks: the grant ends on a 6-second boundary.
  REQUIRE(ledger.submit(SetAgentCredit{"a", 0, 45}) == Rejection::none);
  REQUIRE(ledger.switch_reason(authorize_call("p7", "u", 3'600, "85212345678")) == "");
  CHECK(std::get<CallAuthorized>(ledger.last().events[0].payload).granted_seconds == 42);
  CHECK(ledger.funds("a").available_seconds() == 3);
  // Expired holds give their reservation back too.
  ledger.advance_seconds(7'200);
  REQUIRE(ledger.submit(ExpireHolds{}) == Rejection::none);
  CHECK(ledger.funds("a").reserved_seconds == 0);
  // A call that runs past its grant is billed in full: the pool may go below
  // zero, and then refuses every new call.
  REQUIRE(ledger.switch_reason(authorize_call("p8", "u", 60)) == "");
  REQUIRE(ledger.switch_reason(SettleCall{"p8", test::agents_start_us, 600'000, 16}) == "");
  CHECK(ledger.funds("a").pool_seconds == 300 - 600);
  CHECK(ledger.switch_reason(authorize_call("p9", "u", 60)) == "agent_traffic_exhausted");
  // A call record (the call happened) is billed from the pool regardless.
  REQUIRE(ledger.switch_reason(RecordCall{"r1", "u", "8610000000", "8620123456", test::agents_start_us, 60'000, 16}) ==
          "");
  CHECK(ledger.funds("a").pool_seconds == 300 - 660);
}

// ---- property: random operations across a random tree ----------------------------------------

TEST_CASE("property: 10,000 random operations across a random tree keep double entry, statements and rebuild",
          "[agents][money][property]") {
  const std::uint64_t seed = test::property_seed(4);
  INFO("seed " << seed << " (HUAWU_PROPERTY_SEED)");
  std::mt19937_64 rng(seed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  Ledger ledger;
  std::vector<std::string> agents, accounts, calls;
  std::map<Rejection, int> outcomes;
  auto any_agent = [&] { return agents.empty() ? std::string("a0") : agents[pick(0, agents.size() - 1)]; };
  auto any_account = [&] { return accounts.empty() ? std::string("u0") : accounts[pick(0, accounts.size() - 1)]; };
  int call_number = 0;
  for (int op = 0; op < 10'000; ++op) {
    Rejection r = Rejection::none;
    const std::int64_t choice = pick(0, 99);
    if (choice < 6) {
      const std::string id = "a" + std::to_string(pick(0, 60));
      const std::string parent = pick(0, 3) == 0 || agents.empty() ? std::string() : any_agent();
      r = ledger.submit(AddAgent{id, parent, "agent " + id, pick(0, 2) * pick(500, 1'200)});
      if (r == Rejection::none) agents.push_back(id);
    } else if (choice < 8) {
      r = ledger.submit(SetLevelPrice{static_cast<std::uint32_t>(pick(1, 4)), pick(0, 1'500)});
    } else if (choice < 10) {
      r = ledger.submit(SetAgentPrice{any_agent(), pick(0, 1'500)});
    } else if (choice < 18) {
      r = pay(ledger, any_agent(), static_cast<AgentPaymentKind>(pick(0, 3)), pick(-10, 5'000'000));
    } else if (choice < 21) {
      r = ledger.submit(ReleaseDeposit{any_agent(), pick(1, 3'000'000),
                                       pick(0, 1) ? DepositDisposition::refunded : DepositDisposition::forfeited,
                                       pick(0, 3) ? "reason" : ""});
    } else if (choice < 31) {
      r = ledger.submit(BuyTraffic{any_agent(), pick(-1, 3'000)});
    } else if (choice < 33) {
      r = ledger.submit(SetAgentCredit{any_agent(), pick(-1, 2'000'000), pick(-1, 600)});
    } else if (choice < 36) {
      r = ledger.submit(pick(0, 1) ? SuspendAgent{any_agent(), "test"} : Command(ResumeAgent{any_agent()}));
    } else if (choice < 42) {
      const std::string id = "u" + std::to_string(pick(0, 300));
      r = ledger.submit(OpenAccount{id, "retail", pick(0, 2'000'000), pick(0, 5) ? any_agent() : std::string()});
      if (r == Rejection::none) accounts.push_back(id);
    } else if (choice < 45) {
      r = ledger.submit(RechargeWallet{any_account(), pick(1, 1'000'000), "top-up"});
    } else if (choice < 70) {
      const std::string call = "c" + std::to_string(call_number++);
      const std::string reason =
          ledger.switch_reason(authorize_call(call, any_account(), pick(1, 900), pick(0, 1) ? "8620123456" : "85255"));
      if (reason.empty()) calls.push_back(call);
    } else if (choice < 92) {
      if (!calls.empty()) {
        const std::size_t i = static_cast<std::size_t>(pick(0, calls.size() - 1));
        ledger.switch_reason(SettleCall{calls[i], test::agents_start_us, pick(0, 1'200'000), 16});
        calls.erase(calls.begin() + static_cast<std::ptrdiff_t>(i));
      }
    } else if (choice < 96) {
      ledger.switch_reason(RecordCall{"rec" + std::to_string(call_number++), any_account(), "8610000000",
                                      "8620123456", test::agents_start_us, pick(0, 600'000), 16});
    } else {
      ledger.advance_seconds(pick(1, 600));
      r = ledger.submit(ExpireHolds{});
      if (r == Rejection::none) r = Rejection::none;
    }
    ++outcomes[r];
  }
  // The operations did something: purchases, calls and refusals all happened.
  INFO("agents " << agents.size() << ", accounts " << accounts.size());
  CHECK(agents.size() >= 20);
  CHECK(outcomes[Rejection::none] > 3'000);
  CHECK(outcomes[Rejection::agent_prepayment_insufficient] > 0);

  // Statements: the postings touching each agent, summed per ledger account,
  // are its ledger accounts and its funds.
  std::map<std::tuple<std::string, LedgerAccountKind, Unit>, std::int64_t> statement;
  std::int64_t bought_traffic = 0, used_traffic = 0;
  for (const Event& event : ledger.events())
    for (const Posting& p : event.postings) {
      if (!p.owner.empty()) statement[{p.owner, p.kind, p.unit}] += p.amount;
      if (std::holds_alternative<TrafficPurchased>(event.payload) && p.kind == LedgerAccountKind::traffic_source)
        bought_traffic -= p.amount;
      if (p.kind == LedgerAccountKind::traffic_used) used_traffic += p.amount;
    }
  for (const std::string& agent : agents) {
    const AgentFunds& f = ledger.funds(agent);
    CHECK(statement[{agent, LedgerAccountKind::agent_prepaid, Unit::cny_units}] == f.prepaid_units());
    CHECK(statement[{agent, LedgerAccountKind::agent_deposit, Unit::cny_units}] == f.deposit_units);
    CHECK(statement[{agent, LedgerAccountKind::traffic_pool, Unit::traffic_seconds}] == f.pool_seconds);
    CHECK(statement[{agent, LedgerAccountKind::traffic_used, Unit::traffic_seconds}] == f.used_seconds);
    for (const LedgerAccountKind kind : {LedgerAccountKind::call_revenue, LedgerAccountKind::wholesale_revenue,
                                         LedgerAccountKind::fee_revenue, LedgerAccountKind::deposit_forfeited})
      CHECK(statement[{agent, kind, Unit::cny_units}] == ledger.ledger_units(kind, agent));
  }
  // Traffic is conserved: what the provider sold is in pools or was used.
  std::int64_t in_pools = 0;
  for (const std::string& agent : agents) in_pools += ledger.funds(agent).pool_seconds;
  CHECK(bought_traffic == in_pools + used_traffic);

  // Rebuild from sequence 1 equals the live state.
  LedgerState rebuilt;
  std::uint64_t sequence = 0;
  for (const Event& event : ledger.events()) rebuilt.apply(++sequence, event);
  CHECK(rebuilt.serialize() == ledger.state().serialize());
}

}  // namespace
}  // namespace huawu
