#pragma once
// The writer: one thread decides. It takes a batch of requests from a
// bounded queue and decides each against a LedgerState of its own that runs
// ahead of the log: every decided event is applied to it at once, through
// the same apply() replay and audit use, so the next request sees it. A
// failed append stops all writes until restart, so a state that ran ahead
// of a write that failed is never decided against again, and no reader ever
// sees it (readers use the follower's state, ledger/follower.h, which is fed
// only durable batches).
//
// Pipelining: a second thread, the committer, encodes batches, extends the
// hash chain and appends them (WAL write, fsync, memtable) while the writer
// decides the next requests. The writer hands each decided batch to a queue
// and keeps adding newly decided requests to the batch at its back (same
// ledger time) until the committer takes it; the committer takes the next
// batch the moment its last write ends and writes it with one fsync, without
// waiting for the writer to wake up. Durable batches come back in order; the
// writer hands their events to the follower and then answers them, so the
// log, the state and the replies keep the order of a single thread, and if
// one write fails, every later batch is refused with it (LevelDB's group
// commit, with TigerBeetle's named rejections).
//
// Every path that changes the ledger goes through here: the CLI's embedded
// store, the daemon and the tests.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "events/event.h"
#include "events/limits.h"
#include "events/rejection.h"
#include "ledger/clock.h"
#include "ledger/command.h"
#include "ledger/decide.h"
#include "ledger/follower.h"
#include "ledger/idempotency.h"
#include "ledger/store.h"
#include "projections/ledger_state.h"

namespace huawu {

struct Outcome {
  Rejection rejection = Rejection::none;
  // A retry of an already committed request: nothing changed, `events` are
  // the ones the original request appended.
  bool replayed = false;
  std::uint64_t first_sequence = 0;  // 0 when rejected
  std::vector<Event> events;
};

// Called on the writer thread once the outcome is durable (or refused). Must
// not block for long and must not submit to the same writer.
using Completion = std::function<void(Outcome&&)>;

// Called once when the writer fail-stops (a storage read or write failed):
// every later request is refused with storage_failed until a restart, so the
// daemon stops with exit 3 (cli/serve.cc). On the writer's or the
// follower's thread; must not block or submit.
using FailStopHook = std::function<void(const std::string& why)>;

struct WriterOptions {
  std::size_t queue_requests_max = limits::writer_queue_requests_max;
  std::size_t batch_requests_max = limits::writer_batch_requests_max;
  std::uint64_t checkpoint_interval_events = limits::checkpoint_interval_events;
  CallPolicy call_policy;
  CardPolicy card_policy;
  // The key card PINs are derived with (ledger/card_pin.h). Ledger::open and
  // create load it from the data directory when none is given.
  std::shared_ptr<const CardKey> card_key;
  // The working-day schedule contract deadlines are computed with (issue 6);
  // null: the built-in one.
  std::shared_ptr<const WorkCalendar> calendar;
  // The SLA schedule and the alert windows (issue 6).
  ContractPolicy contract_policy;
  DurableHook on_durable;  // on the follower's thread; empty: records are not kept
  FailStopHook on_fail_stop;
};

class Writer {
 public:
  // The writer starts its threads at once. `store` and `state` must outlive
  // it, and nothing else may touch them until close() returns. `state` is
  // current with the log; it becomes the follower's (the read side), and the
  // writer decides against a copy of it.
  Writer(Store& store, LedgerState& state, Clock& clock, WriterOptions options = {});
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Queues a request; blocks while the queue is full. After close() the
  // completion runs at once with writer_stopped.
  void submit(Request request, Completion completion);
  [[nodiscard]] Outcome submit_and_wait(Request request);
  // Queues many at once (one lock and one wake-up for all: the daemon's I/O
  // thread hands over every frame it read in one turn). Blocks while the
  // queue is full. Leaves `requests` empty.
  void submit_many(std::vector<std::pair<Request, Completion>>& requests);

  // Runs `task` on the follower's thread with the committed state, once it
  // has applied every request answered before the call (read-your-writes);
  // `at_least` asks for a later sequence too. It never delays a decision.
  // After close() it runs at once on the caller's thread.
  void read(ReadTask task);
  void read_and_wait(const ReadTask& task, std::uint64_t at_least = 0);
  // Blocks until the follower's state holds every request answered so far.
  void wait_for_reads();

  // The last sequence answered (any thread).
  std::uint64_t answered_through() const { return answered_through_.load(std::memory_order_acquire); }
  // True once the writer fail-stopped (any thread).
  bool fail_stopped() const { return fail_stopped_.load(std::memory_order_acquire); }

