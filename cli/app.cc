#include "cli/app.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "cli/calendar_verbs.h"
#include "cli/card_verbs.h"
#include "cli/compliance_app.h"
#include "cli/contract_verbs.h"
#include "cli/daemon_client.h"
#include "cli/local_verbs.h"
#include "cli/scope.h"
#include "cli/switch_sim.h"
#include "cli/verbs.h"

namespace huawu::cli {

namespace {

std::string default_data_dir() {
  const char* env = std::getenv("HUAWU_DATA");
  return env && *env ? env : "./huawu-data";
}

// The arguments without the global --data option: the daemon serves one
// data directory, its own.
std::vector<std::string> without_data_option(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--data") {
      ++i;
      continue;
    }
    if (args[i].rfind("--data=", 0) == 0) continue;
    out.push_back(args[i]);
  }
  return out;
}

void add_switch_sim_options(CLI::App& verb, SimOptions& sim) {
  verb.add_option("--endpoint", sim.endpoint, "the daemon's switch endpoint (default tcp://127.0.0.1:7750)");
  verb.add_option("--switch-id", sim.switch_id, "the switch id the simulator uses");
  verb.add_option("--rate", sim.rate_calls_per_second, "new calls started per second");
  verb.add_option("--duration", sim.duration_seconds, "seconds to start new calls for, then drain");
  verb.add_option("--accounts", sim.accounts, "accounts called from: PREFIX00001..");
  verb.add_option("--account-prefix", sim.account_prefix, "account id prefix (default sim-)");
  verb.add_option("--concurrency", sim.concurrency, "most calls in progress at once");
  verb.add_option("--duplicates", sim.duplicates_percent, "percent of requests sent twice with the same key");
  verb.add_option("--records", sim.record_percent, "percent of calls sent only as call records");
  verb.add_option("--unanswered", sim.unanswered_percent, "percent of calls that end unanswered");
  verb.add_option("--overrun", sim.overrun_percent, "percent of calls that run past their grant");
  verb.add_option("--talk-ms", sim.talk_ms_max, "most wall-clock ms between a grant and its settle");
  verb.add_option("--seed", sim.seed, "random seed");
  verb.add_option("--timeout", sim.reply_timeout_seconds, "seconds a reply may take before it is an anomaly");
  verb.add_flag("--setup", sim.setup, "first import the simulator's rate plan and open its accounts");
  verb.add_flag("--foreign-plan", [&sim](std::int64_t) { sim.own_plan = false; },
                "the accounts are on another plan: do not recompute costs");
  verb.add_option("--initial", sim.initial_yuan, "with --setup: each account's opening balance in yuan");
  verb.add_option("--agent", sim.agent, "with --setup: the agent the accounts are bound to");
}

// Refuses a target outside an agent operator's reach with the answer a
// missing one gets (cli/scope.h); exit_ok when in reach.
int check_scope(Context& ctx, const Scope& scope, const Target& target) {
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  ScopeAnswer answer = ScopeAnswer::allowed;
  writer->read_and_wait([&](const LedgerState& state) { answer = scope_answer(scope, target, state); });
  switch (answer) {
    case ScopeAnswer::allowed: return exit_ok;
    case ScopeAnswer::account_not_found: return print_error(ctx, exit_refused, "account_not_found", "refused: account_not_found");
    case ScopeAnswer::agent_not_found: return print_error(ctx, exit_refused, "agent_not_found", "refused: agent_not_found");
    case ScopeAnswer::card_not_found: return print_error(ctx, exit_refused, "card_not_found", "refused: card_not_found");
    case ScopeAnswer::ticket_not_found: return print_error(ctx, exit_refused, "ticket_not_found", "refused: ticket_not_found");
    case ScopeAnswer::promotion_not_found:
      return print_error(ctx, exit_refused, "promotion_not_found", "refused: promotion_not_found");
    case ScopeAnswer::permission_denied: break;
  }
  return print_error(ctx, exit_refused, "permission_denied", "refused: permission_denied");
}

// The command's end of a forwarded `cards issue`: the daemon's JSON answer
// becomes the PIN file and the answer the person asked for.
int finish_forwarded_issue(const ControlReply& reply, const std::string& data_dir, bool json, CardCsv& csv,
                           std::ostream& out, std::ostream& err) {
  std::uint64_t sequence = 0;
  bool replayed = false;
  const auto batch = reply.exit_code == exit_ok ? batch_from_reply(reply.out, &sequence, &replayed) : std::nullopt;
  if (!batch) {
    csv.discard();
    if (json) {
      out << reply.out << std::flush;
    } else {
      const auto j = nlohmann::json::parse(reply.out, nullptr, false);
      err << (j.is_object() && j.contains("message") ? "huawu: " + j["message"].get<std::string>() + "\n" : reply.out);
    }
    err << reply.err << std::flush;
    return reply.exit_code == exit_ok ? exit_storage : reply.exit_code;
  }
  EmbeddedAccess unused(data_dir);  // finish_card_issue reads only the key from the data directory
  Context ctx{data_dir, json, out, err, unused};
  return finish_card_issue(ctx, *batch, sequence, replayed, csv);
}

}  // namespace

