// The switch protocol codec (events/switch_codec.h).
//
// A switch's frame is untrusted input from the network, so besides round trips
// and golden bytes these tests break every validation rule on its own, hand-
// craft frames that attack the reader (deep nesting, many pointers to one
// object, lists claiming more than the frame), and feed the decoders random
// and mutated frames: the answer is always a refusal with a reason or a
// message that re-encodes validly — never a crash or an escaping exception.
#include "events/switch_codec.h"

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "events/limits.h"
#include "tests/property_seed.h"
#include "tests/wire_test_support.h"
#include "events/switch.capnp.h"

namespace huawu {
namespace {

namespace s = huawu::schema;
using namespace huawu::test;

// ---- helpers ----------------------------------------------------------------

constexpr std::uint64_t default_seed = 0x7377'6974'6368'0001;  // "switch"

// 2025-01-01 00:00:00 China Standard Time = 2024-12-31 16:00:00 UTC.
constexpr std::int64_t new_year_us = 1'735'660'800'000'000;

// One fixed message per kind: authorize a call, settle it, record another.
SwitchRequest golden_authorize() {
  return {"sw-bj-01", "req-0001",
          AuthorizeCall{"call-0001", "13800138000", "01088886666", "008613912345678", 3600,
                        new_year_us}};
}
SwitchRequest golden_settle() {
  return {"sw-bj-01", "req-0002", SettleCall{"call-0001", new_year_us + 5'000'000, 65'432, 16}};
}
SwitchRequest golden_record() {
  return {"sw-bj-01", "req-0003",
          RecordCall{"call-0002", "13800138000", "", "13912345678", new_year_us + 60'000'000,
                     120'000, 16}};
}
std::vector<SwitchRequest> golden_requests() {
  return {golden_authorize(), golden_settle(), golden_record()};
}

SwitchReply golden_authorize_reply() {
  SwitchReply r;
  r.kind = SwitchReplyKind::authorize;
  r.request_key = "req-0001";
  r.sequence = 42;
  r.granted_seconds = 3600;
  r.hold_id = 7;
  r.hold_units = 36'000;
  r.balance_units = 500'000;
  return r;
}
SwitchReply golden_settle_reply() {
  SwitchReply r;
  r.kind = SwitchReplyKind::settle;
  r.request_key = "req-0002";
  r.sequence = 43;
  r.billed_seconds = 3720;
  r.cost_units = 37'500;
  r.balance_units = 0;
  r.over_grant = true;
  r.arrears_units = 1'500;
  return r;
}
SwitchReply golden_record_reply() {
  SwitchReply r;
  r.kind = SwitchReplyKind::record;
  r.request_key = "req-0003";
  r.reason = "no_rate_for_destination";
  r.sequence = 44;
  r.balance_units = 464'000;
  return r;
}
SwitchReply golden_error_reply() {
  SwitchReply r;
  r.kind = SwitchReplyKind::error;
  r.reason = "malformed_request";
  return r;
}
std::vector<SwitchReply> golden_replies() {
  return {golden_authorize_reply(), golden_settle_reply(), golden_record_reply(),
          golden_error_reply()};
}

void require_request_refused(std::string_view bytes, const char* reason_fragment) {
  std::string why;
  std::optional<SwitchRequest> decoded;
  REQUIRE_NOTHROW(decoded = decode_switch_request(bytes, &why));
  REQUIRE_FALSE(decoded.has_value());
  REQUIRE_FALSE(why.empty());
  CHECK_THAT(why, Catch::Matchers::Contains(reason_fragment));
}

void require_reply_refused(std::string_view bytes, const char* reason_fragment) {
  std::string why;
  std::optional<SwitchReply> decoded;
  REQUIRE_NOTHROW(decoded = decode_switch_reply(bytes, &why));
  REQUIRE_FALSE(decoded.has_value());
  REQUIRE_FALSE(why.empty());
  CHECK_THAT(why, Catch::Matchers::Contains(reason_fragment));
}

// Encodes a request and requires the decoder to refuse it, and the plain-form
// check to agree with the decoder.
void require_refused(const SwitchRequest& request, const char* reason_fragment) {
  INFO("expected refusal: " << reason_fragment);
  require_request_refused(encode_switch_request(request), reason_fragment);
  std::string why;
  CHECK_FALSE(switch_request_valid(request, &why));
  CHECK_THAT(why, Catch::Matchers::Contains(reason_fragment));
}
void require_refused(const SwitchReply& reply, const char* reason_fragment) {
  INFO("expected refusal: " << reason_fragment);
  require_reply_refused(encode_switch_reply(reply), reason_fragment);
  std::string why;
  CHECK_FALSE(switch_reply_valid(reply, &why));
  CHECK_THAT(why, Catch::Matchers::Contains(reason_fragment));
}

template <typename T>
SwitchRequest with_body(SwitchRequest request, const std::function<void(T&)>& edit) {
  edit(std::get<T>(request.body));
  return request;
}

// ---- round trips ------------------------------------------------------------

TEST_CASE("every request kind round-trips", "[switch_codec]") {
  for (const SwitchRequest& request : golden_requests()) {
    INFO("body index " << request.body.index());
    const std::string bytes = encode_switch_request(request);
    CHECK(bytes.size() % 8 == 0);
    CHECK(bytes.size() <= limits::switch_frame_bytes_max);
    std::string why;
    const auto decoded = decode_switch_request(bytes, &why);
    INFO(why);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == request);
    CHECK(encode_switch_request(*decoded) == bytes);  // deterministic
    CHECK(switch_request_valid(request, &why));
  }
}

TEST_CASE("every reply kind round-trips", "[switch_codec]") {
  for (const SwitchReply& reply : golden_replies()) {
    INFO("kind " << static_cast<int>(reply.kind));
    const std::string bytes = encode_switch_reply(reply);
    CHECK(bytes.size() % 8 == 0);
    std::string why;
    const auto decoded = decode_switch_reply(bytes, &why);
    INFO(why);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == reply);
    CHECK(encode_switch_reply(*decoded) == bytes);
  }
}

TEST_CASE("requests round-trip with edge values", "[switch_codec]") {
  const std::string id64(limits::switch_id_length_max, '~');
  const std::string key64(limits::request_key_length_max, '!');
  const std::string call64(limits::call_id_length_max, 'c');
  const std::string account64(limits::account_id_length_max, 'a');
  // Every printable ASCII byte may appear in a caller, space included.
  const std::string caller32 = " +()-#*~" + std::string(limits::phone_number_length_max - 8, '9');
  const std::string callee32(limits::phone_number_length_max, '0');
  const std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
  const std::uint32_t uint32_max = std::numeric_limits<std::uint32_t>::max();

  std::vector<SwitchRequest> requests = {
      // Longest of everything, largest values.
      {id64, key64,
       AuthorizeCall{call64, account64, caller32, callee32, limits::call_duration_ms_max / 1000,
                     int64_max}},
      {id64, key64, SettleCall{call64, int64_max, limits::call_duration_ms_max, uint32_max}},
      {id64, key64,
       RecordCall{call64, account64, caller32, callee32, int64_max, limits::call_duration_ms_max,
                  uint32_max}},
      // Shortest of everything, zero values; the account is checked by the ledger.
      {"s", "k", AuthorizeCall{"c", "", "", "1", 0, 0}},
      {"s", "k", SettleCall{"c", 0, 0, 0}},
      {"s", "k", RecordCall{"c", "", "", "1", 0, 0, 0}},
      // Account ids the ledger will refuse still pass the codec (length only).
      {"s", "k", AuthorizeCall{"c", "-not valid!", "", "12", 1, 1}},
      {"s", "k", RecordCall{"c", std::string("a\0b", 3), "", "12", 1, 1, 1}},
  };
  for (const SwitchRequest& request : requests) {
    const std::string bytes = encode_switch_request(request);
    CHECK(bytes.size() <= limits::switch_frame_bytes_max);
    std::string why;
    const auto decoded = decode_switch_request(bytes, &why);
    INFO(why);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == request);
  }
}

TEST_CASE("replies round-trip with edge values", "[switch_codec]") {
  SwitchReply r;
  r.kind = SwitchReplyKind::settle;
  r.request_key = std::string(limits::request_key_length_max, 'k');
  r.reason = std::string(limits::switch_reason_length_max, 'r');
  r.sequence = std::numeric_limits<std::uint64_t>::max();
  r.granted_seconds = std::numeric_limits<std::int64_t>::max();
  r.hold_id = std::numeric_limits<std::uint64_t>::max();
  r.hold_units = std::numeric_limits<std::int64_t>::max();
  r.billed_seconds = std::numeric_limits<std::int64_t>::max();
  r.cost_units = std::numeric_limits<std::int64_t>::max();
  r.balance_units = std::numeric_limits<std::int64_t>::min();
  r.over_grant = true;
  r.arrears_units = std::numeric_limits<std::int64_t>::max();
  std::string why;
  auto decoded = decode_switch_reply(encode_switch_reply(r), &why);
  INFO(why);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == r);

  const SwitchReply zero{};  // kind error, everything empty or zero
  decoded = decode_switch_reply(encode_switch_reply(zero), &why);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == zero);
}

TEST_CASE("decoders read frames that are not 8-byte aligned in memory", "[switch_codec]") {
  for (const SwitchRequest& request : golden_requests()) {
    const std::string buffer = "x" + encode_switch_request(request);
    const std::string_view unaligned = std::string_view(buffer).substr(1);
    REQUIRE(reinterpret_cast<std::uintptr_t>(unaligned.data()) % 8 != 0);
    std::string why;
    const auto decoded = decode_switch_request(unaligned, &why);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == request);
  }
  const std::string buffer = "x" + encode_switch_reply(golden_settle_reply());
  std::string why;
  const auto decoded = decode_switch_reply(std::string_view(buffer).substr(1), &why);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == golden_settle_reply());
}

