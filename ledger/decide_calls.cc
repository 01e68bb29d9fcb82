// decide for the switch (issue 3, clause A2.1): authorize with a hold, settle
// against it, rate plain call records, expire holds. Every business refusal
// of a switch request is itself an event (CallRejected), so nothing a switch
// sends is dropped silently and a retry gets the same answer; only a request
// that cannot even be keyed (bad switch id, request key or call id) is
// refused without an event.
#include <algorithm>

#include "events/ids.h"
#include "events/limits.h"
#include "ledger/decide.h"
#include "ledger/rating.h"

namespace huawu {

namespace {

bool valid_switch_id(std::string_view id, std::size_t length_max) {
  return id.size() <= length_max && is_valid_idempotency_key(id);
}

bool all_digits(std::string_view number) {
  if (number.empty()) return false;
  for (char c : number)
    if (c < '0' || c > '9') return false;
  return true;
}

void post(Event& event, LedgerAccountKind kind, const std::string& owner, std::int64_t amount) {
  if (amount != 0) event.postings.push_back(Posting{kind, owner, Unit::cny_units, amount});
}

// A refusal recorded as an event: the reply to the request and to its retries.
Decision rejected_call(Event event, const SwitchRequest& request, std::string_view call_id,
                       std::string_view account, CallStage stage, Rejection reason,
                       std::uint64_t original_sequence = 0) {
  CallRejected rejected{request.switch_id, std::string(call_id), std::string(account), stage,
                        std::string(rejection_name(reason)), original_sequence};
  rejected.via = request.via;
  rejected.sip_call_id = request.sip_call_id;
  event.payload = std::move(rejected);
  return accept(std::move(event));
}

// The call must be new: neither holding money nor billed. A call with a hold
// was never billed (billing releases the hold, and a billed call is never
// authorized again), so the hold, in memory, is asked first and the store
// only for calls without one.
Rejection check_new_call(const DecideView& view, std::string_view key, std::uint64_t* original) {
  if (const HoldState* hold = view.find_hold(key)) {
    *original = hold->hold_id;
    return Rejection::call_already_authorized;
  }
  if (auto billed = view.call_billed_at(key)) {
    *original = *billed;
    return Rejection::call_already_settled;
  }
  return Rejection::none;
}

// The open account and the rate of the dialled number on its plan.
Rejection find_rate(const DecideView& view, std::string_view account_id, std::string_view callee,
                    const AccountState** account, const Rate** rate) {
  if (!is_valid_account_id(account_id)) return Rejection::account_id_invalid;
  *account = view.find_account(account_id);
  if (!*account) return Rejection::account_not_found;
  if ((*account)->status == AccountStatus::closed) return Rejection::account_closed;
  const RatePlanState* plan =
      (*account)->rate_plan.empty() ? nullptr : view.find_rate_plan((*account)->rate_plan);
  if (!plan) return Rejection::no_rate_plan;
  *rate = all_digits(callee) ? plan->table.lookup(callee) : nullptr;
  if (!*rate) return Rejection::no_rate_for_destination;
  return Rejection::none;
}

// Debits `cost_units` from what the wallet has after the hold came back; what
// it cannot cover (a call past its grant, a late settle) becomes arrears, so a
// prepaid wallet never goes below zero.
// Refuses (balance_limit_exceeded, nothing posted) when the arrears would
// pass the balance limit: the projection's bound on every account.
Rejection bill(Event& event, CallSettled& settled, const AccountState& account) {
  const std::int64_t wallet_units = account.balance_units + settled.released_units;
  settled.wallet_debit_units = std::min(settled.cost_units, wallet_units);
  settled.arrears_units = settled.cost_units - settled.wallet_debit_units;
  // Both are bounded by balance_units_max (limits.h), so the sum cannot overflow.
  if (account.owed_units + settled.arrears_units > limits::balance_units_max)
    return Rejection::balance_limit_exceeded;
  settled.balance_after_units =
      wallet_units - settled.wallet_debit_units + account.held_units - settled.released_units;
  post(event, LedgerAccountKind::user_hold, settled.account, -settled.released_units);
  post(event, LedgerAccountKind::user_wallet, settled.account,
       settled.released_units - settled.wallet_debit_units);
  post(event, LedgerAccountKind::user_arrears, settled.account, -settled.arrears_units);
  // Retail revenue is the user's agent's (the provider's for its own users);
  // the billed seconds come out of that agent's pool in the same event.
  post(event, LedgerAccountKind::call_revenue, account.agent, settled.cost_units);
  add_call_traffic_postings(event.postings, account.agent, settled.billed_seconds);
  return Rejection::none;
}

struct SwitchDecider {
  const DecideView& view;
  const SwitchRequest& request;
  Event& event;

