// The verb table's entries for the agent tree, agents' money, principals and
// level prices (cli/verb_table.h).
#include "cli/verb_args.h"
#include "cli/verb_table.h"
#include "cli/verbs.h"

namespace huawu::cli {

namespace {

void add_tree(std::vector<VerbSpec>& t, std::vector<GroupSpec>& g) {
  g.push_back({"agent", "the agent tree: add agents, prices, suspend, resume, show", {}});
  t.push_back({.id = VerbId::agent_add, .path = "agent add",
               .help = "add an agent under the provider or under another agent",
               .args = {required("ID", "agent id: 1-64 of [A-Za-z0-9_.-], not \"provider\""),
                        required("--parent", "the parent agent, or provider for a level-1 agent"),
                        required("--name", "the agent's name"),
                        text("--price", "wholesale fen per minute its parent sells it traffic at, e.g. 8.5 "
                                        "(default: its level's price)"),
                        key_arg(), json_arg()},
               .target = {TargetKind::agent, "--parent"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_agent_add(c, a.text("ID"), a.text("--parent"), a.text("--name"), a.text("--price"),
                                       a.text("--key"));
               }});
  t.push_back({.id = VerbId::agent_price, .path = "agent price",
               .help = "set the wholesale price an agent buys traffic at, from now on",
               .args = {required("ID", "agent id"),
                        required("PRICE", "fen per minute, e.g. 8.5; or level: its level's price"), key_arg(),
                        json_arg()},
               .target = {TargetKind::agent_below, "ID"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_agent_price(c, a.text("ID"), a.text("PRICE"), a.text("--key"));
               }});
  t.push_back({.id = VerbId::agent_suspend, .path = "agent suspend",
               .help = "refuse new calls of the agent's whole subtree",
               .args = {required("ID", "agent id"), text("--reason", "why, for the record"), key_arg(), json_arg()},
               .target = {TargetKind::agent_below, "ID"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_agent_suspend(c, a.text("ID"), a.text("--reason"), a.text("--key"));
               }});
  t.push_back({.id = VerbId::agent_resume, .path = "agent resume",
               .help = "allow new calls of a suspended agent's subtree again",
               .args = {required("ID", "agent id"), key_arg(), json_arg()},
               .target = {TargetKind::agent_below, "ID"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) { return verb_agent_resume(c, a.text("ID"), a.text("--key")); }});
  t.push_back({.id = VerbId::agent_tree, .path = "agent tree", .help = "the agent tree with prices, users and wallets",
               .args = {text("ROOT", "show only this agent's subtree (default: the whole tree)"), json_arg()},
               .target = {TargetKind::agent, "ROOT"},
               .run = [](Context& c, const VerbArgs& a) { return verb_agent_tree(c, a.text("ROOT")); }});
  t.push_back({.id = VerbId::agent_credit, .path = "agent credit",
               .help = "what a parent allows an agent beyond what it paid",
               .args = {required("ID", "agent id"),
                        required("--prepayment-credit", "yuan its traffic purchases may go below what it paid in"),
                        required("--traffic-overdraft-minutes", "minutes its users' calls may go below an empty pool"),
                        key_arg(), json_arg()},
               .target = {TargetKind::agent_below, "ID"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_agent_credit(c, a.text("ID"), a.text("--prepayment-credit"),
                                          a.text("--traffic-overdraft-minutes"), a.text("--key"));
               }});
  t.push_back({.id = VerbId::agent_statement, .path = "agent statement",
               .help = "every posting touching the agent, with running balances",
               .args = {required("ID", "agent id"), text("--from", "from this day (China time) or ISO 8601 time"),
                        text("--to", "through this day (China time) or until this ISO 8601 time"), json_arg()},
               .target = {TargetKind::agent, "ID"},
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_agent_statement(c, a.text("ID"), a.text("--from"), a.text("--to"));
               }});
}

VerbSpec deposit_verb(bool forfeiting) {
  ArgSpec reason = text("--reason", forfeiting ? "why it is kept (required)" : "why, for the record");
  reason.required = forfeiting;
  return {.id = forfeiting ? VerbId::deposit_forfeit : VerbId::deposit_refund,
          .path = forfeiting ? "deposit forfeit" : "deposit refund",
          .help = forfeiting ? "the parent keeps part or all of the deposit"
                             : "pay part or all of the deposit back to the agent",
          .args = {required("AGENT", "agent id"), required("AMOUNT", "yuan, up to 4 decimals"), reason, key_arg(),
                   json_arg()},
          .target = {TargetKind::agent_below, "AGENT"},
          .access = Access::writes,
          .run = forfeiting ? LedgerHandler([](Context& c, const VerbArgs& a) {
            return verb_deposit_release(c, a.text("AGENT"), a.text("AMOUNT"), true, a.text("--reason"), a.text("--key"));
          })
                            : LedgerHandler([](Context& c, const VerbArgs& a) {
                                return verb_deposit_release(c, a.text("AGENT"), a.text("AMOUNT"), false,
                                                            a.text("--reason"), a.text("--key"));
                              })};
}

void add_money(std::vector<VerbSpec>& t, std::vector<GroupSpec>& g) {
  g.push_back({"payment", "money agents paid their parent, from outside the system", {}});
  t.push_back({.id = VerbId::payment_record, .path = "payment record",
               .help = "record a payment from an agent to its parent",
               .args = {required("AGENT", "the paying agent"),
                        required("--kind", "traffic, deposit, franchise_fee or other"),
                        required("AMOUNT", "yuan, up to 4 decimals"), text("--ref", "bank transfer or receipt reference"),
                        key_arg(), json_arg()},
               .target = {TargetKind::agent_below, "AGENT"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_payment_record(c, a.text("AGENT"), a.text("--kind"), a.text("AMOUNT"), a.text("--ref"),
                                            a.text("--key"));
               }});
  g.push_back({"deposit", "an agent's security deposit: refund or forfeit (never edited)", {}});
  t.push_back(deposit_verb(false));
  t.push_back(deposit_verb(true));
  g.push_back({"traffic", "agents' prepaid traffic (clause 4.1)", {}});
  t.push_back({.id = VerbId::traffic_buy, .path = "traffic buy", .help = "buy whole minutes at the agent's wholesale price",
               .args = {required("AGENT", "the buying agent"), required("--minutes", "whole minutes, e.g. 10000"),
                        key_arg(), json_arg()},
               .target = {TargetKind::agent, "AGENT"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_traffic_buy(c, a.text("AGENT"), a.text("--minutes"), a.text("--key"));
               }});
  t.push_back({.id = VerbId::stats, .path = "stats",
               .help = "an agent's calls, minutes, revenue, wholesale cost and margin",
               .args = {required("AGENT", "agent id"), text("--from", "from this day (China time)"),
                        text("--to", "through this day (China time)"), text("--by", "day or month (default month)", "month"),
                        json_arg()},
               .target = {TargetKind::agent, "AGENT"},
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_stats(c, a.text("AGENT"), a.text("--from"), a.text("--to"), a.text("--by"));
               }});
}

