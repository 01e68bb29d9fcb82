#include "events/switch_codec.h"

#include <capnp/message.h>

#include <cstdint>

#include "events/frame_codec.h"
#include "events/limits.h"
#include "events/switch.capnp.h"

namespace huawu {

namespace s = huawu::schema;

namespace {

using frame::as_text;
using frame::fail;
using frame::text;

// Switch traffic is constant: the aligned copy of an unaligned frame is kept
// per thread for the next call (it is at most one frame: the size is checked
// before).
constexpr frame::Limits frame_limits{
    .bytes_max = limits::switch_frame_bytes_max,
    .reader_words_max = limits::switch_reader_words_max,
    .nesting_max = limits::switch_reader_nesting_max,
    .limit_name = "frame limit",
    .reuse_buffer = true,
};

// ---- validation -----------------------------------------------------------------

bool visible_ascii(std::string_view value) {  // 0x21..0x7e: printable, no space
  for (const char c : value)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) return false;
  return true;
}

bool printable_ascii(std::string_view value) {  // 0x20..0x7e
  for (const char c : value)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return false;
  return true;
}

bool digits_only(std::string_view value) {
  for (const char c : value)
    if (c < '0' || c > '9') return false;
  return true;
}

// Switch id, request key, call id: 1..length_max bytes of 0x21..0x7e.
bool key_valid(std::string_view value, std::size_t length_max, const std::string& name,
               std::string* why) {
  if (value.empty()) return fail(why, name + " empty");
  if (value.size() > length_max)
    return fail(why, name + " longer than " + std::to_string(length_max) + " bytes");
  if (!visible_ascii(value)) return fail(why, name + " has a byte outside 0x21..0x7e");
  return true;
}

bool party_valid(std::string_view account, std::string_view caller, std::string_view callee,
                 std::string* why) {
  if (account.size() > limits::account_id_length_max)
    return fail(why,
                "account longer than " + std::to_string(limits::account_id_length_max) + " bytes");
  if (caller.size() > limits::phone_number_length_max)
    return fail(why,
                "caller longer than " + std::to_string(limits::phone_number_length_max) + " bytes");
  if (!printable_ascii(caller)) return fail(why, "caller has a byte outside printable ASCII");
  if (callee.empty()) return fail(why, "callee empty");
  if (callee.size() > limits::phone_number_length_max)
    return fail(
        why, "callee longer than " + std::to_string(limits::phone_number_length_max) + " digits");
  if (!digits_only(callee)) return fail(why, "callee has a character other than a digit");
  return true;
}

bool duration_valid(std::int64_t duration_ms, const std::string& name, std::string* why) {
  if (duration_ms < 0) return fail(why, "negative " + name);
  if (duration_ms > limits::call_duration_ms_max)
    return fail(why, name + " above " + std::to_string(limits::call_duration_ms_max) + " ms");
  return true;
}

struct BodyValidator {
  std::string* why;
  bool operator()(const AuthorizeCall& c) const {
    if (!key_valid(c.call_id, limits::call_id_length_max, "call id", why)) return false;
    if (!party_valid(c.account, c.caller, c.callee, why)) return false;
    if (c.requested_seconds < 0) return fail(why, "negative requested seconds");
    if (c.requested_seconds > limits::call_duration_ms_max / 1000)
      return fail(why,
                  "requested seconds above " + std::to_string(limits::call_duration_ms_max / 1000));
    if (c.switch_time_us < 0) return fail(why, "negative switch time");
    return true;
  }
  bool operator()(const SettleCall& c) const {
    if (!key_valid(c.call_id, limits::call_id_length_max, "call id", why)) return false;
    if (c.answered_time_us < 0) return fail(why, "negative answered time");
    return duration_valid(c.billed_duration_ms, "billed duration", why);
  }
  bool operator()(const RecordCall& c) const {
    if (!key_valid(c.call_id, limits::call_id_length_max, "call id", why)) return false;
    if (!party_valid(c.account, c.caller, c.callee, why)) return false;
    if (c.answered_time_us < 0) return fail(why, "negative answered time");
    return duration_valid(c.duration_ms, "duration", why);
  }
};

// ---- encode ---------------------------------------------------------------------

struct BodyWriter {
  s::SwitchRequest::Body::Builder body;
  void operator()(const AuthorizeCall& c) {
    auto b = body.initAuthorize();
    b.setCallId(as_text(c.call_id));
    b.setAccount(as_text(c.account));
    b.setCaller(as_text(c.caller));
    b.setCallee(as_text(c.callee));
    b.setRequestedSeconds(c.requested_seconds);
    b.setSwitchTimeUs(c.switch_time_us);
  }
  void operator()(const SettleCall& c) {
    auto b = body.initSettle();
    b.setCallId(as_text(c.call_id));
    b.setAnsweredTimeUs(c.answered_time_us);
    b.setBilledDurationMs(c.billed_duration_ms);
    b.setDisconnectCause(c.disconnect_cause);
  }
  void operator()(const RecordCall& c) {
    auto b = body.initCallRecord();
    b.setCallId(as_text(c.call_id));
    b.setAccount(as_text(c.account));
    b.setCaller(as_text(c.caller));
    b.setCallee(as_text(c.callee));
    b.setAnsweredTimeUs(c.answered_time_us);
    b.setDurationMs(c.duration_ms);
    b.setDisconnectCause(c.disconnect_cause);
  }
};

// A frame's worth of zeroed words on the stack as the builder's first
// segment (MallocMessageBuilder zeroes what it used when destroyed); larger
// messages, which only a deliberately malformed request makes, spill to the heap.
constexpr std::size_t first_segment_words = limits::switch_frame_bytes_max / sizeof(capnp::word);

// ---- decode ---------------------------------------------------------------------

std::optional<SwitchRequest> read_request(s::SwitchRequest::Reader r, std::string* why, std::string* readable_key) {
  SwitchRequest out;
  out.switch_id = text(r.getSwitchId());
  out.request_key = text(r.getRequestKey());
  // Whatever is wrong further on, a switch with many requests in flight can
  // match the error to its request by this key.
  std::string ignored;
  if (readable_key && key_valid(out.switch_id, limits::switch_id_length_max, "switch id", &ignored) &&
      key_valid(out.request_key, limits::request_key_length_max, "request key", &ignored))
    *readable_key = out.request_key;
  auto body = r.getBody();
  switch (body.which()) {
    case s::SwitchRequest::Body::AUTHORIZE: {
      auto c = body.getAuthorize();
      out.body = AuthorizeCall{text(c.getCallId()), text(c.getAccount()),    text(c.getCaller()),
                               text(c.getCallee()), c.getRequestedSeconds(), c.getSwitchTimeUs()};
      break;
    }
    case s::SwitchRequest::Body::SETTLE: {
      auto c = body.getSettle();
      out.body = SettleCall{text(c.getCallId()), c.getAnsweredTimeUs(), c.getBilledDurationMs(),
                            c.getDisconnectCause()};
      break;
    }
    case s::SwitchRequest::Body::CALL_RECORD: {
      auto c = body.getCallRecord();
      out.body = RecordCall{text(c.getCallId()),   text(c.getAccount()),  text(c.getCaller()),
                            text(c.getCallee()),   c.getAnsweredTimeUs(), c.getDurationMs(),
                            c.getDisconnectCause()};
      break;
    }
    default:
      *why = "unknown switch request body " + std::to_string(static_cast<unsigned>(body.which()));
      return std::nullopt;
  }
  if (!switch_request_valid(out, why)) return std::nullopt;
  return out;
}

std::optional<SwitchReply> read_reply(s::SwitchReply::Reader r, std::string* why) {
  const auto kind = static_cast<std::uint16_t>(r.getKind());
  if (kind > static_cast<std::uint16_t>(SwitchReplyKind::error)) {
    *why = "unknown switch reply kind " + std::to_string(kind);
    return std::nullopt;
  }
  SwitchReply out;
  out.kind = static_cast<SwitchReplyKind>(kind);
  out.request_key = text(r.getRequestKey());
  out.reason = text(r.getReason());
  out.sequence = r.getSequence();
  out.granted_seconds = r.getGrantedSeconds();
  out.hold_id = r.getHoldId();
  out.hold_units = r.getHoldUnits();
  out.billed_seconds = r.getBilledSeconds();
  out.cost_units = r.getCostUnits();
  out.balance_units = r.getBalanceUnits();
  out.over_grant = r.getOverGrant();
  out.arrears_units = r.getArrearsUnits();
  if (!switch_reply_valid(out, why)) return std::nullopt;
  return out;
}

}  // namespace

