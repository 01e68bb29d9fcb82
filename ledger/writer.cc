#include "ledger/writer.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>
#include <unordered_map>

#include "events/codec.h"
#include "events/hash.h"
#include "events/invariant.h"
#include "ledger/decide.h"
#include "ledger/idempotency.h"

namespace huawu {

namespace {

Outcome rejected(Rejection rejection) {
  Outcome outcome;
  outcome.rejection = rejection;
  return outcome;
}

// Reads back the events an earlier request appended, for its retry's reply.
std::vector<Event> read_events(const Store& store, const IdempotencyRecord& record) {
  std::vector<Event> events;
  for (std::uint64_t i = 0; i < record.event_count; ++i) {
    const std::uint64_t sequence = record.first_sequence + i;
    auto bytes = store.get_event(sequence);
    std::string why;
    auto stored = bytes ? decode_stored_event(*bytes, &why) : std::nullopt;
    if (!stored) throw StorageError("event " + std::to_string(sequence) + " unreadable: " + why);
    events.push_back(std::move(stored->event));
  }
  return events;
}

constexpr std::size_t not_a_retry = SIZE_MAX;

}  // namespace

struct Writer::Prepared {
  // A deque: a batch still waiting for the committer takes more requests
  // (prepare_into) while pending_keys_ holds views of the keys inside the
  // earlier ones, which must not move.
  std::deque<Pending> requests;
  // One ledger time per batch, so one append is one ledger time in the log.
  std::int64_t ledger_time_us = 0;
  std::vector<Outcome> outcomes;
  // Requests that appended events, in sequence order.
  std::vector<std::size_t> accepted;
  // Per request: the index of an earlier request of this batch it retries.
  std::vector<std::size_t> retry_of_index;
  // Per request: the record of an earlier batch it retries; its events are
  // read back from the log once this batch is durable.
  std::vector<std::optional<IdempotencyRecord>> retry_of_record;
  std::uint64_t last_sequence = 0;  // of the batch's last event, when it has any
  // The stored records, kept by the committer for the durable hook.
  std::vector<std::string> records;
  // Set by the committer before it hands the batch back (under mutex_).
  bool commit_ok = false;
  std::string commit_error;
};

std::optional<std::uint64_t> Writer::BilledInFlight::billed_at(std::string_view call_key) const {
  if (auto it = in_flight.find(call_key); it != in_flight.end()) return it->second;
  return store_.get_call(call_key);
}

FollowerOptions Writer::follower_options(Store& store, const WriterOptions& options, Writer* writer) {
  FollowerOptions out;
  out.store = &store;
  out.checkpoint_interval_events = options.checkpoint_interval_events;
  out.on_durable = options.on_durable;
  // A checkpoint that cannot be written leaves the store refusing writes;
  // the writer stops at once rather than at its next append.
  out.on_failure = [writer](const std::string& why) { writer->fail_stop_from_follower(why); };
  return out;
}

Writer::Writer(Store& store, LedgerState& state, Clock& clock, WriterOptions options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      settings_{options_.call_policy, options_.card_policy, options_.card_key, options_.calendar,
                options_.contract_policy},
      ahead_(state),
      billed_(store),
      view_(ahead_, settings_, billed_),
      follower_(state, follower_options(store, options_, this)),
      append_(store.new_batch()) {
  HUAWU_ASSERT(options_.batch_requests_max > 0 && options_.queue_requests_max > 0, "limits");
  HUAWU_ASSERT(state.applied_through() == store_.head_sequence(), "state is current with the log");
  HUAWU_ASSERT(ahead_.applied_through() == state.applied_through(), "the writer's state starts as the follower's");
  next_sequence_ = store_.head_sequence() + 1;
  answered_through_.store(store_.head_sequence(), std::memory_order_release);
  chain_head_ = store_.head_hash();
  last_ledger_time_us_ = ahead_.last_ledger_time_us();
  committer_ = std::thread([this] { commit_loop(); });
  thread_ = std::thread([this] { run(); });
  // Named so that top, perf and gdb show which thread is which.
  pthread_setname_np(committer_.native_handle(), "huawu-commit");
  pthread_setname_np(thread_.native_handle(), "huawu-writer");
}

Writer::~Writer() { close(); }

void Writer::submit(Request request, Completion completion) {
  {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closing_ || queue_.size() < options_.queue_requests_max; });
    if (!closing_) {
      queue_.push_back(Pending{std::move(request), std::move(completion)});
      lock.unlock();
      not_empty_.notify_one();
      return;
    }
  }
  completion(rejected(Rejection::writer_stopped));
}

