#include "projections/calendar.h"

#include <algorithm>
#include <cstdio>

namespace huawu {

namespace {

using namespace std::chrono;

constexpr std::int64_t minute_us = 60'000'000;
constexpr std::int64_t day_us = 86'400'000'000;
constexpr std::int64_t china_offset_us = 8 * 3600 * std::int64_t{1'000'000};

// Floor division: instants before 1970 stay on the right day.
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool two_digits(std::string_view s, std::size_t at, int* out) {
  if (at + 2 > s.size() || s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9') return false;
  *out = (s[at] - '0') * 10 + (s[at + 1] - '0');
  return true;
}

// "HH:MM" at `at`, in minutes after midnight (24:00 allowed as an end).
std::optional<int> clock_minutes(std::string_view s) {
  int h = 0, m = 0;
  if (s.size() != 5 || s[2] != ':' || !two_digits(s, 0, &h) || !two_digits(s, 3, &m)) return std::nullopt;
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

}  // namespace

std::optional<Date> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int y = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    y = y * 10 + (text[i] - '0');
  }
  int m = 0, d = 0;
  if (!two_digits(text, 5, &m) || !two_digits(text, 8, &d)) return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd};
}

std::string format_date(Date date) {
  const year_month_day ymd{date};
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return out;
}

Date add_months(Date date, int months) {
  const year_month_day ymd{date};
  const year_month target = year_month{ymd.year(), ymd.month()} + std::chrono::months{months};
  // C++20's ymd + months gives 2025-02-31 (not ok): clamp to the month's last day.
  const year_month_day_last last{target.year(), month_day_last{target.month()}};
  const day d = std::min(ymd.day(), last.day());
  return sys_days{year_month_day{target.year(), target.month(), d}};
}

std::optional<NoticeMethod> parse_notice_method(std::string_view text) {
  if (text == "courier") return NoticeMethod::courier;
  if (text == "fax") return NoticeMethod::fax;
  if (text == "email" || text == "e-mail") return NoticeMethod::email;
  return std::nullopt;
}

const char* notice_method_name(NoticeMethod method) {
  switch (method) {
    case NoticeMethod::courier: return "courier";
    case NoticeMethod::fax: return "fax";
    case NoticeMethod::email: return "email";
  }
  return "unknown";
}

Date china_date_of(std::int64_t utc_us) { return Date{days{floor_div(utc_us + china_offset_us, day_us)}}; }

std::int64_t china_midnight_utc_us(Date date) {
  return static_cast<std::int64_t>(date.time_since_epoch().count()) * day_us - china_offset_us;
}

std::string format_china_minute(std::int64_t utc_us) {
  const Date date = china_date_of(utc_us);
  const std::int64_t minutes = (utc_us - china_midnight_utc_us(date)) / 60'000'000;
  char out[32];
  std::snprintf(out, sizeof out, "T%02lld:%02lld+08:00", static_cast<long long>(minutes / 60),
                static_cast<long long>(minutes % 60));
  return format_date(date) + out;
}

Date deemed_receipt(NoticeMethod method, std::int64_t sent_utc_us) {
  return china_date_of(sent_utc_us) + days{method == NoticeMethod::courier ? 4 : 2};
}

Date latest_notice(Date last_day, int months) {
  // E - N months is at or before the answer (clamping only moves a date
  // back) and the answer is at most three days later (month lengths differ
  // by at most three): step while the next day still satisfies the rule.
  Date latest = add_months(last_day, -months);
  while (add_months(latest, months) > last_day) latest -= days{1};
  while (add_months(latest + days{1}, months) <= last_day) latest += days{1};
  return latest;
}

std::optional<BusinessSchedule> BusinessSchedule::parse(std::string_view text) {
  BusinessSchedule schedule;
  if (text == "24x7") {
    schedule.all_hours = true;
    return schedule;
  }
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (part.size() != 11 || part[5] != '-') return std::nullopt;
    const auto from = clock_minutes(part.substr(0, 5));
    const auto to = clock_minutes(part.substr(6, 5));
    if (!from || !to || *from >= *to) return std::nullopt;
    if (!schedule.windows.empty() && *from < schedule.windows.back().to_minute) return std::nullopt;
    schedule.windows.push_back(Window{*from, *to});
    if (comma != std::string_view::npos && text.empty()) return std::nullopt;  // a trailing comma
  }
  if (schedule.windows.empty()) return std::nullopt;
  return schedule;
}

