#include "cli/promo_verbs.h"

#include "cli/format.h"
#include "projections/promotions.h"

namespace huawu::cli {

namespace {

nlohmann::json promotion_json(const PromotionState& p) {
  const PromotionRequested& r = p.requested;
  return nlohmann::json{{"promotion", r.promotion},
                        {"agent", r.agent},
                        {"plan", r.plan},
                        {"discount", format_discount_percent(r.discount_basis_points)},
                        {"discount_basis_points", r.discount_basis_points},
                        {"from", r.from_date},
                        {"to", r.to_date},
                        {"status", promotion_phase_name(p.phase)},
                        {"filing_reference", p.filing_reference},
                        {"reason", p.reason},
                        {"requested_event", p.requested_sequence}};
}

std::string promotion_line(const PromotionState& p) {
  const PromotionRequested& r = p.requested;
  return r.promotion + "  agent " + r.agent + "  plan " + r.plan + "  " + format_discount_percent(r.discount_basis_points) +
         " off  " + r.from_date + " .. " + r.to_date + "  " + promotion_phase_name(p.phase) +
         (p.filing_reference.empty() ? "" : " (filing " + p.filing_reference + ")") +
         (p.reason.empty() ? "" : " (" + p.reason + ")");
}

}  // namespace

int verb_promo_request(Context& ctx, const PromoArgs& args) {
  const auto discount = parse_discount_percent(args.discount);
  if (!discount)
    return print_error(ctx, exit_bad_input, "promotion_discount_invalid",
                       "--discount is a percentage from 0.01 to 100 with at most 2 decimals, e.g. 15 or 12.5");
  return run_request(ctx, Request{RequestPromotion{args.agent, args.plan, *discount, args.from, args.to}, args.key, {}, 0});
}

int verb_promo_approve(Context& ctx, const PromoArgs& args) {
  return run_request(ctx, Request{ApprovePromotion{args.promotion, args.filing_reference}, args.key, {}, 0});
}

int verb_promo_reject(Context& ctx, const PromoArgs& args) {
  return run_request(ctx, Request{RejectPromotion{args.promotion, args.reason}, args.key, {}, 0});
}

int verb_promo_withdraw(Context& ctx, const PromoArgs& args) {
  return run_request(ctx, Request{WithdrawPromotion{args.promotion, args.reason}, args.key, {}, 0});
}

int verb_promo_show(Context& ctx, const std::string& promotion) {
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  std::optional<PromotionState> state;
  writer->read_and_wait([&](const LedgerState& ledger) {
    if (const PromotionState* found = ledger.promotions().find(promotion)) state = *found;
  });
  if (!state) return print_error(ctx, exit_refused, "promotion_not_found", "refused: promotion_not_found");
  if (ctx.json)
    ctx.out << json_line(promotion_json(*state)) << "\n";
  else
    ctx.out << promotion_line(*state) << "\n";
  return exit_ok;
}

int verb_promo_list(Context& ctx, const std::string& agent) {
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  nlohmann::json list = nlohmann::json::array();
  std::string text;
  writer->read_and_wait([&](const LedgerState& ledger) {
    ledger.promotions().for_each([&](const PromotionState& p) {
      if (!agent.empty() && p.requested.agent != agent) return;
      list.push_back(promotion_json(p));
      text += promotion_line(p) + "\n";
    });
  });
  if (ctx.json) {
    ctx.out << json_line(nlohmann::json{{"promotions", list}}) << "\n";
    return exit_ok;
  }
  ctx.out << (text.empty() ? "no promotions\n" : text);
  return exit_ok;
}

}  // namespace huawu::cli
