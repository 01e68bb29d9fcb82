#pragma once
// What an agent operator may reach (issue 4, clauses A2.2, A2.4 and 5): its
// own agent's subtree, i.e. its sub-agents and every user bound to an agent
// in it. Each verb of the huawu command names its target in the verb table
// (cli/verb_table.h TargetRule) and the check runs before the verb, against
// the committed state (cli/dispatch.cc). A target outside the subtree gets
// the very answer a target that does not exist gets
// (account_not_found, agent_not_found), so an agent learns nothing about
// others; ledger-wide verbs (the log, the audit, rate imports, level prices,
// principals) are the provider's and refused with permission_denied.
// Provider operators and auditors are not restricted here (an auditor's
// changes are refused where every change passes: run_request).
#include <string>
#include <string_view>

#include "projections/ledger_state.h"

namespace huawu::cli {

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

ScopeAnswer scope_answer(const Scope& scope, const Target& target, const LedgerState& state);

}  // namespace huawu::cli