TEST_CASE("a null why pointer is allowed", "[switch_codec]") {
  CHECK(decode_switch_request(encode_switch_request(golden_settle()), nullptr).has_value());
  CHECK_FALSE(decode_switch_request("", nullptr).has_value());
  CHECK_FALSE(decode_switch_reply("1234567", nullptr).has_value());
  CHECK_FALSE(switch_request_valid(SwitchRequest{}, nullptr));
  CHECK(switch_reply_valid(SwitchReply{}, nullptr));
}

// ---- golden bytes -------------------------------------------------------------
//
// These pin the wire format switches are built against: events/switch.capnp
// is append-only. If the decode half fails, the schema or decoder changed
// incompatibly: fix the change, never the constant. If only the encode half
// fails after a field was appended, keep these constants for the decode half
// and add new ones for the encoder.
//
// Produced once by the encoder and checked independently with the Cap'n Proto
// tool, e.g. for the authorize request:
//   echo '(switchId = "sw-bj-01", requestKey = "req-0001", body = (authorize = (
//          callId = "call-0001", account = "13800138000", caller = "01088886666",
//          callee = "008613912345678", requestedSeconds = 3600,
//          switchTimeUs = 1735660800000000)))' |
//     capnp encode events/switch.capnp SwitchRequest | xxd -p
// which prints the same bytes.

