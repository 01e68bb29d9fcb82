#include "cli/contract_verbs.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "cli/format.h"
#include "events/money.h"
#include "ledger/calendar_file.h"
#include "ledger/rating.h"
#include "projections/contracts.h"
#include "projections/obligations.h"

namespace huawu::cli {

namespace {

Date today() { return china_date_of(now_us()); }

nlohmann::json amendment_json(const ContractAmended& a) {
  nlohmann::json changes = nlohmann::json::object();
  for (const TermChange& change : a.changes) changes[change.param] = format_term_value(change.param, change.value);
  return nlohmann::json{{"amendment", a.amendment},
                        {"effective", a.effective_date},
                        {"changes", changes},
                        {"reference", a.reference}};
}

// "term-months 24 -> 36, price 8.5 -> 8" as of the day before the amendment took effect.
std::string amendment_text(const ContractState& contract, const ContractAmended& a) {
  const Date effective = parse_date(a.effective_date).value_or(Date{});
  const ContractTerms before = contract.terms_on(effective - std::chrono::days{1});
  std::string text;
  for (const TermChange& change : a.changes) {
    const ContractTermParam* param = find_contract_term_param(change.param);
    if (!param) continue;
    text += (text.empty() ? "" : ", ") + change.param + " " + format_term_value(change.param, param->get(before)) +
            " -> " + format_term_value(change.param, change.value);
  }
  return text;
}

std::optional<RenewalPolicy> parse_renewals(const std::string& text) {
  if (text == "repeat") return RenewalPolicy::repeat;
  if (text == "once") return RenewalPolicy::once;
  if (text == "none") return RenewalPolicy::none;
  return std::nullopt;
}

nlohmann::json status_json(const std::string& id, const ContractState& contract, const ContractStatus& status,
                           Date as_of) {
  const ContractSigned& s = contract.signed_event;
  nlohmann::json notices = nlohmann::json::array();
  for (const NoticeSent& notice : contract.notices) notices.push_back(notice_json(notice));
  nlohmann::json j{{"contract", id},
                   {"agent", s.agent},
                   {"signed", s.signed_date},
                   {"counter_signed", s.counter_signed_date},
                   {"effective", format_date(contract.effective())},
                   {"terms", contract_terms_json(s.terms)},
                   {"calendar_version", s.calendar_version},
                   {"as_of", format_date(as_of)},
                   {"status", contract_phase_name(status.phase)},
                   {"term", status.term},
                   {"notices", notices}};
  if (status.term > 0) {
    j["term_start"] = format_date(status.term_start);
    j["term_last_day"] = format_date(status.term_last_day);
  }
  if (status.phase == ContractPhase::expired || status.phase == ContractPhase::terminated) {
    j["ended_after"] = format_date(status.ended_after);
    j["ended_by"] = status.ended_by;
  }
  j["next_decision"] = status.next_decision ? format_date(*status.next_decision) : "";
  j["decided_by"] = status.decided_by;
  nlohmann::json amendments = nlohmann::json::array();
  for (const ContractAmended& a : contract.amendments) amendments.push_back(amendment_json(a));
  j["amendments"] = amendments;
  j["terms_in_force"] = contract_terms_json(contract.terms_on(as_of));
  return j;
}

}  // namespace

int verb_contract_sign(Context& ctx, const ContractSignArgs& args) {
  int code = exit_ok;
  SignContract command{args.contract, args.agent, args.signed_date, args.counter_signed_date, args.terms};
  std::string why;
  const auto price = parse_fen(args.price, &why);
  if (!price) return print_error(ctx, exit_bad_input, "price_invalid", why);
  command.terms.price_units_per_minute = *price;
  const auto deposit = amount_or_report(ctx, args.deposit, &code);
  if (!deposit) return code;
  const auto fee = amount_or_report(ctx, args.franchise_fee, &code);
  if (!fee) return code;
  command.terms.deposit_units = *deposit;
  command.terms.franchise_fee_units = *fee;
  const auto renewals = parse_renewals(args.renewals);
  if (!renewals) return print_error(ctx, exit_bad_input, "renewals_invalid", "--renewals is repeat, once or none");
  command.terms.renewals = *renewals;
  return run_request(ctx, Request{std::move(command), args.key, {}, 0});
}

int verb_contract_status(Context& ctx, const std::string& contract, const std::string& as_of_text) {
  int code = exit_ok;
  const std::optional<Date> as_of = as_of_text.empty() ? std::optional<Date>(today()) : parse_date(as_of_text);
  if (!as_of) return print_error(ctx, exit_bad_input, "date_invalid", "--as-of is a day, e.g. 2026-03-01");
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  std::optional<ContractState> state;
  writer->read_and_wait([&](const LedgerState& ledger) {
    if (const ContractState* found = ledger.contracts().find(contract)) state = *found;
  });
  if (!state) return print_error(ctx, exit_refused, "contract_not_found", "refused: contract_not_found");
  const ContractStatus status = contract_status(*state, *as_of);
  const nlohmann::json j = status_json(contract, *state, status, *as_of);
  if (ctx.json) {
    ctx.out << json_line(j) << "\n";
    return exit_ok;
  }
  const ContractTerms t = state->terms_on(*as_of);
  ctx.out << "contract " << contract << " with agent " << state->signed_event.agent << ", signed "
          << state->signed_event.signed_date << " / " << state->signed_event.counter_signed_date << ", effective "
          << format_date(state->effective()) << "\n";
  ctx.out << "  terms" << (state->amendments.empty() ? "" : " in force on " + format_date(*as_of)) << ": level "
          << t.level << ", " << t.prepaid_minutes << " prepaid minutes at "
          << format_fen(t.price_units_per_minute) << " fen/min, deposit " << format_yuan(t.deposit_units)
          << ", franchise fee " << format_yuan(t.franchise_fee_units) << " yuan, paid within " << t.pay_within_workdays
          << " working days (B3.7); " << t.accounts << " accounts and " << t.active_users << " active users within "
          << t.accounts_within_workdays << " working days (A2.4); response within " << t.sla_hours
          << " working hours (A3.2); term " << t.term_months << " months, renewals " << renewal_policy_name(t.renewals)
          << " by " << t.renewal_months << " months (7)\n";
  for (const ContractAmended& a : state->amendments)
    ctx.out << "  amendment " << a.amendment << " effective " << a.effective_date
            << (a.reference.empty() ? "" : " (" + a.reference + ")") << ": " << amendment_text(*state, a) << "\n";
  ctx.out << "  as of " << format_date(*as_of) << ": " << contract_phase_name(status.phase);
  if (status.term > 0)
    ctx.out << ", term " << status.term << " (" << format_date(status.term_start) << " .. "
            << format_date(status.term_last_day) << ")";
  if (status.phase == ContractPhase::expired || status.phase == ContractPhase::terminated)
    ctx.out << ", ended after " << format_date(status.ended_after) << " (" << status.ended_by << ")";
  ctx.out << "\n";
  if (status.next_decision)
    ctx.out << "  next decision " << format_date(*status.next_decision) << ": " << status.decided_by << "\n";
  for (const NoticeSent& notice : state->notices)
    ctx.out << "  notice " << notice.notice << ": " << notice_kind_name(notice.kind) << " from "
            << notice_party_name(notice.from) << " by " << notice_method_name(notice.method) << ", deemed received "
            << notice.deemed_received
            << (notice.compliant ? "" : ", NON-COMPLIANT (B3.5: earliest compliant last day " +
                                            notice.earliest_compliant_last_day + ")")
            << "\n";
  return exit_ok;
}

int verb_contract_list(Context& ctx) {
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  const Date as_of = today();
  nlohmann::json list = nlohmann::json::array();
  std::string text;
  writer->read_and_wait([&](const LedgerState& ledger) {
    ledger.contracts().for_each([&](const std::string& id, const ContractState& contract) {
      const ContractStatus status = contract_status(contract, as_of);
      list.push_back(status_json(id, contract, status, as_of));
      text += id + "  agent " + contract.signed_event.agent + "  effective " + format_date(contract.effective()) +
              "  " + contract_phase_name(status.phase) +
              (status.term > 0 ? " (term " + std::to_string(status.term) + " to " + format_date(status.term_last_day) + ")"
                               : std::string()) +
              "\n";
    });
  });
  if (ctx.json) {
    ctx.out << json_line(nlohmann::json{{"as_of", format_date(as_of)}, {"contracts", list}}) << "\n";
    return exit_ok;
  }
  ctx.out << (text.empty() ? "no contracts\n" : text);
  return exit_ok;
}

int verb_notice_send(Context& ctx, const NoticeArgs& args) {
  SendNotice command;
  command.contract = args.contract;
  if (args.from == "provider") command.from = NoticeParty::provider;
  else if (args.from == "agent") command.from = NoticeParty::agent;
  else return print_error(ctx, exit_bad_input, "party_invalid", "--from is provider or agent");
  const std::pair<const char*, NoticeKind> kinds[] = {{"renewal_objection", NoticeKind::renewal_objection},
                                                     {"service_termination", NoticeKind::service_termination},
                                                     {"business_change", NoticeKind::business_change},
                                                     {"negotiation_request", NoticeKind::negotiation_request},
                                                     {"general", NoticeKind::general}};
  bool kind_known = false;
  for (const auto& [name, kind] : kinds)
    if (args.kind == name) command.kind = kind, kind_known = true;
  if (!kind_known)
    return print_error(ctx, exit_bad_input, "notice_kind_invalid",
                       "--kind is renewal_objection, service_termination, business_change, negotiation_request or general");
  const auto method = parse_notice_method(args.method);
  if (!method) return print_error(ctx, exit_bad_input, "method_invalid", "--method is courier, fax or email");
  command.method = *method;
  int code = exit_ok;
  const auto sent = instant_or_report(ctx, args.sent, "--sent", &code);
  if (!sent) return code;
  command.sent_us = *sent;
  command.last_service_day = args.last_service_day;
  command.subject = args.subject;
  return run_request(ctx, Request{std::move(command), args.key, {}, 0});
}

int verb_notices(Context& ctx, const std::string& contract) {
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  std::vector<NoticeSent> notices;
  bool found = contract.empty();
  writer->read_and_wait([&](const LedgerState& ledger) {
    ledger.contracts().for_each([&](const std::string& id, const ContractState& state) {
      if (!contract.empty() && id != contract) return;
      found = true;
      notices.insert(notices.end(), state.notices.begin(), state.notices.end());
    });
  });
  if (!found) return print_error(ctx, exit_refused, "contract_not_found", "refused: contract_not_found");
  std::sort(notices.begin(), notices.end(), [](const NoticeSent& a, const NoticeSent& b) { return a.notice < b.notice; });
  if (ctx.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const NoticeSent& notice : notices) list.push_back(notice_json(notice));
    ctx.out << json_line(nlohmann::json{{"notices", list}}) << "\n";
    return exit_ok;
  }
  if (notices.empty()) ctx.out << "no notices\n";
  for (const NoticeSent& n : notices)
    ctx.out << n.notice << "  " << n.contract << "  " << notice_kind_name(n.kind) << " from " << notice_party_name(n.from)
            << " by " << notice_method_name(n.method) << ", sent " << format_time_utc(n.sent_us) << ", deemed received "
            << n.deemed_received << (n.last_service_day.empty() ? "" : ", last service day " + n.last_service_day)
            << (n.compliant ? "" : ", NON-COMPLIANT (earliest compliant last day " + n.earliest_compliant_last_day + ")")
            << (n.subject.empty() ? "" : "  \"" + n.subject + "\"") << "\n";
  return exit_ok;
}

}  // namespace huawu::cli

