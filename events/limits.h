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
inline constexpr std::size_t rate_description_length_max = 64;

// Agents (issue 4): a tree of any depth a business has (real ones have 3-5
// levels), bounded so that walking an agent's chain to the provider, which
// every authorization does, stays a few lookups.
inline constexpr std::uint32_t agent_level_max = 32;
// Cards (issue 5): one batch is one event whatever its size (clause A2.4
// asks for N x 10,000 accounts at once); a card's recent failed attempts are
// kept up to this many, so a lock threshold may be at most that.
inline constexpr std::uint64_t card_batch_count_max = 10'000'000;
inline constexpr std::size_t card_failures_kept = 16;
// Contracts (issue 6): an amendment changes each of the 13 terms at most
// once; a contract has at most this many amendments (supplementary
// agreements are a handful in a contract's life), which bounds the work of
// finding the terms in force on a day.
inline constexpr std::size_t contract_changes_max = 13;
inline constexpr std::size_t contract_amendments_max = 64;
// The daemon's obligation check raises at most this many alerts per request
// (a backlog is worked off by the next checks).
inline constexpr std::size_t alerts_per_request_max = 1024;

// A rate plan import is one event holding the whole table, so it alone may
// be larger than event_bytes_max: a row is at most 17 words (5 of struct, 3 of
// prefix, 9 of description).
inline constexpr std::size_t rate_plan_event_bytes_max = 32 * 1024 * 1024;
inline constexpr std::uint64_t rate_plan_reader_words_max = rate_plan_event_bytes_max / 8 * 2;
static_assert(rate_plan_rows_max * 17 * 8 + 64 * 1024 < rate_plan_event_bytes_max);
// One ExpireHolds request releases at most this many holds (more: the next request).
inline constexpr std::size_t holds_expired_per_request_max = 1024;

static_assert((call_duration_ms_max / 1000 + 3600) * rate_price_fen_max * 100 < INT64_MAX / 2);

// The writer: requests waiting, and requests decided and committed together.
inline constexpr std::size_t writer_queue_requests_max = 65'536;
inline constexpr std::size_t writer_batch_requests_max = 8'192;

// The follower (ledger/follower.h): durable events handed over but not yet
// applied. Past this the writer waits (backpressure instead of an unbounded
// queue): at 10,000 events/s it is half a minute of a stalled read.
inline constexpr std::size_t follower_backlog_events_max = 262'144;
static_assert(follower_backlog_events_max >= 2 * writer_batch_requests_max * 4,
              "two batches in flight of requests of a few events each fit");

// The nice value a control worker runs a query at where the idle scheduling
// class is refused (ledger/daemon.cc run_when_idle): the switch path's
// threads keep nice 0.
inline constexpr int query_thread_nice = 19;
static_assert(query_thread_nice > 0 && query_thread_nice <= 19);

// Reads handed to the follower and not yet taken by it; past this a reader waits.
inline constexpr std::size_t follower_reads_waiting_max = 65'536;

// A commit slower than this is logged: every request in it waited that long.
inline constexpr double slow_commit_seconds = 0.050;

// Projection checkpoints: written every this many events and at clean close.
// A checkpoint pauses the follower's reads while it serializes the whole
// state (about 9 ms for 10,000 accounts), and a restart replays at most this many events
// (a few seconds): rare pauses keep them out of the reply-time percentiles.
inline constexpr std::uint64_t checkpoint_interval_events = 1'000'000;
// Checkpoints kept for point-in-time reads (ledger/history.h), each a whole
// state: a read at sequence N replays at most one interval after the nearest
// one; before the oldest kept, from sequence 1.
inline constexpr std::size_t checkpoints_kept_max = 8;
// A snapshot is one Cap'n Proto message; its reader limit.
inline constexpr std::uint64_t snapshot_reader_words_max = std::uint64_t{1} << 34;

// The switch protocol (events/switch_codec.h): one request or reply per frame.
// Decoding walks every pointer once for the shape check and reads the known
// fields once more, hence twice the frame's words.
inline constexpr std::size_t switch_frame_bytes_max = 4096;
inline constexpr std::uint64_t switch_reader_words_max = switch_frame_bytes_max / 8 * 2;
inline constexpr int switch_reader_nesting_max = 8;
// The switch socket reads frames up to this size, so that one past the
// protocol's 4,096 bytes is answered malformed_request (and the switch learns
// why) instead of ZeroMQ dropping the connection without a word; a larger
// frame does drop it (ZMQ_MAXMSGSIZE).
inline constexpr std::int64_t switch_socket_frame_bytes_max = 16 * switch_frame_bytes_max;
static_assert(switch_socket_frame_bytes_max > static_cast<std::int64_t>(switch_frame_bytes_max));
// The daemon's control workers: commands from the huawu command run this
// many at once. A change holds its worker until its commit is synced (about
// 0.5 ms here), so this many in flight bound a command's throughput.
inline constexpr std::size_t control_workers = 8;
inline constexpr std::size_t switch_id_length_max = 64;
inline constexpr std::size_t call_id_length_max = 64;
inline constexpr std::size_t request_key_length_max = 64;
inline constexpr std::size_t phone_number_length_max = 32;    // caller, callee
inline constexpr std::size_t switch_reason_length_max = 64;   // a reply's reason name, a call's end reason
// A SIP Call-ID kept beside its mapped call id (issue 15, docs/kamailio.md §2):
// far longer than any real one, small against event_bytes_max.
inline constexpr std::size_t sip_call_id_bytes_max = 1024;
// The largest valid request (a RecordCall) fits a frame with room to spare.
static_assert(switch_id_length_max + request_key_length_max + call_id_length_max +
                  account_id_length_max + 2 * phone_number_length_max + 6 * 8 + 16 * 8 <
              switch_frame_bytes_max / 2);

// The control protocol (events/control_codec.h): the `huawu` command and a daemon.
inline constexpr std::size_t control_args_max = 64;
inline constexpr std::size_t control_arg_bytes_max = 4096;
inline constexpr std::size_t control_reply_text_bytes_max = std::size_t{64} << 20;  // out, err
inline constexpr std::size_t control_request_bytes_max = std::size_t{512} << 10;
inline constexpr std::size_t control_reply_bytes_max = std::size_t{256} << 20;
inline constexpr std::uint64_t control_request_reader_words_max = control_request_bytes_max / 8 * 2;
inline constexpr std::uint64_t control_reply_reader_words_max = control_reply_bytes_max / 8 * 2;
inline constexpr int control_reader_nesting_max = 8;
static_assert(control_args_max * (control_arg_bytes_max + 16) + actor_length_max + 1024 <
              control_request_bytes_max);
static_assert(2 * (control_reply_text_bytes_max + 16) + 1024 < control_reply_bytes_max);

static_assert(amount_units_max < balance_units_max);
static_assert(balance_units_max < INT64_MAX / 4, "two balances plus an amount must not overflow");
static_assert(writer_batch_requests_max <= writer_queue_requests_max);
// The largest event decide can produce must fit the encoder's limit.
static_assert(account_id_length_max * (2 + postings_per_event_max) + reference_length_max +
                  name_length_max * 2 + actor_length_max + idempotency_key_length_max +
                  postings_per_event_max * 32 + 1024 <
              event_bytes_max);

}  // namespace huawu::limits
