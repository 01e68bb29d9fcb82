// decide for the agent tree (issue 4, clauses B3.1 and 4.1): adding agents
// under the provider or under each other, wholesale prices per agent and per
// level, suspending and resuming a subtree. The tree only grows downward from
// agents that exist, so no command can make a cycle.
#include "events/ids.h"
#include "events/limits.h"
#include "ledger/decide.h"

namespace huawu {

namespace {

Rejection find_agent(const DecideView& view, const std::string& id, const AgentState** out) {
  if (!is_valid_agent_id(id)) return Rejection::agent_id_invalid;
  *out = view.find_agent(id);
  return *out ? Rejection::none : Rejection::agent_not_found;
}

}  // namespace

Decision decide_agent(const DecideView& view, const AddAgent& c, Event event) {
  if (!is_valid_agent_id(c.agent)) return reject(Rejection::agent_id_invalid);
  if (c.name.empty() || !is_valid_text(c.name, limits::name_length_max)) return reject(Rejection::text_invalid);
  if (!is_valid_wholesale_price(c.price_units_per_minute)) return reject(Rejection::price_invalid);
  if (view.find_agent(c.agent)) return reject(Rejection::agent_exists);
  std::uint32_t level = 1;
  if (!c.parent.empty()) {
    // An agent under itself is the only cycle a command could ask for: the
    // parent must exist already, and a new agent has no children.
    if (c.parent == c.agent || !is_valid_agent_id(c.parent)) return reject(Rejection::parent_not_found);
    const AgentState* parent = view.find_agent(c.parent);
    if (!parent) return reject(Rejection::parent_not_found);
    level = parent->level + 1;
  }
  if (level > limits::agent_level_max) return reject(Rejection::agent_tree_too_deep);
  event.payload = AgentAdded{c.agent, c.parent, c.name, level, c.price_units_per_minute};
  return accept(std::move(event));
}

Decision decide_agent(const DecideView& view, const SetAgentPrice& c, Event event) {
  const AgentState* agent = nullptr;
  if (Rejection r = find_agent(view, c.agent, &agent); r != Rejection::none) return reject(r);
  if (!is_valid_wholesale_price(c.price_units_per_minute)) return reject(Rejection::price_invalid);
  if (agent->price_units_per_minute == c.price_units_per_minute) return reject(Rejection::price_unchanged);
  event.payload = AgentPriceSet{c.agent, c.price_units_per_minute};
  return accept(std::move(event));
}

Decision decide_agent(const DecideView& view, const SetLevelPrice& c, Event event) {
  if (c.level < 1 || c.level > limits::agent_level_max) return reject(Rejection::level_invalid);
  if (!is_valid_wholesale_price(c.price_units_per_minute)) return reject(Rejection::price_invalid);
  if (view.level_price_units(c.level) == c.price_units_per_minute) return reject(Rejection::price_unchanged);
  event.payload = LevelPriceSet{c.level, c.price_units_per_minute};
  return accept(std::move(event));
}

Decision decide_agent(const DecideView& view, const SuspendAgent& c, Event event) {
  const AgentState* agent = nullptr;
  if (Rejection r = find_agent(view, c.agent, &agent); r != Rejection::none) return reject(r);
  if (!is_valid_text(c.reason, limits::reference_length_max)) return reject(Rejection::text_invalid);
  if (agent->suspended) return reject(Rejection::agent_already_suspended);
  event.payload = AgentSuspended{c.agent, c.reason};
  return accept(std::move(event));
}

Decision decide_agent(const DecideView& view, const ResumeAgent& c, Event event) {
  const AgentState* agent = nullptr;
  if (Rejection r = find_agent(view, c.agent, &agent); r != Rejection::none) return reject(r);
  if (!agent->suspended) return reject(Rejection::agent_not_suspended);
  event.payload = AgentResumed{c.agent};
  return accept(std::move(event));
}

const AgentState* suspended_ancestor(const DecideView& view, std::string_view agent, std::string* which) {
  // Levels are bounded (limits::agent_level_max), so is this walk.
  std::string_view id = agent;
  while (!id.empty()) {
    const AgentState* state = view.find_agent(id);
    if (!state) return nullptr;  // cannot happen: the projection keeps every parent
    if (state->suspended) {
      *which = std::string(id);
      return state;
    }
    id = state->parent;
  }
  return nullptr;
}

}  // namespace huawu

// ---- money and traffic (clauses 4.1 and B3.7) ------------------------------------------------