namespace huawu::cli {

int verb_obligations(Context& ctx, const ObligationArgs& args) {
  int code = exit_ok;
  const std::optional<std::int64_t> as_of = as_of_or_report(ctx, args.as_of, &code);
  if (!as_of) return code;
  const std::int64_t as_of_us = *as_of;
  const Date as_of_day = china_date_of(as_of_us);
  const char* statuses[] = {"pending", "met", "met_late", "overdue", "waived", "indeterminate"};
  if (!args.status.empty() && std::find(std::begin(statuses), std::end(statuses), args.status) == std::end(statuses))
    return print_error(ctx, exit_bad_input, "status_invalid",
                       "--status is pending, met, met_late, overdue, waived or indeterminate");
  std::optional<std::vector<Obligation>> found = obligations_or_report(ctx, args.contract, as_of_us, &code);
  if (!found) return code;
  std::vector<Obligation>& obligations = *found;
  std::erase_if(obligations, [&](const Obligation& o) {
    if (!args.status.empty() && args.status != obligation_status_name(o.status)) return true;
    // --due-within: still open and due within that many days of the as-of day.
    if (args.due_within >= 0)
      return !(o.status == ObligationStatus::pending && o.deadline <= as_of_day + std::chrono::days{args.due_within});
    return false;
  });
  if (ctx.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const Obligation& o : obligations) {
      nlohmann::json j{{"id", o.id},
                       {"contract", o.contract},
                       {"type", o.type},
                       {"clause", o.clause},
                       {"bearer", o.bearer},
                       {"beneficiary", o.beneficiary},
                       {"trigger", o.trigger},
                       {"rule", o.rule},
                       {"deadline", obligation_deadline_text(o)},
                       {"satisfied_by", o.satisfied_by},
                       {"satisfied_at", o.satisfied_at_us == 0 ? "" : format_time_utc(o.satisfied_at_us)},
                       {"status", obligation_status_name(o.status)},
                       {"calendar_version", o.calendar_version}};
      if (o.unknown_year != 0) j["calendar_unknown_year"] = o.unknown_year;
      if (o.status == ObligationStatus::waived) j["waived_reason"] = o.waived_reason;
      list.push_back(std::move(j));
    }
    ctx.out << json_line(nlohmann::json{{"as_of", args.as_of.empty() ? format_time_utc(as_of_us) : args.as_of},
                                        {"obligations", list}})
            << "\n";
    return exit_ok;
  }
  const std::string as_of_text = args.as_of.empty() ? "now" : args.as_of;
  if (obligations.empty()) ctx.out << "no obligations as of " << as_of_text << "\n";
  for (const Obligation& o : obligations) {
    ctx.out << o.id << "  " << obligation_status_name(o.status) << "  (" << o.clause << ", " << o.bearer << " -> "
            << o.beneficiary << ")";
    if (o.status == ObligationStatus::indeterminate)
      ctx.out << "  calendar_unknown: the working-day calendar does not cover " << o.unknown_year;
    else
      ctx.out << "  " << (o.type == "O-DISPUTE" ? "arbitration from " : "due by ") << obligation_deadline_text(o);
    if (!o.satisfied_by.empty()) ctx.out << "  met by " << o.satisfied_by << " at " << format_time_utc(o.satisfied_at_us);
    if (o.status == ObligationStatus::waived) ctx.out << "  waived: " << o.waived_reason;
    ctx.out << "\n    " << o.rule << "\n";
  }
  return exit_ok;
}

