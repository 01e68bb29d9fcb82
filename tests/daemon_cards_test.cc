// Integration tests of cards, closing and transfers (issue 5, clauses A2.3,
// A2.4, B2.2 and 6.3) through the real daemon on loopback, as operators use
// them: the huawu command forwarding to `huawu serve`.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/verb_ids.h"
#include "events/control_codec.h"
#include "ledger/daemon.h"
#include "tests/daemon_support.h"
#include "tests/test_support.h"

namespace huawu::test {
namespace {

struct CardLine {
  std::string number;
  std::string pin;
};

std::vector<CardLine> read_cards(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  REQUIRE(line == "number,pin,batch,kind,face_yuan,expires");
  std::vector<CardLine> cards;
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    REQUIRE(comma == 16);
    cards.push_back(CardLine{line.substr(0, 16), line.substr(17, 16)});
  }
  return cards;
}

nlohmann::json json_of(const CommandResult& result) {
  const auto j = nlohmann::json::parse(result.out, nullptr, false);
  INFO(result.out);
  REQUIRE(j.is_object());
  return j;
}

std::int64_t balance_units(const std::string& data, const std::string& account) {
  const CommandResult result = run_huawu(data, {"balance", account, "--json"});
  REQUIRE(result.exit_code == 0);
  return json_of(result)["balance_units"].get<std::int64_t>();
}

// Every run of 16 digits in the bytes of `path`.
void sixteen_digit_runs(const std::string& path, const std::function<void(std::string_view)>& fn) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  std::size_t run = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    run = bytes[i] >= '0' && bytes[i] <= '9' ? run + 1 : 0;
    if (run >= 16) fn(std::string_view(bytes).substr(i + 1 - 16, 16));
  }
}

}  // namespace