void Writer::read(ReadTask task) { follower_.read(answered_through(), std::move(task)); }

void Writer::read_and_wait(const ReadTask& task, std::uint64_t at_least) {
  follower_.read_and_wait(std::max(at_least, answered_through()), task);
}

void Writer::wait_for_reads() { follower_.wait_for(answered_through()); }

void Writer::fail_stop_from_follower(const std::string& why) {
  // The writer thread sees the flag before its next decision.
  if (!fail_stopped_.exchange(true, std::memory_order_acq_rel) && options_.on_fail_stop) options_.on_fail_stop(why);
}

void Writer::fail_stop(const std::string& why) {
  failed_ = true;
  spdlog::critical("huawu: {}; refusing all further writes until restart", why);
  if (!fail_stopped_.exchange(true, std::memory_order_acq_rel) && options_.on_fail_stop) options_.on_fail_stop(why);
}

void Writer::submit_many(std::vector<std::pair<Request, Completion>>& requests) {
  std::size_t next = 0;
  while (next < requests.size()) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closing_ || queue_.size() < options_.queue_requests_max; });
    if (closing_) break;
    while (next < requests.size() && queue_.size() < options_.queue_requests_max) {
      queue_.push_back(Pending{std::move(requests[next].first), std::move(requests[next].second)});
      ++next;
    }
    lock.unlock();
    not_empty_.notify_one();
  }
  for (; next < requests.size(); ++next) requests[next].second(rejected(Rejection::writer_stopped));
  requests.clear();
}

Outcome Writer::submit_and_wait(Request request) {
  std::promise<Outcome> promise;
  auto future = promise.get_future();
  submit(std::move(request), [&promise](Outcome&& outcome) { promise.set_value(std::move(outcome)); });
  return future.get();
}

void Writer::close() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mutex_);
    committer_stop_ = true;
  }
  commit_ready_.notify_all();
  if (committer_.joinable()) committer_.join();
  // Everything durable is handed over: the follower applies it and writes
  // the last checkpoint (none after a storage failure).
  follower_.close(!failed_);
}

void Writer::run() {
  std::vector<Prepared*> committed;
  for (;;) {
    std::vector<Pending> requests;
    {
      std::unique_lock lock(mutex_);
      // Requests are taken while earlier batches are still being written, as
      // long as the requests in flight stay within two batches' worth: one
      // being written, one being decided.
      const auto room = [&] { return 2 * options_.batch_requests_max - in_flight_requests_; };
      not_empty_.wait(lock, [&] {
        return !committed_.empty() || (!queue_.empty() && room() > 0) ||
               (closing_ && queue_.empty() && in_flight_.empty());
      });
      committed.swap(committed_);
      if (queue_.empty() && closing_ && in_flight_.size() == committed.size()) {
        lock.unlock();
        finish_committed(committed);
        break;
      }
      if (room() > 0) requests = take_locked(std::min(room(), options_.batch_requests_max));
    }
    if (!requests.empty()) not_full_.notify_all();

    // Answer what is durable, in sequence order, then decide what came in.
    finish_committed(committed);
    if (!failed_ && fail_stopped_.load(std::memory_order_acquire)) fail_stop("a checkpoint could not be written");
    if (failed_) {
      for (Pending& pending : requests) pending.completion(rejected(Rejection::storage_failed));
    } else if (!requests.empty()) {
      // The batch the committer has not taken yet takes these requests too,
      // so every append is one batch with one ledger time (what the raw-write
      // benchmark replays). Every batch goes through the committer, even one
      // with nothing to write: its retries may replay requests of a batch
      // still in flight, and are answered only after that one is durable.
      Prepared* batch = nullptr;
      {
        std::lock_guard lock(mutex_);
        if (!commit_queue_.empty() &&
            commit_queue_.back()->requests.size() + requests.size() <= options_.batch_requests_max) {
          batch = commit_queue_.back();
          commit_queue_.pop_back();
        }
      }
      if (!batch) batch = new_batch();
      in_flight_requests_ += requests.size();
      prepare_into(*batch, std::move(requests));
      {
        std::lock_guard lock(mutex_);
        commit_queue_.push_back(batch);
      }
      commit_ready_.notify_one();
    }
  }
}

