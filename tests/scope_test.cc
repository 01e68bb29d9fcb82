// An agent operator's reach (cli/scope.h, issues 4 to 6): 10,000 random
// (principal, target, verb kind) triples over a random tree, each checked
// against a simple reference rule computed another way (the set of agents
// reached from the operator's agent going down the children lists, where
// scope_answer walks up the parents).
#include <catch2/catch.hpp>

#include <random>
#include <set>

#include "cli/scope.h"
#include "events/card_number.h"
#include "tests/agents_ledger.h"
#include "tests/property_seed.h"

namespace huawu {
namespace {

using cli::Scope;
using cli::ScopeAnswer;
using cli::Target;
using cli::TargetKind;

std::set<std::string> reference_subtree(const Agents& agents, const std::string& root) {
  std::set<std::string> out{root};
  std::vector<std::string> stack{root};
  while (!stack.empty()) {
    const std::string id = stack.back();
    stack.pop_back();
    for (const std::string& child : agents.children(id))
      if (out.insert(child).second) stack.push_back(child);
  }
  return out;
}

ScopeAnswer reference_answer(const Scope& scope, const Target& target, const LedgerState& state) {
  const std::set<std::string> reach = reference_subtree(state.agents(), scope.agent);
  switch (target.kind) {
    case TargetKind::anyone: return ScopeAnswer::allowed;
    case TargetKind::ledger: return ScopeAnswer::permission_denied;
    case TargetKind::own_principal:
      return target.id == scope.principal ? ScopeAnswer::allowed : ScopeAnswer::permission_denied;
    case TargetKind::account: {
      const AccountState* account = state.balances().find(target.id);
      return account && reach.count(account->agent) ? ScopeAnswer::allowed : ScopeAnswer::account_not_found;
    }
    case TargetKind::agent: return reach.count(target.id) ? ScopeAnswer::allowed : ScopeAnswer::agent_not_found;
    case TargetKind::agent_below:
      return target.id != scope.agent && reach.count(target.id) ? ScopeAnswer::allowed : ScopeAnswer::agent_not_found;
    case TargetKind::card: {
      // Every batch, searched by its serial range (the projection uses an index).
      const auto parsed = parse_card_number(target.id);
      std::string agent;
      state.cards().for_each_batch([&](const CardBatchState& batch) {
        if (parsed && batch.contains(parsed->serial)) agent = batch.issued.agent;
      });
      return !agent.empty() && reach.count(agent) ? ScopeAnswer::allowed : ScopeAnswer::card_not_found;
    }
    case TargetKind::ticket: {
      // The ticket's account and that account's agent (no user moves here).
      const TicketState* ticket = state.tickets().find(target.id);
      const AccountState* account = ticket ? state.balances().find(ticket->opened.account) : nullptr;
      return account && reach.count(account->agent) ? ScopeAnswer::allowed : ScopeAnswer::ticket_not_found;
    }
    case TargetKind::promotion: {
      std::string agent;
      state.promotions().for_each([&](const PromotionState& p) {
        if (p.requested.promotion == target.id) agent = p.requested.agent;
      });
      return !agent.empty() && reach.count(agent) ? ScopeAnswer::allowed : ScopeAnswer::promotion_not_found;
    }
  }
  return ScopeAnswer::permission_denied;
}

TEST_CASE("scope: 10,000 random (principal, target, verb kind) triples agree with the reference rule",
          "[scope][property]") {
  const std::uint64_t seed = test::property_seed(11);
  INFO("seed " << seed << " (HUAWU_PROPERTY_SEED)");
  std::mt19937_64 rng(seed);
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  test::AgentsLedger ledger;
  std::vector<std::string> agents;
  for (int i = 0; i < 60; ++i) {
    const std::string id = "a" + std::to_string(i);
    const std::string parent = agents.empty() || pick(5) == 0 ? std::string() : agents[pick(agents.size())];
    REQUIRE(ledger.submit(AddAgent{id, parent, "agent " + id, 0}) == Rejection::none);
    agents.push_back(id);
  }
  std::vector<std::string> accounts;
  for (int i = 0; i < 200; ++i) {
    const std::string id = "u" + std::to_string(i);
    REQUIRE(ledger.submit(OpenAccount{id, "retail", 0, pick(6) == 0 ? std::string() : agents[pick(agents.size())]}) ==
            Rejection::none);
    accounts.push_back(id);
  }
  // Card batches of a few agents: numbers of them, and numbers of no card.
  std::vector<std::string> cards{"1000000000000009", "2000000000099990", "not-a-number"};
  for (int i = 0; i < 8; ++i) {
    const CardKind kind = pick(2) ? CardKind::account : CardKind::recharge;
    REQUIRE(ledger.submit(IssueCards{agents[pick(agents.size())], kind, 50, 10'000, {}, 0}) == Rejection::none);
    const auto& batch = std::get<CardBatchIssued>(ledger.last().events.at(0).payload);
    for (int k = 0; k < 5; ++k) cards.push_back(card_number(kind, batch.first_serial + pick(batch.count)));
  }
  // Tickets of a few users, promotions of a few agents; and ids of neither.
  std::vector<std::string> others{"T999999", "P999999"};
  for (int i = 0; i < 20; ++i) {
    REQUIRE(ledger.submit(OpenTicket{accounts[pick(accounts.size())], "no tone", test::agents_start_us - 1}) ==
            Rejection::none);
    others.push_back(std::get<TicketOpened>(ledger.last().events.at(0).payload).ticket);
    REQUIRE(ledger.submit(RequestPromotion{agents[pick(agents.size())], "retail", 500, "2025-01-01", "2025-01-31"}) ==
            Rejection::none);
    others.push_back(std::get<PromotionRequested>(ledger.last().events.at(0).payload).promotion);
  }
  int allowed = 0, refused = 0;
  for (int i = 0; i < 10'000; ++i) {
    const Scope scope{"p" + std::to_string(pick(5)), agents[pick(agents.size())]};
    const auto kind = static_cast<TargetKind>(pick(9));
    std::string id;
    switch (pick(6)) {
      case 0: id = agents[pick(agents.size())]; break;
      case 1: id = accounts[pick(accounts.size())]; break;
      case 2: id = "p" + std::to_string(pick(5)); break;
      case 3: id = cards[pick(cards.size())]; break;
      case 4: id = others[pick(others.size())]; break;
      default: id = pick(2) ? scope.agent : "nobody";
    }
    const Target target{kind, id};
    const ScopeAnswer expected = reference_answer(scope, target, ledger.state());
    INFO("principal " << scope.principal << " of " << scope.agent << ", kind " << static_cast<int>(kind) << ", target " << id);
    REQUIRE(cli::scope_answer(scope, target, ledger.state()) == expected);
    (expected == ScopeAnswer::allowed ? allowed : refused)++;
  }
  // Both outcomes were exercised in earnest.
  CHECK(allowed > 1'000);
  CHECK(refused > 1'000);
}

}  // namespace
}  // namespace huawu
