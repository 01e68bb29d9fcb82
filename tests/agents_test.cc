// The agent tree (issue 4): clause B3.1 (an agent manages sub-agents in its
// own name, to any depth), clause 4.1 (the wholesale price per level, set by
// the parent or by the provider's table), suspension of a subtree, and every
// bad input as a named rejection. Requests are decided against a LedgerState
// and applied to it one at a time, as the writer does, with the
// whole-state invariants checked after each.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "events/limits.h"
#include "events/rejection.h"
#include "ledger/command.h"
#include "ledger/decide.h"
#include "projections/ledger_state.h"
#include "tests/agents_ledger.h"
#include "tests/property_seed.h"

namespace huawu {
namespace {

using Ledger = test::AgentsLedger;
using test::fen;
constexpr std::int64_t start_us = test::agents_start_us;

AuthorizeCall authorize(std::string call, std::string account) {
  return test::authorize_call(std::move(call), std::move(account));
}

// provider -> bj (8.5 fen) -> bj-cy (level price) -> bj-cy-1; provider -> sh.
void build_three_levels(Ledger& ledger) {
  REQUIRE(ledger.submit(SetLevelPrice{1, 9 * fen}) == Rejection::none);
  REQUIRE(ledger.submit(SetLevelPrice{2, 1'050}) == Rejection::none);
  REQUIRE(ledger.submit(AddAgent{"bj", "", "Beijing Reseller", 850}) == Rejection::none);
  REQUIRE(ledger.submit(AddAgent{"bj-cy", "bj", "Chaoyang", 0}) == Rejection::none);
  REQUIRE(ledger.submit(AddAgent{"bj-cy-1", "bj-cy", "Chaoyang shop 1", 12 * fen}) == Rejection::none);
  REQUIRE(ledger.submit(AddAgent{"sh", "", "Shanghai", 0}) == Rejection::none);
}

// Every agent of the three-level tree gets traffic, bought down the tree:
// each pays its parent in full first (clause 4.1, traffic is prepaid).
void fund_three_levels(Ledger& ledger) {
  for (const char* agent : {"bj", "sh"}) {
    REQUIRE(ledger.submit(RecordAgentPayment{agent, AgentPaymentKind::traffic, 100'000'000, "TX"}) == Rejection::none);
    REQUIRE(ledger.submit(BuyTraffic{agent, 10'000}) == Rejection::none);
  }
  REQUIRE(ledger.submit(RecordAgentPayment{"bj-cy", AgentPaymentKind::traffic, 10'000'000, "TX"}) == Rejection::none);
  REQUIRE(ledger.submit(BuyTraffic{"bj-cy", 5'000}) == Rejection::none);
  REQUIRE(ledger.submit(RecordAgentPayment{"bj-cy-1", AgentPaymentKind::traffic, 10'000'000, "TX"}) ==
          Rejection::none);
  REQUIRE(ledger.submit(BuyTraffic{"bj-cy-1", 1'000}) == Rejection::none);
}

TEST_CASE("B3.1 4.1: a three-level tree, each level one below its parent, prices own or the level's",
          "[agents]") {
  Ledger ledger;
  build_three_levels(ledger);
  const Agents& agents = ledger.agents();
  REQUIRE(agents.size() == 4);
  CHECK(agents.find("bj")->level == 1);
  CHECK(agents.find("bj-cy")->level == 2);
  CHECK(agents.find("bj-cy-1")->level == 3);
  CHECK(agents.find("bj-cy")->parent == "bj");
  CHECK(agents.find("sh")->parent.empty());
  // 4.1: the parent's price for the child when set, else the provider's table.
  CHECK(agents.effective_price_units(*agents.find("bj")) == 850);
  CHECK(agents.effective_price_units(*agents.find("bj-cy")) == 1'050);
  CHECK(agents.effective_price_units(*agents.find("bj-cy-1")) == 12 * fen);
  CHECK(agents.effective_price_units(*agents.find("sh")) == 9 * fen);
  CHECK(agents.children("") == std::set<std::string, std::less<>>{"bj", "sh"});
  CHECK(agents.children("bj") == std::set<std::string, std::less<>>{"bj-cy"});

  // Price changes are events, effective from their sequence on.
  REQUIRE(ledger.submit(SetLevelPrice{1, 950}) == Rejection::none);
  CHECK(agents.effective_price_units(*agents.find("sh")) == 950);
  CHECK(agents.effective_price_units(*agents.find("bj")) == 850);  // its own price wins
  REQUIRE(ledger.submit(SetAgentPrice{"bj", 0}) == Rejection::none);  // back to the level's
  CHECK(agents.effective_price_units(*agents.find("bj")) == 950);
  REQUIRE(ledger.submit(SetLevelPrice{1, 0}) == Rejection::none);  // the level has no price now
  CHECK(agents.effective_price_units(*agents.find("bj")) == 0);
  CHECK(agents.level_price_units(2) == 1'050);
}

TEST_CASE("A2.2: every user is bound to one agent, counted per agent", "[agents]") {
  Ledger ledger;
  build_three_levels(ledger);
  REQUIRE(ledger.submit(OpenAccount{"u1", "retail", 10'000, "bj-cy-1"}) == Rejection::none);
  REQUIRE(ledger.submit(OpenAccount{"u2", "retail", 0, "bj-cy-1"}) == Rejection::none);
  REQUIRE(ledger.submit(OpenAccount{"u3", "retail", 0, "bj"}) == Rejection::none);
  REQUIRE(ledger.submit(OpenAccount{"u4", "retail", 0, {}}) == Rejection::none);  // the provider's own
  CHECK(ledger.state().balances().find("u1")->agent == "bj-cy-1");
  CHECK(ledger.state().balances().find("u4")->agent.empty());
  CHECK(ledger.agents().bound_users("bj-cy-1") == 2);
  CHECK(ledger.agents().bound_users("bj") == 1);
  CHECK(ledger.agents().bound_users("bj-cy") == 0);
  CHECK(ledger.submit(OpenAccount{"u5", "retail", 0, "nobody"}) == Rejection::agent_not_found);
  CHECK(ledger.submit(OpenAccount{"u5", "retail", 0, "provider"}) == Rejection::agent_id_invalid);
  CHECK(ledger.submit(OpenAccount{"u5", "retail", 0, "bad id!"}) == Rejection::agent_id_invalid);
}

TEST_CASE("bad input to the tree: each a named rejection, nothing recorded", "[agents]") {
  Ledger ledger;
  build_three_levels(ledger);
  const std::uint64_t head = ledger.state().applied_through();
  struct Row {
    const char* what;
    Command command;
    Rejection expect;
  };
  const std::vector<Row> rows = {
      {"unknown parent", AddAgent{"x", "nowhere", "X", 0}, Rejection::parent_not_found},
      {"an agent under itself (the only cycle a command could ask for)", AddAgent{"x", "x", "X", 0},
       Rejection::parent_not_found},
      {"duplicate id", AddAgent{"bj-cy", "sh", "again", 0}, Rejection::agent_exists},
      {"re-adding a parent under its child", AddAgent{"bj", "bj-cy-1", "loop", 0}, Rejection::agent_exists},
      {"the reserved word", AddAgent{"provider", "", "P", 0}, Rejection::agent_id_invalid},
      {"bad characters", AddAgent{"a b", "", "AB", 0}, Rejection::agent_id_invalid},
      {"empty id", AddAgent{"", "", "E", 0}, Rejection::agent_id_invalid},
      {"too long an id", AddAgent{std::string(limits::account_id_length_max + 1, 'a'), "", "L", 0},
       Rejection::agent_id_invalid},
      {"empty name", AddAgent{"x", "", "", 0}, Rejection::text_invalid},
      {"control character in the name", AddAgent{"x", "", "a\nb", 0}, Rejection::text_invalid},
      {"negative price", AddAgent{"x", "", "X", -1}, Rejection::price_invalid},
      {"price above the limit", AddAgent{"x", "", "X", limits::rate_price_fen_max * 100 + 1},
       Rejection::price_invalid},
      {"price of an unknown agent", SetAgentPrice{"nobody", 100}, Rejection::agent_not_found},
      {"negative agent price", SetAgentPrice{"bj", -5}, Rejection::price_invalid},
      {"the price it has", SetAgentPrice{"bj", 850}, Rejection::price_unchanged},
      {"level 0", SetLevelPrice{0, 100}, Rejection::level_invalid},
      {"level past the deepest", SetLevelPrice{limits::agent_level_max + 1, 100}, Rejection::level_invalid},
      {"negative level price", SetLevelPrice{1, -100}, Rejection::price_invalid},
      {"the level price it has", SetLevelPrice{2, 1'050}, Rejection::price_unchanged},
      {"suspend an unknown agent", SuspendAgent{"nobody", ""}, Rejection::agent_not_found},
      {"resume an active agent", ResumeAgent{"bj"}, Rejection::agent_not_suspended},
      {"suspension reason with a control character", SuspendAgent{"bj", "a\x01"}, Rejection::text_invalid},
  };
  for (const Row& row : rows) {
    INFO(row.what);
    CHECK(ledger.submit(row.command) == row.expect);
    CHECK(ledger.last().events.empty());
  }
  CHECK(ledger.state().applied_through() == head);
  REQUIRE(ledger.submit(SuspendAgent{"bj", "deposit unpaid"}) == Rejection::none);
  CHECK(ledger.submit(SuspendAgent{"bj", "again"}) == Rejection::agent_already_suspended);
}

TEST_CASE("a tree of any depth, bounded at the documented limit", "[agents]") {
  Ledger ledger;
  std::string parent;
  for (std::uint32_t level = 1; level <= limits::agent_level_max; ++level) {
    const std::string id = "a" + std::to_string(level);
    REQUIRE(ledger.submit(AddAgent{id, parent, "level " + std::to_string(level), 0}) == Rejection::none);
    CHECK(ledger.agents().find(id)->level == level);
    parent = id;
  }
  CHECK(ledger.submit(AddAgent{"too-deep", parent, "one more", 0}) == Rejection::agent_tree_too_deep);
  REQUIRE(ledger.submit(SetLevelPrice{limits::agent_level_max, 700}) == Rejection::none);
  CHECK(ledger.agents().effective_price_units(*ledger.agents().find(parent)) == 700);
}

TEST_CASE("suspension refuses new calls of the whole subtree, calls in progress settle, resume restores",
          "[agents][calls]") {
  Ledger ledger;
  build_three_levels(ledger);
  fund_three_levels(ledger);
  REQUIRE(ledger.submit(OpenAccount{"deep", "retail", 100'000, "bj-cy-1"}) == Rejection::none);
  REQUIRE(ledger.submit(OpenAccount{"near", "retail", 100'000, "bj"}) == Rejection::none);
  REQUIRE(ledger.submit(OpenAccount{"other", "retail", 100'000, "sh"}) == Rejection::none);
  REQUIRE(ledger.submit(OpenAccount{"direct", "retail", 100'000, {}}) == Rejection::none);

  CHECK(ledger.switch_reason(authorize("c1", "deep")) == "");
  REQUIRE(ledger.submit(SuspendAgent{"bj-cy", "franchise fee overdue"}) == Rejection::none);
  // bj-cy's subtree: its sub-agent's user is refused; its parent's is not.
  CHECK(ledger.switch_reason(authorize("c2", "deep")) == "agent_suspended");
  CHECK(ledger.switch_reason(authorize("c3", "near")) == "");
  // A call authorized before the suspension still settles and is billed.
  CHECK(ledger.switch_reason(SettleCall{"c1", start_us, 30'000, 16}) == "");
  CHECK(std::holds_alternative<CallSettled>(ledger.last().events[0].payload));
  // A record of a call the switch already connected is billed all the same.
  CHECK(ledger.switch_reason(RecordCall{"c4", "deep", "8610000000", "8620123456", start_us, 60'000, 16}) == "");

  // Suspending the top suspends everything below it, other subtrees go on.
  REQUIRE(ledger.submit(SuspendAgent{"bj", ""}) == Rejection::none);
  CHECK(ledger.switch_reason(authorize("c5", "near")) == "agent_suspended");
  CHECK(ledger.switch_reason(authorize("c6", "other")) == "");
  CHECK(ledger.switch_reason(authorize("c7", "direct")) == "");
  // Resuming bj is not enough while bj-cy is still suspended.
  REQUIRE(ledger.submit(ResumeAgent{"bj"}) == Rejection::none);
  CHECK(ledger.switch_reason(authorize("c8", "near")) == "");
  CHECK(ledger.switch_reason(authorize("c9", "deep")) == "agent_suspended");
  REQUIRE(ledger.submit(ResumeAgent{"bj-cy"}) == Rejection::none);
  CHECK(ledger.switch_reason(authorize("c10", "deep")) == "");
}

TEST_CASE("random trees: no cycle, levels and children consistent, snapshot equals rebuild", "[agents]") {
  const std::uint64_t seed = test::property_seed(20261125);
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  Ledger ledger;
  std::vector<std::string> ids;
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  for (int i = 0; i < 600; ++i) {
    const std::string id = "g" + std::to_string(pick(400));
    std::string parent;
    switch (pick(4)) {
      case 0: parent = ""; break;
      case 1: parent = id; break;                       // itself
      case 2: parent = "g" + std::to_string(pick(400)); break;  // maybe missing, maybe a descendant
      default: parent = ids.empty() ? "" : ids[pick(ids.size())];
    }
    const Rejection r = ledger.submit(AddAgent{id, parent, "agent " + id, static_cast<std::int64_t>(pick(3)) * 100});
    if (r == Rejection::none) ids.push_back(id);
    else CHECK((r == Rejection::agent_exists || r == Rejection::parent_not_found || r == Rejection::agent_tree_too_deep));
    if (pick(10) == 0 && !ids.empty()) {
      const std::string& target = ids[pick(ids.size())];
      const Rejection s = ledger.agents().find(target)->suspended ? ledger.submit(ResumeAgent{target})
                                                                  : ledger.submit(SuspendAgent{target, "test"});
      CHECK(s == Rejection::none);
    }
  }
  // Every chain reaches the provider in exactly `level` steps: no cycle.
  for (const std::string& id : ids) {
    std::uint32_t steps = 0;
    for (const AgentState* a = ledger.agents().find(id); a; a = ledger.agents().find(a->parent)) {
      ++steps;
      REQUIRE(steps <= limits::agent_level_max);
      if (a->parent.empty()) break;
    }
    CHECK(steps == ledger.agents().find(id)->level);
  }
  // The checkpoint image round-trips, and equals the state rebuilt by apply.
  const std::string image = ledger.state().serialize();
  LedgerState copy;
  std::string why;
  REQUIRE(copy.deserialize(image, &why));
  CHECK(copy.serialize() == image);
}

TEST_CASE("Agents::deserialize refuses an image whose tree is broken", "[agents][snapshot]") {
  Ledger ledger;
  build_three_levels(ledger);
  std::string image;
  ledger.agents().serialize(image);
  Agents copy;
  std::string why;
  REQUIRE(copy.deserialize(image, &why));
  for (std::size_t size = 0; size < image.size(); size += 7) {
    INFO("cut to " << size);
    CHECK_FALSE(copy.deserialize(std::string_view(image).substr(0, size), &why));
  }
  // bj-cy's parent renamed to an agent that does not exist: same length, broken tree.
  std::string broken = image;
  const std::size_t at = broken.find("bj-cy-1");  // bj-cy-1's record: id, then its parent "bj-cy"
  REQUIRE(at != std::string::npos);
  const std::size_t parent_at = broken.find("bj-cy", at + 7);
  REQUIRE(parent_at != std::string::npos);
  broken[parent_at + 3] = 'X';
  why.clear();
  CHECK_FALSE(copy.deserialize(broken, &why));
  CHECK_FALSE(why.empty());
}

// Issue 16: scope is decided in decide, against the state it decides on.
// An agent operator's request names its principal as the actor; a target
// outside its agent's subtree gets the answer a missing one gets, a
// ledger-wide change or another principal's password permission_denied; an
// auditor changes nothing; the provider's operators and the local operator
// reach everything. Rows: request, actor, expected rejection.
TEST_CASE("issue 16: scope in decide: an agent operator reaches its own subtree only", "[agents][scope]") {
  test::AgentsLedger ledger;
  const std::string hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  REQUIRE(ledger.submit(AddAgent{"bj", "", "Beijing", 500}) == Rejection::none);
  REQUIRE(ledger.submit(AddAgent{"bj-1", "bj", "Haidian", 0}) == Rejection::none);
  REQUIRE(ledger.submit(AddAgent{"sh", "", "Shanghai", 500}) == Rejection::none);
  REQUIRE(ledger.submit(OpenAccount{"u-bj", "retail", 1'000, "bj-1"}) == Rejection::none);
  REQUIRE(ledger.submit(OpenAccount{"u-sh", "retail", 1'000, "sh"}) == Rejection::none);
  REQUIRE(ledger.submit(OpenAccount{"u-own", "retail", 1'000, ""}) == Rejection::none);
  REQUIRE(ledger.submit(AddPrincipal{"op-bj", PrincipalRole::agent, "bj", hash}) == Rejection::none);
  REQUIRE(ledger.submit(AddPrincipal{"op-sh", PrincipalRole::agent, "sh", hash}) == Rejection::none);
  REQUIRE(ledger.submit(AddPrincipal{"audit", PrincipalRole::auditor, "", hash}) == Rejection::none);
  REQUIRE(ledger.submit(AddPrincipal{"ops", PrincipalRole::provider, "", hash}) == Rejection::none);
  const std::string bj = "principal:op-bj", sh = "principal:op-sh";
  struct Row {
    Command command;
    std::string actor;
    Rejection expect;
  };
  // clang-format off
  const std::vector<Row> rows = {
    {RechargeWallet{"u-bj", 100, ""},                 bj,                    Rejection::none},
    {RechargeWallet{"u-sh", 100, ""},                 bj,                    Rejection::account_not_found},
    {RechargeWallet{"u-own", 100, ""},                bj,                    Rejection::account_not_found},
    {RechargeWallet{"u-nobody", 100, ""},             bj,                    Rejection::account_not_found},
    {RechargeWallet{"u-sh", 100, ""},                 sh,                    Rejection::none},
    {OpenAccount{"u-bj-2", "retail", 0, "bj-1"},      bj,                    Rejection::none},
    {OpenAccount{"u-sh-2", "retail", 0, "sh"},        bj,                    Rejection::agent_not_found},
    {OpenAccount{"u-own-2", "retail", 0, ""},         bj,                    Rejection::permission_denied},
    {AddAgent{"bj-2", "bj", "Chaoyang", 0},           bj,                    Rejection::none},
    {AddAgent{"sh-1", "sh", "Pudong", 0},             bj,                    Rejection::agent_not_found},
    {AddAgent{"top", "", "Top", 500},                 bj,                    Rejection::agent_not_found},
    {SuspendAgent{"bj-1", "late payment"},            bj,                    Rejection::none},
    {ResumeAgent{"bj-1"},                             bj,                    Rejection::none},
    {SuspendAgent{"bj", "itself"},                    bj,                    Rejection::agent_not_found},
    {SuspendAgent{"sh", "another"},                   bj,                    Rejection::agent_not_found},
    {SetLevelPrice{1, 400},                           bj,                    Rejection::permission_denied},
    {ImportRatePlan{"cheap", "c.csv", {Rate{"86", "China", 1, 0, 60, 60}}}, bj, Rejection::permission_denied},
    {AddPrincipal{"op-bj-2", PrincipalRole::agent, "bj-1", hash}, bj,      Rejection::permission_denied},
    {SetPrincipalPassword{"op-bj", hash},             bj,                    Rejection::none},
    {SetPrincipalPassword{"op-sh", hash},             bj,                    Rejection::permission_denied},
    {TransferAccount{"u-sh", "bj", ConsentParty::provider, "C-1"}, bj,       Rejection::account_not_found},
    {RechargeWallet{"u-sh", 100, ""},                 "principal:audit",     Rejection::permission_denied},
    {RechargeWallet{"u-sh", 100, ""},                 "principal:ghost",     Rejection::permission_denied},
    {RechargeWallet{"u-sh", 100, ""},                 "principal:ops",       Rejection::none},
    {SetLevelPrice{1, 400},                           "principal:ops",       Rejection::none},
    {RechargeWallet{"u-sh", 100, ""},                 "local:operator",      Rejection::none},
  };
  // clang-format on
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO("row " << i << " as " << rows[i].actor);
    const std::size_t events_before = ledger.events().size();
    CHECK(ledger.submit(rows[i].command, rows[i].actor) == rows[i].expect);
    if (rows[i].expect != Rejection::none) {
      CHECK(ledger.events().size() == events_before);
    } else {
      // The event records who acted.
      REQUIRE(ledger.events().size() > events_before);
      CHECK(ledger.events().back().actor == rows[i].actor);
    }
  }
  // Moved out of its reach, the account is out of reach at once: the rule
  // reads the state the request is decided on.
  REQUIRE(ledger.submit(TransferAccount{"u-bj", "sh", ConsentParty::provider, "C-2"}) == Rejection::none);
  CHECK(ledger.submit(RechargeWallet{"u-bj", 1, ""}, bj) == Rejection::account_not_found);
  CHECK(ledger.submit(RechargeWallet{"u-bj", 1, ""}, sh) == Rejection::none);
}

}  // namespace
}  // namespace huawu
