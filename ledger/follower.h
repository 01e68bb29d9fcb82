#pragma once
// The follower: the read side of the ledger. One LedgerState, fed committed
// events in sequence order through the same apply() replay and audit use,
// on a thread of its own; every read (queries, scope lookups, audit,
// checkpoints, the PUB stream) runs there, never on the writer's thread, so
// a slow read delays other reads and the follower's catching up, never a
// decision or a reply.
//
// Consistency: a read names the sequence it must see (at_least) and runs
// once the state has applied it; it sees a prefix of the log, never a part
// of a batch. The writer answers a request only after handing its batch
// here, so a read issued after a reply, asking for that reply's sequence or
// for everything answered (Writer::read), sees the write (read-your-writes).
//
// The follower does not know where its events come from: the local writer
// hands it each durable batch; a remote replica can feed it the same way from
// the records it receives.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "events/event.h"
#include "projections/ledger_state.h"

namespace huawu {

class Store;

// A read of the state, run on the follower's thread.
using ReadTask = std::function<void(const LedgerState&)>;

// Called on the follower's thread once a batch is applied, with the stored
// records of its events in sequence order (what the daemon publishes).
using DurableHook = std::function<void(std::uint64_t first_sequence, std::vector<std::string>&& records)>;

// Called once, on the follower's thread, when a checkpoint cannot be written.
using FollowerFailure = std::function<void(const std::string& why)>;

struct FollowerOptions {
  // Checkpoints of the state are written every this many events (and at
  // close) into `store`; null store: none (tests).
  Store* store = nullptr;
  std::uint64_t checkpoint_interval_events = 0;
  DurableHook on_durable;     // empty: records are not passed on
  FollowerFailure on_failure; // empty: logged only
};

class Follower {
 public:
  // Starts the thread. `state` must outlive the follower; nothing else may
  // touch it until close() returns.
  Follower(LedgerState& state, FollowerOptions options);
  ~Follower();
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  // Hands over the events first_sequence.. of one durable batch (in order,
  // continuing the last one) and their stored records (empty when no hook
  // wants them). Blocks while limits::follower_backlog_events_max events wait.
  void follow(std::uint64_t first_sequence, std::vector<Event> events, std::vector<std::string> records);

  // Runs `task` on the follower's thread once the state has applied
  // `at_least`. Blocks while limits::follower_reads_waiting_max reads wait
  // to be taken. After close() it runs at once on the caller's thread.
  void read(std::uint64_t at_least, ReadTask task);
  void read_and_wait(std::uint64_t at_least, const ReadTask& task);

  // Blocks until the state has applied `sequence` (or the follower closed).
  void wait_for(std::uint64_t sequence);

  // Applies everything handed over, runs the reads waiting, writes a last
  // checkpoint (unless `checkpoint` is false: after a storage failure) and
  // joins the thread. Idempotent.
  void close(bool checkpoint = true);

  // The last sequence applied (read from any thread).
  std::uint64_t applied_through() const { return applied_through_.load(std::memory_order_acquire); }

 private:
  struct Batch {
    std::uint64_t first_sequence;
    std::vector<Event> events;
    std::vector<std::string> records;
  };
  struct Read {
    std::uint64_t at_least;
    ReadTask task;
  };

  void run();
  void apply(Batch& batch);
  // Runs the reads the state now satisfies; keeps the others, in order.
  void run_reads(std::deque<Read>& reads);
  void checkpoint();

  LedgerState& state_;  // follower thread only, until close()
  const FollowerOptions options_;

  std::mutex mutex_;
  std::condition_variable wake_;      // the follower waits on it
  std::condition_variable progress_;  // follow() and wait_for() wait on it
  std::deque<Batch> batches_;         // guarded by mutex_
  std::size_t backlog_events_ = 0;    // guarded by mutex_
  std::deque<Read> reads_;            // guarded by mutex_
  bool closing_ = false;              // guarded by mutex_
  bool stopped_ = false;              // guarded by mutex_: the thread has ended
  bool checkpoint_at_close_ = true;   // guarded by mutex_

  std::atomic<std::uint64_t> applied_through_{0};
  // Follower thread only.
  std::uint64_t last_checkpoint_sequence_ = 0;
  bool failed_ = false;
  std::thread thread_;
};

}  // namespace huawu
