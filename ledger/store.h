#pragma once
// The event store on RocksDB.
//
// Column families (key encoding in docs/architecture.md):
//   events       be64(sequence) -> StoredEvent (Cap'n Proto, canonical)
//   idempotency  key bytes      -> IdempotencyRecord (ledger/idempotency.h)
//   snapshots    name           -> projection checkpoint bytes
//   calls        call key       -> be64(sequence of the CallSettled that billed it)
//   credentials  principal name -> argon2id hash of its operation password (never in the log)
//   meta         "head"         -> be64(sequence) || hash (32 bytes)
//                "schema"       -> schema version, decimal text
//
// Failure contract: a failed append makes the store refuse every later append
// until the process reopens it (fail-stop, like LevelDB's background error).
// A failed read throws StorageError: a ledger that cannot read its own log
// must stop, not guess.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.h"

namespace huawu {

class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr std::string_view schema_version = "1";

// Big-endian sequence key: byte order equals numeric order in RocksDB.
std::string sequence_key(std::uint64_t sequence);
std::uint64_t sequence_from_key(std::string_view key);

// One group commit: events, their idempotency records and the new head,
// written in one WriteBatch with sync=true. Built in place (no intermediate
// copies) from Store::new_batch(); reusable after clear().
class AppendBatch {
 public:
  // Adds stored event `sequence` (the next after the batch's last) with its
  // chain hash, which becomes the batch's head.
  void add_event(std::uint64_t sequence, const Hash& hash, std::string_view stored_bytes);
  void add_idempotency(std::string_view key, std::string_view record_bytes);
  // Remembers that a call was billed, so a duplicate is never billed again.
  void add_call(std::string_view call_key, std::uint64_t billed_sequence);
  // A principal's password hash, written with the event that records the change.
  void add_credential(std::string_view principal, std::string_view password_hash);
  void clear();

  bool empty() const { return event_count_ == 0; }
  std::uint64_t first_sequence() const { return first_sequence_; }
  std::uint64_t head_sequence() const { return head_sequence_; }
  const Hash& head_hash() const { return head_hash_; }

 private:
  friend class Store;
  AppendBatch(rocksdb::ColumnFamilyHandle* events, rocksdb::ColumnFamilyHandle* idempotency,
              rocksdb::ColumnFamilyHandle* calls, rocksdb::ColumnFamilyHandle* credentials)
      : events_(events), idempotency_(idempotency), calls_(calls), credentials_(credentials) {}

  rocksdb::ColumnFamilyHandle* events_;
  rocksdb::ColumnFamilyHandle* idempotency_;
  rocksdb::ColumnFamilyHandle* calls_;
  rocksdb::ColumnFamilyHandle* credentials_;
  rocksdb::WriteBatch write_batch_;
  std::uint64_t event_count_ = 0;
  std::uint64_t first_sequence_ = 0;
  std::uint64_t head_sequence_ = 0;
  Hash head_hash_{};
};

class Store {
 public:
  // Creates a new store in `path`; refuses (nullptr, *why) when one exists.
  static std::unique_ptr<Store> create(const std::string& path, std::string* why);
  // Opens an existing store; refuses when there is none, when another process
  // holds it, or when its schema version is unknown.
  static std::unique_ptr<Store> open(const std::string& path, std::string* why);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Any thread (point-in-time reads run beside the committer).
  std::uint64_t head_sequence() const { return head_sequence_.load(std::memory_order_acquire); }
  // The committer's thread only (and the writer's constructor).
  const Hash& head_hash() const { return head_hash_; }

  // An empty batch for this store.
  AppendBatch new_batch() const { return AppendBatch(events_, idempotency_, calls_, credentials_); }

  // Appends atomically and durably, adding the new head to the batch. The
  // batch must continue the log: its first event is head + 1 (asserted).
  // Returns false with *why on failure; from then on every append is refused.
  bool append(AppendBatch& batch, std::string* why);
  bool failed() const { return failed_.load(); }

  std::optional<std::string> get_event(std::uint64_t sequence) const;
  // Calls fn(sequence, bytes) for every event from `from` on, in order, until
  // fn returns false. The key's sequence is passed as stored.
  void scan_events(std::uint64_t from,
                   const std::function<bool(std::uint64_t, std::string_view)>& fn) const;

  std::optional<std::string> get_idempotency(std::string_view key) const;
  // The sequence of the event that billed the call, if it was billed.
  std::optional<std::uint64_t> get_call(std::string_view call_key) const;
  // A principal's argon2id password hash, if it has one.
  std::optional<std::string> get_credential(std::string_view principal) const;

  // Checkpoints are derivable from the log, so losing one is harmless; they
  // are still written with sync=true so a checkpoint never names events that
  // a crash could lose.
  // A failed checkpoint write puts the store in the failed state like a failed
  // append (returns false with *why).
  [[nodiscard]] bool put_snapshot(std::string_view name, std::string_view bytes, std::string* why);
  std::optional<std::string> get_snapshot(std::string_view name) const;

  // A checkpoint of the state after `sequence`: the latest ("state", what a
  // restart loads) and, in the same write, a kept copy under "state@" and the
  // sequence (what point-in-time reads start from). Only the newest
  // `kept_max` kept copies stay. Fails like put_snapshot.
  [[nodiscard]] bool put_checkpoint(std::uint64_t sequence, std::string_view bytes, std::size_t kept_max,
                                    std::string* why);
  // The kept checkpoint with the greatest sequence at or before `sequence`
  // (its sequence and bytes), or nullopt: replay from sequence 1.
  std::optional<std::pair<std::uint64_t, std::string>> checkpoint_at_or_before(std::uint64_t sequence) const;
  // The sequences of the kept checkpoints, in order.
  std::vector<std::uint64_t> kept_checkpoints() const;

  const std::string& path() const { return path_; }

  // Column family names in creation order, and the options the store opens
  // them with; tests and the raw-RocksDB benchmark that open RocksDB directly
  // use these, so they measure the same database.
  static const std::vector<std::string>& column_family_names();
  static rocksdb::DBOptions db_options(bool create);
  static rocksdb::ColumnFamilyOptions family_options(const std::string& name);

 private:
  Store() = default;
  static std::unique_ptr<Store> open_db(const std::string& path, bool create, std::string* why);
  std::optional<std::string> get(rocksdb::ColumnFamilyHandle* cf, std::string_view key) const;

  std::string path_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // owned; destroyed before db_
  rocksdb::ColumnFamilyHandle* events_ = nullptr;
  rocksdb::ColumnFamilyHandle* idempotency_ = nullptr;
  rocksdb::ColumnFamilyHandle* snapshots_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* calls_ = nullptr;
  rocksdb::ColumnFamilyHandle* credentials_ = nullptr;
  // Only one thread appends (the writer's committer); the head changes only
  // inside append(). A checkpoint may fail on another thread, hence atomic.
  std::atomic<std::uint64_t> head_sequence_{0};
  Hash head_hash_{};
  std::atomic<bool> failed_ = false;
};

}  // namespace huawu
