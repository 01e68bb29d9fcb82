#include "events/rejection.h"

namespace huawu {

std::string_view rejection_name(Rejection rejection) {
  switch (rejection) {
    case Rejection::none: return "none";
    case Rejection::ledger_already_created: return "ledger_already_created";
    case Rejection::ledger_not_created: return "ledger_not_created";
    case Rejection::account_id_invalid: return "account_id_invalid";
    case Rejection::account_exists: return "account_exists";
    case Rejection::account_not_found: return "account_not_found";
    case Rejection::account_closed: return "account_closed";
    case Rejection::account_has_balance: return "account_has_balance";
    case Rejection::amount_must_be_positive: return "amount_must_be_positive";
    case Rejection::amount_too_large: return "amount_too_large";
    case Rejection::balance_limit_exceeded: return "balance_limit_exceeded";
    case Rejection::text_invalid: return "text_invalid";
    case Rejection::idempotency_key_invalid: return "idempotency_key_invalid";
    case Rejection::idempotency_key_reused: return "idempotency_key_reused";
    case Rejection::storage_failed: return "storage_failed";
    case Rejection::writer_stopped: return "writer_stopped";
    case Rejection::rate_plan_not_found: return "rate_plan_not_found";
    case Rejection::rate_plan_invalid: return "rate_plan_invalid";
    case Rejection::account_has_holds: return "account_has_holds";
    case Rejection::switch_request_invalid: return "switch_request_invalid";
    case Rejection::nothing_to_expire: return "nothing_to_expire";
    case Rejection::insufficient_balance: return "insufficient_balance";
    case Rejection::no_rate_plan: return "no_rate_plan";
    case Rejection::no_rate_for_destination: return "no_rate_for_destination";
    case Rejection::call_already_authorized: return "call_already_authorized";
    case Rejection::call_already_settled: return "call_already_settled";
    case Rejection::call_not_authorized: return "call_not_authorized";
    case Rejection::duration_invalid: return "duration_invalid";
    case Rejection::agent_id_invalid: return "agent_id_invalid";
    case Rejection::agent_exists: return "agent_exists";
    case Rejection::agent_not_found: return "agent_not_found";
    case Rejection::parent_not_found: return "parent_not_found";
    case Rejection::agent_tree_too_deep: return "agent_tree_too_deep";
    case Rejection::agent_suspended: return "agent_suspended";
    case Rejection::agent_already_suspended: return "agent_already_suspended";
    case Rejection::agent_not_suspended: return "agent_not_suspended";
    case Rejection::price_invalid: return "price_invalid";
    case Rejection::price_unchanged: return "price_unchanged";
    case Rejection::level_invalid: return "level_invalid";
    case Rejection::agent_traffic_exhausted: return "agent_traffic_exhausted";
    case Rejection::agent_prepayment_insufficient: return "agent_prepayment_insufficient";
    case Rejection::parent_traffic_insufficient: return "parent_traffic_insufficient";
    case Rejection::agent_price_unset: return "agent_price_unset";
    case Rejection::minutes_invalid: return "minutes_invalid";
    case Rejection::deposit_insufficient: return "deposit_insufficient";
    case Rejection::reason_required: return "reason_required";
    case Rejection::credit_invalid: return "credit_invalid";
    case Rejection::principal_name_invalid: return "principal_name_invalid";
    case Rejection::principal_exists: return "principal_exists";
    case Rejection::principal_not_found: return "principal_not_found";
    case Rejection::principal_agent_mismatch: return "principal_agent_mismatch";
    case Rejection::password_hash_invalid: return "password_hash_invalid";
    case Rejection::card_count_invalid: return "card_count_invalid";
    case Rejection::card_expiry_invalid: return "card_expiry_invalid";
    case Rejection::card_plan_invalid: return "card_plan_invalid";
    case Rejection::card_key_missing: return "card_key_missing";
    case Rejection::card_serials_exhausted: return "card_serials_exhausted";
    case Rejection::card_batch_not_found: return "card_batch_not_found";
    case Rejection::card_range_invalid: return "card_range_invalid";
    case Rejection::cards_already_voided: return "cards_already_voided";
    case Rejection::card_not_found: return "card_not_found";
    case Rejection::card_pin_invalid: return "card_pin_invalid";
    case Rejection::card_locked: return "card_locked";
    case Rejection::card_already_redeemed: return "card_already_redeemed";
    case Rejection::card_expired: return "card_expired";
    case Rejection::card_voided: return "card_voided";
    case Rejection::card_kind_mismatch: return "card_kind_mismatch";
    case Rejection::card_agent_mismatch: return "card_agent_mismatch";
    case Rejection::transfer_target_invalid: return "transfer_target_invalid";
    case Rejection::transfer_agent_mismatch: return "transfer_agent_mismatch";
    case Rejection::consent_required: return "consent_required";
    case Rejection::agent_unchanged: return "agent_unchanged";
    case Rejection::contract_id_invalid: return "contract_id_invalid";
    case Rejection::contract_exists: return "contract_exists";
    case Rejection::contract_not_found: return "contract_not_found";
    case Rejection::contract_terms_invalid: return "contract_terms_invalid";
    case Rejection::date_invalid: return "date_invalid";
    case Rejection::last_service_day_required: return "last_service_day_required";
  }
  return "unknown";
}

}  // namespace huawu
