#pragma once
// Every queue, batch, message and loop in huawu has a named maximum, kept here
// so their relations can be checked at compile time.
#include <cstddef>
#include <cstdint>

namespace huawu::limits {

// Money: 1 unit = 0.0001 yuan. One amount (a recharge, an initial balance) is
// at most 10^8 yuan; a balance at most 10^12 yuan. Both far below INT64_MAX so
// sums of many of them cannot overflow before the balance check refuses them.
inline constexpr std::int64_t amount_units_max = 1'000'000'000'000;       // 10^8 yuan
inline constexpr std::int64_t balance_units_max = 10'000'000'000'000'000;  // 10^12 yuan

inline constexpr std::size_t account_id_length_max = 64;
inline constexpr std::size_t idempotency_key_length_max = 128;
inline constexpr std::size_t reference_length_max = 256;
inline constexpr std::size_t name_length_max = 256;
inline constexpr std::size_t actor_length_max = 128;
inline constexpr std::size_t postings_per_event_max = 64;

// One encoded event and the reader limit used to decode it.
inline constexpr std::size_t event_bytes_max = 64 * 1024;
inline constexpr std::uint64_t event_reader_words_max = event_bytes_max / 8 * 2;
inline constexpr int event_reader_nesting_max = 16;

// Rating: prefixes of at most 20 digits, prices up to 10^6 fen (10,000
// yuan) a minute, calls up to 10^7 seconds; then a cost fits in 64 bits.
inline constexpr std::size_t rate_prefix_digits_max = 20;
inline constexpr std::size_t rate_plan_rows_max = 200'000;
inline constexpr std::int64_t rate_price_fen_max = 1'000'000;
inline constexpr std::int64_t call_duration_ms_max = 10'000'000'000;
static_assert((call_duration_ms_max / 1000 + 3600) * rate_price_fen_max * 100 < INT64_MAX / 2);

// The writer: requests waiting, and requests decided and committed together.
inline constexpr std::size_t writer_queue_requests_max = 65'536;
inline constexpr std::size_t writer_batch_requests_max = 8'192;

// Projection checkpoints: written every this many events and at clean close.
inline constexpr std::uint64_t checkpoint_interval_events = 100'000;
// A snapshot is one Cap'n Proto message; its reader limit.
inline constexpr std::uint64_t snapshot_reader_words_max = std::uint64_t{1} << 34;

static_assert(amount_units_max < balance_units_max);
static_assert(balance_units_max < INT64_MAX / 4, "two balances plus an amount must not overflow");
static_assert(writer_batch_requests_max <= writer_queue_requests_max);
// The largest event decide can produce must fit the encoder's limit.
static_assert(account_id_length_max * (2 + postings_per_event_max) + reference_length_max +
                  name_length_max * 2 + actor_length_max + idempotency_key_length_max +
                  postings_per_event_max * 32 + 1024 <
              event_bytes_max);

}  // namespace huawu::limits
