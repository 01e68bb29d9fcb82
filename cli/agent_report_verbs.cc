// What agents read (issue 4): `huawu stats` (calls, billed minutes, retail
// revenue, wholesale cost and margin per day or month, for an agent and its
// subtree) and `huawu agent statement` (every posting touching the agent,
// with running balances that reconcile to the ledger).
#include <chrono>
#include <functional>
#include <map>

#include "cli/format.h"
#include "cli/verbs.h"
#include "events/codec.h"
#include "events/money.h"

namespace huawu::cli {

namespace {

nlohmann::json figures_json(const AgentDayFigures& f) {
  return {{"calls", f.calls},
          {"billed_seconds", f.billed_seconds},
          {"billed_minutes", format_fen(f.billed_seconds * 100 / 60)},
          {"revenue_units", f.revenue_units},
          {"revenue", format_yuan(f.revenue_units)},
          {"wholesale_cost_units", f.wholesale_cost_units()},
          {"wholesale_cost", format_yuan(f.wholesale_cost_units())},
          {"margin_units", f.margin_units()},
          {"margin", format_yuan(f.margin_units())}};
}

std::string figures_text(const AgentDayFigures& f) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "%8lld %12s %14s %14s %14s", static_cast<long long>(f.calls),
                format_fen(f.billed_seconds * 100 / 60).c_str(), format_yuan(f.revenue_units).c_str(),
                format_yuan(f.wholesale_cost_units()).c_str(), format_yuan(f.margin_units()).c_str());
  return buffer;
}

std::string day_text(std::int32_t day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()));
  return buffer;
}

// The agent and every agent below it.
std::vector<std::string> subtree_of(const Agents& agents, const std::string& root) {
  std::vector<std::string> out{root};
  for (std::size_t i = 0; i < out.size(); ++i)
    for (const std::string& child : agents.children(out[i])) out.push_back(child);
  return out;
}

bool touches_agent(const Posting& p, const std::string& agent) {
  if (p.owner != agent) return false;
  switch (p.kind) {
    case LedgerAccountKind::external_cash:
    case LedgerAccountKind::user_wallet:
    case LedgerAccountKind::user_hold:
    case LedgerAccountKind::user_arrears:
    case LedgerAccountKind::traffic_source:
      return false;
    default:
      return true;  // its prepaid, deposit, revenues, forfeits, pool and used traffic
  }
}

std::string amount_text(const Posting& p, std::int64_t amount) {
  return p.unit == Unit::cny_units ? format_yuan(amount) + " yuan" : std::to_string(amount) + " s";
}

}  // namespace

int verb_stats(Context& ctx, const std::string& agent, const std::string& from, const std::string& to,
               const std::string& by) {
  if (by != "day" && by != "month")
    return print_error(ctx, exit_bad_input, "period_invalid", "invalid --by '" + by + "': day or month");
  int code = exit_ok;
  const auto window = time_window_or_report(ctx, from, to, &code);
  if (!window) return code;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  bool found = false;
  std::string name;
  // period -> (own, subtree)
  std::map<std::string, std::pair<AgentDayFigures, AgentDayFigures>> periods;
  std::pair<AgentDayFigures, AgentDayFigures> total;
  std::uint64_t as_of = 0;
  writer->read_and_wait([&](const LedgerState& ledger) {
    const Agents& agents = ledger.agents();
    as_of = ledger.applied_through();
    const AgentState* state = agents.find(agent);
    if (!state) return;
    found = true;
    name = state->name;
    // Whole days only: a bound inside a day counts that day.
    const std::int32_t first_day = china_day_number(window->from_us);
    const std::int32_t last_day = china_day_number(window->to_us - 1);
    for (const std::string& id : subtree_of(agents, agent)) {
      agents.for_each_day(id, first_day, last_day, [&](std::int32_t day, const AgentDayFigures& f) {
        std::string period = day_text(day);
        if (by == "month") period.resize(7);
        auto& [own, subtree] = periods[period];
        subtree += f;
        total.second += f;
        if (id == agent) {
          own += f;
          total.first += f;
        }
      });
    }
  });
  if (!found) return print_error(ctx, exit_refused, "agent_not_found", "refused: agent_not_found");
  if (ctx.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [period, figures] : periods)
      list.push_back({{"period", period}, {"own", figures_json(figures.first)}, {"subtree", figures_json(figures.second)}});
    ctx.out << json_line(nlohmann::json{{"agent", agent},
                                        {"by", by},
                                        {"periods", list},
                                        {"total", {{"own", figures_json(total.first)}, {"subtree", figures_json(total.second)}}},
                                        {"as_of_sequence", as_of}})
            << "\n";
    return exit_ok;
  }
  ctx.out << "stats " << agent << " \"" << name << "\" by " << by
          << " (China time); own: its users' calls; subtree: with every agent below it\n";
  char header[200];
  std::snprintf(header, sizeof header, "%-10s %-5s %8s %12s %14s %14s %14s\n", "period", "", "calls", "billed min",
                "revenue", "wholesale", "margin");
  ctx.out << header;
  auto line = [&](const std::string& period, const char* scope, const AgentDayFigures& f) {
    char head[32];
    std::snprintf(head, sizeof head, "%-10s %-5s ", period.c_str(), scope);
    ctx.out << head << figures_text(f) << "\n";
  };
  for (const auto& [period, figures] : periods) {
    line(period, "own", figures.first);
    if (figures.second != figures.first) line("", "tree", figures.second);
  }
  line("total", "own", total.first);
  line("", "tree", total.second);
  return exit_ok;
}

