#include "events/event.h"

#include "events/limits.h"

namespace huawu {

const char* payload_name(const Payload& payload) {
  struct Name {
    const char* operator()(const LedgerCreated&) const { return "LedgerCreated"; }
    const char* operator()(const AccountOpened&) const { return "AccountOpened"; }
    const char* operator()(const WalletRecharged&) const { return "WalletRecharged"; }
    const char* operator()(const AccountClosed&) const { return "AccountClosed"; }
    const char* operator()(const RatePlanImported&) const { return "RatePlanImported"; }
    const char* operator()(const CallAuthorized&) const { return "CallAuthorized"; }
    const char* operator()(const CallSettled&) const { return "CallSettled"; }
    const char* operator()(const CallRejected&) const { return "CallRejected"; }
    const char* operator()(const HoldExpired&) const { return "HoldExpired"; }
    const char* operator()(const AgentAdded&) const { return "AgentAdded"; }
    const char* operator()(const AgentPriceSet&) const { return "AgentPriceSet"; }
    const char* operator()(const LevelPriceSet&) const { return "LevelPriceSet"; }
    const char* operator()(const AgentSuspended&) const { return "AgentSuspended"; }
    const char* operator()(const AgentResumed&) const { return "AgentResumed"; }
    const char* operator()(const AgentPaymentRecorded&) const { return "AgentPaymentRecorded"; }
    const char* operator()(const AgentDepositReleased&) const { return "AgentDepositReleased"; }
    const char* operator()(const TrafficPurchased&) const { return "TrafficPurchased"; }
    const char* operator()(const AgentCreditSet&) const { return "AgentCreditSet"; }
    const char* operator()(const PrincipalAdded&) const { return "PrincipalAdded"; }
    const char* operator()(const CardBatchIssued&) const { return "CardBatchIssued"; }
    const char* operator()(const CardsVoided&) const { return "CardsVoided"; }
    const char* operator()(const CardRedeemed&) const { return "CardRedeemed"; }
    const char* operator()(const CardRedemptionFailed&) const { return "CardRedemptionFailed"; }
    const char* operator()(const AccountTransferred&) const { return "AccountTransferred"; }
    const char* operator()(const ContractSigned&) const { return "ContractSigned"; }
    const char* operator()(const NoticeSent&) const { return "NoticeSent"; }
    const char* operator()(const ContractAmended&) const { return "ContractAmended"; }
    const char* operator()(const ObligationWaived&) const { return "ObligationWaived"; }
    const char* operator()(const TicketOpened&) const { return "TicketOpened"; }
    const char* operator()(const TicketResponded&) const { return "TicketResponded"; }
    const char* operator()(const TicketClosed&) const { return "TicketClosed"; }
    const char* operator()(const PromotionRequested&) const { return "PromotionRequested"; }
    const char* operator()(const PromotionApproved&) const { return "PromotionApproved"; }
    const char* operator()(const PromotionRejected&) const { return "PromotionRejected"; }
    const char* operator()(const PromotionWithdrawn&) const { return "PromotionWithdrawn"; }
    const char* operator()(const ObligationAlerted&) const { return "ObligationAlerted"; }
    const char* operator()(const PrincipalPasswordChanged&) const { return "PrincipalPasswordChanged"; }
  };
  return std::visit(Name{}, payload);
}

std::string call_key(std::string_view switch_id, std::string_view call_id) {
  std::string key;
  key.reserve(switch_id.size() + 1 + call_id.size());
  key.append(switch_id).push_back(' ');
  key.append(call_id);
  return key;
}

bool postings_balance(const std::vector<Posting>& postings) {
  if (postings.size() > limits::postings_per_event_max) return false;
  std::array<std::int64_t, unit_count> sum{};
  for (const Posting& posting : postings) {
    const auto unit = static_cast<std::size_t>(posting.unit);
    if (unit >= unit_count) return false;
    // Each amount is bounded by balance_units_max, so 64 of them cannot overflow.
    if (posting.amount > limits::balance_units_max || posting.amount < -limits::balance_units_max)
      return false;
    sum[unit] += posting.amount;
  }
  for (std::int64_t s : sum)
    if (s != 0) return false;
  return true;
}

}  // namespace huawu
