#include "projections/obligations.h"

namespace huawu {

namespace {

using std::chrono::days;

constexpr std::int64_t day_us = 86'400'000'000;

Date date_or_epoch(const std::string& text) { return parse_date(text).value_or(Date{}); }

// Status of an obligation due by the end of `deadline` (China), met at
// `met_us` (0: not yet), as of `as_of_us`.
ObligationStatus day_status(Date deadline, std::int64_t met_us, std::int64_t as_of_us) {
  if (met_us != 0 && met_us <= as_of_us)
    return china_date_of(met_us) <= deadline ? ObligationStatus::met : ObligationStatus::met_late;
  return china_date_of(as_of_us) > deadline ? ObligationStatus::overdue : ObligationStatus::pending;
}

// A working-day deadline N days after the contract takes effect.
void workday_deadline(Obligation& o, const ContractState& contract, const WorkCalendar& calendar, std::uint32_t workdays,
                      const Milestone& met, std::int64_t as_of_us) {
  const CalendarAnswer<Date> deadline = calendar.add_workdays(contract.effective(), static_cast<int>(workdays));
  o.rule = std::to_string(workdays) + " working days after " + format_date(contract.effective()) +
           " (the effective day excluded)";
  if (met.sequence != 0 && met.time_us <= as_of_us) {
    o.satisfied_by = "event " + std::to_string(met.sequence);
    o.satisfied_at_us = met.time_us;
  }
  if (!deadline.known()) {
    o.status = ObligationStatus::indeterminate;
    o.unknown_year = deadline.unknown_year;
    return;
  }
  o.deadline = deadline.value;
  o.status = day_status(deadline.value, met.sequence != 0 ? met.time_us : 0, as_of_us);
}

Obligation of_contract(const ContractState& contract, const char* type, const char* clause, std::string bearer,
                       std::string beneficiary, std::string trigger, std::int64_t triggered_at_us) {
  Obligation o;
  o.contract = contract.signed_event.contract;
  o.id = o.contract + "/" + type;
  o.type = type;
  o.clause = clause;
  o.bearer = std::move(bearer);
  o.beneficiary = std::move(beneficiary);
  o.trigger = std::move(trigger);
  o.triggered_at_us = triggered_at_us;
  o.calendar_version = contract.signed_event.calendar_version;
  return o;
}

}  // namespace

const char* obligation_status_name(ObligationStatus status) {
  switch (status) {
    case ObligationStatus::pending: return "pending";
    case ObligationStatus::met: return "met";
    case ObligationStatus::met_late: return "met_late";
    case ObligationStatus::overdue: return "overdue";
    case ObligationStatus::waived: return "waived";
    case ObligationStatus::indeterminate: return "indeterminate";
  }
  return "unknown";
}

std::int64_t end_of_china_day_us(Date day) { return china_midnight_utc_us(day) + day_us - 1; }

std::vector<Obligation> contract_obligations(const ContractState& contract, const WorkCalendar& calendar,
                                             std::int64_t as_of_us) {
  std::vector<Obligation> out;
  const ContractSigned& s = contract.signed_event;
  const std::string agent = "agent " + s.agent;
  const std::string signed_trigger = "ContractSigned (event " + std::to_string(contract.signed_sequence) + ")";
  const std::int64_t effective_us = china_midnight_utc_us(contract.effective());
  // Triggered on the effective day: the terms then are the signed ones
  // (amendments take effect later, clause 8).
  Obligation pay = of_contract(contract, "O-PAY", "B3.7", agent, "provider", signed_trigger, effective_us);
  workday_deadline(pay, contract, calendar, s.terms.pay_within_workdays, contract.paid, as_of_us);
  out.push_back(std::move(pay));
  Obligation accounts =
      of_contract(contract, "O-ACCOUNTS", "A2.4", "provider", agent, signed_trigger, effective_us);
  workday_deadline(accounts, contract, calendar, s.terms.accounts_within_workdays, contract.accounts, as_of_us);
  out.push_back(std::move(accounts));
  for (const NoticeSent& notice : contract.notices) {
    if (notice.sent_us > as_of_us) continue;
    if (notice.kind == NoticeKind::service_termination) {
      // B3.5: the notice must be deemed received by the latest date one month before the last day.
      const bool from_agent = notice.from == NoticeParty::agent;
      Obligation exit = of_contract(contract, "O-EXIT", "B3.5", from_agent ? agent : "provider",
                                    from_agent ? "provider" : agent, "NoticeSent " + notice.notice, notice.sent_us);
      exit.id += "/" + notice.notice;
      exit.rule = "deemed received no later than one month before the last day of service " + notice.last_service_day;
      exit.deadline = latest_notice(date_or_epoch(notice.last_service_day), 1);
      exit.satisfied_by = notice.notice;
      exit.satisfied_at_us = china_midnight_utc_us(date_or_epoch(notice.deemed_received));
      exit.status = notice.compliant ? ObligationStatus::met : ObligationStatus::met_late;
      out.push_back(std::move(exit));
    } else if (notice.kind == NoticeKind::negotiation_request) {
      // 6.1: arbitration may be filed once 30 days from the request's receipt have passed; 6.2: nothing else stops.
      Obligation dispute = of_contract(contract, "O-DISPUTE", "6.1", "either party", "either party",
                                       "NoticeSent " + notice.notice, notice.sent_us);
      dispute.id += "/" + notice.notice;
      dispute.rule = "arbitration may be filed from the day after a 30-day period from the deemed receipt " +
                     notice.deemed_received;
      const CalendarAnswer<Date> last = calendar.period_end(date_or_epoch(notice.deemed_received), 30);
      if (!last.known()) {
        dispute.status = ObligationStatus::indeterminate;
        dispute.unknown_year = last.unknown_year;
      } else {
        dispute.deadline = last.value + days{1};
        dispute.status =
            china_date_of(as_of_us) >= dispute.deadline ? ObligationStatus::met : ObligationStatus::pending;
      }
      out.push_back(std::move(dispute));
    }
  }
  return out;
}

std::string ticket_obligation_id(const TicketOpened& ticket) {
  return (ticket.contract.empty() ? std::string() : ticket.contract + "/") + "O-SLA/" + ticket.ticket;
}

Obligation ticket_obligation(const TicketState& ticket, std::int64_t as_of_us) {
  const TicketOpened& t = ticket.opened;
  Obligation o;
  o.id = ticket_obligation_id(t);
  o.contract = t.contract;
  o.type = "O-SLA";
  o.clause = "A3.2";
  o.bearer = "provider";
  o.beneficiary = t.agent.empty() ? "user " + t.account : "agent " + t.agent;
  o.trigger = "TicketOpened " + t.ticket + " (event " + std::to_string(ticket.opened_sequence) + ")";
  o.triggered_at_us = t.reported_us;
  o.rule = "a response within " + std::to_string(t.sla_hours) + " working hours (" + t.schedule + ") of the report at " +
           format_china_minute(t.reported_us);
  o.calendar_version = t.calendar_version;
  const bool responded = ticket.responded() && ticket.responded_us <= as_of_us;
  if (responded) {
    o.satisfied_by = "event " + std::to_string(ticket.responded_sequence) + " (" +
                     ticket_party_name(ticket.responded_by) + ")";
    o.satisfied_at_us = ticket.responded_us;
  }
  if (t.due_us == 0) {
    o.status = ObligationStatus::indeterminate;
    o.unknown_year = t.unknown_year;
    return o;
  }
  o.deadline = china_date_of(t.due_us);
  o.deadline_us = t.due_us;
  if (responded)
    o.status = ticket.responded_us <= t.due_us ? ObligationStatus::met : ObligationStatus::met_late;
  else
    o.status = as_of_us > t.due_us ? ObligationStatus::overdue : ObligationStatus::pending;
  return o;
}

void apply_waiver(Obligation& obligation, const Waiver* waiver, std::int64_t as_of_us) {
  if (!waiver || waiver->time_us > as_of_us) return;
  // Met in time before the waiver: there was nothing left to waive.
  if (obligation.status == ObligationStatus::met && obligation.satisfied_at_us <= waiver->time_us) return;
  obligation.status = ObligationStatus::waived;
  obligation.waived_reason = waiver->reason;
}

std::vector<Obligation> ledger_obligations(const Contracts& contracts, const Tickets& tickets,
                                           const WorkCalendar& calendar, std::string_view contract,
                                           std::int64_t as_of_us) {
  std::vector<Obligation> out;
  contracts.for_each([&](const std::string& id, const ContractState& state) {
    if (!contract.empty() && id != contract) return;
    for (Obligation& o : contract_obligations(state, calendar, as_of_us)) out.push_back(std::move(o));
  });
  tickets.for_each([&](const TicketState& ticket) {
    // Reported after the instant asked about: not an obligation yet.
    if (ticket.opened.reported_us > as_of_us) return;
    const std::string_view of = ticket.opened.contract.empty() ? std::string_view("-") : ticket.opened.contract;
    if (!contract.empty() && of != contract) return;
    out.push_back(ticket_obligation(ticket, as_of_us));
  });
  for (Obligation& o : out) apply_waiver(o, contracts.find_waiver(o.id), as_of_us);
  return out;
}

std::string obligation_deadline_text(const Obligation& obligation) {
  if (obligation.unknown_year != 0) return {};
  if (obligation.deadline_us != 0) return format_china_minute(obligation.deadline_us);
  return format_date(obligation.deadline);
}

std::int64_t obligation_due_us(const Obligation& obligation) {
  return obligation.deadline_us != 0 ? obligation.deadline_us : end_of_china_day_us(obligation.deadline);
}

}  // namespace huawu
