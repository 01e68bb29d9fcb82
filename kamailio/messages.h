#pragma once
// The JSON messages between Kamailio and huawu (docs/kamailio.md §3-§4),
// parsed into plain structs and written from them. Parsing is the boundary
// for Kamailio's bytes: nothing thrown inside escapes it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace huawu::kamailio {

struct AuthRequest {
  std::int64_t tr_index = 0;
  std::int64_t tr_label = 0;
  std::string sip_call_id;
  std::string from_tag;
  std::string account;
  std::string destination;
  std::string caller;
  std::int64_t setup_time_us = 0;
};

// An auth_request whose transaction can be named but whose content is
// unusable: answered with a deny at once.
struct BadAuthRequest {
  std::int64_t tr_index = 0;
  std::int64_t tr_label = 0;
  std::string sip_call_id;
  std::string why;
};

struct CallStart {
  std::string sip_call_id;
  std::uint32_t h_entry = 0;
  std::uint32_t h_id = 0;
  std::string account;
  std::int64_t answer_time_us = 0;
};

struct CallEnd {
  std::string sip_call_id;
  std::uint32_t h_entry = 0;
  std::uint32_t h_id = 0;
  std::string account;
  std::int64_t answer_time_us = 0;
  std::int64_t end_time_us = 0;
  std::string reason;
};

struct CallFailed {
  std::string sip_call_id;
  std::string account;
  int sip_code = 0;
};

using Inbound = std::variant<AuthRequest, BadAuthRequest, CallStart, CallEnd, CallFailed>;

// One message from Kamailio, or nullopt with *why (not JSON, not an object,
// an unknown event, a required member missing or of the wrong type).
std::optional<Inbound> parse_inbound(std::string_view json, std::string* why);

// Times are Kamailio's $TV(Sn), "SECONDS.MICROSECONDS": parse_time_us (kamailio/cdr_file.h).

struct AuthReply {
  std::int64_t tr_index = 0;
  std::int64_t tr_label = 0;
  std::string sip_call_id;
  bool grant = false;
  std::int64_t max_seconds = 0;
  std::string reason;  // empty with a grant
  int sip_code = 0;    // with a deny
  std::string sip_reason;
};

struct Disconnect {
  std::string sip_call_id;
  std::uint32_t h_entry = 0;
  std::uint32_t h_id = 0;
  std::string reason;  // hold_expired, operator_cut
};

// The JSON text of a message to Kamailio (not yet framed).
std::string to_json(const AuthReply& reply);
std::string to_json(const Disconnect& disconnect);

// The dialled digits huawu rates: the R-URI user without one leading '+';
// nullopt unless 1..32 digits remain.
std::optional<std::string> dialled_digits(std::string_view destination);

}  // namespace huawu::kamailio