namespace {

// A --set value in the unit people write: fen for the price, yuan for money,
// repeat|once|none for renewals, whole numbers for the rest.
std::optional<std::int64_t> parse_term_value(std::string_view param, const std::string& text, std::string* why) {
  if (param == "price") return parse_fen(text, why);
  if (param == "deposit" || param == "franchise-fee") return parse_yuan(text, why);
  if (param == "renewals") {
    if (const auto policy = parse_renewals(text)) return static_cast<std::int64_t>(*policy);
    *why = "renewals is repeat, once or none";
    return std::nullopt;
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
    *why = std::string(param) + " is a whole number, not '" + text + "'";
    return std::nullopt;
  }
  return value;
}

}  // namespace

int verb_contract_amend(Context& ctx, const ContractAmendArgs& args) {
  AmendContract command{args.contract, args.effective, {}, args.reference};
  for (const std::string& setting : args.settings) {
    const std::size_t equals = setting.find('=');
    const std::string param = setting.substr(0, equals);
    if (equals == std::string::npos || !find_contract_term_param(param)) {
      std::string names;
      for (const ContractTermParam& p : contract_term_params()) names += (names.empty() ? "" : ", ") + std::string(p.name);
      return print_error(ctx, exit_bad_input, "amendment_invalid",
                         "--set is PARAM=VALUE with PARAM one of " + names + ", not '" + setting + "'");
    }
    std::string why;
    const auto value = parse_term_value(param, setting.substr(equals + 1), &why);
    if (!value) return print_error(ctx, exit_bad_input, "amendment_invalid", "--set " + setting + ": " + why);
    command.changes.push_back(TermChange{param, *value});
  }
  if (command.changes.empty())
    return print_error(ctx, exit_bad_input, "amendment_invalid", "an amendment changes at least one term (--set)");
  return run_request(ctx, Request{std::move(command), args.key, {}, 0});
}

int verb_obligation_waive(Context& ctx, const std::string& obligation, const std::string& reason,
                          const std::string& key) {
  return run_request(ctx, Request{WaiveObligation{obligation, reason}, key, {}, 0});
}

}  // namespace huawu::cli
