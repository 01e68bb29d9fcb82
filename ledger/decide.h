#pragma once
// decide: the pure heart of the ledger. It reads state through a view and
// returns events or one named rejection. It never writes, never reads the
// clock (the ledger time comes in with the call) and never does I/O.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "events/event.h"
#include "events/rejection.h"
#include "ledger/calendar_file.h"
#include "ledger/card_pin.h"
#include "ledger/command.h"
#include "projections/agents.h"
#include "projections/balances.h"
#include "projections/calls.h"
#include "projections/cards.h"
#include "projections/contracts.h"
#include "projections/obligations.h"
#include "projections/principals.h"
#include "projections/promotions.h"
#include "projections/rate_plans.h"
#include "projections/ledger_state.h"
#include "projections/tickets.h"

namespace huawu {

// Limits on what one authorization grants (from the daemon's configuration).
struct CallPolicy {
  std::int64_t max_call_seconds = 7200;   // the most one authorization grants
  std::int64_t hold_grace_seconds = 120;  // a hold expires at grant + granted seconds + grace
};

// The brute-force guard on card PINs (issue 5): this many failed attempts
// for one card, or from one account, within the window refuse further
// attempts (card_locked) until the window has passed the oldest of them.
struct CardPolicy {
  std::size_t pin_failures_max = 5;       // 1..limits::card_failures_kept
  std::int64_t pin_window_seconds = 900;
};

// Contract compliance (issue 6): the business hours response times are
// counted on (A3.2), and how early the daemon's check raises a "due soon"
// alert before a deadline.
struct ContractPolicy {
  BusinessSchedule sla_schedule = *BusinessSchedule::parse("09:00-18:00");
  std::int64_t due_soon_days = 3;          // day deadlines (O-PAY, O-ACCOUNTS)
  std::int64_t sla_due_soon_minutes = 60;  // response deadlines (O-SLA)
};

// What decide is configured with: the daemon's limits and keys, fixed while
// it runs.
struct DecideSettings {
  CallPolicy call_policy;
  CardPolicy card_policy;
  // The key card PINs are derived with; null: cards cannot be issued or checked.
  std::shared_ptr<const CardKey> card_key;
  // The working-day schedule deadlines are computed with; null: the built-in one.
  std::shared_ptr<const WorkCalendar> calendar;
  ContractPolicy contract_policy;
};

// Which calls were billed, by call key: the store's `calls` family for
// durable batches plus the writer's list of those still in flight. Not part
// of the state because it grows with every call ever billed.
class BilledCalls {
 public:
  // The sequence of the event that billed the call, when it was billed.
  // Throws StorageError when the store cannot answer (the writer fail-stops).
  virtual std::optional<std::uint64_t> billed_at(std::string_view call_key) const = 0;

 protected:
  ~BilledCalls() = default;
};

// What decide reads: one LedgerState (the writer's own, which runs ahead of
// the committed one by the events decided but not yet durable), the settings
// and the billed calls. Concrete on purpose: every question has one answer,
// from the same projections replay and audit use.
class DecideView {
 public:
  DecideView(const LedgerState& state, const DecideSettings& settings, const BilledCalls& billed)
      : state_(state), settings_(settings), billed_(billed) {}

  const LedgerState& state() const { return state_; }
  const Agents& agents() const { return state_.agents(); }
  const Cards& cards() const { return state_.cards(); }

  bool ledger_created() const { return state_.info().created(); }
  const AccountState* find_account(std::string_view account) const { return state_.balances().find(account); }
  const RatePlanState* find_rate_plan(std::string_view plan) const { return state_.rate_plans().find(plan); }
  // The hold of a call (active or expired), or null.
  const HoldState* find_hold(std::string_view call_key) const { return state_.calls().find(call_key); }
  std::optional<std::uint64_t> call_billed_at(std::string_view call_key) const { return billed_.billed_at(call_key); }
  // Active holds due by `time_us`, earliest first, until fn returns false.
  template <class Fn>  // bool Fn(const HoldState&)
  void for_each_due_hold(std::int64_t time_us, Fn&& fn) const {
    state_.calls().for_each_due(time_us, [&](const std::string&, const HoldState& hold) { return fn(hold); });
  }
  const CallPolicy& call_policy() const { return settings_.call_policy; }

