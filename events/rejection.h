#pragma once
// Business rejections are values, one name per rule. A request is either
// decided into events or refused with exactly one of these.
#include <cstdint>
#include <string_view>

namespace huawu {

enum class Rejection : std::uint8_t {
  none = 0,
  ledger_already_created,
  ledger_not_created,
  account_id_invalid,
  account_exists,
  account_not_found,
  account_closed,
  account_has_balance,      // close without saying what happens to the money
  amount_must_be_positive,
  amount_too_large,         // one amount above limits::amount_units_max
  balance_limit_exceeded,   // the balance would pass limits::balance_units_max
  text_invalid,             // a name or reference too long or with control characters
  idempotency_key_invalid,
  idempotency_key_reused,   // same key, different request content
  storage_failed,           // the store refused a write: the writer stopped (fail-stop)
  writer_stopped,           // submitted after the writer was closed
  // Rate plans and calls (issue 3, clause A2.1).
  rate_plan_not_found,      // an account opened on a plan that was never imported
  rate_plan_invalid,        // an import with a bad plan id, row or duplicate prefix
  account_has_holds,        // close while calls hold money
  switch_request_invalid,   // switch id, request key or call id not usable as keys
  nothing_to_expire,        // ExpireHolds with no hold due
  // Switch refusals: recorded as CallRejected events, with these names as reasons.
  insufficient_balance,
  no_rate_plan,             // the account has no rate plan, or its plan does not exist
  no_rate_for_destination,  // no prefix of the dialled number is in the plan
  call_already_authorized,
  call_already_settled,
  call_not_authorized,      // a settle for a call the ledger holds nothing for
  duration_invalid,         // negative or too long, or a request for zero seconds
  // Agents (issue 4, clauses B3.1 and 4.1).
  agent_id_invalid,         // not 1-64 of [A-Za-z0-9_.-], or the reserved word "provider"
  agent_exists,
  agent_not_found,
  parent_not_found,         // agent add under a parent that does not exist (or itself)
  agent_tree_too_deep,      // deeper than limits::agent_level_max
  agent_suspended,          // a call of a suspended agent's subtree (also a switch refusal)
  agent_already_suspended,
  agent_not_suspended,
  price_invalid,            // a wholesale price below zero or above limits::rate_price_fen_max fen
  price_unchanged,          // setting the price an agent or level already has
  level_invalid,            // a level outside 1..limits::agent_level_max
  // Agents' traffic, payments and deposits (issue 4, clauses 4.1 and B3.7).
  agent_traffic_exhausted,        // the agent's pool (and overdraft) cannot carry a call (also a switch refusal)
  agent_prepayment_insufficient,  // a purchase past what the agent paid in plus its credit line
  parent_traffic_insufficient,    // a sub-agent's purchase past its parent's pool
  agent_price_unset,              // a purchase with no own or level price
  minutes_invalid,                // a purchase of zero, negative or too many minutes
  deposit_insufficient,           // releasing more than the deposit holds
  reason_required,                // forfeiting a deposit without saying why
  credit_invalid,                 // a credit line below zero or above its limit
  // Principals (issue 4, clauses 5 and B3.6).
  principal_name_invalid,
  principal_exists,
  principal_not_found,
  principal_agent_mismatch,       // role agent without an agent, or another role with one
  password_hash_invalid,          // not an argon2id hash (the command hashes the password itself)
};

inline constexpr std::uint8_t rejection_count = static_cast<std::uint8_t>(Rejection::password_hash_invalid) + 1;

// The stable snake_case name shown to people and in JSON ("account_not_found").
std::string_view rejection_name(Rejection rejection);

}  // namespace huawu