// The command reads the password and sends only its argon2id hash.
int hash_password(CommandRun& run, VerbCall& call) {
  std::string why;
  auto hash = read_password_hash(call_has_flag(call, "--password-stdin"), run.err, &why);
  if (!hash) {
    run.err << "huawu: " << why << "\n";
    return exit_bad_input;
  }
  set_arg(call, "--password-hash", std::move(*hash));
  return exit_ok;
}

ArgSpec password_hash_arg() {
  ArgSpec hash = text("--password-hash", "");
  hash.hidden = true;  // set by the command for the daemon; a person never types it
  return hash;
}

void add_principals(std::vector<VerbSpec>& t, std::vector<GroupSpec>& g) {
  g.push_back({"principal", "who may act through the daemon: operators, agents, auditors", {}});
  const ArgSpec from_stdin = flag("--password-stdin", "read the password as one line of standard input");
  t.push_back({.id = VerbId::principal_add, .path = "principal add", .help = "add a principal with an operation password",
               .args = {required("NAME", "principal name: 1-64 of [A-Za-z0-9_.-]"),
                        required("--role", "provider, agent or auditor"),
                        text("--agent", "for role agent: the agent it acts for"), from_stdin, password_hash_arg(),
                        key_arg(), json_arg()},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_principal_add(c, a.text("NAME"), a.text("--role"), a.text("--agent"),
                                           a.text("--password-hash"), a.text("--key"));
               },
               .prepare = hash_password});
  t.push_back({.id = VerbId::principal_passwd, .path = "principal passwd",
               .help = "set a principal's operation password anew",
               .args = {required("NAME", "principal name"), from_stdin, password_hash_arg(), key_arg(), json_arg()},
               .target = {TargetKind::own_principal, "NAME"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_principal_passwd(c, a.text("NAME"), a.text("--password-hash"), a.text("--key"));
               },
               .prepare = hash_password});
  t.push_back({.id = VerbId::principal_list, .path = "principal list", .help = "the principals, their roles and agents",
               .args = {json_arg()},
               .run = [](Context& c, const VerbArgs&) { return verb_principal_list(c); }});
  g.push_back({"pricing", "the provider's wholesale price per agent level", {}});
  t.push_back({.id = VerbId::pricing_set_level, .path = "pricing set-level",
               .help = "the price for agents of a level without their own",
               .args = {integer("LEVEL", "agent level, 1 for the provider's direct agents", 0, uint32_max, 0, true),
                        required("PRICE", "fen per minute, e.g. 9; or none"), key_arg(), json_arg()},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_pricing_set_level(c, static_cast<std::uint32_t>(a.integer("LEVEL")), a.text("PRICE"),
                                               a.text("--key"));
               }});
}

}  // namespace

void add_agent_verbs(std::vector<VerbSpec>& table, std::vector<GroupSpec>& groups) {
  add_tree(table, groups);
  add_money(table, groups);
  add_principals(table, groups);
}

}  // namespace huawu::cli