constexpr std::string_view golden_authorize_hex =
    "000000001700000000000000010003000000000000000000090000004a000000"
    "0d0000004a000000100000000200040073772d626a2d30310000000000000000"
    "7265712d303030310000000000000000100e00000000000000406f05932a0600"
    "0d00000052000000110000006200000015000000620000001900000082000000"
    "63616c6c2d303030310000000000000031333830303133383030300000000000"
    "3031303838383836363636000000000030303836313339313233343536373800";
constexpr std::string_view golden_settle_hex =
    "000000000f00000000000000010003000100000000000000090000004a000000"
    "0d0000004a000000100000000300010073772d626a2d30310000000000000000"
    "7265712d303030320000000000000000408bbb05932a060098ff000000000000"
    "1000000000000000010000005200000063616c6c2d3030303100000000000000";
constexpr std::string_view golden_record_hex =
    "000000001700000000000000010003000200000000000000090000004a000000"
    "0d0000004a000000100000000300040073772d626a2d30310000000000000000"
    "7265712d30303033000000000000000000c70209932a0600c0d4010000000000"
    "10000000000000000d000000520000001100000062000000150000000a000000"
    "150000006200000063616c6c2d30303032000000000000003133383030313338"
    "3030300000000000000000000000000031333931323334353637380000000000";
constexpr std::string_view golden_authorize_reply_hex =
    "000000000f000000000000000900020000000000000000002a00000000000000"
    "100e0000000000000700000000000000a08c0000000000000000000000000000"
    "000000000000000020a10700000000000000000000000000050000004a000000"
    "090000000a0000007265712d3030303100000000000000000000000000000000";
constexpr std::string_view golden_settle_reply_hex =
    "000000000f000000000000000900020001000100000000002b00000000000000"
    "000000000000000000000000000000000000000000000000880e000000000000"
    "7c920000000000000000000000000000dc05000000000000050000004a000000"
    "090000000a0000007265712d3030303200000000000000000000000000000000";
constexpr std::string_view golden_record_reply_hex =
    "0000000011000000000000000900020002000000000000002c00000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000080140700000000000000000000000000050000004a000000"
    "09000000c20000007265712d3030303300000000000000006e6f5f726174655f"
    "666f725f64657374696e6174696f6e00";
constexpr std::string_view golden_error_reply_hex =
    "0000000010000000000000000900020003000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000050000000a000000"
    "050000009200000000000000000000006d616c666f726d65645f726571756573"
    "7400000000000000";

void check_golden(const SwitchRequest& request, std::string_view golden_hex) {
  const std::string bytes = encode_switch_request(request);
  INFO("encode_switch_request now gives " << hex(bytes));
  CHECK(hex(bytes) == golden_hex);
  std::string why;
  const auto decoded = decode_switch_request(unhex(golden_hex), &why);
  INFO(why);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == request);
}

