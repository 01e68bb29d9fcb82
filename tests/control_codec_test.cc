// The control protocol codec (events/control_codec.h): the `huawu` command's
// request to a daemon and the daemon's reply. Round trips with edge values,
// golden bytes, every validation refusal, hand-crafted frames that attack the
// reader, and random and mutated frames: always a refusal with a reason or a
// message that re-encodes validly — never a crash or an escaping exception.
#include "events/control_codec.h"

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "events/control.capnp.h"
#include "events/limits.h"
#include "tests/property_seed.h"
#include "tests/wire_test_support.h"

namespace huawu {
namespace {

namespace s = huawu::schema;
using namespace huawu::test;

// ---- helpers ----------------------------------------------------------------

constexpr std::uint64_t default_seed = 0x636f'6e74'726f'6c01;  // "control"

ControlRequest golden_request() { return {"local:operator", {"balance", "13800138000", "--json"}, "", ""}; }

ControlReply golden_reply() { return {1, "", "refused: account_not_found\n"}; }

// `huawu recharge-card redeem A1 --card 1000000000000016 --pin 123456 --json`, typed
// (cli/verb_ids.h: recharge_card_redeem = 6).
ControlRequest golden_call_request() {
  ControlRequest r{"local:operator", {}, "", ""};
  r.call = VerbCall{6,
                    {{"ACCOUNT", std::string("A1")},
                     {"--card", std::string("1000000000000016")},
                     {"--pin", std::string("123456")},
                     {"--json", FlagGiven{}}}};
  return r;
}

// Every kind of argument, with a token.
ControlRequest golden_kinds_request() {
  ControlRequest r{"ops-li", {}, "", "0123abcd"};
  r.call = VerbCall{63,
                    {{"--level", std::int64_t{-3}},
                     {"--set", std::vector<std::string>{"term-months=36", "renewals=once"}},
                     {"--rate", 2.5}}};
  return r;
}

void require_request_refused(std::string_view bytes, const char* reason_fragment) {
  std::string why;
  std::optional<ControlRequest> decoded;
  REQUIRE_NOTHROW(decoded = decode_control_request(bytes, &why));
  REQUIRE_FALSE(decoded.has_value());
  REQUIRE_FALSE(why.empty());
  CHECK_THAT(why, Catch::Matchers::Contains(reason_fragment));
}

void require_reply_refused(std::string_view bytes, const char* reason_fragment) {
  std::string why;
  std::optional<ControlReply> decoded;
  REQUIRE_NOTHROW(decoded = decode_control_reply(bytes, &why));
  REQUIRE_FALSE(decoded.has_value());
  REQUIRE_FALSE(why.empty());
  CHECK_THAT(why, Catch::Matchers::Contains(reason_fragment));
}

void require_refused(const ControlRequest& request, const char* reason_fragment) {
  INFO("expected refusal: " << reason_fragment);
  require_request_refused(encode_control_request(request), reason_fragment);
  std::string why;
  CHECK_FALSE(control_request_valid(request, &why));
  CHECK_THAT(why, Catch::Matchers::Contains(reason_fragment));
}
void require_refused(const ControlReply& reply, const char* reason_fragment) {
  INFO("expected refusal: " << reason_fragment);
  require_reply_refused(encode_control_reply(reply), reason_fragment);
  std::string why;
  CHECK_FALSE(control_reply_valid(reply, &why));
  CHECK_THAT(why, Catch::Matchers::Contains(reason_fragment));
}

std::string every_byte(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>(i * 7 + 3);
  return out;
}

// ---- round trips ------------------------------------------------------------

TEST_CASE("requests round-trip with edge values", "[control_codec]") {
  std::vector<ControlRequest> requests = {
      golden_request(),
      {},  // no principal, no args: the daemon answers with usage
      {"", {""}, "", ""},
      {std::string(limits::actor_length_max, 'p'), {"events", "--json"}, "", ""},
      {"中文 principal", {"account", "open", "账户", std::string("nul\0inside", 10)}, "", ""},
      {"ops-li", {"login"}, std::string(256, 'w'), ""},
      {"ops-li", {"balance", "A1"}, "", std::string(128, 't')},
  };
  // The most args, each the longest, with every byte value.
  ControlRequest biggest{std::string(limits::actor_length_max, 'p'), {}, "", ""};
  for (std::size_t i = 0; i < limits::control_args_max; ++i)
    biggest.args.push_back(every_byte(limits::control_arg_bytes_max));
  requests.push_back(biggest);
  // Typed calls: every kind, edge integers and numbers, an empty call and the biggest one.
  requests.push_back(golden_call_request());
  requests.push_back(golden_kinds_request());
  ControlRequest edges{"p", {}, "", ""};
  edges.call = VerbCall{65535,
                        {{"a", INT64_MIN}, {"b", INT64_MAX}, {"c", -0.0}, {"d", 1e308},
                         {"e", std::vector<std::string>{}}, {"f", std::string()}, {"中文", std::string("nul\0in", 6)}}};
  requests.push_back(edges);
  ControlRequest empty_call{"p", {}, "", ""};
  empty_call.call = VerbCall{};
  requests.push_back(empty_call);
  ControlRequest biggest_call{std::string(limits::actor_length_max, 'p'), {}, "", ""};
  biggest_call.call = VerbCall{1, {}};
  biggest_call.call->args.push_back({std::string(verb_arg_name_bytes_max, 'n'), every_byte(limits::control_arg_bytes_max)});
  biggest_call.call->args.push_back(
      {"--set", std::vector<std::string>(verb_call_values_max - 2, every_byte(limits::control_arg_bytes_max))});
  requests.push_back(biggest_call);

  for (const ControlRequest& request : requests) {
    INFO(request.args.size() << " args");
    const std::string bytes = encode_control_request(request);
    CHECK(bytes.size() % 8 == 0);
    CHECK(bytes.size() <= limits::control_request_bytes_max);
    std::string why;
    const auto decoded = decode_control_request(bytes, &why);
    INFO(why);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == request);
    CHECK(encode_control_request(*decoded) == bytes);  // deterministic
  }
}

TEST_CASE("replies round-trip with edge values", "[control_codec]") {
  const std::vector<ControlReply> replies = {
      golden_reply(),
      {},
      {0, "{\"balance_units\":623456}\n", ""},
      {255, every_byte(1000), std::string("a\0b", 3)},
      {2, "", std::string(100'000, 'e')},
  };
  for (const ControlReply& reply : replies) {
    const std::string bytes = encode_control_reply(reply);
    std::string why;
    const auto decoded = decode_control_reply(bytes, &why);
    INFO(why);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == reply);
    CHECK(encode_control_reply(*decoded) == bytes);
  }
}

TEST_CASE("a reply with both texts at their limit round-trips", "[control_codec][big]") {
  // `huawu events` on a big ledger: 64 MiB of output and 64 MiB of errors.
  ControlReply reply{0, std::string(limits::control_reply_text_bytes_max, 'o'),
                     std::string(limits::control_reply_text_bytes_max, 'e')};
  reply.out[12345] = '\n';
  reply.err.back() = '\0';
  const std::string bytes = encode_control_reply(reply);
  CHECK(bytes.size() <= limits::control_reply_bytes_max);
  std::string why;
  const auto decoded = decode_control_reply(bytes, &why);
  INFO(why);
  REQUIRE(decoded.has_value());
  CHECK(decoded->exit_code == 0);
  CHECK(decoded->out == reply.out);
  CHECK(decoded->err == reply.err);
}

TEST_CASE("decoders read frames that are not 8-byte aligned in memory", "[control_codec]") {
  const std::string request = "x" + encode_control_request(golden_request());
  const std::string_view unaligned = std::string_view(request).substr(1);
  REQUIRE(reinterpret_cast<std::uintptr_t>(unaligned.data()) % 8 != 0);
  std::string why;
  const auto decoded = decode_control_request(unaligned, &why);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == golden_request());

  const std::string reply = "x" + encode_control_reply(golden_reply());
  const auto decoded_reply = decode_control_reply(std::string_view(reply).substr(1), &why);
  REQUIRE(decoded_reply.has_value());
  CHECK(*decoded_reply == golden_reply());
}

TEST_CASE("a null why pointer is allowed", "[control_codec]") {
  CHECK(decode_control_request(encode_control_request(golden_request()), nullptr).has_value());
  CHECK_FALSE(decode_control_request("", nullptr).has_value());
  CHECK_FALSE(decode_control_reply("1234567", nullptr).has_value());
  CHECK_FALSE(control_reply_valid(ControlReply{-1, "", ""}, nullptr));
}

// ---- golden bytes -------------------------------------------------------------
//
// These pin the wire format: events/control.capnp is append-only. A `huawu`
// command of one version talks to a daemon of another during an upgrade.
// Produced once by the encoder and checked independently with the Cap'n Proto tool:
//   echo '(principal = "local:operator", args = ["balance", "13800138000", "--json"])' |
//     capnp encode events/control.capnp ControlRequest | xxd -p
//   echo '(principal = "ops-li", args = ["balance", "A1"], token = "0123abcd")' |
//     capnp encode events/control.capnp ControlRequest | xxd -p
//   echo '(exitCode = 1, out = "", err = "refused: account_not_found\n")' |
//     capnp encode events/control.capnp ControlReply | xxd -p

// v1: as a command wrote it before `password` and `token` existed (decoded only).
constexpr std::string_view golden_request_v1_hex =
    "000000000c0000000000000000000200050000007a000000090000001e000000"
    "6c6f63616c3a6f70657261746f72000009000000420000000900000062000000"
    "0d0000003a00000062616c616e63650031333830303133383030300000000000"
    "2d2d6a736f6e0000";
constexpr std::string_view golden_request_hex =
    "000000000e00000000000000000004000d0000007a000000110000001e000000"
    "000000000000000000000000000000006c6f63616c3a6f70657261746f720000"
    "090000004200000009000000620000000d0000003a00000062616c616e636500"
    "313338303031333830303000000000002d2d6a736f6e0000";
constexpr std::string_view golden_token_request_hex =
    "000000000c00000000000000000004000d0000003a0000000d00000016000000"
    "0000000000000000150000004a0000006f70732d6c6900000500000042000000"
    "050000001a00000062616c616e63650041310000000000003031323361626364"
    "0000000000000000";
// v3: a typed call (ControlRequest.call, VerbCall, VerbArg):
//   echo '(principal = "local:operator", call = (verb = 6, args = [(name = "ACCOUNT", value = (text = "A1")),
//     (name = "--card", value = (text = "1000000000000016")), (name = "--pin", value = (text = "123456")),
//     (name = "--json", value = (flag = void))]))' | capnp encode events/control.capnp ControlRequest | xxd -p
//   echo '(principal = "ops-li", token = "0123abcd", call = (verb = 63, args = [(name = "--level",
//     value = (integer = -3)), (name = "--set", value = (list = ["term-months=36", "renewals=once"])),
//     (name = "--rate", value = (number = 2.5))]))' | capnp encode events/control.capnp ControlRequest | xxd -p
constexpr std::string_view golden_call_request_hex =
    "00000000240000000000000000000500110000007a0000000000000000000000"
    "0000000000000000000000000000000008000000010001006c6f63616c3a6f70"
    "657261746f720000060000000000000001000000870000001000000002000200"
    "000000000000000000000000000000003500000042000000350000001a000000"
    "000000000000000000000000000000002d0000003a0000002d0000008a000000"
    "000000000000000000000000000000002d000000320000002d0000003a000000"
    "02000000000000000000000000000000250000003a0000000000000000000000"
    "4143434f554e540041310000000000002d2d6361726400003130303030303030"
    "303030303030313600000000000000002d2d70696e0000003132333435360000"
    "2d2d6a736f6e0000";
constexpr std::string_view golden_kinds_request_hex =
    "00000000210000000000000000000500110000003a0000000000000000000000"
    "0000000000000000090000004a0000000c000000010001006f70732d6c690000"
    "303132336162636400000000000000003f000000000000000100000067000000"
    "0c000000020002000100000000000000fdffffffffffffff2500000042000000"
    "0000000000000000030000000000000000000000000000001900000032000000"
    "190000001600000004000000000000000000000000000440250000003a000000"
    "00000000000000002d2d6c6576656c002d2d736574000000050000007a000000"
    "09000000720000007465726d2d6d6f6e7468733d3336000072656e6577616c73"
    "3d6f6e63650000002d2d726174650000";
constexpr std::string_view golden_reply_hex =
    "000000000900000000000000010002000100000000000000050000000a000000"
    "05000000e20000000000000000000000726566757365643a206163636f756e74"
    "5f6e6f745f666f756e640a0000000000";

TEST_CASE("golden bytes: ControlRequest", "[control_codec][golden]") {
  const std::string bytes = encode_control_request(golden_request());
  INFO("encode_control_request now gives " << hex(bytes));
  CHECK(hex(bytes) == golden_request_hex);
  std::string why;
  const auto decoded = decode_control_request(unhex(golden_request_hex), &why);
  INFO(why);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == golden_request());
  // An older command's request still reads the same; a token request is pinned too.
  const auto old = decode_control_request(unhex(golden_request_v1_hex), &why);
  REQUIRE(old.has_value());
  CHECK(*old == golden_request());
  const ControlRequest with_token{"ops-li", {"balance", "A1"}, "", "0123abcd"};
  CHECK(hex(encode_control_request(with_token)) == golden_token_request_hex);
  CHECK(decode_control_request(unhex(golden_token_request_hex), &why) == with_token);
}

