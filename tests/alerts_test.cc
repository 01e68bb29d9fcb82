// The daemon's obligation check (issue 6): by ledger time, an open
// obligation due within the window raises `due_soon`, one past its deadline
// `overdue`, one past the calendar's years `calendar_unknown`; each once per
// obligation and kind; waived and met ones none. Then the contract
// compliance events through the writer's state running ahead within one batch, and the
// state rebuilt from the log and restored from a snapshot equal to the live one.
#include <catch2/catch.hpp>

#include "tests/decide_fixture.h"
#include "projections/obligations.h"
#include "tests/agents_ledger.h"
#include "tests/contract_support.h"

namespace huawu {
namespace {

using test::AgentsLedger;
using test::china_time;
using test::contract_terms;

std::vector<ObligationAlerted> alerts_of(const AgentsLedger& ledger) {
  std::vector<ObligationAlerted> out;
  for (const Event& event : ledger.last().events) out.push_back(std::get<ObligationAlerted>(event.payload));
  return out;
}

bool has_alert(const std::vector<ObligationAlerted>& alerts, const std::string& obligation, AlertKind kind) {
  for (const ObligationAlerted& a : alerts)
    if (a.obligation == obligation && a.kind == kind) return true;
  return false;
}

TEST_CASE("alerts: due soon, then overdue, once each, a waived or met obligation raises none", "[alerts][obligations]") {
  AgentsLedger ledger;
  REQUIRE(ledger.submit(AddAgent{"zj", "", "Zhejiang", 0}) == Rejection::none);
  ContractTerms t = contract_terms();
  t.prepaid_minutes = 0;
  t.deposit_units = 0;
  t.franchise_fee_units = 100;
  // Signed Thursday 2025-01-02: O-PAY due 2025-01-09, O-ACCOUNTS (10 working days) 2025-01-16.
  REQUIRE(ledger.submit(SignContract{"C1", "zj", "2025-01-02", "", t}) == Rejection::none);
  CHECK(ledger.submit(CheckObligations{}) == Rejection::nothing_to_alert);
  ledger.advance_to(china_time("2025-01-06", 9));  // 3 days before O-PAY's last day
  REQUIRE(ledger.submit(CheckObligations{}) == Rejection::none);
  std::vector<ObligationAlerted> alerts = alerts_of(ledger);
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].obligation == "C1/O-PAY");
  CHECK(alerts[0].kind == AlertKind::due_soon);
  CHECK(alerts[0].bearer == "agent zj");
  CHECK(alerts[0].deadline == "2025-01-09");
  CHECK(ledger.submit(CheckObligations{}) == Rejection::nothing_to_alert);
  ledger.advance_to(china_time("2025-01-10", 0, 1));
  REQUIRE(ledger.submit(CheckObligations{}) == Rejection::none);
  alerts = alerts_of(ledger);
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].kind == AlertKind::overdue);
  CHECK(alerts[0].obligation == "C1/O-PAY");
  // O-ACCOUNTS is waived before it comes due: no alert for it, ever.
  REQUIRE(ledger.submit(WaiveObligation{"C1/O-ACCOUNTS", "accounts come from the agent's own platform"}) ==
          Rejection::none);
  ledger.advance_to(china_time("2025-01-20", 0));
  CHECK(ledger.submit(CheckObligations{}) == Rejection::nothing_to_alert);
  CHECK(ledger.state().contracts().alert_raised(alert_key("C1/O-PAY", AlertKind::overdue)));
}

