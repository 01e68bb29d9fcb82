#pragma once
// Promotions projection (issue 6, clause B3.2): an agent may discount its
// users' retail prices only with the provider's approval and filing. A
// promotion is requested, then approved (with the filing's reference) or
// rejected, and may be withdrawn; only an approved one that is not withdrawn
// discounts calls, only of users bound to the agent's subtree, on the
// promotion's plan, on the China days of its window.
//
// The discount rule, written once (discounted_rate):
//   price' = ceil(price * (10000 - discount) / 10000), the connect fee the
//   same way, with the discount in basis points (1..10000); rounded up to
//   the unit like every cost (ledger/rating.h), so a discount never makes a
//   price lower than the percentage says.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.h"
#include "projections/calendar.h"

namespace huawu {

enum class PromotionPhase : std::uint8_t { requested, approved, rejected, withdrawn };
const char* promotion_phase_name(PromotionPhase phase);

struct PromotionState {
  PromotionRequested requested;
  std::uint64_t requested_sequence = 0;
  PromotionPhase phase = PromotionPhase::requested;
  std::string filing_reference;  // approved: the filing
  std::string reason;            // rejected, withdrawn: why
  std::uint64_t decided_sequence = 0;  // the approval or rejection
  std::uint64_t ended_sequence = 0;    // the withdrawal
  bool operator==(const PromotionState&) const = default;
  // Whether it discounts calls on `day` (China date): approved, not
  // withdrawn, inside its window.
  bool applies_on(Date day) const;
};

// The id of the n-th promotion (1-based): "P000001".
std::string promotion_id(std::uint64_t n);
// The promotion a promotion event is about; empty for other events.
std::string_view promotion_of(const Payload& payload);

// Why a promotion event cannot follow (`current`: the promotion, null when
// not requested yet; `requested`: how many were requested before), or nullptr.
const char* promotion_event_problem(const PromotionState* current, std::uint64_t requested, const Event& event);
void apply_to_promotion(PromotionState& promotion, std::uint64_t sequence, const Event& event);

// `rate` with `promotion`'s discount, naming it (the rule above).
CallRate discounted_rate(const CallRate& rate, const PromotionState& promotion);
// Of two promotions that both apply, the one a call gets: the larger
// discount, then the earlier request.
bool better_promotion(const PromotionState& a, const PromotionState& b);

// "15" or "12.5" percent -> basis points (1..10000); nullopt otherwise.
std::optional<std::uint32_t> parse_discount_percent(std::string_view text);
std::string format_discount_percent(std::uint32_t basis_points);

class Promotions {
 public:
  const char* problem(const Event& event) const;
  void apply(std::uint64_t sequence, const Event& event);

  const PromotionState* find(std::string_view promotion) const;
  std::uint64_t requested() const { return promotions_.size(); }
  // The ids of the promotions an agent requested, in request order (null: none).
  const std::vector<std::string>* of_agent(std::string_view agent) const;
  template <class Fn>  // Fn(const PromotionState&), in id order
  void for_each(Fn&& fn) const {
    for (const auto& [id, promotion] : promotions_) fn(promotion);
  }

  // Layout: u64 promotions, each: str PromotionRequested (encode_payload), u64
  // requested sequence, u8 phase, str filing, str reason, u64 decided
  // sequence, u64 ended sequence. The per-agent index is derived.
  void serialize(std::string& out) const;
  bool deserialize(std::string_view bytes, std::string* why);

 private:
  std::map<std::string, PromotionState, std::less<>> promotions_;
  std::map<std::string, std::vector<std::string>, std::less<>> by_agent_;
};

}  // namespace huawu