TEST_CASE("golden bytes: ControlRequest with a typed call", "[control_codec][golden]") {
  for (const auto& [request, golden] : {std::pair{golden_call_request(), golden_call_request_hex},
                                        std::pair{golden_kinds_request(), golden_kinds_request_hex}}) {
    const std::string bytes = encode_control_request(request);
    INFO("encode_control_request now gives " << hex(bytes));
    CHECK(hex(bytes) == golden);
    std::string why;
    const auto decoded = decode_control_request(unhex(golden), &why);
    INFO(why);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == request);
  }
  // A request without a call is the very bytes an older command sent: a
  // daemon of before typed calls reads it.
  CHECK(hex(encode_control_request(golden_request())) == golden_request_hex);
  // An older daemon's reader of a typed request sees no args: it answers with usage, never misreads.
  const auto old_view = decode_control_request(unhex(golden_call_request_hex), nullptr);
  REQUIRE(old_view.has_value());
  CHECK(old_view->args.empty());
}

TEST_CASE("golden bytes: ControlReply", "[control_codec][golden]") {
  const std::string bytes = encode_control_reply(golden_reply());
  INFO("encode_control_reply now gives " << hex(bytes));
  CHECK(hex(bytes) == golden_reply_hex);
  std::string why;
  const auto decoded = decode_control_reply(unhex(golden_reply_hex), &why);
  INFO(why);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == golden_reply());
}