void check_golden(const SwitchReply& reply, std::string_view golden_hex) {
  const std::string bytes = encode_switch_reply(reply);
  INFO("encode_switch_reply now gives " << hex(bytes));
  CHECK(hex(bytes) == golden_hex);
  std::string why;
  const auto decoded = decode_switch_reply(unhex(golden_hex), &why);
  INFO(why);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == reply);
}

TEST_CASE("golden bytes: AuthorizeCall request", "[switch_codec][golden]") {
  check_golden(golden_authorize(), golden_authorize_hex);
}
TEST_CASE("golden bytes: SettleCall request", "[switch_codec][golden]") {
  check_golden(golden_settle(), golden_settle_hex);
}
TEST_CASE("golden bytes: RecordCall request", "[switch_codec][golden]") {
  check_golden(golden_record(), golden_record_hex);
}
TEST_CASE("golden bytes: authorize reply", "[switch_codec][golden]") {
  check_golden(golden_authorize_reply(), golden_authorize_reply_hex);
}
TEST_CASE("golden bytes: settle reply", "[switch_codec][golden]") {
  check_golden(golden_settle_reply(), golden_settle_reply_hex);
}
TEST_CASE("golden bytes: record reply", "[switch_codec][golden]") {
  check_golden(golden_record_reply(), golden_record_reply_hex);
}
TEST_CASE("golden bytes: error reply", "[switch_codec][golden]") {
  check_golden(golden_error_reply(), golden_error_reply_hex);
}

// ---- framing refusals -----------------------------------------------------------

TEST_CASE("a frame larger than limits::switch_frame_bytes_max is refused",
          "[switch_codec][refuse]") {
  // Well formed but for its size: the encoder does not validate.
  SwitchRequest big = golden_authorize();
  std::get<AuthorizeCall>(big.body).account = std::string(limits::switch_frame_bytes_max, 'a');
  const std::string bytes = encode_switch_request(big);
  REQUIRE(bytes.size() > limits::switch_frame_bytes_max);
  require_request_refused(bytes, "larger than the frame limit");
  require_request_refused(std::string(limits::switch_frame_bytes_max + 8, '\0'),
                          "larger than the frame limit");
  SwitchReply reply = golden_error_reply();
  reply.reason = std::string(limits::switch_frame_bytes_max, 'r');
  require_reply_refused(encode_switch_reply(reply), "larger than the frame limit");
}

TEST_CASE("a length that is not a multiple of 8 is refused", "[switch_codec][refuse]") {
  const std::string request = encode_switch_request(golden_settle());
  const std::string reply = encode_switch_reply(golden_settle_reply());
  for (std::size_t extra = 1; extra < 8; ++extra) {
    INFO("extra bytes = " << extra);
    require_request_refused(request + std::string(extra, '\0'), "not a multiple of 8");
    require_reply_refused(reply + std::string(extra, '\0'), "not a multiple of 8");
  }
  require_request_refused("abc", "not a multiple of 8");
}

TEST_CASE("bytes after the message are refused", "[switch_codec][refuse]") {
  const std::string request = encode_switch_request(golden_authorize());
  require_request_refused(request + std::string(8, '\0'), "bytes after its message");
  require_request_refused(request + request, "bytes after its message");
  const std::string reply = encode_switch_reply(golden_authorize_reply());
  require_reply_refused(reply + std::string(8, '\0'), "bytes after its message");
}

TEST_CASE("empty input or a non-struct root or a capability is refused", "[switch_codec][refuse]") {
  require_request_refused("", "malformed switch request");
  require_reply_refused("", "malformed switch reply");

  capnp::MallocMessageBuilder list_root;
  list_root.getRoot<capnp::AnyPointer>().initAs<capnp::List<std::int64_t>>(3);
  require_request_refused(flat_bytes(list_root), "malformed switch request");

  // Root struct (0 data words, 1 pointer) whose pointer is a capability.
  require_request_refused(raw_frame({struct_pointer(0, 0, 1), 3}), "capability pointer");
  // Kind OTHER with a non-zero offset: reserved, not a capability.
  require_request_refused(raw_frame({struct_pointer(0, 0, 1), 7}), "malformed switch request");
}

TEST_CASE("every truncation of a valid frame is refused", "[switch_codec][refuse]") {
  for (const SwitchRequest& request : golden_requests()) {
    const std::string bytes = encode_switch_request(request);
    for (std::size_t size = 0; size < bytes.size(); ++size) {
      INFO("cut to " << size << " of " << bytes.size());
      std::string why;
      CHECK_FALSE(decode_switch_request(std::string_view(bytes).substr(0, size), &why));
      CHECK_FALSE(why.empty());
    }
  }
}