std::string BusinessSchedule::text() const {
  if (all_hours) return "24x7";
  std::string out;
  char part[48];
  for (const Window& w : windows) {
    std::snprintf(part, sizeof part, "%02d:%02d-%02d:%02d", w.from_minute / 60, w.from_minute % 60, w.to_minute / 60,
                  w.to_minute % 60);
    if (!out.empty()) out += ',';
    out += part;
  }
  return out;
}

WorkCalendar::WorkCalendar(std::string name, Date known_from, Date known_through, std::set<Date> adjusted_workdays,
                           std::vector<Holiday> holidays, std::string version)
    : name_(std::move(name)),
      known_from_(known_from),
      known_through_(known_through),
      adjusted_workdays_(std::move(adjusted_workdays)),
      holidays_(std::move(holidays)),
      version_(std::move(version)) {}

CalendarAnswer<bool> WorkCalendar::is_workday(Date date) const {
  if (!covers(date)) return {false, static_cast<int>(year_month_day{date}.year())};
  if (adjusted_workdays_.count(date)) return {true, 0};
  for (const Holiday& holiday : holidays_)
    if (date >= holiday.from && date <= holiday.to) return {false, 0};
  const unsigned weekday_index = weekday{date}.iso_encoding();  // 1 Monday .. 7 Sunday
  return {weekday_index <= 5, 0};
}

CalendarAnswer<Date> WorkCalendar::add_workdays(Date start, int n) const {
  if (!covers(start)) return {start, static_cast<int>(year_month_day{start}.year())};
  Date day = start;
  for (int counted = 0; counted < n;) {
    day += days{1};
    const CalendarAnswer<bool> workday = is_workday(day);
    if (!workday.known()) return {day, workday.unknown_year};
    if (workday.value) ++counted;
  }
  return {day, 0};
}

CalendarAnswer<Date> WorkCalendar::period_end(Date from, int days_count) const {
  Date last = from + days{days_count};
  for (;;) {
    const CalendarAnswer<bool> workday = is_workday(last);
    if (!workday.known()) return {last, workday.unknown_year};
    if (workday.value) return {last, 0};
    last += days{1};
  }
}

CalendarAnswer<std::int64_t> WorkCalendar::sla_due(std::int64_t reported_utc_us, int hours,
                                                   const BusinessSchedule& schedule) const {
  if (schedule.all_hours) return {reported_utc_us + std::int64_t{hours} * 60 * minute_us, 0};
  std::int64_t remaining_us = std::int64_t{hours} * 60 * minute_us;
  if (remaining_us <= 0) return {reported_utc_us, 0};
  Date day = china_date_of(reported_utc_us);
  std::int64_t now_us = reported_utc_us;
  for (;;) {
    const CalendarAnswer<bool> workday = is_workday(day);
    if (!workday.known()) return {0, workday.unknown_year};
    if (workday.value) {
      const std::int64_t midnight_us = china_midnight_utc_us(day);
      for (const BusinessSchedule::Window& window : schedule.windows) {
        const std::int64_t open_us = std::max(now_us, midnight_us + window.from_minute * minute_us);
        const std::int64_t close_us = midnight_us + window.to_minute * minute_us;
        if (open_us >= close_us) continue;
        if (close_us - open_us >= remaining_us) return {open_us + remaining_us, 0};
        remaining_us -= close_us - open_us;
      }
    }
    day += days{1};
    now_us = china_midnight_utc_us(day);
  }
}

CalendarAnswer<int> WorkCalendar::workdays_in_year(int y) const {
  const Date first{year{y} / January / 1};
  const Date last{year{y} / December / 31};
  int count = 0;
  for (Date day = first; day <= last; day += days{1}) {
    const CalendarAnswer<bool> workday = is_workday(day);
    if (!workday.known()) return {0, workday.unknown_year};
    count += workday.value ? 1 : 0;
  }
  return {count, 0};
}

}  // namespace huawu
