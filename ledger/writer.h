#pragma once
// The writer: one thread owns the store and the committed state. It takes a
// batch of requests from a bounded queue, decides each against the state plus
// the batch's earlier events, appends the whole batch in one WriteBatch with
// sync=true, applies the events, and only then completes the requests
// (LevelDB's group commit, with TigerBeetle's named rejections).
//
// Every path that changes the ledger goes through here: the CLI's embedded
// store, the daemon and the tests.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "events/event.h"
#include "events/limits.h"
#include "events/rejection.h"
#include "ledger/clock.h"
#include "ledger/command.h"
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

struct WriterOptions {
  std::size_t queue_requests_max = limits::writer_queue_requests_max;
  std::size_t batch_requests_max = limits::writer_batch_requests_max;
  std::uint64_t checkpoint_interval_events = limits::checkpoint_interval_events;
};

class Writer {
 public:
  // The writer starts its thread at once. `store` and `state` must outlive it,
  // and nothing else may touch them until close() returns.
  Writer(Store& store, LedgerState& state, Clock& clock, WriterOptions options = {});
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Queues a request; blocks while the queue is full. After close() the
  // completion runs at once with writer_stopped.
  void submit(Request request, Completion completion);
  Outcome submit_and_wait(Request request);

  // Stops taking requests, commits everything queued, writes a checkpoint and
  // joins the thread. Idempotent.
  void close();

  // Statistics, for benchmarks and logs (read after close(), or racy).
  std::uint64_t batches_committed() const { return batches_committed_; }

 private:
  struct Pending {
    Request request;
    Completion completion;
  };
  void run();
  void commit(std::vector<Pending>& batch);
  void checkpoint();

  Store& store_;
  LedgerState& state_;
  Clock& clock_;
  const WriterOptions options_;

  std::mutex mutex_;
  std::condition_variable not_empty_;   // guarded by mutex_
  std::condition_variable not_full_;    // guarded by mutex_
  std::deque<Pending> queue_;           // guarded by mutex_
  bool closing_ = false;                // guarded by mutex_

  // Writer-thread only.
  bool failed_ = false;
  std::uint64_t last_checkpoint_sequence_ = 0;
  std::uint64_t batches_committed_ = 0;
  std::thread thread_;
};

}  // namespace huawu
