#pragma once
// Every projection of the ledger, applied together. Live operation and replay
// call the same apply(), so replay cannot drift from live behaviour.
#include <cstdint>
#include <string>
#include <string_view>

#include "events/event.h"
#include "projections/agents.h"
#include "projections/balances.h"
#include "projections/calls.h"
#include "projections/cards.h"
#include "projections/contracts.h"
#include "projections/ledger_info.h"
#include "projections/principals.h"
#include "projections/promotions.h"
#include "projections/rate_plans.h"
#include "projections/tickets.h"

namespace huawu {

// What a call event means for its user's agent (none for other events),
// from the account and the call's hold before the event. The projection and
// the writer's overlay both use it.
CallTraffic call_traffic_of(const Event& event, const AccountState* account, const HoldState* hold);

class LedgerState {
 public:
  // Why the event cannot be applied next with this sequence (a gap, time
  // going backwards, a rule of a projection), or an empty string. Replay and
  // audit report it; apply asserts it.
  std::string problem(std::uint64_t sequence, const Event& event) const;

  // Applies the event with the given sequence; the only mutation.
  void apply(std::uint64_t sequence, const Event& event);

  std::uint64_t applied_through() const { return applied_through_; }
  // Ledger time of the last applied event; ledger time never goes backwards.
  std::int64_t last_ledger_time_us() const { return last_ledger_time_us_; }
  const LedgerInfo& info() const { return info_; }
  const Balances& balances() const { return balances_; }
  const RatePlans& rate_plans() const { return rate_plans_; }
  const Calls& calls() const { return calls_; }
  const Agents& agents() const { return agents_; }
  const Principals& principals() const { return principals_; }
  const Cards& cards() const { return cards_; }
  const Contracts& contracts() const { return contracts_; }
  const Tickets& tickets() const { return tickets_; }
  const Promotions& promotions() const { return promotions_; }

  bool check_invariants(std::string* why) const;

  // Deterministic bytes of the whole state: equal states give equal bytes.
  // Used for checkpoints and for "rebuild equals live" comparisons.
  std::string serialize() const;
  bool deserialize(std::string_view bytes, std::string* why);

 private:
  // What a call event means for its user's agent, from the state before it.
  CallTraffic call_traffic_of(const Event& event) const;

  std::uint64_t applied_through_ = 0;
  std::int64_t last_ledger_time_us_ = 0;
  LedgerInfo info_;
  Balances balances_;
  RatePlans rate_plans_;
  Calls calls_;
  Agents agents_;
  Principals principals_;
  Cards cards_;
  Contracts contracts_;
  Tickets tickets_;
  Promotions promotions_;
};

}  // namespace huawu