// ---- framing refusals -----------------------------------------------------------

TEST_CASE("a request frame larger than limits::control_request_bytes_max is refused",
          "[control_codec][refuse]") {
  ControlRequest big = golden_request();
  big.principal = std::string(limits::control_request_bytes_max, 'p');
  const std::string bytes = encode_control_request(big);
  REQUIRE(bytes.size() > limits::control_request_bytes_max);
  require_request_refused(bytes, "larger than the limit of 524288");
}

TEST_CASE("a reply frame larger than limits::control_reply_bytes_max is refused",
          "[control_codec][refuse][big]") {
  require_reply_refused(std::string(limits::control_reply_bytes_max + 8, '\0'),
                        "larger than the limit of 268435456");
}

TEST_CASE("a length that is not a multiple of 8 is refused", "[control_codec][refuse]") {
  const std::string request = encode_control_request(golden_request());
  const std::string reply = encode_control_reply(golden_reply());
  for (std::size_t extra = 1; extra < 8; ++extra) {
    INFO("extra bytes = " << extra);
    require_request_refused(request + std::string(extra, '\0'), "not a multiple of 8");
    require_reply_refused(reply + std::string(extra, '\0'), "not a multiple of 8");
  }
}

TEST_CASE("bytes after the message are refused", "[control_codec][refuse]") {
  const std::string request = encode_control_request(golden_request());
  require_request_refused(request + std::string(8, '\0'), "bytes after its message");
  require_request_refused(request + request, "bytes after its message");
  const std::string reply = encode_control_reply(golden_reply());
  require_reply_refused(reply + reply, "bytes after its message");
}

