#include "cli/format.h"

#include <chrono>
#include <cstdio>

#include "events/card_number.h"
#include "events/hash.h"
#include "events/money.h"
#include "projections/calendar.h"
#include "projections/contracts.h"
#include "projections/promotions.h"
#include "projections/tickets.h"

namespace huawu::cli {

namespace {

const char* payment_kind_name(AgentPaymentKind kind) {
  switch (kind) {
    case AgentPaymentKind::traffic: return "traffic";
    case AgentPaymentKind::deposit: return "deposit";
    case AgentPaymentKind::franchise_fee: return "franchise_fee";
    case AgentPaymentKind::other: return "other";
  }
  return "unknown";
}

const char* deposit_disposition_name(DepositDisposition d) {
  return d == DepositDisposition::refunded ? "refunded" : "forfeited";
}

const char* unit_name(Unit unit) { return unit == Unit::cny_units ? "cny_units" : "traffic_seconds"; }

const char* disposition_name(BalanceDisposition d) {
  switch (d) {
    case BalanceDisposition::none: return "none";
    case BalanceDisposition::refunded: return "refunded";
    case BalanceDisposition::transferred: return "transferred";
    case BalanceDisposition::forfeited: return "forfeited";
  }
  return "unknown";
}

const char* consent_party_name(ConsentParty party) {
  return party == ConsentParty::provider ? "provider" : "both_agents";
}

void put_units(nlohmann::json& j, const std::string& name, std::int64_t units) {
  j[name + "_units"] = units;
  j[name] = format_yuan(units);
}

void put_rate(nlohmann::json& j, const CallRate& rate) {
  j["rate"] = {{"prefix", rate.prefix},
               {"price_units_per_minute", rate.price_units_per_minute},
               {"price_fen_per_minute", format_fen(rate.price_units_per_minute)},
               {"connect_fee_units", rate.connect_fee_units},
               {"first_block_s", rate.first_block_seconds},
               {"next_block_s", rate.next_block_seconds}};
  // B3.2: the approved promotion the price carries.
  if (!rate.promotion.empty()) j["rate"]["promotion"] = rate.promotion;
}

void put_call(nlohmann::json& j, const std::string& switch_id, const std::string& call_id,
              const std::string& account) {
  j["switch_id"] = switch_id;
  j["call_id"] = call_id;
  j["account"] = account;
}

const char* via_name(SwitchVia via) { return via == SwitchVia::kamailio ? "kamailio" : "zeromq"; }

// Which connector a call came through, and the SIP Call-ID its call id maps
// (issue 15). The Call-ID is the switch's text: quoted as JSON so that spaces
// and odd bytes cannot be mistaken for the next field.
void put_via(nlohmann::json& j, SwitchVia via, const std::string& sip_call_id) {
  j["via"] = via_name(via);
  if (!sip_call_id.empty()) j["sip_call_id"] = sip_call_id;
}

std::string via_text(SwitchVia via, const std::string& sip_call_id) {
  std::string text = std::string(" via=") + via_name(via);
  if (!sip_call_id.empty())
    text += " sip_call_id=" + nlohmann::json(sip_call_id).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return text;
}

struct PayloadJson {
  nlohmann::json& j;
  void operator()(const LedgerCreated& e) const {
    j["provider_id"] = e.provider_id;
    j["provider_name"] = e.provider_name;
    j["currency"] = e.currency;
    j["utc_offset_minutes"] = e.utc_offset_minutes;
  }
  void operator()(const AccountOpened& e) const {
    j["account"] = e.account;
    j["rate_plan"] = e.rate_plan;
    j["initial_balance_units"] = e.initial_balance_units;
    j["initial_balance"] = format_yuan(e.initial_balance_units);
    j["agent"] = e.agent;
  }
  void operator()(const WalletRecharged& e) const {
    j["account"] = e.account;
    j["amount_units"] = e.amount_units;
    j["amount"] = format_yuan(e.amount_units);
    j["source_reference"] = e.source_reference;
    j["balance_after_units"] = e.balance_after_units;
    j["balance_after"] = format_yuan(e.balance_after_units);
  }
  void operator()(const AccountClosed& e) const {
    j["account"] = e.account;
    j["remaining_balance_units"] = e.remaining_balance_units;
    j["remaining_balance"] = format_yuan(e.remaining_balance_units);
    j["disposition"] = disposition_name(e.disposition);
    j["transfer_to"] = e.transfer_to;
    j["reference"] = e.reference;
  }
  void operator()(const RatePlanImported& e) const {
    j["plan"] = e.plan;
    j["source_name"] = e.source_name;
    j["rates"] = e.rates.size();
  }
  void operator()(const CallAuthorized& e) const {
    put_call(j, e.switch_id, e.call_id, e.account);
    j["caller"] = e.caller;
    j["callee"] = e.callee;
    j["requested_seconds"] = e.requested_seconds;
    j["granted_seconds"] = e.granted_seconds;
    put_units(j, "hold", e.hold_units);
    put_rate(j, e.rate);
    j["switch_time_us"] = e.switch_time_us;
    j["expires_at_us"] = e.expires_at_us;
    j["expires_at"] = format_time_utc(e.expires_at_us);
    put_units(j, "balance_after", e.balance_after_units);
    put_via(j, e.via, e.sip_call_id);
  }
  void operator()(const CallSettled& e) const {
    put_call(j, e.switch_id, e.call_id, e.account);
    j["caller"] = e.caller;
    j["callee"] = e.callee;
    j["origin"] = call_origin_name(e.origin);
    j["hold_id"] = e.hold_id;
    put_units(j, "released", e.released_units);
    j["answered_time_us"] = e.answered_time_us;
    j["duration_ms"] = e.duration_ms;
    j["disconnect_cause"] = e.disconnect_cause;
    put_rate(j, e.rate);
    j["billed_seconds"] = e.billed_seconds;
    put_units(j, "cost", e.cost_units);
    put_units(j, "wallet_debit", e.wallet_debit_units);
    put_units(j, "arrears", e.arrears_units);
    j["over_grant"] = e.over_grant;
    put_units(j, "balance_after", e.balance_after_units);
    put_via(j, e.via, e.sip_call_id);
    if (!e.end_reason.empty()) j["end_reason"] = e.end_reason;
  }
  void operator()(const CallRejected& e) const {
    put_call(j, e.switch_id, e.call_id, e.account);
    j["stage"] = call_stage_name(e.stage);
    j["reason"] = e.reason;
    j["original_sequence"] = e.original_sequence;
    put_via(j, e.via, e.sip_call_id);
  }
  void operator()(const HoldExpired& e) const {
    put_call(j, e.switch_id, e.call_id, e.account);
    j["hold_id"] = e.hold_id;
    put_units(j, "released", e.released_units);
  }
  void operator()(const AgentAdded& e) const {
    j["agent"] = e.agent;
    j["parent"] = e.parent.empty() ? "provider" : e.parent;
    j["name"] = e.name;
    j["level"] = e.level;
    j["price_units_per_minute"] = e.price_units_per_minute;
    j["price_fen_per_minute"] = format_fen(e.price_units_per_minute);
  }
  void operator()(const AgentPriceSet& e) const {
    j["agent"] = e.agent;
    j["price_units_per_minute"] = e.price_units_per_minute;
    j["price_fen_per_minute"] = format_fen(e.price_units_per_minute);
  }
  void operator()(const LevelPriceSet& e) const {
    j["level"] = e.level;
    j["price_units_per_minute"] = e.price_units_per_minute;
    j["price_fen_per_minute"] = format_fen(e.price_units_per_minute);
  }
  void operator()(const AgentSuspended& e) const {
    j["agent"] = e.agent;
    j["reason"] = e.reason;
  }
  void operator()(const AgentResumed& e) const { j["agent"] = e.agent; }
  void operator()(const AgentPaymentRecorded& e) const {
    j["agent"] = e.agent;
    j["kind"] = payment_kind_name(e.kind);
    put_units(j, "amount", e.amount_units);
    j["reference"] = e.reference;
  }
  void operator()(const AgentDepositReleased& e) const {
    j["agent"] = e.agent;
    put_units(j, "amount", e.amount_units);
    j["disposition"] = deposit_disposition_name(e.disposition);
    j["reason"] = e.reason;
  }
  void operator()(const TrafficPurchased& e) const {
    j["agent"] = e.agent;
    j["seller"] = e.seller.empty() ? "provider" : e.seller;
    j["minutes"] = e.minutes;
    j["price_units_per_minute"] = e.price_units_per_minute;
    j["price_fen_per_minute"] = format_fen(e.price_units_per_minute);
    put_units(j, "cost", e.cost_units);
  }
  void operator()(const AgentCreditSet& e) const {
    j["agent"] = e.agent;
    put_units(j, "prepayment_credit", e.prepayment_credit_units);
    j["traffic_overdraft_seconds"] = e.traffic_overdraft_seconds;
  }
  void operator()(const PrincipalAdded& e) const {
    j["name"] = e.name;
    j["role"] = principal_role_name(e.role);
    j["agent"] = e.agent;
  }
  void operator()(const PrincipalPasswordChanged& e) const { j["name"] = e.name; }
  void operator()(const CardBatchIssued& e) const {
    j["batch"] = e.batch;
    j["agent"] = e.agent;
    j["kind"] = card_kind_name(e.kind);
    j["count"] = e.count;
    j["first_serial"] = e.first_serial;
    j["first_number"] = card_number(e.kind, e.first_serial);
    j["last_number"] = card_number(e.kind, e.first_serial + e.count - 1);
    put_units(j, "face", e.face_units);
    j["rate_plan"] = e.rate_plan;
    j["expires_at_us"] = e.expires_at_us;
    j["expires_at"] = e.expires_at_us == 0 ? "" : format_time_utc(e.expires_at_us);
    j["key_id"] = e.key_id;
  }
  void operator()(const CardsVoided& e) const {
    j["batch"] = e.batch;
    j["first_serial"] = e.first_serial;
    j["last_serial"] = e.last_serial;
    j["reason"] = e.reason;
  }
  void operator()(const CardRedeemed& e) const {
    j["number"] = card_number(e.kind, e.serial);
    j["serial"] = e.serial;
    j["batch"] = e.batch;
    j["account"] = e.account;
    j["kind"] = card_kind_name(e.kind);
    put_units(j, "face", e.face_units);
    put_units(j, "balance_after", e.balance_after_units);
  }
  void operator()(const CardRedemptionFailed& e) const {
    j["serial"] = e.serial;
    j["number"] = e.serial == 0 ? "" : card_number(e.kind, e.serial);
    j["account"] = e.account;
    j["kind"] = card_kind_name(e.kind);
    j["reason"] = e.reason;
  }
  void operator()(const ContractSigned& e) const {
    j["contract"] = e.contract;
    j["agent"] = e.agent;
    j["signed"] = e.signed_date;
    j["counter_signed"] = e.counter_signed_date;
    j["terms"] = contract_terms_json(e.terms);
    j["calendar_version"] = e.calendar_version;
  }
  void operator()(const NoticeSent& e) const { j.update(notice_json(e)); }
  void operator()(const ContractAmended& e) const {
    j["contract"] = e.contract;
    j["amendment"] = e.amendment;
    j["effective"] = e.effective_date;
    nlohmann::json changes = nlohmann::json::object();
    for (const TermChange& change : e.changes) changes[change.param] = change.value;
    j["changes"] = changes;
    j["reference"] = e.reference;
  }
  void operator()(const ObligationWaived& e) const {
    j["obligation"] = e.obligation;
    j["contract"] = e.contract;
    j["reason"] = e.reason;
  }
  void operator()(const TicketOpened& e) const {
    j["ticket"] = e.ticket;
    j["account"] = e.account;
    j["agent"] = e.agent;
    j["contract"] = e.contract;
    j["summary"] = e.summary;
    j["reported"] = format_time_utc(e.reported_us);
    j["sla_hours"] = e.sla_hours;
    j["schedule"] = e.schedule;
    j["due"] = e.due_us == 0 ? "" : format_china_minute(e.due_us);
    if (e.unknown_year != 0) j["calendar_unknown_year"] = e.unknown_year;
    j["calendar_version"] = e.calendar_version;
  }
  void operator()(const TicketResponded& e) const {
    j["ticket"] = e.ticket;
    j["at"] = format_time_utc(e.at_us);
    j["by"] = ticket_party_name(e.by);
  }
  void operator()(const TicketClosed& e) const { j["ticket"] = e.ticket; }
  void operator()(const PromotionRequested& e) const {
    j["promotion"] = e.promotion;
    j["agent"] = e.agent;
    j["plan"] = e.plan;
    j["discount_basis_points"] = e.discount_basis_points;
    j["discount"] = format_discount_percent(e.discount_basis_points);
    j["from"] = e.from_date;
    j["to"] = e.to_date;
  }
  void operator()(const PromotionApproved& e) const {
    j["promotion"] = e.promotion;
    j["filing_reference"] = e.filing_reference;
  }
  void operator()(const PromotionRejected& e) const {
    j["promotion"] = e.promotion;
    j["reason"] = e.reason;
  }
  void operator()(const PromotionWithdrawn& e) const {
    j["promotion"] = e.promotion;
    j["reason"] = e.reason;
  }
  void operator()(const ObligationAlerted& e) const {
    j["obligation"] = e.obligation;
    j["contract"] = e.contract;
    j["kind"] = alert_kind_name(e.kind);
    j["bearer"] = e.bearer;
    j["deadline"] = e.deadline;
    if (e.unknown_year != 0) j["calendar_unknown_year"] = e.unknown_year;
  }
  void operator()(const AccountTransferred& e) const {
    j["account"] = e.account;
    j["from_agent"] = e.from_agent;
    j["to_agent"] = e.to_agent;
    j["consent_by"] = consent_party_name(e.consent_by);
    j["consent_reference"] = e.consent_reference;
  }
};

struct PayloadText {
  std::string operator()(const LedgerCreated& e) const {
    return "provider=" + e.provider_id + " name=\"" + e.provider_name + "\" currency=" + e.currency;
  }
  std::string operator()(const AccountOpened& e) const {
    return "account=" + e.account + " initial=" + format_yuan(e.initial_balance_units) +
           (e.rate_plan.empty() ? "" : " plan=" + e.rate_plan) + (e.agent.empty() ? "" : " agent=" + e.agent);
  }
  std::string operator()(const WalletRecharged& e) const {
    return "account=" + e.account + " amount=" + format_yuan(e.amount_units) +
           " balance_after=" + format_yuan(e.balance_after_units) +
           (e.source_reference.empty() ? "" : " ref=" + e.source_reference);
  }
  std::string operator()(const AccountClosed& e) const {
    return "account=" + e.account + " remaining=" + format_yuan(e.remaining_balance_units) + " " +
           disposition_name(e.disposition) + (e.transfer_to.empty() ? "" : " to=" + e.transfer_to) +
           (e.reference.empty() ? "" : " ref=" + e.reference);
  }
  std::string operator()(const RatePlanImported& e) const {
    return "plan=" + e.plan + " rates=" + std::to_string(e.rates.size()) +
           (e.source_name.empty() ? "" : " source=" + e.source_name);
  }
  std::string operator()(const CallAuthorized& e) const {
    return "call=" + e.switch_id + "/" + e.call_id + " account=" + e.account + " callee=" + e.callee +
           " granted=" + std::to_string(e.granted_seconds) + "s hold=" + format_yuan(e.hold_units) +
           via_text(e.via, e.sip_call_id);
  }
  std::string operator()(const CallSettled& e) const {
    return "call=" + e.switch_id + "/" + e.call_id + " account=" + e.account + " callee=" + e.callee +
           " " + call_origin_name(e.origin) + " duration=" + std::to_string(e.duration_ms) +
           "ms billed=" + std::to_string(e.billed_seconds) + "s cost=" + format_yuan(e.cost_units) +
           " balance_after=" + format_yuan(e.balance_after_units) + (e.over_grant ? " OVER-GRANT" : "") +
           (e.arrears_units > 0 ? " arrears=" + format_yuan(e.arrears_units) : "") +
           (e.rate.promotion.empty() ? "" : " promotion=" + e.rate.promotion) +
           (e.end_reason.empty() ? "" : " ended=" + e.end_reason) + via_text(e.via, e.sip_call_id);
  }
  std::string operator()(const CallRejected& e) const {
    return "call=" + e.switch_id + "/" + e.call_id + " " + call_stage_name(e.stage) + " refused: " + e.reason +
           (e.account.empty() ? "" : " account=" + e.account) + via_text(e.via, e.sip_call_id);
  }
  std::string operator()(const HoldExpired& e) const {
    return "call=" + e.switch_id + "/" + e.call_id + " account=" + e.account +
           " hold_id=" + std::to_string(e.hold_id) + " released=" + format_yuan(e.released_units);
  }
  std::string operator()(const AgentAdded& e) const {
    return "agent=" + e.agent + " parent=" + (e.parent.empty() ? "provider" : e.parent) + " level=" +
           std::to_string(e.level) + " name=\"" + e.name + "\"" +
           (e.price_units_per_minute == 0 ? " price=level" : " price=" + format_fen(e.price_units_per_minute) + "fen/min");
  }
  std::string operator()(const AgentPriceSet& e) const {
    return "agent=" + e.agent +
           (e.price_units_per_minute == 0 ? " price=level" : " price=" + format_fen(e.price_units_per_minute) + "fen/min");
  }
  std::string operator()(const LevelPriceSet& e) const {
    return "level=" + std::to_string(e.level) +
           (e.price_units_per_minute == 0 ? " price=none" : " price=" + format_fen(e.price_units_per_minute) + "fen/min");
  }
  std::string operator()(const AgentSuspended& e) const {
    return "agent=" + e.agent + (e.reason.empty() ? "" : " reason=\"" + e.reason + "\"");
  }
  std::string operator()(const AgentResumed& e) const { return "agent=" + e.agent; }
  std::string operator()(const AgentPaymentRecorded& e) const {
    return "agent=" + e.agent + " kind=" + payment_kind_name(e.kind) + " amount=" + format_yuan(e.amount_units) +
           (e.reference.empty() ? "" : " ref=" + e.reference);
  }
  std::string operator()(const AgentDepositReleased& e) const {
    return "agent=" + e.agent + " amount=" + format_yuan(e.amount_units) + " " +
           deposit_disposition_name(e.disposition) + (e.reason.empty() ? "" : " reason=\"" + e.reason + "\"");
  }
  std::string operator()(const TrafficPurchased& e) const {
    return "agent=" + e.agent + " from=" + (e.seller.empty() ? "provider" : e.seller) +
           " minutes=" + std::to_string(e.minutes) + " price=" + format_fen(e.price_units_per_minute) +
           "fen/min cost=" + format_yuan(e.cost_units);
  }
  std::string operator()(const AgentCreditSet& e) const {
    return "agent=" + e.agent + " prepayment_credit=" + format_yuan(e.prepayment_credit_units) +
           " traffic_overdraft=" + std::to_string(e.traffic_overdraft_seconds) + "s";
  }
  std::string operator()(const PrincipalAdded& e) const {
    return "principal=" + e.name + " role=" + principal_role_name(e.role) + (e.agent.empty() ? "" : " agent=" + e.agent);
  }
  std::string operator()(const PrincipalPasswordChanged& e) const { return "principal=" + e.name; }
  std::string operator()(const CardBatchIssued& e) const {
    return "batch=" + e.batch + " agent=" + e.agent + " kind=" + card_kind_name(e.kind) +
           " count=" + std::to_string(e.count) + " numbers=" + card_number(e.kind, e.first_serial) + ".." +
           card_number(e.kind, e.first_serial + e.count - 1) + " face=" + format_yuan(e.face_units) +
           (e.rate_plan.empty() ? "" : " plan=" + e.rate_plan) +
           (e.expires_at_us == 0 ? "" : " expires=" + format_time_utc(e.expires_at_us));
  }
  std::string operator()(const CardsVoided& e) const {
    return "batch=" + e.batch + " serials=" + std::to_string(e.first_serial) + ".." + std::to_string(e.last_serial) +
           (e.reason.empty() ? "" : " reason=\"" + e.reason + "\"");
  }
  std::string operator()(const CardRedeemed& e) const {
    return "card=" + card_number(e.kind, e.serial) + " batch=" + e.batch + " account=" + e.account +
           " face=" + format_yuan(e.face_units) + " balance_after=" + format_yuan(e.balance_after_units);
  }
  std::string operator()(const CardRedemptionFailed& e) const {
    return std::string(e.kind == CardKind::account ? "activation" : "voucher") + " refused: " + e.reason +
           (e.serial == 0 ? "" : " card=" + card_number(e.kind, e.serial)) +
           (e.account.empty() ? "" : " account=" + e.account);
  }
  std::string operator()(const ContractSigned& e) const {
    return "contract=" + e.contract + " agent=" + e.agent + " signed=" + e.signed_date +
           " counter_signed=" + e.counter_signed_date + " term=" + std::to_string(e.terms.term_months) +
           "m renewals=" + renewal_policy_name(e.terms.renewals);
  }
  std::string operator()(const NoticeSent& e) const {
    return "notice=" + e.notice + " contract=" + e.contract + " from=" + notice_party_name(e.from) +
           " kind=" + notice_kind_name(e.kind) + " method=" + notice_method_name(e.method) +
           " deemed_received=" + e.deemed_received +
           (e.last_service_day.empty() ? "" : " last_service_day=" + e.last_service_day) +
           (e.compliant ? "" : " NON-COMPLIANT (B3.5: earliest compliant last day " + e.earliest_compliant_last_day + ")");
  }
  std::string operator()(const ContractAmended& e) const {
    std::string changes;
    for (const TermChange& change : e.changes)
      changes += (changes.empty() ? "" : ",") + change.param + "=" + format_term_value(change.param, change.value);
    return "contract=" + e.contract + " amendment=" + std::to_string(e.amendment) + " effective=" + e.effective_date +
           " changes=" + changes + (e.reference.empty() ? "" : " ref=" + e.reference);
  }
  std::string operator()(const ObligationWaived& e) const {
    return "obligation=" + e.obligation + " waived: " + e.reason;
  }
  std::string operator()(const TicketOpened& e) const {
    return "ticket=" + e.ticket + " account=" + e.account + (e.contract.empty() ? "" : " contract=" + e.contract) +
           " reported=" + format_china_minute(e.reported_us) + " due=" +
           (e.due_us == 0 ? "calendar_unknown(" + std::to_string(e.unknown_year) + ")" : format_china_minute(e.due_us));
  }
  std::string operator()(const TicketResponded& e) const {
    return "ticket=" + e.ticket + " responded=" + format_china_minute(e.at_us) + " by=" + ticket_party_name(e.by);
  }
  std::string operator()(const TicketClosed& e) const { return "ticket=" + e.ticket + " closed"; }
  std::string operator()(const PromotionRequested& e) const {
    return "promotion=" + e.promotion + " agent=" + e.agent + " plan=" + e.plan +
           " discount=" + format_discount_percent(e.discount_basis_points) + " window=" + e.from_date + ".." + e.to_date;
  }
  std::string operator()(const PromotionApproved& e) const {
    return "promotion=" + e.promotion + " approved, filing=" + e.filing_reference;
  }
  std::string operator()(const PromotionRejected& e) const {
    return "promotion=" + e.promotion + " rejected: " + e.reason;
  }
  std::string operator()(const PromotionWithdrawn& e) const {
    return "promotion=" + e.promotion + " withdrawn: " + e.reason;
  }
  std::string operator()(const ObligationAlerted& e) const {
    return "ALERT " + std::string(alert_kind_name(e.kind)) + " obligation=" + e.obligation + " bearer=" + e.bearer +
           (e.deadline.empty() ? " calendar_unknown(" + std::to_string(e.unknown_year) + ")" : " deadline=" + e.deadline);
  }
  std::string operator()(const AccountTransferred& e) const {
    return "account=" + e.account + " from=" + (e.from_agent.empty() ? "provider" : e.from_agent) +
           " to=" + (e.to_agent.empty() ? "provider" : e.to_agent) + " consent=" + consent_party_name(e.consent_by) +
           ":" + e.consent_reference;
  }
};

bool digits(std::string_view s, std::size_t at, std::size_t n, int* value) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *value = v;
  return true;
}

}  // namespace

