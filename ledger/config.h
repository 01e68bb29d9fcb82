#pragma once
// The daemon's configuration (`huawu serve --config FILE`), a TOML file:
//
//   data_dir = "/var/lib/huawu"
//   [switch]  endpoint, publish_endpoint
//   [writer]  queue_requests_max, batch_requests_max, checkpoint_interval_events
//   [calls]   max_call_seconds, hold_grace_seconds, expiry_interval_ms
//   [cards]   pin_failures_max, pin_window_seconds
//   [contract] calendar_file, sla_schedule, due_soon_days, sla_due_soon_minutes,
//             alert_interval_seconds
//   [log]     level, file
//   [kamailio] enabled, evapi_address, switch_id, requested_seconds,
//             reconnect_min_ms, reconnect_max_ms, cdr_dir, rpc_socket
//   [kamailio.sip_codes] REASON = CODE
//
// Every key is optional; a missing key keeps its default below. Anything else
// is refused, naming the key: an unknown table or key (a typo must never fall
// back to a default silently), a value of the wrong type (a float where an
// integer belongs, too), a value out of range. ops/huawu.example.toml lists
// every key with its default.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "events/limits.h"

namespace huawu {

// The Kamailio connector (issue 15, docs/kamailio.md), off by default.
struct KamailioConfig {
  bool enabled = false;
  std::string evapi_address = "127.0.0.1:8448";  // Kamailio's evapi bind_addr: IPv4 host:port
  std::string switch_id = "kamailio";            // the switch id of its calls in the ledger
  std::int64_t requested_seconds = 7200;         // what each authorization asks for
  // Kamailio's dialog timer ticks once a second, so a call it cuts can run
  // up to a second past its timeout: the timeout it is given is the grant
  // less this margin (at least 1 s), so the call stays within what was held.
  std::int64_t timer_margin_seconds = 1;
  std::int64_t reconnect_min_ms = 100;           // the first retry; doubles up to the max
  std::int64_t reconnect_max_ms = 5000;
  std::string cdr_dir;     // acc CDR files backfilled after each (re)connect; empty: none
  std::string rpc_socket;  // Kamailio's jsonrpcs FIFO or datagram socket (dlg.briefing); empty: no dialog check
  // Reason name -> SIP code, overriding the defaults (kamailio/sip_codes.h).
  std::map<std::string, int> sip_codes;
  bool operator==(const KamailioConfig&) const = default;
};

struct DaemonConfig {
  std::string data_dir = "./huawu-data";
  std::string switch_endpoint = "tcp://127.0.0.1:7750";   // ROUTER the switches' DEALERs connect to
  std::string publish_endpoint = "tcp://127.0.0.1:7751";  // PUB of every committed event
  std::size_t queue_requests_max = limits::writer_queue_requests_max;
  std::size_t batch_requests_max = limits::writer_batch_requests_max;
  std::uint64_t checkpoint_interval_events = limits::checkpoint_interval_events;
  std::int64_t max_call_seconds = 7200;    // the most one authorization grants
  std::int64_t hold_grace_seconds = 120;   // a hold expires at grant + granted seconds + grace
  std::int64_t expiry_interval_ms = 1000;  // how often the daemon asks the ledger to expire holds
  // The card PIN guard (issue 5): this many failed attempts for a card or
  // from an account within the window lock it until the window has passed.
  std::size_t card_pin_failures_max = 5;
  std::int64_t card_pin_window_seconds = 900;
  // The working-day schedule (issue 6) contract deadlines are computed with:
  // a file in ops/calendars/cn-workdays.toml's format; empty: the built-in one.
  std::string calendar_file;
  // A3.2's working hours: "09:00-18:00", "09:00-12:00,13:00-18:00" or "24x7".
  std::string sla_schedule = "09:00-18:00";
  // The daemon's obligation check: how often it runs, and how long before a
  // deadline an open obligation is "due soon".
  std::int64_t due_soon_days = 3;            // O-PAY, O-ACCOUNTS
  std::int64_t sla_due_soon_minutes = 60;    // O-SLA
  std::int64_t alert_interval_seconds = 60;
  std::string log_level = "info";          // trace|debug|info|warn|error|critical|off
  std::string log_file;                    // empty: standard error
  KamailioConfig kamailio;

  bool operator==(const DaemonConfig&) const = default;
};

// Ranges of the values (inclusive). queue_requests_max is at least
// batch_requests_max and at most limits::writer_queue_requests_max.
namespace config_limits {
inline constexpr std::int64_t max_call_seconds_max = 86'400;
inline constexpr std::int64_t hold_grace_seconds_max = 3'600;
inline constexpr std::int64_t expiry_interval_ms_min = 10;
inline constexpr std::int64_t expiry_interval_ms_max = 60'000;
inline constexpr std::int64_t checkpoint_interval_events_min = 1'000;
inline constexpr std::int64_t card_pin_window_seconds_max = 7 * 86'400;
inline constexpr std::int64_t checkpoint_interval_events_max = 100'000'000;
inline constexpr std::int64_t due_soon_days_max = 60;
inline constexpr std::int64_t sla_due_soon_minutes_max = 7 * 24 * 60;
inline constexpr std::int64_t alert_interval_seconds_max = 86'400;
inline constexpr std::int64_t kamailio_reconnect_ms_min = 10;
inline constexpr std::int64_t kamailio_reconnect_ms_max = 60'000;
// load_config refuses a larger file before parsing it.
inline constexpr std::size_t file_bytes_max = 1024 * 1024;
}  // namespace config_limits

// Parses TOML text. On refusal returns nullopt and, when why is not null, sets
// *why to "KEY: PROBLEM (line N)" (KEY dotted, e.g. "writer.batch_requests_max")
// or "invalid TOML: ... (line N, column M)". Never throws on any input.
std::optional<DaemonConfig> parse_config(std::string_view toml_text, std::string* why);

// Reads and parses a file; every refusal (missing or unreadable file, too
// large, any parse_config refusal) starts with the path.
std::optional<DaemonConfig> load_config(const std::string& path, std::string* why);

// The whole config as TOML text with every value, in the layout of the
// example file; parse_config(render_config(c)) == c.
std::string render_config(const DaemonConfig& config);

}  // namespace huawu
