#pragma once
// Contracts projection (issue 6, clauses 7, 6.5 and B3.5): each cooperation
// agreement, the notices sent under it, and where it stands on any date —
// pending, active in its first term, renewed, expired after an objection
// deemed received in time, or terminated after an agent's last day of
// service. Status is computed from the events and the date asked about, so
// "as of" any date, past or future, is one rule.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.h"
#include "projections/calendar.h"

namespace huawu {

class AgentsLookup;

struct ContractState {
  ContractSigned signed_event;
  std::uint64_t signed_sequence = 0;
  std::vector<NoticeSent> notices;  // in event order
  bool operator==(const ContractState&) const = default;
  // Effective on the later signature (clause 7).
  Date effective() const;
};

enum class ContractPhase : std::uint8_t { pending, active, renewed, expired, terminated };
const char* contract_phase_name(ContractPhase phase);

// Where a contract stands on a date.
struct ContractStatus {
  ContractPhase phase = ContractPhase::pending;
  int term = 0;             // 1: the first term, 2: its first renewal, ...; 0 while pending
  Date term_start{};
  Date term_last_day{};     // the term in force, or the last one (expired, terminated)
  Date ended_after{};       // expired or terminated: the last day it was in force
  // The next date something decides the contract's course, and what decides it.
  std::optional<Date> next_decision;
  std::string decided_by;
  std::string ended_by;     // the notice that ended it (expired, terminated)
};

// The status of `contract` on `as_of` (a China date).
ContractStatus contract_status(const ContractState& contract, Date as_of);

// A contract id, notice ids: account-id-like tokens.
bool is_valid_contract_id(std::string_view id);
// The id of the n-th notice (1-based): "N000001".
std::string notice_id(std::uint64_t n);

// Why a contract event cannot follow (`current`: the contract's state, null
// when not signed yet), or nullptr: the one statement of the contract rules.
const char* contract_event_problem(const ContractState* current, std::uint64_t notices_sent, const AgentsLookup& agents,
                                   const Event& event);

class Contracts {
 public:
  const char* problem(const Event& event, const AgentsLookup& agents) const;
  void apply(std::uint64_t sequence, const Event& event, const AgentsLookup& agents);

  const ContractState* find(std::string_view contract) const;
  std::uint64_t notices_sent() const { return notices_sent_; }
  template <class Fn>  // Fn(const std::string& id, const ContractState&), in id order
  void for_each(Fn&& fn) const {
    for (const auto& [id, state] : contracts_) fn(id, state);
  }

  // Layout: u64 notices sent; u64 contracts, each: str id, the ContractSigned
  // fields, u64 sequence, u64 notices, each the NoticeSent fields.
  void serialize(std::string& out) const;
  bool deserialize(std::string_view bytes, std::string* why);

 private:
  std::map<std::string, ContractState, std::less<>> contracts_;
  std::uint64_t notices_sent_ = 0;
};

}  // namespace huawu
