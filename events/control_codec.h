#pragma once
// Encoding and decoding of the control protocol (events/control.capnp): the
// `huawu` command's request to a daemon and the daemon's reply. A boundary
// where untrusted bytes become values, like events/codec.h: decoders never
// throw, check every length against limits.h before trusting it, and refuse
// with a reason. Encoders do not validate.
#include <optional>
#include <string>
#include <string_view>

#include "events/control_protocol.h"

namespace huawu {

// One unpacked Cap'n Proto message, sent as one frame.
std::string encode_control_request(const ControlRequest& request);
std::string encode_control_reply(const ControlReply& reply);

// Decodes and validates one frame. On failure returns nullopt and sets *why
// (if why is not null), e.g. "more than 64 args".
std::optional<ControlRequest> decode_control_request(std::string_view bytes, std::string* why);
std::optional<ControlReply> decode_control_reply(std::string_view bytes, std::string* why);

// The validation rules of the decoders on the plain forms: true when valid,
// else false and *why set.
//   request: principal at most limits::actor_length_max bytes; at most
//            limits::control_args_max args of at most limits::control_arg_bytes_max bytes.
//   reply:   exit code 0..255; out and err at most limits::control_reply_text_bytes_max bytes.
bool control_request_valid(const ControlRequest& request, std::string* why);
bool control_reply_valid(const ControlReply& reply, std::string* why);

}  // namespace huawu
