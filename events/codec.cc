#include "events/codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>
#include <vector>

#include "events/events.capnp.h"
#include "events/frame_codec.h"
#include "events/limits.h"
#include "events/invariant.h"

namespace huawu {

namespace s = huawu::schema;

namespace {

// Only a rate plan import may be larger than event_bytes_max (limits.h); its
// reader limit is sized for it, and read_event refuses any other large event.
capnp::ReaderOptions event_reader_options(std::size_t bytes = 0) {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = bytes > limits::event_bytes_max ? limits::rate_plan_reader_words_max
                                                                  : limits::event_reader_words_max;
  options.nestingLimit = limits::event_reader_nesting_max;
  return options;
}

// Cap'n Proto reads words in place; bytes from RocksDB or a socket carry no
// alignment promise, so unaligned input is copied into an aligned buffer. The
// buffer is per thread and reused (frame::as_words): decoding is on every hot
// read path.
using frame::as_words;

// The first segment of every message built here: per thread, reused. Thread
// storage starts zeroed, and MallocMessageBuilder zeroes what it used of a
// caller's first segment when it is destroyed, as the next builder requires.
// Encoding is on the writer's hot path; this saves a calloc and a free per
// message. Larger messages spill into segments the builder allocates.
// Big enough for the largest stored record, so that one is always a single
// segment (asserted in encode_stored).
constexpr std::size_t first_segment_words = limits::event_bytes_max / sizeof(capnp::word) + 64;

kj::ArrayPtr<capnp::word> first_segment() {
  thread_local std::vector<capnp::word> words(first_segment_words);  // value-initialized: zero
  return kj::arrayPtr(words.data(), words.size());
}

using frame::as_text;  // explicit size: a text survives an embedded NUL whole
using frame::serialize_message;
using frame::text;

// ---- encode ---------------------------------------------------------------

struct PayloadWriter {
  s::Event::Payload::Builder payload;
  void operator()(const LedgerCreated& e) {
    auto b = payload.initLedgerCreated();
    b.setProviderId(as_text(e.provider_id));
    b.setProviderName(as_text(e.provider_name));
    b.setCurrency(as_text(e.currency));
    b.setUtcOffsetMinutes(e.utc_offset_minutes);
  }
  void operator()(const AccountOpened& e) {
    auto b = payload.initAccountOpened();
    b.setAccount(as_text(e.account));
    b.setRatePlan(as_text(e.rate_plan));
    b.setInitialBalanceUnits(e.initial_balance_units);
    // Left null when empty: an event without an agent keeps the bytes it had
    // before agents existed.
    if (!e.agent.empty()) b.setAgent(as_text(e.agent));
  }
  void operator()(const WalletRecharged& e) {
    auto b = payload.initWalletRecharged();
    b.setAccount(as_text(e.account));
    b.setAmountUnits(e.amount_units);
    b.setSourceReference(as_text(e.source_reference));
    b.setBalanceAfterUnits(e.balance_after_units);
  }
  void operator()(const AccountClosed& e) {
    auto b = payload.initAccountClosed();
    b.setAccount(as_text(e.account));
    b.setRemainingBalanceUnits(e.remaining_balance_units);
    b.setDisposition(static_cast<s::BalanceDisposition>(e.disposition));
    // Left null when empty: a close without them keeps its earlier bytes.
    if (!e.transfer_to.empty()) b.setTransferTo(as_text(e.transfer_to));
    if (!e.reference.empty()) b.setReference(as_text(e.reference));
  }
  void operator()(const RatePlanImported& e) {
    auto b = payload.initRatePlanImported();
    b.setPlan(as_text(e.plan));
    b.setSourceName(as_text(e.source_name));
    auto rates = b.initRates(static_cast<unsigned>(e.rates.size()));
    for (unsigned i = 0; i < e.rates.size(); ++i) {
      const Rate& rate = e.rates[i];
      auto r = rates[i];
      r.setPrefix(as_text(rate.prefix));
      r.setDescription(as_text(rate.description));
      r.setPriceUnitsPerMinute(rate.price_units_per_minute);
      r.setConnectFeeUnits(rate.connect_fee_units);
      r.setFirstBlockSeconds(rate.first_block_seconds);
      r.setNextBlockSeconds(rate.next_block_seconds);
    }
  }
  static void write_rate(s::CallRate::Builder b, const CallRate& rate) {
    b.setPrefix(as_text(rate.prefix));
    b.setPriceUnitsPerMinute(rate.price_units_per_minute);
    b.setConnectFeeUnits(rate.connect_fee_units);
    b.setFirstBlockSeconds(rate.first_block_seconds);
    b.setNextBlockSeconds(rate.next_block_seconds);
    if (!rate.promotion.empty()) b.setPromotion(as_text(rate.promotion));
  }
  void operator()(const CallAuthorized& e) {
    auto b = payload.initCallAuthorized();
    b.setSwitchId(as_text(e.switch_id));
    b.setCallId(as_text(e.call_id));
    b.setAccount(as_text(e.account));
    b.setCaller(as_text(e.caller));
    b.setCallee(as_text(e.callee));
    b.setRequestedSeconds(e.requested_seconds);
    b.setGrantedSeconds(e.granted_seconds);
    b.setHoldUnits(e.hold_units);
    write_rate(b.initRate(), e.rate);
    b.setSwitchTimeUs(e.switch_time_us);
    b.setExpiresAtUs(e.expires_at_us);
    b.setVia(static_cast<s::SwitchVia>(e.via));
    if (!e.sip_call_id.empty()) b.setSipCallId(as_text(e.sip_call_id));
    b.setBalanceAfterUnits(e.balance_after_units);
  }
  void operator()(const CallSettled& e) {
    auto b = payload.initCallSettled();
    b.setSwitchId(as_text(e.switch_id));
    b.setCallId(as_text(e.call_id));
    b.setAccount(as_text(e.account));
    b.setCaller(as_text(e.caller));
    b.setCallee(as_text(e.callee));
    b.setOrigin(static_cast<s::CallOrigin>(e.origin));
    b.setHoldId(e.hold_id);
    b.setReleasedUnits(e.released_units);
    b.setAnsweredTimeUs(e.answered_time_us);
    b.setDurationMs(e.duration_ms);
    b.setDisconnectCause(e.disconnect_cause);
    write_rate(b.initRate(), e.rate);
    b.setBilledSeconds(e.billed_seconds);
    b.setCostUnits(e.cost_units);
    b.setWalletDebitUnits(e.wallet_debit_units);
    b.setArrearsUnits(e.arrears_units);
    b.setOverGrant(e.over_grant);
    b.setBalanceAfterUnits(e.balance_after_units);
    b.setVia(static_cast<s::SwitchVia>(e.via));
    if (!e.sip_call_id.empty()) b.setSipCallId(as_text(e.sip_call_id));
    if (!e.end_reason.empty()) b.setEndReason(as_text(e.end_reason));
  }
  void operator()(const CallRejected& e) {
    auto b = payload.initCallRejected();
    b.setSwitchId(as_text(e.switch_id));
    b.setCallId(as_text(e.call_id));
    b.setAccount(as_text(e.account));
    b.setStage(static_cast<s::CallStage>(e.stage));
    b.setReason(as_text(e.reason));
    b.setOriginalSequence(e.original_sequence);
    b.setVia(static_cast<s::SwitchVia>(e.via));
    if (!e.sip_call_id.empty()) b.setSipCallId(as_text(e.sip_call_id));
  }
  void operator()(const HoldExpired& e) {
    auto b = payload.initHoldExpired();
    b.setSwitchId(as_text(e.switch_id));
    b.setCallId(as_text(e.call_id));
    b.setAccount(as_text(e.account));
    b.setHoldId(e.hold_id);
    b.setReleasedUnits(e.released_units);
  }
  void operator()(const AgentAdded& e) {
    auto b = payload.initAgentAdded();
    b.setAgent(as_text(e.agent));
    b.setParent(as_text(e.parent));
    b.setName(as_text(e.name));
    b.setLevel(e.level);
    b.setPriceUnitsPerMinute(e.price_units_per_minute);
  }
  void operator()(const AgentPriceSet& e) {
    auto b = payload.initAgentPriceSet();
    b.setAgent(as_text(e.agent));
    b.setPriceUnitsPerMinute(e.price_units_per_minute);
  }
  void operator()(const LevelPriceSet& e) {
    auto b = payload.initLevelPriceSet();
    b.setLevel(e.level);
    b.setPriceUnitsPerMinute(e.price_units_per_minute);
  }
  void operator()(const AgentSuspended& e) {
    auto b = payload.initAgentSuspended();
    b.setAgent(as_text(e.agent));
    b.setReason(as_text(e.reason));
  }
  void operator()(const AgentResumed& e) {
    auto b = payload.initAgentResumed();
    b.setAgent(as_text(e.agent));
  }
  void operator()(const AgentPaymentRecorded& e) {
    auto b = payload.initAgentPaymentRecorded();
    b.setAgent(as_text(e.agent));
    b.setKind(static_cast<s::AgentPaymentKind>(e.kind));
    b.setAmountUnits(e.amount_units);
    b.setReference(as_text(e.reference));
  }
  void operator()(const AgentDepositReleased& e) {
    auto b = payload.initAgentDepositReleased();
    b.setAgent(as_text(e.agent));
    b.setAmountUnits(e.amount_units);
    b.setDisposition(static_cast<s::DepositDisposition>(e.disposition));
    b.setReason(as_text(e.reason));
  }
  void operator()(const TrafficPurchased& e) {
    auto b = payload.initTrafficPurchased();
    b.setAgent(as_text(e.agent));
    b.setSeller(as_text(e.seller));
    b.setMinutes(e.minutes);
    b.setPriceUnitsPerMinute(e.price_units_per_minute);
    b.setCostUnits(e.cost_units);
  }
  void operator()(const AgentCreditSet& e) {
    auto b = payload.initAgentCreditSet();
    b.setAgent(as_text(e.agent));
    b.setPrepaymentCreditUnits(e.prepayment_credit_units);
    b.setTrafficOverdraftSeconds(e.traffic_overdraft_seconds);
  }
  void operator()(const PrincipalAdded& e) {
    auto b = payload.initPrincipalAdded();
    b.setName(as_text(e.name));
    b.setRole(static_cast<s::PrincipalRole>(e.role));
    b.setAgent(as_text(e.agent));
  }
  void operator()(const PrincipalPasswordChanged& e) {
    auto b = payload.initPrincipalPasswordChanged();
    b.setName(as_text(e.name));
  }
  void operator()(const CardBatchIssued& e) {
    auto b = payload.initCardBatchIssued();
    b.setBatch(as_text(e.batch));
    b.setAgent(as_text(e.agent));
    b.setKind(static_cast<s::CardKind>(e.kind));
    b.setCount(e.count);
    b.setFirstSerial(e.first_serial);
    b.setFaceUnits(e.face_units);
    b.setRatePlan(as_text(e.rate_plan));
    b.setExpiresAtUs(e.expires_at_us);
    b.setKeyId(as_text(e.key_id));
  }
  void operator()(const CardsVoided& e) {
    auto b = payload.initCardsVoided();
    b.setBatch(as_text(e.batch));
    b.setFirstSerial(e.first_serial);
    b.setLastSerial(e.last_serial);
    b.setReason(as_text(e.reason));
  }
  void operator()(const CardRedeemed& e) {
    auto b = payload.initCardRedeemed();
    b.setSerial(e.serial);
    b.setBatch(as_text(e.batch));
    b.setAccount(as_text(e.account));
    b.setKind(static_cast<s::CardKind>(e.kind));
    b.setFaceUnits(e.face_units);
    b.setBalanceAfterUnits(e.balance_after_units);
  }
  void operator()(const CardRedemptionFailed& e) {
    auto b = payload.initCardRedemptionFailed();
    b.setSerial(e.serial);
    b.setAccount(as_text(e.account));
    b.setKind(static_cast<s::CardKind>(e.kind));
    b.setReason(as_text(e.reason));
  }
  void operator()(const ContractSigned& e) {
    auto b = payload.initContractSigned();
    b.setContract(as_text(e.contract));
    b.setAgent(as_text(e.agent));
    b.setSigned(as_text(e.signed_date));
    b.setCounterSigned(as_text(e.counter_signed_date));
    auto t = b.initTerms();
    t.setLevel(e.terms.level);
    t.setPrepaidMinutes(e.terms.prepaid_minutes);
    t.setPriceUnitsPerMinute(e.terms.price_units_per_minute);
    t.setDepositUnits(e.terms.deposit_units);
    t.setFranchiseFeeUnits(e.terms.franchise_fee_units);
    t.setPayWithinWorkdays(e.terms.pay_within_workdays);
    t.setAccounts(e.terms.accounts);
    t.setAccountsWithinWorkdays(e.terms.accounts_within_workdays);
    t.setActiveUsers(e.terms.active_users);
    t.setSlaHours(e.terms.sla_hours);
    t.setTermMonths(e.terms.term_months);
    t.setRenewalMonths(e.terms.renewal_months);
    t.setRenewals(static_cast<s::RenewalPolicy>(e.terms.renewals));
    b.setCalendarVersion(as_text(e.calendar_version));
  }
  void operator()(const NoticeSent& e) {
    auto b = payload.initNoticeSent();
    b.setNotice(as_text(e.notice));
    b.setContract(as_text(e.contract));
    b.setFrom(static_cast<s::NoticeParty>(e.from));
    b.setKind(static_cast<s::NoticeKind>(e.kind));
    b.setMethod(static_cast<s::NoticeMethod>(e.method));
    b.setSentUs(e.sent_us);
    b.setDeemedReceived(as_text(e.deemed_received));
    b.setLastServiceDay(as_text(e.last_service_day));
    b.setSubject(as_text(e.subject));
    b.setCompliant(e.compliant);
    b.setEarliestCompliantLastDay(as_text(e.earliest_compliant_last_day));
  }
  void operator()(const ContractAmended& e) {
    auto b = payload.initContractAmended();
    b.setContract(as_text(e.contract));
    b.setAmendment(e.amendment);
    b.setEffective(as_text(e.effective_date));
    auto changes = b.initChanges(static_cast<unsigned>(e.changes.size()));
    for (unsigned i = 0; i < e.changes.size(); ++i) {
      changes[i].setParam(as_text(e.changes[i].param));
      changes[i].setValue(e.changes[i].value);
    }
    b.setReference(as_text(e.reference));
  }
  void operator()(const ObligationWaived& e) {
    auto b = payload.initObligationWaived();
    b.setObligation(as_text(e.obligation));
    b.setContract(as_text(e.contract));
    b.setReason(as_text(e.reason));
  }
  void operator()(const TicketOpened& e) {
    auto b = payload.initTicketOpened();
    b.setTicket(as_text(e.ticket));
    b.setAccount(as_text(e.account));
    b.setAgent(as_text(e.agent));
    b.setContract(as_text(e.contract));
    b.setSummary(as_text(e.summary));
    b.setReportedUs(e.reported_us);
    b.setSlaHours(e.sla_hours);
    b.setSchedule(as_text(e.schedule));
    b.setDueUs(e.due_us);
    b.setUnknownYear(e.unknown_year);
    b.setCalendarVersion(as_text(e.calendar_version));
  }
  void operator()(const TicketResponded& e) {
    auto b = payload.initTicketResponded();
    b.setTicket(as_text(e.ticket));
    b.setAtUs(e.at_us);
    b.setBy(static_cast<s::TicketParty>(e.by));
  }
  void operator()(const TicketClosed& e) { payload.initTicketClosed().setTicket(as_text(e.ticket)); }
  void operator()(const PromotionRequested& e) {
    auto b = payload.initPromotionRequested();
    b.setPromotion(as_text(e.promotion));
    b.setAgent(as_text(e.agent));
    b.setPlan(as_text(e.plan));
    b.setDiscountBasisPoints(e.discount_basis_points);
    b.setFrom(as_text(e.from_date));
    b.setTo(as_text(e.to_date));
  }
  void operator()(const PromotionApproved& e) {
    auto b = payload.initPromotionApproved();
    b.setPromotion(as_text(e.promotion));
    b.setFilingReference(as_text(e.filing_reference));
  }
  void operator()(const PromotionRejected& e) {
    auto b = payload.initPromotionRejected();
    b.setPromotion(as_text(e.promotion));
    b.setReason(as_text(e.reason));
  }
  void operator()(const PromotionWithdrawn& e) {
    auto b = payload.initPromotionWithdrawn();
    b.setPromotion(as_text(e.promotion));
    b.setReason(as_text(e.reason));
  }
  void operator()(const ObligationAlerted& e) {
    auto b = payload.initObligationAlerted();
    b.setObligation(as_text(e.obligation));
    b.setContract(as_text(e.contract));
    b.setKind(static_cast<s::AlertKind>(e.kind));
    b.setBearer(as_text(e.bearer));
    b.setDeadline(as_text(e.deadline));
    b.setUnknownYear(e.unknown_year);
  }
  void operator()(const AccountTransferred& e) {
    auto b = payload.initAccountTransferred();
    b.setAccount(as_text(e.account));
    b.setFromAgent(as_text(e.from_agent));
    b.setToAgent(as_text(e.to_agent));
    b.setConsentBy(static_cast<s::ConsentParty>(e.consent_by));
    b.setConsentReference(as_text(e.consent_reference));
  }
};

// An enumerant of a known range, or nullopt after naming it in *why.
template <class E, class R>
std::optional<E> known_enum(R raw, E last, const char* what, std::string* why) {
  const auto value = static_cast<std::uint16_t>(raw);
  if (value > static_cast<std::uint16_t>(last)) {
    *why = std::string("unknown ") + what + " " + std::to_string(value);
    return std::nullopt;
  }
  return static_cast<E>(value);
}

std::optional<SwitchVia> read_via(s::SwitchVia raw, std::string* why) {
  return known_enum(raw, SwitchVia::kamailio, "switch connector", why);
}

CallRate read_rate(s::CallRate::Reader r) {
  return CallRate{text(r.getPrefix()), r.getPriceUnitsPerMinute(), r.getConnectFeeUnits(),
                  r.getFirstBlockSeconds(), r.getNextBlockSeconds(), text(r.getPromotion())};
}

// ---- decode ---------------------------------------------------------------

std::optional<Payload> read_payload(s::Event::Payload::Reader payload, std::string* why) {
  switch (payload.which()) {
    case s::Event::Payload::LEDGER_CREATED: {
      auto r = payload.getLedgerCreated();
      return LedgerCreated{text(r.getProviderId()), text(r.getProviderName()), text(r.getCurrency()),
                           r.getUtcOffsetMinutes()};
    }
    case s::Event::Payload::ACCOUNT_OPENED: {
      auto r = payload.getAccountOpened();
      return AccountOpened{text(r.getAccount()), text(r.getRatePlan()), r.getInitialBalanceUnits(),
                           text(r.getAgent())};
    }
    case s::Event::Payload::WALLET_RECHARGED: {
      auto r = payload.getWalletRecharged();
      return WalletRecharged{text(r.getAccount()), r.getAmountUnits(), text(r.getSourceReference()),
                             r.getBalanceAfterUnits()};
    }
    case s::Event::Payload::ACCOUNT_CLOSED: {
      auto r = payload.getAccountClosed();
      const auto disposition = static_cast<std::uint16_t>(r.getDisposition());
      if (disposition > static_cast<std::uint16_t>(BalanceDisposition::forfeited)) {
        *why = "unknown balance disposition " + std::to_string(disposition);
        return std::nullopt;
      }
      return AccountClosed{text(r.getAccount()), r.getRemainingBalanceUnits(),
                           static_cast<BalanceDisposition>(disposition), text(r.getTransferTo()),
                           text(r.getReference())};
    }
    case s::Event::Payload::RATE_PLAN_IMPORTED: {
      auto r = payload.getRatePlanImported();
      RatePlanImported e{text(r.getPlan()), text(r.getSourceName()), {}};
      auto rates = r.getRates();
      if (rates.size() > limits::rate_plan_rows_max) {
        *why = "rate plan with too many rows";
        return std::nullopt;
      }
      e.rates.reserve(rates.size());
      for (auto rate : rates)
        e.rates.push_back(Rate{text(rate.getPrefix()), text(rate.getDescription()),
                               rate.getPriceUnitsPerMinute(), rate.getConnectFeeUnits(),
                               rate.getFirstBlockSeconds(), rate.getNextBlockSeconds()});
      return e;
    }
    case s::Event::Payload::CALL_AUTHORIZED: {
      auto r = payload.getCallAuthorized();
      auto via = read_via(r.getVia(), why);
      if (!via) return std::nullopt;
      CallAuthorized e{text(r.getSwitchId()), text(r.getCallId()), text(r.getAccount()),
                       text(r.getCaller()),   text(r.getCallee()), r.getRequestedSeconds(),
                       r.getGrantedSeconds(), r.getHoldUnits(),    read_rate(r.getRate()),
                       r.getSwitchTimeUs(),   r.getExpiresAtUs()};
      e.via = *via;
      e.sip_call_id = text(r.getSipCallId());
      e.balance_after_units = r.getBalanceAfterUnits();
      return e;
    }
    case s::Event::Payload::CALL_SETTLED: {
      auto r = payload.getCallSettled();
      const auto origin = static_cast<std::uint16_t>(r.getOrigin());
      if (origin > static_cast<std::uint16_t>(CallOrigin::late_settle)) {
        *why = "unknown call origin " + std::to_string(origin);
        return std::nullopt;
      }
      CallSettled e;
      e.switch_id = text(r.getSwitchId());
      e.call_id = text(r.getCallId());
      e.account = text(r.getAccount());
      e.caller = text(r.getCaller());
      e.callee = text(r.getCallee());
      e.origin = static_cast<CallOrigin>(origin);
      e.hold_id = r.getHoldId();
      e.released_units = r.getReleasedUnits();
      e.answered_time_us = r.getAnsweredTimeUs();
      e.duration_ms = r.getDurationMs();
      e.disconnect_cause = r.getDisconnectCause();
      e.rate = read_rate(r.getRate());
      e.billed_seconds = r.getBilledSeconds();
      e.cost_units = r.getCostUnits();
      e.wallet_debit_units = r.getWalletDebitUnits();
      e.arrears_units = r.getArrearsUnits();
      e.over_grant = r.getOverGrant();
      e.balance_after_units = r.getBalanceAfterUnits();
      auto via = read_via(r.getVia(), why);
      if (!via) return std::nullopt;
      e.via = *via;
      e.sip_call_id = text(r.getSipCallId());
      e.end_reason = text(r.getEndReason());
      return e;
    }
    case s::Event::Payload::CALL_REJECTED: {
      auto r = payload.getCallRejected();
      const auto stage = static_cast<std::uint16_t>(r.getStage());
      if (stage > static_cast<std::uint16_t>(CallStage::record)) {
        *why = "unknown call stage " + std::to_string(stage);
        return std::nullopt;
      }
      auto via = read_via(r.getVia(), why);
      if (!via) return std::nullopt;
      CallRejected e{text(r.getSwitchId()), text(r.getCallId()), text(r.getAccount()),
                     static_cast<CallStage>(stage), text(r.getReason()), r.getOriginalSequence()};
      e.via = *via;
      e.sip_call_id = text(r.getSipCallId());
      return e;
    }
    case s::Event::Payload::HOLD_EXPIRED: {
      auto r = payload.getHoldExpired();
      return HoldExpired{text(r.getSwitchId()), text(r.getCallId()), text(r.getAccount()),
                         r.getHoldId(), r.getReleasedUnits()};
    }
    case s::Event::Payload::AGENT_ADDED: {
      auto r = payload.getAgentAdded();
      return AgentAdded{text(r.getAgent()), text(r.getParent()), text(r.getName()), r.getLevel(),
                        r.getPriceUnitsPerMinute()};
    }
    case s::Event::Payload::AGENT_PRICE_SET: {
      auto r = payload.getAgentPriceSet();
      return AgentPriceSet{text(r.getAgent()), r.getPriceUnitsPerMinute()};
    }
    case s::Event::Payload::LEVEL_PRICE_SET: {
      auto r = payload.getLevelPriceSet();
      return LevelPriceSet{r.getLevel(), r.getPriceUnitsPerMinute()};
    }
    case s::Event::Payload::AGENT_SUSPENDED: {
      auto r = payload.getAgentSuspended();
      return AgentSuspended{text(r.getAgent()), text(r.getReason())};
    }
    case s::Event::Payload::AGENT_RESUMED: {
      auto r = payload.getAgentResumed();
      return AgentResumed{text(r.getAgent())};
    }
    case s::Event::Payload::AGENT_PAYMENT_RECORDED: {
      auto r = payload.getAgentPaymentRecorded();
      const auto kind = static_cast<std::uint16_t>(r.getKind());
      if (kind > static_cast<std::uint16_t>(AgentPaymentKind::other)) {
        *why = "unknown agent payment kind " + std::to_string(kind);
        return std::nullopt;
      }
      return AgentPaymentRecorded{text(r.getAgent()), static_cast<AgentPaymentKind>(kind), r.getAmountUnits(),
                                  text(r.getReference())};
    }
    case s::Event::Payload::AGENT_DEPOSIT_RELEASED: {
      auto r = payload.getAgentDepositReleased();
      const auto disposition = static_cast<std::uint16_t>(r.getDisposition());
      if (disposition > static_cast<std::uint16_t>(DepositDisposition::forfeited)) {
        *why = "unknown deposit disposition " + std::to_string(disposition);
        return std::nullopt;
      }
      return AgentDepositReleased{text(r.getAgent()), r.getAmountUnits(),
                                  static_cast<DepositDisposition>(disposition), text(r.getReason())};
    }
    case s::Event::Payload::TRAFFIC_PURCHASED: {
      auto r = payload.getTrafficPurchased();
      return TrafficPurchased{text(r.getAgent()), text(r.getSeller()), r.getMinutes(), r.getPriceUnitsPerMinute(),
                              r.getCostUnits()};
    }
    case s::Event::Payload::AGENT_CREDIT_SET: {
      auto r = payload.getAgentCreditSet();
      return AgentCreditSet{text(r.getAgent()), r.getPrepaymentCreditUnits(), r.getTrafficOverdraftSeconds()};
    }
    case s::Event::Payload::PRINCIPAL_ADDED: {
      auto r = payload.getPrincipalAdded();
      const auto role = static_cast<std::uint16_t>(r.getRole());
      if (role > static_cast<std::uint16_t>(PrincipalRole::auditor)) {
        *why = "unknown principal role " + std::to_string(role);
        return std::nullopt;
      }
      return PrincipalAdded{text(r.getName()), static_cast<PrincipalRole>(role), text(r.getAgent())};
    }
    case s::Event::Payload::PRINCIPAL_PASSWORD_CHANGED: {
      auto r = payload.getPrincipalPasswordChanged();
      return PrincipalPasswordChanged{text(r.getName())};
    }
    case s::Event::Payload::CARD_BATCH_ISSUED: {
      auto r = payload.getCardBatchIssued();
      auto kind = known_enum(r.getKind(), CardKind::recharge, "card kind", why);
      if (!kind) return std::nullopt;
      return CardBatchIssued{text(r.getBatch()), text(r.getAgent()), *kind, r.getCount(), r.getFirstSerial(),
                             r.getFaceUnits(), text(r.getRatePlan()), r.getExpiresAtUs(), text(r.getKeyId())};
    }
    case s::Event::Payload::CARDS_VOIDED: {
      auto r = payload.getCardsVoided();
      return CardsVoided{text(r.getBatch()), r.getFirstSerial(), r.getLastSerial(), text(r.getReason())};
    }
    case s::Event::Payload::CARD_REDEEMED: {
      auto r = payload.getCardRedeemed();
      auto kind = known_enum(r.getKind(), CardKind::recharge, "card kind", why);
      if (!kind) return std::nullopt;
      return CardRedeemed{r.getSerial(), text(r.getBatch()), text(r.getAccount()), *kind, r.getFaceUnits(),
                          r.getBalanceAfterUnits()};
    }
    case s::Event::Payload::CARD_REDEMPTION_FAILED: {
      auto r = payload.getCardRedemptionFailed();
      auto kind = known_enum(r.getKind(), CardKind::recharge, "card kind", why);
      if (!kind) return std::nullopt;
      return CardRedemptionFailed{r.getSerial(), text(r.getAccount()), *kind, text(r.getReason())};
    }
    case s::Event::Payload::CONTRACT_SIGNED: {
      auto r = payload.getContractSigned();
      auto t = r.getTerms();
      auto renewals = known_enum(t.getRenewals(), RenewalPolicy::none, "renewal policy", why);
      if (!renewals) return std::nullopt;
      ContractTerms terms{t.getLevel(),        t.getPrepaidMinutes(),        t.getPriceUnitsPerMinute(),
                          t.getDepositUnits(), t.getFranchiseFeeUnits(),     t.getPayWithinWorkdays(),
                          t.getAccounts(),     t.getAccountsWithinWorkdays(), t.getActiveUsers(),
                          t.getSlaHours(),     t.getTermMonths(),            t.getRenewalMonths(),
                          *renewals};
      return ContractSigned{text(r.getContract()), text(r.getAgent()), text(r.getSigned()), text(r.getCounterSigned()),
                            terms, text(r.getCalendarVersion())};
    }
    case s::Event::Payload::NOTICE_SENT: {
      auto r = payload.getNoticeSent();
      auto from = known_enum(r.getFrom(), NoticeParty::agent, "notice party", why);
      auto kind = known_enum(r.getKind(), NoticeKind::general, "notice kind", why);
      auto method = known_enum(r.getMethod(), NoticeMethod::email, "notice method", why);
      if (!from || !kind || !method) return std::nullopt;
      return NoticeSent{text(r.getNotice()), text(r.getContract()), *from, *kind, *method, r.getSentUs(),
                        text(r.getDeemedReceived()), text(r.getLastServiceDay()), text(r.getSubject()), r.getCompliant(),
                        text(r.getEarliestCompliantLastDay())};
    }
    case s::Event::Payload::CONTRACT_AMENDED: {
      auto r = payload.getContractAmended();
      auto changes = r.getChanges();
      if (changes.size() > limits::contract_changes_max) {
        *why = "contract amendment with too many changes";
        return std::nullopt;
      }
      ContractAmended e{text(r.getContract()), r.getAmendment(), text(r.getEffective()), {}, text(r.getReference())};
      for (auto change : changes) e.changes.push_back(TermChange{text(change.getParam()), change.getValue()});
      return e;
    }
    case s::Event::Payload::OBLIGATION_WAIVED: {
      auto r = payload.getObligationWaived();
      return ObligationWaived{text(r.getObligation()), text(r.getContract()), text(r.getReason())};
    }
    case s::Event::Payload::TICKET_OPENED: {
      auto r = payload.getTicketOpened();
      return TicketOpened{text(r.getTicket()),   text(r.getAccount()), text(r.getAgent()),
                          text(r.getContract()), text(r.getSummary()), r.getReportedUs(),
                          r.getSlaHours(),       text(r.getSchedule()), r.getDueUs(),
                          r.getUnknownYear(),    text(r.getCalendarVersion())};
    }
    case s::Event::Payload::TICKET_RESPONDED: {
      auto r = payload.getTicketResponded();
      auto by = known_enum(r.getBy(), TicketParty::agent, "ticket party", why);
      if (!by) return std::nullopt;
      return TicketResponded{text(r.getTicket()), r.getAtUs(), *by};
    }
    case s::Event::Payload::TICKET_CLOSED:
      return TicketClosed{text(payload.getTicketClosed().getTicket())};
    case s::Event::Payload::PROMOTION_REQUESTED: {
      auto r = payload.getPromotionRequested();
      return PromotionRequested{text(r.getPromotion()), text(r.getAgent()), text(r.getPlan()),
                                r.getDiscountBasisPoints(), text(r.getFrom()), text(r.getTo())};
    }
    case s::Event::Payload::PROMOTION_APPROVED: {
      auto r = payload.getPromotionApproved();
      return PromotionApproved{text(r.getPromotion()), text(r.getFilingReference())};
    }
    case s::Event::Payload::PROMOTION_REJECTED: {
      auto r = payload.getPromotionRejected();
      return PromotionRejected{text(r.getPromotion()), text(r.getReason())};
    }
    case s::Event::Payload::PROMOTION_WITHDRAWN: {
      auto r = payload.getPromotionWithdrawn();
      return PromotionWithdrawn{text(r.getPromotion()), text(r.getReason())};
    }
    case s::Event::Payload::OBLIGATION_ALERTED: {
      auto r = payload.getObligationAlerted();
      auto kind = known_enum(r.getKind(), AlertKind::calendar_unknown, "alert kind", why);
      if (!kind) return std::nullopt;
      return ObligationAlerted{text(r.getObligation()), text(r.getContract()), *kind, text(r.getBearer()),
                               text(r.getDeadline()), r.getUnknownYear()};
    }
    case s::Event::Payload::ACCOUNT_TRANSFERRED: {
      auto r = payload.getAccountTransferred();
      auto by = known_enum(r.getConsentBy(), ConsentParty::both_agents, "consent party", why);
      if (!by) return std::nullopt;
      return AccountTransferred{text(r.getAccount()), text(r.getFromAgent()), text(r.getToAgent()), *by,
                                text(r.getConsentReference())};
    }
  }
  *why = "unknown event type " + std::to_string(static_cast<unsigned>(payload.which()));
  return std::nullopt;
}

std::optional<Event> read_event(s::Event::Reader reader, std::string* why) {
  Event event;
  event.ledger_time_us = reader.getLedgerTimeUs();
  event.business_time_us = reader.getBusinessTimeUs();
  event.actor = text(reader.getActor());
  event.idempotency_key = text(reader.getIdempotencyKey());
  auto postings = reader.getPostings();
  if (postings.size() > limits::postings_per_event_max) {
    *why = "too many postings";
    return std::nullopt;
  }
  event.postings.reserve(postings.size());
  for (auto p : postings) {
    const auto kind = static_cast<std::uint16_t>(p.getKind());
    const auto unit = static_cast<std::uint16_t>(p.getUnit());
    if (kind > ledger_account_kind_max || unit >= unit_count) {
      *why = "posting with unknown ledger account kind or unit";
      return std::nullopt;
    }
    event.postings.push_back(Posting{static_cast<LedgerAccountKind>(kind), text(p.getOwner()),
                                     static_cast<Unit>(unit), p.getAmount()});
  }
  if (!postings_balance(event.postings)) {
    *why = "postings do not sum to zero per unit";
    return std::nullopt;
  }
  auto payload = read_payload(reader.getPayload(), why);
  if (!payload) return std::nullopt;
  event.payload = std::move(*payload);
  return event;
}

}  // namespace

std::string encode_event(const Event& event) {
  HUAWU_ASSERT(postings_balance(event.postings), "postings must sum to zero per unit");
  capnp::MallocMessageBuilder message(first_segment());
  auto root = message.initRoot<s::Event>();
  root.setLedgerTimeUs(event.ledger_time_us);
  root.setBusinessTimeUs(event.business_time_us);
  root.setActor(as_text(event.actor));
  root.setIdempotencyKey(as_text(event.idempotency_key));
  auto postings = root.initPostings(static_cast<unsigned>(event.postings.size()));
  for (unsigned i = 0; i < event.postings.size(); ++i) {
    const Posting& p = event.postings[i];
    postings[i].setKind(static_cast<s::LedgerAccountKind>(p.kind));
    postings[i].setOwner(as_text(p.owner));
    postings[i].setUnit(static_cast<s::Unit>(p.unit));
    postings[i].setAmount(p.amount);
  }
  std::visit(PayloadWriter{root.initPayload()}, event.payload);
  std::string bytes = serialize_message(message);
  HUAWU_ASSERT(bytes.size() <= (std::holds_alternative<RatePlanImported>(event.payload)
                                    ? limits::rate_plan_event_bytes_max
                                    : limits::event_bytes_max),
               "event larger than its limit (limits.h)");
  return bytes;
}

std::string encode_payload(const Payload& payload) {
  Event event;
  event.payload = payload;
  return encode_event(event);
}

std::optional<Payload> decode_payload(std::string_view bytes, std::string* why) {
  auto event = decode_event(bytes, why);
  if (!event) return std::nullopt;
  return std::move(event->payload);
}

std::optional<Event> decode_event(std::string_view bytes, std::string* why) {
  std::string ignored;
  if (!why) why = &ignored;
  if (bytes.size() % sizeof(capnp::word) != 0 || bytes.size() > limits::rate_plan_event_bytes_max) {
    *why = "event bytes have an invalid length " + std::to_string(bytes.size());
    return std::nullopt;
  }
  std::optional<Event> event;
  kj::Maybe<kj::Exception> failure = kj::runCatchingExceptions([&] {
    const auto words = as_words(bytes);
    capnp::FlatArrayMessageReader reader(words, event_reader_options(bytes.size()));
    if (reader.getEnd() != words.end()) {
      *why = "event has bytes after its message";
      return;
    }
    event = read_event(reader.getRoot<s::Event>(), why);
    if (event && bytes.size() > limits::event_bytes_max &&
        !std::holds_alternative<RatePlanImported>(event->payload)) {
      *why = "event larger than limits::event_bytes_max";
      event.reset();
    }
  });
  KJ_IF_MAYBE(e, failure) {
    *why = std::string("malformed event: ") + e->getDescription().cStr();
    return std::nullopt;
  }
  return event;
}

std::string encode_stored(const StoredRecord& record) {
  // One segment always: a record too large for the reused first segment gets
  // a first segment of its own size.
  const std::size_t words_needed = record.event_bytes.size() / sizeof(capnp::word) + 32;
  std::optional<capnp::MallocMessageBuilder> large;
  if (words_needed > first_segment_words)
    large.emplace(static_cast<capnp::uint>(words_needed), capnp::AllocationStrategy::FIXED_SIZE);
  std::optional<capnp::MallocMessageBuilder> small;
  if (!large) small.emplace(first_segment());
  capnp::MallocMessageBuilder& message = large ? *large : *small;
  auto root = message.initRoot<s::StoredEvent>();
  // Field order here is allocation order, which makes the message canonical
  // (pre-order layout, single segment); asserted below.
  root.setSequence(record.sequence);
  root.setPrevHash(kj::arrayPtr(record.prev_hash.data(), record.prev_hash.size()));
  root.setHash(kj::arrayPtr(record.hash.data(), record.hash.size()));
  root.setEvent(kj::arrayPtr(reinterpret_cast<const kj::byte*>(record.event_bytes.data()),
                             record.event_bytes.size()));
  HUAWU_ASSERT(record.sequence >= 1, "sequences start at 1");
  HUAWU_ASSERT(message.getSegmentsForOutput().size() == 1, "stored event must be one segment");
  // Pair assertion: what goes to disk is exactly what decode_stored accepts.
  HUAWU_ASSERT(capnp::SegmentArrayMessageReader(message.getSegmentsForOutput()).isCanonical(),
               "stored event must be canonical");
  return serialize_message(message);
}

std::optional<StoredRecord> decode_stored(std::string_view bytes, std::string* why) {
  std::string ignored;
  if (!why) why = &ignored;
  if (bytes.size() % sizeof(capnp::word) != 0 ||
      bytes.size() > limits::rate_plan_event_bytes_max + 1024) {
    *why = "stored record has an invalid length " + std::to_string(bytes.size());
    return std::nullopt;
  }
  std::optional<StoredRecord> record;
  kj::Maybe<kj::Exception> failure = kj::runCatchingExceptions([&] {
    const auto words = as_words(bytes);
    capnp::FlatArrayMessageReader reader(words, event_reader_options(bytes.size()));
    if (reader.getEnd() != words.end()) {
      *why = "stored record has bytes after its message";
      return;
    }
    if (!reader.isCanonical()) {
      *why = "stored record is not in canonical form";
      return;
    }
    auto root = reader.getRoot<s::StoredEvent>();
    auto prev = root.getPrevHash();
    auto hash = root.getHash();
    if (prev.size() != sizeof(Hash) || hash.size() != sizeof(Hash)) {
      *why = "stored record hash fields are not 32 bytes";
      return;
    }
    StoredRecord out;
    out.sequence = root.getSequence();
    std::memcpy(out.prev_hash.data(), prev.begin(), sizeof(Hash));
    std::memcpy(out.hash.data(), hash.begin(), sizeof(Hash));
    auto event = root.getEvent();
    out.event_bytes.assign(reinterpret_cast<const char*>(event.begin()), event.size());
    record = std::move(out);
  });
  KJ_IF_MAYBE(e, failure) {
    *why = std::string("malformed stored record: ") + e->getDescription().cStr();
    return std::nullopt;
  }
  return record;
}

std::optional<StoredEvent> decode_stored_event(std::string_view bytes, std::string* why) {
  auto record = decode_stored(bytes, why);
  if (!record) return std::nullopt;
  auto event = decode_event(record->event_bytes, why);
  if (!event) return std::nullopt;
  return StoredEvent{record->sequence, record->prev_hash, record->hash, std::move(*event)};
}

}  // namespace huawu