namespace huawu {

namespace {

// An event whose postings follow the one rule (projections/agent_funds.h).
Decision accept_agent_money(Event event, Payload payload, const AgentState& agent) {
  event.postings = agent_event_postings(payload, agent.parent);
  event.payload = std::move(payload);
  return accept(std::move(event));
}

Rejection check_payment_amount(std::int64_t units) {
  if (units <= 0) return Rejection::amount_must_be_positive;
  if (units > limits::amount_units_max) return Rejection::amount_too_large;
  return Rejection::none;
}

}  // namespace

Decision decide_agent(const DecideView& view, const RecordAgentPayment& c, Event event) {
  const AgentState* agent = nullptr;
  if (Rejection r = find_agent(view, c.agent, &agent); r != Rejection::none) return reject(r);
  if (Rejection r = check_payment_amount(c.amount_units); r != Rejection::none) return reject(r);
  if (!is_valid_text(c.reference, limits::reference_length_max)) return reject(Rejection::text_invalid);
  const AgentFunds& funds = *view.agent_funds(c.agent);
  // Both bounded by balance_units_max, so the sums are exact.
  if ((c.kind == AgentPaymentKind::traffic &&
       funds.paid_traffic_units + c.amount_units > limits::balance_units_max) ||
      (c.kind == AgentPaymentKind::deposit && funds.deposit_units + c.amount_units > limits::balance_units_max))
    return reject(Rejection::balance_limit_exceeded);
  return accept_agent_money(std::move(event), AgentPaymentRecorded{c.agent, c.kind, c.amount_units, c.reference},
                            *agent);
}

Decision decide_agent(const DecideView& view, const ReleaseDeposit& c, Event event) {
  const AgentState* agent = nullptr;
  if (Rejection r = find_agent(view, c.agent, &agent); r != Rejection::none) return reject(r);
  if (Rejection r = check_payment_amount(c.amount_units); r != Rejection::none) return reject(r);
  if (!is_valid_text(c.reason, limits::reference_length_max)) return reject(Rejection::text_invalid);
  if (c.disposition == DepositDisposition::forfeited && c.reason.empty()) return reject(Rejection::reason_required);
  if (c.amount_units > view.agent_funds(c.agent)->deposit_units) return reject(Rejection::deposit_insufficient);
  return accept_agent_money(std::move(event), AgentDepositReleased{c.agent, c.amount_units, c.disposition, c.reason},
                            *agent);
}

Decision decide_agent(const DecideView& view, const BuyTraffic& c, Event event) {
  const AgentState* agent = nullptr;
  if (Rejection r = find_agent(view, c.agent, &agent); r != Rejection::none) return reject(r);
  if (c.minutes <= 0 || c.minutes > traffic_seconds_max / 60) return reject(Rejection::minutes_invalid);
  const std::int64_t price = view.effective_price_units(*agent);
  if (price <= 0) return reject(Rejection::agent_price_unset);
  // minutes <= traffic_seconds_max / 60 and price <= rate_price_fen_max * 100:
  // the product is exact in 64 bits. Clause 4.1: 10,000 minutes at 8.5 fen
  // (850 units) is 8,500,000 units = 850.0000 yuan.
  const std::int64_t cost_units = c.minutes * price;
  if (cost_units > limits::amount_units_max) return reject(Rejection::amount_too_large);
  const AgentFunds& funds = *view.agent_funds(c.agent);
  if (funds.prepaid_units() - cost_units < -funds.credit_line_units)
    return reject(Rejection::agent_prepayment_insufficient);
  if (funds.pool_seconds + c.minutes * 60 > traffic_seconds_max) return reject(Rejection::minutes_invalid);
  if (!agent->parent.empty()) {
    const AgentFunds& parent = *view.agent_funds(agent->parent);
    if (parent.pool_seconds - parent.reserved_seconds < c.minutes * 60)
      return reject(Rejection::parent_traffic_insufficient);
  }
  return accept_agent_money(std::move(event), TrafficPurchased{c.agent, agent->parent, c.minutes, price, cost_units},
                            *agent);
}

Decision decide_agent(const DecideView& view, const SetAgentCredit& c, Event event) {
  const AgentState* agent = nullptr;
  if (Rejection r = find_agent(view, c.agent, &agent); r != Rejection::none) return reject(r);
  if (c.prepayment_credit_units < 0 || c.prepayment_credit_units > limits::amount_units_max ||
      c.traffic_overdraft_seconds < 0 || c.traffic_overdraft_seconds > traffic_seconds_max)
    return reject(Rejection::credit_invalid);
  event.payload = AgentCreditSet{c.agent, c.prepayment_credit_units, c.traffic_overdraft_seconds};
  return accept(std::move(event));
}

}  // namespace huawu

// ---- principals (clauses 5 and B3.6) ---------------------------------------------------------

namespace huawu {

namespace {

// What crypto_pwhash_str writes for argon2id; the command makes it.
bool is_argon2id_hash(std::string_view hash) {
  return hash.size() <= 256 && hash.rfind("$argon2id$", 0) == 0 && is_valid_text(hash, 256);
}

}  // namespace

Decision decide_principal(const DecideView& view, const AddPrincipal& c, Event event) {
  if (!is_valid_principal_name(c.name)) return reject(Rejection::principal_name_invalid);
  if (c.role > PrincipalRole::auditor) return reject(Rejection::principal_agent_mismatch);
  if ((c.role == PrincipalRole::agent) == c.agent.empty()) return reject(Rejection::principal_agent_mismatch);
  if (!is_argon2id_hash(c.password_hash)) return reject(Rejection::password_hash_invalid);
  if (view.find_principal(c.name)) return reject(Rejection::principal_exists);
  if (!c.agent.empty()) {
    const AgentState* agent = nullptr;
    if (Rejection r = find_agent(view, c.agent, &agent); r != Rejection::none) return reject(r);
  }
  event.payload = PrincipalAdded{c.name, c.role, c.agent};
  return accept(std::move(event));
}

Decision decide_principal(const DecideView& view, const SetPrincipalPassword& c, Event event) {
  if (!is_valid_principal_name(c.name)) return reject(Rejection::principal_name_invalid);
  if (!view.find_principal(c.name)) return reject(Rejection::principal_not_found);
  if (!is_argon2id_hash(c.password_hash)) return reject(Rejection::password_hash_invalid);
  event.payload = PrincipalPasswordChanged{c.name};
  return accept(std::move(event));
}

}  // namespace huawu
