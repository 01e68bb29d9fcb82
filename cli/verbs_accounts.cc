// The verb table's entries for accounts, cards, money, rates, calls and the
// log (cli/verb_table.h). Each handler only turns the typed arguments into
// the verb's own call (cli/verbs.h, cli/card_verbs.h).
#include "cli/card_verbs.h"
#include "cli/verb_args.h"
#include "cli/verb_table.h"
#include "cli/verbs.h"

namespace huawu::cli {

namespace {

CardIssueArgs issue_args(const VerbArgs& a) {
  return CardIssueArgs{a.text("--agent"), a.text("--kind"),    a.text("--count"), a.text("--face"),
                       a.text("--plan"),  a.text("--expires"), a.text("--key")};
}

// The PIN file is made before the ledger is asked, so a batch is never issued without it.
int reserve_card_file(CommandRun& run, VerbCall& call) {
  const VerbArgs a(*find_verb(static_cast<std::uint16_t>(VerbId::cards_issue)), call);
  run.card_csv = std::make_unique<CardCsv>();
  std::string why;
  if (run.card_csv->reserve(a.text("--out"), &why)) return exit_ok;
  run.err << "huawu: " << why << "\n";
  return exit_bad_input;
}

// The command's end of a forwarded `cards issue`: the daemon's JSON answer
// becomes the PIN file and the answer the person asked for.
int finish_forwarded_issue(CommandRun& run, const ControlReply& reply) {
  std::uint64_t sequence = 0;
  bool replayed = false;
  const auto batch = reply.exit_code == exit_ok ? batch_from_reply(reply.out, &sequence, &replayed) : std::nullopt;
  if (!batch) {
    run.card_csv->discard();
    if (run.json) {
      run.out << reply.out << std::flush;
    } else {
      const auto j = nlohmann::json::parse(reply.out, nullptr, false);
      run.err << (j.is_object() && j.contains("message") ? "huawu: " + j["message"].get<std::string>() + "\n"
                                                          : reply.out);
    }
    run.err << reply.err << std::flush;
    return reply.exit_code == exit_ok ? exit_storage : reply.exit_code;
  }
  EmbeddedAccess unused(run.data_dir);  // finish_card_issue reads only the key from the data directory
  Context ctx{run.data_dir, run.json, run.out, run.err, unused};
  return finish_card_issue(ctx, *batch, sequence, replayed, *run.card_csv);
}

void add_account_and_money(std::vector<VerbSpec>& t, std::vector<GroupSpec>& g) {
  g.push_back({"account", "open or close user accounts", {}});
  t.push_back({.id = VerbId::account_open, .path = "account open", .help = "open a user account with a wallet",
               .args = {required("ID", "account id: 1-64 of [A-Za-z0-9_.-]"),
                        text("--initial", "initial balance in yuan, up to 4 decimals (default 0)", "0"),
                        text("--plan", "rate plan its calls are billed with (imported with `rates import`)"),
                        text("--agent", "the agent the user is bound to (default: the provider's own user)"),
                        key_arg(), json_arg()},
               // A new account: the agent it is bound to must be in reach (none: the provider's own user).
               .target = {TargetKind::agent, "--agent", true},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_account_open(c, a.text("ID"), a.text("--initial"), a.text("--plan"), a.text("--agent"),
                                          a.text("--key"));
               }});
  t.push_back({.id = VerbId::account_close, .path = "account close",
               .help = "close a user account; a balance left needs one of the three choices",
               .args = {required("ID", "account id"),
                        flag("--refund", "pay the remaining balance out (external cash)"),
                        text("--ref", "with --refund: the payout's reference"),
                        text("--transfer-to", "move the balance to this account of the same agent"),
                        flag("--forfeit", "keep the balance (only when explicitly agreed)"), key_arg(), json_arg()},
               .target = {TargetKind::account, "ID"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 const CloseChoice choice{a.flag("--refund"), a.text("--ref"), a.text("--transfer-to"),
                                          a.flag("--forfeit")};
                 return verb_account_close(c, a.text("ID"), choice, a.text("--key"));
               }});
  t.push_back({.id = VerbId::account_activate, .path = "account activate",
               .help = "register a user with an account card (clause B2.2)",
               .args = {required("NUMBER", "the card number: it becomes the account id"),
                        required("--pin", "the card's PIN"), key_arg(), json_arg()},
               .target = {TargetKind::card, "NUMBER"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_account_activate(c, a.text("NUMBER"), a.text("--pin"), a.text("--key"));
               }});
  t.push_back({.id = VerbId::account_transfer, .path = "account transfer",
               .help = "move a user to another agent, with written consent (clause 6.3)",
               .args = {required("ID", "account id"),
                        required("--to-agent", "the agent it moves to (provider: the provider's own users)"),
                        text("--consent", "reference of the written consent (required)"),
                        text("--consent-by", "who consented: provider or both-agents (default provider)", "provider"),
                        key_arg(), json_arg()},
               .target = {TargetKind::account, "ID"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_account_transfer(c, a.text("ID"), a.text("--to-agent"), a.text("--consent"),
                                              a.text("--consent-by"), a.text("--key"));
               }});
  t.push_back({.id = VerbId::recharge, .path = "recharge", .help = "add money to a user's wallet",
               .args = {required("ID", "account id"), required("AMOUNT", "yuan, up to 4 decimals: 50, 12.3456"),
                        text("--ref", "source reference (receipt, payment id)"), key_arg(), json_arg()},
               .target = {TargetKind::account, "ID"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_recharge(c, a.text("ID"), a.text("AMOUNT"), a.text("--ref"), a.text("--key"));
               }});
  g.push_back({"recharge-card", "recharge vouchers", {}});
  t.push_back({.id = VerbId::recharge_card_redeem, .path = "recharge-card redeem",
               .help = "credit a voucher's face value to an account, once",
               .args = {required("ACCOUNT", "account id"), required("--card", "the voucher's number"),
                        required("--pin", "the voucher's PIN"), key_arg(), json_arg()},
               .target = {TargetKind::account, "ACCOUNT"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_recharge_card_redeem(c, a.text("ACCOUNT"), a.text("--card"), a.text("--pin"),
                                                  a.text("--key"));
               }});
}

void add_cards(std::vector<VerbSpec>& t, std::vector<GroupSpec>& g) {
  g.push_back({"cards", "batches of account cards and recharge vouchers (clauses A2.3, A2.4)", {}});
  t.push_back({.id = VerbId::cards_issue, .path = "cards issue",
               .help = "issue a batch of cards; numbers and PINs go to --out only",
               .args = {required("--agent", "the agent the cards are for"),
                        required("--kind", "account (opens an account) or recharge (a voucher)"),
                        required("--count", "how many cards, up to 10,000,000"),
                        required("--face", "each card's value in yuan, up to 4 decimals"),
                        text("--plan", "account cards: the rate plan their accounts open on"),
                        text("--expires", "the last day the cards can be used (China time), e.g. 2027-12-31"),
                        required("--out", "new CSV file for numbers and PINs (mode 0600, never overwritten)"),
                        text("--key", "idempotency key: a retry with the same key issues nothing new"), json_arg()},
               .target = {TargetKind::agent, "--agent"},
               .access = Access::writes,
               // Without the command's PIN file (inside the daemon) it prints the outcome for the command.
               .run = [](Context& c, const VerbArgs& a) { return verb_cards_issue(c, issue_args(a), c.card_csv); },
               .prepare = reserve_card_file,
               .finish = finish_forwarded_issue});
  t.push_back({.id = VerbId::cards_batches, .path = "cards batches", .help = "card batches, with cards used and voided",
               .args = {text("--agent", "only this agent's subtree's batches (with its account-card counts)"),
                        json_arg()},
               .target = {TargetKind::agent, "--agent"},
               .run = [](Context& c, const VerbArgs& a) { return verb_cards_batches(c, a.text("--agent")); }});
  t.push_back({.id = VerbId::cards_show, .path = "cards show", .help = "one card: its batch and state",
               .args = {required("NUMBER", "the card number"), json_arg()},
               .target = {TargetKind::card, "NUMBER"},
               .run = [](Context& c, const VerbArgs& a) { return verb_cards_show(c, a.text("NUMBER")); }});
  t.push_back({.id = VerbId::cards_void, .path = "cards void",
               .help = "void a batch or a range of it: its cards are refused from now on",
               .args = {required("BATCH", "batch id, e.g. B000001"), text("--from", "first card number of the range"),
                        text("--to", "last card number of the range"), text("--reason", "why, for the record"),
                        key_arg(), json_arg()},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_cards_void(c, a.text("BATCH"), a.text("--from"), a.text("--to"), a.text("--reason"),
                                        a.text("--key"));
               }});
  t.push_back({.id = VerbId::balance, .path = "balance", .help = "show a user's wallet: balance, available, held for calls",
               .args = {required("ID", "account id"), json_arg()},
               .target = {TargetKind::account, "ID"},
               .run = [](Context& c, const VerbArgs& a) { return verb_balance(c, a.text("ID")); }});
}

