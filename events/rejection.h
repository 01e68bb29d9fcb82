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
  // Cards, closing and transfers (issue 5, clauses A2.3, A2.4, B2.2 and 6.3).
  card_count_invalid,             // a batch of zero cards or more than limits::card_batch_count_max
  card_expiry_invalid,            // an expiry that has already passed
  card_plan_invalid,              // a rate plan on recharge vouchers (only account cards open accounts)
  card_key_missing,               // no PIN key in the data directory, or not the one a batch was issued with
  card_serials_exhausted,         // the batch would pass the last serial a number can carry
  card_batch_not_found,
  card_range_invalid,             // a void range outside its batch, or backwards
  cards_already_voided,           // every card of the range is voided already
  card_not_found,                 // no card has the number (also a malformed number or a wrong check digit)
  card_pin_invalid,
  card_locked,                    // too many failed attempts for the card or from the account in the window
  card_already_redeemed,
  card_expired,                   // used after its batch's expiry, by ledger time
  card_voided,
  card_kind_mismatch,             // a voucher used to open an account, or an account card as a voucher
  card_agent_mismatch,            // a voucher of an agent the account is not under
  transfer_target_invalid,        // a balance moved to the account itself, or to one missing or closed
  transfer_agent_mismatch,        // a balance moved to an account of another agent
  consent_required,               // clause 6.3: moving a user to another agent without written consent
  agent_unchanged,                // moving a user to the agent it already has
  // Contracts and notices (issue 6, clauses 7, 6.5 and B3.5).
  contract_id_invalid,
  contract_exists,
  contract_not_found,
  contract_terms_invalid,         // a level, price, amount, deadline, SLA or term out of range
  date_invalid,                   // a date that is not YYYY-MM-DD, or a time that is not a time
  last_service_day_required,      // a service termination notice without its last day of service (B3.5)
  // Amendments, waivers, tickets, promotions, alerts (issue 6, clauses 8, A3.2, B3.2).
  amendment_invalid,              // an amendment without changes, with a parameter twice or one that is not a term,
                                  // or one ending the term in force before it takes effect (clause 8)
  contract_not_in_force,          // an amendment effective on a day the contract is not in force, before or after it
  obligation_not_found,
  obligation_already_waived,
  obligation_already_met,         // waiving what was already met
  ticket_not_found,
  ticket_already_responded,       // A3.2 counts the first response; a ticket has one
  ticket_closed,                  // responding to or closing a closed ticket
  ticket_time_invalid,            // a response before the report, or a report time that is not a time
  promotion_not_found,
  promotion_discount_invalid,     // a discount outside 0.01..100 percent
  promotion_window_invalid,       // a window with a day that is not a date, or that ends before it starts
  promotion_not_pending,          // approving or rejecting a promotion that is not waiting for it
  promotion_ended,                // withdrawing a promotion rejected or withdrawn already
  filing_reference_required,      // B3.2: approval only with the filing's reference
  nothing_to_alert,               // the daemon's obligation check found nothing new
  // The Kamailio connector (issue 15, docs/kamailio.md): an auth_request it
  // cannot make a switch request of, answered without asking the ledger.
  destination_invalid,            // the R-URI user is not 1-32 digits (after an optional '+')
  call_id_invalid,                // an empty SIP Call-ID, or one over limits::sip_call_id_bytes_max
  // Issue 16 (ledger/scope.h): a change the acting principal may not make:
  // an auditor's, an agent operator's to the ledger as a whole or to another
  // principal. A target outside an agent's reach gets its not-found instead.
  permission_denied,
};

inline constexpr std::uint8_t rejection_count = static_cast<std::uint8_t>(Rejection::permission_denied) + 1;

// The stable snake_case name shown to people and in JSON ("account_not_found").
std::string_view rejection_name(Rejection rejection);

}  // namespace huawu
