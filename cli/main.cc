// huawu: the command operators, agents and auditors use. Argument parsing is
// CLI11; each verb lives in verbs.cc.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>

#include "cli/verbs.h"
#include "ledger/store.h"

namespace {

std::string default_data_dir() {
  const char* env = std::getenv("HUAWU_DATA");
  return env && *env ? env : "./huawu-data";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace huawu::cli;
  CLI::App app{"huawu (话务): event-sourced ledger for prepaid internet telephony"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "huawu 0.1.0");
  Global g;
  g.data_dir = default_data_dir();
  app.add_option("--data", g.data_dir, "data directory (default $HUAWU_DATA, else ./huawu-data)");
  int code = exit_ok;

  // init
  std::string provider_id = "provider", provider_name = "Provider";
  auto* init = app.add_subcommand("init", "create a new store (refuses if one exists)");
  init->add_option("--provider-id", provider_id, "provider id (default: provider)");
  init->add_option("--provider-name", provider_name, "provider name");
  init->add_flag("--json", g.json, "print one JSON object");
  init->callback([&] { code = verb_init(g, provider_id, provider_name); });

  // account open | close
  auto* account = app.add_subcommand("account", "open or close user accounts");
  account->require_subcommand(1);
  std::string account_id, initial = "0", plan, key;
  bool refund = false;
  auto* open = account->add_subcommand("open", "open a user account with a wallet");
  open->add_option("ID", account_id, "account id: 1-64 of [A-Za-z0-9_.-]")->required();
  open->add_option("--initial", initial, "initial balance in yuan, up to 4 decimals (default 0)");
  open->add_option("--plan", plan, "rate plan id");
  open->add_option("--key", key, "idempotency key: a retry with the same key changes nothing");
  open->add_flag("--json", g.json, "print one JSON object");
  open->callback([&] { code = verb_account_open(g, account_id, initial, plan, key); });
  auto* close = account->add_subcommand("close", "close a user account");
  close->add_option("ID", account_id, "account id")->required();
  close->add_flag("--refund", refund, "refund the remaining balance (required when it is not zero)");
  close->add_option("--key", key, "idempotency key");
  close->add_flag("--json", g.json, "print one JSON object");
  close->callback([&] { code = verb_account_close(g, account_id, refund, key); });

  // recharge
  std::string amount, reference;
  auto* recharge = app.add_subcommand("recharge", "add money to a user's wallet");
  recharge->add_option("ID", account_id, "account id")->required();
  recharge->add_option("AMOUNT", amount, "yuan, up to 4 decimals: 50, 12.3456")->required();
  recharge->add_option("--ref", reference, "source reference (receipt, payment id)");
  recharge->add_option("--key", key, "idempotency key: a retry with the same key changes nothing");
  recharge->add_flag("--json", g.json, "print one JSON object");
  recharge->callback([&] { code = verb_recharge(g, account_id, amount, reference, key); });

  // balance
  auto* balance = app.add_subcommand("balance", "show a user's wallet");
  balance->add_option("ID", account_id, "account id")->required();
  balance->add_flag("--json", g.json, "print one JSON object");
  balance->callback([&] { code = verb_balance(g, account_id); });

  // events
  std::uint64_t from = 1, limit = 0;
  auto* events = app.add_subcommand("events", "print the event log");
  events->add_option("--from", from, "first sequence (default 1)");
  events->add_option("--limit", limit, "at most this many events (default all)");
  events->add_flag("--json", g.json, "one JSON object per line");
  events->callback([&] { code = verb_events(g, from, limit); });

  // audit verify
  auto* audit = app.add_subcommand("audit", "verify the whole history");
  audit->require_subcommand(1);
  auto* verify = audit->add_subcommand(
      "verify", "recompute the hash chain and rebuild every projection from sequence 1");
  verify->add_flag("--json", g.json, "print one JSON object");
  verify->callback([&] { code = verb_audit_verify(g); });

  spdlog::set_level(spdlog::level::warn);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Exit 0 for --help/--version, 2 for every usage error (CLI11 gives 1xx).
    const int parse_code = app.exit(e);
    return parse_code == 0 ? exit_ok : exit_bad_input;
  } catch (const huawu::StorageError& e) {
    std::cerr << "huawu: storage error: " << e.what() << "\n";
    return exit_storage;
  }
  return code;
}
