// decide for trouble tickets (issue 6, clauses A3.2 and B3.4): a bound user's
// report opens a ticket whose response is due within the working hours of
// the contract in force for the user's agent, counted in business minutes;
// the first response, by the provider or the agent tier, meets it.
#include "events/ids.h"
#include "events/limits.h"
#include "ledger/decide.h"

namespace huawu {

namespace {

// A3.2's promise where no contract says otherwise: 4 working hours.
constexpr std::uint32_t clause_sla_hours = 4;

// The contract whose A3.2 applies to a user of `agent` on `day`: the nearest
// agent on the chain up to the provider with a contract in force then (the
// latest effective one when it has several), or null.
const ContractState* contract_in_force(const DecideView& view, std::string_view agent, Date day) {
  for (std::size_t depth = 0; !agent.empty() && depth <= limits::agent_level_max; ++depth) {
    const ContractState* best = nullptr;
    view.for_each_contract([&](const ContractState& contract) {
      if (contract.signed_event.agent != agent || !in_force(contract_status(contract, day).phase)) return;
      if (!best || contract.effective() >= best->effective()) best = &contract;
    });
    if (best) return best;
    const AgentState* state = view.find_agent(agent);
    if (!state) return nullptr;
    agent = state->parent;
  }
  return nullptr;
}

}  // namespace

Decision decide_contract(const DecideView& view, const OpenTicket& c, Event event) {
  const AccountState* account = nullptr;
  if (Rejection r = check_open_account(view, c.account, &account); r != Rejection::none) return reject(r);
  if (c.summary.empty() || !is_valid_text(c.summary, limits::name_length_max)) return reject(Rejection::text_invalid);
  // A report is in the past when it is recorded.
  if (c.reported_us <= 0 || c.reported_us > event.ledger_time_us) return reject(Rejection::ticket_time_invalid);
  TicketOpened opened;
  opened.ticket = ticket_id(view.tickets_opened() + 1);
  opened.account = c.account;
  opened.agent = account->agent;
  opened.summary = c.summary;
  opened.reported_us = c.reported_us;
  opened.sla_hours = clause_sla_hours;
  if (const ContractState* contract = contract_in_force(view, account->agent, china_date_of(c.reported_us))) {
    opened.contract = contract->signed_event.contract;
    opened.sla_hours = contract->terms_on(china_date_of(c.reported_us)).sla_hours;
  }
  const BusinessSchedule& schedule = view.contract_policy().sla_schedule;
  opened.schedule = schedule.text();
  const CalendarAnswer<std::int64_t> due =
      view.work_calendar().sla_due(c.reported_us, static_cast<int>(opened.sla_hours), schedule);
  opened.due_us = due.known() ? due.value : 0;
  opened.unknown_year = due.unknown_year;
  opened.calendar_version = view.work_calendar().version();
  event.payload = std::move(opened);
  return accept(std::move(event));
}

Decision decide_contract(const DecideView& view, const RespondTicket& c, Event event) {
  const TicketState* ticket = view.find_ticket(c.ticket);
  if (!ticket) return reject(Rejection::ticket_not_found);
  if (ticket->closed) return reject(Rejection::ticket_closed);
  if (ticket->responded()) return reject(Rejection::ticket_already_responded);
  if (c.at_us < ticket->opened.reported_us || c.at_us > event.ledger_time_us)
    return reject(Rejection::ticket_time_invalid);
  // B3.4: the agent tier answers only for the users it brought in.
  if (c.by == TicketParty::agent && ticket->opened.agent.empty()) return reject(Rejection::agent_not_found);
  event.payload = TicketResponded{c.ticket, c.at_us, c.by};
  return accept(std::move(event));
}

Decision decide_contract(const DecideView& view, const CloseTicket& c, Event event) {
  const TicketState* ticket = view.find_ticket(c.ticket);
  if (!ticket) return reject(Rejection::ticket_not_found);
  if (ticket->closed) return reject(Rejection::ticket_closed);
  event.payload = TicketClosed{c.ticket};
  return accept(std::move(event));
}

}  // namespace huawu
