#pragma once
// What a principal may reach (issue 4, clauses A2.2, A2.4 and 5): an agent
// operator reaches its own agent's subtree, i.e. its sub-agents and every user
// bound to an agent in it; an auditor changes nothing; the provider's
// operators reach everything. A target outside the reach gets the very
// answer a target that does not exist gets (account_not_found,
// agent_not_found, ...), so an agent learns nothing about others; ledger-wide
// changes (rate imports, level prices, principals, contracts) are the
// provider's and refused with permission_denied.
//
// One rule for writes and reads: decide applies it to every request against
// the state it decides on (so a concurrent transfer of the target cannot
// slip between check and use), and queries apply it on the follower's state.
#include <optional>
#include <string>
#include <string_view>

#include "events/rejection.h"
#include "ledger/command.h"
#include "projections/ledger_state.h"

namespace huawu {

// An agent operator's reach: the principal and the agent it acts for.
struct Scope {
  std::string principal;
  std::string agent;
};

enum class TargetKind {
  anyone,          // reads every principal may make (rate plans)
  ledger,          // the whole ledger: the provider's (and the auditor's)
  account,         // an account: bound to an agent in the subtree
  agent,           // an agent in the subtree, the operator's own included
  agent_below,     // an agent strictly below the operator's: what a parent does to a child
  own_principal,   // the operator's own principal (its password)
  card,            // a card by its number: of a batch of an agent in the subtree
  ticket,          // a trouble ticket: of an account bound to an agent in the subtree
  promotion,       // a promotion: of an agent in the subtree
};

struct Target {
  TargetKind kind = TargetKind::ledger;
  std::string id;
};

enum class ScopeAnswer {
  allowed,
  account_not_found,
  agent_not_found,
  card_not_found,
  ticket_not_found,
  promotion_not_found,
  permission_denied,
};

[[nodiscard]] ScopeAnswer scope_answer(const Scope& scope, const Target& target, const LedgerState& state);

// The rejection a refused answer is given as (none for allowed).
[[nodiscard]] Rejection scope_rejection(ScopeAnswer answer);

// What a command changes, for the rule above.
[[nodiscard]] Target command_target(const Command& command);

// The principal an actor names ("principal:NAME"), or empty: the local
// operator, a switch, the daemon's own requests, which no scope restricts.
[[nodiscard]] std::string_view principal_of_actor(std::string_view actor);

}  // namespace huawu