// ---- hand-crafted attacks on the reader ---------------------------------------------

// A valid authorize request whose root has one pointer more than this schema
// knows (as a newer switch's would), holding a chain of `depth` structs.
std::string request_with_chain(unsigned depth) {
  const auto proto = capnp::Schema::from<s::SwitchRequest>().getProto().getStruct();
  capnp::MallocMessageBuilder message;
  auto root = message.getRoot<capnp::AnyPointer>().initAsAnyStruct(
      proto.getDataWordCount(), static_cast<std::uint16_t>(proto.getPointerCount() + 1));
  auto request = root.as<s::SwitchRequest>();
  request.setSwitchId("sw-bj-01");
  request.setRequestKey("req-0001");
  auto call = request.initBody().initAuthorize();
  call.setCallId("call-0001");
  call.setAccount("13800138000");
  call.setCallee("123");
  capnp::AnyPointer::Builder slot = root.getPointerSection()[proto.getPointerCount()];
  for (unsigned level = 0; level < depth; ++level) {
    auto link = slot.initAsAnyStruct(1, 1);
    link.getDataSection()[0] = static_cast<kj::byte>(level);
    slot = link.getPointerSection()[0];
  }
  return flat_bytes(message);
}

TEST_CASE("deep nesting is refused also in fields this build does not know",
          "[switch_codec][refuse]") {
  // Unknown fields are allowed (a newer switch) as long as they are shallow.
  std::string why;
  const auto shallow = decode_switch_request(request_with_chain(3), &why);
  INFO(why);
  REQUIRE(shallow.has_value());
  CHECK(std::get<AuthorizeCall>(shallow->body).callee == "123");

  const std::string deep = request_with_chain(limits::switch_reader_nesting_max + 4);
  REQUIRE(deep.size() <= limits::switch_frame_bytes_max);
  require_request_refused(deep, "too deeply-nested");
  // A cycle is unbounded nesting: a root struct whose only pointer points at itself.
  require_request_refused(raw_frame({struct_pointer(0, 0, 1), struct_pointer(-2, 0, 1)}),
                          "too deeply-nested");
}

TEST_CASE("a list pointer claiming more than the frame holds is refused",
          "[switch_codec][refuse]") {
  // Root: 1 data word, 3 pointers; the switch id claims 2^29 - 1 bytes.
  const std::uint32_t huge = (1u << 29) - 1;
  require_request_refused(
      raw_frame({struct_pointer(0, 1, 3), 0, list_pointer(2, byte_elements, huge), 0, 0}),
      "out-of-bounds");
  // The same with a valid request: patch its switch id pointer (the first of
  // the root's pointers, after its one data word).
  std::string bytes = encode_switch_request(golden_authorize());
  const std::size_t at = 8 + 8 + 8 * 1 + 4;  // segment table, root pointer, data word; upper half
  const std::uint32_t upper = (huge << 3) | byte_elements;
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>(upper >> (8 * i));
  require_request_refused(bytes, "out-of-bounds");
  // A segment table claiming a segment larger than the frame.
  std::string frame = raw_frame({struct_pointer(0, 0, 0)});
  frame[4] = '\xff';
  frame[5] = '\xff';
  require_request_refused(frame, "malformed switch request");
}

TEST_CASE("many pointers to one object exceed the traversal limit", "[switch_codec][refuse]") {
  // Root with 100 pointers, every one to the same 100-word byte list: 1,624
  // bytes on the wire, 10,000 words to read.
  constexpr std::int32_t pointers = 100;
  constexpr std::uint32_t blob_words = 100;
  std::vector<std::uint64_t> segment{struct_pointer(0, 1, pointers), 0};
  for (std::int32_t i = 0; i < pointers; ++i)
    segment.push_back(list_pointer(pointers - 1 - i, byte_elements, blob_words * 8));
  segment.resize(segment.size() + blob_words, 0x3131313131313131);  // "11111111"
  const std::string frame = raw_frame(segment);
  REQUIRE(frame.size() <= limits::switch_frame_bytes_max);
  require_request_refused(frame, "traversal limit");
  require_reply_refused(frame, "traversal limit");
}

TEST_CASE("a text without its NUL terminator is refused", "[switch_codec][refuse]") {
  // Root: 1 data word, 3 pointers; the switch id is 8 bytes "11111111", no NUL.
  require_request_refused(raw_frame({struct_pointer(0, 1, 3), 0, list_pointer(2, byte_elements, 8),
                                     0, 0, 0x3131313131313131}),
                          "NUL-terminated");
}