TEST_CASE("issue 5: cards through the daemon - PIN file, activation, vouchers once, and no PIN stored",
          "[daemon][cards]") {
  TempDir dir;
  const std::string data = dir.sub("data");
  REQUIRE(run_huawu(data, {"init"}).exit_code == 0);
  const std::string plan = dir.sub("plan.csv");
  std::ofstream(plan) << test_plan_csv();
  REQUIRE(run_huawu(data, {"rates", "import", "std", plan}).exit_code == 0);
  // The PIN key is made with the store, readable by its owner only.
  struct stat key_stat {};
  REQUIRE(::stat((data + "/card-pin.key").c_str(), &key_stat) == 0);
  CHECK((key_stat.st_mode & 0777) == 0600);
  CHECK(key_stat.st_size == 32);
  DaemonProcess daemon(data, "[cards]\npin_failures_max = 3\npin_window_seconds = 600\n");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"agent", "add", "zj", "--parent", "provider", "--name", "Zhejiang"},
           {"agent", "add", "zj-hz", "--parent", "zj", "--name", "Hangzhou"},
           {"agent", "add", "gd", "--parent", "provider", "--name", "Guangdong"},
           {"account", "open", "u1", "--plan", "std", "--agent", "zj-hz"},
           {"account", "open", "u2", "--plan", "std", "--agent", "zj-hz"},
           {"account", "open", "u3", "--plan", "std", "--agent", "zj"},
           {"account", "open", "g1", "--plan", "std", "--agent", "gd"}}) {
    INFO(args[0] << " " << args[1] << " " << args[2]);
    REQUIRE(run_huawu(data, args).exit_code == 0);
  }

  // 10,000 vouchers of zj: one event, numbers and PINs only in the file.
  const std::string vouchers_csv = dir.sub("vouchers.csv");
  const CommandResult issued = run_huawu(data, {"cards", "issue", "--agent", "zj", "--kind", "recharge", "--count",
                                                "10000", "--face", "10", "--out", vouchers_csv, "--json"});
  REQUIRE(issued.exit_code == 0);
  const nlohmann::json batch = json_of(issued);
  CHECK(batch["batch"] == "B000001");
  CHECK(batch["count"] == 10'000);
  CHECK(batch["file"] == vouchers_csv);
  struct stat csv_stat {};
  REQUIRE(::stat(vouchers_csv.c_str(), &csv_stat) == 0);
  CHECK((csv_stat.st_mode & 0777) == 0600);
  const std::vector<CardLine> vouchers = read_cards(vouchers_csv);
  REQUIRE(vouchers.size() == 10'000);
  CHECK(vouchers.front().number == batch["first_number"]);
  // The file is never written over, and then nothing is issued.
  CHECK(run_huawu(data, {"cards", "issue", "--agent", "zj", "--kind", "recharge", "--count", "5", "--face", "10",
                         "--out", vouchers_csv})
            .exit_code == 2);
  CHECK(json_of(run_huawu(data, {"cards", "batches", "--json"}))["batches"].size() == 1);
  // Refused batches leave no file behind.
  const std::string refused_csv = dir.sub("refused.csv");
  CHECK(run_huawu(data, {"cards", "issue", "--agent", "nobody", "--kind", "recharge", "--count", "5", "--face", "10",
                         "--out", refused_csv})
            .exit_code == 1);
  CHECK_FALSE(std::filesystem::exists(refused_csv));

  // Account cards (A2.4) and an activation (B2.2): the number is the account.
  const std::string accounts_csv = dir.sub("accounts.csv");
  REQUIRE(run_huawu(data, {"cards", "issue", "--agent", "zj-hz", "--kind", "account", "--count", "100", "--face", "50",
                           "--plan", "std", "--out", accounts_csv})
              .exit_code == 0);
  const std::vector<CardLine> account_cards = read_cards(accounts_csv);
  const CommandResult activated =
      run_huawu(data, {"account", "activate", account_cards[0].number, "--pin", account_cards[0].pin, "--json"});
  REQUIRE(activated.exit_code == 0);
  CHECK(json_of(activated)["events"][0]["type"] == "AccountOpened");
  CHECK(balance_units(data, account_cards[0].number) == 500'000);
  const nlohmann::json counts = json_of(run_huawu(data, {"cards", "batches", "--agent", "zj-hz", "--json"}));
  CHECK(counts["account_cards"]["generated"] == 100);
  CHECK(counts["account_cards"]["activated"] == 1);

  // A voucher credits once; the second answer says when and where it went.
  REQUIRE(run_huawu(data, {"recharge-card", "redeem", "u1", "--card", vouchers[0].number, "--pin", vouchers[0].pin})
              .exit_code == 0);
  CHECK(balance_units(data, "u1") == 100'000);
  const CommandResult again = run_huawu(
      data, {"recharge-card", "redeem", "u2", "--card", vouchers[0].number, "--pin", vouchers[0].pin, "--json"});
  CHECK(again.exit_code == 1);
  CHECK(json_of(again)["error"] == "card_already_redeemed");
  CHECK_THAT(json_of(again)["message"].get<std::string>(), Catch::Matchers::Contains("into account u1"));
  const nlohmann::json shown = json_of(run_huawu(data, {"cards", "show", vouchers[0].number, "--json"}));
  CHECK(shown["state"] == "redeemed");
  CHECK(shown["used"]["account"] == "u1");
  // Another agent's user: the voucher belongs to zj's subtree.
  const CommandResult foreign =
      run_huawu(data, {"recharge-card", "redeem", "g1", "--card", vouchers[1].number, "--pin", vouchers[1].pin, "--json"});
  CHECK(foreign.exit_code == 1);
  CHECK(json_of(foreign)["error"] == "card_agent_mismatch");

  // Wrong PINs are recorded; the third locks the card, even for its right PIN.
  for (int i = 0; i < 3; ++i) {
    const CommandResult wrong =
        run_huawu(data, {"recharge-card", "redeem", "u2", "--card", vouchers[2].number, "--pin", "0000000000000000", "--json"});
    CHECK(wrong.exit_code == 1);
    CHECK(json_of(wrong)["error"] == "card_pin_invalid");
  }
  const CommandResult locked =
      run_huawu(data, {"recharge-card", "redeem", "u1", "--card", vouchers[2].number, "--pin", vouchers[2].pin, "--json"});
  CHECK(locked.exit_code == 1);
  CHECK(json_of(locked)["error"] == "card_locked");

  // Voided cards are refused from then on; the rest of the batch still works.
  REQUIRE(run_huawu(data, {"cards", "void", "B000001", "--from", vouchers[10].number, "--to", vouchers[19].number,
                           "--reason", "box 3 lost"})
              .exit_code == 0);
  const CommandResult voided = run_huawu(
      data, {"recharge-card", "redeem", "u1", "--card", vouchers[15].number, "--pin", vouchers[15].pin, "--json"});
  CHECK(json_of(voided)["error"] == "card_voided");
  CHECK(run_huawu(data, {"recharge-card", "redeem", "u1", "--card", vouchers[20].number, "--pin", vouchers[20].pin})
            .exit_code == 0);

  // The same voucher from two connections at once: exactly one credit, 8 times over
  // (u1 and u3: u2's wrong PINs above have locked it for the window).
  int successes = 0, already = 0;
  for (int k = 0; k < 8; ++k) {
    const CardLine& card = vouchers[100 + k];
    CommandResult results[2];
    std::thread first([&] { results[0] = run_huawu(data, {"recharge-card", "redeem", "u1", "--card", card.number, "--pin", card.pin, "--json"}); });
    std::thread second([&] { results[1] = run_huawu(data, {"recharge-card", "redeem", "u3", "--card", card.number, "--pin", card.pin, "--json"}); });
    first.join();
    second.join();
    for (const CommandResult& result : results) {
      if (result.exit_code == 0) ++successes;
      else if (json_of(result)["error"] == "card_already_redeemed") ++already;
    }
  }
  CHECK(successes == 8);
  CHECK(already == 8);
  // u1: 10 + 10 + its share; u3: the rest. Together exactly 8 vouchers more.
  CHECK(balance_units(data, "u1") + balance_units(data, "u3") == 200'000 + 8 * 100'000);
  CHECK(balance_units(data, "u2") == 0);
  const CommandResult account_locked =
      run_huawu(data, {"recharge-card", "redeem", "u2", "--card", vouchers[30].number, "--pin", vouchers[30].pin, "--json"});
  CHECK(json_of(account_locked)["error"] == "card_locked");

  // Stopped (checkpoint written), the data directory and the daemon's log hold no PIN.
  REQUIRE(daemon.stop() == 0);
  std::set<std::string> pins;
  for (const CardLine& card : vouchers) pins.insert(card.pin);
  for (const CardLine& card : account_cards) pins.insert(card.pin);
  REQUIRE(pins.size() == 10'100);
  std::vector<std::string> files{data + ".log", data + ".toml"};
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data))
    if (entry.is_regular_file()) files.push_back(entry.path().string());
  std::size_t found = 0, runs = 0;
  for (const std::string& file : files)
    sixteen_digit_runs(file, [&](std::string_view digits) {
      ++runs;
      if (pins.count(std::string(digits))) ++found;
    });
  INFO(files.size() << " files, " << runs << " runs of 16 digits");
  CHECK(found == 0);
  // The log does hold the card numbers (redemptions are events): the scan looks where PINs would be.
  CHECK(runs > 0);
  const CommandResult audit = run_huawu(data, {"audit", "verify", "--json"});
  CHECK(audit.exit_code == 0);
}

TEST_CASE("issue 5: closing with refund, transfer or forfeit, and a transfer between agents needs consent",
          "[daemon][cards]") {
  TempDir dir;
  const std::string data = dir.sub("data");
  REQUIRE(run_huawu(data, {"init"}).exit_code == 0);
  DaemonProcess daemon(data);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"agent", "add", "zj", "--parent", "provider", "--name", "Zhejiang"},
           {"agent", "add", "gd", "--parent", "provider", "--name", "Guangdong"},
           {"account", "open", "a1", "--initial", "30", "--agent", "zj"},
           {"account", "open", "a2", "--initial", "5", "--agent", "zj"},
           {"account", "open", "a3", "--initial", "7", "--agent", "zj"},
           {"account", "open", "a4", "--initial", "9", "--agent", "zj"},
           {"account", "open", "g1", "--initial", "1", "--agent", "gd"}}) {
    REQUIRE(run_huawu(data, args).exit_code == 0);
  }
  auto error_of = [&](const std::vector<std::string>& args) {
    std::vector<std::string> with_json = args;
    with_json.push_back("--json");
    const CommandResult result = run_huawu(data, with_json);
    return result.exit_code == 0 ? std::string("ok") : json_of(result)["error"].get<std::string>();
  };
  CHECK(error_of({"account", "close", "a1"}) == "account_has_balance");
  CHECK(run_huawu(data, {"account", "close", "a1", "--refund", "--forfeit"}).exit_code == 2);
  CHECK(error_of({"account", "close", "a1", "--transfer-to", "g1"}) == "transfer_agent_mismatch");
  CHECK(error_of({"account", "close", "a1", "--transfer-to", "a1"}) == "transfer_target_invalid");
  CHECK(error_of({"account", "close", "a1", "--transfer-to", "a2"}) == "ok");
  CHECK(balance_units(data, "a2") == 350'000);
  CHECK(error_of({"account", "close", "a2", "--refund", "--ref", "BANK-77"}) == "ok");
  CHECK(error_of({"account", "close", "a3", "--forfeit"}) == "ok");
  CHECK(error_of({"account", "close", "a3", "--forfeit"}) == "account_closed");

  // Clause 6.3: no transfer without written consent.
  CHECK(error_of({"account", "transfer", "a4", "--to-agent", "gd"}) == "consent_required");
  CHECK(error_of({"account", "transfer", "a4", "--to-agent", "zj", "--consent", "C-1"}) == "agent_unchanged");
  CHECK(error_of({"account", "transfer", "a4", "--to-agent", "gd", "--consent", "AGR-2026-114", "--consent-by",
                  "both-agents"}) == "ok");
  const CommandResult moved = run_huawu(data, {"balance", "a4", "--json"});
  CHECK(json_of(moved)["agent"] == "gd");
  REQUIRE(daemon.stop() == 0);
  CHECK(run_huawu(data, {"audit", "verify"}).exit_code == 0);
}

