// decide for contracts and notices (issue 6, clauses 7, 8, 6.5 and B3.5):
// signing with every parameter of the agreement, notices whose deemed
// receipt the ledger derives (courier + 4 days, fax and e-mail + 2) and whose
// one month's notice of a service termination it checks, amendments,
// waivers, and the daemon's check that raises obligation alerts.
#include "events/ids.h"
#include "events/limits.h"
#include "ledger/decide.h"

namespace huawu {

Decision decide_contract(const DecideView& view, const SignContract& c, Event event) {
  if (!is_valid_contract_id(c.contract)) return reject(Rejection::contract_id_invalid);
  if (view.find_contract(c.contract)) return reject(Rejection::contract_exists);
  if (!is_valid_agent_id(c.agent)) return reject(Rejection::agent_id_invalid);
  if (!view.find_agent(c.agent)) return reject(Rejection::agent_not_found);
  const std::string counter_signed = c.counter_signed_date.empty() ? c.signed_date : c.counter_signed_date;
  if (!parse_date(c.signed_date) || !parse_date(counter_signed)) return reject(Rejection::date_invalid);
  ContractSigned signed_event{c.contract, c.agent, c.signed_date, counter_signed, c.terms,
                              view.work_calendar().version()};
  event.payload = signed_event;
  // The projection's rule statement judges the terms (one place for their ranges).
  if (contract_event_problem(nullptr, view.notices_sent(), view.agents(), event) != nullptr)
    return reject(Rejection::contract_terms_invalid);
  return accept(std::move(event));
}

Decision decide_contract(const DecideView& view, const SendNotice& c, Event event) {
  const ContractState* contract = view.find_contract(c.contract);
  if (!contract) return reject(Rejection::contract_not_found);
  if (c.sent_us <= 0) return reject(Rejection::date_invalid);
  if (!is_valid_text(c.subject, limits::name_length_max)) return reject(Rejection::text_invalid);
  const Date received = deemed_receipt(c.method, c.sent_us);
  NoticeSent notice{notice_id(view.notices_sent() + 1), c.contract, c.from, c.kind, c.method, c.sent_us,
                    format_date(received), {}, c.subject, true, {}};
  if (c.kind == NoticeKind::service_termination) {
    // B3.5: one month in advance: deemed received no later than the latest notice date for the last day.
    const auto last_day = parse_date(c.last_service_day);
    if (c.last_service_day.empty()) return reject(Rejection::last_service_day_required);
    if (!last_day) return reject(Rejection::date_invalid);
    const Date earliest = add_months(received, 1);
    notice.last_service_day = format_date(*last_day);
    notice.earliest_compliant_last_day = format_date(earliest);
    notice.compliant = earliest <= *last_day;
  } else if (!c.last_service_day.empty()) {
    return reject(Rejection::date_invalid);
  }
  event.payload = std::move(notice);
  return accept(std::move(event));
}

Decision decide_contract(const DecideView& view, const AmendContract& c, Event event) {
  const ContractState* contract = view.find_contract(c.contract);
  if (!contract) return reject(Rejection::contract_not_found);
  if (!is_valid_text(c.reference, limits::reference_length_max)) return reject(Rejection::text_invalid);
  ContractAmended amendment{c.contract, static_cast<std::uint32_t>(contract->amendments.size() + 1), c.effective_date,
                            c.changes, c.reference};
  if (Rejection r = amendment_rejection(*contract, amendment); r != Rejection::none) return reject(r);
  event.payload = std::move(amendment);
  return accept(std::move(event));
}

namespace {

// The obligation `id` names, as of `as_of_us`, waiver applied; nullopt when
// there is none: "CONTRACT/TYPE[/NOTICE-OR-TICKET]" or "O-SLA/TICKET" for a
// ticket under no contract.
std::optional<Obligation> find_obligation(const DecideView& view, std::string_view id, std::int64_t as_of_us) {
  std::optional<Obligation> found;
  const std::size_t sla = id.find("O-SLA/");
  if (sla != std::string_view::npos) {
    const TicketState* ticket = view.find_ticket(id.substr(sla + 6));
    if (ticket && ticket_obligation_id(ticket->opened) == id) found = ticket_obligation(*ticket, as_of_us);
  } else if (const ContractState* contract = view.find_contract(id.substr(0, id.find('/')))) {
    for (Obligation& o : contract_obligations(*contract, view.work_calendar(), as_of_us))
      if (o.id == id) found = std::move(o);
  }
  if (found) apply_waiver(*found, view.find_waiver(found->id), as_of_us);
  return found;
}

}  // namespace

Decision decide_contract(const DecideView& view, const WaiveObligation& c, Event event) {
  if (c.reason.empty()) return reject(Rejection::reason_required);
  if (!is_valid_text(c.reason, limits::reference_length_max) || !is_valid_text(c.obligation, limits::name_length_max))
    return reject(Rejection::text_invalid);
  const std::optional<Obligation> obligation = find_obligation(view, c.obligation, event.ledger_time_us);
  if (!obligation) return reject(Rejection::obligation_not_found);
  if (obligation->status == ObligationStatus::waived) return reject(Rejection::obligation_already_waived);
  if (obligation->status == ObligationStatus::met) return reject(Rejection::obligation_already_met);
  event.payload = ObligationWaived{obligation->id, obligation->contract, c.reason};
  return accept(std::move(event));
}

namespace {

// The alert an obligation needs at `now_us`, if any: O-EXIT and O-DISPUTE
// have no bearer to chase (a notice's compliance is known when it is sent;
// arbitration is a right, not a duty).
std::optional<AlertKind> alert_needed(const Obligation& o, const ContractPolicy& policy, std::int64_t now_us) {
  if (o.type == "O-EXIT" || o.type == "O-DISPUTE") return std::nullopt;
  if (o.status == ObligationStatus::indeterminate) return AlertKind::calendar_unknown;
  if (o.status == ObligationStatus::overdue) return AlertKind::overdue;
  if (o.status != ObligationStatus::pending) return std::nullopt;
  const bool soon = o.deadline_us != 0
                        ? o.deadline_us - now_us <= policy.sla_due_soon_minutes * 60'000'000
                        : o.deadline <= china_date_of(now_us) + std::chrono::days{policy.due_soon_days};
  if (soon) return AlertKind::due_soon;
  return std::nullopt;
}

}  // namespace

Decision decide_contract(const DecideView& view, const CheckObligations&, Event event) {
  const std::int64_t now_us = event.ledger_time_us;
  const ContractPolicy& policy = view.contract_policy();
  Decision decision;
  auto consider = [&](Obligation o) {
    if (decision.events.size() >= limits::alerts_per_request_max) return;
    apply_waiver(o, view.find_waiver(o.id), now_us);
    const std::optional<AlertKind> kind = alert_needed(o, policy, now_us);
    if (!kind || view.alert_raised(alert_key(o.id, *kind))) return;
    Event alert = event;
    alert.payload = ObligationAlerted{o.id, o.contract, *kind, o.bearer, obligation_deadline_text(o), o.unknown_year};
    decision.events.push_back(std::move(alert));
  };
  view.for_each_contract([&](const ContractState& contract) {
    for (Obligation& o : contract_obligations(contract, view.work_calendar(), now_us)) consider(std::move(o));
  });
  view.for_each_unanswered_ticket([&](const TicketState& ticket) { consider(ticket_obligation(ticket, now_us)); });
  if (decision.events.empty()) return reject(Rejection::nothing_to_alert);
  return decision;
}

}  // namespace huawu
