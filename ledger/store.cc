#include "ledger/store.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "events/invariant.h"

namespace huawu {

namespace {

constexpr std::string_view head_key = "head";
constexpr std::string_view schema_key = "schema";

rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }

std::string encode_head(std::uint64_t sequence, const Hash& hash) {
  std::string out = sequence_key(sequence);
  out.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  return out;
}

}  // namespace

std::string sequence_key(std::uint64_t sequence) {
  std::string key(8, '\0');
  for (int i = 0; i < 8; ++i) key[i] = static_cast<char>(sequence >> (56 - 8 * i));
  return key;
}

std::uint64_t sequence_from_key(std::string_view key) {
  HUAWU_ASSERT(key.size() == 8, "sequence keys are 8 bytes");
  std::uint64_t sequence = 0;
  for (char c : key) sequence = (sequence << 8) | static_cast<std::uint8_t>(c);
  return sequence;
}

rocksdb::ColumnFamilyOptions Store::family_options(const std::string& name) {
  rocksdb::ColumnFamilyOptions options;
  options.write_buffer_size = 64 << 20;
  // Flushes (to L0) and the first compactions (to L1) run while the daemon
  // serves: uncompressed they cost a fraction of the CPU (snappy took 3% of
  // the daemon's at full ingest). Deeper levels, where the history ends up,
  // stay compressed.
  options.compression_per_level = {rocksdb::kNoCompression,     rocksdb::kNoCompression,
                                   rocksdb::kSnappyCompression, rocksdb::kSnappyCompression,
                                   rocksdb::kSnappyCompression, rocksdb::kSnappyCompression,
                                   rocksdb::kSnappyCompression};
  if (name == "idempotency" || name == "calls") {
    // Almost every lookup is for a new key: a bloom filter answers "absent"
    // without touching table files.
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    // The same for the memtable, where the newest keys live.
    options.memtable_prefix_bloom_size_ratio = 0.05;
    options.memtable_whole_key_filtering = true;
  }
  return options;
}

rocksdb::DBOptions Store::db_options(bool create) {
  rocksdb::DBOptions options;
  options.create_if_missing = create;
  options.error_if_exists = create;
  // Families added by later versions (`calls`) are created in older stores.
  options.create_missing_column_families = true;
  options.paranoid_checks = true;
  options.max_background_jobs = 2;
  // Flushes and compactions run beside the writer on the same cores: at the
  // lowest CPU priority they use the idle time, not the replies' time.
  options.env->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::HIGH, rocksdb::CpuPriority::kLow);
  options.env->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::LOW, rocksdb::CpuPriority::kLow);
  // Flushes write their files in 1 MiB steps to the disk instead of one burst
  // at the end, so a WAL fsync never waits behind 64 MiB in the device queue.
  options.bytes_per_sync = 1 << 20;
  // Every open starts this many threads per column family to open the table
  // files, whether there are files or not (RocksDB's default is 16: 112
  // threads for our 7 families on each `huawu` command). More than there are
  // cores buys nothing.
  options.max_file_opening_threads =
      static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 16u));
  return options;
}

const std::vector<std::string>& Store::column_family_names() {
  static const std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName, "events",
                                                 "idempotency", "snapshots", "meta", "calls",
                                                 "credentials"};
  return names;
}

std::unique_ptr<Store> Store::create(const std::string& path, std::string* why) {
  if (std::filesystem::exists(std::filesystem::path(path) / "CURRENT")) {
    *why = "a store already exists in " + path;
    return nullptr;
  }
  return open_db(path, true, why);
}

std::unique_ptr<Store> Store::open(const std::string& path, std::string* why) {
  if (!std::filesystem::exists(std::filesystem::path(path) / "CURRENT")) {
    *why = "no store in " + path + " (run `huawu init` first)";
    return nullptr;
  }
  return open_db(path, false, why);
}

