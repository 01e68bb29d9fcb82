#pragma once
// decide: the pure heart of the ledger. It reads state through a view and
// returns events or one named rejection. It never writes, never reads the
// clock (the ledger time comes in with the call) and never does I/O.
#include <cstdint>
#include <functional>
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
#include "projections/tickets.h"

namespace huawu {

// What decide may read. The writer passes the committed state layered with
// the events already decided earlier in the same batch.
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

class DecideView : public AgentsLookup, public CardsLookup {
 public:
  virtual bool ledger_created() const = 0;
  virtual const AccountState* find_account(std::string_view account) const = 0;
  virtual const RatePlanState* find_rate_plan(std::string_view plan) const = 0;
  // The hold of a call (active or expired), or null.
  virtual const HoldState* find_hold(std::string_view call_key) const = 0;
  // The sequence of the event that billed the call, when it was billed.
  virtual std::optional<std::uint64_t> call_billed_at(std::string_view call_key) const = 0;
  // Active holds due by `time_us`, earliest first, until fn returns false.
  virtual void for_each_due_hold(
      std::int64_t time_us, const std::function<bool(const HoldState&)>& fn) const = 0;
  virtual const CallPolicy& call_policy() const = 0;
  // Agents, their funds and level prices: AgentsLookup.
  // Principals; a view without them (some tests' fakes) knows none.
  virtual const PrincipalState* find_principal(std::string_view) const { return nullptr; }
  // Cards: batches, uses and failures (CardsLookup); the PIN key and the
  // guard. A view without a key cannot issue cards or check PINs.
  virtual const CardKey* card_key() const { return nullptr; }
  virtual const CardPolicy& card_policy() const {
    static const CardPolicy defaults;
    return defaults;
  }
  // Contracts (issue 6): the contracts and notices, and the working-day
  // schedule deadlines are computed with (the built-in one unless configured).
  virtual const ContractState* find_contract(std::string_view) const { return nullptr; }
  virtual std::uint64_t notices_sent() const { return 0; }
  virtual const WorkCalendar& work_calendar() const { return default_calendar(); }
  virtual const ContractPolicy& contract_policy() const {
    static const ContractPolicy defaults;
    return defaults;
  }
  // Every contract, in id order.
  virtual void for_each_contract(const std::function<void(const ContractState&)>&) const {}
  virtual const Waiver* find_waiver(std::string_view) const { return nullptr; }
  virtual bool alert_raised(std::string_view) const { return false; }
  // Tickets (A3.2): by id, how many were opened, and those without a response, in id order.
  virtual const TicketState* find_ticket(std::string_view) const { return nullptr; }
  virtual std::uint64_t tickets_opened() const { return 0; }
  virtual void for_each_unanswered_ticket(const std::function<void(const TicketState&)>&) const {}
  // Promotions (B3.2): by id, how many were requested, and those an agent requested.
  virtual const PromotionState* find_promotion(std::string_view) const { return nullptr; }
  virtual std::uint64_t promotions_requested() const { return 0; }
  virtual void for_each_promotion_of(std::string_view, const std::function<void(const PromotionState&)>&) const {}
};

struct Decision {
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

// Shared by the parts of decide: external cash -> the wallet (negative: the
// other way); an amount within 1..limits::amount_units_max; an account that
// exists and is open, or why not.
std::vector<Posting> cash_to_wallet(const std::string& account, std::int64_t amount_units);
Rejection check_amount(std::int64_t amount_units);
Rejection check_open_account(const DecideView& view, const std::string& account, const AccountState** out);

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