void add_rates(std::vector<VerbSpec>& t, std::vector<GroupSpec>& g) {
  g.push_back({"rates", "rate plans: import, show, look up a number", {}});
  ArgSpec file = required("FILE", "CSV: prefix,description,price_fen_per_minute,connect_fee_fen,first_block_s,next_block_s");
  file.path = true;
  t.push_back({.id = VerbId::rates_import, .path = "rates import",
               .help = "import a rate plan from CSV; replaces the plan from now on",
               .args = {required("PLAN", "rate plan id"), file, key_arg(), json_arg()},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_rates_import(c, a.text("PLAN"), a.text("FILE"), a.text("--key"));
               }});
  t.push_back({.id = VerbId::rates_show, .path = "rates show", .help = "print a rate plan (as CSV, or JSON)",
               .args = {required("PLAN", "rate plan id"), json_arg()},
               .target = {TargetKind::anyone},
               .run = [](Context& c, const VerbArgs& a) { return verb_rates_show(c, a.text("PLAN")); }});
  t.push_back({.id = VerbId::rates_lookup, .path = "rates lookup",
               .help = "the rate a dialled number is billed at (longest prefix)",
               .args = {required("PLAN", "rate plan id"), required("NUMBER", "dialled digits, e.g. 8613800138000"),
                        json_arg()},
               .target = {TargetKind::anyone},
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_rates_lookup(c, a.text("PLAN"), a.text("NUMBER"));
               }});
}

