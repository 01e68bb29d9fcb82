#include "tests/test_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <filesystem>
#include <future>
#include <latch>
#include <random>
#include <stdexcept>

#include "events/codec.h"

namespace huawu::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  static std::atomic<unsigned> counter{0};
  std::random_device random;
  const std::string name = "huawu-test-" + std::to_string(::getpid()) + "-" +
                           std::to_string(counter++) + "-" + std::to_string(random());
  const fs::path path = fs::temp_directory_path() / name;
  // create_directory returns false when the name is taken: never reuse a directory.
  if (!fs::create_directory(path))
    throw std::runtime_error("temp directory exists: " + path.string());
  path_ = path.string();
}

TempDir::~TempDir() {
  std::error_code ignored;  // a leftover temp directory must not fail a test
  fs::remove_all(path_, ignored);
}

std::string TempDir::sub(std::string_view name) const { return (fs::path(path_) / name).string(); }

CreateLedger test_identity() { return CreateLedger{"test-provider", "Test Provider"}; }

std::unique_ptr<Ledger> create_ledger(const std::string& path, Clock& clock,
                                      WriterOptions options) {
  std::string why;
  auto ledger = Ledger::create(path, test_identity(), test_actor, clock, &why, options);
  if (!ledger) throw std::runtime_error("Ledger::create refused: " + why);
  return ledger;
}

std::unique_ptr<Ledger> open_ledger(const std::string& path, Clock& clock, WriterOptions options) {
  std::string why;
  auto ledger = Ledger::open(path, clock, &why, options);
  if (!ledger) throw std::runtime_error("Ledger::open refused: " + why);
  return ledger;
}

std::unique_ptr<Store> open_store(const std::string& path) {
  std::string why;
  auto store = Store::open(path, &why);
  if (!store) throw std::runtime_error("Store::open refused: " + why);
  return store;
}

Request open_request(std::string key, std::string account, std::int64_t initial_units) {
  return Request{OpenAccount{std::move(account), "", initial_units, {}}, std::move(key), test_actor, 0};
}

Request recharge_request(std::string key, std::string account, std::int64_t amount_units,
                         std::string reference) {
  return Request{RechargeWallet{std::move(account), amount_units, std::move(reference)},
                 std::move(key), test_actor, 0};
}

Request close_request(std::string key, std::string account, bool refund) {
  return Request{CloseAccount{std::move(account), refund ? CloseDisposition::refund : CloseDisposition::none, {}, {}}, std::move(key), test_actor, 0};
}

namespace {
// Submits every request; each completion fills its slot and counts down.
void submit_each(Writer& writer, std::vector<Request>& requests, std::vector<Outcome>& outcomes,
                 std::latch& done) {
  for (std::size_t i = 0; i < requests.size(); ++i) {
    writer.submit(std::move(requests[i]), [&outcomes, &done, i](Outcome&& outcome) {
      outcomes[i] = std::move(outcome);
      done.count_down();
    });
  }
}
}  // namespace

std::vector<Outcome> submit_all(Writer& writer, std::vector<Request> requests) {
  std::vector<Outcome> outcomes(requests.size());
  std::latch done(static_cast<std::ptrdiff_t>(requests.size()));
  submit_each(writer, requests, outcomes, done);
  done.wait();
  return outcomes;
}

std::vector<Checked> submit_all_checked(Writer& writer, const std::vector<Request>& requests, const StateCheck& check) {
  std::vector<Checked> checked(requests.size());
  std::latch done(static_cast<std::ptrdiff_t>(requests.size()));
  for (std::size_t i = 0; i < requests.size(); ++i) {
    writer.submit(requests[i], [&, i](Outcome&& outcome) {
      checked[i].outcome = std::move(outcome);
      // The committed state as of this reply (the follower's, on its thread).
      writer.read([&, i](const LedgerState& state) {
        Checked& slot = checked[i];
        slot.invariants_hold = state.check_invariants(&slot.why);
        if (slot.invariants_hold && check) {
          slot.why = check(state);
          slot.invariants_hold = slot.why.empty();
        }
        done.count_down();
      });
    });
  }
  done.wait();
  return checked;
}

