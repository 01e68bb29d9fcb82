#include "projections/balances.h"

#include <algorithm>
#include <vector>

#include "events/invariant.h"
#include "events/limits.h"
#include "events/bytes.h"

namespace huawu {

std::string_view account_of(const Payload& payload) {
  struct Of {
    std::string_view operator()(const LedgerCreated&) const { return {}; }
    std::string_view operator()(const AccountOpened& e) const { return e.account; }
    std::string_view operator()(const WalletRecharged& e) const { return e.account; }
    std::string_view operator()(const AccountClosed& e) const { return e.account; }
    std::string_view operator()(const RatePlanImported&) const { return {}; }
    std::string_view operator()(const CallAuthorized& e) const { return e.account; }
    std::string_view operator()(const CallSettled& e) const { return e.account; }
    // A refusal moves no money and may name an account that does not exist.
    std::string_view operator()(const CallRejected&) const { return {}; }
    std::string_view operator()(const HoldExpired& e) const { return e.account; }
    std::string_view operator()(const AgentAdded&) const { return {}; }
    std::string_view operator()(const AgentPriceSet&) const { return {}; }
    std::string_view operator()(const LevelPriceSet&) const { return {}; }
    std::string_view operator()(const AgentSuspended&) const { return {}; }
    std::string_view operator()(const AgentResumed&) const { return {}; }
    std::string_view operator()(const AgentPaymentRecorded&) const { return {}; }
    std::string_view operator()(const AgentDepositReleased&) const { return {}; }
    std::string_view operator()(const TrafficPurchased&) const { return {}; }
    std::string_view operator()(const AgentCreditSet&) const { return {}; }
    std::string_view operator()(const PrincipalAdded&) const { return {}; }
    std::string_view operator()(const PrincipalPasswordChanged&) const { return {}; }
    std::string_view operator()(const CardBatchIssued&) const { return {}; }
    std::string_view operator()(const CardsVoided&) const { return {}; }
    std::string_view operator()(const CardRedeemed& e) const { return e.account; }
    // A failed attempt moves no money and may name no account (an activation).
    std::string_view operator()(const CardRedemptionFailed&) const { return {}; }
    std::string_view operator()(const AccountTransferred& e) const { return e.account; }
    std::string_view operator()(const ContractSigned&) const { return {}; }
    std::string_view operator()(const NoticeSent&) const { return {}; }
    // A ticket names an account but moves nothing in it.
    std::string_view operator()(const ContractAmended&) const { return {}; }
    std::string_view operator()(const ObligationWaived&) const { return {}; }
    std::string_view operator()(const TicketOpened&) const { return {}; }
    std::string_view operator()(const TicketResponded&) const { return {}; }
    std::string_view operator()(const TicketClosed&) const { return {}; }
    std::string_view operator()(const PromotionRequested&) const { return {}; }
    std::string_view operator()(const PromotionApproved&) const { return {}; }
    std::string_view operator()(const PromotionRejected&) const { return {}; }
    std::string_view operator()(const PromotionWithdrawn&) const { return {}; }
    std::string_view operator()(const ObligationAlerted&) const { return {}; }
  };
  return std::visit(Of{}, payload);
}

std::string_view receiving_account_of(const Payload& payload) {
  const auto* closed = std::get_if<AccountClosed>(&payload);
  return closed && closed->disposition == BalanceDisposition::transferred ? std::string_view(closed->transfer_to)
                                                                          : std::string_view();
}

namespace {

// The three per-user ledger accounts after an event's postings.
struct UserAccounts {
  std::int64_t wallet_units = 0;
  std::int64_t held_units = 0;
  std::int64_t owed_units = 0;
};

// Adds the event's postings on user accounts of `id`; nullptr or why not.
// Postings of `other` (the other account of a transfer, or empty) are skipped.
const char* add_user_postings(std::string_view id, std::string_view other, const Event& event,
                              UserAccounts& accounts) {
  for (const Posting& posting : event.postings) {
    if (!is_user_account_kind(posting.kind)) continue;
    if (!other.empty() && posting.owner == other) continue;
    if (posting.owner != id) return "a user account posting names another account than the event";
    if (posting.unit != Unit::cny_units) return "a user account posting is not in CNY units";
    switch (posting.kind) {
      case LedgerAccountKind::user_wallet: accounts.wallet_units += posting.amount; break;
      case LedgerAccountKind::user_hold: accounts.held_units += posting.amount; break;
      default: accounts.owed_units -= posting.amount; break;  // user_arrears: owed is its negative
    }
  }
  return nullptr;
}

// What each event type claims about the accounts after it.
const char* claims_problem(const AccountState* current, const UserAccounts& after, const Event& event) {
  const std::int64_t total_units = after.wallet_units + after.held_units;
  if (const auto* opened = std::get_if<AccountOpened>(&event.payload)) {
    if (after.wallet_units != opened->initial_balance_units) return "opening postings differ from the initial balance";
  } else if (const auto* recharged = std::get_if<WalletRecharged>(&event.payload)) {
    if (total_units != recharged->balance_after_units) return "recharge postings differ from the balance after";
  } else if (const auto* closed = std::get_if<AccountClosed>(&event.payload)) {
    if (total_units != 0) return "a closed account would keep a balance or a hold";
    if (closed->remaining_balance_units != current->total_units()) return "a close names another balance than the account's";
    if ((closed->disposition == BalanceDisposition::none) != (closed->remaining_balance_units == 0))
      return "a close says nothing of a balance, or disposes of none";
  } else if (const auto* redeemed = std::get_if<CardRedeemed>(&event.payload)) {
    if (after.wallet_units - current->balance_units != redeemed->face_units) return "card postings differ from its face value";
    if (total_units != redeemed->balance_after_units) return "card postings differ from the balance after";
  } else if (const auto* transferred = std::get_if<AccountTransferred>(&event.payload)) {
    if (transferred->from_agent != current->agent || transferred->to_agent == current->agent)
      return "a transfer from another agent than the account's, or to the same one";
    if (current->held_units != 0) return "a transfer while calls hold money";
  } else if (const auto* authorized = std::get_if<CallAuthorized>(&event.payload)) {
    if (authorized->hold_units <= 0 || authorized->granted_seconds <= 0) return "an authorization without a hold";
    if (after.held_units - current->held_units != authorized->hold_units) return "hold postings differ from the hold";
    // Authorizations recorded before the field existed say 0, which no real
    // one can (the hold itself is at least one unit of the balance).
    if (authorized->balance_after_units != 0 && total_units != authorized->balance_after_units)
      return "an authorization's balance after differs from the postings";
  } else if (const auto* settled = std::get_if<CallSettled>(&event.payload)) {
    if (total_units != settled->balance_after_units) return "call postings differ from the balance after";
    if (settled->cost_units != settled->wallet_debit_units + settled->arrears_units || settled->arrears_units < 0 ||
        settled->wallet_debit_units < 0)
      return "a call's cost is not its wallet debit plus arrears";
    if (current->held_units - after.held_units != settled->released_units) return "released hold differs from postings";
    if (after.owed_units - current->owed_units != settled->arrears_units) return "arrears differ from postings";
  } else if (const auto* expired = std::get_if<HoldExpired>(&event.payload)) {
    if (current->held_units - after.held_units != expired->released_units || expired->released_units <= 0)
      return "released hold differs from postings";
  }
  return nullptr;
}

}  // namespace

const char* account_event_problem(const AccountState* current, const Event& event) {
  const std::string_view id = account_of(event.payload);
  const bool opening = std::holds_alternative<AccountOpened>(event.payload);
  if (opening && current) return "account opened twice";
  if (!opening && !current) return "event for an account never opened";
  if (current && current->status == AccountStatus::closed) return "event for a closed account";
  if (!postings_balance(event.postings)) return "postings do not sum to zero per unit";
  // postings_balance bounds each amount by balance_units_max and their number
  // by postings_per_event_max, so these sums cannot overflow.
  UserAccounts after;
  if (current) after = UserAccounts{current->balance_units, current->held_units, current->owed_units};
  if (const char* why = add_user_postings(id, receiving_account_of(event.payload), event, after)) return why;
  if (after.wallet_units < 0) return "a prepaid wallet would go below zero";
  if (after.held_units < 0) return "a hold would go below zero";
  if (after.owed_units < 0) return "arrears would go below zero";
  if (after.wallet_units + after.held_units > limits::balance_units_max)
    return "a wallet would pass the balance limit";
  if (after.owed_units > limits::balance_units_max) return "arrears would pass the balance limit";
  return claims_problem(current, after, event);
}

void apply_to_account(AccountState& account, bool existed, std::uint64_t sequence,
                      const Event& event) {
  const char* problem = account_event_problem(existed ? &account : nullptr, event);
  HUAWU_ASSERT(problem == nullptr, problem);
  UserAccounts after{account.balance_units, account.held_units, account.owed_units};
  add_user_postings(account_of(event.payload), receiving_account_of(event.payload), event, after);
  account.balance_units = after.wallet_units;
  account.held_units = after.held_units;
  account.owed_units = after.owed_units;
  if (const auto* opened = std::get_if<AccountOpened>(&event.payload)) {
    account.status = AccountStatus::open;
    account.rate_plan = opened->rate_plan;
    account.agent = opened->agent;
    account.opened_sequence = sequence;
  } else if (std::holds_alternative<AccountClosed>(event.payload)) {
    account.status = AccountStatus::closed;
    account.closed_sequence = sequence;
  } else if (const auto* transferred = std::get_if<AccountTransferred>(&event.payload)) {
    account.agent = transferred->to_agent;
  }
}

const char* receiving_account_problem(const AccountState* receiving, const AccountState& closing, const Event& event) {
  const auto& closed = std::get<AccountClosed>(event.payload);
  if (closed.transfer_to == closed.account) return "a balance transferred to the account itself";
  if (!receiving || receiving->status != AccountStatus::open) return "a balance transferred to an account not open";
  if (receiving->agent != closing.agent) return "a balance transferred to another agent's user";
  UserAccounts after{receiving->balance_units, receiving->held_units, receiving->owed_units};
  if (const char* why = add_user_postings(closed.transfer_to, closed.account, event, after)) return why;
  if (after.held_units != receiving->held_units || after.owed_units != receiving->owed_units ||
      after.wallet_units - receiving->balance_units != closed.remaining_balance_units)
    return "transfer postings differ from the balance moved";
  if (after.wallet_units + after.held_units > limits::balance_units_max) return "a wallet would pass the balance limit";
  return nullptr;
}

void apply_to_receiving_account(AccountState& receiving, const Event& event) {
  receiving.balance_units += std::get<AccountClosed>(event.payload).remaining_balance_units;
}

const char* Balances::problem(const Event& event) const {
  const std::string_view id = account_of(event.payload);
  if (id.empty()) {
    for (const Posting& posting : event.postings)
      if (is_user_account_kind(posting.kind)) return "a user account posting on a ledger-wide event";
    return postings_balance(event.postings) ? nullptr : "postings do not sum to zero per unit";
  }
  const AccountState* account = find(id);
  if (const char* why = account_event_problem(account, event)) return why;
  if (receiving_account_of(event.payload).empty()) return nullptr;
  return receiving_account_problem(find(receiving_account_of(event.payload)), *account, event);
}

void Balances::apply(std::uint64_t sequence, const Event& event) {
  const std::string_view id = account_of(event.payload);
  if (id.empty()) {
    const char* why = problem(event);
    HUAWU_ASSERT(why == nullptr, why);
  } else {
    // apply_to_account asserts the account rules (account_event_problem).
    auto it = accounts_.find(id);
    const bool existed = it != accounts_.end();
    if (!existed) it = accounts_.emplace(std::string(id), AccountState{}).first;
    AccountState& account = it->second;
    // Only the numbers: copying the whole state would allocate on every event.
    const std::int64_t wallet_before = account.balance_units, held_before = account.held_units,
                       owed_before = account.owed_units;
    const AccountStatus status_before = account.status;
    apply_to_account(account, existed, sequence, event);
    wallets_total_units_ += account.balance_units - wallet_before;
    held_total_units_ += account.held_units - held_before;
    owed_total_units_ += account.owed_units - owed_before;
    if (!existed) ++accounts_open_;
    if (existed && status_before == AccountStatus::open && account.status == AccountStatus::closed)
      --accounts_open_;
    if (const std::string_view receiving_id = receiving_account_of(event.payload); !receiving_id.empty()) {
      auto receiving = accounts_.find(receiving_id);
      HUAWU_ASSERT(receiving != accounts_.end(), "a balance transferred to an account never opened");
      const char* why = receiving_account_problem(&receiving->second, account, event);
      HUAWU_ASSERT(why == nullptr, why);
      apply_to_receiving_account(receiving->second, event);
      wallets_total_units_ += std::get<AccountClosed>(event.payload).remaining_balance_units;
    }
  }
  for (const Posting& posting : event.postings) {
    if (is_user_account_kind(posting.kind)) continue;
    ledger_accounts_[LedgerAccountKey{posting.kind, posting.owner, posting.unit}] += posting.amount;
  }
}

const AccountState* Balances::find(std::string_view account) const {
  auto it = accounts_.find(account);
  return it == accounts_.end() ? nullptr : &it->second;
}

std::int64_t Balances::ledger_account_units(const LedgerAccountKey& key) const {
  if (is_user_account_kind(key.kind)) {
    const AccountState* account = find(key.owner);
    if (!account || key.unit != Unit::cny_units) return 0;
    if (key.kind == LedgerAccountKind::user_wallet) return account->balance_units;
    if (key.kind == LedgerAccountKind::user_hold) return account->held_units;
    return -account->owed_units;
  }
  auto it = ledger_accounts_.find(key);
  return it == ledger_accounts_.end() ? 0 : it->second;
}

bool Balances::check_invariants(std::string* why) const {
  std::array<std::int64_t, unit_count> sum{};
  std::int64_t wallets = 0, held = 0, owed = 0;
  std::uint64_t open = 0;
  for (const auto& [id, account] : accounts_) {
    if (account.balance_units < 0 || account.held_units < 0 || account.owed_units < 0) {
      *why = "account " + id + " has a negative wallet, hold or arrears";
      return false;
    }
    if (account.status == AccountStatus::closed && account.total_units() != 0) {
      *why = "closed account " + id + " keeps money";
      return false;
    }
    wallets += account.balance_units;
    held += account.held_units;
    owed += account.owed_units;
    if (account.status == AccountStatus::open) ++open;
  }
  sum[static_cast<std::size_t>(Unit::cny_units)] += wallets + held - owed;
  for (const auto& [key, units] : ledger_accounts_) sum[static_cast<std::size_t>(key.unit)] += units;
  for (std::size_t unit = 0; unit < unit_count; ++unit) {
    if (sum[unit] != 0) {
      *why = "ledger accounts of unit " + std::to_string(unit) + " sum to " +
             std::to_string(sum[unit]) + ", not zero";
      return false;
    }
  }
  if (wallets != wallets_total_units_ || held != held_total_units_ || owed != owed_total_units_ ||
      open != accounts_open_) {
    *why = "running totals disagree with the accounts";
    return false;
  }
  return true;
}

// Layout: u64 account count, then per account sorted by id: str id, u8 status,
// str rate plan, str agent, i64 balance, i64 held, i64 owed, u64 opened seq, u64 closed seq; then u64 ledger
// account count and per ledger account in key order: u8 kind, str owner,
// u8 unit, i64 units.
void Balances::serialize(std::string& out) const {
  std::vector<const std::pair<const std::string, AccountState>*> sorted;
  sorted.reserve(accounts_.size());
  for (const auto& entry : accounts_) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  ByteWriter w;
  w.u64(sorted.size());
  for (const auto* entry : sorted) {
    const AccountState& a = entry->second;
    w.str(entry->first);
    w.u8(static_cast<std::uint8_t>(a.status));
    w.str(a.rate_plan);
    w.str(a.agent);
    w.i64(a.balance_units);
    w.i64(a.held_units);
    w.i64(a.owed_units);
    w.u64(a.opened_sequence);
    w.u64(a.closed_sequence);
  }
  w.u64(ledger_accounts_.size());
  for (const auto& [key, units] : ledger_accounts_) {
    w.u8(static_cast<std::uint8_t>(key.kind));
    w.str(key.owner);
    w.u8(static_cast<std::uint8_t>(key.unit));
    w.i64(units);
  }
  out.append(w.bytes());
}

bool Balances::deserialize(std::string_view bytes, std::string* why) {
  ByteReader r(bytes);
  *this = Balances{};
  // Canonical only: ids strictly increasing, so equal states have one image.
  const std::uint64_t accounts = r.u64();
  std::string previous_id;
  for (std::uint64_t i = 0; i < accounts && !r.failed(); ++i) {
    std::string id = r.str();
    if (i > 0 && id <= previous_id) {
      *why = "balances snapshot: account ids not strictly increasing";
      return false;
    }
    previous_id = id;
    AccountState a;
    const std::uint8_t status = r.u8();
    a.status = status == 0 ? AccountStatus::open : AccountStatus::closed;
    a.rate_plan = r.str();
    a.agent = r.str();
    a.balance_units = r.i64();
    a.held_units = r.i64();
    a.owed_units = r.i64();
    a.opened_sequence = r.u64();
    a.closed_sequence = r.u64();
    if (status > 1) {
      *why = "balances snapshot: bad account status";
      return false;
    }
    if (a.status == AccountStatus::open) ++accounts_open_;
    wallets_total_units_ += a.balance_units;
    held_total_units_ += a.held_units;
    owed_total_units_ += a.owed_units;
    accounts_.emplace(std::move(id), std::move(a));
  }
  const std::uint64_t ledger_accounts = r.u64();
  for (std::uint64_t i = 0; i < ledger_accounts && !r.failed(); ++i) {
    const std::uint8_t kind = r.u8();
    std::string owner = r.str();
    const std::uint8_t unit = r.u8();
    const std::int64_t units = r.i64();
    // Per-user ledger accounts live in the accounts section, never here.
    if (kind > ledger_account_kind_max || is_user_account_kind(static_cast<LedgerAccountKind>(kind)) ||
        unit >= unit_count) {
      *why = "balances snapshot: bad ledger account";
      return false;
    }
    LedgerAccountKey key{static_cast<LedgerAccountKind>(kind), std::move(owner),
                         static_cast<Unit>(unit)};
    if (!ledger_accounts_.empty() && !(ledger_accounts_.rbegin()->first < key)) {
      *why = "balances snapshot: ledger accounts not strictly increasing";
      return false;
    }
    ledger_accounts_.emplace_hint(ledger_accounts_.end(), std::move(key), units);
  }
  if (r.failed() || !r.at_end()) {
    *why = "balances snapshot: truncated or trailing bytes";
    return false;
  }
  return check_invariants(why);
}

}  // namespace huawu
