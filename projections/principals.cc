#include "projections/principals.h"

#include "events/bytes.h"
#include "events/ids.h"
#include "projections/agents.h"
#include "events/invariant.h"
#include "projections/agent_funds.h"

namespace huawu {

bool is_valid_principal_name(std::string_view name) { return is_valid_account_id(name); }

std::string_view principal_of(const Payload& payload) {
  if (const auto* e = std::get_if<PrincipalAdded>(&payload)) return e->name;
  if (const auto* e = std::get_if<PrincipalPasswordChanged>(&payload)) return e->name;
  return {};
}

const char* principal_event_problem(const PrincipalState* current, const Agents& agents, const Event& event) {
  if (!event.postings.empty()) return "a principal event with postings";
  if (const auto* added = std::get_if<PrincipalAdded>(&event.payload)) {
    if (current) return "principal added twice";
    if (!is_valid_principal_name(added->name)) return "principal name invalid";
    if ((added->role == PrincipalRole::agent) != !added->agent.empty())
      return "an agent principal without its agent, or another role with one";
    if (!added->agent.empty() && !agents.find_agent(added->agent)) return "a principal for an agent that does not exist";
    return nullptr;
  }
  if (std::holds_alternative<PrincipalPasswordChanged>(event.payload) && !current)
    return "password changed for a principal never added";
  return nullptr;
}

void apply_to_principal(PrincipalState& principal, std::uint64_t sequence, const Event& event) {
  if (const auto* added = std::get_if<PrincipalAdded>(&event.payload))
    principal = PrincipalState{added->role, added->agent, sequence, sequence};
  else if (std::holds_alternative<PrincipalPasswordChanged>(event.payload))
    principal.password_changed_sequence = sequence;
}

const char* Principals::problem(const Event& event, const Agents& agents) const {
  const std::string_view name = principal_of(event.payload);
  if (name.empty()) return nullptr;
  return principal_event_problem(find(name), agents, event);
}

void Principals::apply(std::uint64_t sequence, const Event& event, const Agents& agents) {
  const char* why = problem(event, agents);
  HUAWU_ASSERT(why == nullptr, why);
  const std::string_view name = principal_of(event.payload);
  if (name.empty()) return;
  auto it = principals_.find(name);
  if (it == principals_.end()) it = principals_.emplace(std::string(name), PrincipalState{}).first;
  apply_to_principal(it->second, sequence, event);
}

const PrincipalState* Principals::find(std::string_view name) const {
  auto it = principals_.find(name);
  return it == principals_.end() ? nullptr : &it->second;
}

void Principals::serialize(std::string& out) const {
  ByteWriter w;
  w.u64(principals_.size());
  for (const auto& [name, p] : principals_) {
    w.str(name);
    w.u8(static_cast<std::uint8_t>(p.role));
    w.str(p.agent);
    w.u64(p.added_sequence);
    w.u64(p.password_changed_sequence);
  }
  out.append(w.bytes());
}

bool Principals::deserialize(std::string_view bytes, std::string* why) {
  ByteReader r(bytes);
  principals_.clear();
  const std::uint64_t count = r.u64();
  for (std::uint64_t i = 0; i < count && !r.failed(); ++i) {
    std::string name = r.str();
    PrincipalState p;
    const std::uint8_t role = r.u8();
    p.agent = r.str();
    p.added_sequence = r.u64();
    p.password_changed_sequence = r.u64();
    if (role > static_cast<std::uint8_t>(PrincipalRole::auditor) || !is_valid_principal_name(name) ||
        (!principals_.empty() && !(principals_.rbegin()->first < name))) {
      *why = "principals snapshot: bad principal record";
      return false;
    }
    p.role = static_cast<PrincipalRole>(role);
    principals_.emplace_hint(principals_.end(), std::move(name), std::move(p));
  }
  if (r.failed() || !r.at_end()) {
    *why = "principals snapshot: truncated or trailing bytes";
    return false;
  }
  return true;
}

}  // namespace huawu