void Writer::finish_committed(std::vector<Prepared*>& committed) {
  for (Prepared* batch : committed) {
    HUAWU_ASSERT(!in_flight_.empty() && in_flight_.front().get() == batch, "batches come back in order");
    std::unique_ptr<Prepared> done = std::move(in_flight_.front());
    in_flight_.pop_front();
    in_flight_requests_ -= done->requests.size();
    // Fail-stop: nothing of this batch or any later one is acknowledged.
    if (!done->commit_ok && !failed_) fail_stop(done->commit_error);
    if (failed_) refuse(*done, Rejection::storage_failed);
    else finish(*done);
  }
  committed.clear();
}

std::vector<Writer::Pending> Writer::take_locked(std::size_t most) {
  std::vector<Pending> requests;
  const std::size_t n = std::min(queue_.size(), most);
  requests.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    requests.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return requests;
}

Writer::Prepared* Writer::new_batch() {
  auto batch = std::make_unique<Prepared>();
  // Stamped once per batch at the ledger's door; never before an earlier batch.
  last_ledger_time_us_ = std::max(clock_.now_us(), last_ledger_time_us_);
  batch->ledger_time_us = last_ledger_time_us_;
  in_flight_.push_back(std::move(batch));
  return in_flight_.back().get();
}

void Writer::prepare_into(Prepared& batch_ref, std::vector<Pending> requests) {
  Prepared* const batch = &batch_ref;
  const std::size_t first = batch->requests.size();
  for (Pending& pending : requests) batch->requests.push_back(std::move(pending));
  const std::size_t n = batch->requests.size();
  batch->outcomes.resize(n);
  batch->retry_of_index.resize(n, not_a_retry);
  batch->retry_of_record.resize(n);
  const std::int64_t ledger_time_us = batch->ledger_time_us;

  for (std::size_t i = first; i < n; ++i) {
    try {
      prepare_one(*batch, i, ledger_time_us);
    } catch (const StorageError& e) {
      // Fail-stop on a failed read, as on a failed write: what the store
      // answers can no longer be trusted, so this request, the rest of the
      // batch and every later one are refused (and nothing in flight is
      // acknowledged) until a restart recovers from the log. Never let it
      // escape the thread: that would end the process without a word.
      if (!failed_) fail_stop(std::string("storage read failed while deciding: ") + e.what());
      for (std::size_t j = i; j < n; ++j) batch->outcomes[j] = rejected(Rejection::storage_failed);
      break;
    }
  }
  batch->last_sequence = next_sequence_ - 1;
}

