#include "cli/context.h"

#include <sodium.h>

#include <chrono>

#include "cli/format.h"
#include "events/money.h"
#include "projections/obligations.h"

namespace huawu::cli {

namespace {

// A random key for requests that come without one: retries of such a request
// are not recognised, which is what a person typing a command expects.
std::string fresh_key() { return "cli-" + random_hex(16); }

}  // namespace

std::string random_hex(std::size_t bytes) {
  std::string out;
  out.reserve(2 * bytes);
  static constexpr char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < bytes; ++i) {
    const unsigned char b = static_cast<unsigned char>(randombytes_uniform(256));
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

Writer* EmbeddedAccess::writer(std::string* why) {
  if (!ledger_) {
    store_.reset();  // one handle on the store at a time
    ledger_ = Ledger::open(data_dir_, clock_, why);
  }
  return ledger_ ? &ledger_->writer() : nullptr;
}

const Store* EmbeddedAccess::store(std::string* why) {
  if (ledger_) return &ledger_->store();
  if (!store_) store_ = Store::open(data_dir_, why);
  return store_.get();
}

std::optional<AuditReport> EmbeddedAccess::audit(std::string* why) {
  const Store* store = this->store(why);
  if (!store) return std::nullopt;
  // The live state as an ordinary open would recover it: checkpoint + tail.
  // When it does not recover, the audit still runs and names the first bad
  // sequence; *why says why recovery failed.
  LedgerState live;
  const bool recovered = recover_state(*store, live, why);
  AuditReport report = audit_verify(*store, recovered ? &live : nullptr);
  if (!recovered && report.ok) {
    report.ok = false;
    report.problem = *why;
  }
  return report;
}

int print_error(Context& ctx, int code, const std::string& error, const std::string& message) {
  if (ctx.json) {
    ctx.out << json_line(nlohmann::json{{"ok", false}, {"error", error}, {"message", message}}) << "\n";
  } else {
    ctx.err << "huawu: " << message << "\n";
  }
  return code;
}

Writer* writer_or_report(Context& ctx, int* code) {
  std::string why;
  Writer* writer = ctx.access.writer(&why);
  if (!writer) *code = print_error(ctx, exit_storage, "store_unavailable", why);
  return writer;
}

std::optional<std::int64_t> amount_or_report(Context& ctx, const std::string& text, int* code) {
  std::string why;
  auto units = parse_yuan(text, &why);
  if (!units) *code = print_error(ctx, exit_bad_input, "amount_invalid", why);
  return units;
}

std::int64_t now_us() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::microseconds>(now).count();
}

std::optional<std::int64_t> as_of_or_report(Context& ctx, const std::string& day, int* code) {
  if (day.empty()) return now_us();
  const std::optional<Date> date = parse_date(day);
  if (!date) {
    *code = print_error(ctx, exit_bad_input, "date_invalid", "--as-of is a day, e.g. 2026-03-01, not '" + day + "'");
    return std::nullopt;
  }
  return end_of_china_day_us(*date);
}

std::optional<std::vector<Obligation>> obligations_or_report(Context& ctx, const std::string& contract,
                                                             std::int64_t as_of_us, int* code) {
  Writer* writer = writer_or_report(ctx, code);
  if (!writer) return std::nullopt;
  std::vector<Obligation> obligations;
  bool found = contract.empty() || contract == "-";
  writer->read_and_wait([&](const LedgerState& ledger) {
    found = found || ledger.contracts().find(contract) != nullptr;
    obligations = ledger_obligations(ledger.contracts(), ledger.tickets(), writer->calendar(), contract, as_of_us);
  });
  if (!found) {
    *code = print_error(ctx, exit_refused, "contract_not_found", "refused: contract_not_found");
    return std::nullopt;
  }
  return obligations;
}

std::optional<std::int64_t> instant_or_report(Context& ctx, const std::string& text, const std::string& option,
                                              int* code) {
  // A day alone is not an instant: a report or a dispatch has a time.
  const auto us = text.size() == 10 ? std::nullopt : parse_time_bound(text, false);
  if (!us)
    *code = print_error(ctx, exit_bad_input, "time_invalid",
                        option + " is an ISO 8601 time with offset, e.g. 2026-01-20T10:00+08:00, not '" + text + "'");
  return us;
}

std::optional<TimeWindow> time_window_or_report(Context& ctx, const std::string& from, const std::string& to,
                                                int* code) {
  // Unbounded ends stay far from the int64 limits, so day arithmetic on them cannot overflow.
  const auto from_us = from.empty() ? std::optional<std::int64_t>(INT64_MIN / 2) : parse_time_bound(from, false);
  const auto to_us = to.empty() ? std::optional<std::int64_t>(INT64_MAX / 2) : parse_time_bound(to, true);
  if (!from_us || !to_us) {
    *code = print_error(ctx, exit_bad_input, "time_invalid",
                        "invalid --from/--to: a date 2026-11-25 (China time) or 2026-11-25T08:30:00+08:00");
    return std::nullopt;
  }
  return TimeWindow{*from_us, *to_us, !to.empty()};
}

const Store* store_or_report(Context& ctx, int* code) {
  std::string why;
  const Store* store = ctx.access.store(&why);
  if (!store) *code = print_error(ctx, exit_storage, "store_unavailable", why);
  return store;
}

std::optional<Outcome> submit_request(Context& ctx, Request& request, int* code) {
  // Every change goes through here: the one place an auditor is stopped.
  if (ctx.access.read_only()) {
    *code = print_error(ctx, exit_refused, "read_only_principal", "refused: read_only_principal");
    return std::nullopt;
  }
  Writer* writer = writer_or_report(ctx, code);
  if (!writer) return std::nullopt;
  if (request.idempotency_key.empty()) request.idempotency_key = fresh_key();
  request.actor = ctx.access.actor();
  return writer->submit_and_wait(Request(request));
}

nlohmann::json outcome_json(const Outcome& outcome, const std::string& key) {
  nlohmann::json events = nlohmann::json::array();
  for (std::size_t i = 0; i < outcome.events.size(); ++i)
    events.push_back(event_json(outcome.first_sequence + i, outcome.events[i]));
  return nlohmann::json{{"ok", true},
                        {"replayed", outcome.replayed},
                        {"idempotency_key", key},
                        {"first_sequence", outcome.first_sequence},
                        {"events", events}};
}

int run_request(Context& ctx, Request request, const Explain& explain) {
  int code = exit_ok;
  const std::optional<Outcome> outcome = submit_request(ctx, request, &code);
  if (!outcome) return code;
  const std::string& key = request.idempotency_key;
  if (outcome->rejection != Rejection::none) {
    const std::string name(rejection_name(outcome->rejection));
    const std::string more = explain ? explain(outcome->rejection) : std::string();
    return print_error(ctx, exit_refused, name, "refused: " + name + (more.empty() ? "" : " (" + more + ")"));
  }
  if (outcome->events.size() == 1)
    if (const auto* failed = std::get_if<CardRedemptionFailed>(&outcome->events[0].payload))
      return print_error(ctx, exit_refused, failed->reason,
                         "refused: " + failed->reason + " (the attempt is recorded as event " +
                             std::to_string(outcome->first_sequence) + ")");
  if (ctx.json) {
    ctx.out << json_line(outcome_json(*outcome, key)) << "\n";
    return exit_ok;
  }
  if (outcome->replayed)
    ctx.out << "already done with key " << key << " (nothing changed); original outcome:\n";
  for (std::size_t i = 0; i < outcome->events.size(); ++i)
    ctx.out << "event " << outcome->first_sequence + i << ": " << event_summary(outcome->events[i]) << "\n";
  return exit_ok;
}

}  // namespace huawu::cli
