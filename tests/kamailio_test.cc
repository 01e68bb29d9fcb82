// The Kamailio connector's pure parts (issue 15, docs/kamailio.md): netstring
// framing, the Call-ID mapping, the JSON message set, SIP codes and the
// requests a call makes. Clause A2.1: the provider carries and bills every
// call of the agents' users, so a call that cannot be keyed or read is
// refused by name, never billed under another call's id.
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "events/limits.h"
#include "kamailio/call_id.h"
#include "kamailio/cdr_file.h"
#include "kamailio/messages.h"
#include "kamailio/netstring.h"
#include "kamailio/requests.h"
#include "kamailio/sip_codes.h"

namespace huawu::kamailio {
namespace {

std::vector<std::string> all_payloads(NetstringReader& reader) {
  std::vector<std::string> out;
  while (auto payload = reader.next()) out.push_back(*payload);
  return out;
}

TEST_CASE("netstrings are framed and split however the bytes arrive", "[kamailio]") {
  CHECK(netstring("") == "0:,");
  CHECK(netstring("{\"a\":1}") == "7:{\"a\":1},");
  const std::string stream = netstring("first") + "\n  " + netstring("") + "\r\n" + netstring("third, with :");
  // Byte by byte, and all at once, give the same payloads.
  NetstringReader whole;
  whole.feed(stream);
  const std::vector<std::string> expected = {"first", "", "third, with :"};
  CHECK(all_payloads(whole) == expected);
  NetstringReader bytewise;
  std::vector<std::string> got;
  for (char c : stream) {
    bytewise.feed(std::string_view(&c, 1));
    for (auto& p : all_payloads(bytewise)) got.push_back(p);
  }
  CHECK(got == expected);
  CHECK_FALSE(bytewise.failed());
  CHECK(bytewise.buffered_bytes() == 0);
}

TEST_CASE("a framing error fails the stream for good", "[kamailio]") {
  for (const char* bad : {"x:abc,", ":abc,", "3:abcd", "3abc,", "01:a,", "16385:", "999999:"}) {
    INFO(bad);
    NetstringReader reader;
    reader.feed(bad);
    CHECK_FALSE(reader.next().has_value());
    CHECK(reader.failed());
    // More bytes, even a good netstring, are never read after it.
    reader.feed(netstring("ok"));
    CHECK_FALSE(reader.next().has_value());
  }
  // The largest payload is accepted; one byte more is not.
  NetstringReader largest;
  largest.feed(netstring(std::string(message_bytes_max, 'j')));
  CHECK(largest.next().has_value());
  NetstringReader larger;
  larger.feed(std::to_string(message_bytes_max + 1) + ":");
  CHECK_FALSE(larger.next().has_value());
  CHECK(larger.failed());
}

TEST_CASE("SIP Call-IDs map to call ids without truncation or collision", "[kamailio]") {
  CHECK(huawu_call_id("a84b4c76e66710@pc33.atlanta.com") == "a84b4c76e66710@pc33.atlanta.com");
  CHECK(huawu_call_id(std::string(60, 'c')) == std::string(60, 'c'));
  CHECK_FALSE(huawu_call_id("").has_value());
  CHECK_FALSE(huawu_call_id(std::string(limits::sip_call_id_bytes_max + 1, 'c')).has_value());
  // Longer, with a space, with a byte outside 0x21..0x7e, or starting with
  // the mark: hashed, 44 bytes, starting with '~'.
  const std::string sixty_one(61, 'c');
  for (const std::string& odd : {sixty_one, std::string("abc def"), std::string("caf\xc3\xa9"),
                                 std::string("~abc"), std::string(limits::sip_call_id_bytes_max, 'q')}) {
    INFO(odd);
    const auto id = huawu_call_id(odd);
    REQUIRE(id.has_value());
    CHECK(id->size() == 44);
    CHECK(id->front() == hashed_call_id_mark);
    for (char c : *id) CHECK((c >= 0x21 && c <= 0x7e));
    CHECK(huawu_call_id(odd) == id);  // deterministic
  }
  // A verbatim id never starts with '~', a hashed one always does: "~abc"
  // does not map to itself, and similar Call-IDs map apart.
  CHECK(huawu_call_id("~abc") != "~abc");
  std::set<std::string> ids;
  for (int i = 0; i < 2000; ++i) ids.insert(*huawu_call_id(std::string(70, 'x') + std::to_string(i)));
  CHECK(ids.size() == 2000);
  // Keys fit the switch protocol's 64 bytes with the longest verbatim id.
  CHECK(authorize_key(std::string(verbatim_call_id_bytes_max, 'c')).size() <= limits::request_key_length_max);
  CHECK(settle_key("x") == "s:x");
  CHECK(record_key("x") == "r:x");
}

TEST_CASE("Kamailio's times are read exactly, in integers", "[kamailio]") {
  CHECK(parse_time_us("1764900000.123456") == 1'764'900'000'123'456);
  CHECK(parse_time_us("1764900000.5") == 1'764'900'000'500'000);
  CHECK(parse_time_us("1764900000") == 1'764'900'000'000'000);
  CHECK(parse_time_us("0.000001") == 1);
  for (const char* bad : {"", ".5", "1.", "1.1234567", "-1.0", "1e9", "1,5", " 1.0", "1.0 ", "9999999999999.0"}) {
    INFO(bad);
    CHECK_FALSE(parse_time_us(bad).has_value());
  }
}

TEST_CASE("auth_request, call_start, call_end and call_failed are parsed", "[kamailio]") {
  std::string why;
  auto auth = parse_inbound(
      R"({"event":"auth_request","tr_index":12,"tr_label":3456,"call_id":"abc@h","from_tag":"ft",)"
      R"("account":"13800138000","destination":"+8610123","caller":"13800138000","setup_tv":"1764900000.000250"})",
      &why);
  INFO(why);
  REQUIRE(auth.has_value());
  const auto& a = std::get<AuthRequest>(*auth);
  CHECK(a.tr_index == 12);
  CHECK(a.tr_label == 3456);
  CHECK(a.sip_call_id == "abc@h");
  CHECK(a.destination == "+8610123");
  CHECK(a.setup_time_us == 1'764'900'000'000'250);

  auto end = parse_inbound(
      R"({"event":"call_end","call_id":"abc@h","h_entry":7,"h_id":99,"account":"13800138000",)"
      R"("answer_tv":"1764900000.000000","end_tv":"1764900030.001999","reason":"caller_bye","extra":[1,2]})",
      &why);
  REQUIRE(end.has_value());
  const auto& e = std::get<CallEnd>(*end);
  CHECK(e.h_entry == 7);
  CHECK(e.h_id == 99);
  CHECK(e.end_time_us - e.answer_time_us == 30'001'999);

  auto start = parse_inbound(
      R"({"event":"call_start","call_id":"abc@h","h_entry":7,"h_id":99,"account":"a","answer_tv":"1.0"})", &why);
  REQUIRE(start.has_value());
  CHECK(std::get<CallStart>(*start).answer_time_us == 1'000'000);
  auto failed = parse_inbound(R"({"event":"call_failed","call_id":"abc@h","account":"a","code":486})", &why);
  REQUIRE(failed.has_value());
  CHECK(std::get<CallFailed>(*failed).sip_code == 486);
}

TEST_CASE("unreadable messages are refused by name, and a bad auth_request is still answered", "[kamailio]") {
  struct Case {
    const char* json;
    const char* why;
  };
  for (const Case& c : {Case{"not json", "not JSON"}, Case{"[1,2]", "not a JSON object"},
                        Case{R"({"x":1})", "event: missing or not a string"},
                        Case{R"({"event":"hello"})", "unknown event 'hello'"},
                        Case{R"({"event":"auth_request","tr_index":"1","tr_label":2})", "tr_index: must be an integer"},
                        Case{R"({"event":"auth_request","tr_index":-1,"tr_label":2})", "tr_index: out of range"},
                        Case{R"({"event":"call_end","call_id":"c","h_entry":1,"h_id":1,"account":"a",)"
                             R"("answer_tv":"2.0","end_tv":"1.0","reason":"x"})",
                             "end_tv before answer_tv"},
                        Case{R"({"event":"call_failed","call_id":"c","account":"a"})", "code: missing"}}) {
    INFO(c.json);
    std::string why;
    CHECK_FALSE(parse_inbound(c.json, &why).has_value());
    CHECK(why == c.why);
  }
  // The transaction is named, the rest is unusable: answered with a deny.
  std::string why;
  auto bad = parse_inbound(R"({"event":"auth_request","tr_index":1,"tr_label":2,"call_id":"c","from_tag":"f",)"
                           R"("account":"a","destination":"1","caller":"a","setup_tv":"yesterday"})",
                           &why);
  REQUIRE(bad.has_value());
  const auto& b = std::get<BadAuthRequest>(*bad);
  CHECK(b.tr_index == 1);
  CHECK(b.tr_label == 2);
  CHECK(b.why == "setup_tv: must be SECONDS.MICROSECONDS");
}

TEST_CASE("auth_reply and disconnect are written as the configuration reads them", "[kamailio]") {
  CHECK(to_json(AuthReply{5, 6, "c@h", true, 60, "", 0, ""}) ==
        R"({"call_id":"c@h","event":"auth_reply","max_seconds":60,"reason":"","result":"grant","tr_index":5,"tr_label":6})");
  CHECK(to_json(AuthReply{5, 6, "c@h", false, 99, "insufficient_balance", 402, "Payment Required"}) ==
        R"({"call_id":"c@h","event":"auth_reply","max_seconds":0,"reason":"insufficient_balance","result":"deny",)"
        R"("sip_code":402,"sip_reason":"Payment Required","tr_index":5,"tr_label":6})");
  CHECK(to_json(Disconnect{"c \"q\"", 7, 8, "operator_cut"}) ==
        R"({"call_id":"c \"q\"","event":"disconnect","h_entry":7,"h_id":8,"reason":"operator_cut"})");
}

TEST_CASE("reasons map to SIP codes, overridable, and daemon trouble is 503", "[kamailio]") {
  const std::map<std::string, int> none;
  CHECK(sip_status_for("insufficient_balance", none).code == 402);
  CHECK(sip_status_for("insufficient_balance", none).phrase == "Payment Required");
  CHECK(sip_status_for("account_not_found", none).code == 403);
  CHECK(sip_status_for("account_closed", none).code == 403);
  CHECK(sip_status_for("no_rate_for_destination", none).code == 404);
  CHECK(sip_status_for("destination_invalid", none).code == 484);
  CHECK(sip_status_for("storage_failed", none).code == 503);
  CHECK(sip_status_for("writer_stopped", none).code == 503);
  CHECK(sip_status_for("card_locked", none).code == 403);
  CHECK(sip_status_for("no_rate_for_destination", {{"no_rate_for_destination", 488}}).code == 488);
  CHECK(sip_status_for("no_rate_for_destination", {{"no_rate_for_destination", 488}}).phrase == "Not Acceptable Here");
  CHECK(q850_cause_of_sip(486) == 17);
  CHECK(q850_cause_of_sip(480) == 19);
  CHECK(q850_cause_of_sip(699) == 31);
}

TEST_CASE("a call's requests: millisecond durations and keys from the call id", "[kamailio]") {
  // 30,001 ms rounds down to whole milliseconds of 30,001.999 ms.
  const SettleCall settle = answered_settle("c", 1'000'000, 31'001'999, "caller_bye");
  CHECK(settle.billed_duration_ms == 30'001);
  CHECK(settle.answered_time_us == 1'000'000);
  CHECK(settle.disconnect_cause == 16);
  CHECK(settle.end_reason == "caller_bye");
  CHECK(answered_settle("c", 5, 4, "x").billed_duration_ms == 0);
  CHECK(answered_settle("c", 0, 0, "with space").end_reason == "other");
  CHECK(answered_settle("c", 0, 0, std::string(65, 'r')).end_reason == "other");
  const SettleCall unanswered = unanswered_settle("c", 486);
  CHECK(unanswered.billed_duration_ms == 0);
  CHECK(unanswered.disconnect_cause == 17);
  const Request request = kamailio_request("kamailio", "s:c", settle, "c@sip", "switch:kamailio");
  const auto& switch_request = std::get<SwitchRequest>(request.command);
  CHECK(switch_request.via == SwitchVia::kamailio);
  CHECK(switch_request.sip_call_id == "c@sip");
  CHECK(request.idempotency_key == switch_idempotency_key("kamailio", "s:c"));
  CHECK(usable_caller("+86 10 1234") == "+86 10 1234");
  CHECK(usable_caller(std::string(33, '1')).empty());
  CHECK(usable_caller("a\x01").empty());
  CHECK(dialled_digits("+8610") == "8610");
  CHECK_FALSE(dialled_digits("++8610").has_value());
  CHECK_FALSE(dialled_digits("alice").has_value());
  CHECK_FALSE(dialled_digits("+").has_value());
  CHECK_FALSE(dialled_digits(std::string(33, '1')).has_value());
}

}  // namespace
}  // namespace huawu::kamailio