TEST_CASE("alerts: a ticket's response due within the hour, then overdue, a deadline past the calendar",
          "[alerts][tickets]") {
  AgentsLedger ledger;
  REQUIRE(ledger.submit(OpenAccount{"u", "retail", 0, ""}) == Rejection::none);
  ledger.advance_to(china_time("2025-01-06", 11));
  // Reported Monday 10:00: due 14:00; answered tickets need no alert.
  REQUIRE(ledger.submit(OpenTicket{"u", "no tone", china_time("2025-01-06", 10)}) == Rejection::none);
  REQUIRE(ledger.submit(OpenTicket{"u", "answered", china_time("2025-01-06", 10)}) == Rejection::none);
  REQUIRE(ledger.submit(RespondTicket{"T000002", china_time("2025-01-06", 11), TicketParty::provider}) ==
          Rejection::none);
  ledger.advance_to(china_time("2025-01-06", 13, 30));
  REQUIRE(ledger.submit(CheckObligations{}) == Rejection::none);
  std::vector<ObligationAlerted> alerts = alerts_of(ledger);
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].obligation == "O-SLA/T000001");
  CHECK(alerts[0].kind == AlertKind::due_soon);
  CHECK(alerts[0].deadline == "2025-01-06T14:00+08:00");
  ledger.advance_to(china_time("2025-01-06", 14, 1));
  REQUIRE(ledger.submit(CheckObligations{}) == Rejection::none);
  CHECK(has_alert(alerts_of(ledger), "O-SLA/T000001", AlertKind::overdue));
  // A contract whose O-PAY falls in 2027: calendar_unknown, once.
  REQUIRE(ledger.submit(AddAgent{"zj", "", "Zhejiang", 0}) == Rejection::none);
  ContractTerms t = contract_terms();
  t.pay_within_workdays = 10;
  REQUIRE(ledger.submit(SignContract{"C2", "zj", "2026-12-28", "", t}) == Rejection::none);
  REQUIRE(ledger.submit(CheckObligations{}) == Rejection::none);
  alerts = alerts_of(ledger);
  REQUIRE(has_alert(alerts, "C2/O-PAY", AlertKind::calendar_unknown));
  for (const ObligationAlerted& a : alerts)
    if (a.kind == AlertKind::calendar_unknown) CHECK(a.unknown_year == 2027);
  CHECK(ledger.submit(CheckObligations{}) == Rejection::nothing_to_alert);
}

Request request(Command command, const std::string& key) { return Request{std::move(command), key, "local:operator", 0}; }