std::unique_ptr<Store> Store::open_db(const std::string& path, bool create, std::string* why) {
  const rocksdb::DBOptions options = db_options(create);
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : column_family_names())
    families.emplace_back(name, family_options(name));

  auto store = std::unique_ptr<Store>(new Store());
  store->path_ = path;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(options, path, families, &store->handles_, &raw);
  if (!status.ok()) {
    *why = status.IsIOError() && status.ToString().find("lock") != std::string::npos
               ? "the store in " + path + " is in use by another huawu process"
               : "cannot open store in " + path + ": " + status.ToString();
    return nullptr;
  }
  store->db_.reset(raw);
  store->events_ = store->handles_[1];
  store->idempotency_ = store->handles_[2];
  store->snapshots_ = store->handles_[3];
  store->meta_ = store->handles_[4];
  store->calls_ = store->handles_[5];
  store->credentials_ = store->handles_[6];

  if (create) {
    rocksdb::WriteBatch batch;
    batch.Put(store->meta_, slice(schema_key), slice(schema_version));
    batch.Put(store->meta_, slice(head_key), slice(encode_head(0, Hash{})));
    rocksdb::WriteOptions write;
    write.sync = true;
    status = store->db_->Write(write, &batch);
    if (!status.ok()) {
      *why = "cannot initialise store: " + status.ToString();
      return nullptr;
    }
  }
  const auto schema = store->get(store->meta_, schema_key);
  if (!schema || *schema != schema_version) {
    *why = "store in " + path + " has schema version '" + schema.value_or("none") +
           "'; this huawu reads version " + std::string(schema_version);
    return nullptr;
  }
  const auto head = store->get(store->meta_, head_key);
  if (!head || head->size() != 8 + sizeof(Hash)) {
    *why = "store in " + path + " has no valid head record";
    return nullptr;
  }
  store->head_sequence_ = sequence_from_key(std::string_view(*head).substr(0, 8));
  std::copy(head->begin() + 8, head->end(), store->head_hash_.begin());
  return store;
}

Store::~Store() {
  if (!db_) return;
  for (auto* handle : handles_) {
    // Destroying a handle only frees memory; its status carries nothing to act on.
    rocksdb::Status ignored = db_->DestroyColumnFamilyHandle(handle);
    (void)ignored;
  }
  rocksdb::Status closed = db_->Close();
  (void)closed;  // Deliberately unchecked: every acknowledged write was already synced.
}

void AppendBatch::add_event(std::uint64_t sequence, const Hash& hash, std::string_view stored_bytes) {
  HUAWU_ASSERT(event_count_ == 0 || sequence == head_sequence_ + 1, "sequences in a batch have no gaps");
  if (event_count_ == 0) first_sequence_ = sequence;
  const rocksdb::Status status =
      write_batch_.Put(events_, sequence_key(sequence), slice(stored_bytes));
  HUAWU_ASSERT(status.ok(), "WriteBatch::Put only fails past its size limit");
  ++event_count_;
  head_sequence_ = sequence;
  head_hash_ = hash;
}

void AppendBatch::add_idempotency(std::string_view key, std::string_view record_bytes) {
  const rocksdb::Status status = write_batch_.Put(idempotency_, slice(key), slice(record_bytes));
  HUAWU_ASSERT(status.ok(), "WriteBatch::Put only fails past its size limit");
}

void AppendBatch::add_call(std::string_view call_key, std::uint64_t billed_sequence) {
  const rocksdb::Status status =
      write_batch_.Put(calls_, slice(call_key), sequence_key(billed_sequence));
  HUAWU_ASSERT(status.ok(), "WriteBatch::Put only fails past its size limit");
}

void AppendBatch::add_credential(std::string_view principal, std::string_view password_hash) {
  const rocksdb::Status status = write_batch_.Put(credentials_, slice(principal), slice(password_hash));
  HUAWU_ASSERT(status.ok(), "WriteBatch::Put only fails past its size limit");
}

void AppendBatch::clear() {
  write_batch_.Clear();
  event_count_ = 0;
  first_sequence_ = head_sequence_ = 0;
  head_hash_ = Hash{};
}

bool Store::append(AppendBatch& batch, std::string* why) {
  if (failed_) {
    *why = "the store refused an earlier write; restart to recover";
    return false;
  }
  HUAWU_ASSERT(!batch.empty(), "an append carries at least one event");
  HUAWU_ASSERT(batch.first_sequence() == head_sequence_ + 1, "append continues the log");
  const rocksdb::Status put = batch.write_batch_.Put(
      meta_, slice(head_key), encode_head(batch.head_sequence(), batch.head_hash()));
  HUAWU_ASSERT(put.ok(), "WriteBatch::Put only fails past its size limit");

  rocksdb::WriteOptions options;
  options.sync = true;  // acknowledged means durable: fsync before any reply
  options.disableWAL = false;
  const rocksdb::Status status = db_->Write(options, &batch.write_batch_);
  if (!status.ok()) {
    failed_ = true;
    *why = "write failed: " + status.ToString();
    return false;
  }
  head_sequence_ = batch.head_sequence();
  head_hash_ = batch.head_hash();
  return true;
}

std::optional<std::string> Store::get(rocksdb::ColumnFamilyHandle* cf, std::string_view key) const {
  std::string value;
  const rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), cf, slice(key), &value);
  if (status.IsNotFound()) return std::nullopt;
  if (!status.ok()) throw StorageError("read failed in " + path_ + ": " + status.ToString());
  return value;
}

std::optional<std::string> Store::get_event(std::uint64_t sequence) const {
  return get(events_, sequence_key(sequence));
}