  const AgentState* find_agent(std::string_view agent) const { return agents().find(agent); }
  const AgentFunds* agent_funds(std::string_view agent) const { return agents().agent_funds(agent); }
  std::int64_t level_price_units(std::uint32_t level) const { return agents().level_price_units(level); }
  std::int64_t effective_price_units(const AgentState& agent) const { return agents().effective_price_units(agent); }
  const PrincipalState* find_principal(std::string_view name) const { return state_.principals().find(name); }

  const CardKey* card_key() const { return settings_.card_key.get(); }
  const CardPolicy& card_policy() const { return settings_.card_policy; }
  const CardBatchState* find_card_batch(std::string_view batch) const { return cards().find_card_batch(batch); }
  const CardBatchState* card_batch_of_serial(std::uint64_t serial) const { return cards().card_batch_of_serial(serial); }
  const CardUse* find_card_use(std::uint64_t serial) const { return cards().find_card_use(serial); }
  const CardFailures* card_failures(std::uint64_t serial) const { return cards().card_failures(serial); }
  const CardFailures* account_card_failures(std::string_view account) const {
    return cards().account_card_failures(account);
  }
  std::uint64_t card_batches_issued() const { return cards().card_batches_issued(); }
  std::uint64_t next_card_serial() const { return cards().next_card_serial(); }

  const WorkCalendar& work_calendar() const { return settings_.calendar ? *settings_.calendar : default_calendar(); }
  const ContractPolicy& contract_policy() const { return settings_.contract_policy; }
  const ContractState* find_contract(std::string_view contract) const { return state_.contracts().find(contract); }
  std::uint64_t notices_sent() const { return state_.contracts().notices_sent(); }
  // Every contract, in id order.
  template <class Fn>  // void Fn(const ContractState&)
  void for_each_contract(Fn&& fn) const {
    state_.contracts().for_each([&](const std::string&, const ContractState& contract) { fn(contract); });
  }
  const Waiver* find_waiver(std::string_view obligation) const { return state_.contracts().find_waiver(obligation); }
  bool alert_raised(std::string_view key) const { return state_.contracts().alert_raised(key); }

  const TicketState* find_ticket(std::string_view ticket) const { return state_.tickets().find(ticket); }
  std::uint64_t tickets_opened() const { return state_.tickets().opened(); }
  // Tickets without a response, in id order.
  template <class Fn>  // void Fn(const TicketState&)
  void for_each_unanswered_ticket(Fn&& fn) const {
    state_.tickets().for_each_unanswered(fn);
  }
  const PromotionState* find_promotion(std::string_view promotion) const {
    return state_.promotions().find(promotion);
  }
  std::uint64_t promotions_requested() const { return state_.promotions().requested(); }
  template <class Fn>  // void Fn(const PromotionState&), in request order
  void for_each_promotion_of(std::string_view agent, Fn&& fn) const {
    if (const std::vector<std::string>* ids = state_.promotions().of_agent(agent))
      for (const std::string& id : *ids) fn(*find_promotion(id));
  }