int verb_agent_statement(Context& ctx, const std::string& agent, const std::string& from, const std::string& to) {
  int code = exit_ok;
  const auto window = time_window_or_report(ctx, from, to, &code);
  if (!window) return code;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  const Store* store = store_or_report(ctx, &code);
  if (!store) return code;
  // The ledger's balances at one sequence, and the log through that sequence.
  bool found = false;
  std::uint64_t head = 0;
  std::map<std::pair<LedgerAccountKind, Unit>, std::int64_t> ledger_balances;
  writer->read_and_wait([&](const LedgerState& ledger) {
    head = ledger.applied_through();
    if (!ledger.agents().find(agent)) return;
    found = true;
    for (std::uint8_t k = 0; k <= ledger_account_kind_max; ++k)
      for (const Unit unit : {Unit::cny_units, Unit::traffic_seconds}) {
        const Posting probe{static_cast<LedgerAccountKind>(k), agent, unit, 0};
        if (!touches_agent(probe, agent)) continue;
        const std::int64_t units =
            ledger.balances().ledger_account_units(LedgerAccountKey{probe.kind, agent, unit});
        if (units != 0) ledger_balances[{probe.kind, unit}] = units;
      }
  });
  if (!found) return print_error(ctx, exit_refused, "agent_not_found", "refused: agent_not_found");

  std::map<std::pair<LedgerAccountKind, Unit>, std::int64_t> running, opening;
  nlohmann::json lines = nlohmann::json::array();
  std::string text;
  bool opened = false;
  std::uint64_t shown = 0;
  store->scan_events(1, [&](std::uint64_t sequence, std::string_view bytes) {
    if (sequence > head) return false;
    std::string reason;
    auto stored = decode_stored_event(bytes, &reason);
    if (!stored) throw StorageError("event " + std::to_string(sequence) + " unreadable: " + reason);
    const Event& event = stored->event;
    if (event.ledger_time_us >= window->to_us) return false;
    const bool in_window = event.ledger_time_us >= window->from_us;
    if (in_window && !opened) {
      opening = running;
      opened = true;
    }
    for (const Posting& p : event.postings) {
      if (!touches_agent(p, agent)) continue;
      std::int64_t& balance = running[{p.kind, p.unit}];
      balance += p.amount;
      if (!in_window) continue;
      ++shown;
      if (ctx.json) {
        lines.push_back({{"sequence", sequence},
                         {"ledger_time", format_time_utc(event.ledger_time_us)},
                         {"type", payload_name(event.payload)},
                         {"ledger_account", kind_name(p.kind)},
                         {"unit", p.unit == Unit::cny_units ? "cny_units" : "traffic_seconds"},
                         {"amount", p.amount},
                         {"balance", balance}});
      } else {
        char head_text[48];
        std::snprintf(head_text, sizeof head_text, "%8llu  ", static_cast<unsigned long long>(sequence));
        text += head_text + format_time_utc(event.ledger_time_us) + "  " + payload_name(event.payload) + "  " +
                kind_name(p.kind) + "  " + (p.amount >= 0 ? "+" : "") + amount_text(p, p.amount) + "  balance " +
                amount_text(p, balance) + "\n";
      }
    }
    return true;
  });
  if (!opened) opening = running;
  // Reconciliation: through `head`, the running balances are the ledger's.
  std::map<std::pair<LedgerAccountKind, Unit>, std::int64_t> closing;
  for (const auto& [key, units] : running)
    if (units != 0) closing[key] = units;
  const bool through_head = !window->bounded;
  const bool reconciled = !through_head || closing == ledger_balances;
  auto balances_json = [](const std::map<std::pair<LedgerAccountKind, Unit>, std::int64_t>& m) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [key, units] : m)
      if (units != 0) j[kind_name(key.first)] = units;
    return j;
  };
  if (ctx.json) {
    ctx.out << json_line(nlohmann::json{{"agent", agent},
                                        {"opening", balances_json(opening)},
                                        {"postings", lines},
                                        {"closing", balances_json(running)},
                                        {"reconciled", reconciled},
                                        {"as_of_sequence", head}})
            << "\n";
  } else {
    ctx.out << "statement of agent " << agent << " through sequence " << head << "\n";
    ctx.out << "opening:";
    for (const auto& [key, units] : opening)
      if (units != 0) ctx.out << "  " << kind_name(key.first) << " " << amount_text(Posting{key.first, "", key.second, 0}, units);
    ctx.out << "\n" << text << "closing:";
    for (const auto& [key, units] : running)
      if (units != 0) ctx.out << "  " << kind_name(key.first) << " " << amount_text(Posting{key.first, "", key.second, 0}, units);
    ctx.out << "\n" << shown << " postings";
    if (through_head) ctx.out << (reconciled ? "; closing balances equal the ledger's" : "; DOES NOT RECONCILE with the ledger");
    ctx.out << "\n";
  }
  return reconciled ? exit_ok : exit_refused;
}

}  // namespace huawu::cli
