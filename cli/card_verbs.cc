// Cards (issue 5, clauses A2.3, A2.4 and B2.2): issuing batches with their
// PIN file, listing and showing cards, voiding, activating account cards and
// redeeming vouchers.
#include <charconv>

#include "cli/card_verbs.h"
#include "cli/format.h"
#include "events/card_number.h"
#include "events/money.h"

namespace huawu::cli {

namespace {

std::optional<std::uint64_t> parse_count(const std::string& text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The serial of a card number given for a range, or nullopt after printing card_number_invalid.
std::optional<std::uint64_t> serial_or_report(Context& ctx, const std::string& number, int* code) {
  const auto parsed = parse_card_number(number);
  if (!parsed) {
    *code = print_error(ctx, exit_bad_input, "card_number_invalid",
                        "not a card number: 16 digits with a valid check digit: " + number);
    return std::nullopt;
  }
  return parsed->serial;
}

const char* card_state_at(const CardBatchState& batch, std::uint64_t serial, const CardUse* use, std::int64_t time_us) {
  if (use) return batch.issued.kind == CardKind::account ? "activated" : "redeemed";
  if (batch.void_of(serial)) return "voided";
  if (batch.expired_at(time_us)) return "expired";
  return "issued";
}

nlohmann::json batch_json(const CardBatchState& batch) {
  const CardBatchIssued& b = batch.issued;
  return nlohmann::json{{"batch", b.batch},
                        {"agent", b.agent},
                        {"kind", card_kind_name(b.kind)},
                        {"count", b.count},
                        {"first_number", card_number(b.kind, b.first_serial)},
                        {"last_number", card_number(b.kind, batch.last_serial())},
                        {"face_units", b.face_units},
                        {"face", format_yuan(b.face_units)},
                        {"rate_plan", b.rate_plan},
                        {"expires", b.expires_at_us == 0 ? "" : china_day(b.expires_at_us)},
                        {"issued_sequence", batch.issued_sequence},
                        {"issued_at", format_time_utc(batch.issued_time_us)},
                        {"used", batch.used},
                        {"voided", batch.voided_count()}};
}

}  // namespace

std::optional<IssueCards> issue_command_or_report(Context& ctx, const CardIssueArgs& args, int* code) {
  IssueCards command;
  command.agent = args.agent;
  if (args.kind == "account") {
    command.kind = CardKind::account;
  } else if (args.kind == "recharge") {
    command.kind = CardKind::recharge;
  } else {
    *code = print_error(ctx, exit_bad_input, "card_kind_invalid", "--kind is account or recharge, not " + args.kind);
    return std::nullopt;
  }
  const auto count = parse_count(args.count);
  if (!count) {
    *code = print_error(ctx, exit_bad_input, "card_count_invalid", "--count is a whole number of cards: " + args.count);
    return std::nullopt;
  }
  command.count = *count;
  const auto face = amount_or_report(ctx, args.face, code);
  if (!face) return std::nullopt;
  command.face_units = *face;
  command.rate_plan = args.plan;
  if (!args.expires.empty()) {
    // Valid through the whole day named (China time).
    const auto end_us = args.expires.size() == 10 ? parse_time_bound(args.expires, true) : std::nullopt;
    if (!end_us) {
      *code = print_error(ctx, exit_bad_input, "time_invalid", "--expires is a day, e.g. 2027-12-31: " + args.expires);
      return std::nullopt;
    }
    command.expires_at_us = *end_us - 1;
  }
  return command;
}

int verb_cards_issue(Context& ctx, const CardIssueArgs& args, CardCsv* csv) {
  int code = exit_ok;
  auto command = issue_command_or_report(ctx, args, &code);
  if (!command) return code;
  Request request{std::move(*command), args.key, {}, 0};
  // Inside the daemon: the command that asked writes the PIN file itself.
  if (!csv) return run_request(ctx, std::move(request));
  const std::optional<Outcome> outcome = submit_request(ctx, request, &code);
  if (!outcome) return code;
  if (outcome->rejection != Rejection::none) {
    const std::string name(rejection_name(outcome->rejection));
    return print_error(ctx, exit_refused, name, "refused: " + name);
  }
  const auto& batch = std::get<CardBatchIssued>(outcome->events.at(0).payload);
  return finish_card_issue(ctx, batch, outcome->first_sequence, outcome->replayed, *csv);
}

int finish_card_issue(Context& ctx, const CardBatchIssued& batch, std::uint64_t sequence, bool replayed, CardCsv& csv) {
  std::string why;
  const auto key = load_or_create_card_key(ctx.data_dir, &why);
  if (key && key->id != batch.key_id) why = "the data directory's PIN key is not the one batch " + batch.batch + " used";
  const bool written = key && key->id == batch.key_id && csv.write(*key, batch, &why);
  csv.discard();  // when it was not written: no empty file left behind
  if (!written)
    return print_error(ctx, exit_storage, "card_file_unwritten",
                       "batch " + batch.batch + " was issued, but its card file was not written: " + why +
                           " (issue again with the same --key to write it)");
  if (ctx.json) {
    const nlohmann::json j{{"ok", true},
                           {"replayed", replayed},
                           {"sequence", sequence},
                           {"batch", batch.batch},
                           {"agent", batch.agent},
                           {"kind", card_kind_name(batch.kind)},
                           {"count", batch.count},
                           {"first_number", card_number(batch.kind, batch.first_serial)},
                           {"last_number", card_number(batch.kind, batch.first_serial + batch.count - 1)},
                           {"face_units", batch.face_units},
                           {"face", format_yuan(batch.face_units)},
                           {"rate_plan", batch.rate_plan},
                           {"expires", batch.expires_at_us == 0 ? "" : china_day(batch.expires_at_us)},
                           {"file", csv.path()}};
    ctx.out << json_line(j) << "\n";
    return exit_ok;
  }
  if (replayed) ctx.out << "already issued with this key (nothing changed); its card file is written again\n";
  ctx.out << "batch " << batch.batch << " (event " << sequence << "): " << batch.count << " "
          << card_kind_name(batch.kind) << " cards for agent " << batch.agent << ", face "
          << format_yuan(batch.face_units) << " yuan, numbers " << card_number(batch.kind, batch.first_serial) << ".."
          << card_number(batch.kind, batch.first_serial + batch.count - 1)
          << (batch.expires_at_us == 0 ? "" : ", valid through " + china_day(batch.expires_at_us)) << "\n"
          << "numbers and PINs written to " << csv.path() << " (mode 0600); keep it safe, no PIN is stored anywhere else\n";
  return exit_ok;
}

std::optional<CardBatchIssued> batch_from_reply(const std::string& reply_out, std::uint64_t* sequence, bool* replayed) {
  const auto j = nlohmann::json::parse(reply_out, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.value("ok", false) || !j.contains("events") || j["events"].empty())
    return std::nullopt;
  const auto& e = j["events"][0];
  try {
    CardBatchIssued batch;
    batch.batch = e.at("batch").get<std::string>();
    batch.agent = e.at("agent").get<std::string>();
    batch.kind = e.at("kind").get<std::string>() == "account" ? CardKind::account : CardKind::recharge;
    batch.count = e.at("count").get<std::uint64_t>();
    batch.first_serial = e.at("first_serial").get<std::uint64_t>();
    batch.face_units = e.at("face_units").get<std::int64_t>();
    batch.rate_plan = e.at("rate_plan").get<std::string>();
    batch.expires_at_us = e.at("expires_at_us").get<std::int64_t>();
    batch.key_id = e.at("key_id").get<std::string>();
    *sequence = e.at("sequence").get<std::uint64_t>();
    *replayed = j.value("replayed", false);
    return batch;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

int verb_cards_batches(Context& ctx, const std::string& agent) {
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  std::vector<CardBatchState> batches;
  AccountCardCounts counts;
  writer->read_and_wait([&](const LedgerState& state) {
    state.cards().for_each_batch([&](const CardBatchState& batch) {
      if (agent.empty() || in_subtree(state.agents(), batch.issued.agent, agent)) batches.push_back(batch);
    });
    if (!agent.empty()) counts = state.cards().account_cards_of(agent);
  });
  if (ctx.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const CardBatchState& batch : batches) list.push_back(batch_json(batch));
    nlohmann::json j{{"batches", list}};
    if (!agent.empty())
      j["account_cards"] = {{"agent", agent}, {"generated", counts.generated}, {"activated", counts.activated},
                            {"voided", counts.voided}};
    ctx.out << json_line(j) << "\n";
    return exit_ok;
  }
  if (batches.empty()) {
    ctx.out << "no card batches" << (agent.empty() ? "" : " for agent " + agent) << "\n";
    return exit_ok;
  }
  ctx.out << "batch    agent            kind      count      face      used     voided  numbers                            expires     plan\n";
  for (const CardBatchState& batch : batches) {
    const CardBatchIssued& b = batch.issued;
    char line[512];
    std::snprintf(line, sizeof line, "%-8s %-16s %-8s %8llu %10s %8llu %8llu  %s..%s  %-10s  %s\n", b.batch.c_str(),
                  b.agent.c_str(), card_kind_name(b.kind), static_cast<unsigned long long>(b.count),
                  format_yuan(b.face_units).c_str(), static_cast<unsigned long long>(batch.used),
                  static_cast<unsigned long long>(batch.voided_count()), card_number(b.kind, b.first_serial).c_str(),
                  card_number(b.kind, batch.last_serial()).c_str(),
                  b.expires_at_us == 0 ? "never" : china_day(b.expires_at_us).c_str(), b.rate_plan.c_str());
    ctx.out << line;
  }
  if (!agent.empty())
    ctx.out << "account cards of " << agent << ": " << counts.generated << " generated, " << counts.activated
            << " activated, " << counts.voided << " voided\n";
  return exit_ok;
}

int verb_cards_show(Context& ctx, const std::string& number) {
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  const auto parsed = parse_card_number(number);
  std::optional<CardBatchState> batch;
  std::optional<CardUse> use;
  std::size_t recent_failures = 0;
  std::int64_t time_us = now_us();
  writer->read_and_wait([&](const LedgerState& state) {
    time_us = std::max(time_us, state.last_ledger_time_us());
    const CardBatchState* found = parsed ? state.cards().card_batch_of_serial(parsed->serial) : nullptr;
    if (!found || found->issued.kind != parsed->kind) return;
    batch = *found;
    if (const CardUse* used = state.cards().find_card_use(parsed->serial)) use = *used;
    if (const CardFailures* failures = state.cards().card_failures(parsed->serial))
      recent_failures = failures->times_us.size();
  });
  if (!batch) return print_error(ctx, exit_refused, "card_not_found", "refused: card_not_found");
  const std::uint64_t serial = parsed->serial;
  const char* state = card_state_at(*batch, serial, use ? &*use : nullptr, time_us);
  const VoidedRange* voided = batch->void_of(serial);
  const CardBatchIssued& b = batch->issued;
  if (ctx.json) {
    nlohmann::json j{{"number", number},
                     {"serial", serial},
                     {"state", state},
                     {"batch", b.batch},
                     {"agent", b.agent},
                     {"kind", card_kind_name(b.kind)},
                     {"face_units", b.face_units},
                     {"face", format_yuan(b.face_units)},
                     {"rate_plan", b.rate_plan},
                     {"expires", b.expires_at_us == 0 ? "" : china_day(b.expires_at_us)},
                     {"issued_sequence", batch->issued_sequence},
                     {"recent_failed_attempts", recent_failures}};
    if (use)
      j["used"] = {{"account", use->account}, {"sequence", use->sequence}, {"at", format_time_utc(use->time_us)}};
    if (voided) j["voided_sequence"] = voided->sequence;
    ctx.out << json_line(j) << "\n";
    return exit_ok;
  }
  ctx.out << number << "  " << state << "  " << card_kind_name(b.kind) << " card of batch " << b.batch << ", agent "
          << b.agent << ", face " << format_yuan(b.face_units) << " yuan"
          << (b.rate_plan.empty() ? "" : ", plan " + b.rate_plan)
          << (b.expires_at_us == 0 ? "" : ", valid through " + china_day(b.expires_at_us)) << "\n";
  if (use)
    ctx.out << "  " << (b.kind == CardKind::account ? "activated as account " : "redeemed into account ")
            << use->account << " at " << format_time_utc(use->time_us) << " (event " << use->sequence << ")\n";
  if (voided && (!use || voided->sequence < use->sequence))
    ctx.out << "  voided by event " << voided->sequence << "\n";
  if (recent_failures > 0) ctx.out << "  " << recent_failures << " recent failed attempts\n";
  return exit_ok;
}

int verb_cards_void(Context& ctx, const std::string& batch, const std::string& from, const std::string& to,
                    const std::string& reason, const std::string& key) {
  int code = exit_ok;
  VoidCards command{batch, 0, 0, reason};
  if (from.empty() != to.empty())
    return print_error(ctx, exit_bad_input, "card_range_invalid", "give both --from and --to, or neither (the whole batch)");
  if (!from.empty()) {
    const auto first = serial_or_report(ctx, from, &code);
    if (!first) return code;
    const auto last = serial_or_report(ctx, to, &code);
    if (!last) return code;
    command.first_serial = *first;
    command.last_serial = *last;
  }
  return run_request(ctx, Request{std::move(command), key, {}, 0});
}

int verb_account_activate(Context& ctx, const std::string& number, const std::string& pin, const std::string& key) {
  return run_request(ctx, Request{ActivateCard{number, pin}, key, {}, 0}, card_refusal_explainer(ctx, number));
}

int verb_recharge_card_redeem(Context& ctx, const std::string& account, const std::string& number,
                              const std::string& pin, const std::string& key) {
  return run_request(ctx, Request{RedeemCard{account, number, pin}, key, {}, 0}, card_refusal_explainer(ctx, number));
}

Explain card_refusal_explainer(Context& ctx, const std::string& number) {
  return [&ctx, number](Rejection rejection) -> std::string {
    if (rejection != Rejection::card_already_redeemed) return {};
    const auto parsed = parse_card_number(number);
    std::string why;
    Writer* writer = parsed ? ctx.access.writer(&why) : nullptr;
    if (!writer) return {};
    std::string said;
    writer->read_and_wait([&](const LedgerState& state) {
      if (const CardUse* use = state.cards().find_card_use(parsed->serial))
        said = "at " + format_time_utc(use->time_us) + " into account " + use->account + ", event " +
               std::to_string(use->sequence);
    });
    return said;
  };
}

}  // namespace huawu::cli