std::vector<Outcome> submit_in_one_batch(Writer& writer, std::vector<Request> requests) {
  if (requests.size() > limits::writer_batch_requests_max)
    throw std::logic_error("more requests than one batch holds");
  std::promise<void> entered;
  std::promise<void> release;
  auto entered_future = entered.get_future();
  auto released = release.get_future();
  // The gate names an account no test opens, so decide refuses it and it
  // appends nothing; its completion runs on the writer thread and holds it.
  writer.submit(recharge_request("gate", "gate-account-never-opened", 1),
                [&entered, &released](Outcome&&) {
                  entered.set_value();
                  released.wait();
                });
  entered_future.wait();
  std::vector<Outcome> outcomes(requests.size());
  std::latch done(static_cast<std::ptrdiff_t>(requests.size()));
  submit_each(writer, requests, outcomes, done);
  release.set_value();
  done.wait();
  return outcomes;
}

std::vector<StoredEvent> read_log(const Store& store) {
  std::vector<StoredEvent> events;
  store.scan_events(1, [&](std::uint64_t sequence, std::string_view bytes) {
    std::string why;
    auto stored = decode_stored_event(bytes, &why);
    if (!stored)
      throw std::runtime_error("event " + std::to_string(sequence) + " does not decode: " + why);
    events.push_back(std::move(*stored));
    return true;
  });
  return events;
}

LedgerState rebuild_from_log(const Store& store) {
  LedgerState state;
  std::string why;
  if (!replay_into(store, state, &why)) throw std::runtime_error("replay refused: " + why);
  return state;
}

std::optional<IdempotencyRecord> find_idempotency(const Store& store, std::string_view key) {
  auto bytes = store.get_idempotency(key);
  if (!bytes) return std::nullopt;
  auto record = decode_idempotency(*bytes);
  if (!record)
    throw std::runtime_error("idempotency record of '" + std::string(key) + "' unreadable");
  return record;
}

bool postings_sum_to_zero(const std::vector<Posting>& postings) {
  std::array<std::int64_t, unit_count> sums{};
  for (const Posting& posting : postings)
    sums.at(static_cast<std::size_t>(posting.unit)) += posting.amount;
  for (std::int64_t sum : sums)
    if (sum != 0) return false;
  return true;
}

bool break_write_ahead_log(const std::string& store_path) {
  const fs::path store_dir = fs::canonical(store_path);
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    const fs::path target = fs::read_symlink(entry.path(), error);
    // RocksDB names write-ahead logs NNNNNN.log (its info log is "LOG").
    if (error || target.parent_path() != store_dir || target.extension() != ".log") continue;
    const int log_fd = std::stoi(entry.path().filename().string());
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0) return false;
    const bool replaced = ::dup2(null_fd, log_fd) == log_fd;
    ::close(null_fd);
    return replaced;
  }
  return false;
}

RawStore::RawStore(const std::string& path) {
  // The store's own options (ledger/store.cc): only the writes are raw.
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : Store::column_family_names())
    families.emplace_back(name, Store::family_options(name));
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status status =
      rocksdb::DB::Open(Store::db_options(false), path, families, &handles_, &raw);
  if (!status.ok()) throw std::runtime_error("cannot open RocksDB directly: " + status.ToString());
  db_.reset(raw);
}

RawStore::~RawStore() {
  for (auto* handle : handles_) {
    // Destroying a handle only frees memory; nothing to act on.
    rocksdb::Status ignored = db_->DestroyColumnFamilyHandle(handle);
    (void)ignored;
  }
  rocksdb::Status closed = db_->Close();
  (void)closed;  // every write below was synced
}

rocksdb::ColumnFamilyHandle* RawStore::family(std::string_view name) const {
  const auto& names = Store::column_family_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return handles_[i];
  throw std::logic_error("no column family " + std::string(name));
}

std::optional<std::string> RawStore::get(std::string_view family_name, std::string_view key) const {
  std::string value;
  const rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), family(family_name),
                                          rocksdb::Slice(key.data(), key.size()), &value);
  if (status.IsNotFound()) return std::nullopt;
  if (!status.ok()) throw std::runtime_error("raw get failed: " + status.ToString());
  return value;
}

void RawStore::put(std::string_view family_name, std::string_view key, std::string_view value) {
  rocksdb::WriteOptions options;
  options.sync = true;
  const rocksdb::Status status =
      db_->Put(options, family(family_name), rocksdb::Slice(key.data(), key.size()),
               rocksdb::Slice(value.data(), value.size()));
  if (!status.ok()) throw std::runtime_error("raw put failed: " + status.ToString());
}

void RawStore::erase(std::string_view family_name, std::string_view key) {
  rocksdb::WriteOptions options;
  options.sync = true;
  const rocksdb::Status status =
      db_->Delete(options, family(family_name), rocksdb::Slice(key.data(), key.size()));
  if (!status.ok()) throw std::runtime_error("raw delete failed: " + status.ToString());
}

}  // namespace huawu::test
