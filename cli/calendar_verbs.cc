#include "cli/calendar_verbs.h"

#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "cli/format.h"
#include "ledger/calendar_file.h"

namespace huawu::cli {

namespace {

// A count the rules take: bounded so that dates stay far inside the calendar types.
constexpr long long count_max = 100'000;

int refuse(const CalendarArgs& args, std::ostream& out, std::ostream& err, int code, const std::string& error,
           const std::string& message, int year = 0) {
  if (args.json) {
    nlohmann::json j{{"ok", false}, {"error", error}, {"message", message}};
    if (year != 0) j["year"] = year;
    out << json_line(j) << "\n";
  } else {
    err << "huawu: " << message << "\n";
  }
  return code;
}

int unknown(const CalendarArgs& args, const WorkCalendar& calendar, int year, std::ostream& out, std::ostream& err) {
  return refuse(args, out, err, exit_refused, "calendar_unknown",
                "calendar_unknown: the working-day calendar " + calendar.name() + " covers " +
                    format_date(calendar.known_from()) + ".." + format_date(calendar.known_through()) +
                    ", not the year " + std::to_string(year),
                year);
}

}  // namespace

int verb_calendar(const CalendarArgs& args, std::ostream& out, std::ostream& err) {
  std::optional<WorkCalendar> from_file;
  if (!args.calendar_file.empty()) {
    std::string why;
    from_file = load_calendar(args.calendar_file, &why);
    if (!from_file) return refuse(args, out, err, exit_bad_input, "calendar_invalid", why);
  }
  const WorkCalendar& calendar = from_file ? *from_file : default_calendar();
  if (args.count < 0 || args.count > count_max)
    return refuse(args, out, err, exit_bad_input, "count_invalid", "the count must be in 0.." + std::to_string(count_max));
  const int n = static_cast<int>(args.count);
  const bool takes_date = args.rule != "deemed-receipt" && args.rule != "sla-due";
  const std::optional<Date> date = takes_date ? parse_date(args.date) : std::nullopt;
  if (takes_date && !date)
    return refuse(args, out, err, exit_bad_input, "date_invalid", "not a date (YYYY-MM-DD): " + args.date);
  std::optional<std::int64_t> instant_us;
  if (!takes_date) {
    instant_us = parse_time_bound(args.timestamp, false);
    if (!instant_us || args.timestamp.size() == 10)
      return refuse(args, out, err, exit_bad_input, "time_invalid",
                    "not an ISO 8601 time with offset, e.g. 2024-09-13T17:00+08:00: " + args.timestamp);
  }
  nlohmann::json answer;
  std::string text;
  if (args.rule == "is-workday") {
    const auto workday = calendar.is_workday(*date);
    if (!workday.known()) return unknown(args, calendar, workday.unknown_year, out, err);
    answer = {{"date", format_date(*date)}, {"workday", workday.value}};
    text = format_date(*date) + (workday.value ? "  working day" : "  rest day");
  } else if (args.rule == "add-workdays") {
    const auto day = calendar.add_workdays(*date, n);
    if (!day.known()) return unknown(args, calendar, day.unknown_year, out, err);
    answer = {{"date", format_date(day.value)}};
    text = format_date(day.value);
  } else if (args.rule == "add-months") {
    const Date day = add_months(*date, n);
    answer = {{"date", format_date(day)}};
    text = format_date(day);
  } else if (args.rule == "period-end") {
    const auto last = calendar.period_end(*date, n);
    if (!last.known()) return unknown(args, calendar, last.unknown_year, out, err);
    const Date rights_from = last.value + std::chrono::days{1};
    answer = {{"last_day", format_date(last.value)}, {"rights_from", format_date(rights_from)}};
    text = "last day " + format_date(last.value) + ", rights from " + format_date(rights_from);
  } else if (args.rule == "deemed-receipt") {
    const auto method = parse_notice_method(args.method);
    if (!method)
      return refuse(args, out, err, exit_bad_input, "method_invalid", "--method is courier, fax or email");
    const Date day = deemed_receipt(*method, *instant_us);
    answer = {{"date", format_date(day)}};
    text = format_date(day);
  } else if (args.rule == "latest-notice") {
    const Date day = latest_notice(*date, n);
    answer = {{"date", format_date(day)}};
    text = format_date(day);
  } else if (args.rule == "sla-due") {
    const auto schedule = BusinessSchedule::parse(args.schedule);
    if (!schedule)
      return refuse(args, out, err, exit_bad_input, "schedule_invalid",
                    "--schedule is 09:00-18:00, 09:00-12:00,13:00-18:00 or 24x7, not " + args.schedule);
    const auto due = calendar.sla_due(*instant_us, n, *schedule);
    if (!due.known()) return unknown(args, calendar, due.unknown_year, out, err);
    answer = {{"due", format_china_minute(due.value)}};
    text = format_china_minute(due.value);
  } else {
    return refuse(args, out, err, exit_bad_input, "rule_unknown", "unknown rule " + args.rule);
  }
  if (args.json)
    out << json_line(answer) << "\n";
  else
    out << text << "\n";
  return exit_ok;
}

}  // namespace huawu::cli
