// The event codec (events/codec.h) and the hash chain (events/hash.h).
//
// Decoding is the one boundary where untrusted bytes (RocksDB values, socket
// messages) enter huawu (DESIGN §2, STYLE "Business logic never catches"), so
// besides round trips these tests feed it garbage, truncations and hand-built
// messages that break each validation rule, and require a nullopt with a
// reason every time — never a crash or an escaping exception.
#include "events/codec.h"

#include <capnp/message.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "events/event.h"
#include "events/events.capnp.h"
#include "events/hash.h"
#include "events/limits.h"
#include "tests/posting_builders.h"
#include "tests/wire_test_support.h"

namespace huawu {
namespace {

namespace s = huawu::schema;
using test::flat_bytes;
using test::hex;
using test::unhex;

// ---- helpers ----------------------------------------------------------------

using test::cash;
using test::wallet;

// 2025-01-01 00:00:00 China Standard Time = 2024-12-31 16:00:00 UTC.
constexpr std::int64_t new_year_us = 1'735'660'800'000'000;

// One fixed event per payload type, as decide would produce them for the
// story "create the ledger, open 13800138000 with 50 yuan, recharge 0.1234
// yuan, close with a refund".
Event golden_ledger_created() {
  Event e;
  e.ledger_time_us = new_year_us;
  e.business_time_us = new_year_us;
  e.actor = "local:operator";
  e.idempotency_key = "ledger-created";
  e.payload = LedgerCreated{"telco-1", "Acme Telecom", "CNY", 480};
  return e;
}

Event golden_account_opened() {
  Event e;
  e.ledger_time_us = new_year_us + 1'000'000;
  e.business_time_us = new_year_us + 500'000;
  e.actor = "local:operator";
  e.idempotency_key = "open-13800138000";
  e.postings = {cash(-500'000), wallet("13800138000", 500'000)};
  e.payload = AccountOpened{"13800138000", "plan-a", 500'000, {}};
  return e;
}

Event golden_wallet_recharged() {
  Event e;
  e.ledger_time_us = new_year_us + 2'000'000;
  e.business_time_us = new_year_us + 2'000'000;
  e.actor = "local:operator";
  e.idempotency_key = "recharge-0001";
  e.postings = {cash(-1'234), wallet("13800138000", 1'234)};
  e.payload = WalletRecharged{"13800138000", 1'234, "bank-tx-0001", 501'234};
  return e;
}

Event golden_account_closed() {
  Event e;
  e.ledger_time_us = new_year_us + 3'000'000;
  e.business_time_us = new_year_us + 3'000'000;
  e.actor = "local:operator";
  e.idempotency_key = "close-13800138000";
  e.postings = {cash(501'234), wallet("13800138000", -501'234)};
  e.payload = AccountClosed{"13800138000", 501'234, BalanceDisposition::refunded, {}, {}};
  return e;
}

// Issue 4: a user bound to an agent, and the agent events.
Event golden_account_opened_with_agent() {
  Event e = golden_account_opened();
  std::get<AccountOpened>(e.payload).agent = "agent-bj";
  return e;
}

Event golden_agent_added() {
  Event e;
  e.ledger_time_us = new_year_us + 2'000'000;
  e.business_time_us = e.ledger_time_us;
  e.actor = "local:operator";
  e.idempotency_key = "agent-bj";
  e.payload = AgentAdded{"agent-bj", "", "Beijing Reseller", 1, 850};
  return e;
}

// A3.2: a ticket under contract HZ-1, due four business hours after 10:00 China time on 2025-01-02.
Event golden_ticket_opened() {
  Event e = golden_agent_added();
  e.idempotency_key = "ticket-1";
  e.payload = TicketOpened{"T000001", "13800138000", "agent-bj", "HZ-1", "no dial tone",
                           new_year_us + 34LL * 3'600'000'000, 4, "09:00-18:00",
                           new_year_us + 38LL * 3'600'000'000, 0, "CN-2024..2026-7d7d78a94b27"};
  return e;
}

Event agent_event(Payload payload) {
  Event e = golden_agent_added();
  e.payload = std::move(payload);
  return e;
}

std::vector<Event> golden_events() {
  return {golden_ledger_created(),
          golden_account_opened(),
          golden_wallet_recharged(),
          golden_account_closed(),
          golden_account_opened_with_agent(),
          golden_agent_added(),
          agent_event(AgentAdded{"agent-bj-1", "agent-bj", "Chaoyang", 2, 0}),
          agent_event(AgentPriceSet{"agent-bj", 900}),
          agent_event(LevelPriceSet{2, 1'050}),
          agent_event(AgentSuspended{"agent-bj", "deposit unpaid"}),
          agent_event(AgentResumed{"agent-bj"}),
          golden_ticket_opened(),
          agent_event(ContractAmended{"HZ-1", 1, "2025-06-01", {{"term-months", 36}, {"price", 800}}, "SA-1"}),
          agent_event(ObligationWaived{"HZ-1/O-PAY", "HZ-1", "paid in kind"}),
          agent_event(TicketResponded{"T000001", new_year_us + 3'600'000'000, TicketParty::agent}),
          agent_event(TicketClosed{"T000001"}),
          agent_event(PromotionRequested{"P000001", "agent-bj", "plan-a", 1'250, "2025-01-01", "2025-01-31"}),
          agent_event(PromotionApproved{"P000001", "FILING-1"}),
          agent_event(PromotionRejected{"P000001", "not filed"}),
          agent_event(PromotionWithdrawn{"P000001", "budget spent"}),
          agent_event(ObligationAlerted{"HZ-1/O-SLA/T000001", "HZ-1", AlertKind::overdue, "provider",
                                        "2025-01-02T13:00+08:00", 0}),
          agent_event(ObligationAlerted{"HZ-1/O-PAY", "HZ-1", AlertKind::calendar_unknown, "agent agent-bj", "",
                                        2027})};
}

// Decodes and requires a refusal with a reason; never an exception.
void require_refused(std::string_view bytes, const char* reason_fragment = "") {
  std::string why;
  std::optional<Event> event;
  REQUIRE_NOTHROW(event = decode_event(bytes, &why));
  REQUIRE_FALSE(event.has_value());
  REQUIRE_FALSE(why.empty());
  CHECK_THAT(why, Catch::Matchers::Contains(reason_fragment));
}

// A decoded event must be as good as one decide produced: it re-encodes (the
// encoder asserts balanced postings and the size limit) to an equal event.
void require_well_formed(const Event& event) {
  REQUIRE(postings_balance(event.postings));
  std::string why;
  const auto again = decode_event(encode_event(event), &why);
  REQUIRE(again.has_value());
  REQUIRE(*again == event);
}

// A message built by hand, starting from a valid AccountOpened event, so each
// test can break exactly one rule the encoder would never break.
std::string hand_built_event(const std::function<void(s::Event::Builder)>& edit) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<s::Event>();
  root.setLedgerTimeUs(new_year_us);
  root.setBusinessTimeUs(new_year_us);
  root.setActor("local:operator");
  root.setIdempotencyKey("hand-built");
  auto postings = root.initPostings(2);
  postings[0].setKind(s::LedgerAccountKind::EXTERNAL_CASH);
  postings[0].setUnit(s::Unit::CNY_UNITS);
  postings[0].setAmount(-100);
  postings[1].setKind(s::LedgerAccountKind::USER_WALLET);
  postings[1].setOwner("alice");
  postings[1].setUnit(s::Unit::CNY_UNITS);
  postings[1].setAmount(100);
  auto opened = root.initPayload().initAccountOpened();
  opened.setAccount("alice");
  opened.setInitialBalanceUnits(100);
  edit(root);
  return flat_bytes(message);
}

// ---- (a) round trips --------------------------------------------------------

TEST_CASE("every payload type round-trips through encode_event/decode_event", "[codec]") {
  for (const Event& event : golden_events()) {
    INFO(payload_name(event.payload));
    const std::string bytes = encode_event(event);
    CHECK(bytes.size() % 8 == 0);
    CHECK(bytes.size() <= limits::event_bytes_max);
    std::string why;
    const auto decoded = decode_event(bytes, &why);
    REQUIRE(decoded.has_value());
    CHECK(why.empty());
    CHECK(*decoded == event);
    CHECK(payload_name(decoded->payload) == std::string(payload_name(event.payload)));
    // Encoding is deterministic: the same event always gives the same bytes.
    CHECK(encode_event(*decoded) == bytes);
  }
}

TEST_CASE("round trip keeps extreme values, both units and many postings", "[codec]") {
  Event e;
  e.ledger_time_us = std::numeric_limits<std::int64_t>::max();
  e.business_time_us = std::numeric_limits<std::int64_t>::min();
  e.actor = "";
  e.idempotency_key = std::string(limits::idempotency_key_length_max, 'k');
  // The most postings one event may carry, in both units, with the largest
  // amounts postings_balance allows.
  for (std::size_t i = 0; i < limits::postings_per_event_max / 4; ++i) {
    const std::string owner = "acct-" + std::to_string(i);
    e.postings.push_back(wallet(owner, limits::balance_units_max));
    e.postings.push_back(cash(-limits::balance_units_max));
    e.postings.push_back(
        Posting{LedgerAccountKind::user_wallet, owner, Unit::traffic_seconds, -60});
    e.postings.push_back(Posting{LedgerAccountKind::external_cash, "", Unit::traffic_seconds, 60});
  }
  REQUIRE(e.postings.size() == limits::postings_per_event_max);

  SECTION("LedgerCreated") { e.payload = LedgerCreated{"", "中国电信 Telecom", "CNY", -720}; }
  SECTION("AccountOpened") { e.payload = AccountOpened{"a", "", 0, {}}; }
  SECTION("WalletRecharged") {
    e.payload =
        WalletRecharged{std::string(limits::account_id_length_max, 'z'), limits::amount_units_max,
                        std::string(limits::reference_length_max, 'r'), limits::balance_units_max};
  }
  SECTION("AccountClosed") { e.payload = AccountClosed{"b", 0, BalanceDisposition::none, {}, {}}; }

  std::string why;
  const auto decoded = decode_event(encode_event(e), &why);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == e);
}

// Issue 15: a Kamailio call's events keep the connector, the SIP Call-ID its
// call id maps and how it ended; a ZeroMQ call's bytes are what they were
// before those fields existed (the golden bytes above are unchanged).
TEST_CASE("a Kamailio call's events keep the connector, the SIP Call-ID and the end reason", "[codec]") {
  const std::string sip_call_id = "a84b4c76e66710@pc33.example.com; odd \"text\" " + std::string(900, 'x');
  CallAuthorized authorized{"kamailio", "~abc", "13800138000", "13800138000", "8610", 7200, 60, 750,
                            CallRate{"86", 750, 0, 60, 6, ""}, new_year_us, new_year_us + 180'000'000};
  authorized.via = SwitchVia::kamailio;
  authorized.sip_call_id = sip_call_id;
  CallSettled settled;
  settled.switch_id = "kamailio";
  settled.call_id = "~abc";
  settled.account = "13800138000";
  settled.via = SwitchVia::kamailio;
  settled.sip_call_id = sip_call_id;
  settled.end_reason = "credit_timeout";
  CallRejected rejected{"kamailio", "~abc", "13800138000", CallStage::authorize, "insufficient_balance", 0};
  rejected.via = SwitchVia::kamailio;
  rejected.sip_call_id = sip_call_id;
  for (Payload payload : {Payload{authorized}, Payload{settled}, Payload{rejected}}) {
    Event event = golden_ledger_created();
    event.payload = payload;
    std::string why;
    const auto decoded = decode_event(encode_event(event), &why);
    INFO(why);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == event);
  }
  // Without them, the encoding is the one of an event that never had them.
  Event plain = golden_ledger_created();
  CallAuthorized zeromq = authorized;
  zeromq.via = SwitchVia::zeromq;
  zeromq.sip_call_id.clear();
  plain.payload = zeromq;
  Event marked = plain;
  std::get<CallAuthorized>(marked.payload).via = SwitchVia::kamailio;
  CHECK(encode_event(marked).size() >= encode_event(plain).size());
  CHECK(encode_event(marked) != encode_event(plain));
}

TEST_CASE("decode_event reads bytes that are not 8-byte aligned in memory", "[codec]") {
  // RocksDB and ZeroMQ hand out buffers without alignment promises.
  for (const Event& event : golden_events()) {
    const std::string buffer = "x" + encode_event(event);
    const std::string_view unaligned = std::string_view(buffer).substr(1);
    REQUIRE(reinterpret_cast<std::uintptr_t>(unaligned.data()) % 8 != 0);
    std::string why;
    const auto decoded = decode_event(unaligned, &why);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == event);
  }
}

// encode_event passes every text with its explicit size, so bytes after an
// embedded NUL survive (Cap'n Proto's std::string conversion would cut them).
// decide refuses such texts anyway; the codec must still not alter them.
TEST_CASE("a text with an embedded NUL survives the round trip whole", "[codec]") {
  Event event = golden_ledger_created();
  event.actor = std::string("local\0operator", 14);
  std::get<LedgerCreated>(event.payload).provider_name = std::string("Acme\0Telecom", 12);
  std::string why;
  const auto decoded = decode_event(encode_event(event), &why);
  REQUIRE(decoded.has_value());
  CHECK(decoded->actor.size() == 14);
  CHECK(*decoded == event);
}

// ---- (b) golden bytes ---------------------------------------------------------
//
// These bytes guard schema evolution. events/events.capnp is append-only
// (DESIGN §4): never renumber, retype or re-default a field. Each test has
// two halves:
//  - the bytes still decode to the same event. Events already in a ledger
//    were written like this and the hash chain covers them, so if this half
//    fails the schema or the decoder changed incompatibly: fix the change,
//    never the constant.
//  - encode_event still produces exactly these bytes, pinning the encoder.
//    Appending a field to a struct legitimately changes the layout; then
//    keep these constants as events written by the old schema (decode half)
//    and add new constants for the encode half.
//
// The constants were produced once by encode_event and checked independently
// with the Cap'n Proto tool, e.g. for LedgerCreated:
//   echo '(ledgerTimeUs = 1735660800000000, businessTimeUs = 1735660800000000,
//          actor = "local:operator", idempotencyKey = "ledger-created", postings = [],
//          payload = (ledgerCreated = (providerId = "telco-1",
//          providerName = "Acme Telecom", currency = "CNY", utcOffsetMinutes = 480)))' |
//     capnp encode events/events.capnp Event | xxd -p
// which prints the same bytes.

constexpr std::string_view golden_ledger_created_hex =
    "0000000015000000000000000300040000406f05932a060000406f05932a0600"
    "00000000000000000d0000007a000000110000007a0000001500000007000000"
    "14000000010003006c6f63616c3a6f70657261746f7200006c65646765722d63"
    "72656174656400000000000002000100e0010000000000000900000042000000"
    "090000006a0000000d0000002200000074656c636f2d310041636d652054656c"
    "65636f6d00000000434e590000000000";
// AccountOpened as written before the `agent` field existed (decoded only:
// such events stay in ledgers), then as encode_event writes it now (one more
// pointer slot, null), then with an agent; checked with `capnp encode` as
// above.
constexpr std::string_view golden_account_opened_v1_hex =
    "000000001d000000000000000300040040827e05932a060020e17605932a0600"
    "01000000000000000d0000007a000000110000008a0000001900000037000000"
    "3c000000010002006c6f63616c3a6f70657261746f7200006f70656e2d313338"
    "3030313338303030000000000000000008000000020001000000000000000000"
    "e05ef8ffffffffff0d0000000a000000010000000000000020a1070000000000"
    "0500000062000000000000000000000031333830303133383030300000000000"
    "20a10700000000000500000062000000090000003a0000003133383030313338"
    "3030300000000000706c616e2d610000";
constexpr std::string_view golden_account_opened_hex =
    "000000001e000000000000000300040040827e05932a060020e17605932a0600"
    "01000000000000000d0000007a000000110000008a0000001900000037000000"
    "3c000000010003006c6f63616c3a6f70657261746f7200006f70656e2d313338"
    "3030313338303030000000000000000008000000020001000000000000000000"
    "e05ef8ffffffffff0d0000000a000000010000000000000020a1070000000000"
    "0500000062000000000000000000000031333830303133383030300000000000"
    "20a107000000000009000000620000000d0000003a0000000000000000000000"
    "31333830303133383030300000000000706c616e2d610000";
constexpr std::string_view golden_account_opened_with_agent_hex =
    "0000000020000000000000000300040040827e05932a060020e17605932a0600"
    "01000000000000000d0000007a000000110000008a0000001900000037000000"
    "3c000000010003006c6f63616c3a6f70657261746f7200006f70656e2d313338"
    "3030313338303030000000000000000008000000020001000000000000000000"
    "e05ef8ffffffffff0d0000000a000000010000000000000020a1070000000000"
    "0500000062000000000000000000000031333830303133383030300000000000"
    "20a107000000000009000000620000000d0000003a0000000d0000004a000000"
    "31333830303133383030300000000000706c616e2d6100006167656e742d626a"
    "0000000000000000";
constexpr std::string_view golden_agent_added_hex =
    "0000000018000000000000000300040080c48d05932a060080c48d05932a0600"
    "09000000000000000d0000007a000000110000004a0000001500000007000000"
    "14000000020003006c6f63616c3a6f70657261746f7200006167656e742d626a"
    "0000000000000000000000000200010001000000000000005203000000000000"
    "090000004a0000000d0000000a0000000d0000008a0000006167656e742d626a"
    "000000000000000000000000000000004265696a696e6720526573656c6c6572"
    "0000000000000000";
constexpr std::string_view golden_wallet_recharged_hex =
    "000000001e000000000000000300040080c48d05932a060080c48d05932a0600"
    "02000000000000000d0000007a00000011000000720000001500000037000000"
    "38000000020002006c6f63616c3a6f70657261746f7200007265636861726765"
    "2d30303031000000080000000200010000000000000000002efbffffffffffff"
    "0d0000000a0000000100000000000000d2040000000000000500000062000000"
    "000000000000000031333830303133383030300000000000d204000000000000"
    "f2a50700000000000500000062000000090000006a0000003133383030313338"
    "303030000000000062616e6b2d74782d3030303100000000";
// Written before closes could transfer or forfeit (issue 5): a smaller struct.
constexpr std::string_view golden_account_closed_v1_hex =
    "000000001c0000000000000003000400c0069d05932a0600c0069d05932a0600"
    "03000000000000000d0000007a00000011000000920000001900000037000000"
    "3c000000020001006c6f63616c3a6f70657261746f720000636c6f73652d3133"
    "3830303133383030300000000000000008000000020001000000000000000000"
    "f2a50700000000000d0000000a00000001000000000000000e5af8ffffffffff"
    "0500000062000000000000000000000031333830303133383030300000000000"
    "f2a5070000000000010000000000000001000000620000003133383030313338"
    "3030300000000000";
constexpr std::string_view golden_account_closed_hex =
    "000000001e0000000000000003000400c0069d05932a0600c0069d05932a0600"
    "03000000000000000d0000007a00000011000000920000001900000037000000"
    "3c000000020003006c6f63616c3a6f70657261746f720000636c6f73652d3133"
    "3830303133383030300000000000000008000000020001000000000000000000"
    "f2a50700000000000d0000000a00000001000000000000000e5af8ffffffffff"
    "0500000062000000000000000000000031333830303133383030300000000000"
    "f2a5070000000000010000000000000009000000620000000000000000000000"
    "000000000000000031333830303133383030300000000000";

void check_golden(const Event& event, std::string_view golden_hex) {
  const std::string bytes = encode_event(event);
  INFO("encode_event now gives " << hex(bytes));
  CHECK(hex(bytes) == golden_hex);
  // And old bytes still decode to the same event.
  std::string why;
  const auto decoded = decode_event(unhex(golden_hex), &why);
  INFO(why);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == event);
}

// TicketOpened (issue 6), checked with `capnp encode` as above.
constexpr std::string_view golden_ticket_opened_hex =
    "0000000025000000000000000300040080c48d05932a060080c48d05932a0600"
    "1d000000000000000d0000007a000000110000004a0000001500000007000000"
    "14000000030007006c6f63616c3a6f70657261746f7200007469636b65742d31"
    "0000000000000000000000000200010000080b85af2a06000400000000000000"
    "009859dfb22a0600190000004200000019000000620000001d0000004a000000"
    "210000002a000000210000006a000000250000006200000029000000da000000"
    "5430303030303100313338303031333830303000000000006167656e742d626a"
    "0000000000000000485a2d31000000006e6f206469616c20746f6e6500000000"
    "30393a30302d31383a30300000000000434e2d323032342e2e323032362d3764"
    "37643738613934623237000000000000";

TEST_CASE("golden bytes: TicketOpened", "[codec][golden]") {
  check_golden(golden_ticket_opened(), golden_ticket_opened_hex);
}
TEST_CASE("golden bytes: LedgerCreated", "[codec][golden]") {
  check_golden(golden_ledger_created(), golden_ledger_created_hex);
}
TEST_CASE("golden bytes: AccountOpened", "[codec][golden]") {
  check_golden(golden_account_opened(), golden_account_opened_hex);
  check_golden(golden_account_opened_with_agent(), golden_account_opened_with_agent_hex);
  // Written before agents existed: still the same event, bound to no agent.
  std::string why;
  const auto decoded = decode_event(unhex(golden_account_opened_v1_hex), &why);
  INFO(why);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == golden_account_opened());
}
TEST_CASE("golden bytes: AgentAdded", "[codec][golden]") {
  check_golden(golden_agent_added(), golden_agent_added_hex);
}
TEST_CASE("golden bytes: WalletRecharged", "[codec][golden]") {
  check_golden(golden_wallet_recharged(), golden_wallet_recharged_hex);
}
TEST_CASE("golden bytes: AccountClosed", "[codec][golden]") {
  check_golden(golden_account_closed(), golden_account_closed_hex);
  std::string why;
  const auto decoded = decode_event(unhex(golden_account_closed_v1_hex), &why);
  INFO(why);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == golden_account_closed());
}

Hash counting_hash(std::uint8_t first) {
  Hash h{};
  for (std::size_t i = 0; i < h.size(); ++i) h[i] = static_cast<std::uint8_t>(first + i);
  return h;
}

// The stored record of the golden AccountOpened event at sequence 2.
StoredRecord golden_record() {
  StoredRecord record;
  record.sequence = 2;
  record.prev_hash = counting_hash(0x00);  // 00 01 02 … 1f
  record.hash = counting_hash(0xa0);       // a0 a1 a2 … bf
  record.event_bytes = encode_event(golden_account_opened());
  return record;
}

// What RocksDB holds for one event: guarded like the events themselves.
// Checked the same way, with the fields in schema order (which is the
// canonical layout): echo '(sequence = 2, prevHash = 0x"0001…1f",
//   hash = 0x"a0a1…bf", event = 0x"<golden AccountOpened>")' |
//   capnp encode events/events.capnp StoredEvent | xxd -p
// v1 holds the AccountOpened event as written before agents (decoded only).
constexpr std::string_view golden_record_v1_hex =
    "000000002b000000000000000100030002000000000000000900000002010000"
    "15000000020100002100000082070000000102030405060708090a0b0c0d0e0f"
    "101112131415161718191a1b1c1d1e1fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
    "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf000000001d0000000000000003000400"
    "40827e05932a060020e17605932a060001000000000000000d0000007a000000"
    "110000008a00000019000000370000003c000000010002006c6f63616c3a6f70"
    "657261746f7200006f70656e2d31333830303133383030300000000000000000"
    "08000000020001000000000000000000e05ef8ffffffffff0d0000000a000000"
    "010000000000000020a107000000000005000000620000000000000000000000"
    "3133383030313338303030000000000020a10700000000000500000062000000"
    "090000003a00000031333830303133383030300000000000706c616e2d610000";

// The same record with the AccountOpened event as encode_event writes it now.
constexpr std::string_view golden_record_hex =
    "000000002c000000000000000100030002000000000000000900000002010000"
    "150000000201000021000000c2070000000102030405060708090a0b0c0d0e0f"
    "101112131415161718191a1b1c1d1e1fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
    "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf000000001e0000000000000003000400"
    "40827e05932a060020e17605932a060001000000000000000d0000007a000000"
    "110000008a00000019000000370000003c000000010003006c6f63616c3a6f70"
    "657261746f7200006f70656e2d31333830303133383030300000000000000000"
    "08000000020001000000000000000000e05ef8ffffffffff0d0000000a000000"
    "010000000000000020a107000000000005000000620000000000000000000000"
    "3133383030313338303030000000000020a10700000000000900000062000000"
    "0d0000003a000000000000000000000031333830303133383030300000000000"
    "706c616e2d610000";

TEST_CASE("golden bytes: StoredRecord", "[codec][golden]") {
  const StoredRecord record = golden_record();
  const std::string bytes = encode_stored(record);
  INFO("encode_stored now gives " << hex(bytes));
  CHECK(hex(bytes) == golden_record_hex);
  for (const std::string_view golden : {golden_record_hex, golden_record_v1_hex}) {
    std::string why;
    const auto decoded = decode_stored(unhex(golden), &why);
    INFO(why);
    REQUIRE(decoded.has_value());
    CHECK(decoded->sequence == record.sequence);
    CHECK(decoded->prev_hash == record.prev_hash);
    CHECK(decoded->hash == record.hash);
    const auto event = decode_event(decoded->event_bytes, &why);
    REQUIRE(event.has_value());
    CHECK(*event == golden_account_opened());
  }
  CHECK(decode_stored(unhex(golden_record_hex), nullptr)->event_bytes == record.event_bytes);
}

// hash = SHA-256(prev_hash || be64(sequence) || event bytes) (events/hash.h).
// Expected values computed independently with Python:
//   hashlib.sha256(prev + seq.to_bytes(8, "big") + event).hexdigest()
TEST_CASE("golden values: chain_hash", "[codec][golden]") {
  CHECK(to_hex(chain_hash(Hash{}, 1, "")) ==
        "08e00266fff0aacc64974f22a53622a7dc458ac1b5fd446ae7c99a4a99a564e6");
  CHECK(to_hex(chain_hash(counting_hash(0x00), 2, "huawu")) ==
        "7775bd7ec0cd7fac7a655a01855df371245818f9b495ac05ec2b184eb72d971d");
  // Every input takes part: the sequence, the previous hash, the bytes.
  const Hash base = chain_hash(counting_hash(0x00), 2, "huawu");
  CHECK(chain_hash(counting_hash(0x00), 3, "huawu") != base);
  CHECK(chain_hash(counting_hash(0x01), 2, "huawu") != base);
  CHECK(chain_hash(counting_hash(0x00), 2, "huawU") != base);
  CHECK(chain_hash(counting_hash(0x00), 2, "huawu") == base);
}

TEST_CASE("to_hex writes 64 lower-case digits", "[codec]") {
  CHECK(to_hex(Hash{}) == std::string(64, '0'));
  CHECK(to_hex(counting_hash(0xf0)).substr(0, 8) == "f0f1f2f3");
  CHECK(to_hex(counting_hash(0xe0)).substr(56) == "fcfdfeff");
}

// ---- (c) decode_event refusals ---------------------------------------------------

TEST_CASE("decode_event refuses random bytes", "[codec][refuse]") {
  for (std::uint32_t seed = 0; seed < 2'000; ++seed) {
    std::mt19937 random(seed);
    const std::size_t words = random() % 65;
    std::string bytes(words * 8, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    INFO("seed = " << seed << ", bytes = " << hex(bytes));
    require_refused(bytes);
  }
}

TEST_CASE("decode_event never crashes on random segments behind a valid header",
          "[codec][refuse]") {
  // A plausible one-segment header gets the bytes past the framing check and
  // into pointer validation. The body may by chance be a valid message; then
  // the event must be a well-formed one.
  int refused = 0;
  for (std::uint32_t seed = 0; seed < 2'000; ++seed) {
    std::mt19937 random(seed);
    const std::uint32_t segment_words = 1 + random() % 64;
    std::string bytes(8 + segment_words * 8, '\0');
    // Segment table: (segment count - 1) = 0, then the segment size, both little-endian u32.
    for (int i = 0; i < 4; ++i) bytes[4 + i] = static_cast<char>(segment_words >> (8 * i));
    for (std::size_t i = 8; i < bytes.size(); ++i) bytes[i] = static_cast<char>(random());
    INFO("seed = " << seed << ", bytes = " << hex(bytes));
    std::string why;
    std::optional<Event> event;
    REQUIRE_NOTHROW(event = decode_event(bytes, &why));
    if (event) {
      require_well_formed(*event);
    } else {
      REQUIRE_FALSE(why.empty());
      ++refused;
    }
  }
  CHECK(refused > 1'000);
}

TEST_CASE("decode_event never crashes on mutated valid events", "[codec][refuse]") {
  const std::vector<Event> events = golden_events();
  for (std::uint32_t seed = 0; seed < 4'000; ++seed) {
    std::mt19937 random(seed);
    std::string bytes = encode_event(events[seed % events.size()]);
    const unsigned flips = 1 + random() % 4;
    for (unsigned i = 0; i < flips; ++i)
      bytes[random() % bytes.size()] ^= static_cast<char>(1 + random() % 255);
    INFO("seed = " << seed << ", bytes = " << hex(bytes));
    std::string why;
    std::optional<Event> event;
    REQUIRE_NOTHROW(event = decode_event(bytes, &why));
    if (event)
      require_well_formed(*event);
    else
      REQUIRE_FALSE(why.empty());
  }
}

TEST_CASE("decode_event refuses every truncation of a valid event", "[codec][refuse]") {
  for (const Event& event : golden_events()) {
    const std::string bytes = encode_event(event);
    for (std::size_t size = 0; size < bytes.size(); ++size) {
      INFO(payload_name(event.payload) << " cut to " << size << " of " << bytes.size() << " bytes");
      require_refused(std::string_view(bytes).substr(0, size));
    }
  }
}

TEST_CASE("decode_event refuses a length that is not a multiple of 8", "[codec][refuse]") {
  const std::string bytes = encode_event(golden_wallet_recharged());
  for (std::size_t extra = 1; extra < 8; ++extra) {
    INFO("extra bytes = " << extra);
    require_refused(bytes + std::string(extra, '\0'), "invalid length");
  }
}

TEST_CASE("decode_event refuses input above limits::event_bytes_max", "[codec][refuse]") {
  // A well-formed message whose only fault is its size.
  const std::string big = hand_built_event(
      [](s::Event::Builder e) { e.setActor(std::string(limits::event_bytes_max, 'a')); });
  REQUIRE(big.size() > limits::event_bytes_max);
  // Only a rate plan import may be larger (limits::rate_plan_event_bytes_max).
  require_refused(big, "larger than limits::event_bytes_max");
  require_refused(std::string(limits::rate_plan_event_bytes_max + 8, '\0'), "invalid length");
}

TEST_CASE("decode_event refuses postings that do not balance", "[codec][refuse]") {
  SECTION("the sum is off by one") {
    require_refused(
        hand_built_event([](s::Event::Builder e) { e.getPostings()[1].setAmount(101); }),
        "do not sum to zero");
  }
  SECTION("one posting alone") {
    require_refused(hand_built_event([](s::Event::Builder e) {
                      auto postings = e.initPostings(1);
                      postings[0].setAmount(5);
                    }),
                    "do not sum to zero");
  }
  SECTION("balanced overall but not per unit") {
    require_refused(hand_built_event([](s::Event::Builder e) {
                      e.getPostings()[1].setUnit(s::Unit::TRAFFIC_SECONDS);
                    }),
                    "do not sum to zero");
  }
  SECTION("amounts beyond balance_units_max that would sum to zero after overflow") {
    require_refused(hand_built_event([](s::Event::Builder e) {
                      auto postings = e.initPostings(3);
                      postings[0].setAmount(std::numeric_limits<std::int64_t>::max());
                      postings[1].setAmount(std::numeric_limits<std::int64_t>::max());
                      postings[2].setAmount(2);  // max + max + 2 wraps to 0
                    }),
                    "do not sum to zero");
  }
  SECTION("more postings than limits::postings_per_event_max") {
    require_refused(hand_built_event([](s::Event::Builder e) {
                      e.initPostings(limits::postings_per_event_max + 1);  // all zero amounts
                    }),
                    "too many postings");
  }
}

// Sets the payload union's discriminant to a value this build does not know,
// as a newer schema's event would carry. Found through the schema, so the
// test does not depend on where the layout put it.
void set_payload_which(s::Event::Builder event, std::uint16_t which) {
  const auto proto = capnp::Schema::from<s::Event::Payload>().getProto().getStruct();
  auto data = capnp::AnyStruct::Builder(kj::mv(event)).getDataSection();
  const std::size_t at = proto.getDiscriminantOffset() * 2u;
  REQUIRE(at + 2 <= data.size());
  data[at] = static_cast<kj::byte>(which & 0xff);
  data[at + 1] = static_cast<kj::byte>(which >> 8);
}

TEST_CASE("decode_event refuses enum values this build does not know", "[codec][refuse]") {
  SECTION("ledger account kind") {
    require_refused(hand_built_event([](s::Event::Builder e) {
                      e.getPostings()[0].setKind(
                          static_cast<s::LedgerAccountKind>(ledger_account_kind_max + 1));
                    }),
                    "unknown ledger account kind or unit");
  }
  SECTION("unit") {
    auto postings_in_unit = [](std::uint16_t unit) {
      return hand_built_event([unit](s::Event::Builder e) {
        for (auto p : e.getPostings()) p.setUnit(static_cast<s::Unit>(unit));
      });
    };
    require_refused(postings_in_unit(2), "unknown ledger account kind or unit");
    require_refused(postings_in_unit(0xffff), "unknown ledger account kind or unit");
  }
  SECTION("balance disposition") {
    require_refused(hand_built_event([](s::Event::Builder e) {
                      auto closed = e.getPayload().initAccountClosed();
                      closed.setAccount("alice");
                      closed.setDisposition(static_cast<s::BalanceDisposition>(4));
                    }),
                    "unknown balance disposition 4");
  }
  SECTION("switch connector") {
    require_refused(hand_built_event([](s::Event::Builder e) {
                      auto authorized = e.getPayload().initCallAuthorized();
                      authorized.setSwitchId("kamailio");
                      authorized.setVia(static_cast<s::SwitchVia>(2));
                    }),
                    "unknown switch connector 2");
  }
  SECTION("payload type") {
    // Sanity: the helper writes where the reader looks.
    const std::string known =
        hand_built_event([](s::Event::Builder e) { set_payload_which(e, 3); });
    std::string why;
    const auto decoded = decode_event(known, &why);
    REQUIRE(decoded.has_value());
    CHECK(std::holds_alternative<AccountClosed>(decoded->payload));

    // The union's discriminants number its members 0.. in order: the first past the last is unknown.
    constexpr auto first_unknown = static_cast<std::uint16_t>(std::variant_size_v<Payload>);
    require_refused(hand_built_event([](s::Event::Builder e) { set_payload_which(e, first_unknown); }),
                    ("unknown event type " + std::to_string(first_unknown)).c_str());
    require_refused(hand_built_event([](s::Event::Builder e) { set_payload_which(e, 0xffff); }),
                    "unknown event type 65535");
  }
}

TEST_CASE("decode_event refuses a message whose root is not a struct", "[codec][refuse]") {
  capnp::MallocMessageBuilder message;
  auto list = message.getRoot<capnp::AnyPointer>().initAs<capnp::List<std::int64_t>>(3);
  list.set(0, 1);
  require_refused(flat_bytes(message), "malformed event");
  require_refused("", "malformed event");
}

// ---- (d) stored records ----------------------------------------------------------

TEST_CASE("encode_stored/decode_stored round trip", "[codec][stored]") {
  const std::uint64_t sequences[] = {
      1, 2, 255, 256, std::uint64_t{1} << 63, std::numeric_limits<std::uint64_t>::max()};
  for (const std::uint64_t sequence : sequences) {
    // Event byte lengths around word boundaries exercise the Data padding.
    for (std::size_t length = 1; length <= 17; ++length) {
      StoredRecord record;
      record.sequence = sequence;
      record.prev_hash = counting_hash(static_cast<std::uint8_t>(length));
      record.hash = counting_hash(static_cast<std::uint8_t>(0x80 + length));
      record.event_bytes = std::string(length, 'e');
      INFO("sequence = " << sequence << ", event bytes = " << length);
      std::string why;
      const auto decoded = decode_stored(encode_stored(record), &why);
      INFO(why);
      REQUIRE(decoded.has_value());
      CHECK(decoded->sequence == record.sequence);
      CHECK(decoded->prev_hash == record.prev_hash);
      CHECK(decoded->hash == record.hash);
      CHECK(decoded->event_bytes == record.event_bytes);
    }
  }
}

TEST_CASE("decode_stored_event decodes the record and its event", "[codec][stored]") {
  const StoredRecord record = golden_record();
  const std::string buffer = "x" + encode_stored(record);  // unaligned, as RocksDB may hand it out
  std::string why;
  const auto stored = decode_stored_event(std::string_view(buffer).substr(1), &why);
  INFO(why);
  REQUIRE(stored.has_value());
  CHECK(stored->sequence == record.sequence);
  CHECK(stored->prev_hash == record.prev_hash);
  CHECK(stored->hash == record.hash);
  CHECK(stored->event == golden_account_opened());

  // A record whose event bytes are not an event is refused as a whole.
  StoredRecord bad = record;
  bad.event_bytes = std::string(16, '\xff');
  CHECK_FALSE(decode_stored_event(encode_stored(bad), &why).has_value());
  CHECK_FALSE(why.empty());
}

void require_stored_refused(std::string_view bytes, const char* reason_fragment) {
  std::string why;
  std::optional<StoredRecord> record;
  REQUIRE_NOTHROW(record = decode_stored(bytes, &why));
  REQUIRE_FALSE(record.has_value());
  CHECK_THAT(why, Catch::Matchers::Contains(reason_fragment));
}

TEST_CASE("decode_stored refuses trailing bytes", "[codec][stored]") {
  const std::string bytes = encode_stored(golden_record());
  require_stored_refused(bytes + std::string(8, '\0'), "bytes after its message");
  require_stored_refused(bytes + bytes, "bytes after its message");
  for (std::size_t extra = 1; extra < 8; ++extra)
    require_stored_refused(bytes + std::string(extra, '\0'), "invalid length");
}

TEST_CASE("decode_stored refuses non-canonical messages", "[codec][stored]") {
  const StoredRecord record = golden_record();
  auto data = [](const std::string& s) {
    return kj::arrayPtr(reinterpret_cast<const kj::byte*>(s.data()), s.size());
  };
  auto hash_data = [](const Hash& h) { return kj::arrayPtr(h.data(), h.size()); };

  SECTION("fields allocated out of order") {
    capnp::MallocMessageBuilder message;
    auto root = message.initRoot<s::StoredEvent>();
    root.setSequence(record.sequence);
    root.setEvent(data(record.event_bytes));  // before the hashes: not pre-order
    root.setPrevHash(hash_data(record.prev_hash));
    root.setHash(hash_data(record.hash));
    require_stored_refused(flat_bytes(message), "not in canonical form");
  }
  SECTION("unused words inside the segment") {
    capnp::MallocMessageBuilder message;
    auto root = message.initRoot<s::StoredEvent>();
    root.setSequence(record.sequence);
    root.setPrevHash(hash_data(record.prev_hash));
    root.setHash(hash_data(record.hash));
    root.setEvent(data(record.event_bytes));
    auto unused = message.getOrphanage().newOrphan<capnp::Data>(16);
    require_stored_refused(flat_bytes(message), "not in canonical form");
  }
  SECTION("more than one segment") {
    // A one-word first segment forces every object into a segment of its own.
    capnp::MallocMessageBuilder message(1, capnp::AllocationStrategy::FIXED_SIZE);
    auto root = message.initRoot<s::StoredEvent>();
    root.setSequence(record.sequence);
    root.setPrevHash(hash_data(record.prev_hash));
    root.setHash(hash_data(record.hash));
    root.setEvent(data(record.event_bytes));
    REQUIRE(message.getSegmentsForOutput().size() > 1);
    require_stored_refused(flat_bytes(message), "not in canonical form");
  }
  SECTION("hash fields of the wrong size, canonical otherwise") {
    capnp::MallocMessageBuilder message;
    auto root = message.initRoot<s::StoredEvent>();
    root.setSequence(record.sequence);
    root.setPrevHash(kj::arrayPtr(record.prev_hash.data(), 31));
    root.setHash(hash_data(record.hash));
    root.setEvent(data(record.event_bytes));
    require_stored_refused(flat_bytes(message), "not 32 bytes");
  }
  SECTION("empty input and random bytes") {
    require_stored_refused("", "");
    for (std::uint32_t seed = 0; seed < 500; ++seed) {
      std::mt19937 random(seed);
      std::string bytes((1 + random() % 64) * 8, '\0');
      for (char& c : bytes) c = static_cast<char>(random());
      INFO("seed = " << seed);
      require_stored_refused(bytes, "");
    }
  }
}

// `huawu audit verify` trusts a record only if its sequence is the key's, its
// prev_hash is the predecessor's hash and its hash recomputes (DESIGN §4).
bool audit_accepts(const StoredRecord& r, std::uint64_t sequence, const Hash& predecessor_hash) {
  return r.sequence == sequence && r.prev_hash == predecessor_hash &&
         chain_hash(r.prev_hash, r.sequence, r.event_bytes) == r.hash;
}

TEST_CASE("changing any single byte of a stored record is detected", "[codec][stored]") {
  StoredRecord record = golden_record();
  record.hash = chain_hash(record.prev_hash, record.sequence, record.event_bytes);
  REQUIRE(audit_accepts(record, 2, record.prev_hash));
  const std::string original = encode_stored(record);

  // Every single-bit flip, plus inverting the whole byte.
  const std::uint8_t patterns[] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff};
  int refused = 0;
  int changed = 0;
  for (std::size_t at = 0; at < original.size(); ++at) {
    for (const std::uint8_t pattern : patterns) {
      std::string altered = original;
      altered[at] = static_cast<char>(static_cast<std::uint8_t>(altered[at]) ^ pattern);
      INFO("byte " << at << " of " << original.size() << " xor " << unsigned{pattern});
      std::string why;
      std::optional<StoredRecord> decoded;
      REQUIRE_NOTHROW(decoded = decode_stored(altered, &why));
      if (!decoded) {
        REQUIRE_FALSE(why.empty());
        ++refused;
        continue;
      }
      // It decoded, so some field the chain covers must differ…
      const bool differs = decoded->sequence != record.sequence ||
                           decoded->prev_hash != record.prev_hash || decoded->hash != record.hash ||
                           decoded->event_bytes != record.event_bytes;
      REQUIRE(differs);
      // …and then the audit's check fails.
      REQUIRE_FALSE(audit_accepts(*decoded, 2, record.prev_hash));
      ++changed;
    }
  }
  // Both outcomes occur: framing bytes break the decode, payload bytes change a field.
  CHECK(refused > 0);
  CHECK(changed > 0);
  CHECK(refused + changed == static_cast<int>(original.size() * std::size(patterns)));
}

}  // namespace
}  // namespace huawu
