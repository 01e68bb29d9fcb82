#include "cli/verbs.h"

#include <sodium.h>

#include <cstdio>
#include <iostream>

#include "cli/format.h"
#include "events/codec.h"
#include "events/hash.h"
#include "events/money.h"
#include "ledger/audit.h"
#include "ledger/ledger.h"

namespace huawu::cli {

namespace {

// The embedded path (no daemon) acts as the local provider operator.
constexpr const char* local_actor = "local:operator";

int print_error(const Global& g, int code, const std::string& error, const std::string& message) {
  if (g.json) {
    std::cout << json_line(nlohmann::json{{"ok", false}, {"error", error}, {"message", message}}) << "\n";
  } else {
    std::cerr << "huawu: " << message << "\n";
  }
  return code;
}

std::unique_ptr<Ledger> open_ledger(const Global& g, Clock& clock, int* code) {
  std::string why;
  auto ledger = Ledger::open(g.data_dir, clock, &why);
  if (!ledger) *code = print_error(g, exit_storage, "store_unavailable", why);
  return ledger;
}

// A random key for requests that come without one: retries of such a request
// are not recognised, which is what a person typing a command expects.
std::string fresh_key() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  std::string key = "cli-";
  static constexpr char digits[] = "0123456789abcdef";
  for (unsigned char b : bytes) {
    key.push_back(digits[b >> 4]);
    key.push_back(digits[b & 15]);
  }
  return key;
}

std::optional<std::int64_t> amount_or_report(const Global& g, const std::string& text, int* code) {
  std::string why;
  auto units = parse_yuan(text, &why);
  if (!units) *code = print_error(g, exit_bad_input, "amount_invalid", why);
  return units;
}

// Submits one request through the writer and prints its outcome.
int run_request(const Global& g, Ledger& ledger, Request request) {
  if (request.idempotency_key.empty()) request.idempotency_key = fresh_key();
  request.actor = local_actor;
  const std::string key = request.idempotency_key;
  Outcome outcome = ledger.writer().submit_and_wait(std::move(request));
  if (outcome.rejection != Rejection::none) {
    const std::string name(rejection_name(outcome.rejection));
    return print_error(g, exit_refused, name, "refused: " + name);
  }
  if (g.json) {
    nlohmann::json events = nlohmann::json::array();
    for (std::size_t i = 0; i < outcome.events.size(); ++i)
      events.push_back(event_json(outcome.first_sequence + i, outcome.events[i]));
    std::cout << json_line(nlohmann::json{{"ok", true},
                                {"replayed", outcome.replayed},
                                {"idempotency_key", key},
                                {"first_sequence", outcome.first_sequence},
                                {"events", events}}) << "\n";
    return exit_ok;
  }
  if (outcome.replayed)
    std::cout << "already done with key " << key << " (nothing changed); original outcome:\n";
  for (std::size_t i = 0; i < outcome.events.size(); ++i)
    std::cout << "event " << outcome.first_sequence + i << ": "
              << event_summary(outcome.events[i]) << "\n";
  return exit_ok;
}

}  // namespace

int verb_init(const Global& g, const std::string& provider_id, const std::string& provider_name) {
  SystemClock clock;
  std::string why;
  auto ledger = Ledger::create(g.data_dir, CreateLedger{provider_id, provider_name}, local_actor,
                               clock, &why);
  if (!ledger) return print_error(g, exit_storage, "store_exists_or_unavailable", why);
  ledger->close();
  if (g.json) {
    std::cout << json_line(nlohmann::json{{"ok", true}, {"data", g.data_dir}, {"provider_id", provider_id},
                                {"provider_name", provider_name}}) << "\n";
  } else {
    std::cout << "created ledger for " << provider_name << " (" << provider_id << ") in "
              << g.data_dir << "\n";
  }
  return exit_ok;
}

int verb_account_open(const Global& g, const std::string& account, const std::string& initial,
                      const std::string& plan, const std::string& key) {
  int code = exit_ok;
  auto units = amount_or_report(g, initial, &code);
  if (!units) return code;
  SystemClock clock;
  auto ledger = open_ledger(g, clock, &code);
  if (!ledger) return code;
  return run_request(g, *ledger, Request{OpenAccount{account, plan, *units}, key, {}, 0});
}

int verb_recharge(const Global& g, const std::string& account, const std::string& amount,
                  const std::string& reference, const std::string& key) {
  int code = exit_ok;
  auto units = amount_or_report(g, amount, &code);
  if (!units) return code;
  SystemClock clock;
  auto ledger = open_ledger(g, clock, &code);
  if (!ledger) return code;
  return run_request(g, *ledger, Request{RechargeWallet{account, *units, reference}, key, {}, 0});
}

