// Contracts and notices (issue 6): clause 7 (term, automatic renewal,
// objections deemed received on or before the last day), 6.5 (deemed
// receipt by method), B3.5 (one month's notice to end service), status as of
// any date, and the rules every contract event must follow.
#include <catch2/catch.hpp>

#include "events/card_number.h"
#include "events/codec.h"
#include "projections/contracts.h"
#include "projections/obligations.h"
#include "tests/agents_ledger.h"
#include "tests/contract_support.h"

namespace huawu {
namespace {

using test::AgentsLedger;
using test::day;
using test::morning;

ContractTerms terms(RenewalPolicy renewals = RenewalPolicy::repeat, std::uint32_t term_months = 24) {
  return test::contract_terms(renewals, term_months);
}

void sign(AgentsLedger& ledger, const std::string& id, ContractTerms t = terms()) {
  REQUIRE(ledger.submit(SignContract{id, "zj", "2024-03-01", "2024-03-04", t}) == Rejection::none);
}

Rejection notice(AgentsLedger& ledger, const std::string& contract, NoticeKind kind, NoticeMethod method,
                 std::int64_t sent_us, std::string last_service_day = {}) {
  return ledger.submit(SendNotice{contract, NoticeParty::agent, kind, method, sent_us, std::move(last_service_day), "x"});
}

const NoticeSent& last_notice(const AgentsLedger& ledger) {
  return std::get<NoticeSent>(ledger.last().events.at(0).payload);
}

ContractStatus status_on(const AgentsLedger& ledger, const std::string& id, const char* as_of) {
  const ContractState* contract = ledger.state().contracts().find(id);
  REQUIRE(contract != nullptr);
  return contract_status(*contract, day(as_of));
}

AgentsLedger& with_agent(AgentsLedger& ledger) {
  REQUIRE(ledger.submit(AddAgent{"zj", "", "Zhejiang", 0}) == Rejection::none);
  return ledger;
}

TEST_CASE("clause 7: effective on the later signature, pending before, active in the first term", "[contracts]") {
  AgentsLedger ledger;
  sign(with_agent(ledger), "C1");
  const auto& signed_event = std::get<ContractSigned>(ledger.last().events.at(0).payload);
  CHECK(signed_event.terms == terms());
  CHECK(signed_event.calendar_version.rfind("CN-2024..2026-", 0) == 0);
  CHECK(status_on(ledger, "C1", "2024-03-03").phase == ContractPhase::pending);
  CHECK(format_date(*status_on(ledger, "C1", "2024-03-03").next_decision) == "2024-03-04");
  const ContractStatus first = status_on(ledger, "C1", "2024-03-04");
  CHECK(first.phase == ContractPhase::active);
  CHECK(first.term == 1);
  CHECK(format_date(first.term_start) == "2024-03-04");
  CHECK(format_date(first.term_last_day) == "2026-03-04");  // art. 201: the corresponding day
  CHECK(format_date(*first.next_decision) == "2026-03-04");
  CHECK_THAT(first.decided_by, Catch::Matchers::Contains("courier handed over by 2026-02-28"));
}

TEST_CASE("clause 7: without an objection it renews, term after term", "[contracts]") {
  AgentsLedger ledger;
  sign(with_agent(ledger), "C1");
  const ContractStatus second = status_on(ledger, "C1", "2026-03-05");
  CHECK(second.phase == ContractPhase::renewed);
  CHECK(second.term == 2);
  CHECK(format_date(second.term_start) == "2026-03-05");
  CHECK(format_date(second.term_last_day) == "2028-03-04");
  CHECK(status_on(ledger, "C1", "2030-01-01").term == 3);
}

TEST_CASE("clause 7 and 6.5: an objection deemed received on the last day ends the contract, one day later renews it",
          "[contracts][notices]") {
  AgentsLedger ledger;
  with_agent(ledger);
  sign(ledger, "ON-TIME");
  sign(ledger, "LATE");
  // Courier: deemed received 4 days after hand-over. 2026-02-28 -> 2026-03-04, the last day.
  REQUIRE(notice(ledger, "ON-TIME", NoticeKind::renewal_objection, NoticeMethod::courier, morning("2026-02-28")) ==
          Rejection::none);
  CHECK(last_notice(ledger).deemed_received == "2026-03-04");
  // E-mail on 2026-03-03: deemed received 2026-03-05, one day after the last day.
  REQUIRE(notice(ledger, "LATE", NoticeKind::renewal_objection, NoticeMethod::email, morning("2026-03-03")) ==
          Rejection::none);
  CHECK(last_notice(ledger).deemed_received == "2026-03-05");

  const ContractStatus ended = status_on(ledger, "ON-TIME", "2026-03-05");
  CHECK(ended.phase == ContractPhase::expired);
  CHECK(format_date(ended.ended_after) == "2026-03-04");
  CHECK(ended.ended_by == "N000001");
  CHECK(status_on(ledger, "ON-TIME", "2026-03-04").phase == ContractPhase::active);
  CHECK_THAT(status_on(ledger, "ON-TIME", "2026-03-04").decided_by, Catch::Matchers::Contains("expires after 2026-03-04"));

  const ContractStatus renewed = status_on(ledger, "LATE", "2026-03-05");
  CHECK(renewed.phase == ContractPhase::renewed);
  CHECK(renewed.term == 2);
  // As of a day before it was sent, the late objection is not known yet.
  CHECK_THAT(status_on(ledger, "LATE", "2026-03-01").decided_by, Catch::Matchers::Contains("renews for 24 months"));
}

TEST_CASE("clause 7: renewal policies once and none", "[contracts]") {
  AgentsLedger ledger;
  with_agent(ledger);
  sign(ledger, "ONCE", terms(RenewalPolicy::once));
  sign(ledger, "NONE", terms(RenewalPolicy::none, 12));
  CHECK(status_on(ledger, "ONCE", "2026-03-05").phase == ContractPhase::renewed);
  const ContractStatus once_ended = status_on(ledger, "ONCE", "2028-03-05");
  CHECK(once_ended.phase == ContractPhase::expired);
  CHECK(once_ended.ended_by == "no renewal left");
  CHECK(format_date(once_ended.ended_after) == "2028-03-04");
  CHECK(status_on(ledger, "NONE", "2025-03-04").phase == ContractPhase::active);
  CHECK(status_on(ledger, "NONE", "2025-03-05").phase == ContractPhase::expired);
}

TEST_CASE("B3.5: a service termination needs a month's notice: short notice is recorded and flagged", "[contracts][notices]") {
  AgentsLedger ledger;
  sign(with_agent(ledger), "C1");
  // Courier handed over 2025-05-27: deemed received 2025-05-31; + 1 month = 2025-06-30.
  REQUIRE(notice(ledger, "C1", NoticeKind::service_termination, NoticeMethod::courier, morning("2025-05-27"),
                 "2025-06-30") == Rejection::none);
  CHECK(last_notice(ledger).compliant);
  CHECK(last_notice(ledger).earliest_compliant_last_day == "2025-06-30");
  REQUIRE(notice(ledger, "C1", NoticeKind::service_termination, NoticeMethod::courier, morning("2025-05-28"),
                 "2025-06-30") == Rejection::none);
  CHECK_FALSE(last_notice(ledger).compliant);
  CHECK(last_notice(ledger).earliest_compliant_last_day == "2025-07-01");
  // Service ends after the last day notified: terminated from the next day.
  CHECK(status_on(ledger, "C1", "2025-06-30").phase == ContractPhase::active);
  const ContractStatus ended = status_on(ledger, "C1", "2025-07-01");
  CHECK(ended.phase == ContractPhase::terminated);
  CHECK(format_date(ended.ended_after) == "2025-06-30");
  // A termination needs its last day; other notices have none.
  CHECK(notice(ledger, "C1", NoticeKind::service_termination, NoticeMethod::fax, morning("2025-05-01")) ==
        Rejection::last_service_day_required);
  CHECK(notice(ledger, "C1", NoticeKind::general, NoticeMethod::fax, morning("2025-05-01"), "2025-06-30") ==
        Rejection::date_invalid);
  CHECK(notice(ledger, "C1", NoticeKind::service_termination, NoticeMethod::fax, morning("2025-05-01"), "2025-06-31") ==
        Rejection::date_invalid);
}

TEST_CASE("contracts: bad requests are named and record nothing", "[contracts]") {
  AgentsLedger ledger;
  with_agent(ledger);
  const std::size_t before = ledger.events().size();
  ContractTerms bad = terms();
  bad.sla_hours = 0;
  CHECK(ledger.submit(SignContract{"C1", "zj", "2024-03-01", "", bad}) == Rejection::contract_terms_invalid);
  bad = terms();
  bad.term_months = 0;
  CHECK(ledger.submit(SignContract{"C1", "zj", "2024-03-01", "", bad}) == Rejection::contract_terms_invalid);
  bad = terms();
  bad.level = 33;
  CHECK(ledger.submit(SignContract{"C1", "zj", "2024-03-01", "", bad}) == Rejection::contract_terms_invalid);
  CHECK(ledger.submit(SignContract{"C 1", "zj", "2024-03-01", "", terms()}) == Rejection::contract_id_invalid);
  CHECK(ledger.submit(SignContract{"C1", "nobody", "2024-03-01", "", terms()}) == Rejection::agent_not_found);
  CHECK(ledger.submit(SignContract{"C1", "zj", "2024-02-30", "", terms()}) == Rejection::date_invalid);
  CHECK(notice(ledger, "C9", NoticeKind::general, NoticeMethod::fax, morning("2025-05-01")) ==
        Rejection::contract_not_found);
  CHECK(ledger.events().size() == before);
  REQUIRE(ledger.submit(SignContract{"C1", "zj", "2024-03-01", "", terms()}) == Rejection::none);
  CHECK(std::get<ContractSigned>(ledger.last().events.at(0).payload).counter_signed_date == "2024-03-01");
  CHECK(ledger.submit(SignContract{"C1", "zj", "2024-03-01", "", terms()}) == Rejection::contract_exists);
}

TEST_CASE("contracts: the events round-trip the codec, and a rebuild and a snapshot equal the live state",
          "[contracts]") {
  AgentsLedger ledger;
  sign(with_agent(ledger), "C1");
  REQUIRE(notice(ledger, "C1", NoticeKind::negotiation_request, NoticeMethod::fax, morning("2025-05-01")) ==
          Rejection::none);
  REQUIRE(notice(ledger, "C1", NoticeKind::service_termination, NoticeMethod::email, morning("2025-05-01"),
                 "2025-05-20") == Rejection::none);
  const LedgerState restored = test::require_replay_equals_live(ledger);
  CHECK(restored.contracts().notices_sent() == 2);
}

const Obligation& obligation(const std::vector<Obligation>& all, const std::string& type) {
  for (const Obligation& o : all)
    if (o.type == type) return o;
  FAIL("no obligation " << type);
  return all.front();
}

std::vector<Obligation> obligations_on(const AgentsLedger& ledger, const std::string& id, const char* as_of) {
  return contract_obligations(*ledger.state().contracts().find(id), default_calendar(), end_of_china_day_us(day(as_of)));
}

TEST_CASE("B3.7: O-PAY - the first traffic amount, deposit and fee within N working days: met, met late, overdue",
          "[contracts][obligations]") {
  AgentsLedger ledger;
  with_agent(ledger);
  ContractTerms t = terms();
  t.prepaid_minutes = 1'000;  // 1,000 min at 8.5 fen = 85 yuan
  t.deposit_units = 500'000;
  t.franchise_fee_units = 200'000;
  // Signed on Thursday 2025-01-02: 5 working days -> 2025-01-09.
  REQUIRE(ledger.submit(SignContract{"C1", "zj", "2025-01-02", "", t}) == Rejection::none);
  const Obligation before = obligation(obligations_on(ledger, "C1", "2025-01-09"), "O-PAY");
  CHECK(before.status == ObligationStatus::pending);
  CHECK(format_date(before.deadline) == "2025-01-09");
  CHECK(before.clause == "B3.7");
  CHECK(before.bearer == "agent zj");
  CHECK(obligation(obligations_on(ledger, "C1", "2025-01-10"), "O-PAY").status == ObligationStatus::overdue);
  // The ledger's day is 2025-01-01 + 9 days when the last part is paid: late.
  REQUIRE(ledger.submit(RecordAgentPayment{"zj", AgentPaymentKind::traffic, 850'000, "T1"}) == Rejection::none);
  REQUIRE(ledger.submit(RecordAgentPayment{"zj", AgentPaymentKind::deposit, 500'000, "D1"}) == Rejection::none);
  CHECK(obligation(obligations_on(ledger, "C1", "2025-01-20"), "O-PAY").status == ObligationStatus::overdue);
  ledger.advance_seconds(9 * 86'400);
  REQUIRE(ledger.submit(RecordAgentPayment{"zj", AgentPaymentKind::franchise_fee, 200'000, "F1"}) == Rejection::none);
  const Obligation late = obligation(obligations_on(ledger, "C1", "2025-01-20"), "O-PAY");
  CHECK(late.status == ObligationStatus::met_late);
  CHECK(late.satisfied_by == "event " + std::to_string(ledger.state().applied_through()));
  // A second contract signed after the payments: met at its signature, in time.
  REQUIRE(ledger.submit(SignContract{"C2", "zj", "2025-01-10", "", t}) == Rejection::none);
  CHECK(obligation(obligations_on(ledger, "C2", "2025-01-10"), "O-PAY").status == ObligationStatus::met);
}

TEST_CASE("A2.4: O-ACCOUNTS - account records generated and users activated within N working days",
          "[contracts][obligations]") {
  AgentsLedger ledger;
  with_agent(ledger);
  ContractTerms t = terms();
  t.accounts = 20;
  t.active_users = 1;
  t.accounts_within_workdays = 3;
  REQUIRE(ledger.submit(SignContract{"C1", "zj", "2025-01-02", "", t}) == Rejection::none);
  REQUIRE(ledger.submit(IssueCards{"zj", CardKind::account, 20, 10'000, "", 0}) == Rejection::none);
  const auto& batch = std::get<CardBatchIssued>(ledger.last().events.at(0).payload);
  CHECK(obligation(obligations_on(ledger, "C1", "2025-01-07"), "O-ACCOUNTS").status == ObligationStatus::pending);
  CHECK(obligation(obligations_on(ledger, "C1", "2025-01-08"), "O-ACCOUNTS").status == ObligationStatus::overdue);
  const std::string number = card_number(CardKind::account, batch.first_serial);
  REQUIRE(ledger.submit(ActivateCard{number, derive_card_pin(*test::test_card_key(), batch.first_serial)}) ==
          Rejection::none);
  const Obligation met = obligation(obligations_on(ledger, "C1", "2025-01-08"), "O-ACCOUNTS");
  CHECK(met.status == ObligationStatus::met);  // activated on the ledger's day, 2025-01-01
  CHECK(met.bearer == "provider");
  CHECK(format_date(met.deadline) == "2025-01-07");
}

TEST_CASE("obligations: O-EXIT by notice, O-DISPUTE's arbitration date, and indeterminate past the calendar",
          "[contracts][obligations]") {
  AgentsLedger ledger;
  sign(with_agent(ledger), "C1");
  REQUIRE(notice(ledger, "C1", NoticeKind::service_termination, NoticeMethod::courier, morning("2025-05-28"),
                 "2025-06-30") == Rejection::none);
  const Obligation exit = obligation(obligations_on(ledger, "C1", "2025-06-01"), "O-EXIT");
  CHECK(exit.status == ObligationStatus::met_late);
  CHECK(format_date(exit.deadline) == "2025-05-31");  // 05-31 + 1 month = 06-30 (clamped)
  // 6.1: fax on 2025-09-01, deemed received 09-03; 30 days end 10-03 (National Day) -> 10-09; arbitration from 10-10.
  REQUIRE(notice(ledger, "C1", NoticeKind::negotiation_request, NoticeMethod::fax, morning("2025-09-01")) ==
          Rejection::none);
  const Obligation dispute = obligation(obligations_on(ledger, "C1", "2025-10-09"), "O-DISPUTE");
  CHECK(format_date(dispute.deadline) == "2025-10-10");
  CHECK(dispute.status == ObligationStatus::pending);
  CHECK(obligation(obligations_on(ledger, "C1", "2025-10-10"), "O-DISPUTE").status == ObligationStatus::met);
  // Signed late in the last known year: a deadline in 2027 cannot be computed.
  ContractTerms t = terms();
  t.pay_within_workdays = 10;
  REQUIRE(ledger.submit(SignContract{"C2", "zj", "2026-12-28", "", t}) == Rejection::none);
  const Obligation unknown = obligation(obligations_on(ledger, "C2", "2026-12-28"), "O-PAY");
  CHECK(unknown.status == ObligationStatus::indeterminate);
  CHECK(unknown.unknown_year == 2027);
  CHECK(unknown.calendar_version == default_calendar().version());
}

}  // namespace
}  // namespace huawu