const char* renewal_policy_name(RenewalPolicy policy) {
  switch (policy) {
    case RenewalPolicy::repeat: return "repeat";
    case RenewalPolicy::once: return "once";
    case RenewalPolicy::none: return "none";
  }
  return "unknown";
}

const char* notice_party_name(NoticeParty party) { return party == NoticeParty::provider ? "provider" : "agent"; }

const char* notice_kind_name(NoticeKind kind) {
  switch (kind) {
    case NoticeKind::renewal_objection: return "renewal_objection";
    case NoticeKind::service_termination: return "service_termination";
    case NoticeKind::business_change: return "business_change";
    case NoticeKind::negotiation_request: return "negotiation_request";
    case NoticeKind::general: return "general";
  }
  return "unknown";
}

nlohmann::json contract_terms_json(const ContractTerms& t) {
  return nlohmann::json{{"level", t.level},
                        {"prepaid_minutes", t.prepaid_minutes},
                        {"price_units_per_minute", t.price_units_per_minute},
                        {"price_fen_per_minute", format_fen(t.price_units_per_minute)},
                        {"deposit_units", t.deposit_units},
                        {"deposit", format_yuan(t.deposit_units)},
                        {"franchise_fee_units", t.franchise_fee_units},
                        {"franchise_fee", format_yuan(t.franchise_fee_units)},
                        {"pay_within_workdays", t.pay_within_workdays},
                        {"accounts", t.accounts},
                        {"accounts_within_workdays", t.accounts_within_workdays},
                        {"active_users", t.active_users},
                        {"sla_hours", t.sla_hours},
                        {"term_months", t.term_months},
                        {"renewal_months", t.renewal_months},
                        {"renewals", renewal_policy_name(t.renewals)}};
}

