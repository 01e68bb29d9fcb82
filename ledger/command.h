#pragma once
// Commands: what a client asks the ledger to do. decide() turns a command into
// events or a named rejection.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "events/event.h"
#include "events/switch_protocol.h"

namespace huawu {

struct CreateLedger {
  std::string provider_id;
  std::string provider_name;
};

struct OpenAccount {
  std::string account;
  std::string rate_plan;  // empty: none yet
  std::int64_t initial_units = 0;
};

struct RechargeWallet {
  std::string account;
  std::int64_t amount_units = 0;
  std::string source_reference;
};

struct CloseAccount {
  std::string account;
  bool refund = false;  // pay the remaining balance out to external cash
};

// A whole rate plan (`huawu rates import`); replaces the plan from this event on.
struct ImportRatePlan {
  std::string plan;
  std::string source_name;
  std::vector<Rate> rates;
};

// Releases holds whose expiry time the ledger time has passed. The daemon
// sends one every `expiry_interval_ms`; refused with nothing_to_expire when
// no hold is due.
struct ExpireHolds {};

// Switch requests (events/switch_protocol.h) are commands as they are: the
// idempotency key is switch_idempotency_key(switch id, request key).
using Command = std::variant<CreateLedger, OpenAccount, RechargeWallet, CloseAccount,
                             ImportRatePlan, SwitchRequest, ExpireHolds>;

// The idempotency key of a switch request: the switch's own namespace, with
// spaces that no key a person types can contain.
std::string switch_idempotency_key(std::string_view switch_id, std::string_view request_key);

struct Request {
  Command command;
  std::string idempotency_key;   // required; the CLI makes a random one when none is given
  std::string actor;             // the principal making the request
  std::int64_t business_time_us = 0;  // 0: same as the ledger time
};

// A digest of what the request asks for (command and its fields, not the
// actor or times): two requests with one key must have the same fingerprint,
// or the second is refused with idempotency_key_reused.
Hash request_fingerprint(const Command& command);

}  // namespace huawu
