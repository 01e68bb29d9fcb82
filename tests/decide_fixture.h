#pragma once
// Deciding in tests as the writer does (ledger/writer.h): against one
// LedgerState that runs ahead, each decided event applied to it at once
// (checked first), with the billed calls the store would index kept in a
// map. And small LedgerState fixtures built from events, where a test needs
// an account in a given state (a balance just under the limit, a closed one).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "events/event.h"
#include "events/limits.h"
#include "ledger/decide.h"
#include "projections/ledger_state.h"

namespace huawu::test {

// The billed-call index, as a map (the writer's is the store plus its calls in flight).
class BilledMap final : public BilledCalls {
 public:
  std::optional<std::uint64_t> billed_at(std::string_view call_key) const override {
    auto it = calls.find(call_key);
    return it == calls.end() ? std::nullopt : std::optional<std::uint64_t>(it->second);
  }
  std::map<std::string, std::uint64_t, std::less<>> calls;
};

// Applies `event` as the next event of `state`, after checking it can be.
inline void apply_checked(LedgerState& state, const Event& event) {
  const std::uint64_t sequence = state.applied_through() + 1;
  const std::string problem = state.problem(sequence, event);
  INFO(payload_name(event.payload) << ": " << problem);
  REQUIRE(problem.empty());
  state.apply(sequence, event);
}

// The parts of an AheadView, built before its DecideView refers to them.
struct AheadParts {
  LedgerState ahead;
  DecideSettings settings;
  BilledMap billed;
};

// A DecideView over a state of its own that starts as a copy of `committed`
// and runs ahead as events are applied to it: the writer's view of a batch
// in flight, while `committed` (the follower's) is not touched.
class AheadView : private AheadParts, public DecideView {
 public:
  explicit AheadView(const LedgerState& committed = {}, DecideSettings decide_settings = {})
      : AheadParts{committed, std::move(decide_settings), {}}, DecideView(ahead, settings, billed) {}
  AheadView(const AheadView&) = delete;
  AheadView& operator=(const AheadView&) = delete;

  // Applies a decided event (with this sequence, the next one), remembering a billed call.
  void apply(std::uint64_t sequence, const Event& event) {
    REQUIRE(sequence == ahead.applied_through() + 1);
    apply_checked(ahead, event);
    if (const auto* settled = std::get_if<CallSettled>(&event.payload))
      billed.calls.insert_or_assign(call_key(settled->switch_id, settled->call_id), sequence);
  }
  // Decides and applies what was accepted.
  Decision commit(const Request& request, std::int64_t ledger_time_us) {
    Decision decision = decide(*this, request, ledger_time_us);
    for (const Event& event : decision.events) apply(ahead.applied_through() + 1, event);
    return decision;
  }
  const LedgerState& ahead_state() const { return ahead; }
  LedgerState& ahead_state() { return ahead; }
  std::map<std::string, std::uint64_t, std::less<>>& billed_calls() { return billed.calls; }
};

// A writer batch becomes durable: its events are applied to the committed
// state in order (each checked first), which then equals the state that ran
// ahead (`last_sequence` is the ahead state's last).
inline void commit_batch(LedgerState& committed, const AheadView& view, const std::vector<Event>& batch,
                         std::uint64_t last_sequence) {
  for (const Event& event : batch) apply_checked(committed, event);
  REQUIRE(committed.applied_through() == last_sequence);
  REQUIRE(view.ahead_state().applied_through() == last_sequence);
  CHECK(committed.serialize() == view.ahead_state().serialize());
}

// ---- LedgerState fixtures --------------------------------------------------------------

inline Event fixture_event(Payload payload, std::vector<Posting> postings = {}) {
  Event event;
  event.ledger_time_us = 1'735'660'800'000'000;  // 2025-01-01 00:00 UTC+8
  event.business_time_us = event.ledger_time_us;
  event.actor = "local:fixture";
  event.idempotency_key = "fixture";
  event.payload = std::move(payload);
  event.postings = std::move(postings);
  return event;
}

inline void fixture_created(LedgerState& state) {
  apply_checked(state, fixture_event(LedgerCreated{"telco-1", "Acme", "CNY", 8 * 60}));
}

// Opens `account` (on `plan`, bound to `agent`) with `balance_units`, in as
// many recharges as the amount limit needs.
inline void fixture_account(LedgerState& state, const std::string& account, std::int64_t balance_units,
                            const std::string& plan = "", const std::string& agent = "") {
  const std::int64_t initial = std::min(balance_units, limits::amount_units_max);
  apply_checked(state, fixture_event(AccountOpened{account, plan, initial, agent},
                                     initial == 0 ? std::vector<Posting>{} : cash_to_wallet(account, initial)));
  for (std::int64_t balance = initial; balance < balance_units;) {
    const std::int64_t amount = std::min(balance_units - balance, limits::amount_units_max);
    balance += amount;
    apply_checked(state, fixture_event(WalletRecharged{account, amount, "", balance}, cash_to_wallet(account, amount)));
  }
}

// A closed account, its balance (0) not moved.
inline void fixture_closed_account(LedgerState& state, const std::string& account) {
  fixture_account(state, account, 0);
  apply_checked(state, fixture_event(AccountClosed{account, 0, BalanceDisposition::none, {}, {}}));
}

}  // namespace huawu::test
