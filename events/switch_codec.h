#pragma once
// Encoding and decoding of the switch protocol (events/switch.capnp,
// docs/switch-protocol.md). Like events/codec.h this is a boundary where
// untrusted bytes (a ZeroMQ frame from a switch) become values: decoders never
// throw, never trust a length they have not checked, and refuse with a reason.
//
// Encoders do not validate: a test switch may send a malformed request on
// purpose. Decoders validate everything a frame can get wrong on its own
// (sizes, framing, text lengths and grammar, signs and ranges); whether the
// account exists or its id is well formed is the ledger's business (decide
// records a named rejection), so an account id is checked for length only.
#include <optional>
#include <string>
#include <string_view>

#include "events/switch_protocol.h"

namespace huawu {

// One unpacked Cap'n Proto message, ready to be sent as one frame.
std::string encode_switch_request(const SwitchRequest& request);
std::string encode_switch_reply(const SwitchReply& reply);

// Decodes and validates one frame. On failure returns nullopt and sets *why
// (if why is not null) to a description such as "request key empty", and
// *readable_key (if not null) to the request key when the message, its switch
// id and its request key could be read (else empty): the error reply echoes it.
std::optional<SwitchRequest> decode_switch_request(std::string_view bytes, std::string* why,
                                                    std::string* readable_key = nullptr);
std::optional<SwitchReply> decode_switch_reply(std::string_view bytes, std::string* why);

// The validation rules of decode_switch_request / decode_switch_reply on the
// plain forms: true when valid, else false and *why set. A request that
// passes encodes to a frame that decodes back to it.
bool switch_request_valid(const SwitchRequest& request, std::string* why);
bool switch_reply_valid(const SwitchReply& reply, std::string* why);

}  // namespace huawu
