#include "ledger/switch_reply.h"

#include "events/invariant.h"

namespace huawu {

SwitchReplyKind reply_kind_of(const SwitchBody& body) {
  if (std::holds_alternative<AuthorizeCall>(body)) return SwitchReplyKind::authorize;
  if (std::holds_alternative<SettleCall>(body)) return SwitchReplyKind::settle;
  return SwitchReplyKind::record;
}

SwitchReply switch_reply(std::string request_key, SwitchReplyKind kind, const Outcome& outcome) {
  SwitchReply reply;
  reply.request_key = std::move(request_key);
  if (outcome.rejection != Rejection::none) {
    reply.kind = SwitchReplyKind::error;
    reply.reason = std::string(rejection_name(outcome.rejection));
    return reply;
  }
  // decide_switch answers every readable request with exactly one event.
  HUAWU_ASSERT(outcome.events.size() == 1, "a switch request appends one event");
  reply.kind = kind;
  reply.sequence = outcome.first_sequence;
  const Payload& payload = outcome.events.front().payload;
  if (const auto* authorized = std::get_if<CallAuthorized>(&payload)) {
    reply.granted_seconds = authorized->granted_seconds;
    reply.hold_id = outcome.first_sequence;
    reply.hold_units = authorized->hold_units;
    reply.balance_units = authorized->balance_after_units;
  } else if (const auto* settled = std::get_if<CallSettled>(&payload)) {
    reply.billed_seconds = settled->billed_seconds;
    reply.cost_units = settled->cost_units;
    reply.balance_units = settled->balance_after_units;
    reply.over_grant = settled->over_grant;
    reply.arrears_units = settled->arrears_units;
  } else if (const auto* rejected = std::get_if<CallRejected>(&payload)) {
    reply.reason = rejected->reason;
  } else {
    HUAWU_ASSERT(false, "a switch request appends a call event");
  }
  return reply;
}

SwitchReply malformed_reply() {
  SwitchReply reply;
  reply.kind = SwitchReplyKind::error;
  reply.reason = "malformed_request";
  return reply;
}

}  // namespace huawu
