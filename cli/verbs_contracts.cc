// The verb table's entries for contracts, notices, obligations, tickets, the
// SLA report and promotions (issue 6; cli/verb_table.h). The provider's,
// except tickets of its users and promotions an agent asks for.
#include "cli/contract_verbs.h"
#include "cli/promo_verbs.h"
#include "cli/ticket_verbs.h"
#include "cli/verb_args.h"
#include "cli/verb_table.h"

namespace huawu::cli {

namespace {

std::uint32_t u32(const VerbArgs& a, std::string_view name) { return static_cast<std::uint32_t>(a.integer(name)); }

ContractSignArgs sign_args(const VerbArgs& a) {
  ContractSignArgs s{a.text("ID"), a.text("--agent"), a.text("--signed"), a.text("--counter-signed"),
                     a.text("--price"), a.text("--deposit"), a.text("--franchise-fee"), a.text("--renewals")};
  s.terms.level = u32(a, "--level");
  s.terms.prepaid_minutes = a.integer("--prepaid-minutes");
  s.terms.pay_within_workdays = u32(a, "--pay-within-workdays");
  s.terms.accounts = a.integer("--accounts");
  s.terms.accounts_within_workdays = u32(a, "--accounts-within-workdays");
  s.terms.active_users = a.integer("--active-users");
  s.terms.sla_hours = u32(a, "--sla-hours");
  s.terms.term_months = u32(a, "--term-months");
  s.terms.renewal_months = u32(a, "--renewal-months");
  s.key = a.text("--key");
  return s;
}

std::vector<ArgSpec> sign_arg_specs() {
  const ContractTerms defaults;
  return {required("ID", "contract id, e.g. HZ-2026-001"), required("--agent", "the level-N agent party to it"),
          required("--signed", "the agent's signature day"),
          text("--counter-signed", "the provider's (default: the same day)"),
          integer("--level", "the agent's level", 0, uint32_max, 0, true),
          integer("--prepaid-minutes", "the first traffic volume (B3.7)", INT64_MIN, int64_max, 0, true),
          required("--price", "fen per minute, e.g. 8.5"), required("--deposit", "security deposit, yuan"),
          required("--franchise-fee", "franchise fee, yuan"),
          integer("--pay-within-workdays", "B3.7 deadline", 0, uint32_max, 0, true),
          integer("--accounts", "A2.4: account records to generate", INT64_MIN, int64_max, 0, true),
          integer("--accounts-within-workdays", "A2.4 deadline", 0, uint32_max, 0, true),
          integer("--active-users", "A2.4: valid users to activate", INT64_MIN, int64_max, 0, true),
          integer("--sla-hours", "A3.2: response within working hours", 0, uint32_max, 0, true),
          integer("--term-months", "clause 7 (default 24)", 0, uint32_max, defaults.term_months),
          integer("--renewal-months", "clause 7 (default 24)", 0, uint32_max, defaults.renewal_months),
          text("--renewals", "repeat (default), once or none", "repeat"), key_arg(), json_arg()};
}

void add_contracts(std::vector<VerbSpec>& t, std::vector<GroupSpec>& g) {
  g.push_back({"contract", "cooperation agreements: terms, renewal, status as of any date", {}});
  t.push_back({.id = VerbId::contract_sign, .path = "contract sign", .help = "record a signed agreement with every parameter",
               .args = sign_arg_specs(),
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) { return verb_contract_sign(c, sign_args(a)); }});
  t.push_back({.id = VerbId::contract_status, .path = "contract status",
               .help = "where a contract stands on a day, and what decides next",
               .args = {required("ID", "contract id"), text("--as-of", "a day, China time (default: today)"), json_arg()},
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_contract_status(c, a.text("ID"), a.text("--as-of"));
               }});
  t.push_back({.id = VerbId::contract_list, .path = "contract list", .help = "every contract and its status today",
               .args = {json_arg()},
               .run = [](Context& c, const VerbArgs&) { return verb_contract_list(c); }});
  g.push_back({"notice", "notices under a contract (clause 6.5)", {}});
  t.push_back({.id = VerbId::notice_send, .path = "notice send", .help = "record a notice; its deemed receipt is derived",
               .args = {required("--contract", "contract id"), required("--from", "provider or agent"),
                        required("--kind", "renewal_objection, service_termination, business_change, "
                                           "negotiation_request or general"),
                        required("--method", "courier, fax or email"),
                        required("--sent", "hand-over or sending time, ISO 8601 with offset"),
                        text("--last-service-day", "service_termination: the last day of service"),
                        text("--subject", "what it is about"), key_arg(), json_arg()},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_notice_send(c, NoticeArgs{a.text("--contract"), a.text("--from"), a.text("--kind"),
                                                       a.text("--method"), a.text("--sent"),
                                                       a.text("--last-service-day"), a.text("--subject"),
                                                       a.text("--key")});
               }});
  t.push_back({.id = VerbId::notices, .path = "notices", .help = "the notices sent, with their deemed receipt",
               .args = {text("--contract", "only this contract's"), json_arg()},
               .run = [](Context& c, const VerbArgs& a) { return verb_notices(c, a.text("--contract")); }});
  t.push_back({.id = VerbId::obligations, .path = "obligations",
               .help = "what each contract obliges, by when, and where it stands",
               .args = {text("--contract", "only this contract's"),
                        text("--status", "pending, met, met_late, overdue, waived or indeterminate"),
                        text("--as-of", "a day, China time (default: today)"),
                        integer("--due-within", "only pending ones due within this many days", INT32_MIN, INT32_MAX, -1),
                        json_arg()},
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_obligations(c, ObligationArgs{a.text("--contract"), a.text("--status"), a.text("--as-of"),
                                                           static_cast<int>(a.integer("--due-within"))});
               }});
}

