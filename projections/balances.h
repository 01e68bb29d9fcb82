#pragma once
// Balances projection: user accounts (status, rate plan, wallet balance) and
// every other ledger account that postings touch (external cash, …).
// Derived only from events through apply(); rebuilt from sequence 1 it is
// byte-identical to the live one (see serialize()).
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "events/event.h"

namespace huawu {

enum class AccountStatus : std::uint8_t { open = 0, closed = 1 };

struct AccountState {
  AccountStatus status = AccountStatus::open;
  std::string rate_plan;
  std::string agent;  // the agent the user is bound to; empty: the provider's own user
  // The user_wallet ledger account, CNY units: what the user can spend now
  // (the available balance). Money held for authorized calls is not in it.
  std::int64_t balance_units = 0;
  std::int64_t held_units = 0;   // the user_hold ledger account: held for calls in progress
  std::int64_t owed_units = 0;   // minus the user_arrears ledger account: unpaid call cost
  std::uint64_t opened_sequence = 0;
  std::uint64_t closed_sequence = 0;  // 0 while open
  bool operator==(const AccountState&) const = default;
  // What the user has: available plus held (what a statement shows as the balance).
  std::int64_t total_units() const { return balance_units + held_units; }
};

// Why `event` cannot follow `current` (null: the account was never opened),
// or nullptr when it can. The one statement of the per-account rules: apply
// asserts it, replay and audit report it as a finding.
const char* account_event_problem(const AccountState* current, const Event& event);

// Applies one event's effect on one user account (`existed`: the account was
// open or closed before; false for the event that opens it). Shared by the
// projection and by the writer's batch overlay, so both follow one rule.
void apply_to_account(AccountState& account, bool existed, std::uint64_t sequence,
                      const Event& event);

// The user account an event is about, or empty for ledger-wide events.
std::string_view account_of(const Payload& payload);

// The second account an event moves money into: a close that transfers its
// balance (issue 5) names the account receiving it; empty for every other event.
std::string_view receiving_account_of(const Payload& payload);

// Why the receiving account of a transferring close (`event`, of account
// `closing` as it was before) cannot take the balance, or nullptr: it is
// another open account of the same agent, and takes exactly the balance.
const char* receiving_account_problem(const AccountState* receiving, const AccountState& closing, const Event& event);
void apply_to_receiving_account(AccountState& receiving, const Event& event);

struct LedgerAccountKey {
  LedgerAccountKind kind;
  std::string owner;
  Unit unit;
  auto operator<=>(const LedgerAccountKey&) const = default;
};

class Balances {
 public:
  // Why the event cannot be applied to this state, or nullptr.
  const char* problem(const Event& event) const;
  // The only mutation. Asserts problem(event) == nullptr (always on).
  void apply(std::uint64_t sequence, const Event& event);

  const AccountState* find(std::string_view account) const;
  std::int64_t ledger_account_units(const LedgerAccountKey& key) const;

  std::uint64_t accounts_open() const { return accounts_open_; }
  std::uint64_t accounts_closed() const { return accounts_.size() - accounts_open_; }
  // Sum of all user wallet balances, and of all holds (CNY units).
  std::int64_t wallets_total_units() const { return wallets_total_units_; }
  std::int64_t held_total_units() const { return held_total_units_; }
  std::int64_t owed_total_units() const { return owed_total_units_; }

  // Checks the whole-state invariants: per unit, all ledger accounts and
  // wallets sum to zero; no wallet is negative. Sets *why on failure.
  bool check_invariants(std::string* why) const;

  void serialize(std::string& out) const;
  bool deserialize(std::string_view bytes, std::string* why);

  template <class Fn>  // Fn(const std::string& id, const AccountState&), unordered
  void for_each_account(Fn&& fn) const {
    for (const auto& [id, state] : accounts_) fn(id, state);
  }

 private:
  // Hashing by id keeps the hot path O(1); serialize() sorts for determinism.
  std::unordered_map<std::string, AccountState, StringHash, std::equal_to<>> accounts_;
  std::map<LedgerAccountKey, std::int64_t> ledger_accounts_;  // kinds not kept per user
  std::uint64_t accounts_open_ = 0;
  std::int64_t wallets_total_units_ = 0;
  std::int64_t held_total_units_ = 0;
  std::int64_t owed_total_units_ = 0;
};

}  // namespace huawu
