#include "kamailio/requests.h"

#include "events/limits.h"
#include "kamailio/sip_codes.h"

namespace huawu::kamailio {

Request kamailio_request(const std::string& switch_id, const std::string& request_key, SwitchBody body,
                         const std::string& sip_call_id, const std::string& actor) {
  SwitchRequest request{switch_id, request_key, std::move(body)};
  request.via = SwitchVia::kamailio;
  request.sip_call_id = sip_call_id;
  return Request{std::move(request), switch_idempotency_key(switch_id, request_key), actor, 0};
}

SettleCall answered_settle(const std::string& call_id, std::int64_t answer_time_us, std::int64_t end_time_us,
                           std::string_view end_reason) {
  SettleCall settle;
  settle.call_id = call_id;
  settle.answered_time_us = answer_time_us;
  settle.billed_duration_ms = end_time_us > answer_time_us ? (end_time_us - answer_time_us) / 1000 : 0;
  settle.disconnect_cause = 16;
  settle.end_reason = usable_end_reason(end_reason);
  return settle;
}

SettleCall unanswered_settle(const std::string& call_id, int sip_code) {
  SettleCall settle;
  settle.call_id = call_id;
  settle.disconnect_cause = q850_cause_of_sip(sip_code);
  settle.end_reason = "not_answered";
  return settle;
}

std::string usable_caller(std::string_view caller) {
  if (caller.size() > limits::phone_number_length_max) return {};
  for (char c : caller)
    if (c < 0x20 || c > 0x7e) return {};
  return std::string(caller);
}

std::string usable_end_reason(std::string_view reason) {
  if (reason.empty() || reason.size() > limits::switch_reason_length_max) return "other";
  for (char c : reason)
    if (c < 0x21 || c > 0x7e) return "other";
  return std::string(reason);
}

}  // namespace huawu::kamailio
