// Trouble tickets and the SLA (issue 6, clauses A3.2 and B3.4): a response
// is due within the contract's working hours, counted in business minutes on
// the working-day calendar; the contract is the nearest agent's up the tree
// in force on the report day, with the terms then in force; the first
// response meets the obligation in time or late; bad requests are named.
#include <catch2/catch.hpp>

#include "projections/obligations.h"
#include "tests/agents_ledger.h"
#include "tests/contract_support.h"

namespace huawu {
namespace {

using test::AgentsLedger;
using test::china_time;
using test::contract_terms;

// zj (with contract C1 from 2024-03-04) above zj-hz; users u-hz of zj-hz and p of the provider.
void tree(AgentsLedger& ledger) {
  REQUIRE(ledger.submit(AddAgent{"zj", "", "Zhejiang", 0}) == Rejection::none);
  REQUIRE(ledger.submit(AddAgent{"zj-hz", "zj", "Hangzhou", 0}) == Rejection::none);
  REQUIRE(ledger.submit(SignContract{"C1", "zj", "2024-03-01", "2024-03-04", contract_terms()}) == Rejection::none);
  REQUIRE(ledger.submit(OpenAccount{"u-hz", "retail", 0, "zj-hz"}) == Rejection::none);
  REQUIRE(ledger.submit(OpenAccount{"p", "retail", 0, ""}) == Rejection::none);
}

const TicketOpened& opened(const AgentsLedger& ledger) {
  return std::get<TicketOpened>(ledger.last().events.at(0).payload);
}

Obligation sla_of(const AgentsLedger& ledger, const std::string& ticket, std::int64_t as_of_us) {
  return ticket_obligation(*ledger.state().tickets().find(ticket), as_of_us);
}

TEST_CASE("A3.2: answered in 3h59 of business time is in time, in 4h01 is late (over a weekend made a working day)",
          "[tickets][sla]") {
  AgentsLedger ledger;
  tree(ledger);
  // Friday 2024-09-13 17:00: one business hour left that day; Saturday 2024-09-14 is an adjusted working day.
  const std::int64_t reported = china_time("2024-09-13", 17);
  REQUIRE(ledger.submit(OpenTicket{"u-hz", "no dial tone", reported}) == Rejection::none);
  CHECK(opened(ledger).ticket == "T000001");
  CHECK(opened(ledger).contract == "C1");
  CHECK(opened(ledger).agent == "zj-hz");
  CHECK(opened(ledger).sla_hours == 4);
  CHECK(opened(ledger).schedule == "09:00-18:00");
  CHECK(opened(ledger).due_us == china_time("2024-09-14", 12));
  REQUIRE(ledger.submit(OpenTicket{"u-hz", "echo on the line", reported}) == Rejection::none);
  CHECK(sla_of(ledger, "T000001", china_time("2024-09-14", 11)).status == ObligationStatus::pending);
  CHECK(sla_of(ledger, "T000001", china_time("2024-09-14", 12, 1)).status == ObligationStatus::overdue);
  REQUIRE(ledger.submit(RespondTicket{"T000001", china_time("2024-09-14", 11, 59), TicketParty::agent}) ==
          Rejection::none);
  REQUIRE(ledger.submit(RespondTicket{"T000002", china_time("2024-09-14", 12, 1), TicketParty::provider}) ==
          Rejection::none);
  const Obligation in_time = sla_of(ledger, "T000001", ledger.now_us());
  CHECK(in_time.status == ObligationStatus::met);
  CHECK(in_time.id == "C1/O-SLA/T000001");
  CHECK(in_time.clause == "A3.2");
  CHECK(in_time.bearer == "provider");
  CHECK(in_time.beneficiary == "agent zj-hz");
  CHECK(obligation_deadline_text(in_time) == "2024-09-14T12:00+08:00");
  CHECK(sla_of(ledger, "T000002", ledger.now_us()).status == ObligationStatus::met_late);
  // As of before the response, the first one was still pending.
  CHECK(sla_of(ledger, "T000001", china_time("2024-09-14", 11, 30)).status == ObligationStatus::pending);
}

TEST_CASE("A3.2: the hours are the contract's in force on the report day, without a contract, the clause's 4",
          "[tickets][sla][amendments]") {
  AgentsLedger ledger;
  tree(ledger);
  REQUIRE(ledger.submit(AmendContract{"C1", "2024-06-01", {{"sla-hours", 2}}, "SA-1"}) == Rejection::none);
  // Reported before the amendment: 4 hours; after it: 2.
  REQUIRE(ledger.submit(OpenTicket{"u-hz", "before", china_time("2024-05-20", 9)}) == Rejection::none);
  CHECK(opened(ledger).sla_hours == 4);
  CHECK(opened(ledger).due_us == china_time("2024-05-20", 13));
  REQUIRE(ledger.submit(OpenTicket{"u-hz", "after", china_time("2024-06-03", 9)}) == Rejection::none);
  CHECK(opened(ledger).sla_hours == 2);
  CHECK(opened(ledger).due_us == china_time("2024-06-03", 11));
  // Before the contract took effect, and for the provider's own user: no contract.
  REQUIRE(ledger.submit(OpenTicket{"u-hz", "too early", china_time("2024-03-01", 9)}) == Rejection::none);
  CHECK(opened(ledger).contract.empty());
  CHECK(opened(ledger).sla_hours == 4);
  REQUIRE(ledger.submit(OpenTicket{"p", "own user", china_time("2024-06-03", 9)}) == Rejection::none);
  CHECK(opened(ledger).contract.empty());
  CHECK(ticket_obligation_id(opened(ledger)) == "O-SLA/T000004");
  CHECK(sla_of(ledger, "T000004", ledger.now_us()).beneficiary == "user p");
  // A later amendment does not change a ticket already open.
  REQUIRE(ledger.submit(AmendContract{"C1", "2024-06-02", {{"sla-hours", 8}}, "SA-2"}) == Rejection::none);
  CHECK(ledger.state().tickets().find("T000002")->opened.sla_hours == 2);
}

TEST_CASE("A3.2: a due time past the calendar's years is indeterminate, naming the year", "[tickets][sla]") {
  AgentsLedger ledger;
  tree(ledger);
  // Thursday 2026-12-31 17:00: the fourth hour falls in 2027.
  ledger.advance_to(china_time("2027-01-02", 0));
  REQUIRE(ledger.submit(OpenTicket{"u-hz", "year end", china_time("2026-12-31", 17)}) == Rejection::none);
  CHECK(opened(ledger).due_us == 0);
  CHECK(opened(ledger).unknown_year == 2027);
  const Obligation o = sla_of(ledger, "T000001", ledger.now_us());
  CHECK(o.status == ObligationStatus::indeterminate);
  CHECK(obligation_deadline_text(o).empty());
}

TEST_CASE("tickets: refusals are named and record nothing", "[tickets]") {
  AgentsLedger ledger;
  tree(ledger);
  const std::int64_t reported = china_time("2024-09-13", 17);
  REQUIRE(ledger.submit(OpenTicket{"u-hz", "no dial tone", reported}) == Rejection::none);
  REQUIRE(ledger.submit(OpenTicket{"p", "own user", reported}) == Rejection::none);
  const std::size_t events = ledger.events().size();
  CHECK(ledger.submit(OpenTicket{"nobody", "x", reported}) == Rejection::account_not_found);
  CHECK(ledger.submit(OpenTicket{"u-hz", "", reported}) == Rejection::text_invalid);
  CHECK(ledger.submit(OpenTicket{"u-hz", "x", 0}) == Rejection::ticket_time_invalid);
  CHECK(ledger.submit(OpenTicket{"u-hz", "x", ledger.now_us() + 1}) == Rejection::ticket_time_invalid);
  CHECK(ledger.submit(RespondTicket{"T000009", reported, TicketParty::provider}) == Rejection::ticket_not_found);
  CHECK(ledger.submit(RespondTicket{"T000001", reported - 1, TicketParty::provider}) == Rejection::ticket_time_invalid);
  CHECK(ledger.submit(RespondTicket{"T000001", ledger.now_us() + 1, TicketParty::provider}) ==
        Rejection::ticket_time_invalid);
  // B3.4: the agent tier answers only for its own users.
  CHECK(ledger.submit(RespondTicket{"T000002", reported, TicketParty::agent}) == Rejection::agent_not_found);
  CHECK(ledger.submit(CloseTicket{"T000009"}) == Rejection::ticket_not_found);
  CHECK(ledger.events().size() == events);
  REQUIRE(ledger.submit(RespondTicket{"T000001", reported, TicketParty::agent}) == Rejection::none);
  CHECK(ledger.submit(RespondTicket{"T000001", reported, TicketParty::provider}) == Rejection::ticket_already_responded);
  REQUIRE(ledger.submit(CloseTicket{"T000002"}) == Rejection::none);
  CHECK(ledger.submit(CloseTicket{"T000002"}) == Rejection::ticket_closed);
  CHECK(ledger.submit(RespondTicket{"T000002", reported, TicketParty::provider}) == Rejection::ticket_closed);
  // Closed without a response: the promise was still broken.
  CHECK(sla_of(ledger, "T000002", ledger.now_us()).status == ObligationStatus::overdue);
  // A ticket's obligation can be waived, under its contract or under none.
  REQUIRE(ledger.submit(WaiveObligation{"O-SLA/T000002", "user withdrew the report"}) == Rejection::none);
  CHECK(ledger.submit(WaiveObligation{"C1/O-SLA/T000002", "x"}) == Rejection::obligation_not_found);
  CHECK(ledger.submit(WaiveObligation{"C1/O-SLA/T000001", "x"}) == Rejection::obligation_already_met);
}

}  // namespace
}  // namespace huawu