TEST_CASE("empty input or a non-struct root or a capability is refused",
          "[control_codec][refuse]") {
  require_request_refused("", "malformed control request");
  require_reply_refused("", "malformed control reply");
  capnp::MallocMessageBuilder list_root;
  list_root.getRoot<capnp::AnyPointer>().initAs<capnp::List<std::int64_t>>(3);
  require_request_refused(flat_bytes(list_root), "malformed control request");
  require_reply_refused(flat_bytes(list_root), "malformed control reply");
  // Root struct (0 data words, 2 pointers): the args are a capability.
  require_request_refused(raw_frame({struct_pointer(0, 0, 2), 0, 3}), "capability pointer");
}

TEST_CASE("every truncation of a valid frame is refused", "[control_codec][refuse]") {
  for (const std::string& bytes : {encode_control_request(golden_request()), encode_control_reply(golden_reply()),
                                   encode_control_request(golden_kinds_request())}) {
    for (std::size_t size = 0; size < bytes.size(); ++size) {
      INFO("cut to " << size << " of " << bytes.size());
      std::string why;
      CHECK_FALSE(decode_control_request(std::string_view(bytes).substr(0, size), &why));
      CHECK_FALSE(why.empty());
      CHECK_FALSE(decode_control_reply(std::string_view(bytes).substr(0, size), &why));
    }
  }
}

