// decide for contracts and notices (issue 6, clauses 7, 6.5 and B3.5):
// signing with every parameter of the agreement, and notices whose deemed
// receipt the ledger derives (courier + 4 days, fax and e-mail + 2) and whose
// one month's notice of a service termination it checks.
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
  if (contract_event_problem(nullptr, view.notices_sent(), view, event) != nullptr)
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

}  // namespace huawu
