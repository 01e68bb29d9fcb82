#pragma once
// The reply to a switch request, derived from the request's outcome alone: a
// retry gets the original events back from the writer, so it gets the same
// reply, field for field.
#include <string>

#include "events/switch_protocol.h"
#include "ledger/writer.h"

namespace huawu {

// For an outcome of a SwitchRequest. A refused request (no event: the keys
// were unusable, or the store failed) gets kind `error` with the rejection's
// name as its reason.
SwitchReply switch_reply(std::string request_key, SwitchReplyKind kind, const Outcome& outcome);

// The kind of reply a request gets when it is read.
SwitchReplyKind reply_kind_of(const SwitchBody& body);

// For a frame that could not be read at all.
SwitchReply malformed_reply();

}  // namespace huawu
