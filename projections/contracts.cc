#include "projections/contracts.h"

#include <algorithm>
#include <cstdio>

#include "events/bytes.h"
#include "events/codec.h"
#include "events/ids.h"
#include "events/invariant.h"
#include "events/limits.h"
#include "projections/agents.h"

namespace huawu {

namespace {

using std::chrono::days;

Date date_or_epoch(const std::string& text) { return parse_date(text).value_or(Date{}); }

// Whether the notice had been sent by `as_of` (China date): status as of a
// date knows only what was sent by then.
bool sent_by(const NoticeSent& notice, Date as_of) { return china_date_of(notice.sent_us) <= as_of; }

template <class T>
std::int64_t as_i64(T value) {
  return static_cast<std::int64_t>(value);
}

// Amendments in the order they take effect: by effective day, then number.
std::vector<const ContractAmended*> by_effective_day(const std::vector<ContractAmended>& amendments) {
  std::vector<const ContractAmended*> out;
  out.reserve(amendments.size());
  for (const ContractAmended& a : amendments) out.push_back(&a);
  std::stable_sort(out.begin(), out.end(), [](const ContractAmended* a, const ContractAmended* b) {
    return date_or_epoch(a->effective_date) < date_or_epoch(b->effective_date);
  });
  return out;
}

void apply_changes(ContractTerms& terms, const ContractAmended& amendment) {
  for (const TermChange& change : amendment.changes)
    if (const ContractTermParam* param = find_contract_term_param(change.param)) param->set(terms, change.value);
}

}  // namespace

// ---- terms ----------------------------------------------------------------

const std::vector<ContractTermParam>& contract_term_params() {
  // Setters clamp nothing: values out of a field's range are refused by
  // contract_terms_problem before any event carries them, so the narrowing
  // casts below only ever see values that fit.
  static const std::vector<ContractTermParam> params = {
      {"level", [](const ContractTerms& t) { return as_i64(t.level); },
       [](ContractTerms& t, std::int64_t v) { t.level = static_cast<std::uint32_t>(v); }},
      {"prepaid-minutes", [](const ContractTerms& t) { return t.prepaid_minutes; },
       [](ContractTerms& t, std::int64_t v) { t.prepaid_minutes = v; }},
      {"price", [](const ContractTerms& t) { return t.price_units_per_minute; },
       [](ContractTerms& t, std::int64_t v) { t.price_units_per_minute = v; }},
      {"deposit", [](const ContractTerms& t) { return t.deposit_units; },
       [](ContractTerms& t, std::int64_t v) { t.deposit_units = v; }},
      {"franchise-fee", [](const ContractTerms& t) { return t.franchise_fee_units; },
       [](ContractTerms& t, std::int64_t v) { t.franchise_fee_units = v; }},
      {"pay-within-workdays", [](const ContractTerms& t) { return as_i64(t.pay_within_workdays); },
       [](ContractTerms& t, std::int64_t v) { t.pay_within_workdays = static_cast<std::uint32_t>(v); }},
      {"accounts", [](const ContractTerms& t) { return t.accounts; },
       [](ContractTerms& t, std::int64_t v) { t.accounts = v; }},
      {"accounts-within-workdays", [](const ContractTerms& t) { return as_i64(t.accounts_within_workdays); },
       [](ContractTerms& t, std::int64_t v) { t.accounts_within_workdays = static_cast<std::uint32_t>(v); }},
      {"active-users", [](const ContractTerms& t) { return t.active_users; },
       [](ContractTerms& t, std::int64_t v) { t.active_users = v; }},
      {"sla-hours", [](const ContractTerms& t) { return as_i64(t.sla_hours); },
       [](ContractTerms& t, std::int64_t v) { t.sla_hours = static_cast<std::uint32_t>(v); }},
      {"term-months", [](const ContractTerms& t) { return as_i64(t.term_months); },
       [](ContractTerms& t, std::int64_t v) { t.term_months = static_cast<std::uint32_t>(v); }},
      {"renewal-months", [](const ContractTerms& t) { return as_i64(t.renewal_months); },
       [](ContractTerms& t, std::int64_t v) { t.renewal_months = static_cast<std::uint32_t>(v); }},
      {"renewals", [](const ContractTerms& t) { return as_i64(t.renewals); },
       [](ContractTerms& t, std::int64_t v) { t.renewals = static_cast<RenewalPolicy>(v); }},
  };
  static_assert(limits::contract_changes_max == 13, "one change per parameter");
  return params;
}

const ContractTermParam* find_contract_term_param(std::string_view name) {
  for (const ContractTermParam& param : contract_term_params())
    if (name == param.name) return &param;
  return nullptr;
}

const char* contract_terms_problem(const ContractTerms& t) {
  if (t.level < 1 || t.level > limits::agent_level_max) return "a contract level out of range";
  if (t.prepaid_minutes < 0 || t.prepaid_minutes > 1'000'000'000) return "prepaid minutes out of range";
  if (!is_valid_wholesale_price(t.price_units_per_minute)) return "a contract price out of range";
  if (t.deposit_units < 0 || t.deposit_units > limits::amount_units_max || t.franchise_fee_units < 0 ||
      t.franchise_fee_units > limits::amount_units_max)
    return "a contract amount out of range";
  if (t.pay_within_workdays > 366 || t.accounts_within_workdays > 366) return "a deadline in working days out of range";
  if (t.accounts < 0 || t.accounts > 100'000'000 || t.active_users < 0 || t.active_users > 100'000'000)
    return "account counts out of range";
  if (t.sla_hours < 1 || t.sla_hours > 720) return "SLA hours out of range";
  if (t.term_months < 1 || t.term_months > 240 || t.renewal_months < 1 || t.renewal_months > 240)
    return "a term out of range";
  if (static_cast<std::uint8_t>(t.renewals) > static_cast<std::uint8_t>(RenewalPolicy::none))
    return "a renewal policy out of range";
  return nullptr;
}

Date ContractState::effective() const {
  return std::max(date_or_epoch(signed_event.signed_date), date_or_epoch(signed_event.counter_signed_date));
}

ContractTerms ContractState::terms_on(Date day) const {
  ContractTerms terms = signed_event.terms;
  if (amendments.empty()) return terms;
  for (const ContractAmended* amendment : by_effective_day(amendments))
    if (date_or_epoch(amendment->effective_date) <= day) apply_changes(terms, *amendment);
  return terms;
}

// ---- status ---------------------------------------------------------------

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

namespace {

bool renews_after(RenewalPolicy policy, int term) {
  return policy == RenewalPolicy::repeat || (policy == RenewalPolicy::once && term == 1);
}

// A term's length in months by the terms of a day: the first term's, or a renewal's.
std::uint32_t term_months_of(const ContractTerms& terms, int term) {
  return term == 1 ? terms.term_months : terms.renewal_months;
}

// The last day of term `term`, counted from `base` (the effective day for
// the first term, the previous term's last day for a renewal): the length in
// force on its first day, moved by each amendment effective inside it that
// changes that length (clause 8).
Date term_last_day(const ContractState& contract, int term, Date start, Date base) {
  Date last = add_months(base, static_cast<int>(term_months_of(contract.terms_on(start), term)));
  for (const ContractAmended* amendment : by_effective_day(contract.amendments)) {
    const Date effective = date_or_epoch(amendment->effective_date);
    if (effective <= start || effective > last) continue;
    last = add_months(base, static_cast<int>(term_months_of(contract.terms_on(effective), term)));
  }
  return last;
}

}  // namespace

ContractStatus contract_status(const ContractState& contract, Date as_of) {
  ContractStatus status;
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
  Date last = term_last_day(contract, term, start, effective);
  Date before_term = effective - days{1};  // objections count from the day after the previous term's last day
  // Bounded: every pass moves `last` at least a month on, and as_of is a finite date.
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
    const ContractTerms terms_at_end = contract.terms_on(last);
    const bool renews = !objection && renews_after(terms_at_end.renewals, term);
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
        const Date next_last = add_months(last, static_cast<int>(contract.terms_on(last + days{1}).renewal_months));
        status.decided_by = "renews for " + std::to_string(contract.terms_on(last + days{1}).renewal_months) +
                            " months to " + format_date(next_last) +
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
    ++term;
    last = term_last_day(contract, term, start, before_term);
  }
}

// ---- ids and rules --------------------------------------------------------

bool is_valid_contract_id(std::string_view id) { return is_valid_account_id(id); }

std::string notice_id(std::uint64_t n) {
  char id[32];
  std::snprintf(id, sizeof id, "N%06llu", static_cast<unsigned long long>(n));
  return id;
}

std::string_view contract_of(const Payload& payload) {
  if (const auto* e = std::get_if<ContractSigned>(&payload)) return e->contract;
  if (const auto* e = std::get_if<NoticeSent>(&payload)) return e->contract;
  if (const auto* e = std::get_if<ContractAmended>(&payload)) return e->contract;
  return {};
}

Rejection amendment_rejection(const ContractState& contract, const ContractAmended& amendment) {
  if (amendment.changes.empty() || amendment.changes.size() > limits::contract_changes_max ||
      contract.amendments.size() >= limits::contract_amendments_max)
    return Rejection::amendment_invalid;
  for (std::size_t i = 0; i < amendment.changes.size(); ++i) {
    if (!find_contract_term_param(amendment.changes[i].param)) return Rejection::amendment_invalid;
    for (std::size_t k = 0; k < i; ++k)
      if (amendment.changes[k].param == amendment.changes[i].param) return Rejection::amendment_invalid;
  }
  const auto effective = parse_date(amendment.effective_date);
  if (!effective) return Rejection::date_invalid;
  // Obligations triggered before the effective day keep their values: the
  // day the contract took effect is past amending (clause 8, issue 6).
  const ContractStatus before = contract_status(contract, *effective);
  if (*effective <= contract.effective() || !in_force(before.phase)) return Rejection::contract_not_in_force;
  ContractState amended = contract;
  amended.amendments.push_back(amendment);
  // The terms must stand on its day and on every later amendment's day.
  if (contract_terms_problem(amended.terms_on(*effective)) != nullptr) return Rejection::contract_terms_invalid;
  for (const ContractAmended& other : contract.amendments) {
    const Date day = date_or_epoch(other.effective_date);
    if (day > *effective && contract_terms_problem(amended.terms_on(day)) != nullptr)
      return Rejection::contract_terms_invalid;
  }
  // A shorter term may not end the term in force before the amendment takes
  // effect (the contract would lapse or renew behind everyone's back).
  const ContractStatus after = contract_status(amended, *effective);
  if (!in_force(after.phase) || after.term != before.term) return Rejection::amendment_invalid;
  return Rejection::none;
}

const char* contract_event_problem(const ContractState* current, std::uint64_t notices_sent, const Agents& agents,
                                   const Event& event) {
  if (const auto* signed_event = std::get_if<ContractSigned>(&event.payload)) {
    if (!event.postings.empty()) return "a contract signature moves no money";
    if (current) return "a contract signed twice";
    if (!is_valid_contract_id(signed_event->contract)) return "a contract id that is not an id";
    if (!agents.find_agent(signed_event->agent)) return "a contract with an agent that does not exist";
    if (!parse_date(signed_event->signed_date) || !parse_date(signed_event->counter_signed_date))
      return "a contract signature without a date";
    return contract_terms_problem(signed_event->terms);
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
  if (const auto* amendment = std::get_if<ContractAmended>(&event.payload)) {
    if (!event.postings.empty()) return "an amendment moves no money";
    if (!current) return "an amendment of a contract never signed";
    if (amendment->amendment != current->amendments.size() + 1) return "amendments are numbered in order";
    if (!is_valid_text(amendment->reference, limits::reference_length_max)) return "an amendment's reference is not text";
    if (amendment_rejection(*current, *amendment) != Rejection::none)
      return "an amendment the contract cannot take (clause 8)";
    return nullptr;
  }
  return nullptr;
}

// ---- waivers and alerts ---------------------------------------------------

std::string alert_key(std::string_view obligation, AlertKind kind) {
  std::string key(obligation);
  key += '#';
  key += alert_kind_name(kind);
  return key;
}

const char* alert_kind_name(AlertKind kind) {
  switch (kind) {
    case AlertKind::due_soon: return "due_soon";
    case AlertKind::overdue: return "overdue";
    case AlertKind::calendar_unknown: return "calendar_unknown";
  }
  return "unknown";
}

// ---- the projection -------------------------------------------------------

const char* Contracts::problem(const Event& event, const Agents& agents) const {
  if (const auto* waived = std::get_if<ObligationWaived>(&event.payload)) {
    if (!event.postings.empty()) return "a waiver moves no money";
    if (waived->obligation.empty() || !is_valid_text(waived->obligation, limits::name_length_max))
      return "a waiver without an obligation";
    if (!waived->contract.empty() && !find(waived->contract)) return "a waiver under a contract never signed";
    if (waivers_.count(waived->obligation) != 0) return "an obligation waived twice";
    if (!is_valid_text(waived->reason, limits::reference_length_max) || waived->reason.empty())
      return "a waiver without its reason";
    return nullptr;
  }
  if (const auto* alerted = std::get_if<ObligationAlerted>(&event.payload)) {
    if (!event.postings.empty()) return "an alert moves no money";
    if (alerted->obligation.empty()) return "an alert without an obligation";
    if (alert_raised(alert_key(alerted->obligation, alerted->kind))) return "an alert raised twice";
    return nullptr;
  }
  const std::string_view id = contract_of(event.payload);
  if (id.empty()) return nullptr;
  return contract_event_problem(find(id), notices_sent_, agents, event);
}

void Contracts::apply(std::uint64_t sequence, const Event& event, const Agents& agents) {
  const char* why = problem(event, agents);
  HUAWU_ASSERT(why == nullptr, why);
  if (const auto* signed_event = std::get_if<ContractSigned>(&event.payload)) {
    contracts_.emplace(signed_event->contract, ContractState{*signed_event, sequence, {}, {}, {}, {}});
    reach_milestones(signed_event->agent, sequence, event.business_time_us);
  } else if (const auto* notice = std::get_if<NoticeSent>(&event.payload)) {
    contracts_.find(notice->contract)->second.notices.push_back(*notice);
    ++notices_sent_;
  } else if (const auto* amendment = std::get_if<ContractAmended>(&event.payload)) {
    contracts_.find(amendment->contract)->second.amendments.push_back(*amendment);
  } else if (const auto* waived = std::get_if<ObligationWaived>(&event.payload)) {
    waivers_.emplace(waived->obligation, Waiver{waived->contract, waived->reason, sequence, event.business_time_us});
  } else if (const auto* alerted = std::get_if<ObligationAlerted>(&event.payload)) {
    alerts_.insert(alert_key(alerted->obligation, alerted->kind));
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
    // The figures the obligations were created with: amendments take effect
    // after the contract did, so these are the signed terms (clause 8).
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

const Waiver* Contracts::find_waiver(std::string_view obligation) const {
  auto it = waivers_.find(obligation);
  return it == waivers_.end() ? nullptr : &it->second;
}

// ---- snapshot -------------------------------------------------------------

namespace {

template <class T>
void write_payloads(ByteWriter& w, const std::vector<T>& items) {
  w.u64(items.size());
  for (const T& item : items) w.str(encode_payload(item));
}

// Reads what write_payloads wrote; false when an item is not a T.
template <class T>
bool read_payloads(ByteReader& r, std::vector<T>& items) {
  const std::uint64_t count = r.u64();
  for (std::uint64_t i = 0; i < count && !r.failed(); ++i) {
    std::optional<T> item = decode_payload_as<T>(r.str());
    if (!item) return false;
    items.push_back(std::move(*item));
  }
  return !r.failed();
}

}  // namespace

void Contracts::serialize(std::string& out) const {
  ByteWriter w;
  w.u64(notices_sent_);
  w.u64(contracts_.size());
  for (const auto& [id, c] : contracts_) {
    w.str(encode_payload(c.signed_event));
    w.u64(c.signed_sequence);
    write_payloads(w, c.notices);
    write_payloads(w, c.amendments);
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
  w.u64(waivers_.size());
  for (const auto& [obligation, waiver] : waivers_) {
    w.str(obligation);
    w.str(waiver.contract);
    w.str(waiver.reason);
    w.u64(waiver.sequence);
    w.i64(waiver.time_us);
  }
  w.u64(alerts_.size());
  for (const std::string& key : alerts_) w.str(key);
  out += w.bytes();
}

bool Contracts::deserialize(std::string_view bytes, std::string* why) {
  *this = Contracts{};
  ByteReader r(bytes);
  notices_sent_ = r.u64();
  const std::uint64_t count = r.u64();
  bool payloads_ok = true;
  for (std::uint64_t i = 0; i < count && !r.failed() && payloads_ok; ++i) {
    ContractState c;
    std::optional<ContractSigned> signed_event = decode_payload_as<ContractSigned>(r.str());
    payloads_ok = signed_event.has_value();
    if (!payloads_ok) break;
    c.signed_event = std::move(*signed_event);
    c.signed_sequence = r.u64();
    payloads_ok = read_payloads(r, c.notices) && read_payloads(r, c.amendments);
    for (Milestone* m : {&c.paid, &c.accounts}) {
      m->sequence = r.u64();
      m->time_us = r.i64();
    }
    std::string id = c.signed_event.contract;
    contracts_.emplace(std::move(id), std::move(c));
  }
  const std::uint64_t agents = payloads_ok ? r.u64() : 0;
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
  const std::uint64_t batches = payloads_ok ? r.u64() : 0;
  for (std::uint64_t i = 0; i < batches && !r.failed(); ++i) {
    std::string batch = r.str();
    account_card_batches_.emplace(std::move(batch), r.str());
  }
  const std::uint64_t waivers = payloads_ok ? r.u64() : 0;
  for (std::uint64_t i = 0; i < waivers && !r.failed(); ++i) {
    std::string obligation = r.str();
    Waiver waiver;
    waiver.contract = r.str();
    waiver.reason = r.str();
    waiver.sequence = r.u64();
    waiver.time_us = r.i64();
    waivers_.emplace(std::move(obligation), std::move(waiver));
  }
  const std::uint64_t alerts = payloads_ok ? r.u64() : 0;
  for (std::uint64_t i = 0; i < alerts && !r.failed(); ++i) alerts_.insert(r.str());
  if (!payloads_ok || r.failed() || !r.at_end()) {
    *why = "snapshot: contracts section truncated or malformed";
    return false;
  }
  return true;
}

}  // namespace huawu
