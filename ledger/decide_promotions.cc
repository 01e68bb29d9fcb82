// decide for promotions (issue 6, clause B3.2): an agent requests a discount
// on a plan for a window of days; only the provider's approval with the
// filing's reference lets it change prices, and rating applies the best one
// in force for the caller's agent chain (promoted_rate).
#include "events/ids.h"
#include "events/limits.h"
#include "ledger/decide.h"

namespace huawu {

Decision decide_contract(const DecideView& view, const RequestPromotion& c, Event event) {
  if (!is_valid_agent_id(c.agent)) return reject(Rejection::agent_id_invalid);
  if (!view.find_agent(c.agent)) return reject(Rejection::agent_not_found);
  if (!is_valid_account_id(c.plan) || !view.find_rate_plan(c.plan)) return reject(Rejection::rate_plan_not_found);
  if (c.discount_basis_points < 1 || c.discount_basis_points > 10'000)
    return reject(Rejection::promotion_discount_invalid);
  const auto from = parse_date(c.from_date);
  const auto to = parse_date(c.to_date);
  if (!from || !to) return reject(Rejection::date_invalid);
  // A window backwards, or over before the request, could never apply.
  if (*to < *from || *to < china_date_of(event.ledger_time_us)) return reject(Rejection::promotion_window_invalid);
  event.payload = PromotionRequested{promotion_id(view.promotions_requested() + 1), c.agent, c.plan,
                                     c.discount_basis_points, format_date(*from), format_date(*to)};
  return accept(std::move(event));
}

Decision decide_contract(const DecideView& view, const ApprovePromotion& c, Event event) {
  const PromotionState* promotion = view.find_promotion(c.promotion);
  if (!promotion) return reject(Rejection::promotion_not_found);
  if (promotion->phase != PromotionPhase::requested) return reject(Rejection::promotion_not_pending);
  if (c.filing_reference.empty()) return reject(Rejection::filing_reference_required);
  if (!is_valid_text(c.filing_reference, limits::reference_length_max)) return reject(Rejection::text_invalid);
  event.payload = PromotionApproved{c.promotion, c.filing_reference};
  return accept(std::move(event));
}

Decision decide_contract(const DecideView& view, const RejectPromotion& c, Event event) {
  const PromotionState* promotion = view.find_promotion(c.promotion);
  if (!promotion) return reject(Rejection::promotion_not_found);
  if (promotion->phase != PromotionPhase::requested) return reject(Rejection::promotion_not_pending);
  if (!is_valid_text(c.reason, limits::reference_length_max)) return reject(Rejection::text_invalid);
  event.payload = PromotionRejected{c.promotion, c.reason};
  return accept(std::move(event));
}

Decision decide_contract(const DecideView& view, const WithdrawPromotion& c, Event event) {
  const PromotionState* promotion = view.find_promotion(c.promotion);
  if (!promotion) return reject(Rejection::promotion_not_found);
  if (promotion->phase == PromotionPhase::rejected || promotion->phase == PromotionPhase::withdrawn)
    return reject(Rejection::promotion_ended);
  if (!is_valid_text(c.reason, limits::reference_length_max)) return reject(Rejection::text_invalid);
  event.payload = PromotionWithdrawn{c.promotion, c.reason};
  return accept(std::move(event));
}

CallRate promoted_rate(const DecideView& view, const AccountState& account, const CallRate& rate,
                       std::int64_t ledger_time_us) {
  // Most ledgers have no promotion at all: nothing to look up on the hot path.
  if (account.agent.empty() || view.promotions_requested() == 0) return rate;
  const Date day = china_date_of(ledger_time_us);
  const PromotionState* best = nullptr;
  std::string_view agent = account.agent;
  for (std::size_t depth = 0; !agent.empty() && depth <= limits::agent_level_max; ++depth) {
    view.for_each_promotion_of(agent, [&](const PromotionState& promotion) {
      if (promotion.requested.plan == account.rate_plan && promotion.applies_on(day) &&
          (!best || better_promotion(promotion, *best)))
        best = &promotion;
    });
    const AgentState* state = view.find_agent(agent);
    if (!state) break;
    agent = state->parent;
  }
  return best ? discounted_rate(rate, *best) : rate;
}

}  // namespace huawu