  // Stops taking requests, commits everything queued, lets the follower apply
  // it and write a checkpoint, and joins the threads. Idempotent.
  void close();

  // Statistics, for benchmarks and logs (any thread).
  std::uint64_t batches_committed() const { return batches_committed_.load(std::memory_order_relaxed); }
  // The working-day schedule of this ledger (its configured one, else the built-in).
  const WorkCalendar& calendar() const { return options_.calendar ? *options_.calendar : default_calendar(); }
  // Where the committer's time went: encoding and hashing, and the RocksDB
  // write with its fsync (seconds, summed over batches).
  double encode_seconds() const { return encode_seconds_.load(std::memory_order_relaxed); }
  double append_seconds() const { return append_seconds_.load(std::memory_order_relaxed); }

 private:
  struct Pending {
    Request request;
    Completion completion;
  };
  struct Prepared;  // a batch decided, on its way to disk (writer.cc)
  // A key accepted in a batch not yet answered: where its request is.
  struct PendingKey {
    const Prepared* batch;
    std::size_t index;
  };

  // Writer thread.
  void run();
  // A new batch stamped with its ledger time, at the end of in_flight_.
  Prepared* new_batch();
  // Decides requests into a batch the committer has not taken yet.
  void prepare_into(Prepared& batch, std::vector<Pending> requests);
  // Decides request `i` of the batch; throws StorageError when a read fails.
  void prepare_one(Prepared& batch, std::size_t i, std::int64_t ledger_time_us);
  std::vector<Pending> take_locked(std::size_t most);  // mutex_ held
  // Applies and answers batches the committer handed back, in order.
  void finish_committed(std::vector<Prepared*>& committed);
  void finish(Prepared& batch);
  void refuse(Prepared& batch, Rejection rejection);
  // Stops all writes: logs why and tells the hook (once).
  void fail_stop(const std::string& why);
  // The follower's checkpoint failed (follower thread): the writer stops
  // before its next decision.
  void fail_stop_from_follower(const std::string& why);
  static FollowerOptions follower_options(Store& store, const WriterOptions& options, Writer* writer);
  // Committer thread: encode, chain, append.
  void commit_loop();
  bool encode_and_append(Prepared& batch, std::string* why);

  // The billed calls decide sees: those of batches in flight (writer thread
  // only), then the store's.
  class BilledInFlight final : public BilledCalls {
   public:
    explicit BilledInFlight(const Store& store) : store_(store) {}
    std::optional<std::uint64_t> billed_at(std::string_view call_key) const override;
    std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>> in_flight;

   private:
    const Store& store_;
  };

  Store& store_;
  Clock& clock_;
  const WriterOptions options_;
  const DecideSettings settings_;
  // Writer thread only: the state that runs ahead, and what decide reads.
  LedgerState ahead_;
  BilledInFlight billed_;
  const DecideView view_;
  Follower follower_;

  std::mutex mutex_;
  std::condition_variable not_empty_;   // guarded by mutex_
  std::condition_variable not_full_;    // guarded by mutex_
  std::deque<Pending> queue_;           // guarded by mutex_
  bool closing_ = false;                // guarded by mutex_
  // Between writer and committer, also under mutex_ (one lock: the writer
  // waits for new requests and for durable batches alike).
  std::condition_variable commit_ready_;       // the committer waits on it
  std::deque<Prepared*> commit_queue_;         // decided, not yet taken by the committer
  std::vector<Prepared*> committed_;           // written (or failed), not yet answered
  bool committer_stop_ = false;

  // Writer thread only.
  std::deque<std::unique_ptr<Prepared>> in_flight_;  // handed to the committer, in order
  std::size_t in_flight_requests_ = 0;
  // Keyed by views of the keys inside the batches' requests, which live until
  // finish() erases their entries.
  std::unordered_map<std::string_view, PendingKey> pending_keys_;
  std::uint64_t next_sequence_ = 1;
  std::int64_t last_ledger_time_us_ = 0;
  bool failed_ = false;
  std::atomic<std::uint64_t> answered_through_{0};
  std::atomic<bool> fail_stopped_{false};
  std::atomic<std::uint64_t> batches_committed_{0};

  // Committer thread only: the hash chain's head and a reused batch buffer.
  Hash chain_head_{};
  AppendBatch append_;  // from store_.new_batch()
  std::atomic<double> encode_seconds_{0};  // written by the committer only
  std::atomic<double> append_seconds_{0};

  std::thread committer_;
  std::thread thread_;
};

}  // namespace huawu
