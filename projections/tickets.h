#pragma once
// Tickets projection (issue 6, clauses A3.2 and B3.4): problems bound users
// report, when the first response came and from which tier, and when a
// ticket was closed. Each ticket carries its response deadline, fixed when it
// opened from the contract in force (the obligation O-SLA keeps the values it
// was created with); projections/obligations.h turns it into an obligation.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "events/event.h"

namespace huawu {

struct TicketState {
  TicketOpened opened;
  std::uint64_t opened_sequence = 0;
  std::int64_t responded_us = 0;  // the first response; 0: none yet
  TicketParty responded_by = TicketParty::provider;
  std::uint64_t responded_sequence = 0;
  bool closed = false;
  std::uint64_t closed_sequence = 0;
  bool operator==(const TicketState&) const = default;
  bool responded() const { return responded_sequence != 0; }
};

// The id of the n-th ticket (1-based): "T000001".
std::string ticket_id(std::uint64_t n);
const char* ticket_party_name(TicketParty party);

// The ticket a ticket event is about; empty for other events.
std::string_view ticket_of(const Payload& payload);

// Why a ticket event cannot follow (`current`: the ticket, null when it does
// not exist yet; `opened`: how many tickets were opened before), or nullptr.
const char* ticket_event_problem(const TicketState* current, std::uint64_t opened, const Event& event);

// The state after `event` (a ticket event that ticket_event_problem allows).
void apply_to_ticket(TicketState& ticket, std::uint64_t sequence, const Event& event);

class Tickets {
 public:
  const char* problem(const Event& event) const;
  void apply(std::uint64_t sequence, const Event& event);

  const TicketState* find(std::string_view ticket) const;
  std::uint64_t opened() const { return tickets_.size(); }
  template <class Fn>  // Fn(const TicketState&), in ticket order
  void for_each(Fn&& fn) const {
    for (const auto& [id, ticket] : tickets_) fn(ticket);
  }
  // Tickets without a response yet, in ticket order: what the daemon's
  // obligation check looks at (answered ones need no more alerts).
  template <class Fn>  // Fn(const TicketState&)
  void for_each_unanswered(Fn&& fn) const {
    for (const std::string& id : unanswered_) fn(tickets_.find(id)->second);
  }

  // Layout: u64 tickets, each: str TicketOpened (encode_payload), u64 opened
  // sequence, i64 responded time, u8 party, u64 responded sequence, u8
  // closed, u64 closed sequence. The unanswered set is derived.
  void serialize(std::string& out) const;
  bool deserialize(std::string_view bytes, std::string* why);

 private:
  std::map<std::string, TicketState, std::less<>> tickets_;
  std::set<std::string, std::less<>> unanswered_;
};

}  // namespace huawu
