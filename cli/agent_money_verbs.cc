// Agents' money and traffic (issue 4, clauses 4.1 and B3.7): payments from an
// agent to its parent, deposit refunds and forfeits, traffic purchases and
// the credit a parent allows.
#include <charconv>

#include "cli/format.h"
#include "cli/verbs.h"
#include "events/money.h"

namespace huawu::cli {

namespace {

// Whole minutes, as digits with an optional sign: "1.5" and "10m" are bad
// input; a sign reaches decide, which names the refusal (minutes_invalid).
std::optional<std::int64_t> minutes_or_report(Context& ctx, const std::string& text, int* code) {
  std::int64_t minutes = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, minutes);
  if (text.empty() || ec != std::errc() || ptr != end) {
    *code = print_error(ctx, exit_bad_input, "minutes_invalid",
                        "invalid minutes '" + text + "': traffic is bought in whole minutes, e.g. 10000");
    return std::nullopt;
  }
  return minutes;
}

std::optional<AgentPaymentKind> payment_kind_of(const std::string& text) {
  if (text == "traffic") return AgentPaymentKind::traffic;
  if (text == "deposit") return AgentPaymentKind::deposit;
  if (text == "franchise_fee" || text == "franchise-fee") return AgentPaymentKind::franchise_fee;
  if (text == "other") return AgentPaymentKind::other;
  return std::nullopt;
}

}  // namespace

int verb_payment_record(Context& ctx, const std::string& agent, const std::string& kind, const std::string& amount,
                        const std::string& reference, const std::string& key) {
  const auto payment_kind = payment_kind_of(kind);
  if (!payment_kind)
    return print_error(ctx, exit_bad_input, "payment_kind_invalid",
                       "invalid payment kind '" + kind + "': traffic, deposit, franchise_fee or other");
  int code = exit_ok;
  auto units = amount_or_report(ctx, amount, &code);
  if (!units) return code;
  return run_request(ctx, Request{RecordAgentPayment{agent, *payment_kind, *units, reference}, key, {}, 0});
}

int verb_deposit_release(Context& ctx, const std::string& agent, const std::string& amount, bool forfeit,
                         const std::string& reason, const std::string& key) {
  int code = exit_ok;
  auto units = amount_or_report(ctx, amount, &code);
  if (!units) return code;
  const auto disposition = forfeit ? DepositDisposition::forfeited : DepositDisposition::refunded;
  return run_request(ctx, Request{ReleaseDeposit{agent, *units, disposition, reason}, key, {}, 0});
}

int verb_traffic_buy(Context& ctx, const std::string& agent, const std::string& minutes, const std::string& key) {
  int code = exit_ok;
  auto whole = minutes_or_report(ctx, minutes, &code);
  if (!whole) return code;
  return run_request(ctx, Request{BuyTraffic{agent, *whole}, key, {}, 0});
}

int verb_agent_credit(Context& ctx, const std::string& agent, const std::string& prepayment_credit,
                      const std::string& overdraft_minutes, const std::string& key) {
  int code = exit_ok;
  auto units = amount_or_report(ctx, prepayment_credit, &code);
  if (!units) return code;
  auto minutes = minutes_or_report(ctx, overdraft_minutes, &code);
  if (!minutes) return code;
  if (*minutes < 0 || *minutes > traffic_seconds_max / 60)
    return print_error(ctx, exit_refused, "credit_invalid", "refused: credit_invalid");
  return run_request(ctx, Request{SetAgentCredit{agent, *units, *minutes * 60}, key, {}, 0});
}

}  // namespace huawu::cli
