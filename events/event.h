#pragma once
// The domain form of events: plain C++ values that decide produces, the codec
// encodes, and projections apply. Mirrors events.capnp field for field.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <functional>
#include <variant>
#include <vector>

namespace huawu {

enum class Unit : std::uint8_t { cny_units = 0, traffic_seconds = 1 };
inline constexpr std::size_t unit_count = 2;

enum class LedgerAccountKind : std::uint8_t { external_cash = 0, user_wallet = 1 };

struct Posting {
  LedgerAccountKind kind = LedgerAccountKind::external_cash;
  std::string owner;  // account id; empty for system-wide ledger accounts
  Unit unit = Unit::cny_units;
  std::int64_t amount = 0;
  bool operator==(const Posting&) const = default;
};

struct LedgerCreated {
  std::string provider_id;
  std::string provider_name;
  std::string currency;
  std::int32_t utc_offset_minutes = 0;
  bool operator==(const LedgerCreated&) const = default;
};

struct AccountOpened {
  std::string account;
  std::string rate_plan;
  std::int64_t initial_balance_units = 0;
  bool operator==(const AccountOpened&) const = default;
};

struct WalletRecharged {
  std::string account;
  std::int64_t amount_units = 0;
  std::string source_reference;
  std::int64_t balance_after_units = 0;
  bool operator==(const WalletRecharged&) const = default;
};

enum class BalanceDisposition : std::uint8_t { none = 0, refunded = 1 };

struct AccountClosed {
  std::string account;
  std::int64_t remaining_balance_units = 0;
  BalanceDisposition disposition = BalanceDisposition::none;
  bool operator==(const AccountClosed&) const = default;
};

using Payload = std::variant<LedgerCreated, AccountOpened, WalletRecharged, AccountClosed>;

struct Event {
  std::int64_t ledger_time_us = 0;
  std::int64_t business_time_us = 0;
  std::string actor;
  std::string idempotency_key;
  std::vector<Posting> postings;
  Payload payload;
  bool operator==(const Event&) const = default;
};

using Hash = std::array<std::uint8_t, 32>;

// Lets maps keyed by std::string be searched with a std::string_view without
// building a temporary string (C++20 heterogeneous lookup).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// An event as the store holds it: its place in the log and the hash chain.
struct StoredEvent {
  std::uint64_t sequence = 0;
  Hash prev_hash{};
  Hash hash{};
  Event event;
};

// The event type's name as written in the log ("WalletRecharged").
const char* payload_name(const Payload& payload);

// Postings sum to zero per unit and respect the per-event posting limit.
// Checked before encoding and after decoding (pair assertion).
bool postings_balance(const std::vector<Posting>& postings);

}  // namespace huawu