void Store::scan_events(std::uint64_t from,
                        const std::function<bool(std::uint64_t, std::string_view)>& fn) const {
  rocksdb::ReadOptions options;
  options.fill_cache = false;          // a scan reads each event once
  options.readahead_size = 4 << 20;    // sequential: read ahead generously
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, events_));
  for (it->Seek(sequence_key(from)); it->Valid(); it->Next()) {
    const rocksdb::Slice key = it->key();
    const rocksdb::Slice value = it->value();
    if (key.size() != 8) throw StorageError("event key of " + std::to_string(key.size()) + " bytes");
    if (!fn(sequence_from_key({key.data(), key.size()}), {value.data(), value.size()})) return;
  }
  if (!it->status().ok()) throw StorageError("scan failed: " + it->status().ToString());
}

std::optional<std::string> Store::get_idempotency(std::string_view key) const {
  return get(idempotency_, key);
}

std::optional<std::uint64_t> Store::get_call(std::string_view call_key) const {
  auto value = get(calls_, call_key);
  if (!value) return std::nullopt;
  if (value->size() != 8) throw StorageError("calls record of " + std::to_string(value->size()) + " bytes");
  return sequence_from_key(*value);
}

std::optional<std::string> Store::get_credential(std::string_view principal) const {
  return get(credentials_, principal);
}

bool Store::put_snapshot(std::string_view name, std::string_view bytes, std::string* why) {
  if (failed_) {
    *why = "the store refused an earlier write; restart to recover";
    return false;
  }
  rocksdb::WriteOptions options;
  options.sync = true;
  const rocksdb::Status status = db_->Put(options, snapshots_, slice(name), slice(bytes));
  if (!status.ok()) {
    failed_ = true;
    *why = "checkpoint write failed: " + status.ToString();
    return false;
  }
  return true;
}

std::optional<std::string> Store::get_snapshot(std::string_view name) const {
  return get(snapshots_, name);
}

namespace {

// "state@" + the 8-byte big-endian sequence: byte order is sequence order.
constexpr std::string_view kept_prefix = "state@";
std::string kept_key(std::uint64_t sequence) { return std::string(kept_prefix) + sequence_key(sequence); }

}  // namespace

std::vector<std::uint64_t> Store::kept_checkpoints() const {
  std::vector<std::uint64_t> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), snapshots_));
  for (it->Seek(slice(kept_prefix)); it->Valid() && it->key().starts_with(slice(kept_prefix)); it->Next()) {
    const rocksdb::Slice key = it->key();
    if (key.size() != kept_prefix.size() + 8) throw StorageError("kept checkpoint key of " + std::to_string(key.size()) + " bytes");
    out.push_back(sequence_from_key({key.data() + kept_prefix.size(), 8}));
  }
  if (!it->status().ok()) throw StorageError("checkpoint scan failed: " + it->status().ToString());
  return out;
}

bool Store::put_checkpoint(std::uint64_t sequence, std::string_view bytes, std::size_t kept_max, std::string* why) {
  HUAWU_ASSERT(kept_max > 0, "at least one checkpoint is kept");
  if (failed_) {
    *why = "the store refused an earlier write; restart to recover";
    return false;
  }
  rocksdb::WriteBatch batch;
  batch.Put(snapshots_, slice("state"), slice(bytes));
  batch.Put(snapshots_, kept_key(sequence), slice(bytes));
  std::vector<std::uint64_t> kept = kept_checkpoints();
  if (kept.empty() || kept.back() != sequence) kept.push_back(sequence);
  // Bounded: the oldest go first (a point-in-time read before them replays from sequence 1).
  for (std::size_t i = 0; i + kept_max < kept.size(); ++i) batch.Delete(snapshots_, kept_key(kept[i]));
  rocksdb::WriteOptions options;
  options.sync = true;
  const rocksdb::Status status = db_->Write(options, &batch);
  if (!status.ok()) {
    failed_ = true;
    *why = "checkpoint write failed: " + status.ToString();
    return false;
  }
  return true;
}

std::optional<std::pair<std::uint64_t, std::string>> Store::checkpoint_at_or_before(std::uint64_t sequence) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), snapshots_));
  it->SeekForPrev(kept_key(sequence));
  if (!it->status().ok()) throw StorageError("checkpoint seek failed: " + it->status().ToString());
  if (!it->Valid() || !it->key().starts_with(slice(kept_prefix))) return std::nullopt;
  const rocksdb::Slice key = it->key();
  if (key.size() != kept_prefix.size() + 8) throw StorageError("kept checkpoint key of " + std::to_string(key.size()) + " bytes");
  return std::make_pair(sequence_from_key({key.data() + kept_prefix.size(), 8}),
                        std::string(it->value().data(), it->value().size()));
}

}  // namespace huawu
