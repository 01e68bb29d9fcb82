#include "ledger/follower.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>

#include "events/invariant.h"
#include "events/limits.h"
#include "ledger/store.h"

namespace huawu {

Follower::Follower(LedgerState& state, FollowerOptions options)
    : state_(state), options_(std::move(options)) {
  applied_through_.store(state_.applied_through(), std::memory_order_release);
  last_checkpoint_sequence_ = state_.applied_through();
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "huawu-follow");
}

Follower::~Follower() { close(); }

void Follower::follow(std::uint64_t first_sequence, std::vector<Event> events, std::vector<std::string> records) {
  HUAWU_ASSERT(!events.empty(), "a followed batch has events");
  HUAWU_ASSERT(records.empty() || records.size() == events.size(), "one record per event");
  {
    std::unique_lock lock(mutex_);
    HUAWU_ASSERT(!closing_, "nothing is followed after close");
    // Backpressure, not an unbounded queue: a read that runs for long makes
    // the writer wait here once this many events are not applied yet.
    progress_.wait(lock, [&] { return backlog_events_ < limits::follower_backlog_events_max; });
    backlog_events_ += events.size();
    batches_.push_back(Batch{first_sequence, std::move(events), std::move(records)});
  }
  wake_.notify_one();
}

void Follower::read(std::uint64_t at_least, ReadTask task) {
  {
    std::unique_lock lock(mutex_);
    // Bounded like the batches: a caller waits while this many reads are
    // handed over and not yet taken by the follower.
    progress_.wait(lock, [&] { return stopped_ || reads_.size() < limits::follower_reads_waiting_max; });
    if (!stopped_) {
      reads_.push_back(Read{at_least, std::move(task)});
      lock.unlock();
      wake_.notify_one();
      return;
    }
  }
  task(state_);  // the thread has ended: nothing else touches the state
}

void Follower::read_and_wait(std::uint64_t at_least, const ReadTask& task) {
  std::promise<void> done;
  auto future = done.get_future();
  read(at_least, [&](const LedgerState& state) {
    task(state);
    done.set_value();
  });
  future.get();
}

void Follower::wait_for(std::uint64_t sequence) {
  std::unique_lock lock(mutex_);
  progress_.wait(lock, [&] { return stopped_ || applied_through() >= sequence; });
}

void Follower::close(bool checkpoint) {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    checkpoint_at_close_ = checkpoint_at_close_ && checkpoint;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Follower::run() {
  std::deque<Read> reads;  // waiting for a later sequence, in arrival order
  for (;;) {
    std::deque<Batch> batches;
    bool closing = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return closing_ || !batches_.empty() || !reads_.empty(); });
      batches.swap(batches_);
      const bool reads_taken = !reads_.empty();
      for (Read& read : reads_) reads.push_back(std::move(read));
      reads_.clear();
      closing = closing_;
      if (reads_taken) progress_.notify_all();
    }
    // Apply first, then read: a read asked for after a reply finds its write.
    std::size_t applied_events = 0;
    for (Batch& batch : batches) {
      apply(batch);
      applied_events += batch.events.size();
    }
    if (applied_events > 0) {
      std::lock_guard lock(mutex_);
      backlog_events_ -= applied_events;
    }
    progress_.notify_all();
    run_reads(reads);
    if (closing) {
      std::unique_lock lock(mutex_);
      if (batches_.empty() && reads_.empty()) {
        const bool checkpoint_now = checkpoint_at_close_ && !failed_;
        stopped_ = true;
        lock.unlock();
        progress_.notify_all();
        // Reads that asked for a sequence that will never come (the writer
        // stopped before it) see the state as it ends.
        for (Read& read : reads) read.task(state_);
        if (checkpoint_now && state_.applied_through() != last_checkpoint_sequence_) checkpoint();
        return;
      }
    }
  }
}

void Follower::apply(Batch& batch) {
  HUAWU_ASSERT(batch.first_sequence == state_.applied_through() + 1, "batches are followed in order");
  for (std::size_t k = 0; k < batch.events.size(); ++k) state_.apply(batch.first_sequence + k, batch.events[k]);
  applied_through_.store(state_.applied_through(), std::memory_order_release);
  if (options_.on_durable) options_.on_durable(batch.first_sequence, std::move(batch.records));
  if (options_.store && options_.checkpoint_interval_events > 0 && !failed_ &&
      state_.applied_through() - last_checkpoint_sequence_ >= options_.checkpoint_interval_events)
    checkpoint();
}

void Follower::run_reads(std::deque<Read>& reads) {
  const std::uint64_t applied = state_.applied_through();
  std::deque<Read> later;
  for (Read& read : reads) {
    if (read.at_least <= applied) read.task(state_);
    else later.push_back(std::move(read));
  }
  reads.swap(later);
}

void Follower::checkpoint() {
  if (!options_.store) return;
  // On the follower's thread: reads wait while it serializes, the writer
  // does not (it decides against its own state).
  const auto started = std::chrono::steady_clock::now();
  std::string why;
  const std::string snapshot = state_.serialize();
  if (!options_.store->put_checkpoint(state_.applied_through(), snapshot, limits::checkpoints_kept_max, &why)) {
    failed_ = true;
    spdlog::critical("huawu: {}; refusing all further writes until restart", why);
    if (options_.on_failure) options_.on_failure(why);
    return;
  }
  last_checkpoint_sequence_ = state_.applied_through();
  spdlog::info("huawu: checkpoint at sequence {}: {} bytes in {:.1f} ms", last_checkpoint_sequence_,
               snapshot.size(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() * 1e3);
}

}  // namespace huawu