void add_amend_and_waive(std::vector<VerbSpec>& t, std::vector<GroupSpec>& g) {
  t.push_back({.id = VerbId::contract_amend, .path = "contract amend",
               .help = "record a supplementary agreement (clause 8): terms change from a day on",
               .args = {required("ID", "contract id"),
                        required("--effective", "the day the changes apply from (after the contract took effect)"),
                        list("--set", "PARAM=VALUE, repeatable: level, prepaid-minutes, price (fen), deposit and "
                                      "franchise-fee (yuan), pay-within-workdays, accounts, accounts-within-workdays, "
                                      "active-users, sla-hours, term-months, renewal-months, renewals (repeat|once|none)",
                             true),
                        text("--ref", "the supplementary agreement's reference"), key_arg(), json_arg()},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_contract_amend(c, ContractAmendArgs{a.text("ID"), a.text("--effective"), a.text("--ref"),
                                                                 a.text("--key"), a.list("--set")});
               }});
  g.push_back({"obligation", "act on one obligation", {}});
  t.push_back({.id = VerbId::obligation_waive, .path = "obligation waive",
               .help = "let an obligation go: it is `waived` from now on",
               .args = {required("ID", "its id as `huawu obligations` shows it, e.g. HZ-1/O-PAY"),
                        required("--reason", "why (required)"), key_arg(), json_arg()},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_obligation_waive(c, a.text("ID"), a.text("--reason"), a.text("--key"));
               }});
}

void add_tickets(std::vector<VerbSpec>& t, std::vector<GroupSpec>& g) {
  g.push_back({"ticket", "trouble tickets of bound users (clauses A3.2, B3.4)", {}});
  t.push_back({.id = VerbId::ticket_open, .path = "ticket open",
               .help = "record a user's report; the response is due within the contract's hours",
               .args = {required("--account", "the user's account"), required("--summary", "what the user reported"),
                        required("--reported", "when, ISO 8601 with offset, e.g. 2026-03-02T17:00+08:00"), key_arg(),
                        json_arg()},
               .target = {TargetKind::account, "--account"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 TicketArgs ticket;
                 ticket.account = a.text("--account");
                 ticket.summary = a.text("--summary");
                 ticket.reported = a.text("--reported");
                 ticket.key = a.text("--key");
                 return verb_ticket_open(c, ticket);
               }});
  t.push_back({.id = VerbId::ticket_respond, .path = "ticket respond", .help = "record the first response to a ticket",
               .args = {required("ID", "ticket id, e.g. T000001"), required("--at", "when, ISO 8601 with offset"),
                        text("--by", "provider (default) or agent (B3.4)", "provider"), key_arg(), json_arg()},
               .target = {TargetKind::ticket, "ID"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 TicketArgs ticket;
                 ticket.ticket = a.text("ID");
                 ticket.at = a.text("--at");
                 ticket.by = a.text("--by");
                 ticket.key = a.text("--key");
                 return verb_ticket_respond(c, ticket);
               }});
  t.push_back({.id = VerbId::ticket_close, .path = "ticket close", .help = "close a ticket",
               .args = {required("ID", "ticket id"), key_arg(), json_arg()},
               .target = {TargetKind::ticket, "ID"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 TicketArgs ticket;
                 ticket.ticket = a.text("ID");
                 ticket.key = a.text("--key");
                 return verb_ticket_close(c, ticket);
               }});
  t.push_back({.id = VerbId::ticket_show, .path = "ticket show",
               .help = "a ticket, its due time and where its response stands now",
               .args = {required("ID", "ticket id"), json_arg()},
               .target = {TargetKind::ticket, "ID"},
               .run = [](Context& c, const VerbArgs& a) { return verb_ticket_show(c, a.text("ID")); }});
  t.push_back({.id = VerbId::tickets, .path = "tickets", .help = "every ticket and where its response stands now",
               .args = {text("--contract", "only this contract's (- : those under no contract)"),
                        flag("--unanswered", "only tickets without a response"), json_arg()},
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_tickets(c, a.text("--contract"), a.flag("--unanswered"));
               }});
  g.push_back({"sla", "response times against A3.2's promise", {}});
  t.push_back({.id = VerbId::sla_report, .path = "sla report",
               .help = "tickets reported in a window: in time, late, open past due, % on time",
               .args = {text("--contract", "only this contract's tickets (- : those under no contract)"),
                        required("--from", "first day reported, China time"),
                        required("--to", "last day reported, China time"),
                        text("--as-of", "judge as of the end of this day (default: now)"), json_arg()},
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_sla_report(c, SlaReportArgs{a.text("--contract"), a.text("--from"), a.text("--to"),
                                                         a.text("--as-of")});
               }});
}

