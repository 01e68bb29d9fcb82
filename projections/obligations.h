#pragma once
// Obligations (issue 6): what the agreement obliges each party to do, by
// when, and where it stands at an instant. Typed, with a clause, a bearer, a
// deadline computed on the working-day calendar and the event that met it:
//
//   O-PAY (B3.7)       the agent pays the first traffic amount, the deposit and
//                      the franchise fee within N working days of the effective day
//   O-ACCOUNTS (A2.4)  the provider generates N account records and K activated
//                      users within N working days
//   O-EXIT (B3.5)      a service termination deemed received a month before the
//                      last day of service (one per termination notice)
//   O-DISPUTE (6.1)    arbitration may be filed from the day after 30 days from
//                      a negotiation request's receipt (one per request)
//   O-SLA (A3.2)       a response within the contract's working hours of a
//                      report (one per ticket, projections/tickets.h)
//
// Pure functions of the projections' state and an instant: "as of" any time,
// past or future, is one rule, and the daemon's alerts use the same one.
#include <cstdint>
#include <string>
#include <vector>

#include "projections/calendar.h"
#include "projections/contracts.h"
#include "projections/tickets.h"

namespace huawu {

enum class ObligationStatus : std::uint8_t { pending, met, met_late, overdue, waived, indeterminate };
const char* obligation_status_name(ObligationStatus status);

struct Obligation {
  std::string id;           // "CONTRACT/O-PAY", "CONTRACT/O-EXIT/N000002", "CONTRACT/O-SLA/T000001"
  std::string contract;     // empty: a ticket under no contract
  std::string type;         // O-PAY, O-ACCOUNTS, O-EXIT, O-DISPUTE, O-SLA
  std::string clause;       // B3.7, A2.4, B3.5, 6.1, A3.2
  std::string bearer;       // "agent ID", "provider", "either party"
  std::string beneficiary;
  std::string trigger;      // what started it
  std::int64_t triggered_at_us = 0;  // when: the effective day's start, a notice's dispatch, a ticket's report
  std::string rule;         // how the deadline is computed
  Date deadline{};          // the last day (China) it may be met on; for O-DISPUTE the first day arbitration may be filed
  std::int64_t deadline_us = 0;  // O-SLA: the instant the response is due (UTC); 0 for day deadlines
  std::string satisfied_by; // "event N" or a notice id; empty while not met
  std::int64_t satisfied_at_us = 0;
  ObligationStatus status = ObligationStatus::pending;
  int unknown_year = 0;     // indeterminate: the year the calendar does not cover
  std::string calendar_version;
  std::string waived_reason;  // waived: why
};

// The instant that stands for "as of a China day": its last microsecond.
std::int64_t end_of_china_day_us(Date day);

// A contract's own obligations (O-PAY, O-ACCOUNTS, and one O-EXIT or
// O-DISPUTE per notice sent by then) as of `as_of_us`, computed with `calendar`.
std::vector<Obligation> contract_obligations(const ContractState& contract, const WorkCalendar& calendar,
                                             std::int64_t as_of_us);

// The O-SLA of a ticket as of `as_of_us`: its due time was fixed when it opened.
Obligation ticket_obligation(const TicketState& ticket, std::int64_t as_of_us);
std::string ticket_obligation_id(const TicketOpened& ticket);

// An obligation waived (ObligationWaived) by `as_of_us` is `waived`, unless it
// was met in time before.
void apply_waiver(Obligation& obligation, const Waiver* waiver, std::int64_t as_of_us);

// Every obligation as of `as_of_us` (only `contract`'s when it is not empty;
// "-" for tickets under no contract): each contract's own in contract order,
// then the tickets' in ticket order, waivers applied. What `huawu
// obligations` and `huawu sla report` read.
std::vector<Obligation> ledger_obligations(const Contracts& contracts, const Tickets& tickets,
                                           const WorkCalendar& calendar, std::string_view contract,
                                           std::int64_t as_of_us);

// Still to be met: pending or overdue (what alerts and `--due-within` look at).
inline bool is_open(ObligationStatus status) {
  return status == ObligationStatus::pending || status == ObligationStatus::overdue;
}

// The deadline as people read it: "2025-01-09", or for O-SLA
// "2024-09-14T12:00+08:00"; empty when indeterminate.
std::string obligation_deadline_text(const Obligation& obligation);

// The instant after which an open obligation is overdue: the end of its last
// day, or its due time.
std::int64_t obligation_due_us(const Obligation& obligation);

}  // namespace huawu
