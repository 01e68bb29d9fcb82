#include "cli/ticket_verbs.h"

#include "cli/format.h"
#include "projections/obligations.h"

namespace huawu::cli {

namespace {

nlohmann::json ticket_json(const TicketState& t, const Obligation& sla) {
  const TicketOpened& o = t.opened;
  return nlohmann::json{{"ticket", o.ticket},
                        {"account", o.account},
                        {"agent", o.agent},
                        {"contract", o.contract},
                        {"summary", o.summary},
                        {"reported", format_china_minute(o.reported_us)},
                        {"sla_hours", o.sla_hours},
                        {"schedule", o.schedule},
                        {"due", o.due_us == 0 ? "" : format_china_minute(o.due_us)},
                        {"responded", t.responded() ? format_china_minute(t.responded_us) : ""},
                        {"responded_by", t.responded() ? ticket_party_name(t.responded_by) : ""},
                        {"closed", t.closed},
                        {"obligation", sla.id},
                        {"sla_status", obligation_status_name(sla.status)},
                        {"calendar_version", o.calendar_version}};
}

std::string ticket_line(const TicketState& t, const Obligation& sla) {
  const TicketOpened& o = t.opened;
  return o.ticket + "  " + o.account + (o.contract.empty() ? "" : "  contract " + o.contract) + "  reported " +
         format_china_minute(o.reported_us) + "  due " +
         (o.due_us == 0 ? "calendar_unknown " + std::to_string(o.unknown_year) : format_china_minute(o.due_us)) +
         (t.responded() ? "  responded " + format_china_minute(t.responded_us) + " by " +
                              ticket_party_name(t.responded_by)
                        : std::string("  no response")) +
         (t.closed ? "  closed" : "") + "  " + obligation_status_name(sla.status) + "  \"" + o.summary + "\"";
}

std::optional<TicketParty> parse_party(const std::string& text) {
  if (text == "provider") return TicketParty::provider;
  if (text == "agent") return TicketParty::agent;
  return std::nullopt;
}

// "92.3": in tenths of a percent, rounded half up, in integers.
std::string percent_text(std::uint64_t part, std::uint64_t whole) {
  const std::uint64_t tenths = (part * 1000 + whole / 2) / whole;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

}  // namespace

int verb_ticket_open(Context& ctx, const TicketArgs& args) {
  int code = exit_ok;
  const auto reported = instant_or_report(ctx, args.reported, "--reported", &code);
  if (!reported) return code;
  return run_request(ctx, Request{OpenTicket{args.account, args.summary, *reported}, args.key, {}, 0});
}

int verb_ticket_respond(Context& ctx, const TicketArgs& args) {
  int code = exit_ok;
  const auto at = instant_or_report(ctx, args.at, "--at", &code);
  if (!at) return code;
  const auto by = parse_party(args.by);
  if (!by) return print_error(ctx, exit_bad_input, "party_invalid", "--by is provider or agent");
  return run_request(ctx, Request{RespondTicket{args.ticket, *at, *by}, args.key, {}, 0});
}

int verb_ticket_close(Context& ctx, const TicketArgs& args) {
  return run_request(ctx, Request{CloseTicket{args.ticket}, args.key, {}, 0});
}

int verb_ticket_show(Context& ctx, const std::string& ticket) {
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  std::optional<TicketState> state;
  std::optional<Waiver> waiver;
  writer->read_and_wait([&](const LedgerState& ledger) {
    const TicketState* found = ledger.tickets().find(ticket);
    if (!found) return;
    state = *found;
    if (const Waiver* w = ledger.contracts().find_waiver(ticket_obligation_id(found->opened))) waiver = *w;
  });
  if (!state) return print_error(ctx, exit_refused, "ticket_not_found", "refused: ticket_not_found");
  const std::int64_t as_of_us = now_us();
  Obligation sla = ticket_obligation(*state, as_of_us);
  apply_waiver(sla, waiver ? &*waiver : nullptr, as_of_us);
  if (ctx.json) {
    ctx.out << json_line(ticket_json(*state, sla)) << "\n";
    return exit_ok;
  }
  ctx.out << ticket_line(*state, sla) << "\n    " << sla.id << ": " << sla.rule << "\n";
  return exit_ok;
}

int verb_tickets(Context& ctx, const std::string& contract, bool unanswered) {
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  const std::int64_t as_of_us = now_us();
  nlohmann::json list = nlohmann::json::array();
  std::string text;
  writer->read_and_wait([&](const LedgerState& ledger) {
    ledger.tickets().for_each([&](const TicketState& t) {
      const std::string of = t.opened.contract.empty() ? "-" : t.opened.contract;
      if ((!contract.empty() && of != contract) || (unanswered && t.responded())) return;
      Obligation sla = ticket_obligation(t, as_of_us);
      apply_waiver(sla, ledger.contracts().find_waiver(sla.id), as_of_us);
      list.push_back(ticket_json(t, sla));
      text += ticket_line(t, sla) + "\n";
    });
  });
  if (ctx.json) {
    ctx.out << json_line(nlohmann::json{{"tickets", list}}) << "\n";
    return exit_ok;
  }
  ctx.out << (text.empty() ? "no tickets\n" : text);
  return exit_ok;
}

int verb_sla_report(Context& ctx, const SlaReportArgs& args) {
  int code = exit_ok;
  const auto from = parse_date(args.from);
  const auto to = parse_date(args.to);
  if (!from || !to || *to < *from)
    return print_error(ctx, exit_bad_input, "date_invalid", "--from and --to are days, --from first, e.g. 2026-03-01");
  const std::optional<std::int64_t> as_of = as_of_or_report(ctx, args.as_of, &code);
  if (!as_of) return code;
  const std::int64_t as_of_us = *as_of;
  std::optional<std::vector<Obligation>> found = obligations_or_report(ctx, args.contract, as_of_us, &code);
  if (!found) return code;
  std::vector<Obligation>& obligations = *found;
  // Only tickets reported on the days asked about.
  std::erase_if(obligations, [&](const Obligation& o) {
    const Date reported = china_date_of(o.triggered_at_us);
    return o.type != "O-SLA" || reported < *from || reported > *to;
  });
  std::uint64_t in_time = 0, late = 0, past_due = 0, not_due = 0, waived = 0, indeterminate = 0;
  nlohmann::json late_ids = nlohmann::json::array(), past_due_ids = nlohmann::json::array();
  for (const Obligation& o : obligations) {
    switch (o.status) {
      case ObligationStatus::met: ++in_time; break;
      case ObligationStatus::met_late: ++late, late_ids.push_back(o.id); break;
      case ObligationStatus::overdue: ++past_due, past_due_ids.push_back(o.id); break;
      case ObligationStatus::pending: ++not_due; break;
      case ObligationStatus::waived: ++waived; break;
      case ObligationStatus::indeterminate: ++indeterminate; break;
    }
  }
  // On time among the tickets whose promise is decided: answered, or past due unanswered.
  const std::uint64_t decided = in_time + late + past_due;
  const std::string on_time = decided == 0 ? "" : percent_text(in_time, decided);
  const std::string as_of_text = args.as_of.empty() ? format_time_utc(as_of_us) : args.as_of;
  if (ctx.json) {
    ctx.out << json_line(nlohmann::json{{"contract", args.contract},
                                        {"from", args.from},
                                        {"to", args.to},
                                        {"as_of", as_of_text},
                                        {"tickets", obligations.size()},
                                        {"responded_in_time", in_time},
                                        {"responded_late", late},
                                        {"open_past_due", past_due},
                                        {"open_not_yet_due", not_due},
                                        {"waived", waived},
                                        {"indeterminate", indeterminate},
                                        {"on_time_percent", on_time},
                                        {"late", late_ids},
                                        {"past_due", past_due_ids}})
            << "\n";
    return exit_ok;
  }
  ctx.out << "SLA (A3.2) " << (args.contract.empty() ? "all contracts" : "contract " + args.contract) << ", tickets reported "
          << args.from << " .. " << args.to << ", as of " << as_of_text << "\n";
  ctx.out << "  tickets            " << obligations.size() << "\n"
          << "  responded in time  " << in_time << "\n"
          << "  responded late     " << late << "\n"
          << "  open, past due     " << past_due << "\n"
          << "  open, not yet due  " << not_due << "\n";
  if (waived != 0) ctx.out << "  waived             " << waived << "\n";
  if (indeterminate != 0) ctx.out << "  calendar unknown   " << indeterminate << "\n";
  ctx.out << "  on time            " << (on_time.empty() ? "-" : on_time + "%") << "\n";
  for (const auto& id : late_ids) ctx.out << "  late: " << id.get<std::string>() << "\n";
  for (const auto& id : past_due_ids) ctx.out << "  past due: " << id.get<std::string>() << "\n";
  return exit_ok;
}

}  // namespace huawu::cli
