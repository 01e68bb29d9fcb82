#include "projections/promotions.h"

#include <algorithm>
#include <cstdio>

#include "events/bytes.h"
#include "events/codec.h"
#include "events/ids.h"
#include "events/invariant.h"
#include "events/limits.h"
#include "events/money.h"
#include "projections/agents.h"

namespace huawu {

namespace {

constexpr std::int64_t basis_points_whole = 10'000;

// ceil(units * (10000 - discount) / 10000); exact: units <= 10^8 per minute.
std::int64_t discounted_units(std::int64_t units, std::uint32_t discount_basis_points) {
  const std::int64_t numerator = units * (basis_points_whole - discount_basis_points);
  return (numerator + basis_points_whole - 1) / basis_points_whole;
}

}  // namespace

const char* promotion_phase_name(PromotionPhase phase) {
  switch (phase) {
    case PromotionPhase::requested: return "requested";
    case PromotionPhase::approved: return "approved";
    case PromotionPhase::rejected: return "rejected";
    case PromotionPhase::withdrawn: return "withdrawn";
  }
  return "unknown";
}

bool PromotionState::applies_on(Date day) const {
  if (phase != PromotionPhase::approved) return false;
  const auto from = parse_date(requested.from_date);
  const auto to = parse_date(requested.to_date);
  return from && to && *from <= day && day <= *to;
}

std::string promotion_id(std::uint64_t n) {
  char id[32];
  std::snprintf(id, sizeof id, "P%06llu", static_cast<unsigned long long>(n));
  return id;
}

std::string_view promotion_of(const Payload& payload) {
  if (const auto* e = std::get_if<PromotionRequested>(&payload)) return e->promotion;
  if (const auto* e = std::get_if<PromotionApproved>(&payload)) return e->promotion;
  if (const auto* e = std::get_if<PromotionRejected>(&payload)) return e->promotion;
  if (const auto* e = std::get_if<PromotionWithdrawn>(&payload)) return e->promotion;
  return {};
}

const char* promotion_event_problem(const PromotionState* current, std::uint64_t requested, const Event& event) {
  if (!event.postings.empty()) return "a promotion event moves no money";
  if (const auto* r = std::get_if<PromotionRequested>(&event.payload)) {
    if (current) return "a promotion requested twice";
    if (r->promotion != promotion_id(requested + 1)) return "promotions are numbered in order";
    if (!is_valid_agent_id(r->agent)) return "a promotion without an agent";
    if (!is_valid_account_id(r->plan)) return "a promotion without a plan";
    if (r->discount_basis_points < 1 || r->discount_basis_points > basis_points_whole)
      return "a discount out of range";
    const auto from = parse_date(r->from_date);
    const auto to = parse_date(r->to_date);
    if (!from || !to || *to < *from) return "a promotion window that is not one";
    return nullptr;
  }
  if (!current) return "an event of a promotion never requested";
  if (const auto* a = std::get_if<PromotionApproved>(&event.payload)) {
    if (current->phase != PromotionPhase::requested) return "approving a promotion not waiting for approval";
    if (a->filing_reference.empty() || !is_valid_text(a->filing_reference, limits::reference_length_max))
      return "an approval without its filing (B3.2)";
    return nullptr;
  }
  if (std::holds_alternative<PromotionRejected>(event.payload))
    return current->phase == PromotionPhase::requested ? nullptr : "rejecting a promotion not waiting for approval";
  if (std::holds_alternative<PromotionWithdrawn>(event.payload))
    return current->phase == PromotionPhase::requested || current->phase == PromotionPhase::approved
               ? nullptr
               : "withdrawing a promotion that has ended";
  return nullptr;
}

void apply_to_promotion(PromotionState& promotion, std::uint64_t sequence, const Event& event) {
  if (const auto* r = std::get_if<PromotionRequested>(&event.payload)) {
    promotion = PromotionState{};
    promotion.requested = *r;
    promotion.requested_sequence = sequence;
  } else if (const auto* a = std::get_if<PromotionApproved>(&event.payload)) {
    promotion.phase = PromotionPhase::approved;
    promotion.filing_reference = a->filing_reference;
    promotion.decided_sequence = sequence;
  } else if (const auto* j = std::get_if<PromotionRejected>(&event.payload)) {
    promotion.phase = PromotionPhase::rejected;
    promotion.reason = j->reason;
    promotion.decided_sequence = sequence;
  } else if (const auto* w = std::get_if<PromotionWithdrawn>(&event.payload)) {
    promotion.phase = PromotionPhase::withdrawn;
    promotion.reason = w->reason;
    promotion.ended_sequence = sequence;
  }
}

CallRate discounted_rate(const CallRate& rate, const PromotionState& promotion) {
  HUAWU_ASSERT(promotion.phase == PromotionPhase::approved, "only an approved promotion discounts (B3.2)");
  CallRate out = rate;
  out.price_units_per_minute = discounted_units(rate.price_units_per_minute, promotion.requested.discount_basis_points);
  out.connect_fee_units = discounted_units(rate.connect_fee_units, promotion.requested.discount_basis_points);
  out.promotion = promotion.requested.promotion;
  HUAWU_ASSERT(out.price_units_per_minute <= rate.price_units_per_minute && out.price_units_per_minute >= 0,
               "a discount lowers a price and keeps it non-negative");
  return out;
}

bool better_promotion(const PromotionState& a, const PromotionState& b) {
  if (a.requested.discount_basis_points != b.requested.discount_basis_points)
    return a.requested.discount_basis_points > b.requested.discount_basis_points;
  return a.requested_sequence < b.requested_sequence;
}

std::optional<std::uint32_t> parse_discount_percent(std::string_view text) {
  std::string why;
  const auto basis_points = parse_decimal(text, 2, basis_points_whole, "discount", "percent, e.g. 12.5", &why);
  if (!basis_points || *basis_points < 1) return std::nullopt;
  return static_cast<std::uint32_t>(*basis_points);
}

std::string format_discount_percent(std::uint32_t basis_points) {
  char out[16];
  if (basis_points % 100 == 0)
    std::snprintf(out, sizeof out, "%u%%", basis_points / 100);
  else
    std::snprintf(out, sizeof out, "%u.%02u%%", basis_points / 100, basis_points % 100);
  return out;
}

const char* Promotions::problem(const Event& event) const {
  const std::string_view id = promotion_of(event.payload);
  if (id.empty()) return nullptr;
  return promotion_event_problem(find(id), requested(), event);
}

void Promotions::apply(std::uint64_t sequence, const Event& event) {
  const std::string_view id = promotion_of(event.payload);
  if (id.empty()) return;
  const char* why = problem(event);
  HUAWU_ASSERT(why == nullptr, why);
  PromotionState& promotion = promotions_[std::string(id)];
  apply_to_promotion(promotion, sequence, event);
  if (const auto* r = std::get_if<PromotionRequested>(&event.payload)) by_agent_[r->agent].push_back(r->promotion);
}

const PromotionState* Promotions::find(std::string_view promotion) const {
  auto it = promotions_.find(promotion);
  return it == promotions_.end() ? nullptr : &it->second;
}

const std::vector<std::string>* Promotions::of_agent(std::string_view agent) const {
  auto it = by_agent_.find(agent);
  return it == by_agent_.end() ? nullptr : &it->second;
}

void Promotions::serialize(std::string& out) const {
  ByteWriter w;
  w.u64(promotions_.size());
  for (const auto& [id, p] : promotions_) {
    w.str(encode_payload(p.requested));
    w.u64(p.requested_sequence);
    w.u8(static_cast<std::uint8_t>(p.phase));
    w.str(p.filing_reference);
    w.str(p.reason);
    w.u64(p.decided_sequence);
    w.u64(p.ended_sequence);
  }
  out += w.bytes();
}

bool Promotions::deserialize(std::string_view bytes, std::string* why) {
  *this = Promotions{};
  ByteReader r(bytes);
  const std::uint64_t count = r.u64();
  bool ok = true;
  for (std::uint64_t i = 0; i < count && !r.failed() && ok; ++i) {
    std::optional<PromotionRequested> requested = decode_payload_as<PromotionRequested>(r.str());
    ok = requested.has_value();
    if (!ok) break;
    PromotionState p;
    p.requested = std::move(*requested);
    p.requested_sequence = r.u64();
    const std::uint8_t phase = r.u8();
    ok = phase <= static_cast<std::uint8_t>(PromotionPhase::withdrawn);
    p.phase = static_cast<PromotionPhase>(phase);
    p.filing_reference = r.str();
    p.reason = r.str();
    p.decided_sequence = r.u64();
    p.ended_sequence = r.u64();
    by_agent_[p.requested.agent].push_back(p.requested.promotion);
    std::string id = p.requested.promotion;
    promotions_.emplace(std::move(id), std::move(p));
  }
  // Request order (ids sort so only below a million requests).
  for (auto& [agent, ids] : by_agent_)
    std::sort(ids.begin(), ids.end(), [&](const std::string& a, const std::string& b) {
      return promotions_.at(a).requested_sequence < promotions_.at(b).requested_sequence;
    });
  if (!ok || r.failed() || !r.at_end()) {
    *why = "snapshot: promotions section truncated or malformed";
    return false;
  }
  return true;
}

}  // namespace huawu
