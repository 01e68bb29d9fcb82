#include "cli/scope.h"

#include "events/card_number.h"
#include "events/limits.h"

namespace huawu::cli {

ScopeAnswer scope_answer(const Scope& scope, const Target& target, const LedgerState& state) {
  const Agents& agents = state.agents();
  switch (target.kind) {
    case TargetKind::anyone:
      return ScopeAnswer::allowed;
    case TargetKind::ledger:
      return ScopeAnswer::permission_denied;
    case TargetKind::own_principal:
      return target.id == scope.principal ? ScopeAnswer::allowed : ScopeAnswer::permission_denied;
    case TargetKind::account: {
      const AccountState* account = state.balances().find(target.id);
      const bool reachable = account && !account->agent.empty() && in_subtree(agents, account->agent, scope.agent);
      return reachable ? ScopeAnswer::allowed : ScopeAnswer::account_not_found;
    }
    case TargetKind::agent:
      return in_subtree(agents, target.id, scope.agent) ? ScopeAnswer::allowed : ScopeAnswer::agent_not_found;
    case TargetKind::card: {
      const auto parsed = parse_card_number(target.id);
      const CardBatchState* batch = parsed ? state.cards().card_batch_of_serial(parsed->serial) : nullptr;
      const bool reachable = batch && in_subtree(agents, batch->issued.agent, scope.agent);
      return reachable ? ScopeAnswer::allowed : ScopeAnswer::card_not_found;
    }
    case TargetKind::ticket: {
      const TicketState* ticket = state.tickets().find(target.id);
      const bool reachable = ticket && !ticket->opened.agent.empty() && in_subtree(agents, ticket->opened.agent, scope.agent);
      return reachable ? ScopeAnswer::allowed : ScopeAnswer::ticket_not_found;
    }
    case TargetKind::promotion: {
      const PromotionState* promotion = state.promotions().find(target.id);
      const bool reachable = promotion && in_subtree(agents, promotion->requested.agent, scope.agent);
      return reachable ? ScopeAnswer::allowed : ScopeAnswer::promotion_not_found;
    }
    case TargetKind::agent_below:
      return target.id != scope.agent && in_subtree(agents, target.id, scope.agent) ? ScopeAnswer::allowed
                                                                                    : ScopeAnswer::agent_not_found;
  }
  return ScopeAnswer::permission_denied;
}

}  // namespace huawu::cli
