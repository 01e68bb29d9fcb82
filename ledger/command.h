#pragma once
// Commands: what a client asks the ledger to do. decide() turns a command into
// events or a named rejection.
#include <cstdint>
#include <string>
#include <variant>

#include "events/event.h"

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

using Command = std::variant<CreateLedger, OpenAccount, RechargeWallet, CloseAccount>;

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