void Writer::prepare_one(Prepared& batch_ref, std::size_t i, std::int64_t ledger_time_us) {
  Prepared* const batch = &batch_ref;
  {
    const Request& request = batch->requests[i].request;
    Outcome& outcome = batch->outcomes[i];
    // An earlier request with this key: not yet answered (this batch or the
    // one in flight), or on disk. Fingerprints are computed only here, for
    // retries; the committer computes those of new requests for their records.
    std::optional<IdempotencyRecord> earlier;
    if (auto it = pending_keys_.find(request.idempotency_key); it != pending_keys_.end()) {
      const PendingKey& key = it->second;
      const Outcome& original = key.batch->outcomes[key.index];
      earlier = IdempotencyRecord{original.first_sequence,
                                  static_cast<std::uint32_t>(original.events.size()),
                                  request_fingerprint(key.batch->requests[key.index].request.command)};
      if (key.batch == batch) batch->retry_of_index[i] = key.index;
    } else if (!request.idempotency_key.empty()) {
      if (auto bytes = store_.get_idempotency(request.idempotency_key)) {
        earlier = decode_idempotency(*bytes);
        if (!earlier) throw StorageError("idempotency record unreadable");
      }
    }
    if (earlier) {
      if (earlier->fingerprint != request_fingerprint(request.command)) {
        outcome.rejection = Rejection::idempotency_key_reused;
        batch->retry_of_index[i] = not_a_retry;
        return;
      }
      outcome.replayed = true;
      outcome.first_sequence = earlier->first_sequence;
      if (batch->retry_of_index[i] == not_a_retry) batch->retry_of_record[i] = earlier;
      return;
    }

    Decision decision = decide(view_, request, ledger_time_us);
    if (decision.rejection != Rejection::none) {
      outcome.rejection = decision.rejection;
      return;
    }
    HUAWU_ASSERT(!decision.events.empty(), "an accepted request appends events");
    outcome.first_sequence = next_sequence_;
    // Run ahead: the next request sees these events at once. The batch they
    // belong to is not durable yet, so their billed calls are kept aside
    // until it is (the store's index has them from then on).
    for (const Event& event : decision.events) {
      if (const auto* settled = std::get_if<CallSettled>(&event.payload))
        billed_.in_flight.insert_or_assign(call_key(settled->switch_id, settled->call_id), next_sequence_);
      ahead_.apply(next_sequence_++, event);
    }
    outcome.events = std::move(decision.events);
    batch->accepted.push_back(i);
    pending_keys_.try_emplace(request.idempotency_key, PendingKey{batch, i});
  }
}

void Writer::commit_loop() {
  bool failed = false;
  std::string failure;
  for (;;) {
    Prepared* batch = nullptr;
    {
      std::unique_lock lock(mutex_);
      commit_ready_.wait(lock, [&] { return committer_stop_ || !commit_queue_.empty(); });
      if (commit_queue_.empty()) return;  // stopping, nothing in flight
      // One batch, one write, one fsync: everything decided while the last
      // write ran is in it (the writer adds to the batch at the back of the
      // queue until the committer takes it).
      batch = commit_queue_.front();
      commit_queue_.pop_front();
    }
    // The writer does not touch the batch until it comes back (the hand-offs
    // under mutex_ order the two threads), so no lock is needed.
    if (!failed) failed = !encode_and_append(*batch, &failure);
    {
      std::lock_guard lock(mutex_);
      batch->commit_ok = !failed;
      if (failed) batch->commit_error = failure;
      committed_.push_back(batch);
    }
    not_empty_.notify_one();
  }
}