// Sets the body union's discriminant to a value this build does not know, as a
// newer switch would send. Found through the schema, not a hard-coded offset.
std::string request_with_body_which(std::uint16_t which) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<s::SwitchRequest>();
  root.setSwitchId("sw-bj-01");
  root.setRequestKey("req-0001");
  root.initBody().initSettle().setCallId("call-0001");
  const auto proto = capnp::Schema::from<s::SwitchRequest::Body>().getProto().getStruct();
  auto data = capnp::AnyStruct::Builder(kj::mv(root)).getDataSection();
  const std::size_t at = proto.getDiscriminantOffset() * 2u;
  data[at] = static_cast<kj::byte>(which & 0xff);
  data[at + 1] = static_cast<kj::byte>(which >> 8);
  return flat_bytes(message);
}

TEST_CASE("an unknown body or reply kind is refused", "[switch_codec][refuse]") {
  // Sanity: the helper writes where the reader looks.
  std::string why;
  const auto settle = decode_switch_request(request_with_body_which(1), &why);
  REQUIRE(settle.has_value());
  CHECK(std::holds_alternative<SettleCall>(settle->body));

  require_request_refused(request_with_body_which(3), "unknown switch request body 3");
  require_request_refused(request_with_body_which(0xffff), "unknown switch request body 65535");

  capnp::MallocMessageBuilder message;
  auto reply = message.initRoot<s::SwitchReply>();
  reply.setKind(static_cast<s::SwitchReply::Kind>(4));
  require_reply_refused(flat_bytes(message), "unknown switch reply kind 4");
}

// ---- field refusals ------------------------------------------------------------------

TEST_CASE("switch id and request key and call id: empty or too long or bad bytes",
          "[switch_codec][refuse]") {
  auto request = [](std::string switch_id, std::string key) {
    SwitchRequest r = golden_settle();
    r.switch_id = std::move(switch_id);
    r.request_key = std::move(key);
    return r;
  };
  require_refused(request("", "k"), "switch id empty");
  require_refused(request(std::string(limits::switch_id_length_max + 1, 's'), "k"),
                  "switch id longer than 64 bytes");
  require_refused(request("sw 1", "k"), "switch id has a byte outside 0x21..0x7e");
  require_refused(request(std::string("sw\0", 3), "k"), "switch id has a byte outside 0x21..0x7e");
  require_refused(request("s", ""), "request key empty");
  require_refused(request("s", std::string(limits::request_key_length_max + 1, 'k')),
                  "request key longer than 64 bytes");
  require_refused(request("s", "k\x7f"), "request key has a byte outside 0x21..0x7e");
  require_refused(request("s", "k\xc3\xa9"), "request key has a byte outside 0x21..0x7e");

  const std::string long_call(limits::call_id_length_max + 1, 'c');
  for (const SwitchRequest& golden : golden_requests()) {
    INFO("body index " << golden.body.index());
    auto with_call_id = [&](const std::string& id) {
      SwitchRequest r = golden;
      std::visit([&](auto& body) { body.call_id = id; }, r.body);
      return r;
    };
    require_refused(with_call_id(""), "call id empty");
    require_refused(with_call_id(long_call), "call id longer than 64 bytes");
    require_refused(with_call_id("call\t1"), "call id has a byte outside 0x21..0x7e");
  }
}

TEST_CASE("account and caller and callee", "[switch_codec][refuse]") {
  // Both kinds that name the parties follow the same rules.
  auto check_parties = [](const SwitchRequest& golden, auto edit_tag) {
    using Body = decltype(edit_tag);
    auto with = [&](const std::function<void(Body&)>& edit) {
      return with_body<Body>(golden, edit);
    };
    require_refused(
        with([](Body& c) { c.account = std::string(limits::account_id_length_max + 1, 'a'); }),
        "account longer than 64 bytes");
    require_refused(
        with([](Body& c) { c.caller = std::string(limits::phone_number_length_max + 1, '1'); }),
        "caller longer than 32 bytes");
    require_refused(with([](Body& c) { c.caller = "0108888\n"; }),
                    "caller has a byte outside printable ASCII");
    require_refused(with([](Body& c) { c.caller = "\xe5\xbc\xa0"; }),
                    "caller has a byte outside printable ASCII");
    require_refused(with([](Body& c) { c.callee = ""; }), "callee empty");
    require_refused(
        with([](Body& c) { c.callee = std::string(limits::phone_number_length_max + 1, '1'); }),
        "callee longer than 32 digits");
    require_refused(with([](Body& c) { c.callee = "+8613912345678"; }),
                    "callee has a character other than a digit");
    require_refused(with([](Body& c) { c.callee = "139 1234"; }),
                    "callee has a character other than a digit");
    require_refused(with([](Body& c) { c.callee = "139*"; }),
                    "callee has a character other than a digit");
  };
  check_parties(golden_authorize(), AuthorizeCall{});
  check_parties(golden_record(), RecordCall{});
}

