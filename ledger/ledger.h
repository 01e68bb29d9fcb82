#pragma once
// A ledger on disk: the store, the committed state recovered from the latest
// checkpoint plus the log after it, and the writer. What the CLI's embedded
// path, the daemon and the tests open.
#include <memory>
#include <string>

#include "ledger/clock.h"
#include "ledger/store.h"
#include "ledger/writer.h"
#include "projections/ledger_state.h"

namespace huawu {

class Ledger {
 public:
  // Creates a new store in `path` and appends LedgerCreated through the
  // writer. Refuses (nullptr, *why) when a store exists there.
  static std::unique_ptr<Ledger> create(const std::string& path, const CreateLedger& identity,
                                        const std::string& actor, Clock& clock, std::string* why,
                                        WriterOptions options = {});
  // Opens an existing store and recovers its state. Refuses when there is no
  // store, it is in use, or its log does not continue its checkpoint.
  static std::unique_ptr<Ledger> open(const std::string& path, Clock& clock, std::string* why,
                                      WriterOptions options = {});
  ~Ledger();

  Writer& writer() { return *writer_; }
  Store& store() { return *store_; }
  // The committed state, holding every request answered so far. Read it
  // only while no request is in flight (the follower's thread applies to it);
  // while requests are, read through writer().read_and_wait.
  const LedgerState& state() const {
    writer_->wait_for_reads();
    return state_;
  }

  // Drains the writer and writes a checkpoint. Idempotent; the destructor calls it.
  void close();

 private:
  Ledger() = default;

  std::unique_ptr<Store> store_;
  LedgerState state_;
  std::unique_ptr<Writer> writer_;
};

// Loads the latest usable checkpoint into `state` and replays the log after
// it; a missing or unusable checkpoint means a replay from sequence 1.
[[nodiscard]] bool recover_state(const Store& store, LedgerState& state, std::string* why);

// Replays events (from, through] of `store` into `state` (through the head
// by default), checking that each event's chain hash is intact and links to
// the one before. Returns false with *why naming the first bad sequence.
[[nodiscard]] bool replay_into(const Store& store, LedgerState& state, std::string* why,
                               std::uint64_t through = UINT64_MAX);

}  // namespace huawu