 private:
  const LedgerState& state_;
  const DecideSettings& settings_;
  const BilledCalls& billed_;
};

struct [[nodiscard]] Decision {
  Rejection rejection = Rejection::none;
  std::vector<Event> events;  // empty iff rejected
};

Decision decide(const DecideView& view, const Request& request, std::int64_t ledger_time_us);

// A refusal, and an acceptance of one event (moved, not copied as a braced
// list would).
inline Decision reject(Rejection rejection) { return Decision{rejection, {}}; }
inline Decision accept(Event event) {
  Decision decision;
  decision.events.push_back(std::move(event));
  return decision;
}

// The parts of decide for switch requests and hold expiry (decide_calls.cc).
// `event` comes with its envelope filled in.
Decision decide_switch(const DecideView& view, const SwitchRequest& request, Event event);
// True when the switch id, request key or call id cannot serve as keys
// (printable ASCII without spaces, within their limits).
bool decide_switch_keys_invalid(const SwitchRequest& request);
Decision decide_expire_holds(const DecideView& view, Event event);

// The parts of decide for the agent tree (decide_agents.cc).
Decision decide_agent(const DecideView& view, const AddAgent& command, Event event);
Decision decide_agent(const DecideView& view, const SetAgentPrice& command, Event event);
Decision decide_agent(const DecideView& view, const SetLevelPrice& command, Event event);
Decision decide_agent(const DecideView& view, const SuspendAgent& command, Event event);
Decision decide_agent(const DecideView& view, const ResumeAgent& command, Event event);
Decision decide_agent(const DecideView& view, const RecordAgentPayment& command, Event event);
Decision decide_agent(const DecideView& view, const ReleaseDeposit& command, Event event);
Decision decide_agent(const DecideView& view, const BuyTraffic& command, Event event);
Decision decide_agent(const DecideView& view, const SetAgentCredit& command, Event event);
// Principals (decide_agents.cc).
Decision decide_principal(const DecideView& view, const AddPrincipal& command, Event event);
Decision decide_principal(const DecideView& view, const SetPrincipalPassword& command, Event event);

// The acting principal's reach (ledger/scope.h), against the state deciding:
// an agent operator's target outside its subtree gets the answer a missing
// one gets; an auditor changes nothing.
[[nodiscard]] Rejection check_scope(const DecideView& view, const Request& request);

// Shared by the parts of decide: external cash -> the wallet (negative: the
// other way); an amount within 1..limits::amount_units_max; an account that
// exists and is open, or why not.
std::vector<Posting> cash_to_wallet(const std::string& account, std::int64_t amount_units);
[[nodiscard]] Rejection check_amount(std::int64_t amount_units);
[[nodiscard]] Rejection check_open_account(const DecideView& view, const std::string& account, const AccountState** out);

// The parts of decide for cards, closing and transfers (decide_cards.cc).
Decision decide_card(const DecideView& view, const IssueCards& command, Event event);
Decision decide_card(const DecideView& view, const VoidCards& command, Event event);
Decision decide_card(const DecideView& view, const ActivateCard& command, Event event);
Decision decide_card(const DecideView& view, const RedeemCard& command, Event event);
Decision decide_card(const DecideView& view, const TransferAccount& command, Event event);
Decision decide_close(const DecideView& view, const CloseAccount& command, Event event);

// The parts of decide for contracts, notices, amendments, waivers and the
// obligation check (decide_contracts.cc), tickets (decide_tickets.cc) and
// promotions (decide_promotions.cc).
Decision decide_contract(const DecideView& view, const SignContract& command, Event event);
Decision decide_contract(const DecideView& view, const SendNotice& command, Event event);
Decision decide_contract(const DecideView& view, const AmendContract& command, Event event);
Decision decide_contract(const DecideView& view, const WaiveObligation& command, Event event);
Decision decide_contract(const DecideView& view, const CheckObligations& command, Event event);
Decision decide_contract(const DecideView& view, const OpenTicket& command, Event event);
Decision decide_contract(const DecideView& view, const RespondTicket& command, Event event);
Decision decide_contract(const DecideView& view, const CloseTicket& command, Event event);
Decision decide_contract(const DecideView& view, const RequestPromotion& command, Event event);
Decision decide_contract(const DecideView& view, const ApprovePromotion& command, Event event);
Decision decide_contract(const DecideView& view, const RejectPromotion& command, Event event);
Decision decide_contract(const DecideView& view, const WithdrawPromotion& command, Event event);

// B3.2: `rate` as a call of `account` gets it on the China day of
// `ledger_time_us`: with the best approved promotion of an agent on the
// chain from the account's agent up to the provider for the account's plan
// (promotions.h), or unchanged.
CallRate promoted_rate(const DecideView& view, const AccountState& account, const CallRate& rate,
                       std::int64_t ledger_time_us);

// The first suspended agent on the chain from `agent` up to the provider, or
// null: a user of any agent below a suspended one may not start calls.
const AgentState* suspended_ancestor(const DecideView& view, std::string_view agent, std::string* which);

}  // namespace huawu