TEST_CASE("negative and oversized numbers", "[switch_codec][refuse]") {
  const std::int64_t min = std::numeric_limits<std::int64_t>::min();
  require_refused(with_body<AuthorizeCall>(golden_authorize(),
                                           [](AuthorizeCall& c) { c.requested_seconds = -1; }),
                  "negative requested seconds");
  require_refused(
      with_body<AuthorizeCall>(
          golden_authorize(),
          [](AuthorizeCall& c) { c.requested_seconds = limits::call_duration_ms_max / 1000 + 1; }),
      "requested seconds above");
  require_refused(with_body<AuthorizeCall>(golden_authorize(),
                                           [&](AuthorizeCall& c) { c.switch_time_us = min; }),
                  "negative switch time");
  require_refused(
      with_body<SettleCall>(golden_settle(), [](SettleCall& c) { c.answered_time_us = -1; }),
      "negative answered time");
  require_refused(
      with_body<SettleCall>(golden_settle(), [](SettleCall& c) { c.billed_duration_ms = -1; }),
      "negative billed duration");
  require_refused(
      with_body<SettleCall>(golden_settle(), [&](SettleCall& c) { c.billed_duration_ms = min; }),
      "negative billed duration");
  require_refused(with_body<SettleCall>(golden_settle(),
                                        [](SettleCall& c) {
                                          c.billed_duration_ms = limits::call_duration_ms_max + 1;
                                        }),
                  "billed duration above 10000000000 ms");
  require_refused(
      with_body<RecordCall>(golden_record(), [](RecordCall& c) { c.answered_time_us = -1; }),
      "negative answered time");
  require_refused(with_body<RecordCall>(golden_record(), [](RecordCall& c) { c.duration_ms = -1; }),
                  "negative duration");
  require_refused(
      with_body<RecordCall>(
          golden_record(), [](RecordCall& c) { c.duration_ms = limits::call_duration_ms_max + 1; }),
      "duration above 10000000000 ms");
}

TEST_CASE("reply fields", "[switch_codec][refuse]") {
  auto with = [](const std::function<void(SwitchReply&)>& edit) {
    SwitchReply r = golden_settle_reply();
    edit(r);
    return r;
  };
  require_refused(with([](SwitchReply& r) {
                    r.request_key = std::string(limits::request_key_length_max + 1, 'k');
                  }),
                  "request key longer than 64 bytes");
  require_refused(with([](SwitchReply& r) { r.request_key = "req 1"; }),
                  "request key has a byte outside 0x21..0x7e");
  require_refused(with([](SwitchReply& r) {
                    r.reason = std::string(limits::switch_reason_length_max + 1, 'r');
                  }),
                  "reason longer than 64 bytes");
  require_refused(with([](SwitchReply& r) { r.reason = "no rate"; }),
                  "reason has a byte outside 0x21..0x7e");
  require_refused(with([](SwitchReply& r) { r.granted_seconds = -1; }), "negative granted seconds");
  require_refused(with([](SwitchReply& r) { r.hold_units = -1; }), "negative hold units");
  require_refused(with([](SwitchReply& r) { r.billed_seconds = -1; }), "negative billed seconds");
  require_refused(with([](SwitchReply& r) { r.cost_units = -1; }), "negative cost units");
  require_refused(with([](SwitchReply& r) { r.arrears_units = -1; }), "negative arrears units");
}

// ---- fuzz ------------------------------------------------------------------------------

// A decoded message must be as good as one the encoder made from a valid
// value: valid, and it survives another round trip unchanged.
void require_well_formed(const SwitchRequest& request) {
  std::string why;
  REQUIRE(switch_request_valid(request, &why));
  const std::string bytes = encode_switch_request(request);
  REQUIRE(bytes.size() <= limits::switch_frame_bytes_max);
  const auto again = decode_switch_request(bytes, &why);
  INFO(why);
  REQUIRE(again.has_value());
  REQUIRE(*again == request);
}
void require_well_formed(const SwitchReply& reply) {
  std::string why;
  REQUIRE(switch_reply_valid(reply, &why));
  const auto again = decode_switch_reply(encode_switch_reply(reply), &why);
  INFO(why);
  REQUIRE(again.has_value());
  REQUIRE(*again == reply);
}

struct Outcomes {
  int refused = 0;
  int decoded = 0;
};

