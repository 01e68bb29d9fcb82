#include "ledger/scope.h"

#include "events/card_number.h"

namespace huawu {

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
      const bool reachable =
          ticket && !ticket->opened.agent.empty() && in_subtree(agents, ticket->opened.agent, scope.agent);
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

Rejection scope_rejection(ScopeAnswer answer) {
  switch (answer) {
    case ScopeAnswer::allowed: return Rejection::none;
    case ScopeAnswer::account_not_found: return Rejection::account_not_found;
    case ScopeAnswer::agent_not_found: return Rejection::agent_not_found;
    case ScopeAnswer::card_not_found: return Rejection::card_not_found;
    case ScopeAnswer::ticket_not_found: return Rejection::ticket_not_found;
    case ScopeAnswer::promotion_not_found: return Rejection::promotion_not_found;
    case ScopeAnswer::permission_denied: break;
  }
  return Rejection::permission_denied;
}

namespace {

// One line a command kind: the target an agent operator's request names
// (the same the command line checks before it asks).
struct TargetOf {
  Target operator()(const OpenAccount& c) const {
    // A provider's own user (no agent) is the provider's to open.
    return c.agent.empty() ? Target{TargetKind::ledger, {}} : Target{TargetKind::agent, c.agent};
  }
  Target operator()(const RechargeWallet& c) const { return {TargetKind::account, c.account}; }
  Target operator()(const CloseAccount& c) const { return {TargetKind::account, c.account}; }
  Target operator()(const TransferAccount& c) const { return {TargetKind::account, c.account}; }
  Target operator()(const RedeemCard& c) const { return {TargetKind::account, c.account}; }
  Target operator()(const ActivateCard& c) const { return {TargetKind::card, c.number}; }
  Target operator()(const IssueCards& c) const { return {TargetKind::agent, c.agent}; }
  Target operator()(const AddAgent& c) const { return {TargetKind::agent, c.parent}; }
  Target operator()(const SetAgentPrice& c) const { return {TargetKind::agent_below, c.agent}; }
  Target operator()(const SuspendAgent& c) const { return {TargetKind::agent_below, c.agent}; }
  Target operator()(const ResumeAgent& c) const { return {TargetKind::agent_below, c.agent}; }
  Target operator()(const SetAgentCredit& c) const { return {TargetKind::agent_below, c.agent}; }
  Target operator()(const RecordAgentPayment& c) const { return {TargetKind::agent_below, c.agent}; }
  Target operator()(const ReleaseDeposit& c) const { return {TargetKind::agent_below, c.agent}; }
  Target operator()(const BuyTraffic& c) const { return {TargetKind::agent, c.agent}; }
  Target operator()(const SetPrincipalPassword& c) const { return {TargetKind::own_principal, c.name}; }
  Target operator()(const OpenTicket& c) const { return {TargetKind::account, c.account}; }
  Target operator()(const RespondTicket& c) const { return {TargetKind::ticket, c.ticket}; }
  Target operator()(const CloseTicket& c) const { return {TargetKind::ticket, c.ticket}; }
  Target operator()(const RequestPromotion& c) const { return {TargetKind::agent, c.agent}; }
  Target operator()(const WithdrawPromotion& c) const { return {TargetKind::promotion, c.promotion}; }
  // Everything else changes the ledger as a whole: the provider's.
  template <class Other>
  Target operator()(const Other&) const {
    return {TargetKind::ledger, {}};
  }
};

}  // namespace

Target command_target(const Command& command) { return std::visit(TargetOf{}, command); }

std::string_view principal_of_actor(std::string_view actor) {
  constexpr std::string_view prefix = "principal:";
  return actor.substr(0, prefix.size()) == prefix ? actor.substr(prefix.size()) : std::string_view{};
}

}  // namespace huawu