// Every promo verb reads its arguments into one PromoArgs; absent ones stay empty.
PromoArgs promo_args(const VerbArgs& a) {
  PromoArgs p;
  const std::pair<std::string_view, std::string*> fields[] = {
      {"ID", &p.promotion},   {"--agent", &p.agent}, {"--plan", &p.plan},
      {"--discount", &p.discount}, {"--from", &p.from}, {"--to", &p.to},
      {"--filing-ref", &p.filing_reference}, {"--reason", &p.reason}, {"--key", &p.key}};
  for (const auto& [name, field] : fields)
    if (find_arg(a.verb(), name)) *field = a.text(name);
  return p;
}

void add_promotions(std::vector<VerbSpec>& t, std::vector<GroupSpec>& g) {
  g.push_back({"promo", "promotions: only approved and filed ones change prices (clause B3.2)", {}});
  t.push_back({.id = VerbId::promo_request, .path = "promo request",
               .help = "an agent asks for a discount on a plan for its subtree",
               .args = {required("--agent", "the agent whose users it is for"),
                        required("--discount", "percent off, e.g. 15 or 12.5"), required("--from", "first day, China time"),
                        required("--to", "last day, China time"), required("--plan", "the rate plan it discounts"),
                        key_arg(), json_arg()},
               .target = {TargetKind::agent, "--agent"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_promo_request(c, promo_args(a));
               }});
  t.push_back({.id = VerbId::promo_approve, .path = "promo approve",
               .help = "the provider approves, with the filing's reference",
               .args = {required("ID", "promotion id, e.g. P000001"),
                        required("--filing-ref", "the filing with the authorities"), key_arg(), json_arg()},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_promo_approve(c, promo_args(a));
               }});
  t.push_back({.id = VerbId::promo_reject, .path = "promo reject", .help = "the provider refuses it",
               .args = {required("ID", "promotion id"), text("--reason", "why"), key_arg(), json_arg()},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_promo_reject(c, promo_args(a));
               }});
  t.push_back({.id = VerbId::promo_withdraw, .path = "promo withdraw", .help = "end it now (requested or approved)",
               .args = {required("ID", "promotion id"), text("--reason", "why"), key_arg(), json_arg()},
               .target = {TargetKind::promotion, "ID"},
               .access = Access::writes,
               .run = [](Context& c, const VerbArgs& a) {
                 return verb_promo_withdraw(c, promo_args(a));
               }});
  t.push_back({.id = VerbId::promo_show, .path = "promo show", .help = "one promotion and where it stands",
               .args = {required("ID", "promotion id"), json_arg()},
               .target = {TargetKind::promotion, "ID"},
               .run = [](Context& c, const VerbArgs& a) { return verb_promo_show(c, a.text("ID")); }});
  t.push_back({.id = VerbId::promo_list, .path = "promo list", .help = "every promotion",
               .args = {text("--agent", "only this agent's"), json_arg()},
               .run = [](Context& c, const VerbArgs& a) { return verb_promo_list(c, a.text("--agent")); }});
}

}  // namespace

void add_contract_verbs(std::vector<VerbSpec>& table, std::vector<GroupSpec>& groups) {
  add_contracts(table, groups);
  add_amend_and_waive(table, groups);
  add_tickets(table, groups);
  add_promotions(table, groups);
}

}  // namespace huawu::cli
