#pragma once
// Agents projection (issue 4, clauses B3.1 and 4.1): the tree of agents under
// the provider, each agent's wholesale price and suspension, the provider's
// price per level, and how many users each agent has bound.
//
// The tree only grows: an agent is added under an agent that exists, one
// level below it, so the tree can have no cycle and every level is its
// parent's plus one (checked on every event, and as a whole invariant).
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "events/event.h"
#include "projections/agent_funds.h"

namespace huawu {

struct AgentState {
  std::string parent;  // empty: the provider
  std::string name;
  std::uint32_t level = 1;
  std::int64_t price_units_per_minute = 0;  // its own price; 0: the level's
  bool suspended = false;
  std::string suspend_reason;
  std::uint64_t added_sequence = 0;
  bool operator==(const AgentState&) const = default;
};

// An agent id: an account-id-like token other than the word "provider",
// which names the root of the tree on the command line.
bool is_valid_agent_id(std::string_view id);

// Wholesale prices: CNY units per minute, 0 (none) up to rate_price_fen_max fen.
bool is_valid_wholesale_price(std::int64_t price_units_per_minute);

// Why an agent event cannot follow: `current` is the agent's state before it
// (null: not added yet); for AgentAdded, `parent` is the named parent's state
// (null: the provider when the event names none, else not found). nullptr
// when it can. The one statement of the per-agent rules: the projection
// asserts it, the writer's overlay uses it too.
const char* agent_event_problem(const AgentState* current, const AgentState* parent, const Event& event);

// Applies an agent event (AgentAdded, AgentPriceSet, AgentSuspended,
// AgentResumed) to the agent's state.
void apply_to_agent(AgentState& agent, std::uint64_t sequence, const Event& event);

// The agent a tree event (AgentAdded, AgentPriceSet, AgentSuspended,
// AgentResumed) is about, or empty. Money events are funds_update's.
std::string_view agent_of(const Payload& payload);

// One agent's own users' calls on one day (China time): what `huawu stats`
// and the tree's month figures add up.
struct AgentDayFigures {
  std::int64_t calls = 0;           // settled calls (unanswered ones too)
  std::int64_t billed_seconds = 0;
  std::int64_t revenue_units = 0;   // retail: what the users were charged
  // Sum of billed seconds x the agent's wholesale price per minute at the
  // time: 60 x the wholesale cost in units, exact; divide once per period.
  std::int64_t wholesale_cost_x60 = 0;
  bool operator==(const AgentDayFigures&) const = default;
  // The wholesale cost of a period in units: the exact sum / 60, rounded half up once.
  std::int64_t wholesale_cost_units() const { return (wholesale_cost_x60 + 30) / 60; }
  std::int64_t margin_units() const { return revenue_units - wholesale_cost_units(); }
  AgentDayFigures& operator+=(const AgentDayFigures& o) {
    calls += o.calls;
    billed_seconds += o.billed_seconds;
    revenue_units += o.revenue_units;
    wholesale_cost_x60 += o.wholesale_cost_x60;
    return *this;
  }
};

// Days are counted from 1970-01-01 in China time (UTC+8).
std::int32_t china_day_number(std::int64_t utc_us);

class Agents final {
 public:
  // `call` says what a call event means for its user's agent (LedgerState
  // works it out from the accounts and holds); ignored for other events.
  const char* problem(const Event& event, const CallTraffic& call = {}) const;
  // The only mutation. Asserts problem(event, call) == nullptr (always on).
  void apply(std::uint64_t sequence, const Event& event, const CallTraffic& call = {});

  const AgentState* find(std::string_view agent) const;
  const AgentState* find_agent(std::string_view agent) const { return find(agent); }
  // Null for an agent never added (an agent that exists has funds, maybe all 0).
  const AgentFunds* agent_funds(std::string_view agent) const;
  // The provider's price for a level, 0 when it set none.
  std::int64_t level_price_units(std::uint32_t level) const;
  // The price an agent buys at: its own, else its level's; 0: none.
  std::int64_t effective_price_units(const AgentState& agent) const;
  // Direct sub-agents, in id order ("" for the provider's level-1 agents).
  const std::set<std::string, std::less<>>& children(std::string_view parent) const;
  // Users opened bound to the agent (open or closed since).
  std::uint64_t bound_users(std::string_view agent) const;
  // The agent's own users' calls per China-time day in [first_day, last_day].
  template <class Fn>  // Fn(std::int32_t day, const AgentDayFigures&), in day order
  void for_each_day(std::string_view agent, std::int32_t first_day, std::int32_t last_day, Fn&& fn) const {
    auto it = agents_.find(agent);
    if (it == agents_.end()) return;
    for (auto d = it->second.days.lower_bound(first_day); d != it->second.days.end() && d->first <= last_day; ++d)
      fn(d->first, d->second);
  }
  std::size_t size() const { return agents_.size(); }

  template <class Fn>  // Fn(const std::string& id, const AgentState&), in id order
  void for_each(Fn&& fn) const {
    for (const auto& [id, entry] : agents_) fn(id, entry.state);
  }
  template <class Fn>  // Fn(level, price units), in level order
  void for_each_level_price(Fn&& fn) const {
    for (const auto& [level, price] : level_prices_) fn(level, price);
  }

  // The tree's shape: every parent exists, every level is its parent's plus
  // one, children and bound-user counts agree with the agents.
  bool check_invariants(std::string* why) const;

  // Layout: u64 agent count, per agent in id order: str id, str parent,
  // str name, u64 level, i64 price, u8 suspended, str reason, u64 added seq,
  // u64 bound users, then its funds as 9 i64 in AgentFunds order, then u64
  // day count and per day in order: i64 day, 4 i64 in AgentDayFigures order; then u64
  // level count, per level in order: u64 level, i64 price. Children are
  // derived.
  void serialize(std::string& out) const;
  bool deserialize(std::string_view bytes, std::string* why);

 private:
  // problem(), with the funds the event leaves (FundsUpdate) for apply().
  const char* check(const Event& event, const CallTraffic& call, std::array<FundsUpdate, 2>& updates,
                    std::size_t* count) const;

  struct Entry {
    AgentState state;
    std::uint64_t bound_users = 0;
    AgentFunds funds;
    std::map<std::int32_t, AgentDayFigures> days;
  };
  std::map<std::string, Entry, std::less<>> agents_;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> children_;
  std::map<std::uint32_t, std::int64_t> level_prices_;
};

}  // namespace huawu
