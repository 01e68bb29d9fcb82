// `huawu rates import|show|lookup`: rate plans (issue 3, clause A2.1).
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/format.h"
#include "cli/verbs.h"
#include "events/money.h"
#include "ledger/rate_csv.h"
#include "ledger/rating.h"

namespace huawu::cli {

namespace {

// A 200,000-row plan is about 10 MB of CSV; anything far larger is not a plan.
constexpr std::uintmax_t rate_file_bytes_max = 64 << 20;

std::optional<std::string> read_file(const std::string& path, std::string* why) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) {
    *why = "cannot read " + path + ": " + error.message();
    return std::nullopt;
  }
  if (size > rate_file_bytes_max) {
    *why = path + " is larger than " + std::to_string(rate_file_bytes_max >> 20) + " MiB";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    *why = "cannot read " + path;
    return std::nullopt;
  }
  return text.str();
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

nlohmann::json rate_json(const Rate& rate) {
  return {{"prefix", rate.prefix},
          {"description", rate.description},
          {"price_fen_per_minute", format_fen(rate.price_units_per_minute)},
          {"price_units_per_minute", rate.price_units_per_minute},
          {"connect_fee_fen", format_fen(rate.connect_fee_units)},
          {"connect_fee_units", rate.connect_fee_units},
          {"first_block_s", rate.first_block_seconds},
          {"next_block_s", rate.next_block_seconds}};
}

// The plan as it is now, taken on the writer thread and read outside it:
// tables are immutable once built.
std::shared_ptr<const RatePlanState> current_plan(Writer& writer, const std::string& plan) {
  std::shared_ptr<const RatePlanState> found;
  writer.read_and_wait([&](const LedgerState& state) { found = state.rate_plans().find_shared(plan); });
  return found;
}

}  // namespace

int verb_rates_import(Context& ctx, const std::string& plan, const std::string& file,
                      const std::string& key) {
  std::string why;
  auto text = read_file(file, &why);
  if (!text) return print_error(ctx, exit_bad_input, "file_unreadable", why);
  auto rates = parse_rate_csv(*text, &why);
  if (!rates) return print_error(ctx, exit_bad_input, "rate_file_invalid", file + ": " + why);
  const std::string source_name = std::filesystem::path(file).filename().string();
  return run_request(ctx, Request{ImportRatePlan{plan, source_name, std::move(*rates)}, key, {}, 0});
}

int verb_rates_show(Context& ctx, const std::string& plan) {
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  const auto state = current_plan(*writer, plan);
  if (!state) return print_error(ctx, exit_refused, "rate_plan_not_found", "refused: rate_plan_not_found");
  if (ctx.json) {
    nlohmann::json rates = nlohmann::json::array();
    for (const Rate& rate : state->table.rates()) rates.push_back(rate_json(rate));
    ctx.out << json_line(nlohmann::json{{"plan", state->plan},
                                        {"source_name", state->source_name},
                                        {"imported_sequence", state->imported_sequence},
                                        {"imports", state->imports},
                                        {"rates", std::move(rates)}})
            << "\n";
    return exit_ok;
  }
  // The import format, so a plan can be exported, edited and imported again.
  ctx.out << "# plan " << state->plan << ": " << state->table.size() << " rates from "
          << state->source_name << ", import " << state->imports << " at sequence "
          << state->imported_sequence << "\n";
  ctx.out << "prefix,description,price_fen_per_minute,connect_fee_fen,first_block_s,next_block_s\n";
  for (const Rate& rate : state->table.rates())
    ctx.out << rate.prefix << "," << csv_field(rate.description) << "," << format_fen(rate.price_units_per_minute)
            << "," << format_fen(rate.connect_fee_units) << "," << rate.first_block_seconds << ","
            << rate.next_block_seconds << "\n";
  return exit_ok;
}

int verb_rates_lookup(Context& ctx, const std::string& plan, const std::string& number) {
  if (number.empty() || number.size() > limits::rate_prefix_digits_max * 2 ||
      number.find_first_not_of("0123456789") != std::string::npos)
    return print_error(ctx, exit_bad_input, "number_invalid",
                       "invalid number '" + number + "': dialled digits only, e.g. 8613800138000");
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  const auto state = current_plan(*writer, plan);
  if (!state) return print_error(ctx, exit_refused, "rate_plan_not_found", "refused: rate_plan_not_found");
  const Rate* rate = state->table.lookup(number);
  if (!rate)
    return print_error(ctx, exit_refused, "no_rate_for_destination", "refused: no_rate_for_destination");
  // What a one-minute call costs, by the one billing rule (ledger/rating.h).
  const std::int64_t minute_units = call_cost_units(*rate, 60'000);
  if (ctx.json) {
    nlohmann::json j = rate_json(*rate);
    j["plan"] = plan;
    j["number"] = number;
    j["one_minute_cost_units"] = minute_units;
    j["one_minute_cost"] = format_yuan(minute_units);
    ctx.out << json_line(j) << "\n";
    return exit_ok;
  }
  ctx.out << number << " -> prefix " << rate->prefix << " (" << rate->description << "): "
          << format_fen(rate->price_units_per_minute) << " fen/min, connect fee "
          << format_fen(rate->connect_fee_units) << " fen, blocks " << rate->first_block_seconds << "/"
          << rate->next_block_seconds << " s; a 1-minute call costs " << format_yuan(minute_units)
          << " yuan\n";
  return exit_ok;
}

}  // namespace huawu::cli