bool switch_request_valid(const SwitchRequest& request, std::string* why) {
  std::string ignored;
  if (!why) why = &ignored;
  if (!key_valid(request.switch_id, limits::switch_id_length_max, "switch id", why)) return false;
  if (!key_valid(request.request_key, limits::request_key_length_max, "request key", why))
    return false;
  return std::visit(BodyValidator{why}, request.body);
}

bool switch_reply_valid(const SwitchReply& reply, std::string* why) {
  std::string ignored;
  if (!why) why = &ignored;
  if (static_cast<std::uint16_t>(reply.kind) > static_cast<std::uint16_t>(SwitchReplyKind::error))
    return fail(why, "unknown switch reply kind");
  // Empty when the request was unreadable.
  if (reply.request_key.size() > limits::request_key_length_max)
    return fail(why, "request key longer than " + std::to_string(limits::request_key_length_max) +
                         " bytes");
  if (!visible_ascii(reply.request_key))
    return fail(why, "request key has a byte outside 0x21..0x7e");
  if (reply.reason.size() > limits::switch_reason_length_max)
    return fail(
        why, "reason longer than " + std::to_string(limits::switch_reason_length_max) + " bytes");
  if (!visible_ascii(reply.reason)) return fail(why, "reason has a byte outside 0x21..0x7e");
  if (reply.granted_seconds < 0) return fail(why, "negative granted seconds");
  if (reply.hold_units < 0) return fail(why, "negative hold units");
  if (reply.billed_seconds < 0) return fail(why, "negative billed seconds");
  if (reply.cost_units < 0) return fail(why, "negative cost units");
  if (reply.arrears_units < 0) return fail(why, "negative arrears units");
  return true;
}