std::string format_term_value(std::string_view param, std::int64_t value) {
  if (param == "price") return format_fen(value);
  if (param == "deposit" || param == "franchise-fee") return format_yuan(value);
  if (param == "renewals" && value >= 0 && value <= static_cast<std::int64_t>(RenewalPolicy::none))
    return renewal_policy_name(static_cast<RenewalPolicy>(value));
  return std::to_string(value);
}

nlohmann::json notice_json(const NoticeSent& n) {
  return nlohmann::json{{"notice", n.notice},
                        {"contract", n.contract},
                        {"from", notice_party_name(n.from)},
                        {"kind", notice_kind_name(n.kind)},
                        {"method", notice_method_name(n.method)},
                        {"sent_us", n.sent_us},
                        {"sent", format_time_utc(n.sent_us)},
                        {"deemed_received", n.deemed_received},
                        {"last_service_day", n.last_service_day},
                        {"subject", n.subject},
                        {"compliant", n.compliant},
                        {"earliest_compliant_last_day", n.earliest_compliant_last_day}};
}

const char* principal_role_name(PrincipalRole role) {
  switch (role) {
    case PrincipalRole::provider: return "provider";
    case PrincipalRole::agent: return "agent";
    case PrincipalRole::auditor: return "auditor";
  }
  return "unknown";
}

