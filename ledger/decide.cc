#include "ledger/decide.h"

#include "events/ids.h"
#include "events/limits.h"
#include "ledger/scope.h"

namespace huawu {

std::vector<Posting> cash_to_wallet(const std::string& account, std::int64_t amount_units) {
  return {Posting{LedgerAccountKind::external_cash, "", Unit::cny_units, -amount_units},
          Posting{LedgerAccountKind::user_wallet, account, Unit::cny_units, amount_units}};
}

Rejection check_amount(std::int64_t amount_units) {
  if (amount_units <= 0) return Rejection::amount_must_be_positive;
  if (amount_units > limits::amount_units_max) return Rejection::amount_too_large;
  return Rejection::none;
}

Rejection check_open_account(const DecideView& view, const std::string& account,
                             const AccountState** out) {
  if (!is_valid_account_id(account)) return Rejection::account_id_invalid;
  const AccountState* state = view.find_account(account);
  if (!state) return Rejection::account_not_found;
  if (state->status == AccountStatus::closed) return Rejection::account_closed;
  *out = state;
  return Rejection::none;
}

Rejection check_scope(const DecideView& view, const Request& request) {
  const std::string_view name = principal_of_actor(request.actor);
  if (name.empty()) return Rejection::none;  // the local operator, a switch, the daemon itself
  const PrincipalState* principal = view.find_principal(name);
  // The daemon names only principals it authenticated; one unknown to the
  // state deciding is refused rather than trusted.
  if (!principal) return Rejection::permission_denied;
  switch (principal->role) {
    case PrincipalRole::provider: return Rejection::none;
    case PrincipalRole::auditor: return Rejection::permission_denied;  // reads everything, changes nothing
    case PrincipalRole::agent: break;
  }
  const Scope scope{std::string(name), principal->agent};
  return scope_rejection(scope_answer(scope, command_target(request.command), view.state()));
}

namespace {

Event envelope(const Request& request, std::int64_t ledger_time_us) {
  Event event;
  event.ledger_time_us = ledger_time_us;
  event.business_time_us = request.business_time_us != 0 ? request.business_time_us : ledger_time_us;
  event.actor = request.actor;
  event.idempotency_key = request.idempotency_key;
  return event;
}

struct Decider {
  const DecideView& view;
  const Request& request;
  std::int64_t ledger_time_us;

  Decision operator()(const CreateLedger& c) const {
    if (view.ledger_created()) return reject(Rejection::ledger_already_created);
    if (!is_valid_account_id(c.provider_id)) return reject(Rejection::account_id_invalid);
    if (!is_valid_text(c.provider_name, limits::name_length_max)) return reject(Rejection::text_invalid);
    Event event = envelope(request, ledger_time_us);
    event.payload = LedgerCreated{c.provider_id, c.provider_name, "CNY", 8 * 60};
    return accept(std::move(event));
  }

  Decision operator()(const OpenAccount& c) const {
    if (!is_valid_account_id(c.account)) return reject(Rejection::account_id_invalid);
    if (!c.rate_plan.empty() && !is_valid_account_id(c.rate_plan))
      return reject(Rejection::text_invalid);
    if (c.initial_units < 0) return reject(Rejection::amount_must_be_positive);
    if (c.initial_units > limits::amount_units_max) return reject(Rejection::amount_too_large);
    if (!c.agent.empty() && !is_valid_agent_id(c.agent)) return reject(Rejection::agent_id_invalid);
    if (view.find_account(c.account)) return reject(Rejection::account_exists);
    if (!c.rate_plan.empty() && !view.find_rate_plan(c.rate_plan))
      return reject(Rejection::rate_plan_not_found);
    if (!c.agent.empty() && !view.find_agent(c.agent)) return reject(Rejection::agent_not_found);
    Event event = envelope(request, ledger_time_us);
    if (c.initial_units > 0) event.postings = cash_to_wallet(c.account, c.initial_units);
    event.payload = AccountOpened{c.account, c.rate_plan, c.initial_units, c.agent};
    return accept(std::move(event));
  }

  Decision operator()(const RechargeWallet& c) const {
    const AccountState* account = nullptr;
    if (Rejection r = check_open_account(view, c.account, &account); r != Rejection::none)
      return reject(r);
    if (Rejection r = check_amount(c.amount_units); r != Rejection::none) return reject(r);
    if (!is_valid_text(c.source_reference, limits::reference_length_max))
      return reject(Rejection::text_invalid);
    // The balance after counts money held for calls too: it is what the user has.
    // Every operand is bounded far below INT64_MAX (limits.h), so the sum is exact.
    const std::int64_t after_units = account->total_units() + c.amount_units;
    if (after_units > limits::balance_units_max) return reject(Rejection::balance_limit_exceeded);
    Event event = envelope(request, ledger_time_us);
    event.postings = cash_to_wallet(c.account, c.amount_units);
    event.payload = WalletRecharged{c.account, c.amount_units, c.source_reference, after_units};
    return accept(std::move(event));
  }

  Decision operator()(const CloseAccount& c) const {
    return decide_close(view, c, envelope(request, ledger_time_us));
  }

  Decision operator()(const ImportRatePlan& c) const {
    RatePlanImported import{c.plan, c.source_name, c.rates};
    if (rate_plan_problem(import) != nullptr) return reject(Rejection::rate_plan_invalid);
    Event event = envelope(request, ledger_time_us);
    event.payload = std::move(import);
    return accept(std::move(event));
  }

  Decision operator()(const SwitchRequest& c) const {
    return decide_switch(view, c, envelope(request, ledger_time_us));
  }

  Decision operator()(const ExpireHolds&) const {
    return decide_expire_holds(view, envelope(request, ledger_time_us));
  }

  template <AgentCommand C>
  Decision operator()(const C& c) const {
    return decide_agent(view, c, envelope(request, ledger_time_us));
  }

  template <CardCommand C>
  Decision operator()(const C& c) const {
    return decide_card(view, c, envelope(request, ledger_time_us));
  }

  template <ContractCommand C>
  Decision operator()(const C& c) const {
    return decide_contract(view, c, envelope(request, ledger_time_us));
  }

  Decision operator()(const AddPrincipal& c) const {
    return decide_principal(view, c, envelope(request, ledger_time_us));
  }
  Decision operator()(const SetPrincipalPassword& c) const {
    return decide_principal(view, c, envelope(request, ledger_time_us));
  }
};

}  // namespace

Decision decide(const DecideView& view, const Request& request, std::int64_t ledger_time_us) {
  // A switch request's key is its own namespace (switch_idempotency_key);
  // decide_switch checks its parts.
  const auto* from_switch = std::get_if<SwitchRequest>(&request.command);
  if (from_switch ? request.idempotency_key !=
                        switch_idempotency_key(from_switch->switch_id, from_switch->request_key)
                  : !is_valid_idempotency_key(request.idempotency_key))
    return reject(Rejection::idempotency_key_invalid);
  // Keys of a switch request before the actor, which names the switch.
  if (from_switch && decide_switch_keys_invalid(*from_switch))
    return reject(Rejection::switch_request_invalid);
  if (request.actor.empty() || !is_valid_text(request.actor, limits::actor_length_max))
    return reject(Rejection::text_invalid);
  const bool creating = std::holds_alternative<CreateLedger>(request.command);
  if (!creating && !view.ledger_created()) return reject(Rejection::ledger_not_created);
  if (const Rejection refused = check_scope(view, request); refused != Rejection::none) return reject(refused);
  return std::visit(Decider{view, request, ledger_time_us}, request.command);
}

}  // namespace huawu
