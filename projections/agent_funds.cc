#include "projections/agent_funds.h"

#include "events/ids.h"
#include "events/limits.h"
#include "projections/agents.h"
#include "projections/rate_table.h"

namespace huawu {

namespace {

Posting cny(LedgerAccountKind kind, std::string_view owner, std::int64_t amount) {
  return Posting{kind, std::string(owner), Unit::cny_units, amount};
}
Posting seconds(LedgerAccountKind kind, std::string_view owner, std::int64_t amount) {
  return Posting{kind, std::string(owner), Unit::traffic_seconds, amount};
}

// The ledger accounts of issue 4's funds rule (agent_prepaid .. traffic_used);
// forfeited_balances, though owned by an agent, is a closing's (issue 5).
bool is_agent_kind(LedgerAccountKind kind) {
  const auto k = static_cast<std::uint8_t>(kind);
  return k >= static_cast<std::uint8_t>(LedgerAccountKind::agent_prepaid) &&
         k <= static_cast<std::uint8_t>(LedgerAccountKind::traffic_used);
}

bool valid_amount(std::int64_t units) { return units > 0 && units <= limits::amount_units_max; }

// The traffic postings of an event, for comparing with what the rules expect.
std::vector<Posting> traffic_postings_of(const std::vector<Posting>& postings) {
  std::vector<Posting> out;
  for (const Posting& p : postings)
    if (p.unit == Unit::traffic_seconds) out.push_back(p);
  return out;
}

}  // namespace

std::int64_t Agents::effective_price_units(const AgentState& agent) const {
  return agent.price_units_per_minute != 0 ? agent.price_units_per_minute : level_price_units(agent.level);
}

bool in_subtree(const Agents& agents, std::string_view agent, std::string_view root) {
  for (std::uint32_t steps = 0; !agent.empty() && steps <= limits::agent_level_max; ++steps) {
    if (agent == root) return true;
    const AgentState* state = agents.find_agent(agent);
    if (!state) return false;
    agent = state->parent;
  }
  return false;
}

std::vector<Posting> agent_event_postings(const Payload& payload, std::string_view parent) {
  std::vector<Posting> out;
  if (const auto* paid = std::get_if<AgentPaymentRecorded>(&payload)) {
    out.push_back(cny(LedgerAccountKind::external_cash, "", -paid->amount_units));
    switch (paid->kind) {
      case AgentPaymentKind::traffic:
        out.push_back(cny(LedgerAccountKind::agent_prepaid, paid->agent, paid->amount_units));
        break;
      case AgentPaymentKind::deposit:
        out.push_back(cny(LedgerAccountKind::agent_deposit, paid->agent, paid->amount_units));
        break;
      case AgentPaymentKind::franchise_fee:
      case AgentPaymentKind::other:
        out.push_back(cny(LedgerAccountKind::fee_revenue, parent, paid->amount_units));
        break;
    }
  } else if (const auto* released = std::get_if<AgentDepositReleased>(&payload)) {
    out.push_back(cny(LedgerAccountKind::agent_deposit, released->agent, -released->amount_units));
    if (released->disposition == DepositDisposition::refunded)
      out.push_back(cny(LedgerAccountKind::external_cash, "", released->amount_units));
    else
      out.push_back(cny(LedgerAccountKind::deposit_forfeited, parent, released->amount_units));
  } else if (const auto* bought = std::get_if<TrafficPurchased>(&payload)) {
    const std::int64_t bought_seconds = bought->minutes * 60;
    out.push_back(cny(LedgerAccountKind::agent_prepaid, bought->agent, -bought->cost_units));
    out.push_back(cny(LedgerAccountKind::wholesale_revenue, bought->seller, bought->cost_units));
    out.push_back(seconds(LedgerAccountKind::traffic_pool, bought->agent, bought_seconds));
    out.push_back(bought->seller.empty() ? seconds(LedgerAccountKind::traffic_source, "", -bought_seconds)
                                         : seconds(LedgerAccountKind::traffic_pool, bought->seller, -bought_seconds));
  }
  return out;
}

std::array<std::string_view, 2> funds_agents_of(const Payload& payload) {
  if (const auto* e = std::get_if<AgentPaymentRecorded>(&payload)) return {e->agent, {}};
  if (const auto* e = std::get_if<AgentDepositReleased>(&payload)) return {e->agent, {}};
  if (const auto* e = std::get_if<TrafficPurchased>(&payload)) return {e->agent, e->seller};
  if (const auto* e = std::get_if<AgentCreditSet>(&payload)) return {e->agent, {}};
  return {};
}

void add_call_traffic_postings(std::vector<Posting>& postings, const std::string& agent,
                               std::int64_t billed_seconds) {
  if (agent.empty() || billed_seconds == 0) return;
  postings.push_back(seconds(LedgerAccountKind::traffic_pool, agent, -billed_seconds));
  postings.push_back(seconds(LedgerAccountKind::traffic_used, agent, billed_seconds));
}

std::int64_t reserved_seconds_of(std::int64_t granted_seconds, const CallRate& rate) {
  return billed_seconds(granted_seconds * 1000, rate.first_block_seconds, rate.next_block_seconds);
}

const char* funds_update(const Agents& agents, const Event& event, const CallTraffic& call,
                         std::array<FundsUpdate, 2>& out, std::size_t* count) {
  *count = 0;
  auto start = [&](std::string_view id) -> AgentFunds* {
    const AgentFunds* funds = agents.agent_funds(id);
    if (!funds) return nullptr;
    out[*count] = FundsUpdate{id, *funds};
    return &out[(*count)++].funds;
  };
  // The agent an agent money event names, which must exist.
  const AgentState* agent = nullptr;
  auto expect_postings = [&](std::string_view id) -> const char* {
    agent = agents.find_agent(id);
    if (!agent) return "an agent money event for an agent never added";
    if (event.postings != agent_event_postings(event.payload, agent->parent))
      return "an agent money event's postings differ from its rule";
    return nullptr;
  };

  if (const auto* paid = std::get_if<AgentPaymentRecorded>(&event.payload)) {
    if (const char* why = expect_postings(paid->agent)) return why;
    if (!valid_amount(paid->amount_units)) return "a payment amount out of range";
    if (!is_valid_text(paid->reference, limits::reference_length_max)) return "a payment reference invalid";
    AgentFunds& f = *start(paid->agent);
    if (paid->kind == AgentPaymentKind::traffic) f.paid_traffic_units += paid->amount_units;
    if (paid->kind == AgentPaymentKind::deposit) f.deposit_units += paid->amount_units;
    if (f.deposit_units > limits::balance_units_max || f.paid_traffic_units > limits::balance_units_max)
      return "an agent's prepaid account or deposit past the balance limit";
    return nullptr;
  }
  if (const auto* released = std::get_if<AgentDepositReleased>(&event.payload)) {
    if (const char* why = expect_postings(released->agent)) return why;
    if (!valid_amount(released->amount_units)) return "a deposit release out of range";
    if (!is_valid_text(released->reason, limits::reference_length_max)) return "a deposit release reason invalid";
    AgentFunds& f = *start(released->agent);
    if (released->amount_units > f.deposit_units) return "a deposit release larger than the deposit";
    f.deposit_units -= released->amount_units;
    return nullptr;
  }
  if (const auto* bought = std::get_if<TrafficPurchased>(&event.payload)) {
    if (const char* why = expect_postings(bought->agent)) return why;
    if (bought->seller != agent->parent) return "traffic bought from another than the agent's parent";
    if (bought->minutes <= 0 || bought->minutes > traffic_seconds_max / 60) return "traffic minutes out of range";
    const std::int64_t price = agents.effective_price_units(*agent);
    if (price <= 0 || bought->price_units_per_minute != price) return "traffic bought at another than the agent's price";
    // Both bounded (minutes by traffic_seconds_max / 60, price by
    // rate_price_fen_max * 100): the product fits in 64 bits.
    if (bought->cost_units != bought->minutes * price || !valid_amount(bought->cost_units))
      return "traffic cost is not minutes times price";
    const std::int64_t bought_seconds = bought->minutes * 60;
    AgentFunds& buyer = *start(bought->agent);
    if (buyer.prepaid_units() - bought->cost_units < -buyer.credit_line_units)
      return "a traffic purchase past the agent's prepayment and credit";
    buyer.bought_units += bought->cost_units;
    buyer.bought_seconds += bought_seconds;
    buyer.pool_seconds += bought_seconds;
    if (buyer.pool_seconds > traffic_seconds_max || buyer.bought_units > limits::balance_units_max)
      return "a traffic pool past its limit";
    if (!bought->seller.empty()) {
      AgentFunds* seller = start(bought->seller);
      if (!seller) return "traffic bought from a parent never added";
      // A parent sells only seconds it has: not its overdraft, not seconds
      // its own users' calls in progress hold.
      if (seller->pool_seconds - seller->reserved_seconds < bought_seconds)
        return "traffic sold past the parent's pool";
      seller->pool_seconds -= bought_seconds;
    }
    return nullptr;
  }
  if (const auto* credit = std::get_if<AgentCreditSet>(&event.payload)) {
    if (!event.postings.empty()) return "a credit change with postings";
    if (!agents.find_agent(credit->agent)) return "credit for an agent never added";
    if (credit->prepayment_credit_units < 0 || credit->prepayment_credit_units > limits::amount_units_max ||
        credit->traffic_overdraft_seconds < 0 || credit->traffic_overdraft_seconds > traffic_seconds_max)
      return "a credit line out of range";
    AgentFunds& f = *start(credit->agent);
    f.credit_line_units = credit->prepayment_credit_units;
    f.overdraft_seconds = credit->traffic_overdraft_seconds;
    return nullptr;
  }

  // Every other event: no agent ledger account in CNY; traffic only for a
  // billed call of an agent's user.
  for (const Posting& p : event.postings)
    if (is_agent_kind(p.kind) && p.unit == Unit::cny_units) return "an agent ledger account posted by another event";
  const bool is_call = std::holds_alternative<CallAuthorized>(event.payload) ||
                       std::holds_alternative<CallSettled>(event.payload) ||
                       std::holds_alternative<HoldExpired>(event.payload);
  if (!is_call || call.agent.empty()) {
    if (!traffic_postings_of(event.postings).empty()) return "traffic postings on an event that moves no traffic";
    if (const auto* settled = std::get_if<CallSettled>(&event.payload)) {
      for (const Posting& p : event.postings)
        if (p.kind == LedgerAccountKind::call_revenue && !p.owner.empty())
          return "a provider user's call revenue booked to an agent";
      (void)settled;
    }
    return nullptr;
  }
  AgentFunds* f = start(call.agent);
  if (!f) return "a call of a user whose agent was never added";
  if (std::holds_alternative<CallAuthorized>(event.payload)) {
    if (!event.postings.empty() && !traffic_postings_of(event.postings).empty())
      return "traffic postings on an authorization";
    // The pool's never-overspend rule, like the wallet's: what calls in
    // progress may still bill never passes the pool and its overdraft.
    if (call.reserve_seconds <= 0 || call.reserve_seconds > f->available_seconds())
      return "an authorization past the agent's traffic pool";
    f->reserved_seconds += call.reserve_seconds;
    return nullptr;
  }
  if (const auto* settled = std::get_if<CallSettled>(&event.payload)) {
    std::vector<Posting> expected;
    add_call_traffic_postings(expected, std::string(call.agent), call.billed_seconds);
    if (traffic_postings_of(event.postings) != expected) return "a call's traffic postings differ from its billed seconds";
    for (const Posting& p : event.postings)
      if (p.kind == LedgerAccountKind::call_revenue && p.owner != call.agent)
        return "a call's revenue booked to another than its user's agent";
    (void)settled;
  } else if (!traffic_postings_of(event.postings).empty()) {
    return "traffic postings on an expiry";
  }
  if (call.release_seconds > f->reserved_seconds) return "a call releases more seconds than its agent reserved";
  f->reserved_seconds -= call.release_seconds;
  f->pool_seconds -= call.billed_seconds;
  f->used_seconds += call.billed_seconds;
  if (f->pool_seconds < -traffic_seconds_max) return "a traffic pool past its limit";
  return nullptr;
}

}  // namespace huawu
