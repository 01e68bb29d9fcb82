// Cards, closing and transfers (issue 5) by clause: A2.3 (card numbers with a
// Luhn digit, PINs derived from serials with a secret key, batches issued and
// voided, vouchers redeemed exactly once within their agent's subtree, the
// brute-force guard), A2.4 (account cards generated and activated per agent),
// B2.2 (an account card opens the account it names), 6.3 (a user moves to
// another agent only with written consent), and closing an account with its
// balance refunded, transferred or forfeited. Requests go through
// test::AgentsLedger (decide against a state that runs ahead, apply, invariants after
// every request); one case decides two requests in one writer batch.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "events/card_number.h"
#include "events/codec.h"
#include "events/limits.h"
#include "ledger/card_pin.h"
#include "tests/decide_fixture.h"
#include "tests/agents_ledger.h"

namespace huawu {
namespace {

using Ledger = test::AgentsLedger;
using test::authorize_call;
using test::fen;

constexpr std::int64_t yuan = 100 * fen;  // 10,000 units

const CardKey& key() {
  static const std::shared_ptr<const CardKey> k = test::test_card_key();
  return *k;
}

std::string pin_of(std::uint64_t serial) { return derive_card_pin(key(), serial); }
std::string voucher(std::uint64_t serial) { return card_number(CardKind::recharge, serial); }
std::string account_card(std::uint64_t serial) { return card_number(CardKind::account, serial); }

// A PIN that is well formed (16 digits) but not the card's.
std::string wrong_pin(std::uint64_t serial) {
  std::string pin = pin_of(serial);
  pin[0] = pin[0] == '9' ? '0' : static_cast<char>(pin[0] + 1);
  return pin;
}

// Issues a batch (must be accepted) and returns its first serial.
std::uint64_t issue(Ledger& ledger, const std::string& agent, CardKind kind, std::uint64_t count,
                    std::int64_t face_units, const std::string& plan = "", std::int64_t expires_at_us = 0) {
  REQUIRE(ledger.submit(IssueCards{agent, kind, count, face_units, plan, expires_at_us}) == Rejection::none);
  REQUIRE(ledger.last().events.size() == 1);
  return std::get<CardBatchIssued>(ledger.last().events[0].payload).first_serial;
}

const AccountState& account_of(const Ledger& ledger, const std::string& account) {
  const AccountState* state = ledger.state().balances().find(account);
  REQUIRE(state != nullptr);
  return *state;
}

std::int64_t balance(const Ledger& ledger, const std::string& account) {
  return account_of(ledger, account).balance_units;
}

// The recorded failed attempt of the last request (accepted as an event), or null.
const CardRedemptionFailed* failed_attempt(const Ledger& ledger) {
  if (ledger.last().rejection != Rejection::none || ledger.last().events.size() != 1) return nullptr;
  return std::get_if<CardRedemptionFailed>(&ledger.last().events[0].payload);
}

std::string failure_reason(const Ledger& ledger) {
  const CardRedemptionFailed* failed = failed_attempt(ledger);
  return failed ? failed->reason : std::string("(no CardRedemptionFailed event)");
}

// Redeems a voucher; returns the rejection (none also for a recorded failed attempt).
Rejection redeem(Ledger& ledger, const std::string& account, const std::string& number, const std::string& pin) {
  return ledger.submit(RedeemCard{account, number, pin});
}

// bj (level 1) with its sub-agent bj-cy, and sh (level 1).
void add_agents(Ledger& ledger) {
  REQUIRE(ledger.submit(AddAgent{"bj", "", "Beijing", 850}) == Rejection::none);
  REQUIRE(ledger.submit(AddAgent{"bj-cy", "bj", "Chaoyang", 900}) == Rejection::none);
  REQUIRE(ledger.submit(AddAgent{"sh", "", "Shanghai", 850}) == Rejection::none);
}

void open(Ledger& ledger, const std::string& account, const std::string& agent, std::int64_t initial_units = 0) {
  REQUIRE(ledger.submit(OpenAccount{account, "retail", initial_units, agent}) == Rejection::none);
}

// ---- 1. card numbers (A2.3) ---------------------------------------------------------------------

TEST_CASE("A2.3: Luhn check digits: known numbers, every single-digit change and adjacent swap is caught",
          "[cards][number]") {
  CHECK(luhn_valid("79927398713"));
  CHECK(luhn_check_digit("7992739871") == '3');
  CHECK(luhn_valid("4539578763621486"));
  CHECK(luhn_valid("00"));
  CHECK_FALSE(luhn_valid("79927398710"));
  CHECK_FALSE(luhn_valid("7"));
  CHECK_FALSE(luhn_valid(""));
  CHECK_FALSE(luhn_valid("7992739871a"));

  for (const std::string& number : {std::string("79927398713"), account_card(1), voucher(123'456'789),
                                    account_card(card_serial_max), voucher(98'765'432'101'234)}) {
    INFO(number);
    REQUIRE(luhn_valid(number));
    // Any one digit changed.
    for (std::size_t i = 0; i < number.size(); ++i)
      for (char d = '0'; d <= '9'; ++d) {
        if (d == number[i]) continue;
        std::string changed = number;
        changed[i] = d;
        INFO("changed " << changed);
        CHECK_FALSE(luhn_valid(changed));
      }
    // Two different neighbours swapped (Luhn's one blind spot is 09 <-> 90).
    for (std::size_t i = 0; i + 1 < number.size(); ++i) {
      const char a = number[i], b = number[i + 1];
      if (a == b || (a == '0' && b == '9') || (a == '9' && b == '0')) continue;
      std::string swapped = number;
      std::swap(swapped[i], swapped[i + 1]);
      INFO("swapped " << swapped);
      CHECK_FALSE(luhn_valid(swapped));
    }
  }
}

TEST_CASE("A2.3: card numbers round trip through parse_card_number for both kinds", "[cards][number]") {
  for (const CardKind kind : {CardKind::account, CardKind::recharge}) {
    for (const std::uint64_t serial :
         {std::uint64_t{1}, std::uint64_t{9}, std::uint64_t{10}, std::uint64_t{1'000'001}, std::uint64_t{123'456'789'012},
          card_serial_max - 1, card_serial_max}) {
      const std::string number = card_number(kind, serial);
      INFO(number);
      CHECK(number.size() == card_number_digits);
      CHECK(number[0] == (kind == CardKind::account ? '1' : '2'));
      CHECK(luhn_valid(number));
      char buffer[card_number_digits];
      card_number_into(kind, serial, buffer);
      CHECK(std::string(buffer, card_number_digits) == number);
      const auto parsed = parse_card_number(number);
      REQUIRE(parsed.has_value());
      CHECK(parsed->kind == kind);
      CHECK(parsed->serial == serial);
    }
  }
  CHECK(account_card(1) == "1000000000000016");
  CHECK(std::string(card_kind_name(CardKind::account)) == "account");
  CHECK(std::string(card_kind_name(CardKind::recharge)) == "recharge");
}

TEST_CASE("A2.3: malformed card numbers are refused by parse_card_number", "[cards][number]") {
  const std::string good = voucher(4'242);
  REQUIRE(parse_card_number(good).has_value());
  CHECK_FALSE(parse_card_number(""));
  CHECK_FALSE(parse_card_number(good.substr(0, 15)));  // 15 digits
  CHECK_FALSE(parse_card_number(good + "0"));          // 17 digits
  // A valid 15- or 17-digit Luhn number is still the wrong length.
  const std::string fifteen = "20000000004242";
  CHECK_FALSE(parse_card_number(fifteen + luhn_check_digit(fifteen)));
  const std::string seventeen = "2000000000000424";
  CHECK_FALSE(parse_card_number(seventeen + "0" + luhn_check_digit(seventeen + "0")));
  // Letters, spaces, signs.
  std::string letters = good;
  letters[7] = 'a';
  CHECK_FALSE(parse_card_number(letters));
  CHECK_FALSE(parse_card_number("2000 0000 0042 42"));
  CHECK_FALSE(parse_card_number("-200000000004242"));
  // Kind digits other than 1 and 2, with a right check digit.
  for (const char kind : {'0', '3', '9'}) {
    std::string body = good.substr(0, 15);
    body[0] = kind;
    const std::string number = body + luhn_check_digit(body);
    INFO(number);
    REQUIRE(luhn_valid(number));
    CHECK_FALSE(parse_card_number(number));
  }
  // Serial 0, with a right check digit.
  for (const std::string& body : {std::string("100000000000000"), std::string("200000000000000")}) {
    const std::string number = body + luhn_check_digit(body);
    REQUIRE(luhn_valid(number));
    CHECK_FALSE(parse_card_number(number));
  }
  // Every wrong check digit.
  for (char d = '0'; d <= '9'; ++d) {
    if (d == good.back()) continue;
    std::string wrong = good;
    wrong.back() = d;
    CHECK_FALSE(parse_card_number(wrong));
  }
}

// ---- 2. PINs (A2.3) -------------------------------------------------------------------------------

struct TempDir {
  std::string path;
  TempDir() {
    char pattern[] = "/tmp/huawu-cards-test-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    REQUIRE(made != nullptr);
    path = made;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

bool all_digits(const std::string& s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

TEST_CASE("A2.3: PINs are 16 digits, derived deterministically from key and serial, different across both",
          "[cards][pin]") {
  std::array<unsigned char, 32> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 7 + 1);
  const CardKey same = make_card_key(bytes);
  CHECK(same.id == key().id);
  CHECK(same.id.size() == 16);
  bytes[31] = static_cast<unsigned char>(bytes[31] ^ 1u);
  const CardKey other = make_card_key(bytes);
  CHECK(other.id != key().id);
  CHECK(other.id.size() == 16);

  for (const std::uint64_t serial : {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{987'654}, card_serial_max}) {
    const std::string pin = derive_card_pin(key(), serial);
    INFO("serial " << serial << " pin " << pin);
    CHECK(pin.size() == card_pin_digits);
    CHECK(all_digits(pin));
    CHECK(derive_card_pin(key(), serial) == pin);
    CHECK(derive_card_pin(same, serial) == pin);
    CHECK(derive_card_pin(other, serial) != pin);
    char buffer[card_pin_digits];
    derive_card_pin(key(), serial, buffer);
    CHECK(std::string(buffer, card_pin_digits) == pin);
  }

  std::set<std::string> pins;
  for (std::uint64_t serial = 1; serial <= 10'000; ++serial) {
    const std::string pin = derive_card_pin(key(), serial);
    REQUIRE(pin.size() == card_pin_digits);
    REQUIRE(all_digits(pin));
    pins.insert(pin);
  }
  CHECK(pins.size() == 10'000);
}

TEST_CASE("A2.3: card_pin_matches accepts only the card's own PIN", "[cards][pin]") {
  const std::uint64_t serial = 31'337;
  const std::string pin = pin_of(serial);
  CHECK(card_pin_matches(key(), serial, pin));
  CHECK_FALSE(card_pin_matches(key(), serial + 1, pin));
  CHECK_FALSE(card_pin_matches(key(), serial, wrong_pin(serial)));
  std::string last_changed = pin;
  last_changed.back() = last_changed.back() == '0' ? '1' : '0';
  CHECK_FALSE(card_pin_matches(key(), serial, last_changed));
  CHECK_FALSE(card_pin_matches(key(), serial, pin.substr(0, 15)));
  CHECK_FALSE(card_pin_matches(key(), serial, pin + "0"));
  CHECK_FALSE(card_pin_matches(key(), serial, ""));
  std::array<unsigned char, 32> other_bytes{};
  other_bytes.fill(0xAB);
  CHECK_FALSE(card_pin_matches(make_card_key(other_bytes), serial, pin));
}

TEST_CASE("A2.3: load_or_create_card_key makes a 32-byte 0600 key once, loads it after, refuses a bad file",
          "[cards][pin]") {
  TempDir dir;
  const std::string path = dir.path + "/" + card_key_file_name;
  std::string why;
  const auto made = load_or_create_card_key(dir.path, &why);
  INFO(why);
  REQUIRE(made.has_value());
  CHECK(made->id.size() == 16);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK(st.st_size == 32);
  CHECK((st.st_mode & 0777u) == 0600u);

  const auto loaded = load_or_create_card_key(dir.path, &why);
  REQUIRE(loaded.has_value());
  CHECK(loaded->id == made->id);
  CHECK(loaded->bytes == made->bytes);
  CHECK(derive_card_pin(*loaded, 7) == derive_card_pin(*made, 7));

  // Another directory gets another (random) key.
  TempDir other_dir;
  const auto other = load_or_create_card_key(other_dir.path, &why);
  REQUIRE(other.has_value());
  CHECK(other->id != made->id);

  // A file of the wrong size is refused, and left as it was.
  for (const std::size_t size : {std::size_t{0}, std::size_t{31}, std::size_t{33}, std::size_t{64}}) {
    TempDir bad;
    const std::string bad_path = bad.path + "/" + card_key_file_name;
    {
      std::ofstream out(bad_path, std::ios::binary);
      out << std::string(size, 'k');
    }
    std::string bad_why;
    INFO("size " << size);
    CHECK_FALSE(load_or_create_card_key(bad.path, &bad_why).has_value());
    CHECK_FALSE(bad_why.empty());
    CHECK(std::filesystem::file_size(bad_path) == size);
  }

  // A data directory that does not exist.
  std::string missing_why;
  CHECK_FALSE(load_or_create_card_key(dir.path + "/no/such/dir", &missing_why).has_value());
  CHECK_FALSE(missing_why.empty());
}

// ---- 3. issuing batches (A2.3) ----------------------------------------------------------------------

TEST_CASE("A2.3: issuing cards: each bad request named, batch ids and serial ranges contiguous", "[cards][issue]") {
  Ledger ledger;
  add_agents(ledger);
  const std::int64_t now = ledger.now_us();
  CHECK(ledger.submit(IssueCards{"nobody", CardKind::account, 10, 50 * yuan, "retail", 0}) ==
        Rejection::agent_not_found);
  CHECK(ledger.submit(IssueCards{"", CardKind::recharge, 10, 50 * yuan, "", 0}) == Rejection::agent_id_invalid);
  CHECK(ledger.submit(IssueCards{"b j", CardKind::recharge, 10, 50 * yuan, "", 0}) == Rejection::agent_id_invalid);
  CHECK(ledger.submit(IssueCards{"bj", CardKind::account, 0, 50 * yuan, "retail", 0}) == Rejection::card_count_invalid);
  CHECK(ledger.submit(IssueCards{"bj", CardKind::recharge, limits::card_batch_count_max + 1, 50 * yuan, "", 0}) ==
        Rejection::card_count_invalid);
  CHECK(ledger.submit(IssueCards{"bj", CardKind::recharge, 10, 0, "", 0}) == Rejection::amount_must_be_positive);
  CHECK(ledger.submit(IssueCards{"bj", CardKind::recharge, 10, -50 * yuan, "", 0}) ==
        Rejection::amount_must_be_positive);
  CHECK(ledger.submit(IssueCards{"bj", CardKind::recharge, 10, limits::amount_units_max + 1, "", 0}) ==
        Rejection::amount_too_large);
  CHECK(ledger.submit(IssueCards{"bj", CardKind::recharge, 10, 50 * yuan, "retail", 0}) ==
        Rejection::card_plan_invalid);
  CHECK(ledger.submit(IssueCards{"bj", CardKind::account, 10, 50 * yuan, "gold", 0}) ==
        Rejection::rate_plan_not_found);
  CHECK(ledger.submit(IssueCards{"bj", CardKind::account, 10, 50 * yuan, "retail", now - 1}) ==
        Rejection::card_expiry_invalid);
  CHECK(ledger.submit(IssueCards{"bj", CardKind::account, 10, 50 * yuan, "retail", now}) ==
        Rejection::card_expiry_invalid);
  // Nothing was issued by any of them.
  CHECK(ledger.state().cards().card_batches_issued() == 0);
  CHECK(ledger.state().cards().next_card_serial() == 1);

  REQUIRE(ledger.submit(IssueCards{"bj", CardKind::account, 100, 50 * yuan, "retail", now + 1}) == Rejection::none);
  REQUIRE(ledger.last().events.size() == 1);
  const Event first_event = ledger.last().events[0];
  CHECK(first_event.postings.empty());  // no money moves until a card is used
  CHECK(std::get<CardBatchIssued>(first_event.payload) ==
        CardBatchIssued{"B000001", "bj", CardKind::account, 100, 1, 50 * yuan, "retail", now + 1, key().id});

  REQUIRE(ledger.submit(IssueCards{"bj-cy", CardKind::recharge, 50, 10 * yuan, "", 0}) == Rejection::none);
  CHECK(std::get<CardBatchIssued>(ledger.last().events[0].payload) ==
        CardBatchIssued{"B000002", "bj-cy", CardKind::recharge, 50, 101, 10 * yuan, "", 0, key().id});
  // An account card may open its account without a plan.
  REQUIRE(ledger.submit(IssueCards{"sh", CardKind::account, 1, 1, "", 0}) == Rejection::none);
  CHECK(std::get<CardBatchIssued>(ledger.last().events[0].payload).batch == "B000003");
  CHECK(std::get<CardBatchIssued>(ledger.last().events[0].payload).first_serial == 151);

  const Cards& cards = ledger.state().cards();
  CHECK(cards.card_batches_issued() == 3);
  CHECK(cards.next_card_serial() == 152);
  REQUIRE(cards.find_card_batch("B000002") != nullptr);
  CHECK(cards.find_card_batch("B000002")->last_serial() == 150);
  CHECK(cards.card_batch_of_serial(1) == cards.find_card_batch("B000001"));
  CHECK(cards.card_batch_of_serial(100) == cards.find_card_batch("B000001"));
  CHECK(cards.card_batch_of_serial(101) == cards.find_card_batch("B000002"));
  CHECK(cards.card_batch_of_serial(151) == cards.find_card_batch("B000003"));
  CHECK(cards.card_batch_of_serial(152) == nullptr);
  CHECK(cards.card_batch_of_serial(0) == nullptr);
  std::vector<std::string> order;
  cards.for_each_batch([&](const CardBatchState& batch) { order.push_back(batch.issued.batch); });
  CHECK(order == std::vector<std::string>{"B000001", "B000002", "B000003"});
}

TEST_CASE("A2.3: a batch of 1,000,000 cards is one small event, and the largest batch is accepted",
          "[cards][issue]") {
  Ledger ledger;
  add_agents(ledger);
  const std::size_t events_before = ledger.events().size();
  REQUIRE(ledger.submit(IssueCards{"bj", CardKind::recharge, 1'000'000, 100 * yuan, "", 0}) == Rejection::none);
  REQUIRE(ledger.last().events.size() == 1);
  CHECK(ledger.events().size() == events_before + 1);
  const std::string bytes = encode_event(ledger.last().events[0]);
  INFO("encoded size " << bytes.size());
  CHECK(bytes.size() < 1024);
  CHECK(ledger.state().cards().next_card_serial() == 1'000'001);
  // The last card of it works, the first of the next batch is not yet issued.
  open(ledger, "u-bj", "bj");
  REQUIRE(redeem(ledger, "u-bj", voucher(1'000'000), pin_of(1'000'000)) == Rejection::none);
  CHECK(balance(ledger, "u-bj") == 100 * yuan);
  REQUIRE(redeem(ledger, "u-bj", voucher(1'000'001), pin_of(1'000'001)) == Rejection::none);
  CHECK(failure_reason(ledger) == "card_not_found");

  REQUIRE(ledger.submit(IssueCards{"sh", CardKind::account, limits::card_batch_count_max, yuan, "retail", 0}) ==
          Rejection::none);
  CHECK(encode_event(ledger.last().events[0]).size() < 1024);
  CHECK(ledger.state().cards().next_card_serial() == 1'000'001 + limits::card_batch_count_max);
}

// ---- 4. activation (B2.2) ------------------------------------------------------------------------

TEST_CASE("B2.2: an account card opens the account named by its number, with its plan, agent and face value",
          "[cards][activate]") {
  Ledger ledger;
  add_agents(ledger);
  const std::uint64_t first = issue(ledger, "bj", CardKind::account, 5, 50 * yuan, "retail");
  const std::uint64_t vouchers = issue(ledger, "bj", CardKind::recharge, 5, 20 * yuan);
  open(ledger, "u-bj", "bj");
  const std::uint64_t bound_before = ledger.agents().bound_users("bj");

  const std::string number = account_card(first);
  REQUIRE(ledger.submit(ActivateCard{number, pin_of(first)}) == Rejection::none);
  REQUIRE(ledger.last().events.size() == 2);
  CHECK(std::get<AccountOpened>(ledger.last().events[0].payload) == AccountOpened{number, "retail", 0, "bj"});
  CHECK(ledger.last().events[0].postings.empty());
  CHECK(std::get<CardRedeemed>(ledger.last().events[1].payload) ==
        CardRedeemed{first, "B000001", number, CardKind::account, 50 * yuan, 50 * yuan});
  CHECK(ledger.last().events[1].postings ==
        std::vector<Posting>{Posting{LedgerAccountKind::external_cash, "", Unit::cny_units, -50 * yuan},
                             Posting{LedgerAccountKind::user_wallet, number, Unit::cny_units, 50 * yuan}});
  const AccountState& opened = account_of(ledger, number);
  CHECK(opened.status == AccountStatus::open);
  CHECK(opened.rate_plan == "retail");
  CHECK(opened.agent == "bj");
  CHECK(opened.balance_units == 50 * yuan);
  CHECK(ledger.agents().bound_users("bj") == bound_before + 1);
  REQUIRE(ledger.state().cards().find_card_use(first) != nullptr);
  CHECK(ledger.state().cards().find_card_use(first)->account == number);
  CHECK(ledger.state().cards().find_card_batch("B000001")->used == 1);

  // Once only.
  CHECK(ledger.submit(ActivateCard{number, pin_of(first)}) == Rejection::card_already_redeemed);
  CHECK(balance(ledger, number) == 50 * yuan);
  CHECK(ledger.agents().bound_users("bj") == bound_before + 1);

  // A voucher does not open an account; an account card is no voucher.
  CHECK(ledger.submit(ActivateCard{voucher(vouchers), pin_of(vouchers)}) == Rejection::card_kind_mismatch);
  CHECK(ledger.state().balances().find(voucher(vouchers)) == nullptr);
  CHECK(redeem(ledger, "u-bj", account_card(first + 1), pin_of(first + 1)) == Rejection::card_kind_mismatch);
  CHECK(balance(ledger, "u-bj") == 0);
  // Both cards are still good for what they are.
  REQUIRE(redeem(ledger, "u-bj", voucher(vouchers), pin_of(vouchers)) == Rejection::none);
  CHECK(balance(ledger, "u-bj") == 20 * yuan);
  REQUIRE(ledger.submit(ActivateCard{account_card(first + 1), pin_of(first + 1)}) == Rejection::none);
  CHECK(balance(ledger, account_card(first + 1)) == 50 * yuan);

  // The card's account redeems its agent's vouchers like any other account.
  CHECK(redeem(ledger, number, voucher(vouchers), pin_of(vouchers)) == Rejection::card_already_redeemed);
  REQUIRE(redeem(ledger, number, voucher(vouchers + 1), pin_of(vouchers + 1)) == Rejection::none);
  CHECK(balance(ledger, number) == 70 * yuan);

  // A wrong PIN or an unknown number is a recorded attempt that opens nothing.
  REQUIRE(ledger.submit(ActivateCard{account_card(first + 2), wrong_pin(first + 2)}) == Rejection::none);
  REQUIRE(failed_attempt(ledger) != nullptr);
  CHECK(*failed_attempt(ledger) == CardRedemptionFailed{first + 2, "", CardKind::account, "card_pin_invalid"});
  CHECK(ledger.state().balances().find(account_card(first + 2)) == nullptr);
  REQUIRE(ledger.submit(ActivateCard{account_card(first + 100), pin_of(first + 100)}) == Rejection::none);
  REQUIRE(failed_attempt(ledger) != nullptr);
  CHECK(*failed_attempt(ledger) == CardRedemptionFailed{0, "", CardKind::account, "card_not_found"});
  // The number with the voucher kind digit names no account card.
  REQUIRE(ledger.submit(ActivateCard{voucher(first + 2), pin_of(first + 2)}) == Rejection::none);
  CHECK(failure_reason(ledger) == "card_not_found");

  // An account that already has the card's number as its id.
  open(ledger, account_card(first + 3), "sh");
  CHECK(ledger.submit(ActivateCard{account_card(first + 3), pin_of(first + 3)}) == Rejection::account_exists);
  CHECK(ledger.state().cards().find_card_use(first + 3) == nullptr);
  CHECK(account_of(ledger, account_card(first + 3)).agent == "sh");

  // No plan on the batch: the account opens without one.
  const std::uint64_t planless = issue(ledger, "sh", CardKind::account, 1, 5 * yuan);
  REQUIRE(ledger.submit(ActivateCard{account_card(planless), pin_of(planless)}) == Rejection::none);
  CHECK(account_of(ledger, account_card(planless)).rate_plan.empty());
  CHECK(account_of(ledger, account_card(planless)).agent == "sh");
}

TEST_CASE("B2.2: voided and expired account cards open nothing", "[cards][activate]") {
  Ledger ledger;
  add_agents(ledger);
  const std::uint64_t first = issue(ledger, "bj", CardKind::account, 3, 50 * yuan, "retail");
  REQUIRE(ledger.submit(VoidCards{"B000001", first, first, "stolen"}) == Rejection::none);
  CHECK(ledger.submit(ActivateCard{account_card(first), pin_of(first)}) == Rejection::card_voided);
  const std::uint64_t expiring =
      issue(ledger, "bj", CardKind::account, 2, 50 * yuan, "retail", ledger.now_us() + 60 * 1'000'000);
  ledger.advance_seconds(61);
  CHECK(ledger.submit(ActivateCard{account_card(expiring), pin_of(expiring)}) == Rejection::card_expired);
  CHECK(ledger.state().balances().find(account_card(first)) == nullptr);
  CHECK(ledger.state().balances().find(account_card(expiring)) == nullptr);
  REQUIRE(ledger.submit(ActivateCard{account_card(first + 1), pin_of(first + 1)}) == Rejection::none);
}

// ---- 5. vouchers (A2.3) ---------------------------------------------------------------------------

TEST_CASE("A2.3: a voucher credits its face value exactly once, as CardRedeemed, not WalletRecharged",
          "[cards][voucher]") {
  Ledger ledger;
  add_agents(ledger);
  const std::uint64_t first = issue(ledger, "bj", CardKind::recharge, 10, 30 * yuan);
  open(ledger, "u-bj", "bj", 5 * yuan);
  const std::int64_t cash_before = ledger.ledger_units(LedgerAccountKind::external_cash, "");

  REQUIRE(redeem(ledger, "u-bj", voucher(first), pin_of(first)) == Rejection::none);
  REQUIRE(ledger.last().events.size() == 1);
  const Event& event = ledger.last().events[0];
  CHECK(std::get<CardRedeemed>(event.payload) ==
        CardRedeemed{first, "B000001", "u-bj", CardKind::recharge, 30 * yuan, 35 * yuan});
  CHECK(event.postings == std::vector<Posting>{
                              Posting{LedgerAccountKind::external_cash, "", Unit::cny_units, -30 * yuan},
                              Posting{LedgerAccountKind::user_wallet, "u-bj", Unit::cny_units, 30 * yuan}});
  CHECK(balance(ledger, "u-bj") == 35 * yuan);
  CHECK(ledger.ledger_units(LedgerAccountKind::external_cash, "") == cash_before - 30 * yuan);

  CHECK(redeem(ledger, "u-bj", voucher(first), pin_of(first)) == Rejection::card_already_redeemed);
  CHECK(balance(ledger, "u-bj") == 35 * yuan);
  open(ledger, "u-bj-2", "bj");
  CHECK(redeem(ledger, "u-bj-2", voucher(first), pin_of(first)) == Rejection::card_already_redeemed);
  CHECK(balance(ledger, "u-bj-2") == 0);
  REQUIRE(ledger.state().cards().find_card_use(first) != nullptr);
  CHECK(ledger.state().cards().find_card_use(first)->account == "u-bj");
  CHECK(ledger.state().cards().find_card_batch("B000001")->used == 1);

  REQUIRE(redeem(ledger, "u-bj", voucher(first + 1), pin_of(first + 1)) == Rejection::none);
  CHECK(std::get<CardRedeemed>(ledger.last().events[0].payload).balance_after_units == 65 * yuan);
  CHECK(balance(ledger, "u-bj") == 65 * yuan);

  for (const Event& e : ledger.events()) CHECK_FALSE(std::holds_alternative<WalletRecharged>(e.payload));

  // The account must exist and be open; a closed one redeems nothing.
  CHECK(redeem(ledger, "nobody", voucher(first + 2), pin_of(first + 2)) == Rejection::account_not_found);
  REQUIRE(ledger.submit(CloseAccount{"u-bj-2", CloseDisposition::none, "", ""}) == Rejection::none);
  CHECK(redeem(ledger, "u-bj-2", voucher(first + 2), pin_of(first + 2)) == Rejection::account_closed);
  CHECK(ledger.state().cards().find_card_use(first + 2) == nullptr);
}

TEST_CASE("A2.3: unknown or malformed numbers and wrong PINs are recorded attempts that move no money",
          "[cards][voucher]") {
  Ledger ledger;
  add_agents(ledger);
  const std::uint64_t first = issue(ledger, "bj", CardKind::recharge, 10, 30 * yuan);
  open(ledger, "u1", "bj", 5 * yuan);
  open(ledger, "u2", "bj", 5 * yuan);
  open(ledger, "u3", "bj", 5 * yuan);

  const auto expect_failure = [&](const std::string& account, const std::string& number, const std::string& pin,
                                  const CardRedemptionFailed& expected) {
    INFO(number << " / " << pin);
    REQUIRE(redeem(ledger, account, number, pin) == Rejection::none);
    REQUIRE(ledger.last().events.size() == 1);
    CHECK(ledger.last().events[0].postings.empty());
    REQUIRE(failed_attempt(ledger) != nullptr);
    CHECK(*failed_attempt(ledger) == expected);
  };
  // Unknown: a well-formed number past the last serial, malformed numbers, a wrong check digit,
  // and the serial of a voucher under the account-card kind digit.
  expect_failure("u1", voucher(first + 10), pin_of(first + 10),
                 CardRedemptionFailed{0, "u1", CardKind::recharge, "card_not_found"});
  expect_failure("u1", "12345", pin_of(first), CardRedemptionFailed{0, "u1", CardKind::recharge, "card_not_found"});
  std::string bad_check = voucher(first);
  bad_check.back() = bad_check.back() == '0' ? '1' : '0';
  expect_failure("u1", bad_check, pin_of(first), CardRedemptionFailed{0, "u1", CardKind::recharge, "card_not_found"});
  expect_failure("u2", account_card(first), pin_of(first),
                 CardRedemptionFailed{0, "u2", CardKind::recharge, "card_not_found"});
  expect_failure("u2", "", "", CardRedemptionFailed{0, "u2", CardKind::recharge, "card_not_found"});
  CHECK(balance(ledger, "u1") == 5 * yuan);
  CHECK(balance(ledger, "u2") == 5 * yuan);

  // Wrong PIN, also one of the wrong length: the card stays unused and the balance unchanged.
  expect_failure("u3", voucher(first), wrong_pin(first),
                 CardRedemptionFailed{first, "u3", CardKind::recharge, "card_pin_invalid"});
  expect_failure("u3", voucher(first), pin_of(first).substr(0, 15),
                 CardRedemptionFailed{first, "u3", CardKind::recharge, "card_pin_invalid"});
  CHECK(balance(ledger, "u3") == 5 * yuan);
  CHECK(ledger.state().cards().find_card_use(first) == nullptr);
  REQUIRE(ledger.state().cards().card_failures(first) != nullptr);
  CHECK(ledger.state().cards().card_failures(first)->times_us.size() == 2);
  REQUIRE(ledger.state().cards().account_card_failures("u3") != nullptr);
  CHECK(ledger.state().cards().account_card_failures("u3")->times_us.size() == 2);
  // Unknown numbers count per account, not per card.
  REQUIRE(ledger.state().cards().account_card_failures("u1") != nullptr);
  CHECK(ledger.state().cards().account_card_failures("u1")->times_us.size() == 3);
  CHECK(ledger.state().cards().card_failures(0) == nullptr);

  // The right PIN still works.
  REQUIRE(redeem(ledger, "u3", voucher(first), pin_of(first)) == Rejection::none);
  CHECK(std::holds_alternative<CardRedeemed>(ledger.last().events[0].payload));
  CHECK(balance(ledger, "u3") == 35 * yuan);
  // A spent card with a wrong PIN: still only card_pin_invalid (nothing learnt about the card).
  open(ledger, "u4", "sh");
  expect_failure("u4", voucher(first), wrong_pin(first),
                 CardRedemptionFailed{first, "u4", CardKind::recharge, "card_pin_invalid"});
}

TEST_CASE("A2.3: a voucher serves its agent's whole subtree and no one else", "[cards][voucher]") {
  Ledger ledger;
  add_agents(ledger);
  REQUIRE(ledger.submit(AddAgent{"bj-cy-1", "bj-cy", "Shop", 950}) == Rejection::none);
  const std::uint64_t of_bj = issue(ledger, "bj", CardKind::recharge, 10, 10 * yuan);
  const std::uint64_t of_cy = issue(ledger, "bj-cy", CardKind::recharge, 10, 10 * yuan);
  open(ledger, "u-bj", "bj");
  open(ledger, "u-cy", "bj-cy");
  open(ledger, "u-shop", "bj-cy-1");
  open(ledger, "u-sh", "sh");
  open(ledger, "u-direct", "");

  CHECK(redeem(ledger, "u-sh", voucher(of_bj), pin_of(of_bj)) == Rejection::card_agent_mismatch);
  CHECK(redeem(ledger, "u-direct", voucher(of_bj), pin_of(of_bj)) == Rejection::card_agent_mismatch);
  CHECK(redeem(ledger, "u-bj", voucher(of_cy), pin_of(of_cy)) == Rejection::card_agent_mismatch);  // not upwards
  CHECK(balance(ledger, "u-sh") == 0);
  CHECK(ledger.state().cards().find_card_use(of_bj) == nullptr);

  REQUIRE(redeem(ledger, "u-bj", voucher(of_bj), pin_of(of_bj)) == Rejection::none);
  REQUIRE(redeem(ledger, "u-cy", voucher(of_bj + 1), pin_of(of_bj + 1)) == Rejection::none);    // sub-agent's user
  REQUIRE(redeem(ledger, "u-shop", voucher(of_bj + 2), pin_of(of_bj + 2)) == Rejection::none);  // two levels down
  REQUIRE(redeem(ledger, "u-cy", voucher(of_cy), pin_of(of_cy)) == Rejection::none);
  REQUIRE(redeem(ledger, "u-shop", voucher(of_cy + 1), pin_of(of_cy + 1)) == Rejection::none);
  CHECK(balance(ledger, "u-bj") == 10 * yuan);
  CHECK(balance(ledger, "u-cy") == 20 * yuan);
  CHECK(balance(ledger, "u-shop") == 20 * yuan);
}

TEST_CASE("A2.3: voiding a batch or a range of it: voided cards refused, the others still work", "[cards][void]") {
  Ledger ledger;
  add_agents(ledger);
  const std::uint64_t a = issue(ledger, "bj", CardKind::recharge, 10, 10 * yuan);  // B000001: a..a+9
  const std::uint64_t b = issue(ledger, "bj", CardKind::recharge, 5, 10 * yuan);   // B000002: b..b+4
  open(ledger, "u-bj", "bj");

  // Bad requests.
  CHECK(ledger.submit(VoidCards{"B000009", 0, 0, "lost"}) == Rejection::card_batch_not_found);
  CHECK(ledger.submit(VoidCards{"", 0, 0, "lost"}) == Rejection::card_batch_not_found);
  CHECK(ledger.submit(VoidCards{"B000001", a + 4, a + 2, "lost"}) == Rejection::card_range_invalid);
  CHECK(ledger.submit(VoidCards{"B000001", a + 8, a + 10, "lost"}) == Rejection::card_range_invalid);
  CHECK(ledger.submit(VoidCards{"B000001", a + 10, a + 10, "lost"}) == Rejection::card_range_invalid);  // b's card
  CHECK(ledger.submit(VoidCards{"B000001", 0, a + 1, "lost"}) == Rejection::card_range_invalid);
  CHECK(ledger.submit(VoidCards{"B000002", a, a, "lost"}) == Rejection::card_range_invalid);
  CHECK(ledger.submit(VoidCards{"B000001", a, a, std::string("bad\nreason")}) == Rejection::text_invalid);

  // A sub-range.
  REQUIRE(ledger.submit(VoidCards{"B000001", a + 2, a + 4, "box 3 lost"}) == Rejection::none);
  CHECK(std::get<CardsVoided>(ledger.last().events[0].payload) == CardsVoided{"B000001", a + 2, a + 4, "box 3 lost"});
  CHECK(ledger.last().events[0].postings.empty());
  for (std::uint64_t s = a + 2; s <= a + 4; ++s) {
    INFO("serial " << s);
    CHECK(redeem(ledger, "u-bj", voucher(s), pin_of(s)) == Rejection::card_voided);
  }
  CHECK(balance(ledger, "u-bj") == 0);
  REQUIRE(redeem(ledger, "u-bj", voucher(a + 1), pin_of(a + 1)) == Rejection::none);
  REQUIRE(redeem(ledger, "u-bj", voucher(a + 5), pin_of(a + 5)) == Rejection::none);
  CHECK(balance(ledger, "u-bj") == 20 * yuan);
  // A voided card with a wrong PIN says only that the PIN is wrong.
  REQUIRE(redeem(ledger, "u-bj", voucher(a + 3), wrong_pin(a + 3)) == Rejection::none);
  CHECK(failure_reason(ledger) == "card_pin_invalid");

  // Voiding what is already voided, in part or in full.
  CHECK(ledger.submit(VoidCards{"B000001", a + 2, a + 4, "again"}) == Rejection::cards_already_voided);
  CHECK(ledger.submit(VoidCards{"B000001", a + 3, a + 3, "again"}) == Rejection::cards_already_voided);
  // Overlapping, with new cards in it: accepted.
  REQUIRE(ledger.submit(VoidCards{"B000001", a + 4, a + 6, "box 4 lost"}) == Rejection::none);
  CHECK(redeem(ledger, "u-bj", voucher(a + 6), pin_of(a + 6)) == Rejection::card_voided);
  CHECK(ledger.submit(VoidCards{"B000001", a + 2, a + 6, "again"}) == Rejection::cards_already_voided);
  CHECK(ledger.state().cards().find_card_batch("B000001")->voided_count() == 5);

  // The whole batch (first and last 0).
  REQUIRE(ledger.submit(VoidCards{"B000002", 0, 0, "recalled"}) == Rejection::none);
  CHECK(std::get<CardsVoided>(ledger.last().events[0].payload) == CardsVoided{"B000002", b, b + 4, "recalled"});
  for (std::uint64_t s = b; s <= b + 4; ++s) CHECK(redeem(ledger, "u-bj", voucher(s), pin_of(s)) == Rejection::card_voided);
  CHECK(ledger.submit(VoidCards{"B000002", 0, 0, "again"}) == Rejection::cards_already_voided);
  CHECK(ledger.submit(VoidCards{"B000002", b + 1, b + 3, "again"}) == Rejection::cards_already_voided);
  CHECK(ledger.state().cards().find_card_batch("B000002")->voided_count() == 5);
  // B000001's other cards are untouched by B000002's void.
  REQUIRE(redeem(ledger, "u-bj", voucher(a + 9), pin_of(a + 9)) == Rejection::none);
  CHECK(balance(ledger, "u-bj") == 30 * yuan);
  // The rest of B000001 voided as a whole: accepted, as not all of it was voided before.
  REQUIRE(ledger.submit(VoidCards{"B000001", 0, 0, "recalled"}) == Rejection::none);
  CHECK(redeem(ledger, "u-bj", voucher(a + 7), pin_of(a + 7)) == Rejection::card_voided);
  CHECK(redeem(ledger, "u-bj", voucher(a), pin_of(a)) == Rejection::card_voided);
  // Used before the void: still used, counted once, and it says so first.
  CHECK(redeem(ledger, "u-bj", voucher(a + 1), pin_of(a + 1)) == Rejection::card_already_redeemed);
  CHECK(ledger.state().cards().find_card_batch("B000001")->used == 3);
  CHECK(balance(ledger, "u-bj") == 30 * yuan);
}

TEST_CASE("A2.3: a voucher expires by ledger time: usable up to its expiry, refused after", "[cards][voucher]") {
  Ledger ledger;
  add_agents(ledger);
  const std::int64_t expires = ledger.now_us() + std::int64_t{3'600} * 1'000'000;
  const std::uint64_t first = issue(ledger, "bj", CardKind::recharge, 5, 10 * yuan, "", expires);
  open(ledger, "u-bj", "bj");
  ledger.advance_seconds(3'599);
  REQUIRE(redeem(ledger, "u-bj", voucher(first), pin_of(first)) == Rejection::none);
  ledger.advance_seconds(1);  // exactly the expiry time: still usable
  REQUIRE(ledger.now_us() == expires);
  REQUIRE(redeem(ledger, "u-bj", voucher(first + 1), pin_of(first + 1)) == Rejection::none);
  ledger.advance_seconds(1);
  CHECK(redeem(ledger, "u-bj", voucher(first + 2), pin_of(first + 2)) == Rejection::card_expired);
  ledger.advance_seconds(86'400);
  CHECK(redeem(ledger, "u-bj", voucher(first + 3), pin_of(first + 3)) == Rejection::card_expired);
  CHECK(balance(ledger, "u-bj") == 20 * yuan);
  CHECK(ledger.state().cards().find_card_use(first + 2) == nullptr);
  // Whatever the reason given, a used card is not used again after its expiry.
  CHECK(redeem(ledger, "u-bj", voucher(first), pin_of(first)) != Rejection::none);
  CHECK(balance(ledger, "u-bj") == 20 * yuan);
}

// ---- 6. the brute-force guard (A2.3) --------------------------------------------------------------

TEST_CASE("A2.3: three wrong PINs lock a card for the window, even against the right PIN", "[cards][guard]") {
  Ledger ledger(CardPolicy{3, 600});
  add_agents(ledger);
  const std::uint64_t first = issue(ledger, "bj", CardKind::recharge, 5, 10 * yuan);
  for (const char* u : {"u1", "u2", "u3", "u4"}) open(ledger, u, "bj");
  // One wrong PIN from each of three accounts: the card's own count reaches 3, no account's does.
  for (const char* u : {"u1", "u2", "u3"}) {
    REQUIRE(redeem(ledger, u, voucher(first), wrong_pin(first)) == Rejection::none);
    CHECK(failure_reason(ledger) == "card_pin_invalid");
  }
  const std::int64_t locked_at = ledger.now_us();
  REQUIRE(redeem(ledger, "u4", voucher(first), pin_of(first)) == Rejection::none);
  REQUIRE(failed_attempt(ledger) != nullptr);
  CHECK(*failed_attempt(ledger) == CardRedemptionFailed{first, "u4", CardKind::recharge, "card_locked"});
  CHECK(balance(ledger, "u4") == 0);
  // The accounts themselves are not locked: another card works for them.
  REQUIRE(redeem(ledger, "u1", voucher(first + 1), pin_of(first + 1)) == Rejection::none);
  CHECK(balance(ledger, "u1") == 10 * yuan);
  // Still locked at the end of the window, open just after it.
  ledger.advance_seconds(600);
  REQUIRE(redeem(ledger, "u4", voucher(first), pin_of(first)) == Rejection::none);
  CHECK(failure_reason(ledger) == "card_locked");
  ledger.advance_seconds(1);
  REQUIRE(ledger.now_us() == locked_at + 601 * 1'000'000);
  REQUIRE(redeem(ledger, "u4", voucher(first), pin_of(first)) == Rejection::none);
  CHECK(std::holds_alternative<CardRedeemed>(ledger.last().events[0].payload));
  CHECK(balance(ledger, "u4") == 10 * yuan);
}

TEST_CASE("A2.3: wrong PINs on different cards from one account lock that account only", "[cards][guard]") {
  Ledger ledger(CardPolicy{3, 600});
  add_agents(ledger);
  const std::uint64_t first = issue(ledger, "bj", CardKind::recharge, 10, 10 * yuan);
  open(ledger, "guesser", "bj");
  open(ledger, "honest", "bj");
  for (std::uint64_t s = first; s < first + 3; ++s) {
    REQUIRE(redeem(ledger, "guesser", voucher(s), wrong_pin(s)) == Rejection::none);
    CHECK(failure_reason(ledger) == "card_pin_invalid");
  }
  // The account is locked for any card, right PIN or not, and for unknown numbers.
  REQUIRE(redeem(ledger, "guesser", voucher(first + 5), pin_of(first + 5)) == Rejection::none);
  REQUIRE(failed_attempt(ledger) != nullptr);
  CHECK(*failed_attempt(ledger) == CardRedemptionFailed{first + 5, "guesser", CardKind::recharge, "card_locked"});
  REQUIRE(redeem(ledger, "guesser", "12345", "0") == Rejection::none);
  CHECK(*failed_attempt(ledger) == CardRedemptionFailed{0, "guesser", CardKind::recharge, "card_locked"});
  CHECK(balance(ledger, "guesser") == 0);
  // Another account redeems the same cards: no card has more than one failure.
  REQUIRE(redeem(ledger, "honest", voucher(first + 5), pin_of(first + 5)) == Rejection::none);
  REQUIRE(redeem(ledger, "honest", voucher(first), pin_of(first)) == Rejection::none);
  CHECK(balance(ledger, "honest") == 20 * yuan);
  // Unknown numbers count for the account too.
  open(ledger, "prober", "bj");
  for (int i = 0; i < 3; ++i) {
    REQUIRE(redeem(ledger, "prober", voucher(first + 100 + static_cast<std::uint64_t>(i)), "0000000000000000") ==
            Rejection::none);
    CHECK(failure_reason(ledger) == "card_not_found");
  }
  REQUIRE(redeem(ledger, "prober", voucher(first + 6), pin_of(first + 6)) == Rejection::none);
  CHECK(failure_reason(ledger) == "card_locked");
  ledger.advance_seconds(601);
  REQUIRE(redeem(ledger, "guesser", voucher(first + 7), pin_of(first + 7)) == Rejection::none);
  CHECK(balance(ledger, "guesser") == 10 * yuan);
  REQUIRE(redeem(ledger, "prober", voucher(first + 6), pin_of(first + 6)) == Rejection::none);
  CHECK(balance(ledger, "prober") == 10 * yuan);
}

TEST_CASE("A2.3: attempts refused as card_locked do not extend the lock", "[cards][guard]") {
  Ledger ledger(CardPolicy{3, 600});
  add_agents(ledger);
  const std::uint64_t first = issue(ledger, "bj", CardKind::recharge, 5, 10 * yuan);
  const std::uint64_t cards = issue(ledger, "bj", CardKind::account, 2, 10 * yuan, "retail");
  open(ledger, "u1", "bj");
  for (int i = 0; i < 3; ++i) REQUIRE(redeem(ledger, "u1", voucher(first), wrong_pin(first)) == Rejection::none);
  ledger.advance_seconds(300);
  // Many attempts while locked, for the card and from the account: recorded, not counted.
  for (int i = 0; i < 5; ++i) {
    REQUIRE(redeem(ledger, "u1", voucher(first), wrong_pin(first)) == Rejection::none);
    CHECK(failure_reason(ledger) == "card_locked");
    REQUIRE(redeem(ledger, "u1", voucher(first + 1), pin_of(first + 1)) == Rejection::none);
    CHECK(failure_reason(ledger) == "card_locked");
  }
  REQUIRE(ledger.state().cards().card_failures(first) != nullptr);
  CHECK(ledger.state().cards().card_failures(first)->times_us.size() == 3);
  CHECK(ledger.state().cards().account_card_failures("u1")->times_us.size() == 3);
  CHECK(ledger.state().cards().card_failures(first + 1) == nullptr);
  ledger.advance_seconds(301);  // 601 s after the three failures
  REQUIRE(redeem(ledger, "u1", voucher(first), pin_of(first)) == Rejection::none);
  CHECK(std::holds_alternative<CardRedeemed>(ledger.last().events[0].payload));
  CHECK(balance(ledger, "u1") == 10 * yuan);

  // Activation: wrong PINs lock the account card the same way (no account to count for).
  for (int i = 0; i < 3; ++i) {
    REQUIRE(ledger.submit(ActivateCard{account_card(cards), wrong_pin(cards)}) == Rejection::none);
    CHECK(failure_reason(ledger) == "card_pin_invalid");
  }
  REQUIRE(ledger.submit(ActivateCard{account_card(cards), pin_of(cards)}) == Rejection::none);
  REQUIRE(failed_attempt(ledger) != nullptr);
  CHECK(*failed_attempt(ledger) == CardRedemptionFailed{cards, "", CardKind::account, "card_locked"});
  CHECK(ledger.state().balances().find(account_card(cards)) == nullptr);
  REQUIRE(ledger.submit(ActivateCard{account_card(cards + 1), pin_of(cards + 1)}) == Rejection::none);
  ledger.advance_seconds(601);
  REQUIRE(ledger.submit(ActivateCard{account_card(cards), pin_of(cards)}) == Rejection::none);
  CHECK(balance(ledger, account_card(cards)) == 10 * yuan);
}

// ---- 7. one writer batch ------------------------------------------------------------------------

// A committed state rebuilt from a ledger's events (what the writer has on disk).
void rebuild(const Ledger& ledger, LedgerState& state) {
  std::uint64_t sequence = 0;
  for (const Event& event : ledger.events()) {
    ++sequence;
    const std::string problem = state.problem(sequence, event);
    INFO(problem);
    REQUIRE(problem.empty());
    state.apply(sequence, event);
  }
}

using test::commit_batch;

Request request(Command command, const std::string& idempotency_key) {
  return Request{std::move(command), idempotency_key, "local:operator", 0};
}

TEST_CASE("A2.3: a voucher redeemed twice within one writer batch is credited once", "[cards][batch]") {
  Ledger ledger;
  add_agents(ledger);
  const std::uint64_t first = issue(ledger, "bj", CardKind::recharge, 5, 10 * yuan);
  const std::uint64_t cards = issue(ledger, "bj", CardKind::account, 2, 10 * yuan, "retail");
  open(ledger, "u-bj", "bj", yuan);
  open(ledger, "u-bj-2", "bj");
  LedgerState state;
  rebuild(ledger, state);
  test::AheadView view(state, DecideSettings{CallPolicy{}, CardPolicy{}, test::test_card_key(), nullptr, {}});
  const std::int64_t now = ledger.now_us();
  std::uint64_t sequence = state.applied_through();

  const Decision d1 = decide(view, request(RedeemCard{"u-bj", voucher(first), pin_of(first)}, "b-1"), now);
  REQUIRE(d1.rejection == Rejection::none);
  REQUIRE(d1.events.size() == 1);
  view.apply(++sequence, d1.events[0]);  // pending: not yet applied to the state
  CHECK(state.cards().find_card_use(first) == nullptr);
  REQUIRE(view.find_card_use(first) != nullptr);
  CHECK(view.find_account("u-bj")->balance_units == 11 * yuan);

  const Decision d2 = decide(view, request(RedeemCard{"u-bj", voucher(first), pin_of(first)}, "b-2"), now);
  CHECK(d2.rejection == Rejection::card_already_redeemed);
  CHECK(d2.events.empty());
  const Decision d3 = decide(view, request(RedeemCard{"u-bj-2", voucher(first), pin_of(first)}, "b-3"), now);
  CHECK(d3.rejection == Rejection::card_already_redeemed);

  // Activations too: the second sees the first's pending use.
  const Decision a1 = decide(view, request(ActivateCard{account_card(cards), pin_of(cards)}, "b-4"), now);
  REQUIRE(a1.rejection == Rejection::none);
  REQUIRE(a1.events.size() == 2);
  for (const Event& event : a1.events) view.apply(++sequence, event);
  const Decision a2 = decide(view, request(ActivateCard{account_card(cards), pin_of(cards)}, "b-5"), now);
  CHECK(a2.rejection == Rejection::card_already_redeemed);

  // A batch issued and used within the same writer batch: the next batch id and serials follow it.
  const Decision i1 = decide(view, request(IssueCards{"bj", CardKind::recharge, 3, 5 * yuan, "", 0}, "b-6"), now);
  REQUIRE(i1.rejection == Rejection::none);
  const auto& issued = std::get<CardBatchIssued>(i1.events.at(0).payload);
  CHECK(issued.batch == "B000003");
  CHECK(issued.first_serial == cards + 2);
  view.apply(++sequence, i1.events[0]);
  const Decision i2 = decide(view, request(IssueCards{"bj", CardKind::recharge, 3, 5 * yuan, "", 0}, "b-7"), now);
  REQUIRE(i2.rejection == Rejection::none);
  CHECK(std::get<CardBatchIssued>(i2.events.at(0).payload).batch == "B000004");
  CHECK(std::get<CardBatchIssued>(i2.events.at(0).payload).first_serial == cards + 5);
  view.apply(++sequence, i2.events[0]);
  const Decision r1 = decide(view, request(RedeemCard{"u-bj-2", voucher(cards + 5), pin_of(cards + 5)}, "b-8"), now);
  REQUIRE(r1.rejection == Rejection::none);
  view.apply(++sequence, r1.events.at(0));

  // The batch becomes durable: applied to the committed state, which then equals the one that ran ahead.
  std::vector<Event> batch{d1.events[0]};
  batch.insert(batch.end(), a1.events.begin(), a1.events.end());
  batch.push_back(i1.events[0]);
  batch.push_back(i2.events[0]);
  batch.push_back(r1.events[0]);
  commit_batch(state, view, batch, sequence);
  std::string why;
  const bool held = state.check_invariants(&why);
  INFO(why);
  CHECK(held);
  CHECK(state.balances().find("u-bj")->balance_units == 11 * yuan);
  CHECK(state.balances().find("u-bj-2")->balance_units == 5 * yuan);
  CHECK(decide(view, request(RedeemCard{"u-bj-2", voucher(first), pin_of(first)}, "b-9"), now).rejection ==
        Rejection::card_already_redeemed);
  CHECK(state.cards().find_card_batch("B000001")->used == 1);
}

TEST_CASE("A2.3: voids and failed attempts pending in one writer batch count for the requests after them",
          "[cards][batch][guard]") {
  Ledger ledger;
  add_agents(ledger);
  const std::uint64_t first = issue(ledger, "bj", CardKind::recharge, 10, 10 * yuan);
  open(ledger, "u1", "bj");
  open(ledger, "u2", "bj");
  LedgerState state;
  rebuild(ledger, state);
  test::AheadView view(state, DecideSettings{CallPolicy{}, CardPolicy{2, 600}, test::test_card_key(), nullptr, {}});
  const std::int64_t now = ledger.now_us();
  std::uint64_t sequence = state.applied_through();
  int n = 0;
  std::vector<Event> decided;  // the writer batch, in order
  const auto decide_and_apply = [&](Command command) {
    Decision d = decide(view, request(std::move(command), "p-" + std::to_string(n++)), now);
    for (const Event& event : d.events) {
      view.apply(++sequence, event);
      decided.push_back(event);
    }
    return d;
  };
  // A void pending: its cards are refused, and voiding them again is too.
  REQUIRE(decide_and_apply(VoidCards{"B000001", first, first + 1, "lost"}).rejection == Rejection::none);
  CHECK(state.cards().find_card_batch("B000001")->voids.empty());
  CHECK(decide_and_apply(RedeemCard{"u1", voucher(first + 1), pin_of(first + 1)}).rejection == Rejection::card_voided);
  CHECK(decide_and_apply(VoidCards{"B000001", first, first, "again"}).rejection == Rejection::cards_already_voided);
  // Two failures pending lock the card (policy 2) before either is committed.
  for (const char* u : {"u1", "u2"}) {
    const Decision d = decide_and_apply(RedeemCard{u, voucher(first + 2), wrong_pin(first + 2)});
    REQUIRE(d.events.size() == 1);
    CHECK(std::get<CardRedemptionFailed>(d.events[0].payload).reason == "card_pin_invalid");
  }
  CHECK(state.cards().card_failures(first + 2) == nullptr);
  const Decision locked = decide_and_apply(RedeemCard{"u2", voucher(first + 2), pin_of(first + 2)});
  REQUIRE(locked.events.size() == 1);
  CHECK(std::get<CardRedemptionFailed>(locked.events[0].payload) ==
        CardRedemptionFailed{first + 2, "u2", CardKind::recharge, "card_locked"});
  const Decision fine = decide_and_apply(RedeemCard{"u2", voucher(first + 3), pin_of(first + 3)});
  REQUIRE(fine.rejection == Rejection::none);
  CHECK(std::holds_alternative<CardRedeemed>(fine.events.at(0).payload));
  REQUIRE(view.card_failures(first + 2) != nullptr);
  CHECK(view.card_failures(first + 2)->times_us.size() == 2);  // card_locked not counted
  // Durable and applied to the committed state: it now answers the same.
  commit_batch(state, view, decided, sequence);
  std::string why;
  CHECK(state.check_invariants(&why));
  REQUIRE(state.cards().card_failures(first + 2) != nullptr);
  CHECK(state.cards().card_failures(first + 2)->times_us.size() == 2);
  CHECK(state.cards().find_card_batch("B000001")->voids.size() == 1);
  CHECK(state.balances().find("u2")->balance_units == 10 * yuan);
  const Decision after = decide(view, request(RedeemCard{"u1", voucher(first + 2), pin_of(first + 2)}, "p-x"), now);
  REQUIRE(after.events.size() == 1);
  CHECK(std::get<CardRedemptionFailed>(after.events[0].payload).reason == "card_locked");
  CHECK(decide(view, request(RedeemCard{"u1", voucher(first), pin_of(first)}, "p-y"), now).rejection ==
        Rejection::card_voided);
}

TEST_CASE("A2.3: a ledger without the PIN key a batch was issued with checks no PIN and issues no card",
          "[cards][pin][batch]") {
  Ledger ledger;
  add_agents(ledger);
  const std::uint64_t first = issue(ledger, "bj", CardKind::recharge, 5, 10 * yuan);
  const std::uint64_t cards = issue(ledger, "bj", CardKind::account, 2, 10 * yuan, "retail");
  open(ledger, "u1", "bj");
  LedgerState state;
  rebuild(ledger, state);
  const std::int64_t now = ledger.now_us();
  std::array<unsigned char, 32> other_bytes{};
  other_bytes.fill(0x5A);
  const auto other_key = std::make_shared<const CardKey>(make_card_key(other_bytes));
  test::AheadView other(state, DecideSettings{CallPolicy{}, CardPolicy{}, other_key, nullptr, {}});
  CHECK(decide(other, request(RedeemCard{"u1", voucher(first), pin_of(first)}, "o-1"), now).rejection ==
        Rejection::card_key_missing);
  CHECK(decide(other, request(RedeemCard{"u1", voucher(first), derive_card_pin(*other_key, first)}, "o-2"), now)
            .rejection == Rejection::card_key_missing);
  CHECK(decide(other, request(ActivateCard{account_card(cards), pin_of(cards)}, "o-3"), now).rejection ==
        Rejection::card_key_missing);
  // A batch issued there records that ledger's key.
  const Decision issued = decide(other, request(IssueCards{"bj", CardKind::recharge, 1, yuan, "", 0}, "o-4"), now);
  REQUIRE(issued.rejection == Rejection::none);
  CHECK(std::get<CardBatchIssued>(issued.events.at(0).payload).key_id == other_key->id);

  test::AheadView keyless(state, DecideSettings{CallPolicy{}, CardPolicy{}, nullptr, nullptr, {}});
  CHECK(decide(keyless, request(IssueCards{"bj", CardKind::recharge, 1, yuan, "", 0}, "n-1"), now).rejection ==
        Rejection::card_key_missing);
  CHECK(decide(keyless, request(RedeemCard{"u1", voucher(first), pin_of(first)}, "n-2"), now).rejection ==
        Rejection::card_key_missing);
  // Unknown numbers are still recorded attempts: nothing about the key is needed to say so.
  const Decision unknown = decide(keyless, request(RedeemCard{"u1", voucher(first + 100), pin_of(first)}, "n-3"), now);
  REQUIRE(unknown.rejection == Rejection::none);
  CHECK(std::get<CardRedemptionFailed>(unknown.events.at(0).payload).reason == "card_not_found");
}

TEST_CASE("A2.3: the PIN is in no request fingerprint, no event and no snapshot", "[cards][pin]") {
  CHECK(request_fingerprint(RedeemCard{"u1", voucher(7), pin_of(7)}) ==
        request_fingerprint(RedeemCard{"u1", voucher(7), wrong_pin(7)}));
  CHECK(request_fingerprint(RedeemCard{"u1", voucher(7), pin_of(7)}) !=
        request_fingerprint(RedeemCard{"u1", voucher(8), pin_of(7)}));
  CHECK(request_fingerprint(RedeemCard{"u1", voucher(7), pin_of(7)}) !=
        request_fingerprint(RedeemCard{"u2", voucher(7), pin_of(7)}));
  CHECK(request_fingerprint(ActivateCard{account_card(7), pin_of(7)}) ==
        request_fingerprint(ActivateCard{account_card(7), "x"}));
  CHECK(request_fingerprint(ActivateCard{account_card(7), pin_of(7)}) !=
        request_fingerprint(ActivateCard{account_card(8), pin_of(7)}));

  Ledger ledger(CardPolicy{3, 600});
  add_agents(ledger);
  const std::uint64_t first = issue(ledger, "bj", CardKind::recharge, 5, 10 * yuan);
  const std::uint64_t cards = issue(ledger, "bj", CardKind::account, 2, 10 * yuan, "retail");
  open(ledger, "u1", "bj");
  std::vector<std::string> pins;
  for (std::uint64_t s = first; s < first + 3; ++s) {
    REQUIRE(redeem(ledger, "u1", voucher(s), pin_of(s)) == Rejection::none);
    pins.push_back(pin_of(s));
  }
  REQUIRE(redeem(ledger, "u1", voucher(first + 3), wrong_pin(first + 3)) == Rejection::none);
  pins.push_back(wrong_pin(first + 3));
  pins.push_back(pin_of(first + 3));
  REQUIRE(ledger.submit(ActivateCard{account_card(cards), pin_of(cards)}) == Rejection::none);
  pins.push_back(pin_of(cards));
  REQUIRE(ledger.submit(ActivateCard{account_card(cards + 1), wrong_pin(cards + 1)}) == Rejection::none);
  pins.push_back(wrong_pin(cards + 1));
  std::string everything = ledger.state().serialize();
  for (const Event& event : ledger.events()) everything += encode_event(event);
  for (const std::string& pin : pins) {
    INFO(pin);
    CHECK(everything.find(pin) == std::string::npos);
    CHECK(everything.find(pin.substr(0, 8)) == std::string::npos);
    CHECK(everything.find(pin.substr(8)) == std::string::npos);
  }
}

TEST_CASE("A2.3: a voucher redeemed while a call holds money: balance after counts the hold", "[cards][voucher][calls]") {
  Ledger ledger;
  add_agents(ledger);
  REQUIRE(ledger.submit(RecordAgentPayment{"bj", AgentPaymentKind::traffic, 850'000, "bank-bj"}) == Rejection::none);
  REQUIRE(ledger.submit(BuyTraffic{"bj", 100}) == Rejection::none);
  const std::uint64_t first = issue(ledger, "bj", CardKind::recharge, 2, 10 * yuan);
  open(ledger, "u-bj", "bj", 5 * yuan);
  REQUIRE(ledger.switch_reason(authorize_call("c1", "u-bj", 120)) == "");
  const AccountState before = account_of(ledger, "u-bj");
  REQUIRE(before.held_units > 0);
  REQUIRE(redeem(ledger, "u-bj", voucher(first), pin_of(first)) == Rejection::none);
  CHECK(std::get<CardRedeemed>(ledger.last().events.at(0).payload).balance_after_units == 15 * yuan);
  CHECK(account_of(ledger, "u-bj").balance_units == before.balance_units + 10 * yuan);
  CHECK(account_of(ledger, "u-bj").held_units == before.held_units);
  // The hold also keeps the account from moving or closing.
  CHECK(ledger.submit(TransferAccount{"u-bj", "sh", ConsentParty::provider, "letter-1"}) ==
        Rejection::account_has_holds);
  CHECK(ledger.submit(CloseAccount{"u-bj", CloseDisposition::refund, "", "p-1"}) == Rejection::account_has_holds);
}

// ---- 8. closing (issue 5) ---------------------------------------------------------------------------

TEST_CASE("issue 5: closing with a balance needs a disposition: refund, transfer within the agent, or forfeit",
          "[cards][close]") {
  Ledger ledger;
  add_agents(ledger);
  open(ledger, "u-a", "bj", 10 * yuan);
  open(ledger, "u-b", "bj", 1 * yuan);
  open(ledger, "u-c", "sh", 1 * yuan);
  open(ledger, "u-f", "bj", 7 * yuan + 77);
  open(ledger, "u-x", "bj", 12 * yuan + 3'456);
  open(ledger, "u-zero", "bj");

  CHECK(ledger.submit(CloseAccount{"u-a", CloseDisposition::none, "", ""}) == Rejection::account_has_balance);
  CHECK(account_of(ledger, "u-a").status == AccountStatus::open);
  CHECK(ledger.submit(CloseAccount{"nobody", CloseDisposition::refund, "", "p"}) == Rejection::account_not_found);
  // A zero balance closes with no disposition.
  REQUIRE(ledger.submit(CloseAccount{"u-zero", CloseDisposition::none, "", ""}) == Rejection::none);
  CHECK(std::get<AccountClosed>(ledger.last().events[0].payload) ==
        AccountClosed{"u-zero", 0, BalanceDisposition::none, "", ""});
  CHECK(ledger.submit(CloseAccount{"u-zero", CloseDisposition::none, "", ""}) == Rejection::account_closed);

  // Refund: to external cash, with its reference.
  const std::int64_t cash = ledger.ledger_units(LedgerAccountKind::external_cash, "");
  REQUIRE(ledger.submit(CloseAccount{"u-a", CloseDisposition::refund, "", "payout-88"}) == Rejection::none);
  const Event& refunded = ledger.last().events.at(0);
  CHECK(std::get<AccountClosed>(refunded.payload) ==
        AccountClosed{"u-a", 10 * yuan, BalanceDisposition::refunded, "", "payout-88"});
  CHECK(refunded.postings ==
        std::vector<Posting>{Posting{LedgerAccountKind::external_cash, "", Unit::cny_units, 10 * yuan},
                             Posting{LedgerAccountKind::user_wallet, "u-a", Unit::cny_units, -10 * yuan}});
  CHECK(ledger.ledger_units(LedgerAccountKind::external_cash, "") == cash + 10 * yuan);
  CHECK(account_of(ledger, "u-a").status == AccountStatus::closed);
  CHECK(balance(ledger, "u-a") == 0);

  // Transfer: bad targets first.
  CHECK(ledger.submit(CloseAccount{"u-x", CloseDisposition::transfer, "u-c", ""}) ==
        Rejection::transfer_agent_mismatch);
  CHECK(ledger.submit(CloseAccount{"u-x", CloseDisposition::transfer, "u-x", ""}) ==
        Rejection::transfer_target_invalid);
  CHECK(ledger.submit(CloseAccount{"u-x", CloseDisposition::transfer, "nobody", ""}) ==
        Rejection::transfer_target_invalid);
  CHECK(ledger.submit(CloseAccount{"u-x", CloseDisposition::transfer, "u-a", ""}) ==
        Rejection::transfer_target_invalid);  // closed
  CHECK(ledger.submit(CloseAccount{"u-x", CloseDisposition::transfer, "", ""}) == Rejection::transfer_target_invalid);
  CHECK(ledger.submit(CloseAccount{"u-x", CloseDisposition::transfer, "bad id!", ""}) ==
        Rejection::transfer_target_invalid);
  CHECK(balance(ledger, "u-x") == 12 * yuan + 3'456);
  CHECK(balance(ledger, "u-c") == 1 * yuan);
  const std::int64_t cash_before_transfer = ledger.ledger_units(LedgerAccountKind::external_cash, "");
  REQUIRE(ledger.submit(CloseAccount{"u-x", CloseDisposition::transfer, "u-b", ""}) == Rejection::none);
  const Event& transferred = ledger.last().events.at(0);
  CHECK(std::get<AccountClosed>(transferred.payload) ==
        AccountClosed{"u-x", 12 * yuan + 3'456, BalanceDisposition::transferred, "u-b", ""});
  CHECK(transferred.postings ==
        std::vector<Posting>{Posting{LedgerAccountKind::user_wallet, "u-x", Unit::cny_units, -(12 * yuan + 3'456)},
                             Posting{LedgerAccountKind::user_wallet, "u-b", Unit::cny_units, 12 * yuan + 3'456}});
  CHECK(balance(ledger, "u-x") == 0);
  CHECK(account_of(ledger, "u-x").status == AccountStatus::closed);
  CHECK(balance(ledger, "u-b") == 13 * yuan + 3'456);
  CHECK(ledger.ledger_units(LedgerAccountKind::external_cash, "") == cash_before_transfer);

  // Forfeit: kept in the agent's forfeited balances.
  CHECK(ledger.ledger_units(LedgerAccountKind::forfeited_balances, "bj") == 0);
  REQUIRE(ledger.submit(CloseAccount{"u-f", CloseDisposition::forfeit, "", ""}) == Rejection::none);
  CHECK(std::get<AccountClosed>(ledger.last().events[0].payload) ==
        AccountClosed{"u-f", 7 * yuan + 77, BalanceDisposition::forfeited, "", ""});
  CHECK(ledger.ledger_units(LedgerAccountKind::forfeited_balances, "bj") == 7 * yuan + 77);
  CHECK(ledger.ledger_units(LedgerAccountKind::forfeited_balances, "sh") == 0);
  CHECK(balance(ledger, "u-f") == 0);
  // Another forfeit by a user of sh goes to sh's, not bj's.
  REQUIRE(ledger.submit(CloseAccount{"u-c", CloseDisposition::forfeit, "", ""}) == Rejection::none);
  CHECK(ledger.ledger_units(LedgerAccountKind::forfeited_balances, "sh") == 1 * yuan);
  CHECK(ledger.ledger_units(LedgerAccountKind::forfeited_balances, "bj") == 7 * yuan + 77);
}

TEST_CASE("issue 5: an account with a call in progress does not close, and closes once it is settled",
          "[cards][close][calls]") {
  Ledger ledger;
  open(ledger, "u-h", "", 100 * yuan);
  open(ledger, "u-t", "", 0);
  REQUIRE(ledger.switch_reason(authorize_call("c1", "u-h", 60)) == "");
  REQUIRE(account_of(ledger, "u-h").held_units > 0);
  CHECK(ledger.submit(CloseAccount{"u-h", CloseDisposition::refund, "", "p-1"}) == Rejection::account_has_holds);
  CHECK(ledger.submit(CloseAccount{"u-h", CloseDisposition::forfeit, "", ""}) == Rejection::account_has_holds);
  CHECK(ledger.submit(CloseAccount{"u-h", CloseDisposition::transfer, "u-t", ""}) == Rejection::account_has_holds);
  CHECK(ledger.submit(CloseAccount{"u-h", CloseDisposition::none, "", ""}) == Rejection::account_has_holds);
  CHECK(account_of(ledger, "u-h").status == AccountStatus::open);
  // 30 s on 60/60 blocks at 10 fen a minute: 10 fen.
  REQUIRE(ledger.switch_reason(SettleCall{"c1", test::agents_start_us, 30'000, 16}) == "");
  CHECK(account_of(ledger, "u-h").held_units == 0);
  CHECK(balance(ledger, "u-h") == 100 * yuan - 10 * fen);
  REQUIRE(ledger.submit(CloseAccount{"u-h", CloseDisposition::transfer, "u-t", ""}) == Rejection::none);
  CHECK(balance(ledger, "u-t") == 100 * yuan - 10 * fen);
  CHECK(std::get<AccountClosed>(ledger.last().events[0].payload).remaining_balance_units == 100 * yuan - 10 * fen);
}

// ---- 9. transfer between agents (6.3) --------------------------------------------------------

TEST_CASE("6.3: a user moves to another agent only with written consent", "[cards][transfer]") {
  Ledger ledger;
  add_agents(ledger);
  const std::uint64_t of_bj = issue(ledger, "bj", CardKind::recharge, 5, 10 * yuan);
  const std::uint64_t of_sh = issue(ledger, "sh", CardKind::recharge, 5, 10 * yuan);
  open(ledger, "u-t", "bj", 3 * yuan);
  open(ledger, "u-bj", "bj");
  const std::uint64_t bj_before = ledger.agents().bound_users("bj");
  const std::uint64_t sh_before = ledger.agents().bound_users("sh");

  CHECK(ledger.submit(TransferAccount{"u-t", "sh", ConsentParty::provider, ""}) == Rejection::consent_required);
  CHECK(ledger.submit(TransferAccount{"u-t", "sh", ConsentParty::both_agents, ""}) == Rejection::consent_required);
  CHECK(ledger.submit(TransferAccount{"u-t", "bj", ConsentParty::provider, "letter-1"}) == Rejection::agent_unchanged);
  CHECK(ledger.submit(TransferAccount{"u-t", "nobody", ConsentParty::provider, "letter-1"}) ==
        Rejection::agent_not_found);
  CHECK(ledger.submit(TransferAccount{"u-t", "bad agent", ConsentParty::provider, "letter-1"}) ==
        Rejection::agent_id_invalid);
  CHECK(ledger.submit(TransferAccount{"nobody", "sh", ConsentParty::provider, "letter-1"}) ==
        Rejection::account_not_found);
  CHECK(account_of(ledger, "u-t").agent == "bj");

  REQUIRE(ledger.submit(TransferAccount{"u-t", "sh", ConsentParty::both_agents, "letter-2025-001"}) ==
          Rejection::none);
  REQUIRE(ledger.last().events.size() == 1);
  CHECK(ledger.last().events[0].postings.empty());
  CHECK(std::get<AccountTransferred>(ledger.last().events[0].payload) ==
        AccountTransferred{"u-t", "bj", "sh", ConsentParty::both_agents, "letter-2025-001"});
  CHECK(account_of(ledger, "u-t").agent == "sh");
  CHECK(balance(ledger, "u-t") == 3 * yuan);  // the money moves with the user
  CHECK(ledger.agents().bound_users("bj") == bj_before - 1);
  CHECK(ledger.agents().bound_users("sh") == sh_before + 1);
  CHECK(ledger.submit(TransferAccount{"u-t", "sh", ConsentParty::provider, "letter-2"}) == Rejection::agent_unchanged);

  // Vouchers follow the new agent.
  CHECK(redeem(ledger, "u-t", voucher(of_bj), pin_of(of_bj)) == Rejection::card_agent_mismatch);
  REQUIRE(redeem(ledger, "u-t", voucher(of_sh), pin_of(of_sh)) == Rejection::none);
  CHECK(balance(ledger, "u-t") == 13 * yuan);

  // To the provider's own users and back.
  REQUIRE(ledger.submit(TransferAccount{"u-t", "", ConsentParty::provider, "letter-3"}) == Rejection::none);
  CHECK(account_of(ledger, "u-t").agent.empty());
  CHECK(ledger.agents().bound_users("sh") == sh_before);
  CHECK(ledger.submit(TransferAccount{"u-t", "", ConsentParty::provider, "letter-4"}) == Rejection::agent_unchanged);
  REQUIRE(ledger.submit(TransferAccount{"u-t", "bj-cy", ConsentParty::provider, "letter-5"}) == Rejection::none);
  CHECK(ledger.agents().bound_users("bj-cy") == 1);

  // A closed account moves nowhere.
  REQUIRE(ledger.submit(CloseAccount{"u-bj", CloseDisposition::none, "", ""}) == Rejection::none);
  CHECK(ledger.submit(TransferAccount{"u-bj", "sh", ConsentParty::provider, "letter-6"}) == Rejection::account_closed);
}

TEST_CASE("6.3: a user with a call in progress is not moved until the call settles", "[cards][transfer][calls]") {
  Ledger ledger;
  add_agents(ledger);
  open(ledger, "u-p", "", 10 * yuan);
  REQUIRE(ledger.switch_reason(authorize_call("c1", "u-p", 60)) == "");
  CHECK(ledger.submit(TransferAccount{"u-p", "bj", ConsentParty::provider, "letter-1"}) ==
        Rejection::account_has_holds);
  CHECK(account_of(ledger, "u-p").agent.empty());
  REQUIRE(ledger.switch_reason(SettleCall{"c1", test::agents_start_us, 0, 16}) == "");
  REQUIRE(ledger.submit(TransferAccount{"u-p", "bj", ConsentParty::provider, "letter-1"}) == Rejection::none);
  CHECK(account_of(ledger, "u-p").agent == "bj");
  CHECK(ledger.agents().bound_users("bj") == 1);
}

// ---- 10. replay (A2.4) ------------------------------------------------------------------------------

TEST_CASE("A2.4: a mixed card scenario rebuilds byte for byte, survives a snapshot, and counts account cards",
          "[cards][replay]") {
  Ledger ledger(CardPolicy{3, 600});
  add_agents(ledger);
  const std::uint64_t bj_cards = issue(ledger, "bj", CardKind::account, 10, 50 * yuan, "retail");  // B000001
  const std::uint64_t cy_cards = issue(ledger, "bj-cy", CardKind::account, 5, 20 * yuan, "retail");  // B000002
  const std::uint64_t bj_vouchers = issue(ledger, "bj", CardKind::recharge, 20, 10 * yuan);  // B000003
  const std::uint64_t bj_more = issue(ledger, "bj", CardKind::account, 3, 30 * yuan, "retail",
                                      ledger.now_us() + std::int64_t{86'400} * 1'000'000);  // B000004
  for (std::uint64_t s = bj_cards; s < bj_cards + 3; ++s) {
    REQUIRE(ledger.submit(ActivateCard{account_card(s), pin_of(s)}) == Rejection::none);
    ledger.advance_seconds(10);
  }
  REQUIRE(ledger.submit(ActivateCard{account_card(cy_cards), pin_of(cy_cards)}) == Rejection::none);
  REQUIRE(ledger.submit(VoidCards{"B000001", bj_cards + 8, bj_cards + 9, "damaged"}) == Rejection::none);
  REQUIRE(ledger.submit(VoidCards{"B000002", cy_cards + 1, cy_cards + 4, "recalled"}) == Rejection::none);
  REQUIRE(ledger.submit(VoidCards{"B000004", bj_more, bj_more + 1, "lost"}) == Rejection::none);
  REQUIRE(ledger.submit(VoidCards{"B000004", bj_more + 1, bj_more + 2, "lost"}) == Rejection::none);
  REQUIRE(ledger.submit(VoidCards{"B000003", bj_vouchers + 15, bj_vouchers + 19, "lost"}) == Rejection::none);
  const std::string c1 = account_card(bj_cards), c2 = account_card(bj_cards + 1), c3 = account_card(bj_cards + 2);
  const std::string cy1 = account_card(cy_cards);
  REQUIRE(redeem(ledger, c1, voucher(bj_vouchers), pin_of(bj_vouchers)) == Rejection::none);
  REQUIRE(redeem(ledger, cy1, voucher(bj_vouchers + 1), pin_of(bj_vouchers + 1)) == Rejection::none);
  REQUIRE(redeem(ledger, c2, voucher(bj_vouchers + 2), wrong_pin(bj_vouchers + 2)) == Rejection::none);
  REQUIRE(redeem(ledger, c2, "99", "1") == Rejection::none);
  REQUIRE(ledger.submit(ActivateCard{account_card(bj_cards + 5), wrong_pin(bj_cards + 5)}) == Rejection::none);
  REQUIRE(redeem(ledger, c2, voucher(bj_vouchers + 3), wrong_pin(bj_vouchers + 3)) == Rejection::none);
  REQUIRE(redeem(ledger, c2, voucher(bj_vouchers + 4), pin_of(bj_vouchers + 4)) == Rejection::none);
  CHECK(failure_reason(ledger) == "card_locked");
  ledger.advance_seconds(100);
  open(ledger, "u-sh", "sh", 2 * yuan);
  REQUIRE(ledger.submit(TransferAccount{c3, "sh", ConsentParty::both_agents, "letter-7"}) == Rejection::none);
  REQUIRE(ledger.submit(CloseAccount{c3, CloseDisposition::transfer, "u-sh", ""}) == Rejection::none);
  REQUIRE(ledger.submit(CloseAccount{c1, CloseDisposition::forfeit, "", ""}) == Rejection::none);
  REQUIRE(ledger.submit(CloseAccount{cy1, CloseDisposition::refund, "", "payout-1"}) == Rejection::none);
  CHECK(ledger.submit(CloseAccount{c2, CloseDisposition::none, "", ""}) == Rejection::account_has_balance);
  REQUIRE(redeem(ledger, c2, voucher(bj_vouchers), pin_of(bj_vouchers)) == Rejection::none);
  CHECK(failure_reason(ledger) == "card_locked");
  ledger.advance_seconds(700);
  CHECK(redeem(ledger, c2, voucher(bj_vouchers), pin_of(bj_vouchers)) == Rejection::card_already_redeemed);
  REQUIRE(redeem(ledger, c2, voucher(bj_vouchers + 5), pin_of(bj_vouchers + 5)) == Rejection::none);
  CHECK(balance(ledger, c2) == 60 * yuan);
  CHECK(balance(ledger, "u-sh") == 52 * yuan);
  CHECK(ledger.ledger_units(LedgerAccountKind::forfeited_balances, "bj") == 60 * yuan);

  // A2.4: generated, activated and voided account cards per agent (vouchers not counted).
  const AccountCardCounts bj = ledger.state().cards().account_cards_of("bj");
  CHECK(bj.generated == 13);
  CHECK(bj.activated == 3);
  CHECK(bj.voided == 5);  // 2 of B000001, 3 of B000004 (overlapping voids counted once)
  const AccountCardCounts cy = ledger.state().cards().account_cards_of("bj-cy");
  CHECK(cy.generated == 5);
  CHECK(cy.activated == 1);
  CHECK(cy.voided == 4);
  const AccountCardCounts sh = ledger.state().cards().account_cards_of("sh");
  CHECK(sh.generated == 0);
  CHECK(sh.activated == 0);
  CHECK(sh.voided == 0);

  // Rebuild from sequence 1 equals the live state.
  LedgerState rebuilt;
  rebuild(ledger, rebuilt);
  const std::string live = ledger.state().serialize();
  CHECK(rebuilt.serialize() == live);
  CHECK(rebuilt.applied_through() == ledger.events().size());
  std::string why;
  CHECK(rebuilt.check_invariants(&why));
  CHECK(rebuilt.cards().check_invariants(&why));

  // The snapshot round-trips, and what decide reads survives it: uses and failures.
  LedgerState restored;
  REQUIRE(restored.deserialize(live, &why));
  CHECK(restored.serialize() == live);
  CHECK(restored.cards().account_cards_of("bj").voided == 5);
  REQUIRE(restored.cards().account_card_failures(c2) != nullptr);
  CHECK(restored.cards().account_card_failures(c2)->times_us ==
        ledger.state().cards().account_card_failures(c2)->times_us);
  test::AheadView view(restored, DecideSettings{CallPolicy{}, CardPolicy{3, 600}, test::test_card_key(), nullptr, {}});
  CHECK(decide(view, request(RedeemCard{c2, voucher(bj_vouchers + 1), pin_of(bj_vouchers + 1)}, "x-1"), ledger.now_us())
            .rejection == Rejection::card_already_redeemed);
  CHECK(decide(view, request(RedeemCard{c2, voucher(bj_vouchers + 15), pin_of(bj_vouchers + 15)}, "x-2"),
               ledger.now_us())
            .rejection == Rejection::card_voided);
  CHECK(decide(view, request(IssueCards{"sh", CardKind::recharge, 1, yuan, "", 0}, "x-3"), ledger.now_us())
            .events.at(0)
            .payload == Payload{CardBatchIssued{"B000005", "sh", CardKind::recharge, 1, bj_more + 3, yuan, "", 0,
                                                key().id}});
  // A snapshot cut short is refused.
  LedgerState truncated;
  std::string truncated_why;
  CHECK_FALSE(truncated.deserialize(std::string_view(live).substr(0, live.size() - 3), &truncated_why));
}

// ---- 11. codec --------------------------------------------------------------------------------------

Event envelope(Payload payload, std::vector<Posting> postings = {}) {
  Event event;
  event.ledger_time_us = test::agents_start_us + 42;
  event.business_time_us = test::agents_start_us - 7;
  event.actor = "local:operator";
  event.idempotency_key = "cards-codec";
  event.postings = std::move(postings);
  event.payload = std::move(payload);
  return event;
}

TEST_CASE("issue 5: every new event type and field round-trips through the codec", "[cards][codec]") {
  const std::vector<Posting> cash_in{Posting{LedgerAccountKind::external_cash, "", Unit::cny_units, -30 * yuan},
                                     Posting{LedgerAccountKind::user_wallet, "u1", Unit::cny_units, 30 * yuan}};
  const std::vector<Event> events{
      envelope(CardBatchIssued{"B000001", "bj", CardKind::account, 1'000'000, 1, 50 * yuan, "retail",
                               test::agents_start_us + 86'400'000'000, "0123456789abcdef"}),
      envelope(CardBatchIssued{"B000002", "bj-cy", CardKind::recharge, 10, 1'000'001, 10 * yuan, "", 0, "fedcba9876543210"}),
      envelope(CardsVoided{"B000001", 5, 9, "box lost"}),
      envelope(CardRedeemed{1'000'001, "B000002", "u1", CardKind::recharge, 30 * yuan, 35 * yuan}, cash_in),
      envelope(CardRedeemed{1, "B000001", "1000000000000016", CardKind::account, 50 * yuan, 50 * yuan},
               {Posting{LedgerAccountKind::external_cash, "", Unit::cny_units, -50 * yuan},
                Posting{LedgerAccountKind::user_wallet, "1000000000000016", Unit::cny_units, 50 * yuan}}),
      envelope(CardRedemptionFailed{0, "u1", CardKind::recharge, "card_not_found"}),
      envelope(CardRedemptionFailed{17, "", CardKind::account, "card_pin_invalid"}),
      envelope(CardRedemptionFailed{17, "u2", CardKind::recharge, "card_locked"}),
      envelope(AccountTransferred{"u1", "bj", "sh", ConsentParty::both_agents, "letter-2025-001"}),
      envelope(AccountTransferred{"u1", "", "bj", ConsentParty::provider, "letter-2"}),
      envelope(AccountClosed{"u1", 12 * yuan, BalanceDisposition::transferred, "u2", ""},
               {Posting{LedgerAccountKind::user_wallet, "u1", Unit::cny_units, -12 * yuan},
                Posting{LedgerAccountKind::user_wallet, "u2", Unit::cny_units, 12 * yuan}}),
      envelope(AccountClosed{"u3", 5 * yuan, BalanceDisposition::refunded, "", "payout-88"},
               {Posting{LedgerAccountKind::external_cash, "", Unit::cny_units, 5 * yuan},
                Posting{LedgerAccountKind::user_wallet, "u3", Unit::cny_units, -5 * yuan}}),
      envelope(AccountClosed{"u4", 7 * yuan, BalanceDisposition::forfeited, "", ""},
               {Posting{LedgerAccountKind::user_wallet, "u4", Unit::cny_units, -7 * yuan},
                Posting{LedgerAccountKind::forfeited_balances, "bj", Unit::cny_units, 7 * yuan}}),
      envelope(AccountClosed{"u5", 0, BalanceDisposition::none, "", ""}),
  };
  for (const Event& event : events) {
    INFO(payload_name(event.payload));
    const std::string bytes = encode_event(event);
    std::string why;
    const auto decoded = decode_event(bytes, &why);
    INFO(why);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == event);
    CHECK(encode_event(*decoded) == bytes);
  }
  CHECK(std::string(payload_name(events[0].payload)) == "CardBatchIssued");
  CHECK(std::string(payload_name(events[2].payload)) == "CardsVoided");
  CHECK(std::string(payload_name(events[3].payload)) == "CardRedeemed");
  CHECK(std::string(payload_name(events[5].payload)) == "CardRedemptionFailed");
  CHECK(std::string(payload_name(events[8].payload)) == "AccountTransferred");
  CHECK(std::string(payload_name(events[10].payload)) == "AccountClosed");
}

}  // namespace
}  // namespace huawu
