// The agent tree verbs (issue 4, clauses B3.1 and 4.1): add agents, set their
// wholesale prices and the provider's price per level, suspend and resume a
// subtree, and show the tree.
#include <chrono>
#include <functional>
#include <unordered_map>

#include "cli/format.h"
#include "cli/verbs.h"
#include "events/money.h"
#include "ledger/rating.h"

namespace huawu::cli {

namespace {

// "provider" (or nothing) names the root of the tree.
std::string parent_id(const std::string& text) { return text == "provider" ? std::string() : text; }

std::optional<std::int64_t> price_or_report(Context& ctx, const std::string& text, int* code) {
  std::string why;
  auto units = parse_fen(text, &why);
  if (!units) *code = print_error(ctx, exit_bad_input, "price_invalid", why);
  return units;
}

struct TreeRow {
  std::string id;
  const AgentState* agent = nullptr;
  std::uint32_t depth = 0;  // below the root shown
  std::int64_t price_units = 0;
  const char* price_source = "none";  // own | level | none
  std::uint64_t bound_users = 0;
  std::int64_t wallets_units = 0;      // its own users' wallets (available + held)
  std::uint64_t subtree_users = 0;     // with every agent below it
  std::int64_t subtree_wallets_units = 0;
  bool blocked = false;                // it or an agent above it is suspended
  AgentFunds funds;
  AgentDayFigures month;  // its own users' calls this month (China time)
};

// "12,345 min 30 s" style is for people; minutes with the odd seconds.
std::string minutes_text(std::int64_t seconds) {
  std::string text = std::to_string(seconds / 60) + " min";
  if (seconds % 60 != 0) text += " " + std::to_string(seconds % 60 < 0 ? -(seconds % 60) : seconds % 60) + " s";
  return text;
}

}  // namespace

int verb_agent_add(Context& ctx, const std::string& agent, const std::string& parent, const std::string& name,
                   const std::string& price, const std::string& key) {
  int code = exit_ok;
  std::int64_t price_units = 0;
  if (!price.empty()) {
    auto units = price_or_report(ctx, price, &code);
    if (!units) return code;
    price_units = *units;
  }
  return run_request(ctx, Request{AddAgent{agent, parent_id(parent), name, price_units}, key, {}, 0});
}

int verb_agent_price(Context& ctx, const std::string& agent, const std::string& price, const std::string& key) {
  int code = exit_ok;
  std::int64_t price_units = 0;  // "level": back to the level's price
  if (price != "level") {
    auto units = price_or_report(ctx, price, &code);
    if (!units) return code;
    price_units = *units;
  }
  return run_request(ctx, Request{SetAgentPrice{agent, price_units}, key, {}, 0});
}

int verb_pricing_set_level(Context& ctx, std::uint32_t level, const std::string& price, const std::string& key) {
  int code = exit_ok;
  std::int64_t price_units = 0;  // "none": the level has no price
  if (price != "none") {
    auto units = price_or_report(ctx, price, &code);
    if (!units) return code;
    price_units = *units;
  }
  return run_request(ctx, Request{SetLevelPrice{level, price_units}, key, {}, 0});
}

int verb_agent_suspend(Context& ctx, const std::string& agent, const std::string& reason, const std::string& key) {
  return run_request(ctx, Request{SuspendAgent{agent, reason}, key, {}, 0});
}

int verb_agent_resume(Context& ctx, const std::string& agent, const std::string& key) {
  return run_request(ctx, Request{ResumeAgent{agent}, key, {}, 0});
}

int verb_agent_tree(Context& ctx, const std::string& root_text) {
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  const std::string root = parent_id(root_text);
  std::vector<TreeRow> rows;
  bool found = true;
  std::string provider_name, month_name;
  std::uint64_t as_of = 0;
  writer->read_and_wait([&](const LedgerState& ledger) {
    const Agents& agents = ledger.agents();
    as_of = ledger.applied_through();
    // "This month" is the month of the ledger's latest event, in China time.
    const std::chrono::year_month_day today{
        std::chrono::sys_days{std::chrono::days{china_day_number(ledger.last_ledger_time_us())}}};
    const std::chrono::year_month month{today.year(), today.month()};
    const auto month_first = static_cast<std::int32_t>(
        std::chrono::sys_days{month / std::chrono::day{1}}.time_since_epoch().count());
    const auto month_last = static_cast<std::int32_t>(
        std::chrono::sys_days{month / std::chrono::last}.time_since_epoch().count());
    month_name = china_month(ledger.last_ledger_time_us());
    if (ledger.info().created()) provider_name = ledger.info().ledger().provider_name;
    if (!root.empty() && !agents.find(root)) {
      found = false;
      return;
    }
    // Each agent's own users' money, in one pass over the accounts.
    std::unordered_map<std::string_view, std::int64_t> wallets;
    ledger.balances().for_each_account([&](const std::string&, const AccountState& account) {
      if (!account.agent.empty()) wallets[account.agent] += account.total_units();
    });
    // Is any agent above the root suspended? Then the whole subtree is blocked.
    bool blocked_above = false;
    for (const AgentState* a = root.empty() ? nullptr : agents.find(root); a && !a->parent.empty();) {
      a = agents.find(a->parent);
      if (a && a->suspended) blocked_above = true;
    }
    // Pre-order, children in id order; subtree totals are added on the way back.
    std::function<void(const std::string&, std::uint32_t, bool)> visit = [&](const std::string& id,
                                                                             std::uint32_t depth, bool blocked) {
      const AgentState* agent = agents.find(id);
      const std::size_t index = rows.size();
      TreeRow row;
      row.id = id;
      row.agent = agent;
      row.depth = depth;
      row.price_units = agents.effective_price_units(*agent);
      row.price_source = agent->price_units_per_minute != 0 ? "own" : row.price_units != 0 ? "level" : "none";
      row.bound_users = agents.bound_users(id);
      auto w = wallets.find(id);
      row.wallets_units = w == wallets.end() ? 0 : w->second;
      row.subtree_users = row.bound_users;
      row.subtree_wallets_units = row.wallets_units;
      row.blocked = blocked || agent->suspended;
      row.funds = *agents.agent_funds(id);
      agents.for_each_day(id, month_first, month_last,
                          [&](std::int32_t, const AgentDayFigures& f) { row.month += f; });
      rows.push_back(row);
      for (const std::string& child : agents.children(id)) {
        visit(child, depth + 1, rows[index].blocked);
        // rows may have grown: index, not a reference.
      }
      for (std::size_t i = index + 1; i < rows.size(); ++i)
        if (rows[i].depth == depth + 1) {
          rows[index].subtree_users += rows[i].subtree_users;
          rows[index].subtree_wallets_units += rows[i].subtree_wallets_units;
        }
    };
    if (root.empty()) {
      for (const std::string& top : agents.children("")) visit(top, 0, false);
    } else {
      visit(root, 0, blocked_above);
    }
  });
  if (!found) return print_error(ctx, exit_refused, "agent_not_found", "refused: agent_not_found");

  if (ctx.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const TreeRow& row : rows) {
      list.push_back({{"agent", row.id},
                      {"name", row.agent->name},
                      {"parent", row.agent->parent.empty() ? "provider" : row.agent->parent},
                      {"level", row.agent->level},
                      {"depth", row.depth},
                      {"price_units_per_minute", row.price_units},
                      {"price_fen_per_minute", format_fen(row.price_units)},
                      {"price_source", row.price_source},
                      {"status", row.agent->suspended ? "suspended" : row.blocked ? "blocked_by_parent" : "active"},
                      {"suspend_reason", row.agent->suspend_reason},
                      {"bound_users", row.bound_users},
                      {"wallets_units", row.wallets_units},
                      {"wallets", format_yuan(row.wallets_units)},
                      {"subtree_users", row.subtree_users},
                      {"subtree_wallets_units", row.subtree_wallets_units},
                      {"subtree_wallets", format_yuan(row.subtree_wallets_units)},
                      {"pool_seconds", row.funds.pool_seconds},
                      {"reserved_seconds", row.funds.reserved_seconds},
                      {"available_seconds", row.funds.available_seconds()},
                      {"traffic_overdraft_seconds", row.funds.overdraft_seconds},
                      {"bought_seconds", row.funds.bought_seconds},
                      {"used_seconds", row.funds.used_seconds},
                      {"paid_traffic_units", row.funds.paid_traffic_units},
                      {"paid_traffic", format_yuan(row.funds.paid_traffic_units)},
                      {"bought_units", row.funds.bought_units},
                      {"bought", format_yuan(row.funds.bought_units)},
                      {"prepaid_units", row.funds.prepaid_units()},
                      {"prepaid", format_yuan(row.funds.prepaid_units())},
                      {"owes_units", row.funds.prepaid_units() < 0 ? -row.funds.prepaid_units() : 0},
                      {"prepayment_credit_units", row.funds.credit_line_units},
                      {"deposit_units", row.funds.deposit_units},
                      {"deposit", format_yuan(row.funds.deposit_units)},
                      {"month", month_name},
                      {"month_calls", row.month.calls},
                      {"month_billed_seconds", row.month.billed_seconds},
                      {"month_revenue_units", row.month.revenue_units},
                      {"month_wholesale_cost_units", row.month.wholesale_cost_units()},
                      {"month_margin_units", row.month.margin_units()}});
    }
    ctx.out << json_line(nlohmann::json{{"root", root.empty() ? "provider" : root},
                                        {"agents", list},
                                        {"as_of_sequence", as_of}})
            << "\n";
    return exit_ok;
  }
  std::uint32_t indent_base = 0;
  if (root.empty()) {
    ctx.out << "provider  " << provider_name << "\n";
    indent_base = 1;
  }
  if (rows.empty()) ctx.out << "  (no agents)\n";
  for (const TreeRow& row : rows) {
    ctx.out << std::string(2 * (row.depth + indent_base), ' ') << row.id << "  \"" << row.agent->name << "\"  level "
            << row.agent->level << "  price ";
    if (row.price_units == 0) ctx.out << "none";
    else ctx.out << format_fen(row.price_units) << " fen/min (" << row.price_source << ")";
    ctx.out << "  users " << row.bound_users << "  wallets " << format_yuan(row.wallets_units) << " yuan"
            << "  pool " << minutes_text(row.funds.pool_seconds);
    if (row.funds.reserved_seconds != 0) ctx.out << " (" << minutes_text(row.funds.reserved_seconds) << " in calls)";
    ctx.out << "  paid " << format_yuan(row.funds.paid_traffic_units) << " bought " << format_yuan(row.funds.bought_units);
    if (row.funds.prepaid_units() < 0) ctx.out << " OWES " << format_yuan(-row.funds.prepaid_units());
    if (row.funds.deposit_units != 0) ctx.out << "  deposit " << format_yuan(row.funds.deposit_units);
    if (row.month.calls != 0) {
      ctx.out << "  " << month_name << ": " << minutes_text(row.month.billed_seconds) << ", revenue "
              << format_yuan(row.month.revenue_units) << ", margin " << format_yuan(row.month.margin_units());
    }
    if (row.subtree_users != row.bound_users || row.subtree_wallets_units != row.wallets_units)
      ctx.out << "  (subtree: users " << row.subtree_users << ", wallets " << format_yuan(row.subtree_wallets_units)
              << " yuan)";
    if (row.agent->suspended)
      ctx.out << "  SUSPENDED" << (row.agent->suspend_reason.empty() ? "" : ": " + row.agent->suspend_reason);
    else if (row.blocked)
      ctx.out << "  (blocked: an agent above is suspended)";
    ctx.out << "\n";
  }
  return exit_ok;
}

}  // namespace huawu::cli