void add_calls(std::vector<VerbSpec>& t, std::vector<GroupSpec>& g) {
  // `calls` is a verb with a verb below it: ACCOUNT is required of `calls` itself only.
  t.push_back({.id = VerbId::calls, .path = "calls",
               .help = "an account's billed and refused calls and expired holds (which switch, the SIP Call-ID); "
                       "`calls cut CALL-ID` ends a live Kamailio call",
               .args = {required("ACCOUNT", "account id"),
                        text("--from", "from this day (China time) or ISO 8601 time, e.g. 2026-11-25"),
                        text("--to", "through this day (China time) or until this ISO 8601 time"), json_arg()},
               .target = {TargetKind::account, "ACCOUNT"},
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_calls(c, a.text("ACCOUNT"), a.text("--from"), a.text("--to"));
               }});
  // Issue 15: the daemon's Kamailio connector sends a disconnect.
  t.push_back({.id = VerbId::calls_cut, .path = "calls cut",
               .help = "end a live Kamailio call now (needs the daemon's connector)",
               .args = {required("CALL-ID", "the SIP Call-ID, or huawu's call id of it"), json_arg()},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) { return verb_calls_cut(c, a.text("CALL-ID")); }});
  g.push_back({"kamailio", "the Kamailio connector: CDR backfill, status", {}});
  ArgSpec path = required("PATH", "a CDR file, or a directory of them");
  path.path = true;
  t.push_back({.id = VerbId::kamailio_backfill, .path = "kamailio backfill",
               .help = "bill the calls in Kamailio's acc CDRs (a file or a directory) that the ledger has not seen",
               .args = {path, text("--switch-id", "the connector's switch id (default kamailio)", "kamailio"),
                        json_arg()},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_kamailio_backfill(c, a.text("PATH"), a.text("--switch-id"));
               }});
  t.push_back({.id = VerbId::kamailio_status, .path = "kamailio status",
               .help = "the daemon's connection to Kamailio and its counts", .args = {json_arg()},
               .run = [](Context& c, const VerbArgs&) { return verb_kamailio_status(c); }});
  t.push_back({.id = VerbId::holds, .path = "holds", .help = "an account's holds for calls in progress",
               .args = {required("ACCOUNT", "account id"), json_arg()},
               .target = {TargetKind::account, "ACCOUNT"},
               .run = [](Context& c, const VerbArgs& a) { return verb_holds(c, a.text("ACCOUNT")); }});
}

void add_log(std::vector<VerbSpec>& t, std::vector<GroupSpec>& g) {
  t.push_back({.id = VerbId::events, .path = "events", .help = "print the event log",
               .args = {integer("--from", "first sequence (default 1)", 0, int64_max, 1),
                        integer("--limit", "at most this many events (default all)", 0, int64_max, 0),
                        json_arg("one JSON object per line")},
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_events(c, static_cast<std::uint64_t>(a.integer("--from")),
                                    static_cast<std::uint64_t>(a.integer("--limit")));
               }});
  g.push_back({"audit", "verify the whole history", {}});
  t.push_back({.id = VerbId::audit_verify, .path = "audit verify",
               .help = "recompute the hash chain and rebuild every projection from sequence 1", .args = {json_arg()},
               .run = [](Context& c, const VerbArgs&) { return verb_audit_verify(c); }});
}

}  // namespace

void add_account_verbs(std::vector<VerbSpec>& table, std::vector<GroupSpec>& groups) {
  add_account_and_money(table, groups);
  add_cards(table, groups);
  add_rates(table, groups);
  add_calls(table, groups);
  add_log(table, groups);
}

}  // namespace huawu::cli