int run_app(const std::vector<std::string>& args, Side side, std::ostream& out, std::ostream& err,
            LedgerAccess* daemon_access, const Forward& forward) {
  const bool command = side == Side::command;
  CLI::App app{"huawu (话务): event-sourced ledger for prepaid internet telephony"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "huawu 0.2.0");
  std::string data_dir = default_data_dir();
  bool json = false;
  CLI::Option* data_option = nullptr;
  if (command)
    data_option = app.add_option("--data", data_dir, "data directory (default $HUAWU_DATA, else ./huawu-data)");

  // What the parsed verb does: run on a ledger (forwardable to a daemon), or on its own.
  std::function<int(Context&)> on_ledger;
  // What the verb reaches, for an agent operator's scope (cli/scope.h).
  Target target{TargetKind::ledger, {}};
  std::function<int()> on_its_own;
  std::string import_file;  // rates import: sent to a daemon as an absolute path

  std::string account_id, initial = "0", plan, key, amount, reference, number, file, from, to;
  std::string agent_id, parent, name, price, reason, kind, minutes;
  std::uint32_t level = 0;
  std::optional<int> early_exit_code;  // a verb's callback refused before it ran
  auto add_json = [&](CLI::App* verb, const char* what = "print one JSON object") {
    verb->add_flag("--json", json, what);
  };
  auto add_key = [&](CLI::App* verb) {
    verb->add_option("--key", key, "idempotency key: a retry with the same key changes nothing");
  };

  // init (command only)
  std::string provider_id = "provider", provider_name = "Provider";
  if (command) {
    auto* init = app.add_subcommand("init", "create a new store (refuses if one exists)");
    init->add_option("--provider-id", provider_id, "provider id (default: provider)");
    init->add_option("--provider-name", provider_name, "provider name");
    add_json(init);
    init->callback([&] { on_its_own = [&] { return verb_init(data_dir, json, provider_id, provider_name, out, err); }; });
  }

  // account open | close
  auto* account = app.add_subcommand("account", "open or close user accounts");
  account->require_subcommand(1);
  auto* open = account->add_subcommand("open", "open a user account with a wallet");
  open->add_option("ID", account_id, "account id: 1-64 of [A-Za-z0-9_.-]")->required();
  open->add_option("--initial", initial, "initial balance in yuan, up to 4 decimals (default 0)");
  open->add_option("--plan", plan, "rate plan its calls are billed with (imported with `rates import`)");
  open->add_option("--agent", agent_id, "the agent the user is bound to (default: the provider's own user)");
  add_key(open);
  add_json(open);
  open->callback([&] {
    // A new account: the agent it is bound to must be in reach (none: the provider's own user).
    target = agent_id.empty() ? Target{TargetKind::ledger, {}} : Target{TargetKind::agent, agent_id};
    on_ledger = [&](Context& c) { return verb_account_open(c, account_id, initial, plan, agent_id, key); };
  });
  CloseChoice close_choice;
  auto* close = account->add_subcommand("close", "close a user account; a balance left needs one of the three choices");
  close->add_option("ID", account_id, "account id")->required();
  close->add_flag("--refund", close_choice.refund, "pay the remaining balance out (external cash)");
  close->add_option("--ref", close_choice.reference, "with --refund: the payout's reference");
  close->add_option("--transfer-to", close_choice.transfer_to, "move the balance to this account of the same agent");
  close->add_flag("--forfeit", close_choice.forfeit, "keep the balance (only when explicitly agreed)");
  add_key(close);
  add_json(close);
  close->callback([&] {
    target = Target{TargetKind::account, account_id};
    on_ledger = [&](Context& c) { return verb_account_close(c, account_id, close_choice, key); }; });
  std::string pin;
  auto* activate = account->add_subcommand("activate", "register a user with an account card (clause B2.2)");
  activate->add_option("NUMBER", number, "the card number: it becomes the account id")->required();
  activate->add_option("--pin", pin, "the card's PIN")->required();
  add_key(activate);
  add_json(activate);
  activate->callback([&] {
    target = Target{TargetKind::card, number};
    on_ledger = [&](Context& c) { return verb_account_activate(c, number, pin, key); }; });
  std::string consent, consent_by = "provider";
  auto* transfer = account->add_subcommand("transfer", "move a user to another agent, with written consent (clause 6.3)");
  transfer->add_option("ID", account_id, "account id")->required();
  transfer->add_option("--to-agent", agent_id, "the agent it moves to (provider: the provider's own users)")->required();
  transfer->add_option("--consent", consent, "reference of the written consent (required)");
  transfer->add_option("--consent-by", consent_by, "who consented: provider or both-agents (default provider)");
  add_key(transfer);
  add_json(transfer);
  transfer->callback([&] {
    target = Target{TargetKind::account, account_id};
    on_ledger = [&](Context& c) { return verb_account_transfer(c, account_id, agent_id, consent, consent_by, key); };
  });

  // recharge
  auto* recharge = app.add_subcommand("recharge", "add money to a user's wallet");
  recharge->add_option("ID", account_id, "account id")->required();
  recharge->add_option("AMOUNT", amount, "yuan, up to 4 decimals: 50, 12.3456")->required();
  recharge->add_option("--ref", reference, "source reference (receipt, payment id)");
  add_key(recharge);
  add_json(recharge);
  recharge->callback([&] {
    target = Target{TargetKind::account, account_id};
    on_ledger = [&](Context& c) { return verb_recharge(c, account_id, amount, reference, key); }; });

  // recharge-card redeem
  auto* recharge_card = app.add_subcommand("recharge-card", "recharge vouchers");
  recharge_card->require_subcommand(1);
  auto* redeem = recharge_card->add_subcommand("redeem", "credit a voucher's face value to an account, once");
  redeem->add_option("ACCOUNT", account_id, "account id")->required();
  redeem->add_option("--card", number, "the voucher's number")->required();
  redeem->add_option("--pin", pin, "the voucher's PIN")->required();
  add_key(redeem);
  add_json(redeem);
  redeem->callback([&] {
    target = Target{TargetKind::account, account_id};
    on_ledger = [&](Context& c) { return verb_recharge_card_redeem(c, account_id, number, pin, key); }; });

  // cards issue | batches | show | void
  CardIssueArgs issue_args;
  std::string card_out;
  std::unique_ptr<CardCsv> card_csv;  // the command's PIN file for `cards issue`
  auto* cards = app.add_subcommand("cards", "batches of account cards and recharge vouchers (clauses A2.3, A2.4)");
  cards->require_subcommand(1);
  auto* issue = cards->add_subcommand("issue", "issue a batch of cards; numbers and PINs go to --out only");
  issue->add_option("--agent", issue_args.agent, "the agent the cards are for")->required();
  issue->add_option("--kind", issue_args.kind, "account (opens an account) or recharge (a voucher)")->required();
  issue->add_option("--count", issue_args.count, "how many cards, up to 10,000,000")->required();
  issue->add_option("--face", issue_args.face, "each card's value in yuan, up to 4 decimals")->required();
  issue->add_option("--plan", issue_args.plan, "account cards: the rate plan their accounts open on");
  issue->add_option("--expires", issue_args.expires, "the last day the cards can be used (China time), e.g. 2027-12-31");
  issue->add_option("--out", card_out, "new CSV file for numbers and PINs (mode 0600, never overwritten)")->required();
  issue->add_option("--key", issue_args.key, "idempotency key: a retry with the same key issues nothing new");
  add_json(issue);
  issue->callback([&] {
    target = Target{TargetKind::agent, issue_args.agent};
    if (command) {
      // The file is made before the ledger is asked, so a batch is never issued without it.
      card_csv = std::make_unique<CardCsv>();
      std::string why;
      if (!card_csv->reserve(card_out, &why)) {
        err << "huawu: " << why << "\n";
        early_exit_code = exit_bad_input;
        return;
      }
    }
    on_ledger = [&](Context& c) { return verb_cards_issue(c, issue_args, card_csv.get()); };
  });
  auto* batches = cards->add_subcommand("batches", "card batches, with cards used and voided");
  batches->add_option("--agent", agent_id, "only this agent's subtree's batches (with its account-card counts)");
  add_json(batches);
  batches->callback([&] {
    target = Target{TargetKind::agent, agent_id};
    on_ledger = [&](Context& c) { return verb_cards_batches(c, agent_id); }; });
  auto* card_show = cards->add_subcommand("show", "one card: its batch and state");
  card_show->add_option("NUMBER", number, "the card number")->required();
  add_json(card_show);
  card_show->callback([&] {
    target = Target{TargetKind::card, number};
    on_ledger = [&](Context& c) { return verb_cards_show(c, number); }; });
  auto* card_void = cards->add_subcommand("void", "void a batch or a range of it: its cards are refused from now on");
  card_void->add_option("BATCH", name, "batch id, e.g. B000001")->required();
  card_void->add_option("--from", from, "first card number of the range");
  card_void->add_option("--to", to, "last card number of the range");
  card_void->add_option("--reason", reason, "why, for the record");
  add_key(card_void);
  add_json(card_void);
  card_void->callback([&] {
    target = Target{TargetKind::ledger, {}};
    on_ledger = [&](Context& c) { return verb_cards_void(c, name, from, to, reason, key); }; });

  // balance
  auto* balance = app.add_subcommand("balance", "show a user's wallet: balance, available, held for calls");
  balance->add_option("ID", account_id, "account id")->required();
  add_json(balance);
  balance->callback([&] {
    target = Target{TargetKind::account, account_id};
    on_ledger = [&](Context& c) { return verb_balance(c, account_id); }; });

  // rates import | show | lookup
  auto* rates = app.add_subcommand("rates", "rate plans: import, show, look up a number");
  rates->require_subcommand(1);
  auto* import = rates->add_subcommand("import", "import a rate plan from CSV; replaces the plan from now on");
  import->add_option("PLAN", plan, "rate plan id")->required();
  import->add_option("FILE", file,
                     "CSV: prefix,description,price_fen_per_minute,connect_fee_fen,first_block_s,next_block_s")
      ->required();
  add_key(import);
  add_json(import);
  import->callback([&] {
    target = Target{TargetKind::ledger, {}};
    import_file = file;
    on_ledger = [&](Context& c) { return verb_rates_import(c, plan, file, key); };
  });
  auto* show = rates->add_subcommand("show", "print a rate plan (as CSV, or JSON)");
  show->add_option("PLAN", plan, "rate plan id")->required();
  add_json(show);
  show->callback([&] {
    target = Target{TargetKind::anyone, {}};
    on_ledger = [&](Context& c) { return verb_rates_show(c, plan); }; });
  auto* lookup = rates->add_subcommand("lookup", "the rate a dialled number is billed at (longest prefix)");
  lookup->add_option("PLAN", plan, "rate plan id")->required();
  lookup->add_option("NUMBER", number, "dialled digits, e.g. 8613800138000")->required();
  add_json(lookup);
  lookup->callback([&] {
    target = Target{TargetKind::anyone, {}};
    on_ledger = [&](Context& c) { return verb_rates_lookup(c, plan, number); }; });

  // calls, holds
  auto* calls = app.add_subcommand("calls", "an account's billed and refused calls and expired holds (which switch, "
                                             "the SIP Call-ID); `calls cut CALL-ID` ends a live Kamailio call");
  calls->add_option("ACCOUNT", account_id, "account id");
  calls->add_option("--from", from, "from this day (China time) or ISO 8601 time, e.g. 2026-11-25");
  calls->add_option("--to", to, "through this day (China time) or until this ISO 8601 time");
  add_json(calls);
  // `calls cut CALL-ID` (issue 15): the daemon's Kamailio connector sends a disconnect.
  std::string cut_call;
  auto* cut = calls->add_subcommand("cut", "end a live Kamailio call now (needs the daemon's connector)");
  cut->add_option("CALL-ID", cut_call, "the SIP Call-ID, or huawu's call id of it")->required();
  add_json(cut);
  cut->callback([&] {
    target = Target{TargetKind::ledger, {}};
    on_ledger = [&](Context& c) { return verb_calls_cut(c, cut_call); }; });
  calls->callback([&] {
    if (cut->parsed()) return;
    if (account_id.empty()) throw CLI::RequiredError("ACCOUNT");
    target = Target{TargetKind::account, account_id};
    on_ledger = [&](Context& c) { return verb_calls(c, account_id, from, to); }; });

  // kamailio backfill | status (issue 15)
  std::string kamailio_switch_id = "kamailio";
  auto* kamailio = app.add_subcommand("kamailio", "the Kamailio connector: CDR backfill, status");
  kamailio->require_subcommand(1);
  auto* backfill = kamailio->add_subcommand(
      "backfill", "bill the calls in Kamailio's acc CDRs (a file or a directory) that the ledger has not seen");
  backfill->add_option("PATH", file, "a CDR file, or a directory of them")->required();
  backfill->add_option("--switch-id", kamailio_switch_id, "the connector's switch id (default kamailio)");
  add_json(backfill);
  backfill->callback([&] {
    target = Target{TargetKind::ledger, {}};
    import_file = file;
    on_ledger = [&](Context& c) { return verb_kamailio_backfill(c, file, kamailio_switch_id); }; });
  auto* kamailio_status = kamailio->add_subcommand("status", "the daemon's connection to Kamailio and its counts");
  add_json(kamailio_status);
  kamailio_status->callback([&] {
    target = Target{TargetKind::ledger, {}};
    on_ledger = [&](Context& c) { return verb_kamailio_status(c); }; });
  auto* holds = app.add_subcommand("holds", "an account's holds for calls in progress");
  holds->add_option("ACCOUNT", account_id, "account id")->required();
  add_json(holds);
  holds->callback([&] {
    target = Target{TargetKind::account, account_id};
    on_ledger = [&](Context& c) { return verb_holds(c, account_id); }; });

  // agent add | price | suspend | resume | tree
  auto* agent = app.add_subcommand("agent", "the agent tree: add agents, prices, suspend, resume, show");
  agent->require_subcommand(1);
  auto* agent_add = agent->add_subcommand("add", "add an agent under the provider or under another agent");
  agent_add->add_option("ID", agent_id, "agent id: 1-64 of [A-Za-z0-9_.-], not \"provider\"")->required();
  agent_add->add_option("--parent", parent, "the parent agent, or provider for a level-1 agent")->required();
  agent_add->add_option("--name", name, "the agent's name")->required();
  agent_add->add_option("--price", price, "wholesale fen per minute its parent sells it traffic at, e.g. 8.5 "
                                          "(default: its level's price)");
  add_key(agent_add);
  add_json(agent_add);
  agent_add->callback([&] {
    target = Target{TargetKind::agent, parent};
    on_ledger = [&](Context& c) { return verb_agent_add(c, agent_id, parent, name, price, key); }; });
  auto* agent_price = agent->add_subcommand("price", "set the wholesale price an agent buys traffic at, from now on");
  agent_price->add_option("ID", agent_id, "agent id")->required();
  agent_price->add_option("PRICE", price, "fen per minute, e.g. 8.5; or level: its level's price")->required();
  add_key(agent_price);
  add_json(agent_price);
  agent_price->callback([&] {
    target = Target{TargetKind::agent_below, agent_id};
    on_ledger = [&](Context& c) { return verb_agent_price(c, agent_id, price, key); }; });
  auto* suspend = agent->add_subcommand("suspend", "refuse new calls of the agent's whole subtree");
  suspend->add_option("ID", agent_id, "agent id")->required();
  suspend->add_option("--reason", reason, "why, for the record");
  add_key(suspend);
  add_json(suspend);
  suspend->callback([&] {
    target = Target{TargetKind::agent_below, agent_id};
    on_ledger = [&](Context& c) { return verb_agent_suspend(c, agent_id, reason, key); }; });
  auto* resume = agent->add_subcommand("resume", "allow new calls of a suspended agent's subtree again");
  resume->add_option("ID", agent_id, "agent id")->required();
  add_key(resume);
  add_json(resume);
  resume->callback([&] {
    target = Target{TargetKind::agent_below, agent_id};
    on_ledger = [&](Context& c) { return verb_agent_resume(c, agent_id, key); }; });
  auto* tree = agent->add_subcommand("tree", "the agent tree with prices, users and wallets");
  tree->add_option("ROOT", agent_id, "show only this agent's subtree (default: the whole tree)");
  add_json(tree);
  tree->callback([&] {
    target = Target{TargetKind::agent, agent_id};
    on_ledger = [&](Context& c) { return verb_agent_tree(c, agent_id); }; });

  auto* credit = agent->add_subcommand("credit", "what a parent allows an agent beyond what it paid");
  credit->add_option("ID", agent_id, "agent id")->required();
  credit->add_option("--prepayment-credit", amount, "yuan its traffic purchases may go below what it paid in")
      ->required();
  credit->add_option("--traffic-overdraft-minutes", minutes,
                     "minutes its users' calls may go below an empty pool")->required();
  add_key(credit);
  add_json(credit);
  credit->callback([&] {
    target = Target{TargetKind::agent_below, agent_id};
    on_ledger = [&](Context& c) { return verb_agent_credit(c, agent_id, amount, minutes, key); }; });

  // payment record
  auto* payment = app.add_subcommand("payment", "money agents paid their parent, from outside the system");
  payment->require_subcommand(1);
  auto* payment_record = payment->add_subcommand("record", "record a payment from an agent to its parent");
  payment_record->add_option("AGENT", agent_id, "the paying agent")->required();
  payment_record->add_option("--kind", kind, "traffic, deposit, franchise_fee or other")->required();
  payment_record->add_option("AMOUNT", amount, "yuan, up to 4 decimals")->required();
  payment_record->add_option("--ref", reference, "bank transfer or receipt reference");
  add_key(payment_record);
  add_json(payment_record);
  payment_record->callback([&] {
    target = Target{TargetKind::agent_below, agent_id};
    on_ledger = [&](Context& c) { return verb_payment_record(c, agent_id, kind, amount, reference, key); };
  });

  // deposit refund | forfeit
  auto* deposit = app.add_subcommand("deposit", "an agent's security deposit: refund or forfeit (never edited)");
  deposit->require_subcommand(1);
  bool forfeit = false;
  for (const bool forfeiting : {false, true}) {
    auto* verb = deposit->add_subcommand(forfeiting ? "forfeit" : "refund",
                                         forfeiting ? "the parent keeps part or all of the deposit"
                                                    : "pay part or all of the deposit back to the agent");
    verb->add_option("AGENT", agent_id, "agent id")->required();
    verb->add_option("AMOUNT", amount, "yuan, up to 4 decimals")->required();
    auto* why = verb->add_option("--reason", reason, forfeiting ? "why it is kept (required)" : "why, for the record");
    if (forfeiting) why->required();
    add_key(verb);
    add_json(verb);
    verb->callback([&, forfeiting] {
      forfeit = forfeiting;
      target = Target{TargetKind::agent_below, agent_id};
      on_ledger = [&](Context& c) { return verb_deposit_release(c, agent_id, amount, forfeit, reason, key); };
    });
  }

  // traffic buy
  auto* traffic = app.add_subcommand("traffic", "agents' prepaid traffic (clause 4.1)");
  traffic->require_subcommand(1);
  auto* buy = traffic->add_subcommand("buy", "buy whole minutes at the agent's wholesale price");
  buy->add_option("AGENT", agent_id, "the buying agent")->required();
  buy->add_option("--minutes", minutes, "whole minutes, e.g. 10000")->required();
  add_key(buy);
  add_json(buy);
  buy->callback([&] {
    target = Target{TargetKind::agent, agent_id};
    on_ledger = [&](Context& c) { return verb_traffic_buy(c, agent_id, minutes, key); }; });

  auto* statement = agent->add_subcommand("statement", "every posting touching the agent, with running balances");
  statement->add_option("ID", agent_id, "agent id")->required();
  statement->add_option("--from", from, "from this day (China time) or ISO 8601 time");
  statement->add_option("--to", to, "through this day (China time) or until this ISO 8601 time");
  add_json(statement);
  statement->callback([&] {
    target = Target{TargetKind::agent, agent_id};
    on_ledger = [&](Context& c) { return verb_agent_statement(c, agent_id, from, to); }; });

  // stats
  std::string by = "month";
  auto* stats = app.add_subcommand("stats", "an agent's calls, minutes, revenue, wholesale cost and margin");
  stats->add_option("AGENT", agent_id, "agent id")->required();
  stats->add_option("--from", from, "from this day (China time)");
  stats->add_option("--to", to, "through this day (China time)");
  stats->add_option("--by", by, "day or month (default month)");
  add_json(stats);
  stats->callback([&] {
    target = Target{TargetKind::agent, agent_id};
    on_ledger = [&](Context& c) { return verb_stats(c, agent_id, from, to, by); }; });

  // principal add | passwd | list
  std::string role, password_hash;
  bool password_stdin = false;
  std::vector<std::string> forward_extra;  // the password's hash, made on the command's side
  auto* principal = app.add_subcommand("principal", "who may act through the daemon: operators, agents, auditors");
  principal->require_subcommand(1);
  auto add_password = [&](CLI::App* verb) {
    verb->add_flag("--password-stdin", password_stdin, "read the password as one line of standard input");
    // Set by the command for the daemon; a person never types it.
    verb->add_option("--password-hash", password_hash)->group("");
  };
  auto hash_or_fail = [&]() -> std::optional<int> {
    if (!command) return std::nullopt;  // the daemon gets the hash
    std::string why;
    auto hash = read_password_hash(password_stdin, err, &why);
    if (!hash) {
      err << "huawu: " << why << "\n";
      return exit_bad_input;
    }
    password_hash = *hash;
    forward_extra = {"--password-hash", password_hash};
    return std::nullopt;
  };
  std::optional<int> early_exit;
  auto* principal_add = principal->add_subcommand("add", "add a principal with an operation password");
  principal_add->add_option("NAME", agent_id, "principal name: 1-64 of [A-Za-z0-9_.-]")->required();
  principal_add->add_option("--role", role, "provider, agent or auditor")->required();
  principal_add->add_option("--agent", parent, "for role agent: the agent it acts for");
  add_password(principal_add);
  add_key(principal_add);
  add_json(principal_add);
  principal_add->callback([&] {
    target = Target{TargetKind::ledger, {}};
    early_exit = hash_or_fail();
    on_ledger = [&](Context& c) { return verb_principal_add(c, agent_id, role, parent, password_hash, key); };
  });
  auto* passwd = principal->add_subcommand("passwd", "set a principal's operation password anew");
  passwd->add_option("NAME", agent_id, "principal name")->required();
  add_password(passwd);
  add_key(passwd);
  add_json(passwd);
  passwd->callback([&] {
    target = Target{TargetKind::own_principal, agent_id};
    early_exit = hash_or_fail();
    on_ledger = [&](Context& c) { return verb_principal_passwd(c, agent_id, password_hash, key); };
  });
  auto* principal_list = principal->add_subcommand("list", "the principals, their roles and agents");
  add_json(principal_list);
  principal_list->callback([&] {
    target = Target{TargetKind::ledger, {}};
    on_ledger = [&](Context& c) { return verb_principal_list(c); }; });

  // pricing set-level
  auto* pricing = app.add_subcommand("pricing", "the provider's wholesale price per agent level");
  pricing->require_subcommand(1);
  auto* set_level = pricing->add_subcommand("set-level", "the price for agents of a level without their own");
  set_level->add_option("LEVEL", level, "agent level, 1 for the provider's direct agents")->required();
  set_level->add_option("PRICE", price, "fen per minute, e.g. 9; or none")->required();
  add_key(set_level);
  add_json(set_level);
  set_level->callback([&] {
    target = Target{TargetKind::ledger, {}};
    on_ledger = [&](Context& c) { return verb_pricing_set_level(c, level, price, key); }; });

  // contract sign | status | list; notice send; notices (issue 6). The provider's.
  ContractSignArgs sign;
  auto* contract = app.add_subcommand("contract", "cooperation agreements: terms, renewal, status as of any date");
  contract->require_subcommand(1);
  auto* contract_sign = contract->add_subcommand("sign", "record a signed agreement with every parameter");
  contract_sign->add_option("ID", sign.contract, "contract id, e.g. HZ-2026-001")->required();
  contract_sign->add_option("--agent", sign.agent, "the level-N agent party to it")->required();
  contract_sign->add_option("--signed", sign.signed_date, "the agent's signature day")->required();
  contract_sign->add_option("--counter-signed", sign.counter_signed_date, "the provider's (default: the same day)");
  contract_sign->add_option("--level", sign.terms.level, "the agent's level")->required();
  contract_sign->add_option("--prepaid-minutes", sign.terms.prepaid_minutes, "the first traffic volume (B3.7)")->required();
  contract_sign->add_option("--price", sign.price, "fen per minute, e.g. 8.5")->required();
  contract_sign->add_option("--deposit", sign.deposit, "security deposit, yuan")->required();
  contract_sign->add_option("--franchise-fee", sign.franchise_fee, "franchise fee, yuan")->required();
  contract_sign->add_option("--pay-within-workdays", sign.terms.pay_within_workdays, "B3.7 deadline")->required();
  contract_sign->add_option("--accounts", sign.terms.accounts, "A2.4: account records to generate")->required();
  contract_sign->add_option("--accounts-within-workdays", sign.terms.accounts_within_workdays, "A2.4 deadline")->required();
  contract_sign->add_option("--active-users", sign.terms.active_users, "A2.4: valid users to activate")->required();
  contract_sign->add_option("--sla-hours", sign.terms.sla_hours, "A3.2: response within working hours")->required();
  contract_sign->add_option("--term-months", sign.terms.term_months, "clause 7 (default 24)");
  contract_sign->add_option("--renewal-months", sign.terms.renewal_months, "clause 7 (default 24)");
  contract_sign->add_option("--renewals", sign.renewals, "repeat (default), once or none");
  add_key(contract_sign);
  add_json(contract_sign);
  contract_sign->callback([&] {
    target = Target{TargetKind::ledger, {}};
    sign.key = key;
    on_ledger = [&](Context& c) { return verb_contract_sign(c, sign); }; });
  std::string as_of;
  auto* contract_status_verb = contract->add_subcommand("status", "where a contract stands on a day, and what decides next");
  contract_status_verb->add_option("ID", name, "contract id")->required();
  contract_status_verb->add_option("--as-of", as_of, "a day, China time (default: today)");
  add_json(contract_status_verb);
  contract_status_verb->callback([&] {
    target = Target{TargetKind::ledger, {}};
    on_ledger = [&](Context& c) { return verb_contract_status(c, name, as_of); }; });
  auto* contract_list = contract->add_subcommand("list", "every contract and its status today");
  add_json(contract_list);
  contract_list->callback([&] {
    target = Target{TargetKind::ledger, {}};
    on_ledger = [&](Context& c) { return verb_contract_list(c); }; });
  NoticeArgs notice_args;
  auto* notice = app.add_subcommand("notice", "notices under a contract (clause 6.5)");
  notice->require_subcommand(1);
  auto* notice_send = notice->add_subcommand("send", "record a notice; its deemed receipt is derived");
  notice_send->add_option("--contract", notice_args.contract, "contract id")->required();
  notice_send->add_option("--from", notice_args.from, "provider or agent")->required();
  notice_send->add_option("--kind", notice_args.kind,
                          "renewal_objection, service_termination, business_change, negotiation_request or general")
      ->required();
  notice_send->add_option("--method", notice_args.method, "courier, fax or email")->required();
  notice_send->add_option("--sent", notice_args.sent, "hand-over or sending time, ISO 8601 with offset")->required();
  notice_send->add_option("--last-service-day", notice_args.last_service_day, "service_termination: the last day of service");
  notice_send->add_option("--subject", notice_args.subject, "what it is about");
  add_key(notice_send);
  add_json(notice_send);
  notice_send->callback([&] {
    target = Target{TargetKind::ledger, {}};
    notice_args.key = key;
    on_ledger = [&](Context& c) { return verb_notice_send(c, notice_args); }; });
  auto* notices = app.add_subcommand("notices", "the notices sent, with their deemed receipt");
  notices->add_option("--contract", name, "only this contract's");
  add_json(notices);
  notices->callback([&] {
    target = Target{TargetKind::ledger, {}};
    on_ledger = [&](Context& c) { return verb_notices(c, name); }; });

  ObligationArgs obligation_args;
  auto* obligations = app.add_subcommand("obligations", "what each contract obliges, by when, and where it stands");
  obligations->add_option("--contract", obligation_args.contract, "only this contract's");
  obligations->add_option("--status", obligation_args.status, "pending, met, met_late, overdue, waived or indeterminate");
  obligations->add_option("--as-of", obligation_args.as_of, "a day, China time (default: today)");
  obligations->add_option("--due-within", obligation_args.due_within, "only pending ones due within this many days");
  add_json(obligations);
  obligations->callback([&] {
    target = Target{TargetKind::ledger, {}};
    on_ledger = [&](Context& c) { return verb_obligations(c, obligation_args); }; });

  // contract amend, obligation waive, ticket, tickets, sla report, promo (issue 6)
  ComplianceArgs compliance;
  add_compliance_verbs(app, *contract, compliance, VerbWiring{target, on_ledger, key, json});

  // calendar: the contract's time rules (issue 6), pure computations
  CalendarArgs cal;
  auto* calendar = app.add_subcommand("calendar", "contract time on the China working-day calendar (Civil Code arts. 200-204)");
  calendar->require_subcommand(1);
  calendar->add_option("--calendar", cal.calendar_file, "a working-day schedule file (default: the built-in one)");
  auto add_rule = [&](const char* rule, const char* what) {
    auto* verb = calendar->add_subcommand(rule, what);
    verb->add_flag("--json", cal.json, "print one JSON object");
    verb->add_option("--calendar", cal.calendar_file, "a working-day schedule file (default: the built-in one)");
    verb->callback([&, rule] {
      cal.rule = rule;
      on_its_own = [&] { return verb_calendar(cal, out, err); };
    });
    return verb;
  };
  add_rule("is-workday", "whether a date is a working day (adjusted weekends count)")
      ->add_option("DATE", cal.date, "YYYY-MM-DD")->required();
  auto* add_workdays = add_rule("add-workdays", "N working days after a date, the date excluded");
  add_workdays->add_option("DATE", cal.date, "YYYY-MM-DD")->required();
  add_workdays->add_option("N", cal.count, "working days")->required();
  auto* add_months_verb = add_rule("add-months", "N months after a date (the month's last day when it has no such day)");
  add_months_verb->add_option("DATE", cal.date, "YYYY-MM-DD")->required();
  add_months_verb->add_option("N", cal.count, "months")->required();
  auto* period_end = add_rule("period-end", "the last day of a period of days (moved off rest days) and the day rights follow");
  period_end->add_option("--from", cal.date, "the trigger day: the period starts the day after")->required();
  period_end->add_option("--days", cal.count, "days")->required();
  auto* deemed = add_rule("deemed-receipt", "when a notice counts as received (clause 6.5)");
  deemed->add_option("--method", cal.method, "courier (+4 days), fax or email (+2 days)")->required();
  deemed->add_option("--sent", cal.timestamp, "ISO 8601 with offset or Z, e.g. 2024-12-30T10:00+08:00")->required();
  auto* latest = add_rule("latest-notice", "the last day a notice N months ahead of a last day can be given");
  latest->add_option("--last-day", cal.date, "YYYY-MM-DD")->required();
  latest->add_option("--months", cal.count, "months")->required();
  auto* sla = add_rule("sla-due", "when a response within N business hours is due (clause A3.2)");
  sla->add_option("--reported", cal.timestamp, "ISO 8601 with offset or Z")->required();
  sla->add_option("--hours", cal.count, "business hours")->required();
  sla->add_option("--schedule", cal.schedule, "09:00-18:00 (default), 09:00-12:00,13:00-18:00 or 24x7");

  // events
  std::uint64_t event_from = 1, limit = 0;
  auto* events = app.add_subcommand("events", "print the event log");
  events->add_option("--from", event_from, "first sequence (default 1)");
  events->add_option("--limit", limit, "at most this many events (default all)");
  add_json(events, "one JSON object per line");
  events->callback([&] {
    target = Target{TargetKind::ledger, {}};
    on_ledger = [&](Context& c) { return verb_events(c, event_from, limit); }; });

  // audit verify
  auto* audit = app.add_subcommand("audit", "verify the whole history");
  audit->require_subcommand(1);
  auto* verify = audit->add_subcommand("verify", "recompute the hash chain and rebuild every projection from sequence 1");
  add_json(verify);
  verify->callback([&] {
    target = Target{TargetKind::ledger, {}};
    on_ledger = [&](Context& c) { return verb_audit_verify(c); }; });

  // serve, tail, switch-sim (command only)
  std::string config_path, endpoint;
  std::uint64_t count = 0;
  double seconds = 0;
  SimOptions sim;
  if (command) {
    auto* serve = app.add_subcommand("serve", "run the daemon: switch, control and event sockets");
    serve->add_option("--config", config_path, "TOML configuration (every default: ops/huawu.example.toml)");
    serve->callback([&] {
      std::optional<std::string> data_override;
      if (data_option->count() > 0) data_override = data_dir;
      on_its_own = [&, data_override] { return verb_serve(config_path, data_override, out, err); };
    });

    auto* tail = app.add_subcommand("tail", "print committed events live, as the daemon publishes them");
    tail->add_option("--endpoint", endpoint, "PUB endpoint (default: the serving daemon's, else tcp://127.0.0.1:7751)");
    tail->add_option("--count", count, "stop after this many events");
    tail->add_option("--seconds", seconds, "stop after this many seconds");
    add_json(tail, "one JSON object per line");
    tail->callback([&] { on_its_own = [&] { return verb_tail(data_dir, endpoint, json, count, seconds, out, err); }; });

    auto* login = app.add_subcommand("login", "get a session token from the serving daemon (prints it)");
    login->add_option("NAME", agent_id, "principal name")->required();
    login->add_flag("--password-stdin", password_stdin, "read the password as one line of standard input");
    login->callback([&] {
      on_its_own = [&] {
        std::string why;
        auto password = read_password(password_stdin, false, err, &why);
        if (!password) {
          err << "huawu: " << why << "\n";
          return exit_bad_input;
        }
        return login_to_daemon(data_dir, agent_id, *password);
      };
    });

    auto* switch_sim = app.add_subcommand("switch-sim", "simulate a softswitch against a running daemon");
    add_switch_sim_options(*switch_sim, sim);
    add_json(switch_sim);
    switch_sim->callback([&] {
      on_its_own = [&] {
        sim.json = json;
        if (sim.data_dir.empty()) sim.data_dir = data_dir;
        return run_switch_sim(sim, out, err);
      };
    });
  }

  // CLI11 takes a vector in reverse order.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    // Exit 0 for --help/--version, 2 for every usage error (CLI11 gives 1xx).
    return app.exit(e, out, err) == 0 ? exit_ok : exit_bad_input;
  }
  if (on_its_own) return on_its_own();
  if (early_exit) return *early_exit;
  if (early_exit_code) return *early_exit_code;
  if (!on_ledger) return exit_bad_input;  // cannot happen: a verb is required

  if (command && forward) {
    std::vector<std::string> forwarded = without_data_option(args);
    std::erase(forwarded, std::string("--password-stdin"));  // the daemon has no terminal of ours
    forwarded.insert(forwarded.end(), forward_extra.begin(), forward_extra.end());
    if (!import_file.empty())  // the daemon's working directory is not ours
      std::replace(forwarded.begin(), forwarded.end(), import_file,
                   std::filesystem::absolute(import_file).lexically_normal().string());
    // `cards issue`: the daemon answers in JSON, and this command writes the PIN file from it.
    const bool issuing = card_csv != nullptr;
    if (issuing && std::find(forwarded.begin(), forwarded.end(), "--json") == forwarded.end())
      forwarded.push_back("--json");
    if (auto reply = forward(data_dir, forwarded)) {
      if (!issuing) {
        out << reply->out << std::flush;
        err << reply->err << std::flush;
        return reply->exit_code;
      }
      return finish_forwarded_issue(*reply, data_dir, json, *card_csv, out, err);
    }
  }
  std::unique_ptr<EmbeddedAccess> embedded;
  if (!daemon_access) embedded = std::make_unique<EmbeddedAccess>(data_dir);
  Context ctx{data_dir, json, out, err, daemon_access ? *daemon_access : *embedded};
  try {
    if (const Scope* scope = ctx.access.scope()) {
      // An agent operator's tree starts at its own agent.
      if (target.kind == TargetKind::agent && target.id.empty()) target.id = agent_id = scope->agent;
      if (const int code = check_scope(ctx, *scope, target); code != exit_ok) return code;
    }
    const int code = on_ledger(ctx);
    if (card_csv) card_csv->discard();  // a PIN file reserved for a batch that was not issued
    return code;
  } catch (const StorageError& e) {
    err << "huawu: storage error: " << e.what() << "\n";
    return exit_storage;
  }
}

}  // namespace huawu::cli
