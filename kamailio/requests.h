#pragma once
// The switch requests a Kamailio call makes (docs/kamailio.md §2-§3), built in
// one place for the live connector and the CDR backfill: a backfilled CDR of a
// call whose call_end did arrive makes the very same request, so it is a retry
// of that request and changes nothing.
#include <cstdint>
#include <string>
#include <string_view>

#include "events/switch_protocol.h"
#include "ledger/command.h"

namespace huawu::kamailio {

// A request of switch `switch_id` through the Kamailio connector.
Request kamailio_request(const std::string& switch_id, const std::string& request_key, SwitchBody body,
                         const std::string& sip_call_id, const std::string& actor);

// The settle of an answered call: answer instant, whole milliseconds from
// answer to end (rounded down), Q.850 16 (normal clearing), how it ended.
SettleCall answered_settle(const std::string& call_id, std::int64_t answer_time_us, std::int64_t end_time_us,
                           std::string_view end_reason);
// The settle of a call never answered: nothing billed, the hold released,
// the cause the SIP final code maps to.
SettleCall unanswered_settle(const std::string& call_id, int sip_code);

// A calling number as the switch protocol allows it (0-32 printable bytes),
// else none: the caller is kept for the record, never needed to bill.
std::string usable_caller(std::string_view caller);
// An end reason as events keep it (1-64 bytes of 0x21..0x7e), else "other".
std::string usable_end_reason(std::string_view reason);

}  // namespace huawu::kamailio
