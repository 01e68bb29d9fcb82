#pragma once
// An agent's money and traffic with its parent (issue 4, clauses 4.1 and
// B3.7): the prepaid traffic pool in seconds, seconds reserved by its users'
// calls in progress, the prepaid account (paid in for traffic minus traffic
// bought), the security deposit, and the credit its parent allows.
//
// The one statement of how each agent money event and each call of an
// agent's user moves money and seconds: decide builds postings with
// agent_event_postings() and call_traffic_postings(), and funds_update() checks
// an event against the funds before it and gives the funds after it, for the
// projection and for the writer's overlay alike.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.h"

namespace huawu {

struct AgentState;

struct AgentFunds {
  std::int64_t pool_seconds = 0;       // traffic_pool: bought and not used (below 0: overdraft)
  std::int64_t reserved_seconds = 0;   // billable seconds granted to its users' calls in progress
  std::int64_t deposit_units = 0;      // agent_deposit: held by the parent
  std::int64_t credit_line_units = 0;  // how far below 0 purchases may take prepaid_units()
  std::int64_t overdraft_seconds = 0;  // how far below 0 authorizations may take the pool
  // Running totals, for the tree and statements.
  std::int64_t paid_traffic_units = 0;  // traffic payments recorded
  std::int64_t bought_units = 0;        // traffic purchases, at their prices
  std::int64_t bought_seconds = 0;
  std::int64_t used_seconds = 0;        // billed seconds of its users' calls
  bool operator==(const AgentFunds&) const = default;
  // agent_prepaid: paid in for traffic minus traffic bought (below 0: what it owes its parent).
  std::int64_t prepaid_units() const { return paid_traffic_units - bought_units; }
  // Seconds new authorizations of its users may still reserve.
  std::int64_t available_seconds() const { return pool_seconds + overdraft_seconds - reserved_seconds; }
};

// Traffic pools and credit lines are bounded so that every sum here is exact.
inline constexpr std::int64_t traffic_seconds_max = 1'000'000'000'000;  // ~31,700 years of calls

class Agents;  // projections/agents.h: the tree and its funds, what the rules read

// True when `agent` is `root` or below it (walking up at most
// limits::agent_level_max parents): an agent operator's reach, and the agents
// a voucher serves.
bool in_subtree(const Agents& agents, std::string_view agent, std::string_view root);

// The postings of an agent money event (payments, deposit releases, traffic
// purchases; none for the others). `parent` is the agent's parent (empty:
// the provider), who receives fees and forfeited deposits.
std::vector<Posting> agent_event_postings(const Payload& payload, std::string_view parent);

// The traffic postings of a billed call of agent `agent`'s user: billed
// seconds from its pool to its used traffic (none for 0 seconds).
void add_call_traffic_postings(std::vector<Posting>& postings, const std::string& agent,
                               std::int64_t billed_seconds);

// The agents whose funds an agent money event changes (payments, deposit
// releases, purchases with their seller, credit); empty views for others.
std::array<std::string_view, 2> funds_agents_of(const Payload& payload);

// What a call event means for its user's agent.
struct CallTraffic {
  std::string_view agent;               // the account's agent; empty: none
  std::int64_t reserve_seconds = 0;     // CallAuthorized: billable seconds of the grant
  std::int64_t release_seconds = 0;     // CallSettled of an active hold, HoldExpired: its reservation
  std::int64_t billed_seconds = 0;      // CallSettled: taken from the pool
};

// The billable seconds a grant reserves: what the call costs the pool if it
// runs its whole grant.
std::int64_t reserved_seconds_of(std::int64_t granted_seconds, const CallRate& rate);

struct FundsUpdate {
  std::string_view agent;
  AgentFunds funds;  // after the event
};

// Why `event` cannot follow the funds in `agents` (nullptr when it can); on
// success out[0..*count) are the agents whose funds change, with their funds
// after it. `call` describes a call event (ignored for other events).
const char* funds_update(const Agents& agents, const Event& event, const CallTraffic& call,
                         std::array<FundsUpdate, 2>& out, std::size_t* count);

}  // namespace huawu
