#include "cli/verbs.h"

#include <cstdio>

#include "cli/format.h"
#include "events/codec.h"
#include "events/money.h"

namespace huawu::cli {

namespace {

std::string printf_string(const char* format, auto... args) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, format, args...);
  return buffer;
}

}  // namespace

int verb_account_open(Context& ctx, const std::string& account, const std::string& initial,
                      const std::string& plan, const std::string& agent, const std::string& key) {
  int code = exit_ok;
  auto units = amount_or_report(ctx, initial, &code);
  if (!units) return code;
  return run_request(ctx, Request{OpenAccount{account, plan, *units, agent}, key, {}, 0});
}

int verb_recharge(Context& ctx, const std::string& account, const std::string& amount,
                  const std::string& reference, const std::string& key) {
  int code = exit_ok;
  auto units = amount_or_report(ctx, amount, &code);
  if (!units) return code;
  return run_request(ctx, Request{RechargeWallet{account, *units, reference}, key, {}, 0});
}

int verb_account_close(Context& ctx, const std::string& account, const CloseChoice& choice, const std::string& key) {
  const int asked = (choice.refund ? 1 : 0) + (choice.transfer_to.empty() ? 0 : 1) + (choice.forfeit ? 1 : 0);
  if (asked > 1)
    return print_error(ctx, exit_bad_input, "disposition_invalid", "choose one of --refund, --transfer-to, --forfeit");
  CloseAccount command{account, CloseDisposition::none, choice.transfer_to, choice.reference};
  if (choice.refund) command.disposition = CloseDisposition::refund;
  if (!choice.transfer_to.empty()) command.disposition = CloseDisposition::transfer;
  if (choice.forfeit) command.disposition = CloseDisposition::forfeit;
  return run_request(ctx, Request{std::move(command), key, {}, 0});
}

int verb_account_transfer(Context& ctx, const std::string& account, const std::string& to_agent,
                          const std::string& consent, const std::string& consent_by, const std::string& key) {
  ConsentParty party = ConsentParty::provider;
  if (consent_by == "both-agents" || consent_by == "both_agents") party = ConsentParty::both_agents;
  else if (consent_by != "provider")
    return print_error(ctx, exit_bad_input, "consent_party_invalid", "--consent-by is provider or both-agents");
  const std::string agent = to_agent == "provider" ? std::string() : to_agent;
  // An agent operator moves users only within its own subtree.
  if (const Scope* scope = ctx.access.scope()) {
    int code = exit_ok;
    Writer* writer = writer_or_report(ctx, &code);
    if (!writer) return code;
    bool reachable = false;
    writer->read_and_wait([&](const LedgerState& state) { reachable = in_subtree(state.agents(), agent, scope->agent); });
    if (!reachable) return print_error(ctx, exit_refused, "agent_not_found", "refused: agent_not_found");
  }
  return run_request(ctx, Request{TransferAccount{account, agent, party, consent}, key, {}, 0});
}

int verb_balance(Context& ctx, const std::string& account) {
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  std::optional<AccountState> state;
  std::uint64_t as_of = 0;
  writer->read_and_wait([&](const LedgerState& ledger) {
    if (const AccountState* found = ledger.balances().find(account)) state = *found;
    as_of = ledger.applied_through();
  });
  if (!state) return print_error(ctx, exit_refused, "account_not_found", "refused: account_not_found");
  if (ctx.json) {
    ctx.out << json_line(nlohmann::json{{"account", account},
                                        {"balance_units", state->total_units()},
                                        {"balance", format_yuan(state->total_units())},
                                        {"available_units", state->balance_units},
                                        {"available", format_yuan(state->balance_units)},
                                        {"held_units", state->held_units},
                                        {"held", format_yuan(state->held_units)},
                                        {"arrears_units", state->owed_units},
                                        {"arrears", format_yuan(state->owed_units)},
                                        {"status", status_name(state->status)},
                                        {"rate_plan", state->rate_plan},
                                        {"agent", state->agent},
                                        {"opened_sequence", state->opened_sequence},
                                        {"as_of_sequence", as_of}})
            << "\n";
    return exit_ok;
  }
  ctx.out << account << "  " << format_yuan(state->total_units()) << " yuan  "
          << status_name(state->status) << (state->rate_plan.empty() ? "" : "  plan ") << state->rate_plan
          << (state->agent.empty() ? "" : "  agent ") << state->agent;
  if (state->held_units != 0)
    ctx.out << "  (available " << format_yuan(state->balance_units) << ", held for calls "
            << format_yuan(state->held_units) << ")";
  if (state->owed_units != 0) ctx.out << "  arrears " << format_yuan(state->owed_units);
  ctx.out << "\n";
  return exit_ok;
}

int verb_events(Context& ctx, std::uint64_t from, std::uint64_t limit) {
  int code = exit_ok;
  const Store* store = store_or_report(ctx, &code);
  if (!store) return code;
  std::uint64_t shown = 0;
  store->scan_events(from == 0 ? 1 : from, [&](std::uint64_t sequence, std::string_view bytes) {
    if (limit != 0 && shown >= limit) return false;
    std::string reason;
    auto stored = decode_stored_event(bytes, &reason);
    if (!stored) {
      code = print_error(ctx, exit_storage, "event_unreadable",
                         "event " + std::to_string(sequence) + " unreadable: " + reason);
      return false;
    }
    if (ctx.json) {
      ctx.out << json_line(stored_event_json(*stored)) << "\n";
    } else {
      ctx.out << printf_string("%8llu  ", static_cast<unsigned long long>(sequence))
              << format_time_utc(stored->event.ledger_time_us) << "  " << event_summary(stored->event)
              << "  actor=" << stored->event.actor << " key=" << stored->event.idempotency_key << "\n";
    }
    ++shown;
    return true;
  });
  return code;
}

int verb_audit_verify(Context& ctx) {
  std::string why;
  const std::optional<AuditReport> audited = ctx.access.audit(&why);
  if (!audited) return print_error(ctx, exit_storage, "store_unavailable", why);
  const AuditReport& report = *audited;
  const double rate = report.seconds > 0 ? static_cast<double>(report.events) / report.seconds : 0;
  if (ctx.json) {
    ctx.out << json_line(nlohmann::json{{"ok", report.ok},
                                        {"events", report.events},
                                        {"seconds", report.seconds},
                                        {"events_per_second", static_cast<std::uint64_t>(rate)},
                                        {"first_bad_sequence", report.first_bad_sequence},
                                        {"problem", report.problem},
                                        {"checkpoint_sequence", report.checkpoint_sequence},
                                        {"checkpoint_matches", report.checkpoint_matches},
                                        {"live_compared", report.live_compared}})
            << "\n";
    return report.ok ? exit_ok : exit_refused;
  }
  if (!report.ok) {
    ctx.out << "audit FAILED at sequence " << report.first_bad_sequence << ": " << report.problem << "\n";
    return exit_refused;
  }
  ctx.out << printf_string("audit ok: %llu events, hash chain intact, %.0f events/s (%.3f s)\n",
                           static_cast<unsigned long long>(report.events), rate, report.seconds);
  if (report.checkpoint_sequence != 0)
    ctx.out << printf_string("checkpoint at sequence %llu equals the state rebuilt from the log\n",
                             static_cast<unsigned long long>(report.checkpoint_sequence));
  ctx.out << "live state (checkpoint + replay) equals the state rebuilt from sequence 1\n";
  return exit_ok;
}

}  // namespace huawu::cli