// Decodes `bytes` as both a request and a reply.
void fuzz_one(const std::string& bytes, Outcomes& outcomes) {
  std::string why;
  std::optional<SwitchRequest> request;
  REQUIRE_NOTHROW(request = decode_switch_request(bytes, &why));
  if (request) {
    require_well_formed(*request);
    ++outcomes.decoded;
  } else {
    REQUIRE_FALSE(why.empty());
    ++outcomes.refused;
  }
  why.clear();
  std::optional<SwitchReply> reply;
  REQUIRE_NOTHROW(reply = decode_switch_reply(bytes, &why));
  if (reply) {
    require_well_formed(*reply);
    ++outcomes.decoded;
  } else {
    REQUIRE_FALSE(why.empty());
    ++outcomes.refused;
  }
}

TEST_CASE("random byte strings never crash the decoders", "[switch_codec][fuzz]") {
  const std::uint64_t seed = property_seed(default_seed);
  INFO("seed " << seed << " (set HUAWU_PROPERTY_SEED to rerun another)");
  std::mt19937_64 random(seed);
  Outcomes outcomes;
  for (int i = 0; i < 20'000; ++i) {
    std::string bytes;
    if (i % 2 == 0) {
      // Any length up to a little above the frame limit, aligned or not.
      bytes.resize(random() % (limits::switch_frame_bytes_max + 64));
      for (char& c : bytes) c = static_cast<char>(random());
    } else {
      // A plausible one-segment table, so the bytes reach pointer validation.
      const auto words = static_cast<std::uint32_t>(1 + random() % 64);
      bytes.assign(8 + words * 8, '\0');
      for (int b = 0; b < 4; ++b) bytes[4 + b] = static_cast<char>(words >> (8 * b));
      for (std::size_t b = 8; b < bytes.size(); ++b) bytes[b] = static_cast<char>(random());
    }
    INFO("iteration " << i << ", bytes = " << hex(bytes));
    fuzz_one(bytes, outcomes);
  }
  CHECK(outcomes.refused > 30'000);
}

TEST_CASE("mutated and truncated valid frames never crash the decoders", "[switch_codec][fuzz]") {
  const std::uint64_t seed = property_seed(default_seed);
  INFO("seed " << seed << " (set HUAWU_PROPERTY_SEED to rerun another)");
  std::mt19937_64 random(seed ^ 0x5a5a);
  std::vector<std::string> frames;
  for (const SwitchRequest& r : golden_requests()) frames.push_back(encode_switch_request(r));
  for (const SwitchReply& r : golden_replies()) frames.push_back(encode_switch_reply(r));
  Outcomes outcomes;
  for (int i = 0; i < 20'000; ++i) {
    std::string bytes = frames[random() % frames.size()];
    if (i % 4 == 3) {
      bytes.resize(random() % bytes.size());  // truncation
    } else {
      bytes[random() % bytes.size()] ^= static_cast<char>(1 + random() % 255);  // one byte
    }
    INFO("iteration " << i << ", bytes = " << hex(bytes));
    fuzz_one(bytes, outcomes);
  }
  // Both outcomes occur: framing bytes break a frame, payload bytes change a value.
  CHECK(outcomes.refused > 0);
  CHECK(outcomes.decoded > 0);
}

}  // namespace
}  // namespace huawu

namespace huawu {
namespace {

// Issue 15: an error reply echoes the request key whenever it could be read.
TEST_CASE("a refused request's key is readable when its switch id and key are", "[switch][refuse]") {
  std::string why, key;
  CHECK_FALSE(decode_switch_request(encode_switch_request({"sw", "k-neg", SettleCall{"c", 0, -1, 16}}), &why, &key));
  CHECK(key == "k-neg");
  CHECK_FALSE(decode_switch_request(encode_switch_request({"sw", "k-callee", AuthorizeCall{"c", "a", "", "x", 60, 0}}),
                                    &why, &key));
  CHECK(key == "k-callee");
  // Without a usable switch id or key there is nothing to echo.
  CHECK_FALSE(decode_switch_request(encode_switch_request({"", "k", SettleCall{"c", 0, -1, 16}}), &why, &key));
  CHECK(key.empty());
  CHECK_FALSE(decode_switch_request(encode_switch_request({"sw", "a key", SettleCall{"c", 0, -1, 16}}), &why, &key));
  CHECK(key.empty());
  CHECK_FALSE(decode_switch_request("garbage!", &why, &key));
  CHECK(key.empty());
  // A good request leaves it empty too: nothing was refused.
  CHECK(decode_switch_request(encode_switch_request({"sw", "k", SettleCall{"c", 0, 1, 16}}), &why, &key));
  CHECK(key.empty());
}

}  // namespace
}  // namespace huawu
