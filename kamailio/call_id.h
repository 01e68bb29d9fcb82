#pragma once
// SIP Call-IDs as huawu call ids (docs/kamailio.md §2). A SIP Call-ID can be
// of any length and hold any printable character; a huawu call id is 1-64
// bytes of 0x21..0x7e, and the idempotency keys made from it ("a:" + id)
// must fit 64 bytes too. The mapping is deterministic and never truncates.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace huawu::kamailio {

// Call-IDs up to this long (and otherwise fit) are used as they are; 60 + the
// 2-byte key prefix + room to spare stays within request_key_length_max.
inline constexpr std::size_t verbatim_call_id_bytes_max = 60;
// The first byte of every hashed id, and so of no verbatim one.
inline constexpr char hashed_call_id_mark = '~';

// The huawu call id of a SIP Call-ID: the Call-ID itself when it is 1-60
// bytes of 0x21..0x7e not starting with '~'; else '~' + the unpadded
// base64url of its SHA-256 (44 bytes). nullopt for an empty Call-ID or one
// over limits::sip_call_id_bytes_max (refused as call_id_invalid).
std::optional<std::string> huawu_call_id(std::string_view sip_call_id);

// The request keys of a call's requests (docs/kamailio.md §2).
std::string authorize_key(std::string_view call_id);  // "a:" + id
std::string settle_key(std::string_view call_id);     // "s:" + id
std::string record_key(std::string_view call_id);     // "r:" + id

}  // namespace huawu::kamailio
