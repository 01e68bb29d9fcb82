#pragma once
// Trouble tickets and the SLA report (ticket_verbs.cc; issue 6, clauses A3.2 and B3.4).
#include <string>

#include "cli/context.h"

namespace huawu::cli {

struct TicketArgs {
  std::string ticket, account, summary, reported, at, by = "provider", key;
};

struct SlaReportArgs {
  std::string contract;  // empty: every contract's tickets; "-": those under none
  std::string from, to;  // China days, inclusive: tickets reported in them
  std::string as_of;     // a day (its end); empty: now
};

int verb_ticket_open(Context& ctx, const TicketArgs& args);
int verb_ticket_respond(Context& ctx, const TicketArgs& args);
int verb_ticket_close(Context& ctx, const TicketArgs& args);
int verb_ticket_show(Context& ctx, const std::string& ticket);
// `contract` empty: all; "-": tickets under no contract. `unanswered`: only those without a response.
int verb_tickets(Context& ctx, const std::string& contract, bool unanswered);
int verb_sla_report(Context& ctx, const SlaReportArgs& args);

}  // namespace huawu::cli