std::string encode_switch_request(const SwitchRequest& request) {
  capnp::word first[first_segment_words]{};
  capnp::MallocMessageBuilder message(kj::arrayPtr(first, first_segment_words));
  auto root = message.initRoot<s::SwitchRequest>();
  root.setSwitchId(as_text(request.switch_id));
  root.setRequestKey(as_text(request.request_key));
  std::visit(BodyWriter{root.initBody()}, request.body);
  return frame::serialize_message(message);
}

std::string encode_switch_reply(const SwitchReply& reply) {
  capnp::word first[first_segment_words]{};
  capnp::MallocMessageBuilder message(kj::arrayPtr(first, first_segment_words));
  auto root = message.initRoot<s::SwitchReply>();
  root.setKind(static_cast<s::SwitchReply::Kind>(static_cast<std::uint16_t>(reply.kind)));
  root.setRequestKey(as_text(reply.request_key));
  root.setReason(as_text(reply.reason));
  root.setSequence(reply.sequence);
  root.setGrantedSeconds(reply.granted_seconds);
  root.setHoldId(reply.hold_id);
  root.setHoldUnits(reply.hold_units);
  root.setBilledSeconds(reply.billed_seconds);
  root.setCostUnits(reply.cost_units);
  root.setBalanceUnits(reply.balance_units);
  root.setOverGrant(reply.over_grant);
  root.setArrearsUnits(reply.arrears_units);
  return frame::serialize_message(message);
}

std::optional<SwitchRequest> decode_switch_request(std::string_view bytes, std::string* why,
                                                    std::string* readable_key) {
  if (readable_key) readable_key->clear();
  auto request = frame::decode_frame<s::SwitchRequest, SwitchRequest>(
      bytes, frame_limits, "switch request", why,
      [readable_key](s::SwitchRequest::Reader r, std::string* reason) { return read_request(r, reason, readable_key); });
  if (request && readable_key) readable_key->clear();  // only a refusal needs it
  return request;
}

std::optional<SwitchReply> decode_switch_reply(std::string_view bytes, std::string* why) {
  return frame::decode_frame<s::SwitchReply, SwitchReply>(bytes, frame_limits, "switch reply", why,
                                                          read_reply);
}

}  // namespace huawu
