#include "ledger/command.h"

#include "events/bytes.h"
#include "events/hash.h"
#include "projections/rate_table.h"

namespace huawu {

namespace {
struct Canonical {
  ByteWriter& w;
  void operator()(const CreateLedger& c) {
    w.u8(0);
    w.str(c.provider_id);
    w.str(c.provider_name);
  }
  void operator()(const OpenAccount& c) {
    w.u8(1);
    w.str(c.account);
    w.str(c.rate_plan);
    w.i64(c.initial_units);
    // Last and only when set: requests without an agent keep the fingerprint
    // they had before agents existed (their idempotency records are stored).
    if (!c.agent.empty()) w.str(c.agent);
  }
  void operator()(const RechargeWallet& c) {
    w.u8(2);
    w.str(c.account);
    w.i64(c.amount_units);
    w.str(c.source_reference);
  }
  void operator()(const CloseAccount& c) {
    w.u8(3);
    w.str(c.account);
    w.u8(static_cast<std::uint8_t>(c.disposition));
    // Only when set: closes without them keep their earlier fingerprints.
    if (!c.transfer_to.empty()) w.str(c.transfer_to);
    if (!c.reference.empty()) w.str(c.reference);
  }
  void operator()(const ImportRatePlan& c) {
    w.u8(4);
    w.str(c.plan);
    w.str(c.source_name);
    w.u64(c.rates.size());
    for (const Rate& rate : c.rates) write_rate(w, rate);
  }
  void operator()(const SwitchRequest& c) {
    w.u8(5);
    w.str(c.switch_id);
    w.str(c.request_key);
    std::visit(*this, c.body);
    // Only a Kamailio request has these: a ZeroMQ request's fingerprint is
    // what it was before they existed.
    if (c.via != SwitchVia::zeromq || !c.sip_call_id.empty()) {
      w.u8(static_cast<std::uint8_t>(c.via));
      w.str(c.sip_call_id);
    }
  }
  void operator()(const AuthorizeCall& c) {
    w.u8(0);
    w.str(c.call_id);
    w.str(c.account);
    w.str(c.caller);
    w.str(c.callee);
    w.i64(c.requested_seconds);
    w.i64(c.switch_time_us);
  }
  void operator()(const SettleCall& c) {
    w.u8(1);
    w.str(c.call_id);
    w.i64(c.answered_time_us);
    w.i64(c.billed_duration_ms);
    w.u64(c.disconnect_cause);
    if (!c.end_reason.empty()) w.str(c.end_reason);
  }
  void operator()(const RecordCall& c) {
    w.u8(2);
    w.str(c.call_id);
    w.str(c.account);
    w.str(c.caller);
    w.str(c.callee);
    w.i64(c.answered_time_us);
    w.i64(c.duration_ms);
    w.u64(c.disconnect_cause);
    if (!c.end_reason.empty()) w.str(c.end_reason);
  }
  void operator()(const ExpireHolds&) { w.u8(6); }
  void operator()(const AddAgent& c) {
    w.u8(7);
    w.str(c.agent);
    w.str(c.parent);
    w.str(c.name);
    w.i64(c.price_units_per_minute);
  }
  void operator()(const SetAgentPrice& c) {
    w.u8(8);
    w.str(c.agent);
    w.i64(c.price_units_per_minute);
  }
  void operator()(const SetLevelPrice& c) {
    w.u8(9);
    w.u64(c.level);
    w.i64(c.price_units_per_minute);
  }
  void operator()(const SuspendAgent& c) {
    w.u8(10);
    w.str(c.agent);
    w.str(c.reason);
  }
  void operator()(const ResumeAgent& c) {
    w.u8(11);
    w.str(c.agent);
  }
  void operator()(const RecordAgentPayment& c) {
    w.u8(12);
    w.str(c.agent);
    w.u8(static_cast<std::uint8_t>(c.kind));
    w.i64(c.amount_units);
    w.str(c.reference);
  }
  void operator()(const ReleaseDeposit& c) {
    w.u8(13);
    w.str(c.agent);
    w.i64(c.amount_units);
    w.u8(static_cast<std::uint8_t>(c.disposition));
    w.str(c.reason);
  }
  void operator()(const BuyTraffic& c) {
    w.u8(14);
    w.str(c.agent);
    w.i64(c.minutes);
  }
  void operator()(const SetAgentCredit& c) {
    w.u8(15);
    w.str(c.agent);
    w.i64(c.prepayment_credit_units);
    w.i64(c.traffic_overdraft_seconds);
  }
  // The password hash is salted afresh on every run of the command: not part of the request's identity.
  void operator()(const AddPrincipal& c) {
    w.u8(16);
    w.str(c.name);
    w.u8(static_cast<std::uint8_t>(c.role));
    w.str(c.agent);
  }
  void operator()(const SetPrincipalPassword& c) {
    w.u8(17);
    w.str(c.name);
  }
  void operator()(const IssueCards& c) {
    w.u8(18);
    w.str(c.agent);
    w.u8(static_cast<std::uint8_t>(c.kind));
    w.u64(c.count);
    w.i64(c.face_units);
    w.str(c.rate_plan);
    w.i64(c.expires_at_us);
  }
  void operator()(const VoidCards& c) {
    w.u8(19);
    w.str(c.batch);
    w.u64(c.first_serial);
    w.u64(c.last_serial);
    w.str(c.reason);
  }
  // No PIN: a fingerprint is stored, and a hash of a 16-digit PIN could be searched.
  void operator()(const ActivateCard& c) {
    w.u8(20);
    w.str(c.number);
  }
  void operator()(const RedeemCard& c) {
    w.u8(21);
    w.str(c.account);
    w.str(c.number);
  }
  void operator()(const SignContract& c) {
    w.u8(23);
    w.str(c.contract);
    w.str(c.agent);
    w.str(c.signed_date);
    w.str(c.counter_signed_date);
    const ContractTerms& t = c.terms;
    for (std::int64_t v : {std::int64_t{t.level}, t.prepaid_minutes, t.price_units_per_minute, t.deposit_units,
                           t.franchise_fee_units, std::int64_t{t.pay_within_workdays}, t.accounts,
                           std::int64_t{t.accounts_within_workdays}, t.active_users, std::int64_t{t.sla_hours},
                           std::int64_t{t.term_months}, std::int64_t{t.renewal_months}})
      w.i64(v);
    w.u8(static_cast<std::uint8_t>(t.renewals));
  }
  void operator()(const SendNotice& c) {
    w.u8(24);
    w.str(c.contract);
    w.u8(static_cast<std::uint8_t>(c.from));
    w.u8(static_cast<std::uint8_t>(c.kind));
    w.u8(static_cast<std::uint8_t>(c.method));
    w.i64(c.sent_us);
    w.str(c.last_service_day);
    w.str(c.subject);
  }
  void operator()(const AmendContract& c) {
    w.u8(25);
    w.str(c.contract);
    w.str(c.effective_date);
    w.u64(c.changes.size());
    for (const TermChange& change : c.changes) {
      w.str(change.param);
      w.i64(change.value);
    }
    w.str(c.reference);
  }
  void operator()(const WaiveObligation& c) {
    w.u8(26);
    w.str(c.obligation);
    w.str(c.reason);
  }
  void operator()(const OpenTicket& c) {
    w.u8(27);
    w.str(c.account);
    w.str(c.summary);
    w.i64(c.reported_us);
  }
  void operator()(const RespondTicket& c) {
    w.u8(28);
    w.str(c.ticket);
    w.i64(c.at_us);
    w.u8(static_cast<std::uint8_t>(c.by));
  }
  void operator()(const CloseTicket& c) {
    w.u8(29);
    w.str(c.ticket);
  }
  void operator()(const RequestPromotion& c) {
    w.u8(30);
    w.str(c.agent);
    w.str(c.plan);
    w.u64(c.discount_basis_points);
    w.str(c.from_date);
    w.str(c.to_date);
  }
  void operator()(const ApprovePromotion& c) {
    w.u8(31);
    w.str(c.promotion);
    w.str(c.filing_reference);
  }
  void operator()(const RejectPromotion& c) {
    w.u8(32);
    w.str(c.promotion);
    w.str(c.reason);
  }
  void operator()(const WithdrawPromotion& c) {
    w.u8(33);
    w.str(c.promotion);
    w.str(c.reason);
  }
  void operator()(const CheckObligations&) { w.u8(34); }
  void operator()(const TransferAccount& c) {
    w.u8(22);
    w.str(c.account);
    w.str(c.to_agent);
    w.u8(static_cast<std::uint8_t>(c.consent_by));
    w.str(c.consent_reference);
  }
};
}  // namespace

std::string switch_idempotency_key(std::string_view switch_id, std::string_view request_key) {
  std::string key = "switch ";
  key.append(switch_id).push_back(' ');
  key.append(request_key);
  return key;
}

const std::string* credential_of(const Command& command, std::string* name) {
  if (const auto* add = std::get_if<AddPrincipal>(&command)) {
    *name = add->name;
    return &add->password_hash;
  }
  if (const auto* set = std::get_if<SetPrincipalPassword>(&command)) {
    *name = set->name;
    return &set->password_hash;
  }
  return nullptr;
}

Hash request_fingerprint(const Command& command) {
  ByteWriter w;
  std::visit(Canonical{w}, command);
  return digest(w.bytes());
}

}  // namespace huawu
