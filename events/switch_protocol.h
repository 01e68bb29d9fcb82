#pragma once
// The switch protocol (docs/switch-protocol.md, schema events/switch.capnp):
// what a softswitch sends the daemon over ZeroMQ and what it gets back. One
// Cap'n Proto message per frame, standard (unpacked) encoding. These are the
// plain C++ forms; events/switch_codec.h converts them to and from bytes.
#include <cstdint>
#include <string>
#include <variant>

#include "events/event.h"

namespace huawu {

// Before connecting a call: may it start, and for how long?
struct AuthorizeCall {
  std::string call_id;
  std::string account;
  std::string caller;
  std::string callee;               // the dialled digits, rated by longest prefix
  std::int64_t requested_seconds = 0;
  std::int64_t switch_time_us = 0;  // the switch's clock, UTC microseconds
  bool operator==(const AuthorizeCall&) const = default;
};

// After hang-up of an authorized call: the real duration.
struct SettleCall {
  std::string call_id;
  std::int64_t answered_time_us = 0;  // 0 when never answered
  std::int64_t billed_duration_ms = 0;
  std::uint32_t disconnect_cause = 0;  // Q.850 cause code (16 = normal clearing)
  std::string end_reason;              // how the call ended, when the switch says (Kamailio)
  bool operator==(const SettleCall&) const = default;
};

// A call the switch connected without asking: rated and debited all the same.
struct RecordCall {
  std::string call_id;
  std::string account;
  std::string caller;
  std::string callee;
  std::int64_t answered_time_us = 0;
  std::int64_t duration_ms = 0;
  std::uint32_t disconnect_cause = 0;
  std::string end_reason;
  bool operator==(const RecordCall&) const = default;
};

using SwitchBody = std::variant<AuthorizeCall, SettleCall, RecordCall>;

struct SwitchRequest {
  std::string switch_id;    // which switch; call ids are unique per switch
  std::string request_key;  // switch-chosen; a retry reuses it
  SwitchBody body;
  // Set by the connector, never read off the ZeroMQ wire (issue 15): which
  // connector it came through and, for Kamailio, the SIP Call-ID that
  // call_id maps (docs/kamailio.md §2).
  SwitchVia via = SwitchVia::zeromq;
  std::string sip_call_id;
  bool operator==(const SwitchRequest&) const = default;
};

enum class SwitchReplyKind : std::uint8_t {
  authorize = 0,
  settle = 1,
  record = 2,
  error = 3,  // the request could not be read; nothing was recorded
};

// One reply per request, sent only after the outcome is durable.
struct SwitchReply {
  SwitchReplyKind kind = SwitchReplyKind::error;
  std::string request_key;     // echoed; empty when the request was unreadable
  std::string reason;          // "" when accepted; else a named reason
                               // ("insufficient_balance", "malformed_request", …)
  std::uint64_t sequence = 0;  // the ledger event that holds the outcome; 0 for errors
  // authorize
  std::int64_t granted_seconds = 0;
  std::uint64_t hold_id = 0;   // 0 when nothing was granted
  std::int64_t hold_units = 0;
  // settle / record
  std::int64_t billed_seconds = 0;
  std::int64_t cost_units = 0;
  std::int64_t balance_units = 0;  // the wallet's balance after (available + held)
  bool over_grant = false;         // the call ran past its grant; debited in full
  std::int64_t arrears_units = 0;  // cost the wallet could not cover (over-grant only)
  bool operator==(const SwitchReply&) const = default;
};

}  // namespace huawu
