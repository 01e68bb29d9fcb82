// Supplementary agreements and waivers (issue 6, clause 8): an amendment
// changes terms from its effective day on, the term in force moves with a
// new length, the renewal policy in force at a term's end decides, earlier
// obligations keep the values they were created with, and bad amendments are
// named. A waiver makes an obligation `waived` from its time on.
#include <catch2/catch.hpp>

#include "projections/obligations.h"
#include "tests/agents_ledger.h"
#include "tests/contract_support.h"

namespace huawu {
namespace {

using test::AgentsLedger;
using test::contract_terms;
using test::day;

// Agent zj and contract C1, signed 2024-03-01 / 2024-03-04: term 1 is 2024-03-04 .. 2026-03-04.
void signed_contract(AgentsLedger& ledger, ContractTerms terms = contract_terms()) {
  REQUIRE(ledger.submit(AddAgent{"zj", "", "Zhejiang", 0}) == Rejection::none);
  REQUIRE(ledger.submit(SignContract{"C1", "zj", "2024-03-01", "2024-03-04", terms}) == Rejection::none);
}

Rejection amend(AgentsLedger& ledger, const char* effective, std::vector<TermChange> changes) {
  return ledger.submit(AmendContract{"C1", effective, std::move(changes), "SA-" + std::string(effective)});
}

const ContractState& contract(const AgentsLedger& ledger) { return *ledger.state().contracts().find("C1"); }

ContractStatus status_on(const AgentsLedger& ledger, const char* as_of) {
  return contract_status(contract(ledger), day(as_of));
}

std::vector<Obligation> obligations_on(const AgentsLedger& ledger, const char* as_of) {
  return ledger_obligations(ledger.state().contracts(), ledger.state().tickets(), default_calendar(), "C1",
                            end_of_china_day_us(day(as_of)));
}

const Obligation& find(const std::vector<Obligation>& all, const std::string& id) {
  for (const Obligation& o : all)
    if (o.id == id) return o;
  FAIL("no obligation " << id);
  return all.front();
}

TEST_CASE("clause 8: a longer term moves the last day of the term in force, terms change from the effective day",
          "[contracts][amendments]") {
  AgentsLedger ledger;
  signed_contract(ledger);
  REQUIRE(amend(ledger, "2025-01-01", {{"term-months", 36}, {"sla-hours", 2}, {"price", 800}}) == Rejection::none);
  const auto& amended = std::get<ContractAmended>(ledger.last().events.at(0).payload);
  CHECK(amended.amendment == 1);
  CHECK(amended.reference == "SA-2025-01-01");
  // The day before, the signed terms; from the effective day, the amended ones.
  CHECK(contract(ledger).terms_on(day("2024-12-31")) == contract_terms());
  const ContractTerms in_force = contract(ledger).terms_on(day("2025-01-01"));
  CHECK(in_force.term_months == 36);
  CHECK(in_force.sla_hours == 2);
  CHECK(in_force.price_units_per_minute == 800);
  CHECK(in_force.deposit_units == contract_terms().deposit_units);
  // Term 1 now ends on 2027-03-04: 2026-03-05 is still term 1, not a renewal.
  const ContractStatus status = status_on(ledger, "2026-03-05");
  CHECK(status.phase == ContractPhase::active);
  CHECK(status.term == 1);
  CHECK(format_date(status.term_last_day) == "2027-03-04");
  // Then it renews by the signed 24 months.
  CHECK(status_on(ledger, "2027-03-05").phase == ContractPhase::renewed);
  CHECK(format_date(status_on(ledger, "2027-03-05").term_last_day) == "2029-03-04");
}

TEST_CASE("clause 8: the renewal policy in force at a term's end decides, a new renewal length applies to later terms",
          "[contracts][amendments]") {
  AgentsLedger ledger;
  signed_contract(ledger);
  REQUIRE(amend(ledger, "2025-06-01", {{"renewal-months", 12}}) == Rejection::none);
  // Term 2 starts 2026-03-05 and lasts 12 months.
  CHECK(format_date(status_on(ledger, "2026-03-05").term_last_day) == "2027-03-04");
  REQUIRE(amend(ledger, "2026-06-01", {{"renewals", static_cast<std::int64_t>(RenewalPolicy::none)}}) ==
          Rejection::none);
  CHECK(status_on(ledger, "2027-03-04").phase == ContractPhase::renewed);
  const ContractStatus ended = status_on(ledger, "2027-03-05");
  CHECK(ended.phase == ContractPhase::expired);
  CHECK(ended.ended_by == "no renewal left");
  CHECK(contract(ledger).amendments.size() == 2);
}

TEST_CASE("clause 8: obligations triggered before an amendment keep the values they were created with",
          "[contracts][amendments][obligations]") {
  AgentsLedger ledger;
  signed_contract(ledger);
  const Obligation before = find(obligations_on(ledger, "2024-03-20"), "C1/O-PAY");
  REQUIRE(amend(ledger, "2024-03-05", {{"pay-within-workdays", 30}, {"accounts", 1}}) == Rejection::none);
  const Obligation after = find(obligations_on(ledger, "2024-03-20"), "C1/O-PAY");
  CHECK(format_date(after.deadline) == format_date(before.deadline));
  CHECK(after.status == ObligationStatus::overdue);
}

TEST_CASE("clause 8: amendments that cannot be are refused by name and record nothing", "[contracts][amendments]") {
  AgentsLedger ledger;
  signed_contract(ledger, contract_terms(RenewalPolicy::none));
  const std::size_t events = ledger.events().size();
  CHECK(ledger.submit(AmendContract{"C9", "2025-01-01", {{"term-months", 36}}, ""}) == Rejection::contract_not_found);
  CHECK(amend(ledger, "2025-01-01", {}) == Rejection::amendment_invalid);
  CHECK(amend(ledger, "2025-01-01", {{"colour", 1}}) == Rejection::amendment_invalid);
  CHECK(amend(ledger, "2025-01-01", {{"term-months", 36}, {"term-months", 30}}) == Rejection::amendment_invalid);
  CHECK(amend(ledger, "2025-02-30", {{"term-months", 36}}) == Rejection::date_invalid);
  // On or before the day the contract took effect, or after it ended (2026-03-04, no renewal).
  CHECK(amend(ledger, "2024-03-04", {{"sla-hours", 2}}) == Rejection::contract_not_in_force);
  CHECK(amend(ledger, "2024-01-01", {{"sla-hours", 2}}) == Rejection::contract_not_in_force);
  CHECK(amend(ledger, "2026-03-05", {{"sla-hours", 2}}) == Rejection::contract_not_in_force);
  CHECK(amend(ledger, "2025-01-01", {{"sla-hours", 0}}) == Rejection::contract_terms_invalid);
  CHECK(amend(ledger, "2025-01-01", {{"renewals", 7}}) == Rejection::contract_terms_invalid);
  // A 6-month term would have ended on 2024-09-04, before the amendment takes effect.
  CHECK(amend(ledger, "2025-01-01", {{"term-months", 6}}) == Rejection::amendment_invalid);
  CHECK(ledger.submit(AmendContract{"C1", "2025-01-01", {{"sla-hours", 2}}, std::string(300, 'x')}) ==
        Rejection::text_invalid);
  CHECK(ledger.events().size() == events);
  // A shorter term that still ends after the amendment is fine: 12 months -> 2025-03-04.
  REQUIRE(amend(ledger, "2025-01-01", {{"term-months", 12}}) == Rejection::none);
  CHECK(status_on(ledger, "2025-03-05").phase == ContractPhase::expired);
}

TEST_CASE("waivers: an obligation waived is `waived` from then on, named refusals", "[contracts][waivers]") {
  AgentsLedger ledger;
  signed_contract(ledger);
  // O-PAY was due 2024-03-11; the ledger's day is 2025-01-01: overdue.
  CHECK(find(obligations_on(ledger, "2025-01-01"), "C1/O-PAY").status == ObligationStatus::overdue);
  CHECK(ledger.submit(WaiveObligation{"C1/O-PAY", ""}) == Rejection::reason_required);
  CHECK(ledger.submit(WaiveObligation{"C1/O-NOPE", "x"}) == Rejection::obligation_not_found);
  CHECK(ledger.submit(WaiveObligation{"C9/O-PAY", "x"}) == Rejection::obligation_not_found);
  REQUIRE(ledger.submit(WaiveObligation{"C1/O-PAY", "paid in kind, see minutes of 2024-12-30"}) == Rejection::none);
  const Obligation waived = find(obligations_on(ledger, "2025-01-01"), "C1/O-PAY");
  CHECK(waived.status == ObligationStatus::waived);
  CHECK(waived.waived_reason == "paid in kind, see minutes of 2024-12-30");
  // As of a day before the waiver it was overdue.
  CHECK(find(obligations_on(ledger, "2024-12-31"), "C1/O-PAY").status == ObligationStatus::overdue);
  CHECK(ledger.submit(WaiveObligation{"C1/O-PAY", "again"}) == Rejection::obligation_already_waived);
  // A met obligation has nothing to waive.
  REQUIRE(ledger.submit(SignContract{"C2", "zj", "2024-12-30", "", contract_terms()}) == Rejection::none);
  REQUIRE(ledger.submit(SendNotice{"C2", NoticeParty::agent, NoticeKind::service_termination, NoticeMethod::courier,
                                   test::morning("2024-12-01"), "2025-06-30", "x"}) == Rejection::none);
  CHECK(ledger.submit(WaiveObligation{"C2/O-EXIT/N000001", "x"}) == Rejection::obligation_already_met);
}

}  // namespace
}  // namespace huawu