const char* kind_name(LedgerAccountKind kind) {
  switch (kind) {
    case LedgerAccountKind::external_cash: return "external_cash";
    case LedgerAccountKind::user_wallet: return "user_wallet";
    case LedgerAccountKind::user_hold: return "user_hold";
    case LedgerAccountKind::call_revenue: return "call_revenue";
    case LedgerAccountKind::user_arrears: return "user_arrears";
    case LedgerAccountKind::agent_prepaid: return "agent_prepaid";
    case LedgerAccountKind::agent_deposit: return "agent_deposit";
    case LedgerAccountKind::wholesale_revenue: return "wholesale_revenue";
    case LedgerAccountKind::fee_revenue: return "fee_revenue";
    case LedgerAccountKind::deposit_forfeited: return "deposit_forfeited";
    case LedgerAccountKind::traffic_pool: return "traffic_pool";
    case LedgerAccountKind::traffic_source: return "traffic_source";
    case LedgerAccountKind::traffic_used: return "traffic_used";
    case LedgerAccountKind::forfeited_balances: return "forfeited_balances";
  }
  return "unknown";
}

// "2026-11-25" (a day in China time; `end`: the instant after it) or
// "2026-11-25T08:30[:00](Z|+08:00)". UTC microseconds.
std::optional<std::int64_t> parse_time_bound(std::string_view text, bool end) {
  int y = 0, mo = 0, d = 0;
  if (!digits(text, 0, 4, &y) || text.size() < 10 || text[4] != '-' || !digits(text, 5, 2, &mo) ||
      text[7] != '-' || !digits(text, 8, 2, &d))
    return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  const std::int64_t day_us =
      std::chrono::sys_days(ymd).time_since_epoch().count() * 86'400LL * 1'000'000;
  if (text.size() == 10) return day_us - china_offset_us + (end ? 86'400LL * 1'000'000 : 0);
  int h = 0, mi = 0, sec = 0;
  std::size_t at = 16;
  if (text[10] != 'T' || !digits(text, 11, 2, &h) || text.size() < 16 || text[13] != ':' ||
      !digits(text, 14, 2, &mi) || h > 23 || mi > 59)
    return std::nullopt;
  if (at < text.size() && text[at] == ':') {
    if (!digits(text, at + 1, 2, &sec) || sec > 59) return std::nullopt;
    at += 3;
  }
  std::int64_t offset_us = 0;
  const std::string_view zone = text.substr(at);
  int oh = 0, om = 0;
  if (zone == "Z") {
    offset_us = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digits(zone, 1, 2, &oh) &&
             zone[3] == ':' && digits(zone, 4, 2, &om) && oh <= 14 && om <= 59) {
    offset_us = (zone[0] == '+' ? 1 : -1) * (oh * 3600LL + om * 60LL) * 1'000'000;
  } else {
    return std::nullopt;
  }
  return day_us + (h * 3600LL + mi * 60LL + sec) * 1'000'000 - offset_us;
}


std::string format_time_utc(std::int64_t us) {
  using namespace std::chrono;
  const sys_time<microseconds> t{microseconds{us}};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02ld:%02ld:%02lld.%06lldZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), long(hms.hours().count()),
                long(hms.minutes().count()), static_cast<long long>(hms.seconds().count()),
                static_cast<long long>(hms.subseconds().count()));
  return buffer;
}

