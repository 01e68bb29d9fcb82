#include "cli/compliance_app.h"

namespace huawu::cli {

namespace {

void add_key(CLI::App* verb, std::string& key) {
  verb->add_option("--key", key, "idempotency key: a retry with the same key changes nothing");
}

void add_json(CLI::App* verb, bool& json) { verb->add_flag("--json", json, "print one JSON object"); }

// Registers `verb` to run `run` on the ledger, aimed at `target` for an agent operator's scope.
void choose(CLI::App* verb, const VerbWiring& w, std::function<Target()> target, std::function<int(Context&)> run) {
  verb->callback([w, target = std::move(target), run = std::move(run)] {
    w.target = target();
    w.on_ledger = run;
  });
}

Target ledger_target() { return Target{TargetKind::ledger, {}}; }

void add_amend_and_waive(CLI::App& app, CLI::App& contract, ComplianceArgs& a, const VerbWiring& w) {
  auto* amend = contract.add_subcommand("amend", "record a supplementary agreement (clause 8): terms change from a day on");
  amend->add_option("ID", a.amend.contract, "contract id")->required();
  amend->add_option("--effective", a.amend.effective, "the day the changes apply from (after the contract took effect)")
      ->required();
  amend->add_option("--set", a.amend.settings,
                    "PARAM=VALUE, repeatable: level, prepaid-minutes, price (fen), deposit and franchise-fee (yuan), "
                    "pay-within-workdays, accounts, accounts-within-workdays, active-users, sla-hours, term-months, "
                    "renewal-months, renewals (repeat|once|none)")
      ->required();
  amend->add_option("--ref", a.amend.reference, "the supplementary agreement's reference");
  add_key(amend, w.key);
  add_json(amend, w.json);
  choose(amend, w, ledger_target, [&a, w](Context& c) {
    a.amend.key = w.key;
    return verb_contract_amend(c, a.amend);
  });

  auto* obligation = app.add_subcommand("obligation", "act on one obligation");
  obligation->require_subcommand(1);
  auto* waive = obligation->add_subcommand("waive", "let an obligation go: it is `waived` from now on");
  waive->add_option("ID", a.obligation, "its id as `huawu obligations` shows it, e.g. HZ-1/O-PAY")->required();
  waive->add_option("--reason", a.reason, "why (required)")->required();
  add_key(waive, w.key);
  add_json(waive, w.json);
  choose(waive, w, ledger_target, [&a, w](Context& c) { return verb_obligation_waive(c, a.obligation, a.reason, w.key); });
}

void add_tickets(CLI::App& app, ComplianceArgs& a, const VerbWiring& w) {
  auto* ticket = app.add_subcommand("ticket", "trouble tickets of bound users (clauses A3.2, B3.4)");
  ticket->require_subcommand(1);
  auto* open = ticket->add_subcommand("open", "record a user's report; the response is due within the contract's hours");
  open->add_option("--account", a.ticket.account, "the user's account")->required();
  open->add_option("--summary", a.ticket.summary, "what the user reported")->required();
  open->add_option("--reported", a.ticket.reported, "when, ISO 8601 with offset, e.g. 2026-03-02T17:00+08:00")->required();
  add_key(open, w.key);
  add_json(open, w.json);
  choose(open, w, [&a] { return Target{TargetKind::account, a.ticket.account}; }, [&a, w](Context& c) {
    a.ticket.key = w.key;
    return verb_ticket_open(c, a.ticket);
  });
  auto* respond = ticket->add_subcommand("respond", "record the first response to a ticket");
  respond->add_option("ID", a.ticket.ticket, "ticket id, e.g. T000001")->required();
  respond->add_option("--at", a.ticket.at, "when, ISO 8601 with offset")->required();
  respond->add_option("--by", a.ticket.by, "provider (default) or agent (B3.4)");
  add_key(respond, w.key);
  add_json(respond, w.json);
  choose(respond, w, [&a] { return Target{TargetKind::ticket, a.ticket.ticket}; }, [&a, w](Context& c) {
    a.ticket.key = w.key;
    return verb_ticket_respond(c, a.ticket);
  });
  auto* close = ticket->add_subcommand("close", "close a ticket");
  close->add_option("ID", a.ticket.ticket, "ticket id")->required();
  add_key(close, w.key);
  add_json(close, w.json);
  choose(close, w, [&a] { return Target{TargetKind::ticket, a.ticket.ticket}; }, [&a, w](Context& c) {
    a.ticket.key = w.key;
    return verb_ticket_close(c, a.ticket);
  });
  auto* show = ticket->add_subcommand("show", "a ticket, its due time and where its response stands now");
  show->add_option("ID", a.ticket.ticket, "ticket id")->required();
  add_json(show, w.json);
  choose(show, w, [&a] { return Target{TargetKind::ticket, a.ticket.ticket}; },
         [&a](Context& c) { return verb_ticket_show(c, a.ticket.ticket); });

  auto* tickets = app.add_subcommand("tickets", "every ticket and where its response stands now");
  tickets->add_option("--contract", a.contract, "only this contract's (- : those under no contract)");
  tickets->add_flag("--unanswered", a.unanswered, "only tickets without a response");
  add_json(tickets, w.json);
  choose(tickets, w, ledger_target, [&a](Context& c) { return verb_tickets(c, a.contract, a.unanswered); });

  auto* sla = app.add_subcommand("sla", "response times against A3.2's promise");
  sla->require_subcommand(1);
  auto* report = sla->add_subcommand("report", "tickets reported in a window: in time, late, open past due, % on time");
  report->add_option("--contract", a.sla.contract, "only this contract's tickets (- : those under no contract)");
  report->add_option("--from", a.sla.from, "first day reported, China time")->required();
  report->add_option("--to", a.sla.to, "last day reported, China time")->required();
  report->add_option("--as-of", a.sla.as_of, "judge as of the end of this day (default: now)");
  add_json(report, w.json);
  choose(report, w, ledger_target, [&a](Context& c) { return verb_sla_report(c, a.sla); });
}

void add_promotions(CLI::App& app, ComplianceArgs& a, const VerbWiring& w) {
  auto* promo = app.add_subcommand("promo", "promotions: only approved and filed ones change prices (clause B3.2)");
  promo->require_subcommand(1);
  auto* request = promo->add_subcommand("request", "an agent asks for a discount on a plan for its subtree");
  request->add_option("--agent", a.promo.agent, "the agent whose users it is for")->required();
  request->add_option("--discount", a.promo.discount, "percent off, e.g. 15 or 12.5")->required();
  request->add_option("--from", a.promo.from, "first day, China time")->required();
  request->add_option("--to", a.promo.to, "last day, China time")->required();
  request->add_option("--plan", a.promo.plan, "the rate plan it discounts")->required();
  add_key(request, w.key);
  add_json(request, w.json);
  choose(request, w, [&a] { return Target{TargetKind::agent, a.promo.agent}; }, [&a, w](Context& c) {
    a.promo.key = w.key;
    return verb_promo_request(c, a.promo);
  });
  auto* approve = promo->add_subcommand("approve", "the provider approves, with the filing's reference");
  approve->add_option("ID", a.promo.promotion, "promotion id, e.g. P000001")->required();
  approve->add_option("--filing-ref", a.promo.filing_reference, "the filing with the authorities")->required();
  add_key(approve, w.key);
  add_json(approve, w.json);
  choose(approve, w, ledger_target, [&a, w](Context& c) {
    a.promo.key = w.key;
    return verb_promo_approve(c, a.promo);
  });
  auto* reject = promo->add_subcommand("reject", "the provider refuses it");
  reject->add_option("ID", a.promo.promotion, "promotion id")->required();
  reject->add_option("--reason", a.promo.reason, "why");
  add_key(reject, w.key);
  add_json(reject, w.json);
  choose(reject, w, ledger_target, [&a, w](Context& c) {
    a.promo.key = w.key;
    return verb_promo_reject(c, a.promo);
  });
  auto* withdraw = promo->add_subcommand("withdraw", "end it now (requested or approved)");
  withdraw->add_option("ID", a.promo.promotion, "promotion id")->required();
  withdraw->add_option("--reason", a.promo.reason, "why");
  add_key(withdraw, w.key);
  add_json(withdraw, w.json);
  choose(withdraw, w, [&a] { return Target{TargetKind::promotion, a.promo.promotion}; }, [&a, w](Context& c) {
    a.promo.key = w.key;
    return verb_promo_withdraw(c, a.promo);
  });
  auto* show = promo->add_subcommand("show", "one promotion and where it stands");
  show->add_option("ID", a.promo.promotion, "promotion id")->required();
  add_json(show, w.json);
  choose(show, w, [&a] { return Target{TargetKind::promotion, a.promo.promotion}; },
         [&a](Context& c) { return verb_promo_show(c, a.promo.promotion); });
  auto* list = promo->add_subcommand("list", "every promotion");
  list->add_option("--agent", a.promo.agent, "only this agent's");
  add_json(list, w.json);
  choose(list, w, ledger_target, [&a](Context& c) { return verb_promo_list(c, a.promo.agent); });
}

}  // namespace

void add_compliance_verbs(CLI::App& app, CLI::App& contract, ComplianceArgs& args, const VerbWiring& wiring) {
  add_amend_and_waive(app, contract, args, wiring);
  add_tickets(app, args, wiring);
  add_promotions(app, args, wiring);
}

}  // namespace huawu::cli
