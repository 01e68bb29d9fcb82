#pragma once
// Contracts projection (issue 6, clauses 7, 8, 6.5 and B3.5): each
// cooperation agreement, its supplementary agreements (amendments), the
// notices sent under it, and where it stands on any date — pending, active in
// its first term, renewed, expired after an objection deemed received in
// time, or terminated after an agent's last day of service. Status is
// computed from the events and the date asked about, so "as of" any date,
// past or future, is one rule. The projection also keeps what obligations
// need from other events (payments and account cards reaching the contract's
// figures), the waivers, and which alerts the daemon raised.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.h"
#include "events/rejection.h"
#include "projections/calendar.h"

namespace huawu {

class Agents;

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
  std::vector<NoticeSent> notices;            // in event order
  std::vector<ContractAmended> amendments;    // in event order (amendment 1, 2, ...)
  Milestone paid;      // B3.7: first traffic amount, deposit and franchise fee all paid
  Milestone accounts;  // A2.4: account cards generated and activated for the agent
  bool operator==(const ContractState&) const = default;
  // Effective on the later signature (clause 7).
  Date effective() const;
  // Clause 8: the signed terms with every amendment effective on or before
  // `day` applied, in order of effective day (then of amendment number).
  ContractTerms terms_on(Date day) const;
};

// The contract terms an amendment may change, by the name `contract sign`
// gives their option ("term-months"), and how each is read and written.
struct ContractTermParam {
  const char* name;
  std::int64_t (*get)(const ContractTerms&);
  void (*set)(ContractTerms&, std::int64_t);
};
const std::vector<ContractTermParam>& contract_term_params();
const ContractTermParam* find_contract_term_param(std::string_view name);
// Why terms cannot stand (a level, price, amount, deadline, SLA or term out
// of range), or nullptr.
const char* contract_terms_problem(const ContractTerms& terms);

enum class ContractPhase : std::uint8_t { pending, active, renewed, expired, terminated };
const char* contract_phase_name(ContractPhase phase);
inline bool in_force(ContractPhase phase) { return phase == ContractPhase::active || phase == ContractPhase::renewed; }

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

// The status of `contract` on `as_of` (a China date). A term's length is the
// term (first) or renewal (later) months in force on its first day; an
// amendment effective inside a term that changes that length moves the
// term's last day (counted again from the term's start). Whether it renews
// follows the renewal policy in force on its last day.
ContractStatus contract_status(const ContractState& contract, Date as_of);

// A contract id, notice ids: account-id-like tokens.
bool is_valid_contract_id(std::string_view id);
// The id of the n-th notice (1-based): "N000001".
std::string notice_id(std::uint64_t n);

// Why a contract event cannot follow (`current`: the contract's state, null
// when not signed yet), or nullptr: the one statement of the contract rules.
const char* contract_event_problem(const ContractState* current, std::uint64_t notices_sent, const Agents& agents,
                                   const Event& event);
// The contract id a contract event (signature, notice, amendment) is about; empty for other events.
std::string_view contract_of(const Payload& payload);
// Whether the contract can take `amendment`, or why not: amendment_invalid
// (no change, a parameter twice or unknown, or a shorter term that would end
// the term in force before the amendment takes effect), date_invalid,
// contract_not_in_force (effective on or before the contract's effective
// day, or on a day it is not in force), contract_terms_invalid (terms out of
// range on its day or a later amendment's). Decide and the rule statement
// judge an amendment by this one function.
Rejection amendment_rejection(const ContractState& contract, const ContractAmended& amendment);

// A waived obligation (ObligationWaived): from when, and why.
struct Waiver {
  std::string contract;
  std::string reason;
  std::uint64_t sequence = 0;
  std::int64_t time_us = 0;  // the event's business time
  bool operator==(const Waiver&) const = default;
};

// The key under which an alert is remembered: raised once per obligation and kind.
std::string alert_key(std::string_view obligation, AlertKind kind);
const char* alert_kind_name(AlertKind kind);

class Contracts {
 public:
  const char* problem(const Event& event, const Agents& agents) const;
  void apply(std::uint64_t sequence, const Event& event, const Agents& agents);

  const ContractState* find(std::string_view contract) const;
  std::uint64_t notices_sent() const { return notices_sent_; }
  const Waiver* find_waiver(std::string_view obligation) const;
  bool alert_raised(std::string_view key) const { return alerts_.count(key) != 0; }
  template <class Fn>  // Fn(const std::string& id, const ContractState&), in id order
  void for_each(Fn&& fn) const {
    for (const auto& [id, state] : contracts_) fn(id, state);
  }

  // Layout: u64 notices sent; u64 contracts, each: str ContractSigned
  // (encode_payload), u64 sequence, u64 notices and each str NoticeSent, u64
  // amendments and each str ContractAmended, the two milestones (u64, i64);
  // u64 agents, each str id and its totals; u64 account-card batches, each str
  // batch and str agent; u64 waivers, each str obligation, str contract, str
  // reason, u64 sequence, i64 time; u64 alerts, each str key.
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
  std::map<std::string, Waiver, std::less<>> waivers_;                   // obligation id -> waiver
  std::set<std::string, std::less<>> alerts_;                            // alert_key()s raised
};

}  // namespace huawu