// Issue 16: the control socket takes a typed call (the verb's id and typed
// arguments, as `huawu` parses them) and answers a call that does not fit its
// verb with a named refusal, exit 2, before anything reaches the ledger.
TEST_CASE("issue 16: typed calls on the control socket, and each misfit refused by name", "[daemon][cards]") {
  TempDir dir;
  const std::string data = dir.sub("data");
  REQUIRE(run_huawu(data, {"init"}).exit_code == 0);
  DaemonProcess daemon(data);
  REQUIRE(run_huawu(data, {"account", "open", "t1", "--initial", "5"}).exit_code == 0);
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  socket.connect(control_endpoint(data));
  auto ask = [&](std::uint16_t verb, std::vector<VerbArg> args) {
    ControlRequest request{"local:operator", {}, "", ""};
    request.call = VerbCall{verb, std::move(args)};
    socket.send(zmq::buffer(encode_control_request(request)), zmq::send_flags::none);
    zmq::message_t frame;
    REQUIRE(socket.recv(frame, zmq::recv_flags::none));
    auto reply = decode_control_reply(std::string_view(frame.data<char>(), frame.size()), nullptr);
    REQUIRE(reply.has_value());
    return *reply;
  };
  const auto id = [](cli::VerbId verb) { return static_cast<std::uint16_t>(verb); };
  const VerbArg json{"--json", FlagGiven{}};

  const ControlReply recharge = ask(id(cli::VerbId::recharge), {{"ID", std::string("t1")}, {"AMOUNT", std::string("2.5")}, json});
  CHECK(recharge.exit_code == 0);
  CHECK(nlohmann::json::parse(recharge.out)["ok"] == true);
  const ControlReply balance = ask(id(cli::VerbId::balance), {{"ID", std::string("t1")}, json});
  REQUIRE(balance.exit_code == 0);
  CHECK(nlohmann::json::parse(balance.out)["balance_units"] == 75000);
  // The same balance as the command prints it.
  CHECK(balance.out == run_huawu(data, {"balance", "t1", "--json"}).out);

  struct Misfit {
    std::uint16_t verb;
    std::vector<VerbArg> args;
    const char* error;
  };
  const std::vector<Misfit> misfits = {
      {999, {json}, "verb_unknown"},
      {id(cli::VerbId::serve), {json}, "verb_not_forwardable"},
      {id(cli::VerbId::balance), {json}, "argument_missing"},
      {id(cli::VerbId::balance), {{"ID", std::int64_t{1}}, json}, "argument_kind"},
      {id(cli::VerbId::balance), {{"ID", std::string("t1")}, {"--pin", std::string("1")}, json}, "argument_unknown"},
      {id(cli::VerbId::recharge), {{"ID", std::string("t1")}, {"AMOUNT", std::string("1")}, {"ID", std::string("t1")}, json},
       "argument_repeated"},
      {id(cli::VerbId::pricing_set_level), {{"LEVEL", std::int64_t{-1}}, {"PRICE", std::string("9")}, json},
       "argument_out_of_range"},
  };
  for (const Misfit& m : misfits) {
    INFO(m.error);
    const ControlReply reply = ask(m.verb, m.args);
    CHECK(reply.exit_code == 2);
    CHECK(nlohmann::json::parse(reply.out)["error"] == m.error);
  }
  // An oversized value never decodes: the frame is refused, exit 2.
  const ControlReply big = ask(id(cli::VerbId::balance), {{"ID", std::string(limits::control_arg_bytes_max + 1, 'x')}});
  CHECK(big.exit_code == 2);
  CHECK_THAT(big.err, Catch::Matchers::Contains("argument ID longer than 4096 bytes"));
  // Nothing refused changed the ledger: still 7.5 yuan.
  CHECK(balance_units(data, "t1") == 75000);
  REQUIRE(daemon.stop() == 0);
}

}  // namespace huawu::test
