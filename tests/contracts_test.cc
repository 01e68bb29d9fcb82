// Contracts and notices (issue 6): clause 7 (term, automatic renewal,
// objections deemed received on or before the last day), 6.5 (deemed
// receipt by method), B3.5 (one month's notice to end service), status as of
// any date, and the rules every contract event must follow.
#include <catch2/catch.hpp>

#include "events/codec.h"
#include "projections/contracts.h"
#include "tests/agents_ledger.h"

namespace huawu {
namespace {

using test::AgentsLedger;

Date day(const char* text) {
  const auto date = parse_date(text);
  REQUIRE(date.has_value());
  return *date;
}

// 10:00 China time on a day.
std::int64_t morning(const char* text) { return china_midnight_utc_us(day(text)) + 10LL * 3600 * 1'000'000; }

ContractTerms terms(RenewalPolicy renewals = RenewalPolicy::repeat, std::uint32_t term_months = 24) {
  ContractTerms t;
  t.level = 1;
  t.prepaid_minutes = 10'000;
  t.price_units_per_minute = 850;
  t.deposit_units = 50'000'000;
  t.franchise_fee_units = 20'000'000;
  t.pay_within_workdays = 5;
  t.accounts = 20'000;
  t.accounts_within_workdays = 10;
  t.active_users = 500;
  t.sla_hours = 4;
  t.term_months = term_months;
  t.renewal_months = 24;
  t.renewals = renewals;
  return t;
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
  for (const Event& event : ledger.events()) {
    std::string why;
    const auto decoded = decode_event(encode_event(event), &why);
    INFO(why);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == event);
  }
  LedgerState rebuilt;
  std::uint64_t sequence = 0;
  for (const Event& event : ledger.events()) rebuilt.apply(++sequence, event);
  CHECK(rebuilt.serialize() == ledger.state().serialize());
  LedgerState restored;
  std::string why;
  REQUIRE(restored.deserialize(ledger.state().serialize(), &why));
  CHECK(restored.serialize() == ledger.state().serialize());
  CHECK(restored.contracts().notices_sent() == 2);
}

}  // namespace
}  // namespace huawu