nlohmann::json event_json(std::uint64_t sequence, const Event& event) {
  nlohmann::json j;
  j["sequence"] = sequence;
  j["type"] = payload_name(event.payload);
  j["ledger_time_us"] = event.ledger_time_us;
  j["ledger_time"] = format_time_utc(event.ledger_time_us);
  j["business_time_us"] = event.business_time_us;
  j["actor"] = event.actor;
  j["idempotency_key"] = event.idempotency_key;
  std::visit(PayloadJson{j}, event.payload);
  nlohmann::json postings = nlohmann::json::array();
  for (const Posting& p : event.postings)
    postings.push_back({{"ledger_account", kind_name(p.kind)}, {"owner", p.owner},
                        {"unit", unit_name(p.unit)}, {"amount", p.amount}});
  j["postings"] = std::move(postings);
  return j;
}

nlohmann::json stored_event_json(const StoredEvent& stored) {
  nlohmann::json j = event_json(stored.sequence, stored.event);
  j["prev_hash"] = to_hex(stored.prev_hash);
  j["hash"] = to_hex(stored.hash);
  return j;
}

std::string event_summary(const Event& event) {
  return std::string(payload_name(event.payload)) + " " + std::visit(PayloadText{}, event.payload);
}

std::string json_line(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string format_fen(std::int64_t units) {
  // 1 fen = 100 units: two decimals, trailing zeros dropped ("7.5", "12").
  std::string text = std::to_string(units / 100);
  const std::int64_t cents = units % 100;
  if (cents != 0) {
    text += '.';
    text += static_cast<char>('0' + cents / 10);
    if (cents % 10 != 0) text += static_cast<char>('0' + cents % 10);
  }
  return text;
}

const char* call_origin_name(CallOrigin origin) {
  switch (origin) {
    case CallOrigin::authorized: return "authorized";
    case CallOrigin::recorded: return "recorded";
    case CallOrigin::late_settle: return "late_settle";
  }
  return "unknown";
}

const char* call_stage_name(CallStage stage) {
  switch (stage) {
    case CallStage::authorize: return "authorize";
    case CallStage::settle: return "settle";
    case CallStage::record: return "record";
  }
  return "unknown";
}

const char* status_name(AccountStatus status) {
  return status == AccountStatus::open ? "open" : "closed";
}

}  // namespace huawu::cli

namespace huawu::cli {

std::string china_day(std::int64_t utc_us) {
  using namespace std::chrono;
  const sys_time<microseconds> t{microseconds{utc_us + china_offset_us}};
  const year_month_day ymd{floor<days>(t)};
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()));
  return buffer;
}

std::string china_month(std::int64_t utc_us) { return china_day(utc_us).substr(0, 7); }

}  // namespace huawu::cli
