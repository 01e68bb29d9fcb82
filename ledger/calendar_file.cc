#include "ledger/calendar_file.h"

#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "events/hash.h"
#include "events/invariant.h"

namespace huawu {

extern const char* const built_in_calendar_toml;  // generated from ops/calendars/cn-workdays.toml

namespace {

using namespace std::chrono;

std::string at_line(const toml::node& node) {
  return " (line " + std::to_string(node.source().begin.line) + ")";
}

std::optional<Date> date_of(const toml::node& node, const std::string& key, std::string* why) {
  const auto* value = node.as_date();
  if (!value) {
    *why = key + ": must be a date like 2026-01-01" + at_line(node);
    return std::nullopt;
  }
  const toml::date d = value->get();
  const year_month_day ymd{year{d.year}, month{d.month}, day{d.day}};
  if (!ymd.ok()) {
    *why = key + ": not a calendar date" + at_line(node);
    return std::nullopt;
  }
  return sys_days{ymd};
}

std::optional<WorkCalendar> from_document(const toml::table& document, std::string_view text, std::string* why) {
  std::string name;
  std::optional<Date> known_from, known_through;
  std::set<Date> adjusted;
  std::vector<WorkCalendar::Holiday> holidays;
  for (const auto& [key, node] : document) {
    const std::string k(key.str());
    if (k == "name") {
      if (!node.is_string()) return *why = "name: must be a string" + at_line(node), std::nullopt;
      name = *node.value<std::string>();
    } else if (k == "utc_offset") {
      if (node.value<std::string>() != "+08:00") return *why = "utc_offset: only +08:00 (China) is supported" + at_line(node), std::nullopt;
    } else if (k == "known_from" || k == "known_through") {
      auto date = date_of(node, k, why);
      if (!date) return std::nullopt;
      (k == "known_from" ? known_from : known_through) = date;
    } else if (k == "adjusted_workdays") {
      const auto* array = node.as_array();
      if (!array) return *why = "adjusted_workdays: must be an array of dates" + at_line(node), std::nullopt;
      for (const auto& element : *array) {
        auto date = date_of(element, "adjusted_workdays", why);
        if (!date) return std::nullopt;
        if (weekday{*date}.iso_encoding() <= 5)
          return *why = "adjusted_workdays: " + format_date(*date) + " is not a Saturday or Sunday" + at_line(element),
                 std::nullopt;
        adjusted.insert(*date);
      }
    } else if (k == "holidays") {
      const auto* array = node.as_array();
      if (!array || !array->is_array_of_tables())
        return *why = "holidays: must be [[holidays]] tables" + at_line(node), std::nullopt;
      for (const auto& element : *array) {
        const toml::table& table = *element.as_table();
        WorkCalendar::Holiday holiday;
        std::optional<Date> from, to;
        for (const auto& [hkey, hnode] : table) {
          const std::string hk(hkey.str());
          if (hk == "name" && hnode.is_string()) holiday.name = *hnode.value<std::string>();
          else if (hk == "from" && !(from = date_of(hnode, "holidays.from", why))) return std::nullopt;
          else if (hk == "to" && !(to = date_of(hnode, "holidays.to", why))) return std::nullopt;
          else if (hk != "name" && hk != "from" && hk != "to")
            return *why = "holidays." + hk + ": unknown key" + at_line(hnode), std::nullopt;
        }
        if (!from || !to || *to < *from)
          return *why = "holidays: each needs from <= to" + at_line(element), std::nullopt;
        holiday.from = *from;
        holiday.to = *to;
        holidays.push_back(std::move(holiday));
      }
    } else {
      return *why = k + ": unknown key" + at_line(node), std::nullopt;
    }
  }
  if (name.empty() || !known_from || !known_through || *known_through < *known_from)
    return *why = "a schedule needs name, known_from and known_through (from <= through)", std::nullopt;
  for (const Date d : adjusted)
    if (d < *known_from || d > *known_through)
      return *why = "adjusted_workdays: " + format_date(d) + " is outside the known years", std::nullopt;
  // The version: the name, the years and a digest of the exact text.
  const std::string version = name + "-" + format_date(*known_from).substr(0, 4) + ".." +
                              format_date(*known_through).substr(0, 4) + "-" + to_hex(digest(text)).substr(0, 12);
  return WorkCalendar(name, *known_from, *known_through, std::move(adjusted), std::move(holidays), version);
}

}  // namespace

std::optional<WorkCalendar> parse_calendar(std::string_view toml_text, std::string* why) {
  // An input boundary: nothing toml++ throws may escape.
  try {
    const toml::table document = toml::parse(toml_text);
    return from_document(document, toml_text, why);
  } catch (const toml::parse_error& error) {
    *why = "invalid TOML: " + std::string(error.description()) + " (line " +
           std::to_string(error.source().begin.line) + ")";
  } catch (const std::exception& error) {
    *why = std::string("invalid TOML: ") + error.what();
  }
  return std::nullopt;
}

std::optional<WorkCalendar> load_calendar(const std::string& path, std::string* why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = path + ": cannot be read";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto calendar = parse_calendar(text.str(), why);
  if (!calendar) *why = path + ": " + *why;
  return calendar;
}

std::string_view default_calendar_text() { return built_in_calendar_toml; }

const WorkCalendar& default_calendar() {
  static const WorkCalendar calendar = [] {
    std::string why;
    auto parsed = parse_calendar(built_in_calendar_toml, &why);
    HUAWU_ASSERT(parsed.has_value(), "the built-in working-day calendar does not parse");
    return std::move(*parsed);
  }();
  return calendar;
}

}  // namespace huawu
