#pragma once
// Principals projection (issue 4, clauses 5 and B3.6): who may act through
// the daemon, in which role. Passwords are not here (nor in the log): their
// argon2id hashes live in the store's `credentials` family (ledger/store.h).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "events/event.h"

namespace huawu {

class Agents;

struct PrincipalState {
  PrincipalRole role = PrincipalRole::provider;
  std::string agent;  // role agent: the agent it acts for
  std::uint64_t added_sequence = 0;
  std::uint64_t password_changed_sequence = 0;
  bool operator==(const PrincipalState&) const = default;
};

// A principal name: 1-64 of [A-Za-z0-9_.-], like an account id.
bool is_valid_principal_name(std::string_view name);

// Why a principal event cannot follow `current` (null: no such principal),
// or nullptr. `agents` answers whether an agent principal's agent exists.
const char* principal_event_problem(const PrincipalState* current, const Agents& agents, const Event& event);

// Applies a principal event to the principal's state (shared by the
// projection and the writer's overlay).
void apply_to_principal(PrincipalState& principal, std::uint64_t sequence, const Event& event);

// The principal a principal event is about, or empty.
std::string_view principal_of(const Payload& payload);

class Principals {
 public:
  const char* problem(const Event& event, const Agents& agents) const;
  void apply(std::uint64_t sequence, const Event& event, const Agents& agents);

  const PrincipalState* find(std::string_view name) const;
  std::size_t size() const { return principals_.size(); }
  template <class Fn>  // Fn(const std::string& name, const PrincipalState&), in name order
  void for_each(Fn&& fn) const {
    for (const auto& [name, state] : principals_) fn(name, state);
  }

  // Layout: u64 count, per principal in name order: str name, u8 role,
  // str agent, u64 added sequence, u64 password changed sequence.
  void serialize(std::string& out) const;
  bool deserialize(std::string_view bytes, std::string* why);

 private:
  std::map<std::string, PrincipalState, std::less<>> principals_;
};

}  // namespace huawu
