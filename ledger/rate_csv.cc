#include "ledger/rate_csv.h"

#include <unordered_set>

#include "events/ids.h"
#include "events/limits.h"

namespace huawu {

namespace {

constexpr std::string_view header =
    "prefix,description,price_fen_per_minute,connect_fee_fen,first_block_s,next_block_s";
constexpr std::uint32_t block_seconds_max = 3600;

// Splits one line into fields; false on an unterminated quote.
bool split_fields(std::string_view line, std::vector<std::string>& fields) {
  fields.assign(1, std::string());
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  return !quoted;
}

std::optional<std::uint32_t> parse_block(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value == 0 || value > block_seconds_max) return std::nullopt;
  return value;
}

bool is_digits(std::string_view text) {
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return !text.empty();
}

}  // namespace

std::optional<std::vector<Rate>> parse_rate_csv(std::string_view text, std::string* why) {
  std::vector<Rate> rates;
  std::unordered_set<std::string> prefixes;
  std::vector<std::string> fields;
  std::size_t line_number = 0;
  auto refuse = [&](const std::string& reason) -> std::optional<std::vector<Rate>> {
    *why = "line " + std::to_string(line_number) + ": " + reason;
    return std::nullopt;
  };
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_number == 1) {
      if (line != header) return refuse("the header must be: " + std::string(header));
      continue;
    }
    if (line.empty()) continue;
    if (rates.size() == limits::rate_plan_rows_max)
      return refuse("more than " + std::to_string(limits::rate_plan_rows_max) + " rates");
    if (!split_fields(line, fields)) return refuse("unterminated quote");
    if (fields.size() != 6) return refuse("expected 6 fields, found " + std::to_string(fields.size()));
    Rate rate;
    rate.prefix = fields[0];
    if (!is_digits(rate.prefix) || rate.prefix.size() > limits::rate_prefix_digits_max)
      return refuse("prefix '" + fields[0] + "' must be 1-20 digits");
    if (!prefixes.insert(rate.prefix).second) return refuse("prefix " + rate.prefix + " appears twice");
    rate.description = fields[1];
    if (!is_valid_text(rate.description, limits::rate_description_length_max))
      return refuse("description too long or not printable text");
    std::string reason;
    auto price = parse_fen(fields[2], &reason);
    if (!price) return refuse(reason);
    auto connect = parse_fen(fields[3], &reason);
    if (!connect) return refuse(reason);
    auto first = parse_block(fields[4]);
    auto next = parse_block(fields[5]);
    if (!first || !next) return refuse("blocks are whole seconds from 1 to 3600");
    rate.price_units_per_minute = *price;
    rate.connect_fee_units = *connect;
    rate.first_block_seconds = *first;
    rate.next_block_seconds = *next;
    rates.push_back(std::move(rate));
  }
  if (line_number == 0) {
    *why = "empty file: the header line is required";
    return std::nullopt;
  }
  return rates;
}

}  // namespace huawu