bool Writer::encode_and_append(Prepared& batch, std::string* why) {
  const auto started = std::chrono::steady_clock::now();
  append_.clear();
  const bool keep_records = static_cast<bool>(options_.on_durable);
  for (std::size_t i : batch.accepted) {
    const Outcome& outcome = batch.outcomes[i];
    for (std::size_t k = 0; k < outcome.events.size(); ++k) {
      const std::uint64_t sequence = outcome.first_sequence + k;
      const Event& event = outcome.events[k];
      StoredRecord stored{sequence, chain_head_, {}, encode_event(event)};
      stored.hash = chain_hash(chain_head_, sequence, stored.event_bytes);
      std::string record = encode_stored(stored);
      append_.add_event(sequence, stored.hash, record);
      if (keep_records) batch.records.push_back(std::move(record));
      chain_head_ = stored.hash;
      // A billed call is remembered by key, in the same atomic batch.
      if (const auto* settled = std::get_if<CallSettled>(&event.payload))
        append_.add_call(call_key(settled->switch_id, settled->call_id), sequence);
    }
    const Request& request = batch.requests[i].request;
    // A principal's new password hash: in the same atomic write as the event
    // that records the change, and nowhere in the log.
    std::string principal;
    if (const std::string* password_hash = credential_of(request.command, &principal))
      append_.add_credential(principal, *password_hash);
    const IdempotencyRecord record{outcome.first_sequence,
                                   static_cast<std::uint32_t>(outcome.events.size()),
                                   request_fingerprint(request.command)};
    append_.add_idempotency(request.idempotency_key, encode_idempotency(record));
  }
  if (append_.empty()) return true;  // only rejections and retries: nothing to write
  const auto encoded = std::chrono::steady_clock::now();
  const bool ok = store_.append(append_, why);
  const auto appended = std::chrono::steady_clock::now();
  const double append_seconds = std::chrono::duration<double>(appended - encoded).count();
  encode_seconds_.store(encode_seconds_.load(std::memory_order_relaxed) +
                            std::chrono::duration<double>(encoded - started).count(),
                        std::memory_order_relaxed);
  append_seconds_.store(append_seconds_.load(std::memory_order_relaxed) + append_seconds, std::memory_order_relaxed);
  // Every request of the batch waits this long for its reply: say so.
  if (append_seconds > limits::slow_commit_seconds)
    spdlog::warn("huawu: slow commit: {:.1f} ms to write and sync {} events ({} requests)",
                 append_seconds * 1e3, append_.head_sequence() - append_.first_sequence() + 1, batch.accepted.size());
  batches_committed_.fetch_add(1, std::memory_order_relaxed);
  return ok;
}

void Writer::finish(Prepared& batch) {
  // The batch is durable: its billed calls are in the store's index now, and
  // its keys are answered from the idempotency family.
  std::vector<Event> followed;
  if (!batch.accepted.empty())
    followed.reserve(batch.last_sequence - batch.outcomes[batch.accepted.front()].first_sequence + 1);
  for (std::size_t i : batch.accepted) {
    const Outcome& outcome = batch.outcomes[i];
    for (std::size_t k = 0; k < outcome.events.size(); ++k) {
      const Event& event = outcome.events[k];
      if (const auto* settled = std::get_if<CallSettled>(&event.payload)) {
        auto it = billed_.in_flight.find(call_key(settled->switch_id, settled->call_id));
        if (it != billed_.in_flight.end() && it->second == outcome.first_sequence + k) billed_.in_flight.erase(it);
      }
      followed.push_back(event);
    }
    auto it = pending_keys_.find(batch.requests[i].request.idempotency_key);
    if (it != pending_keys_.end() && it->second.batch == &batch) pending_keys_.erase(it);
  }
  if (!batch.accepted.empty()) {
    const std::uint64_t first = batch.outcomes[batch.accepted.front()].first_sequence;
    HUAWU_ASSERT(followed.size() == batch.last_sequence - first + 1, "one event per sequence");
    HUAWU_ASSERT(!options_.on_durable || batch.records.size() == followed.size(), "one record per event");
    // Handed over before any reply: a read asked for after a reply sees it.
    follower_.follow(first, std::move(followed), std::move(batch.records));
    answered_through_.store(batch.last_sequence, std::memory_order_release);
  }

  // Retries get their original's events before any outcome moves.
  for (std::size_t i = 0; i < batch.outcomes.size(); ++i) {
    if (batch.retry_of_index[i] != not_a_retry) {
      batch.outcomes[i].events = batch.outcomes[batch.retry_of_index[i]].events;
    } else if (batch.retry_of_record[i]) {
      try {
        batch.outcomes[i].events = read_events(store_, *batch.retry_of_record[i]);
      } catch (const StorageError& e) {
        // Fail-stop on a failed read: this retry is refused, and so is every
        // later request, until a restart recovers from the log.
        if (!failed_) fail_stop(std::string("storage read failed while answering a retry: ") + e.what());
        batch.outcomes[i] = rejected(Rejection::storage_failed);
      }
    }
  }
  for (std::size_t i = 0; i < batch.requests.size(); ++i)
    batch.requests[i].completion(std::move(batch.outcomes[i]));
}

void Writer::refuse(Prepared& batch, Rejection rejection) {
  for (Pending& pending : batch.requests) pending.completion(rejected(rejection));
}

}  // namespace huawu
