// The verb table (cli/verb_table.h) and what comes from it: the command line
// (cli/command_line.h), the typed call and the daemon's check of it
// (cli/dispatch.h). Scenarios as tables: one call a line, the refusal beside it.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>

#include "cli/command_line.h"
#include "cli/dispatch.h"
#include "cli/verb_args.h"
#include "cli/verb_table.h"
#include "events/control_codec.h"

namespace huawu::cli {
namespace {

// A ledger no refusal may reach: any use fails the test.
class NoLedger final : public LedgerAccess {
 public:
  Writer* writer(std::string*) override { FAIL("the ledger was reached"); return nullptr; }
  const Store* store(std::string*) override { FAIL("the ledger was reached"); return nullptr; }
  std::optional<AuditReport> audit(std::string*) override { FAIL("the ledger was reached"); return std::nullopt; }
  const std::string& actor() const override { return actor_; }

 private:
  std::string actor_ = "test";
};

struct Parsed {
  std::variant<VerbCall, int> result;
  std::string out, err;
};

Parsed parse(Side side, const std::vector<std::string>& args) {
  CommandLine line(side);
  std::ostringstream out, err;
  auto result = line.parse(args, out, err);
  return {std::move(result), out.str(), err.str()};
}

VerbCall call_of(const std::vector<std::string>& args) {
  Parsed p = parse(Side::command, args);
  INFO(p.err);
  REQUIRE(std::holds_alternative<VerbCall>(p.result));
  return std::get<VerbCall>(p.result);
}

// Whether `call` has an argument `name` that is not a flag (a misfit --json).
bool find_arg_named(const VerbCall& call, std::string_view name) {
  return std::any_of(call.args.begin(), call.args.end(),
                     [&](const VerbArg& a) { return a.name == name && a.kind() != ArgKind::flag; });
}

std::uint16_t id(VerbId verb) { return static_cast<std::uint16_t>(verb); }

VerbCall redeem_call() {
  return VerbCall{id(VerbId::recharge_card_redeem),
                  {{"ACCOUNT", std::string("A1")}, {"--card", std::string("1000000000000016")},
                   {"--pin", std::string("123456")}, {"--json", FlagGiven{}}}};
}

TEST_CASE("the table: one entry a verb, ids and paths unique, handlers set", "[verb_table]") {
  std::set<std::uint16_t> ids;
  std::set<std::string_view> paths;
  for (const VerbSpec& verb : verb_table()) {
    INFO(verb.path);
    CHECK(ids.insert(id(verb.id)).second);
    CHECK(paths.insert(verb.path).second);
    CHECK(find_verb(id(verb.id)) == &verb);
    CHECK(find_verb(verb.path) == &verb);
    CHECK((verb.run != nullptr) != (verb.run_local != nullptr));
    if (!verb.target.arg.empty()) CHECK(find_arg(verb, verb.target.arg) != nullptr);
  }
  CHECK(verb_table().size() == 69);
  CHECK(find_verb(std::uint16_t{0}) == nullptr);
  CHECK(find_verb(std::uint16_t{999}) == nullptr);
}

TEST_CASE("the command line parses into the typed call", "[verb_table]") {
  CHECK(call_of({"recharge-card", "redeem", "A1", "--card", "1000000000000016", "--pin", "123456", "--json"}) ==
        redeem_call());
  // The argument order on the command line does not matter; the table's does.
  const VerbCall balance = call_of({"balance", "--json", "A1"});
  CHECK(balance.verb == id(VerbId::balance));
  CHECK(balance.args == std::vector<VerbArg>{{"ID", std::string("A1")}, {"--json", FlagGiven{}}});
  const VerbCall recharge = call_of({"recharge", "A1", "12.5", "--ref", "R-1", "--key", "k1"});
  CHECK(recharge.verb == id(VerbId::recharge));
  CHECK(recharge.args.size() == 4);
  // Integers, lists, a verb below a verb, a group's option.
  const VerbCall level = call_of({"pricing", "set-level", "2", "9"});
  CHECK(level.args[0] == VerbArg{"LEVEL", std::int64_t{2}});
  const VerbCall amend =
      call_of({"contract", "amend", "C1", "--effective", "2026-01-01", "--set", "term-months=36", "--set", "renewals=once"});
  CHECK(amend.args[2] == VerbArg{"--set", std::vector<std::string>{"term-months=36", "renewals=once"}});
  CHECK(call_of({"calls", "cut", "X1"}).verb == id(VerbId::calls_cut));
  CHECK(call_of({"calls", "A1"}).verb == id(VerbId::calls));
  const VerbCall cal = call_of({"calendar", "--calendar", "f.txt", "is-workday", "2026-01-01"});
  CHECK(std::find(cal.args.begin(), cal.args.end(), VerbArg{"--calendar", std::string("f.txt")}) != cal.args.end());
  // The daemon's parser for an older command's line gives the same call.
  Parsed daemon = parse(Side::daemon, {"recharge-card", "redeem", "A1", "--card", "1000000000000016", "--pin",
                                       "123456", "--json"});
  REQUIRE(std::holds_alternative<VerbCall>(daemon.result));
  CHECK(std::get<VerbCall>(daemon.result) == redeem_call());
}

TEST_CASE("usage errors and --help come from the table", "[verb_table]") {
  struct Line {
    std::vector<std::string> args;
    int code;
    const char* says;  // in out (help) or err (usage)
  };
  const std::vector<Line> lines = {
      {{"--help"}, 0, "recharge-card"},
      {{"--help"}, 0, "rate plans: import, show, look up a number"},
      {{"recharge-card", "redeem", "--help"}, 0, "the voucher's PIN"},
      {{"contract", "amend", "--help"}, 0, "PARAM=VALUE, repeatable"},
      {{"--version"}, 0, "huawu 0.2.0"},
      {{}, 2, "A subcommand is required"},
      {{"recharge-card", "redeem", "A1", "--card", "1"}, 2, "--pin is required"},
      {{"calls"}, 2, "ACCOUNT is required"},
      {{"pricing", "set-level", "-1", "9"}, 2, "LEVEL"},
      {{"pricing", "set-level", "two", "9"}, 2, "LEVEL"},
      {{"balance", "A1", "--no-such"}, 2, "--no-such"},
  };
  for (const Line& line : lines) {
    Parsed p = parse(Side::command, line.args);
    INFO(line.says << "\nout: " << p.out << "\nerr: " << p.err);
    REQUIRE(std::holds_alternative<int>(p.result));
    CHECK(std::get<int>(p.result) == line.code);
    CHECK_THAT(p.out + p.err, Catch::Matchers::Contains(line.says));
  }
  // Every top-level word is in --help; --password-hash never is.
  const Parsed help = parse(Side::command, {"--help"});
  for (const VerbSpec& verb : verb_table()) CHECK_THAT(help.out, Catch::Matchers::Contains(std::string(verb.path.substr(0, verb.path.find(' ')))));
  CHECK_THAT(parse(Side::command, {"principal", "add", "--help"}).out,
             !Catch::Matchers::Contains("--password-hash"));
  // Verbs of a command of their own are not the daemon's.
  CHECK(std::get<int>(parse(Side::daemon, {"serve"}).result) == 2);
  CHECK(std::get<int>(parse(Side::daemon, {"init"}).result) == 2);
}

TEST_CASE("the daemon's check of a typed call: each misfit a named refusal", "[verb_table]") {
  struct Case {
    VerbCall call;
    const char* error;
    const char* message;
  };
  auto with = [](VerbCall call, std::size_t index, VerbArg::Value value) {
    call.args[index].value = std::move(value);
    return call;
  };
  VerbCall no_pin = redeem_call();
  no_pin.args.erase(no_pin.args.begin() + 2);
  VerbCall twice = redeem_call();
  twice.args.push_back({"--card", std::string("1")});
  VerbCall unknown_arg = redeem_call();
  unknown_arg.args.push_back({"--amount", std::string("5")});
  const std::vector<Case> cases = {
      {VerbCall{999, {}}, "verb_unknown", "unknown verb id 999"},
      {VerbCall{0, {}}, "verb_unknown", "unknown verb id 0"},
      {VerbCall{id(VerbId::serve), {}}, "verb_not_forwardable", "serve runs only in a command of its own"},
      {VerbCall{id(VerbId::init), {}}, "verb_not_forwardable", "init runs only in a command of its own"},
      {no_pin, "argument_missing", "recharge-card redeem needs --pin"},
      {with(redeem_call(), 1, std::int64_t{1}), "argument_kind", "--card of recharge-card redeem is text, not an integer"},
      {with(redeem_call(), 3, std::string("yes")), "argument_kind", "--json of recharge-card redeem is a flag, not text"},
      {twice, "argument_repeated", "--card given twice to recharge-card redeem"},
      {unknown_arg, "argument_unknown", "recharge-card redeem has no argument --amount"},
      {VerbCall{id(VerbId::pricing_set_level), {{"LEVEL", std::int64_t{-1}}, {"PRICE", std::string("9")}}},
       "argument_out_of_range", "LEVEL of pricing set-level is -1, outside 0..4294967295"},
      {VerbCall{id(VerbId::pricing_set_level), {{"LEVEL", std::int64_t{1} << 32}, {"PRICE", std::string("9")}}},
       "argument_out_of_range", "outside 0..4294967295"},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    CallRefusal refusal;
    CHECK(check_call(c.call, true, &refusal) == nullptr);
    CHECK(refusal.error == c.error);
    CHECK_THAT(refusal.message, Catch::Matchers::Contains(c.message));
    // Through the daemon's answer: exit 2, the message on err, or JSON with --json.
    NoLedger ledger;
    ControlRequest request{"local:operator", {}, "", ""};
    request.call = c.call;
    std::erase_if(request.call->args, [](const VerbArg& a) { return a.name == "--json" && a.kind() == ArgKind::flag; });
    const ControlReply plain = answer_control(request, ledger, "/nonexistent");
    CHECK(plain.exit_code == 2);
    CHECK(plain.out.empty());
    CHECK_THAT(plain.err, Catch::Matchers::StartsWith("huawu: ") && Catch::Matchers::Contains(c.message));
    const bool json_is_the_misfit = call_has_flag(request.call.value(), "--json") || find_arg_named(c.call, "--json");
    request.call->args.push_back({"--json", FlagGiven{}});
    const ControlReply json = answer_control(request, ledger, "/nonexistent");
    CHECK(json.exit_code == 2);
    if (!json_is_the_misfit) {
      CHECK(json.err.empty());
      CHECK_THAT(json.out, Catch::Matchers::Contains(std::string("\"error\":\"") + c.error + "\""));
    }
  }
  // A call that fits: its verb; a flag or a default never given reads as absent.
  CallRefusal refusal;
  const VerbSpec* verb = check_call(redeem_call(), true, &refusal);
  REQUIRE(verb != nullptr);
  const VerbArgs args(*verb, redeem_call());
  CHECK(args.text("--pin") == "123456");
  CHECK(args.text("--key").empty());
  CHECK_FALSE(args.given("--key"));
  CHECK(args.flag("--json"));
  const VerbSpec* events = find_verb(id(VerbId::events));
  CHECK(VerbArgs(*events, VerbCall{id(VerbId::events), {}}).integer("--from") == 1);
}

TEST_CASE("a command line request from an older command is parsed on the daemon with the same table", "[verb_table]") {
  NoLedger ledger;
  const ControlReply usage = answer_control(ControlRequest{"local:operator", {"recharge-card", "redeem", "A1"}, "", ""},
                                            ledger, "/nonexistent");
  CHECK(usage.exit_code == 2);
  CHECK_THAT(usage.err, Catch::Matchers::Contains("is required"));
  const ControlReply none = answer_control(ControlRequest{"local:operator", {"serve"}, "", ""}, ledger, "/nonexistent");
  CHECK(none.exit_code == 2);
}

}  // namespace
}  // namespace huawu::cli
