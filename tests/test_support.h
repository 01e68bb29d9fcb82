#pragma once
// Helpers shared by the store, writer, audit, property and crash tests:
// temporary directories, ledgers on a ManualClock, request builders, reading
// the log back, and direct RocksDB access for tests that tamper with it.
//
// Nothing here uses Catch: crash_child links it too. Refusals throw
// std::runtime_error with the reason, which Catch reports as a failure.
#include <rocksdb/db.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.h"
#include "ledger/clock.h"
#include "ledger/command.h"
#include "ledger/idempotency.h"
#include "ledger/ledger.h"
#include "ledger/store.h"
#include "ledger/writer.h"
#include "projections/ledger_state.h"

namespace huawu::test {

// 2025-01-01T00:00:00Z: where ManualClocks in these tests start.
inline constexpr std::int64_t start_time_us = 1'735'689'600'000'000;
inline constexpr std::int64_t second_us = 1'000'000;
inline constexpr const char* test_actor = "test:operator";

// A fresh directory under the system temp directory, removed with everything
// in it when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // A path inside the directory (not created).
  std::string sub(std::string_view name) const;

 private:
  std::string path_;
};

CreateLedger test_identity();

// Create/open a ledger or throw with the reason.
std::unique_ptr<Ledger> create_ledger(const std::string& path, Clock& clock,
                                      WriterOptions options = {});
std::unique_ptr<Ledger> open_ledger(const std::string& path, Clock& clock,
                                    WriterOptions options = {});
std::unique_ptr<Store> open_store(const std::string& path);

Request open_request(std::string key, std::string account, std::int64_t initial_units = 0);
Request recharge_request(std::string key, std::string account, std::int64_t amount_units,
                         std::string reference = "");
Request close_request(std::string key, std::string account, bool refund);

// Submits every request without waiting for any, then waits for all of them;
// outcomes come back in submission order.
std::vector<Outcome> submit_all(Writer& writer, std::vector<Request> requests);

// What the writer thread saw when a request completed: its outcome, and
// whether the state then passed `check` (which returns a problem, or "").
struct Checked {
  Outcome outcome;
  bool invariants_hold = false;
  std::string why;
};
using StateCheck = std::function<std::string(const LedgerState&)>;

// Submits every request without waiting, then waits for all. After each
// reply a read of the committed state (on the follower's thread, holding at
// least that reply) runs check_invariants and then `check`.
std::vector<Checked> submit_all_checked(Writer& writer, const std::vector<Request>& requests,
                                        const StateCheck& check = {});

// Submits the requests so that the writer decides all of them in one batch:
// first a gate request (refused, so it appends nothing) whose completion holds
// the writer thread until every request is queued behind it.
std::vector<Outcome> submit_in_one_batch(Writer& writer, std::vector<Request> requests);

// Every event of the log, decoded, in order. Throws if one does not decode.
std::vector<StoredEvent> read_log(const Store& store);
// The state rebuilt by replaying the log from sequence 1. Throws on a bad log.
LedgerState rebuild_from_log(const Store& store);
std::optional<IdempotencyRecord> find_idempotency(const Store& store, std::string_view key);

// Postings sum to zero per unit, computed here rather than with
// events/event.cc's postings_balance, so the check is independent.
bool postings_sum_to_zero(const std::vector<Posting>& postings);

// Fault injection without touching the store's code: replaces the file
// descriptor of the store's open write-ahead log with a read-only /dev/null,
// so RocksDB's next write to it fails (EBADF) as a failing disk would.
// Returns false when no open log file is found under `store_path`.
bool break_write_ahead_log(const std::string& store_path);

// RocksDB opened directly with the store's column families, for tests that
// alter stored bytes. The Store must be closed while this is open.
class RawStore {
 public:
  explicit RawStore(const std::string& path);
  ~RawStore();
  RawStore(const RawStore&) = delete;
  RawStore& operator=(const RawStore&) = delete;

  std::optional<std::string> get(std::string_view family, std::string_view key) const;
  void put(std::string_view family, std::string_view key, std::string_view value);
  void erase(std::string_view family, std::string_view key);

 private:
  rocksdb::ColumnFamilyHandle* family(std::string_view name) const;

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // owned; destroyed before db_
};

}  // namespace huawu::test