// ---- hand-crafted attacks on the reader ---------------------------------------------

// A request whose one arg is a struct that starts a chain `depth` structs long.
std::string request_with_chain(std::uint32_t depth) {
  std::vector<std::uint64_t> segment{
      struct_pointer(0, 0, 2),               // root: principal, args
      0,                                     // principal: null
      list_pointer(0, pointer_elements, 1),  // args: one pointer
  };
  for (std::uint32_t level = 0; level < depth; ++level)
    segment.push_back(level + 1 < depth ? struct_pointer(0, 0, 1) : 0);
  return raw_frame(segment);
}

TEST_CASE("deep nesting is refused", "[control_codec][refuse]") {
  // Shallow: the reader gets as far as reading the struct as a text.
  require_request_refused(request_with_chain(2), "malformed control request");
  require_request_refused(request_with_chain(limits::control_reader_nesting_max + 4),
                          "too deeply-nested");
  // A cycle: the arg points at itself.
  require_request_refused(
      raw_frame({struct_pointer(0, 0, 2), 0, list_pointer(0, pointer_elements, 1),
                 struct_pointer(-1, 0, 1)}),
      "too deeply-nested");
}

TEST_CASE("a list pointer claiming more than the frame holds is refused",
          "[control_codec][refuse]") {
  const std::uint32_t huge = (1u << 29) - 1;
  require_request_refused(
      raw_frame({struct_pointer(0, 0, 2), 0, list_pointer(0, pointer_elements, huge)}),
      "out-of-bounds");
  require_request_refused(
      raw_frame({struct_pointer(0, 0, 2), list_pointer(1, byte_elements, huge), 0}),
      "out-of-bounds");
  require_reply_refused(
      raw_frame({struct_pointer(0, 1, 2), 0, list_pointer(1, byte_elements, huge), 0}),
      "out-of-bounds");
}

TEST_CASE("many pointers to one text exceed the traversal limit", "[control_codec][refuse]") {
  // 64 args (the most allowed), every one the same 4,000-word text: a 32 KiB
  // frame that would read 256,000 words, twice limits::control_request_reader_words_max.
  constexpr std::uint32_t args = 64;
  constexpr std::uint32_t text_words = 4000;
  std::vector<std::uint64_t> segment{struct_pointer(0, 0, 2), 0,
                                     list_pointer(0, pointer_elements, args)};
  for (std::uint32_t i = 0; i < args; ++i)
    segment.push_back(
        list_pointer(static_cast<std::int32_t>(args - 1 - i), byte_elements, text_words * 8));
  segment.resize(segment.size() + text_words, 0x6161616161616161);  // "aaaaaaaa"
  segment.back() = 0x0061616161616161;                              // NUL-terminated
  REQUIRE(args * text_words > limits::control_request_reader_words_max);
  require_request_refused(raw_frame(segment), "traversal limit");
}

// ---- field refusals ------------------------------------------------------------------

TEST_CASE("request fields", "[control_codec][refuse]") {
  ControlRequest r = golden_request();
  r.principal = std::string(limits::actor_length_max + 1, 'p');
  require_refused(r, "principal longer than 128 bytes");

  r = golden_request();
  r.args.assign(limits::control_args_max + 1, "x");
  require_refused(r, "more than 64 args");

  r = golden_request();
  r.args.push_back(std::string(limits::control_arg_bytes_max + 1, 'a'));
  require_refused(r, "arg 3 longer than 4096 bytes");
}

