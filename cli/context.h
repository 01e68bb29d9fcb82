#pragma once
// What every verb of the huawu command works with: its output streams and its
// way to the ledger. The same verb runs in the command itself (on a store it
// opens, or forwarded to a daemon) and inside the daemon for a forwarded
// request, so verbs write only to these streams and reach the ledger only
// through LedgerAccess.
#include <cstdint>
#include <memory>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ledger/audit.h"
#include "ledger/clock.h"
#include "ledger/ledger.h"
#include "cli/scope.h"
#include "ledger/writer.h"
#include "projections/obligations.h"

namespace huawu::kamailio {
class Connector;
}

namespace huawu::cli {

class CardCsv;

inline constexpr int exit_ok = 0;
inline constexpr int exit_refused = 1;
inline constexpr int exit_bad_input = 2;
inline constexpr int exit_storage = 3;

// The ledger a verb acts on. Each accessor returns null with *why when the
// store cannot be used (then the verb exits with exit_storage).
class LedgerAccess {
 public:
  virtual ~LedgerAccess() = default;
  // For requests (submit) and reads of the committed state (read_and_wait).
  virtual Writer* writer(std::string* why) = 0;
  // For reading the log.
  virtual const Store* store(std::string* why) = 0;
  // `huawu audit verify`: the whole log against the live state.
  virtual std::optional<AuditReport> audit(std::string* why) = 0;
  // The principal requests are made as.
  virtual const std::string& actor() const = 0;
  // An auditor's access: reads everything, changes nothing.
  virtual bool read_only() const { return false; }
  // An agent operator's reach (cli/scope.h); null: unrestricted.
  virtual const Scope* scope() const { return nullptr; }
  // The daemon's Kamailio connector (issue 15); null: none runs (no daemon,
  // or [kamailio] is off).
  virtual kamailio::Connector* kamailio() { return nullptr; }
};

// The command's own path when no daemon serves the data directory: it opens
// the store itself, as the local provider operator. The store is opened on
// first use: the whole ledger for verbs that change or read state, only the
// store for verbs that read the log (so they work on a log that no longer
// recovers, which is when an auditor needs them most). A later writer()
// closes that store-only handle, so a verb asks for the writer first.
class EmbeddedAccess final : public LedgerAccess {
 public:
  explicit EmbeddedAccess(std::string data_dir) : data_dir_(std::move(data_dir)) {}
  Writer* writer(std::string* why) override;
  const Store* store(std::string* why) override;
  std::optional<AuditReport> audit(std::string* why) override;
  const std::string& actor() const override { return actor_; }

 private:
  std::string data_dir_;
  std::string actor_ = "local:operator";
  SystemClock clock_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<Store> store_;
};

struct Context {
  std::string data_dir;
  bool json = false;
  std::ostream& out;
  std::ostream& err;
  LedgerAccess& access;
  CardCsv* card_csv = nullptr;  // `cards issue` in the command: the PIN file it reserved (cli/card_csv.h)
};

// Prints an error (JSON {"ok":false,"error","message"} with --json, else a
// line on err) and returns `code`.
int print_error(Context& ctx, int code, const std::string& error, const std::string& message);

// The writer, or null after printing a storage error into *code.
Writer* writer_or_report(Context& ctx, int* code);
// The store (to read the log), or null after printing a storage error into *code.
const Store* store_or_report(Context& ctx, int* code);

// A yuan amount ("12.3456"), or nullopt after printing amount_invalid (exit 2) into *code.
std::optional<std::int64_t> amount_or_report(Context& ctx, const std::string& text, int* code);

// An instant given as "2026-01-20T10:00+08:00" (or Z), or nullopt after
// printing time_invalid (exit 2), naming `option`, into *code.
std::optional<std::int64_t> instant_or_report(Context& ctx, const std::string& text, const std::string& option,
                                              int* code);

// The wall clock, UTC microseconds: what "now" is for a query asked without --as-of.
std::int64_t now_us();

// The instant an --as-of day stands for: its last microsecond, China time;
// now when `day` is empty. nullopt after printing date_invalid (exit 2) into *code.
std::optional<std::int64_t> as_of_or_report(Context& ctx, const std::string& day, int* code);

// Every obligation as of `as_of_us` (projections/obligations.h; only
// `contract`'s when not empty, "-" for tickets under no contract), or
// nullopt after printing contract_not_found or a storage error into *code.
std::optional<std::vector<Obligation>> obligations_or_report(Context& ctx, const std::string& contract,
                                                             std::int64_t as_of_us, int* code);

// A --from/--to window (parse_time_bound in format.h; empty: unbounded), or
// nullopt after printing time_invalid (exit 2) into *code.
struct TimeWindow {
  std::int64_t from_us = 0;
  std::int64_t to_us = 0;  // exclusive
  bool bounded = false;    // --to was given
};
std::optional<TimeWindow> time_window_or_report(Context& ctx, const std::string& from, const std::string& to,
                                                int* code);

// `bytes` random bytes (libsodium's CSPRNG) as lowercase hex: keys and session tokens.
std::string random_hex(std::size_t bytes);

// Submits one request as the access's actor (with a random idempotency key
// when it has none): its outcome, or nullopt after printing why it could not
// be submitted (an auditor's request, no store) into *code.
std::optional<Outcome> submit_request(Context& ctx, Request& request, int* code);

// What a verb adds to the message of a refusal (empty: nothing).
using Explain = std::function<std::string(Rejection)>;

// Submits one request (submit_request) and prints its outcome. A recorded
// refusal (a failed card attempt: accepted as an event so that it counts
// towards a lock) is printed and exits as a refusal.
int run_request(Context& ctx, Request request, const Explain& explain = {});

// The outcome of an accepted request as JSON: ok, replayed, key, events.
nlohmann::json outcome_json(const Outcome& outcome, const std::string& key);

}  // namespace huawu::cli
