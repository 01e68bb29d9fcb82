#pragma once
// Promotions (promo_verbs.cc; issue 6, clause B3.2).
#include <string>

#include "cli/context.h"

namespace huawu::cli {

struct PromoArgs {
  std::string promotion, agent, plan, discount, from, to, filing_reference, reason, key;
};

int verb_promo_request(Context& ctx, const PromoArgs& args);
int verb_promo_approve(Context& ctx, const PromoArgs& args);
int verb_promo_reject(Context& ctx, const PromoArgs& args);
int verb_promo_withdraw(Context& ctx, const PromoArgs& args);
int verb_promo_show(Context& ctx, const std::string& promotion);
// `agent` empty: every promotion.
int verb_promo_list(Context& ctx, const std::string& agent);

}  // namespace huawu::cli