TEST_CASE("typed call fields", "[control_codec][refuse]") {
  ControlRequest r = golden_call_request();
  r.call->args[2].value = std::string(limits::control_arg_bytes_max + 1, 'p');
  require_refused(r, "argument --pin longer than 4096 bytes");

  r = golden_call_request();
  r.call->args.push_back({"--set", std::vector<std::string>{"ok", std::string(limits::control_arg_bytes_max + 1, 's')}});
  require_refused(r, "a value of argument --set longer than 4096 bytes");

  r = golden_call_request();
  r.call->args[0].name = std::string(verb_arg_name_bytes_max + 1, 'n');
  require_refused(r, "argument name empty or longer than 64 bytes");
  r.call->args[0].name.clear();
  require_refused(r, "argument name empty or longer than 64 bytes");

  // Every text value counts, a list's items too: 64 in all.
  r = golden_call_request();
  r.call->args.assign(verb_call_values_max + 1, VerbArg{"--x", FlagGiven{}});
  require_refused(r, "more than 64 values in the verb call");
  r.call->args = {{"--set", std::vector<std::string>(verb_call_values_max, "v")}};
  require_refused(r, "more than 64 values in the verb call");
  r.call->args = {{"--set", std::vector<std::string>(verb_call_values_max - 1, "v")}};
  std::string why;
  CHECK(control_request_valid(r, &why));
}

TEST_CASE("reply fields", "[control_codec][refuse]") {
  require_refused(ControlReply{-1, "", ""}, "exit code -1 outside 0..255");
  require_refused(ControlReply{256, "", ""}, "exit code 256 outside 0..255");
  require_refused(ControlReply{0, std::string(limits::control_reply_text_bytes_max + 1, 'o'), ""},
                  "out longer than 67108864 bytes");
  require_refused(ControlReply{0, "", std::string(limits::control_reply_text_bytes_max + 1, 'e')},
                  "err longer than 67108864 bytes");
}

// ---- fuzz ------------------------------------------------------------------------------

void require_well_formed(const ControlRequest& request) {
  std::string why;
  REQUIRE(control_request_valid(request, &why));
  const auto again = decode_control_request(encode_control_request(request), &why);
  INFO(why);
  REQUIRE(again.has_value());
  REQUIRE(*again == request);
}
void require_well_formed(const ControlReply& reply) {
  std::string why;
  REQUIRE(control_reply_valid(reply, &why));
  const auto again = decode_control_reply(encode_control_reply(reply), &why);
  INFO(why);
  REQUIRE(again.has_value());
  REQUIRE(*again == reply);
}

struct Outcomes {
  int refused = 0;
  int decoded = 0;
};

void fuzz_one(const std::string& bytes, Outcomes& outcomes) {
  std::string why;
  std::optional<ControlRequest> request;
  REQUIRE_NOTHROW(request = decode_control_request(bytes, &why));
  if (request) {
    require_well_formed(*request);
    ++outcomes.decoded;
  } else {
    REQUIRE_FALSE(why.empty());
    ++outcomes.refused;
  }
  why.clear();
  std::optional<ControlReply> reply;
  REQUIRE_NOTHROW(reply = decode_control_reply(bytes, &why));
  if (reply) {
    require_well_formed(*reply);
    ++outcomes.decoded;
  } else {
    REQUIRE_FALSE(why.empty());
    ++outcomes.refused;
  }
}

TEST_CASE("random byte strings never crash the decoders", "[control_codec][fuzz]") {
  const std::uint64_t seed = property_seed(default_seed);
  INFO("seed " << seed << " (set HUAWU_PROPERTY_SEED to rerun another)");
  std::mt19937_64 random(seed);
  Outcomes outcomes;
  for (int i = 0; i < 20'000; ++i) {
    std::string bytes;
    if (i % 2 == 0) {
      bytes.resize(random() % 1024);
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

TEST_CASE("mutated and truncated valid frames never crash the decoders", "[control_codec][fuzz]") {
  const std::uint64_t seed = property_seed(default_seed);
  INFO("seed " << seed << " (set HUAWU_PROPERTY_SEED to rerun another)");
  std::mt19937_64 random(seed ^ 0x5a5a);
  const std::vector<std::string> frames = {
      encode_control_request(golden_request()),
      encode_control_request({"operator", {"account", "open", "13800138000", "--initial", "50"}, "", ""}),
      encode_control_reply(golden_reply()),
      encode_control_reply({0, "13800138000 62.3456\n", ""}),
      encode_control_request(golden_call_request()),
      encode_control_request(golden_kinds_request()),
  };
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
  CHECK(outcomes.refused > 0);
  CHECK(outcomes.decoded > 0);
}

}  // namespace
}  // namespace huawu