  Decision operator()(const AuthorizeCall& c) const {
    const auto stage = CallStage::authorize;
    const std::string key = call_key(request.switch_id, c.call_id);
    std::uint64_t original = 0;
    const AccountState* account = nullptr;
    const Rate* rate = nullptr;
    Rejection r = find_rate(view, c.account, c.callee, &account, &rate);
    // A suspended agent's whole subtree starts no new calls (issue 4);
    // calls in progress still settle and records are still billed.
    std::string suspended_agent;
    if (r == Rejection::none && !account->agent.empty() &&
        suspended_ancestor(view, account->agent, &suspended_agent))
      r = Rejection::agent_suspended;
    if (r == Rejection::none && c.requested_seconds <= 0) r = Rejection::duration_invalid;
    if (r == Rejection::none) r = check_new_call(view, key, &original);
    if (r != Rejection::none) return rejected_call(std::move(event), request, c.call_id, c.account, stage, r, original);

    const CallPolicy& policy = view.call_policy();
    // B3.2: an approved promotion of the user's agent chain, fixed with the hold.
    const CallRate call_rate = promoted_rate(view, *account, call_rate_of(*rate), event.ledger_time_us);
    std::int64_t cap_seconds = std::min(c.requested_seconds, policy.max_call_seconds);
    // An agent's user also needs its agent's pool (issue 4, clause 4.1): the
    // grant's billable seconds are reserved from it like the hold from the
    // wallet, so parallel calls never take a pool past its overdraft.
    if (!account->agent.empty()) {
      const std::int64_t pool_cap = billable_cap_seconds(call_rate, view.agent_funds(account->agent)->available_seconds());
      if (pool_cap == 0)
        return rejected_call(std::move(event), request, c.call_id, c.account, stage, Rejection::agent_traffic_exhausted);
      cap_seconds = std::min(cap_seconds, pool_cap);
    }
    // Available = the wallet: money held for other calls is already out of it,
    // so parallel calls on one wallet can never together grant more than it pays.
    const std::int64_t granted_seconds = affordable_seconds(call_rate, account->balance_units, cap_seconds);
    if (granted_seconds == 0)
      return rejected_call(std::move(event), request, c.call_id, c.account, stage, Rejection::insufficient_balance);
    const std::int64_t hold_units = call_cost_units(call_rate, granted_seconds * 1000);
    const std::int64_t expires_at_us =
        event.ledger_time_us + (granted_seconds + policy.hold_grace_seconds) * 1'000'000;
    // A free destination costs nothing, yet a hold of one unit keeps every
    // authorization a real hold that its settle or expiry releases.
    const std::int64_t held_units = std::max<std::int64_t>(hold_units, 1);
    if (held_units > account->balance_units)
      return rejected_call(std::move(event), request, c.call_id, c.account, stage, Rejection::insufficient_balance);
    post(event, LedgerAccountKind::user_wallet, c.account, -held_units);
    post(event, LedgerAccountKind::user_hold, c.account, held_units);
    CallAuthorized authorized{request.switch_id, c.call_id,       c.account,
                              c.caller,          c.callee,        c.requested_seconds,
                              granted_seconds,   held_units,      call_rate,
                              c.switch_time_us,  expires_at_us};
    authorized.via = request.via;
    authorized.sip_call_id = request.sip_call_id;
    // Available + held: the hold moves money from one to the other.
    authorized.balance_after_units = account->balance_units + account->held_units;
    event.payload = std::move(authorized);
    return accept(std::move(event));
  }

  Decision operator()(const SettleCall& c) const {
    const auto stage = CallStage::settle;
    const std::string key = call_key(request.switch_id, c.call_id);
    if (c.billed_duration_ms < 0 || c.billed_duration_ms > limits::call_duration_ms_max)
      return rejected_call(std::move(event), request, c.call_id, "", stage, Rejection::duration_invalid);
    // A hold means the call is not billed yet (see check_new_call).
    const HoldState* hold = view.find_hold(key);
    if (!hold) {
      if (auto billed = view.call_billed_at(key))
        return rejected_call(std::move(event), request, c.call_id, "", stage, Rejection::call_already_settled,
                             *billed);
      return rejected_call(std::move(event), request, c.call_id, "", stage, Rejection::call_not_authorized);
    }
    const AccountState* account = view.find_account(hold->account);
    if (!account || account->status == AccountStatus::closed)
      return rejected_call(std::move(event), request, c.call_id, hold->account, stage, Rejection::account_closed,
                           hold->hold_id);

    CallSettled settled;
    settled.switch_id = request.switch_id;
    settled.call_id = c.call_id;
    settled.account = hold->account;
    settled.caller = hold->caller;
    settled.callee = hold->callee;
    settled.origin = hold->expired ? CallOrigin::late_settle : CallOrigin::authorized;
    settled.hold_id = hold->hold_id;
    settled.released_units = hold->expired ? 0 : hold->hold_units;
    settled.answered_time_us = c.answered_time_us;
    settled.duration_ms = c.billed_duration_ms;
    settled.disconnect_cause = c.disconnect_cause;
    settled.rate = hold->rate;
    settled.billed_seconds = billed_seconds(c.billed_duration_ms, hold->rate.first_block_seconds,
                                            hold->rate.next_block_seconds);
    settled.cost_units = call_cost_units(hold->rate, c.billed_duration_ms);
    settled.over_grant = c.billed_duration_ms > hold->granted_seconds * 1000;
    settled.via = request.via;
    settled.sip_call_id = request.sip_call_id;
    settled.end_reason = c.end_reason;
    if (Rejection r = bill(event, settled, *account); r != Rejection::none)
      return rejected_call(std::move(event), request, c.call_id, hold->account, stage, r, hold->hold_id);
    event.payload = std::move(settled);
    return accept(std::move(event));
  }