TEST_CASE("the writer's state running ahead: a promotion requested and approved, a ticket opened and answered, an alert raised, all "
          "within one writer batch",
          "[promotions][tickets][alerts][batch]") {
  AgentsLedger base;
  REQUIRE(base.submit(AddAgent{"bj", "", "Beijing", 500}) == Rejection::none);
  REQUIRE(base.submit(RecordAgentPayment{"bj", AgentPaymentKind::traffic, 1'000'000, "T"}) == Rejection::none);
  REQUIRE(base.submit(BuyTraffic{"bj", 1'000}) == Rejection::none);
  REQUIRE(base.submit(OpenAccount{"u", "retail", 1'000'000, "bj"}) == Rejection::none);
  LedgerState state;
  std::uint64_t sequence = 0;
  for (const Event& event : base.events()) state.apply(++sequence, event);
  test::AheadView view(state);
  const std::int64_t now = base.now_us();
  std::vector<Event> batch;
  // Decides, requires acceptance and keeps the events in the batch; returns the events.
  auto decide_and_hold = [&](Command command, const std::string& key) -> std::vector<Event> {
    const Decision d = decide(view, request(std::move(command), key), now);
    INFO(rejection_name(d.rejection));
    REQUIRE(d.rejection == Rejection::none);
    for (const Event& event : d.events) {
      view.apply(++sequence, event);
      batch.push_back(event);
    }
    return d.events;
  };
  decide_and_hold(RequestPromotion{"bj", "retail", 5'000, "2025-01-01", "2025-01-01"}, "p1");
  CHECK(decide(view, request(RequestPromotion{"bj", "retail", 5'000, "2025-01-01", "2025-01-01"}, "p2"), now)
            .events.at(0)
            .payload == Payload{PromotionRequested{"P000002", "bj", "retail", 5'000, "2025-01-01", "2025-01-01"}});
  decide_and_hold(ApprovePromotion{"P000001", "F-1"}, "a1");
  const std::vector<Event> call =
      decide_and_hold(SwitchRequest{"sw1", "r1", test::authorize_call("c1", "u", 60)}, switch_idempotency_key("sw1", "r1"));
  CHECK(std::get<CallAuthorized>(call.at(0).payload).rate.promotion == "P000001");
  decide_and_hold(OpenTicket{"u", "static", now - 3'600'000'000}, "t1");
  CHECK(view.tickets_opened() == 1);
  decide_and_hold(RespondTicket{"T000001", now, TicketParty::agent}, "t2");
  CHECK(decide(view, request(RespondTicket{"T000001", now, TicketParty::agent}, "t3"), now).rejection ==
        Rejection::ticket_already_responded);
  decide_and_hold(SignContract{"C1", "bj", "2024-12-20", "", contract_terms()}, "s1");
  decide_and_hold(CheckObligations{}, "k1");  // O-PAY and O-ACCOUNTS overdue by now
  CHECK(decide(view, request(CheckObligations{}, "k2"), now).rejection == Rejection::nothing_to_alert);
  decide_and_hold(WaiveObligation{"C1/O-PAY", "agreed"}, "w1");
  CHECK(decide(view, request(WaiveObligation{"C1/O-PAY", "again"}, "w2"), now).rejection ==
        Rejection::obligation_already_waived);
  decide_and_hold(AmendContract{"C1", "2025-01-01", {{"sla-hours", 2}}, "SA"}, "m1");
  test::commit_batch(state, view, batch, sequence);
  // The committed state now answers what the state that ran ahead did.
  REQUIRE(state.promotions().find("P000001") != nullptr);
  CHECK(*view.find_promotion("P000001") == *state.promotions().find("P000001"));
  REQUIRE(state.tickets().find("T000001") != nullptr);
  CHECK(*view.find_ticket("T000001") == *state.tickets().find("T000001"));
  REQUIRE(state.contracts().find("C1") != nullptr);
  CHECK(*view.find_contract("C1") == *state.contracts().find("C1"));
  REQUIRE(state.contracts().find_waiver("C1/O-PAY") != nullptr);
  CHECK(*view.find_waiver("C1/O-PAY") == *state.contracts().find_waiver("C1/O-PAY"));
  std::string why;
  CHECK(state.check_invariants(&why));
}

TEST_CASE("the compliance events round-trip the codec, a rebuild and a snapshot equal the live state",
          "[contracts][tickets][promotions][alerts]") {
  AgentsLedger ledger;
  REQUIRE(ledger.submit(AddAgent{"zj", "", "Zhejiang", 500}) == Rejection::none);
  REQUIRE(ledger.submit(RecordAgentPayment{"zj", AgentPaymentKind::traffic, 1'000'000, "T"}) == Rejection::none);
  REQUIRE(ledger.submit(BuyTraffic{"zj", 1'000}) == Rejection::none);
  REQUIRE(ledger.submit(OpenAccount{"u", "retail", 1'000'000, "zj"}) == Rejection::none);
  REQUIRE(ledger.submit(SignContract{"C1", "zj", "2024-03-01", "", contract_terms()}) == Rejection::none);
  REQUIRE(ledger.submit(AmendContract{"C1", "2024-06-01", {{"sla-hours", 2}, {"price", 800}}, "SA-1"}) ==
          Rejection::none);
  REQUIRE(ledger.submit(OpenTicket{"u", "no tone", china_time("2024-09-13", 17)}) == Rejection::none);
  REQUIRE(ledger.submit(RespondTicket{"T000001", china_time("2024-09-14", 10), TicketParty::agent}) == Rejection::none);
  REQUIRE(ledger.submit(OpenTicket{"u", "echo", china_time("2024-09-13", 17)}) == Rejection::none);
  REQUIRE(ledger.submit(CloseTicket{"T000002"}) == Rejection::none);
  REQUIRE(ledger.submit(RequestPromotion{"zj", "retail", 1'500, "2025-01-01", "2025-03-31"}) == Rejection::none);
  REQUIRE(ledger.submit(ApprovePromotion{"P000001", "F-1"}) == Rejection::none);
  REQUIRE(ledger.switch_reason(test::authorize_call("c1", "u", 60)) == "");
  REQUIRE(ledger.submit(RequestPromotion{"zj", "retail", 1'000, "2025-01-01", "2025-03-31"}) == Rejection::none);
  REQUIRE(ledger.submit(WithdrawPromotion{"P000002", "x"}) == Rejection::none);
  REQUIRE(ledger.submit(RequestPromotion{"zj", "retail", 1'000, "2025-01-01", "2025-03-31"}) == Rejection::none);
  REQUIRE(ledger.submit(RejectPromotion{"P000003", "y"}) == Rejection::none);
  REQUIRE(ledger.submit(CheckObligations{}) == Rejection::none);
  REQUIRE(ledger.submit(WaiveObligation{"C1/O-ACCOUNTS", "z"}) == Rejection::none);
  const LedgerState restored = test::require_replay_equals_live(ledger);
  CHECK(restored.tickets().find("T000002")->closed);
  CHECK(restored.promotions().of_agent("zj")->size() == 3);
  CHECK(restored.contracts().find("C1")->amendments.size() == 1);
  CHECK(restored.contracts().find_waiver("C1/O-ACCOUNTS") != nullptr);
}

}  // namespace
}  // namespace huawu
