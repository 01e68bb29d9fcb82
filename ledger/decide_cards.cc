// decide for cards, closing and transfers (issue 5, clauses A2.3, A2.4,
// B2.2 and 6.3): issuing and voiding batches, activating account cards,
// redeeming vouchers exactly once, the brute-force guard on PINs, closing an
// account with its balance refunded, transferred or forfeited, and moving a
// user to another agent with written consent.
//
// The order of the card checks is deliberate: until the PIN is right, the
// only answers are card_not_found, card_locked and card_pin_invalid, so a
// guess learns nothing about a card (its kind, agent, state) it cannot use.
#include "events/card_number.h"
#include "events/ids.h"
#include "events/limits.h"
#include "ledger/decide.h"

namespace huawu {

namespace {

// A failed attempt, recorded: it counts towards the lock (except card_locked itself).
Decision failed_attempt(Event event, std::uint64_t serial, const std::string& account, CardKind kind,
                        Rejection reason) {
  event.payload = CardRedemptionFailed{serial, account, kind, std::string(rejection_name(reason))};
  return accept(std::move(event));
}

bool locked(const DecideView& view, std::uint64_t serial, std::string_view account, std::int64_t now_us) {
  const CardPolicy& policy = view.card_policy();
  const std::int64_t from_us = now_us - policy.pin_window_seconds * 1'000'000;
  const CardFailures* of_card = serial != 0 ? view.card_failures(serial) : nullptr;
  const CardFailures* of_account = account.empty() ? nullptr : view.account_card_failures(account);
  return (of_card && of_card->count_since(from_us) >= policy.pin_failures_max) ||
         (of_account && of_account->count_since(from_us) >= policy.pin_failures_max);
}

// The card a number names: its serial and batch, or a null batch.
struct FoundCard {
  std::uint64_t serial = 0;
  const CardBatchState* batch = nullptr;
};

FoundCard find_card(const DecideView& view, std::string_view number) {
  const auto parsed = parse_card_number(number);
  if (!parsed) return {};
  const CardBatchState* batch = view.card_batch_of_serial(parsed->serial);
  // The kind digit is part of the number: a number whose digit is not its batch's names no card.
  if (!batch || batch->issued.kind != parsed->kind) return {};
  return FoundCard{parsed->serial, batch};
}

// The checks every use of a card shares, after its PIN: what it is for and its state.
Rejection usable(const DecideView& view, const FoundCard& card, CardKind kind, std::int64_t now_us) {
  if (card.batch->issued.kind != kind) return Rejection::card_kind_mismatch;
  // A used card says so first (the answer names when and where), even once voided or expired.
  if (view.find_card_use(card.serial)) return Rejection::card_already_redeemed;
  if (card.batch->void_of(card.serial)) return Rejection::card_voided;
  if (card.batch->expired_at(now_us)) return Rejection::card_expired;
  return Rejection::none;
}

}  // namespace

Decision decide_card(const DecideView& view, const IssueCards& c, Event event) {
  if (!is_valid_agent_id(c.agent)) return reject(Rejection::agent_id_invalid);
  if (!view.find_agent(c.agent)) return reject(Rejection::agent_not_found);
  if (c.count == 0 || c.count > limits::card_batch_count_max) return reject(Rejection::card_count_invalid);
  if (Rejection r = check_amount(c.face_units); r != Rejection::none) return reject(r);
  if (!c.rate_plan.empty()) {
    if (c.kind != CardKind::account) return reject(Rejection::card_plan_invalid);
    if (!is_valid_account_id(c.rate_plan) || !view.find_rate_plan(c.rate_plan))
      return reject(Rejection::rate_plan_not_found);
  }
  if (c.expires_at_us != 0 && c.expires_at_us <= event.ledger_time_us) return reject(Rejection::card_expiry_invalid);
  const CardKey* key = view.card_key();
  if (!key) return reject(Rejection::card_key_missing);
  const std::uint64_t first_serial = view.next_card_serial();
  if (first_serial + c.count - 1 > card_serial_max) return reject(Rejection::card_serials_exhausted);
  event.payload = CardBatchIssued{card_batch_id(view.card_batches_issued() + 1), c.agent, c.kind, c.count,
                                  first_serial, c.face_units, c.rate_plan, c.expires_at_us, key->id};
  return accept(std::move(event));
}

Decision decide_card(const DecideView& view, const VoidCards& c, Event event) {
  const CardBatchState* batch = view.find_card_batch(c.batch);
  if (!batch) return reject(Rejection::card_batch_not_found);
  std::uint64_t first = c.first_serial, last = c.last_serial;
  if (first == 0 && last == 0) {
    first = batch->issued.first_serial;
    last = batch->last_serial();
  }
  if (first > last || !batch->contains(first) || !batch->contains(last)) return reject(Rejection::card_range_invalid);
  if (!is_valid_text(c.reason, limits::reference_length_max)) return reject(Rejection::text_invalid);
  if (batch->all_voided(first, last)) return reject(Rejection::cards_already_voided);
  event.payload = CardsVoided{c.batch, first, last, c.reason};
  return accept(std::move(event));
}

Decision decide_card(const DecideView& view, const ActivateCard& c, Event event) {
  const std::int64_t now_us = event.ledger_time_us;
  const FoundCard card = find_card(view, c.number);
  if (locked(view, card.serial, {}, now_us))
    return failed_attempt(std::move(event), card.serial, {}, CardKind::account, Rejection::card_locked);
  if (!card.batch) return failed_attempt(std::move(event), 0, {}, CardKind::account, Rejection::card_not_found);
  const CardKey* key = view.card_key();
  if (!key || key->id != card.batch->issued.key_id) return reject(Rejection::card_key_missing);
  if (!card_pin_matches(*key, card.serial, c.pin))
    return failed_attempt(std::move(event), card.serial, {}, CardKind::account, Rejection::card_pin_invalid);
  if (Rejection r = usable(view, card, CardKind::account, now_us); r != Rejection::none) return reject(r);
  // The card number is the new account's id (clause B2.2: the user registers with the card).
  const CardBatchIssued& batch = card.batch->issued;
  if (view.find_account(c.number)) return reject(Rejection::account_exists);
  Decision decision;
  Event opened = event;
  opened.payload = AccountOpened{c.number, batch.rate_plan, 0, batch.agent};
  decision.events.push_back(std::move(opened));
  event.postings = cash_to_wallet(c.number, batch.face_units);
  event.payload = CardRedeemed{card.serial, batch.batch, c.number, CardKind::account, batch.face_units, batch.face_units};
  decision.events.push_back(std::move(event));
  return decision;
}

Decision decide_card(const DecideView& view, const RedeemCard& c, Event event) {
  const AccountState* account = nullptr;
  if (Rejection r = check_open_account(view, c.account, &account); r != Rejection::none) return reject(r);
  const std::int64_t now_us = event.ledger_time_us;
  const FoundCard card = find_card(view, c.number);
  if (locked(view, card.serial, c.account, now_us))
    return failed_attempt(std::move(event), card.serial, c.account, CardKind::recharge, Rejection::card_locked);
  if (!card.batch)
    return failed_attempt(std::move(event), 0, c.account, CardKind::recharge, Rejection::card_not_found);
  const CardKey* key = view.card_key();
  if (!key || key->id != card.batch->issued.key_id) return reject(Rejection::card_key_missing);
  if (!card_pin_matches(*key, card.serial, c.pin))
    return failed_attempt(std::move(event), card.serial, c.account, CardKind::recharge, Rejection::card_pin_invalid);
  const CardBatchIssued& batch = card.batch->issued;
  if (batch.kind == CardKind::recharge && !in_subtree(view.agents(), account->agent, batch.agent))
    return reject(Rejection::card_agent_mismatch);
  if (Rejection r = usable(view, card, CardKind::recharge, now_us); r != Rejection::none) return reject(r);
  // Bounded far below INT64_MAX (limits.h): the sum is exact.
  const std::int64_t after_units = account->total_units() + batch.face_units;
  if (after_units > limits::balance_units_max) return reject(Rejection::balance_limit_exceeded);
  event.postings = cash_to_wallet(c.account, batch.face_units);
  event.payload = CardRedeemed{card.serial, batch.batch, c.account, CardKind::recharge, batch.face_units, after_units};
  return accept(std::move(event));
}

Decision decide_card(const DecideView& view, const TransferAccount& c, Event event) {
  const AccountState* account = nullptr;
  if (Rejection r = check_open_account(view, c.account, &account); r != Rejection::none) return reject(r);
  // Empty: to the provider's own users.
  if (!c.to_agent.empty()) {
    if (!is_valid_agent_id(c.to_agent)) return reject(Rejection::agent_id_invalid);
    if (!view.find_agent(c.to_agent)) return reject(Rejection::agent_not_found);
  }
  if (c.to_agent == account->agent) return reject(Rejection::agent_unchanged);
  if (c.consent_reference.empty()) return reject(Rejection::consent_required);
  if (!is_valid_text(c.consent_reference, limits::reference_length_max)) return reject(Rejection::text_invalid);
  // An agent's pool reserves seconds for its users' calls in progress: they settle first.
  if (account->held_units > 0) return reject(Rejection::account_has_holds);
  event.payload = AccountTransferred{c.account, account->agent, c.to_agent, c.consent_by, c.consent_reference};
  return accept(std::move(event));
}

Decision decide_close(const DecideView& view, const CloseAccount& c, Event event) {
  const AccountState* account = nullptr;
  if (Rejection r = check_open_account(view, c.account, &account); r != Rejection::none) return reject(r);
  // Calls in progress hold money: the account closes once they are settled.
  if (account->held_units > 0) return reject(Rejection::account_has_holds);
  if (!is_valid_text(c.reference, limits::reference_length_max)) return reject(Rejection::text_invalid);
  const std::int64_t remaining_units = account->balance_units;
  AccountClosed closed{c.account, remaining_units, BalanceDisposition::none, {}, {}};
  if (remaining_units > 0) {
    switch (c.disposition) {
      case CloseDisposition::none: return reject(Rejection::account_has_balance);
      case CloseDisposition::refund:
        // The refund leaves the system: wallet -> external cash.
        event.postings = cash_to_wallet(c.account, -remaining_units);
        closed.disposition = BalanceDisposition::refunded;
        closed.reference = c.reference;
        break;
      case CloseDisposition::transfer: {
        if (c.transfer_to == c.account || !is_valid_account_id(c.transfer_to))
          return reject(Rejection::transfer_target_invalid);
        const AccountState* receiving = view.find_account(c.transfer_to);
        if (!receiving || receiving->status != AccountStatus::open) return reject(Rejection::transfer_target_invalid);
        if (receiving->agent != account->agent) return reject(Rejection::transfer_agent_mismatch);
        if (receiving->total_units() + remaining_units > limits::balance_units_max)
          return reject(Rejection::balance_limit_exceeded);
        event.postings = {Posting{LedgerAccountKind::user_wallet, c.account, Unit::cny_units, -remaining_units},
                          Posting{LedgerAccountKind::user_wallet, c.transfer_to, Unit::cny_units, remaining_units}};
        closed.disposition = BalanceDisposition::transferred;
        closed.transfer_to = c.transfer_to;
        break;
      }
      case CloseDisposition::forfeit:
        event.postings = {Posting{LedgerAccountKind::user_wallet, c.account, Unit::cny_units, -remaining_units},
                          Posting{LedgerAccountKind::forfeited_balances, account->agent, Unit::cny_units,
                                  remaining_units}};
        closed.disposition = BalanceDisposition::forfeited;
        break;
    }
  }
  event.payload = std::move(closed);
  return accept(std::move(event));
}

}  // namespace huawu
