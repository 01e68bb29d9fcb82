#include "projections/contracts.h"

#include <cstdio>

#include "events/bytes.h"
#include "events/ids.h"
#include "events/invariant.h"
#include "events/limits.h"
#include "projections/agents.h"

namespace huawu {

namespace {

using std::chrono::days;

Date date_or_epoch(const std::string& text) { return parse_date(text).value_or(Date{}); }

bool renews_after(RenewalPolicy policy, int term) {
  return policy == RenewalPolicy::repeat || (policy == RenewalPolicy::once && term == 1);
}

// Whether the notice had been sent by `as_of` (China date): status as of a
// date knows only what was sent by then.
bool sent_by(const NoticeSent& notice, Date as_of) { return china_date_of(notice.sent_us) <= as_of; }

const char* terms_problem(const ContractTerms& t) {
  if (t.level < 1 || t.level > limits::agent_level_max) return "a contract level out of range";
  if (t.prepaid_minutes < 0 || t.prepaid_minutes > 1'000'000'000) return "prepaid minutes out of range";
  if (!is_valid_wholesale_price(t.price_units_per_minute)) return "a contract price out of range";
  if (t.deposit_units < 0 || t.deposit_units > limits::amount_units_max || t.franchise_fee_units < 0 ||
      t.franchise_fee_units > limits::amount_units_max)
    return "a contract amount out of range";
  if (t.pay_within_workdays > 366 || t.accounts_within_workdays > 366) return "a deadline in working days out of range";
  if (t.accounts < 0 || t.accounts > 100'000'000 || t.active_users < 0 || t.active_users > t.accounts + 100'000'000)
    return "account counts out of range";
  if (t.sla_hours < 1 || t.sla_hours > 720) return "SLA hours out of range";
  if (t.term_months < 1 || t.term_months > 240 || t.renewal_months < 1 || t.renewal_months > 240)
    return "a term out of range";
  return nullptr;
}

}  // namespace

Date ContractState::effective() const {
  return std::max(date_or_epoch(signed_event.signed_date), date_or_epoch(signed_event.counter_signed_date));
}

const char* contract_phase_name(ContractPhase phase) {
  switch (phase) {
    case ContractPhase::pending: return "pending";
    case ContractPhase::active: return "active";
    case ContractPhase::renewed: return "renewed";
    case ContractPhase::expired: return "expired";
    case ContractPhase::terminated: return "terminated";
  }
  return "unknown";
}

ContractStatus contract_status(const ContractState& contract, Date as_of) {
  ContractStatus status;
  const ContractTerms& terms = contract.signed_event.terms;
  const Date effective = contract.effective();
  if (as_of < effective) {
    status.next_decision = effective;
    status.decided_by = "takes effect on the later signature, " + format_date(effective);
    return status;
  }
  // B3.5: service ends after the earliest last day of service notified by then.
  const NoticeSent* termination = nullptr;
  for (const NoticeSent& notice : contract.notices)
    if (notice.kind == NoticeKind::service_termination && sent_by(notice, as_of) &&
        (!termination || date_or_epoch(notice.last_service_day) < date_or_epoch(termination->last_service_day)))
      termination = &notice;
  // (A plain date and a flag: GCC 12 sees an optional<Date> as maybe uninitialized.)
  const bool service_ends = termination != nullptr;
  const Date service_last_day = service_ends ? date_or_epoch(termination->last_service_day) : Date{};

  int term = 1;
  Date start = effective;
  Date last = add_months(effective, static_cast<int>(terms.term_months));
  Date before_term = effective - days{1};  // objections count from the day after the previous term's last day
  for (;;) {
    // Clause 7: an objection deemed received on or before the term's last day ends it there.
    const NoticeSent* objection = nullptr;
    for (const NoticeSent& notice : contract.notices) {
      if (notice.kind != NoticeKind::renewal_objection || !sent_by(notice, as_of)) continue;
      const Date received = date_or_epoch(notice.deemed_received);
      if (received > before_term && received <= last) {
        objection = &notice;
        break;
      }
    }
    const bool renews = !objection && renews_after(terms.renewals, term);
    if (service_ends && service_last_day <= last && as_of > service_last_day) {
      status.phase = ContractPhase::terminated;
      status.term = term;
      status.term_start = start;
      status.term_last_day = last;
      status.ended_after = service_last_day;
      status.ended_by = termination->notice;
      return status;
    }
    if (as_of <= last) {
      status.phase = term == 1 ? ContractPhase::active : ContractPhase::renewed;
      status.term = term;
      status.term_start = start;
      status.term_last_day = last;
      status.next_decision = last;
      if (service_ends && service_last_day <= last) {
        status.next_decision = service_last_day;
        status.decided_by = "service ends after " + format_date(service_last_day) + " (notice " + termination->notice + ")";
      } else if (objection) {
        status.decided_by = "expires after " + format_date(last) + ": renewal objection " + objection->notice +
                            " deemed received " + objection->deemed_received;
      } else if (renews) {
        status.decided_by = "renews for " + std::to_string(terms.renewal_months) + " months to " +
                            format_date(add_months(last, static_cast<int>(terms.renewal_months))) +
                            " unless a renewal objection is deemed received by " + format_date(last) +
                            " (courier handed over by " + format_date(last - days{4}) + ", fax or e-mail sent by " +
                            format_date(last - days{2}) + ")";
      } else {
        status.decided_by = "expires after " + format_date(last) + ": no renewal left";
      }
      return status;
    }
    if (!renews) {
      status.phase = ContractPhase::expired;
      status.term = term;
      status.term_start = start;
      status.term_last_day = last;
      status.ended_after = last;
      status.ended_by = objection ? objection->notice : "no renewal left";
      return status;
    }
    before_term = last;
    start = last + days{1};
    last = add_months(last, static_cast<int>(terms.renewal_months));
    ++term;
  }
}

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

namespace {

// Status of an obligation due by the end of `deadline` (China), met at `met_us` (0: not yet), as of `as_of`.
ObligationStatus status_of(Date deadline, std::int64_t met_us, Date as_of) {
  if (met_us != 0 && china_date_of(met_us) <= as_of)
    return china_date_of(met_us) <= deadline ? ObligationStatus::met : ObligationStatus::met_late;
  return as_of > deadline ? ObligationStatus::overdue : ObligationStatus::pending;
}

// A working-day deadline N days after the contract takes effect.
void workday_deadline(Obligation& o, const ContractState& contract, const WorkCalendar& calendar, std::uint32_t workdays,
                      const Milestone& met, Date as_of) {
  const CalendarAnswer<Date> deadline = calendar.add_workdays(contract.effective(), static_cast<int>(workdays));
  o.rule = std::to_string(workdays) + " working days after " + format_date(contract.effective()) +
           " (the effective day excluded)";
  if (met.sequence != 0) {
    o.satisfied_by = "event " + std::to_string(met.sequence);
    o.satisfied_at_us = met.time_us;
  }
  if (!deadline.known()) {
    o.status = ObligationStatus::indeterminate;
    o.unknown_year = deadline.unknown_year;
    return;
  }
  o.deadline = deadline.value;
  o.status = status_of(deadline.value, met.sequence != 0 ? met.time_us : 0, as_of);
}

}  // namespace

std::vector<Obligation> contract_obligations(const ContractState& contract, const WorkCalendar& calendar, Date as_of) {
  std::vector<Obligation> out;
  const ContractSigned& s = contract.signed_event;
  const std::string agent = "agent " + s.agent;
  const std::string signed_trigger = "ContractSigned (event " + std::to_string(contract.signed_sequence) + ")";
  Obligation pay;
  pay.id = s.contract + "/O-PAY";
  pay.type = "O-PAY";
  pay.clause = "B3.7";
  pay.bearer = agent;
  pay.beneficiary = "provider";
  pay.trigger = signed_trigger;
  pay.calendar_version = s.calendar_version;
  workday_deadline(pay, contract, calendar, s.terms.pay_within_workdays, contract.paid, as_of);
  out.push_back(std::move(pay));
  Obligation accounts;
  accounts.id = s.contract + "/O-ACCOUNTS";
  accounts.type = "O-ACCOUNTS";
  accounts.clause = "A2.4";
  accounts.bearer = "provider";
  accounts.beneficiary = agent;
  accounts.trigger = signed_trigger;
  accounts.calendar_version = s.calendar_version;
  workday_deadline(accounts, contract, calendar, s.terms.accounts_within_workdays, contract.accounts, as_of);
  out.push_back(std::move(accounts));
  for (const NoticeSent& notice : contract.notices) {
    if (!sent_by(notice, as_of)) continue;
    if (notice.kind == NoticeKind::service_termination) {
      // B3.5: the notice must be deemed received by the latest date one month before the last day.
      Obligation exit;
      exit.id = s.contract + "/O-EXIT/" + notice.notice;
      exit.type = "O-EXIT";
      exit.clause = "B3.5";
      exit.bearer = notice.from == NoticeParty::agent ? agent : "provider";
      exit.beneficiary = notice.from == NoticeParty::agent ? "provider" : agent;
      exit.trigger = "NoticeSent " + notice.notice;
      exit.rule = "deemed received no later than one month before the last day of service " + notice.last_service_day;
      exit.deadline = latest_notice(date_or_epoch(notice.last_service_day), 1);
      exit.satisfied_by = notice.notice;
      exit.satisfied_at_us = china_midnight_utc_us(date_or_epoch(notice.deemed_received));
      exit.status = notice.compliant ? ObligationStatus::met : ObligationStatus::met_late;
      exit.calendar_version = s.calendar_version;
      out.push_back(std::move(exit));
    } else if (notice.kind == NoticeKind::negotiation_request) {
      // 6.1: arbitration may be filed once 30 days from the request's receipt have passed; 6.2: nothing else stops.
      Obligation dispute;
      dispute.id = s.contract + "/O-DISPUTE/" + notice.notice;
      dispute.type = "O-DISPUTE";
      dispute.clause = "6.1";
      dispute.bearer = "either party";
      dispute.beneficiary = "either party";
      dispute.trigger = "NoticeSent " + notice.notice;
      dispute.rule = "arbitration may be filed from the day after a 30-day period from the deemed receipt " +
                     notice.deemed_received;
      dispute.calendar_version = s.calendar_version;
      const CalendarAnswer<Date> last = calendar.period_end(date_or_epoch(notice.deemed_received), 30);
      if (!last.known()) {
        dispute.status = ObligationStatus::indeterminate;
        dispute.unknown_year = last.unknown_year;
      } else {
        dispute.deadline = last.value + days{1};
        dispute.status = as_of >= dispute.deadline ? ObligationStatus::met : ObligationStatus::pending;
      }
      out.push_back(std::move(dispute));
    }
  }
  return out;
}

bool is_valid_contract_id(std::string_view id) { return is_valid_account_id(id); }

std::string notice_id(std::uint64_t n) {
  char id[32];
  std::snprintf(id, sizeof id, "N%06llu", static_cast<unsigned long long>(n));
  return id;
}

const char* contract_event_problem(const ContractState* current, std::uint64_t notices_sent, const AgentsLookup& agents,
                                   const Event& event) {
  if (const auto* signed_event = std::get_if<ContractSigned>(&event.payload)) {
    if (!event.postings.empty()) return "a contract signature moves no money";
    if (current) return "a contract signed twice";
    if (!is_valid_contract_id(signed_event->contract)) return "a contract id that is not an id";
    if (!agents.find_agent(signed_event->agent)) return "a contract with an agent that does not exist";
    if (!parse_date(signed_event->signed_date) || !parse_date(signed_event->counter_signed_date))
      return "a contract signature without a date";
    return terms_problem(signed_event->terms);
  }
  if (const auto* notice = std::get_if<NoticeSent>(&event.payload)) {
    if (!event.postings.empty()) return "a notice moves no money";
    if (!current) return "a notice under a contract never signed";
    if (notice->notice != notice_id(notices_sent + 1)) return "notices are numbered in order";
    const Date received = deemed_receipt(notice->method, notice->sent_us);
    if (notice->deemed_received != format_date(received)) return "a notice's deemed receipt is not the rule's";
    if (notice->kind == NoticeKind::service_termination) {
      const auto last_day = parse_date(notice->last_service_day);
      if (!last_day) return "a service termination without its last day";
      const Date earliest = add_months(received, 1);
      if (notice->earliest_compliant_last_day != format_date(earliest) || notice->compliant != (earliest <= *last_day))
        return "a service termination's compliance is not the rule's (B3.5)";
    } else if (!notice->last_service_day.empty() || !notice->compliant || !notice->earliest_compliant_last_day.empty()) {
      return "only a service termination has a last day";
    }
    return nullptr;
  }
  return nullptr;
}

const char* Contracts::problem(const Event& event, const AgentsLookup& agents) const {
  std::string_view id;
  if (const auto* s = std::get_if<ContractSigned>(&event.payload)) id = s->contract;
  else if (const auto* n = std::get_if<NoticeSent>(&event.payload)) id = n->contract;
  else return nullptr;
  return contract_event_problem(find(id), notices_sent_, agents, event);
}

void Contracts::apply(std::uint64_t sequence, const Event& event, const AgentsLookup& agents) {
  const char* why = problem(event, agents);
  HUAWU_ASSERT(why == nullptr, why);
  if (const auto* signed_event = std::get_if<ContractSigned>(&event.payload)) {
    contracts_.emplace(signed_event->contract, ContractState{*signed_event, sequence, {}, {}, {}});
    reach_milestones(signed_event->agent, sequence, event.business_time_us);
  } else if (const auto* notice = std::get_if<NoticeSent>(&event.payload)) {
    contracts_.find(notice->contract)->second.notices.push_back(*notice);
    ++notices_sent_;
  } else if (const auto* payment = std::get_if<AgentPaymentRecorded>(&event.payload)) {
    AgentTotals& totals = agent_totals_[payment->agent];
    if (payment->kind == AgentPaymentKind::traffic) totals.traffic_paid_units += payment->amount_units;
    if (payment->kind == AgentPaymentKind::deposit) totals.deposit_paid_units += payment->amount_units;
    if (payment->kind == AgentPaymentKind::franchise_fee) totals.fee_paid_units += payment->amount_units;
    reach_milestones(payment->agent, sequence, event.business_time_us);
  } else if (const auto* issued = std::get_if<CardBatchIssued>(&event.payload);
             issued && issued->kind == CardKind::account) {
    agent_totals_[issued->agent].account_cards += issued->count;
    account_card_batches_[issued->batch] = issued->agent;
    reach_milestones(issued->agent, sequence, event.business_time_us);
  } else if (const auto* redeemed = std::get_if<CardRedeemed>(&event.payload);
             redeemed && redeemed->kind == CardKind::account) {
    const std::string& agent = account_card_batches_.at(redeemed->batch);
    ++agent_totals_[agent].activated;
    reach_milestones(agent, sequence, event.business_time_us);
  }
}

void Contracts::reach_milestones(const std::string& agent, std::uint64_t sequence, std::int64_t time_us) {
  auto totals_it = agent_totals_.find(agent);
  if (totals_it == agent_totals_.end()) return;
  const AgentTotals& totals = totals_it->second;
  for (auto& [id, contract] : contracts_) {
    if (contract.signed_event.agent != agent) continue;
    const ContractTerms& t = contract.signed_event.terms;
    // Bounded: minutes <= 10^9, price <= 10^8 units: the product fits.
    if (contract.paid.sequence == 0 && totals.traffic_paid_units >= t.prepaid_minutes * t.price_units_per_minute &&
        totals.deposit_paid_units >= t.deposit_units && totals.fee_paid_units >= t.franchise_fee_units)
      contract.paid = Milestone{sequence, time_us};
    if (contract.accounts.sequence == 0 && totals.account_cards >= static_cast<std::uint64_t>(t.accounts) &&
        totals.activated >= static_cast<std::uint64_t>(t.active_users))
      contract.accounts = Milestone{sequence, time_us};
  }
}

const ContractState* Contracts::find(std::string_view contract) const {
  auto it = contracts_.find(contract);
  return it == contracts_.end() ? nullptr : &it->second;
}

void Contracts::serialize(std::string& out) const {
  ByteWriter w;
  w.u64(notices_sent_);
  w.u64(contracts_.size());
  for (const auto& [id, c] : contracts_) {
    const ContractSigned& s = c.signed_event;
    const ContractTerms& t = s.terms;
    w.str(id);
    w.str(s.agent);
    w.str(s.signed_date);
    w.str(s.counter_signed_date);
    w.u64(t.level);
    w.i64(t.prepaid_minutes);
    w.i64(t.price_units_per_minute);
    w.i64(t.deposit_units);
    w.i64(t.franchise_fee_units);
    w.u64(t.pay_within_workdays);
    w.i64(t.accounts);
    w.u64(t.accounts_within_workdays);
    w.i64(t.active_users);
    w.u64(t.sla_hours);
    w.u64(t.term_months);
    w.u64(t.renewal_months);
    w.u8(static_cast<std::uint8_t>(t.renewals));
    w.str(s.calendar_version);
    w.u64(c.signed_sequence);
    w.u64(c.notices.size());
    for (const NoticeSent& n : c.notices) {
      w.str(n.notice);
      w.u8(static_cast<std::uint8_t>(n.from));
      w.u8(static_cast<std::uint8_t>(n.kind));
      w.u8(static_cast<std::uint8_t>(n.method));
      w.i64(n.sent_us);
      w.str(n.deemed_received);
      w.str(n.last_service_day);
      w.str(n.subject);
      w.u8(n.compliant ? 1 : 0);
      w.str(n.earliest_compliant_last_day);
    }
    for (const Milestone& m : {c.paid, c.accounts}) {
      w.u64(m.sequence);
      w.i64(m.time_us);
    }
  }
  w.u64(agent_totals_.size());
  for (const auto& [agent, t] : agent_totals_) {
    w.str(agent);
    w.i64(t.traffic_paid_units);
    w.i64(t.deposit_paid_units);
    w.i64(t.fee_paid_units);
    w.u64(t.account_cards);
    w.u64(t.activated);
  }
  w.u64(account_card_batches_.size());
  for (const auto& [batch, agent] : account_card_batches_) {
    w.str(batch);
    w.str(agent);
  }
  out += w.bytes();
}

bool Contracts::deserialize(std::string_view bytes, std::string* why) {
  *this = Contracts{};
  ByteReader r(bytes);
  notices_sent_ = r.u64();
  const std::uint64_t count = r.u64();
  bool enums_ok = true;
  for (std::uint64_t i = 0; i < count && !r.failed(); ++i) {
    ContractState c;
    ContractSigned& s = c.signed_event;
    ContractTerms& t = s.terms;
    s.contract = r.str();
    s.agent = r.str();
    s.signed_date = r.str();
    s.counter_signed_date = r.str();
    t.level = static_cast<std::uint32_t>(r.u64());
    t.prepaid_minutes = r.i64();
    t.price_units_per_minute = r.i64();
    t.deposit_units = r.i64();
    t.franchise_fee_units = r.i64();
    t.pay_within_workdays = static_cast<std::uint32_t>(r.u64());
    t.accounts = r.i64();
    t.accounts_within_workdays = static_cast<std::uint32_t>(r.u64());
    t.active_users = r.i64();
    t.sla_hours = static_cast<std::uint32_t>(r.u64());
    t.term_months = static_cast<std::uint32_t>(r.u64());
    t.renewal_months = static_cast<std::uint32_t>(r.u64());
    const std::uint8_t renewals = r.u8();
    enums_ok = enums_ok && renewals <= static_cast<std::uint8_t>(RenewalPolicy::none);
    t.renewals = static_cast<RenewalPolicy>(renewals);
    s.calendar_version = r.str();
    c.signed_sequence = r.u64();
    const std::uint64_t notices = r.u64();
    for (std::uint64_t k = 0; k < notices && !r.failed(); ++k) {
      NoticeSent n;
      n.notice = r.str();
      n.contract = s.contract;
      const std::uint8_t from = r.u8(), kind = r.u8(), method = r.u8();
      enums_ok = enums_ok && from <= 1 && kind <= static_cast<std::uint8_t>(NoticeKind::general) &&
                 method <= static_cast<std::uint8_t>(NoticeMethod::email);
      n.from = static_cast<NoticeParty>(from);
      n.kind = static_cast<NoticeKind>(kind);
      n.method = static_cast<NoticeMethod>(method);
      n.sent_us = r.i64();
      n.deemed_received = r.str();
      n.last_service_day = r.str();
      n.subject = r.str();
      n.compliant = r.u8() != 0;
      n.earliest_compliant_last_day = r.str();
      c.notices.push_back(std::move(n));
    }
    for (Milestone* m : {&c.paid, &c.accounts}) {
      m->sequence = r.u64();
      m->time_us = r.i64();
    }
    std::string id = s.contract;
    contracts_.emplace(std::move(id), std::move(c));
  }
  const std::uint64_t agents = r.u64();
  for (std::uint64_t i = 0; i < agents && !r.failed(); ++i) {
    std::string agent = r.str();
    AgentTotals t;
    t.traffic_paid_units = r.i64();
    t.deposit_paid_units = r.i64();
    t.fee_paid_units = r.i64();
    t.account_cards = r.u64();
    t.activated = r.u64();
    agent_totals_.emplace(std::move(agent), t);
  }
  const std::uint64_t batches = r.u64();
  for (std::uint64_t i = 0; i < batches && !r.failed(); ++i) {
    std::string batch = r.str();
    account_card_batches_.emplace(std::move(batch), r.str());
  }
  if (r.failed() || !r.at_end() || !enums_ok) {
    *why = "snapshot: contracts section truncated or malformed";
    return false;
  }
  return true;
}

}  // namespace huawu