int verb_account_close(const Global& g, const std::string& account, bool refund,
                       const std::string& key) {
  int code = exit_ok;
  SystemClock clock;
  auto ledger = open_ledger(g, clock, &code);
  if (!ledger) return code;
  return run_request(g, *ledger, Request{CloseAccount{account, refund}, key, {}, 0});
}

int verb_balance(const Global& g, const std::string& account) {
  int code = exit_ok;
  SystemClock clock;
  auto ledger = open_ledger(g, clock, &code);
  if (!ledger) return code;
  const AccountState* state = ledger->state().balances().find(account);
  if (!state) return print_error(g, exit_refused, "account_not_found", "refused: account_not_found");
  if (g.json) {
    std::cout << json_line(nlohmann::json{{"account", account},
                                {"balance_units", state->balance_units},
                                {"balance", format_yuan(state->balance_units)},
                                {"status", status_name(state->status)},
                                {"rate_plan", state->rate_plan},
                                {"opened_sequence", state->opened_sequence},
                                {"as_of_sequence", ledger->state().applied_through()}}) << "\n";
  } else {
    std::cout << account << "  " << format_yuan(state->balance_units) << " yuan  "
              << status_name(state->status) << (state->rate_plan.empty() ? "" : "  plan ")
              << state->rate_plan << "\n";
  }
  return exit_ok;
}

int verb_events(const Global& g, std::uint64_t from, std::uint64_t limit) {
  std::string why;
  auto store = Store::open(g.data_dir, &why);
  if (!store) return print_error(g, exit_storage, "store_unavailable", why);
  int code = exit_ok;
  std::uint64_t shown = 0;
  store->scan_events(from == 0 ? 1 : from, [&](std::uint64_t sequence, std::string_view bytes) {
    if (limit != 0 && shown >= limit) return false;
    std::string reason;
    auto stored = decode_stored_event(bytes, &reason);
    if (!stored) {
      code = print_error(g, exit_storage, "event_unreadable",
                         "event " + std::to_string(sequence) + " unreadable: " + reason);
      return false;
    }
    if (g.json) {
      std::cout << json_line(stored_event_json(*stored)) << "\n";
    } else {
      std::printf("%8llu  %s  %s  actor=%s key=%s\n", static_cast<unsigned long long>(sequence),
                  format_time_utc(stored->event.ledger_time_us).c_str(),
                  event_summary(stored->event).c_str(), stored->event.actor.c_str(),
                  stored->event.idempotency_key.c_str());
    }
    ++shown;
    return true;
  });
  return code;
}

int verb_audit_verify(const Global& g) {
  std::string why;
  auto store = Store::open(g.data_dir, &why);
  if (!store) return print_error(g, exit_storage, "store_unavailable", why);
  // The live state as an ordinary open would recover it: checkpoint + tail.
  LedgerState live;
  const bool recovered = recover_state(*store, live, &why);
  const AuditReport report = audit_verify(*store, recovered ? &live : nullptr);
  const bool ok = report.ok && recovered;
  const double rate = report.seconds > 0 ? static_cast<double>(report.events) / report.seconds : 0;
  if (g.json) {
    std::cout << json_line(nlohmann::json{{"ok", ok},
                                {"events", report.events},
                                {"seconds", report.seconds},
                                {"events_per_second", static_cast<std::uint64_t>(rate)},
                                {"first_bad_sequence", report.first_bad_sequence},
                                {"problem", report.problem.empty() && !recovered ? why : report.problem},
                                {"checkpoint_sequence", report.checkpoint_sequence},
                                {"checkpoint_matches", report.checkpoint_matches},
                                {"live_compared", report.live_compared}}) << "\n";
    return ok ? exit_ok : exit_refused;
  }
  if (!ok) {
    std::cout << "audit FAILED at sequence " << report.first_bad_sequence << ": "
              << (report.problem.empty() ? why : report.problem) << "\n";
    return exit_refused;
  }
  std::printf("audit ok: %llu events, hash chain intact, %.0f events/s (%.3f s)\n",
              static_cast<unsigned long long>(report.events), rate, report.seconds);
  if (report.checkpoint_sequence != 0)
    std::printf("checkpoint at sequence %llu equals the state rebuilt from the log\n",
                static_cast<unsigned long long>(report.checkpoint_sequence));
  std::printf("live state (checkpoint + replay) equals the state rebuilt from sequence 1\n");
  return exit_ok;
}

}  // namespace huawu::cli
