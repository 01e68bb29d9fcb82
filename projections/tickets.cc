#include "projections/tickets.h"

#include <cstdio>

#include "events/bytes.h"
#include "events/codec.h"
#include "events/ids.h"
#include "events/invariant.h"
#include "events/limits.h"
#include "projections/calendar.h"

namespace huawu {

std::string ticket_id(std::uint64_t n) {
  char id[32];
  std::snprintf(id, sizeof id, "T%06llu", static_cast<unsigned long long>(n));
  return id;
}

const char* ticket_party_name(TicketParty party) { return party == TicketParty::agent ? "agent" : "provider"; }

std::string_view ticket_of(const Payload& payload) {
  if (const auto* e = std::get_if<TicketOpened>(&payload)) return e->ticket;
  if (const auto* e = std::get_if<TicketResponded>(&payload)) return e->ticket;
  if (const auto* e = std::get_if<TicketClosed>(&payload)) return e->ticket;
  return {};
}

const char* ticket_event_problem(const TicketState* current, std::uint64_t opened, const Event& event) {
  if (!event.postings.empty()) return "a ticket event moves no money";
  if (const auto* o = std::get_if<TicketOpened>(&event.payload)) {
    if (current) return "a ticket opened twice";
    if (o->ticket != ticket_id(opened + 1)) return "tickets are numbered in order";
    if (!is_valid_account_id(o->account)) return "a ticket without an account";
    if (!is_valid_text(o->summary, limits::name_length_max) || o->summary.empty()) return "a ticket without a summary";
    if (o->reported_us <= 0) return "a ticket without its report time";
    if (o->sla_hours < 1 || o->sla_hours > 720) return "a ticket's SLA hours out of range";
    if (!BusinessSchedule::parse(o->schedule)) return "a ticket's schedule is not a schedule";
    // Due after the report, or indeterminate with the year the calendar lacks.
    if ((o->due_us == 0) == (o->unknown_year == 0)) return "a ticket's due time and unknown year disagree";
    if (o->due_us != 0 && o->due_us <= o->reported_us) return "a ticket due before it was reported";
    return nullptr;
  }
  if (!current) return "an event of a ticket never opened";
  if (current->closed) return "an event of a closed ticket";
  if (const auto* r = std::get_if<TicketResponded>(&event.payload)) {
    if (current->responded()) return "a ticket responded to twice (A3.2 counts the first response)";
    if (r->at_us < current->opened.reported_us) return "a response before the report";
    return nullptr;
  }
  return nullptr;  // TicketClosed: an open ticket closes
}

void apply_to_ticket(TicketState& ticket, std::uint64_t sequence, const Event& event) {
  if (const auto* o = std::get_if<TicketOpened>(&event.payload)) {
    ticket = TicketState{};
    ticket.opened = *o;
    ticket.opened_sequence = sequence;
  } else if (const auto* r = std::get_if<TicketResponded>(&event.payload)) {
    ticket.responded_us = r->at_us;
    ticket.responded_by = r->by;
    ticket.responded_sequence = sequence;
  } else if (std::holds_alternative<TicketClosed>(event.payload)) {
    ticket.closed = true;
    ticket.closed_sequence = sequence;
  }
}

const char* Tickets::problem(const Event& event) const {
  const std::string_view id = ticket_of(event.payload);
  if (id.empty()) return nullptr;
  return ticket_event_problem(find(id), opened(), event);
}

void Tickets::apply(std::uint64_t sequence, const Event& event) {
  const std::string_view id = ticket_of(event.payload);
  if (id.empty()) return;
  const char* why = problem(event);
  HUAWU_ASSERT(why == nullptr, why);
  TicketState& ticket = tickets_[std::string(id)];
  apply_to_ticket(ticket, sequence, event);
  if (std::holds_alternative<TicketOpened>(event.payload)) unanswered_.emplace(id);
  if (ticket.responded()) unanswered_.erase(std::string(id));
}

const TicketState* Tickets::find(std::string_view ticket) const {
  auto it = tickets_.find(ticket);
  return it == tickets_.end() ? nullptr : &it->second;
}

void Tickets::serialize(std::string& out) const {
  ByteWriter w;
  w.u64(tickets_.size());
  for (const auto& [id, t] : tickets_) {
    w.str(encode_payload(t.opened));
    w.u64(t.opened_sequence);
    w.i64(t.responded_us);
    w.u8(static_cast<std::uint8_t>(t.responded_by));
    w.u64(t.responded_sequence);
    w.u8(t.closed ? 1 : 0);
    w.u64(t.closed_sequence);
  }
  out += w.bytes();
}

bool Tickets::deserialize(std::string_view bytes, std::string* why) {
  *this = Tickets{};
  ByteReader r(bytes);
  const std::uint64_t count = r.u64();
  bool ok = true;
  for (std::uint64_t i = 0; i < count && !r.failed() && ok; ++i) {
    std::optional<TicketOpened> opened = decode_payload_as<TicketOpened>(r.str());
    ok = opened.has_value();
    if (!ok) break;
    TicketState t;
    t.opened = std::move(*opened);
    t.opened_sequence = r.u64();
    t.responded_us = r.i64();
    const std::uint8_t party = r.u8();
    ok = party <= static_cast<std::uint8_t>(TicketParty::agent);
    t.responded_by = static_cast<TicketParty>(party);
    t.responded_sequence = r.u64();
    t.closed = r.u8() != 0;
    t.closed_sequence = r.u64();
    std::string id = t.opened.ticket;
    if (!t.responded()) unanswered_.insert(id);
    tickets_.emplace(std::move(id), std::move(t));
  }
  if (!ok || r.failed() || !r.at_end()) {
    *why = "snapshot: tickets section truncated or malformed";
    return false;
  }
  return true;
}

}  // namespace huawu
