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

// When an obligation's requirement was first met: the event and its business
// time (when it happened, which a payment recorded late says).
struct Milestone {
  std::uint64_t sequence = 0;  // 0: not met yet
  std::int64_t time_us = 0;
  bool operator==(const Milestone&) const = default;
};

struct ContractState {
  ContractSigned signed_event;
  std::uint64_t signed_sequence = 0;
  std::vector<NoticeSent> notices;  // in event order
  Milestone paid;      // B3.7: first traffic amount, deposit and franchise fee all paid
  Milestone accounts;  // A2.4: account cards generated and activated for the agent
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

// Obligations (issue 6): typed, with a clause, a bearer, a deadline computed
// on the working-day calendar, and the event that satisfied them.
enum class ObligationStatus : std::uint8_t { pending, met, met_late, overdue, waived, indeterminate };
const char* obligation_status_name(ObligationStatus status);

struct Obligation {
  std::string id;           // "CONTRACT/O-PAY", "CONTRACT/O-EXIT/N000002"
  std::string type;         // O-PAY, O-ACCOUNTS, O-EXIT, O-DISPUTE
  std::string clause;       // B3.7, A2.4, B3.5, 6.1
  std::string bearer;       // "agent ID", "provider", "either party"
  std::string beneficiary;
  std::string trigger;      // what started it
  std::string rule;         // how the deadline is computed
  Date deadline{};          // the last day (China) it may be met on; for O-DISPUTE the first day arbitration may be filed
  std::string satisfied_by; // "event N" or a notice id; empty while not met
  std::int64_t satisfied_at_us = 0;
  ObligationStatus status = ObligationStatus::pending;
  int unknown_year = 0;     // indeterminate: the year the calendar does not cover
  std::string calendar_version;
};

// The obligations of a contract as of a China date, computed with `calendar`.
std::vector<Obligation> contract_obligations(const ContractState& contract, const WorkCalendar& calendar, Date as_of);

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
  // fields, u64 sequence, u64 notices, each the NoticeSent fields, then the
  // two milestones; u64 agents, each str id and its totals; u64 account-card
  // batches, each str batch and str agent.
  void serialize(std::string& out) const;
  bool deserialize(std::string_view bytes, std::string* why);

 private:
  // What an agent has paid and what its account cards came to, for the milestones.
  struct AgentTotals {
    std::int64_t traffic_paid_units = 0;
    std::int64_t deposit_paid_units = 0;
    std::int64_t fee_paid_units = 0;
    std::uint64_t account_cards = 0;
    std::uint64_t activated = 0;
    bool operator==(const AgentTotals&) const = default;
  };
  // Sets the milestones of `agent`'s contracts that its totals now meet.
  void reach_milestones(const std::string& agent, std::uint64_t sequence, std::int64_t time_us);

  std::map<std::string, ContractState, std::less<>> contracts_;
  std::uint64_t notices_sent_ = 0;
  std::map<std::string, AgentTotals, std::less<>> agent_totals_;
  std::map<std::string, std::string, std::less<>> account_card_batches_;  // batch -> agent
};

}  // namespace huawu