  Decision operator()(const RecordCall& c) const {
    const auto stage = CallStage::record;
    const std::string key = call_key(request.switch_id, c.call_id);
    std::uint64_t original = 0;
    const AccountState* account = nullptr;
    const Rate* rate = nullptr;
    Rejection r = find_rate(view, c.account, c.callee, &account, &rate);
    if (r == Rejection::none && (c.duration_ms < 0 || c.duration_ms > limits::call_duration_ms_max))
      r = Rejection::duration_invalid;
    if (r == Rejection::none) r = check_new_call(view, key, &original);
    if (r != Rejection::none) return rejected_call(std::move(event), request, c.call_id, c.account, stage, r, original);

    CallSettled settled;
    settled.switch_id = request.switch_id;
    settled.call_id = c.call_id;
    settled.account = c.account;
    settled.caller = c.caller;
    settled.callee = c.callee;
    settled.origin = CallOrigin::recorded;
    settled.answered_time_us = c.answered_time_us;
    settled.duration_ms = c.duration_ms;
    settled.disconnect_cause = c.disconnect_cause;
    settled.rate = promoted_rate(view, *account, call_rate_of(*rate), event.ledger_time_us);
    settled.billed_seconds = billed_seconds(c.duration_ms, rate->first_block_seconds, rate->next_block_seconds);
    settled.cost_units = call_cost_units(settled.rate, c.duration_ms);
    settled.via = request.via;
    settled.sip_call_id = request.sip_call_id;
    settled.end_reason = c.end_reason;
    if (Rejection billing = bill(event, settled, *account); billing != Rejection::none)
      return rejected_call(std::move(event), request, c.call_id, c.account, stage, billing);
    event.payload = std::move(settled);
    return accept(std::move(event));
  }
};

std::string_view call_id_of(const SwitchBody& body) {
  return std::visit([](const auto& c) -> std::string_view { return c.call_id; }, body);
}

std::string_view end_reason_of(const SwitchBody& body) {
  if (const auto* settle = std::get_if<SettleCall>(&body)) return settle->end_reason;
  if (const auto* record = std::get_if<RecordCall>(&body)) return record->end_reason;
  return {};
}

}  // namespace

bool decide_switch_keys_invalid(const SwitchRequest& request) {
  return !valid_switch_id(request.switch_id, limits::switch_id_length_max) ||
         !valid_switch_id(request.request_key, limits::request_key_length_max) ||
         !valid_switch_id(call_id_of(request.body), limits::call_id_length_max) ||
         request.sip_call_id.size() > limits::sip_call_id_bytes_max || end_reason_of(request.body).size() > limits::switch_reason_length_max;
}

Decision decide_switch(const DecideView& view, const SwitchRequest& request, Event event) {
  if (decide_switch_keys_invalid(request)) return reject(Rejection::switch_request_invalid);
  return std::visit(SwitchDecider{view, request, event}, request.body);
}

Decision decide_expire_holds(const DecideView& view, Event event) {
  Decision decision;
  view.for_each_due_hold(event.ledger_time_us, [&](const HoldState& hold) {
    Event expired = event;
    post(expired, LedgerAccountKind::user_hold, hold.account, -hold.hold_units);
    post(expired, LedgerAccountKind::user_wallet, hold.account, hold.hold_units);
    expired.payload = HoldExpired{hold.switch_id, hold.call_id, hold.account, hold.hold_id, hold.hold_units};
    decision.events.push_back(std::move(expired));
    return decision.events.size() < limits::holds_expired_per_request_max;
  });
  if (decision.events.empty()) return reject(Rejection::nothing_to_expire);
  return decision;
}

}  // namespace huawu
