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
