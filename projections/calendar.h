#pragma once
// The contract's time rules (issue 6; Civil Code arts. 200-204, DESIGN §7) on
// the official China working-day schedule. Pure: dates in, dates out; the
// schedule comes from a TOML file (ledger/calendar_file.h), so a new year's
// State Council notice is a data change. A date outside the years the
// schedule covers is never guessed: the answer names the year instead.
//
// Dates are China dates (UTC+8) as std::chrono::sys_days; instants are UTC
// microseconds, as everywhere in the ledger.
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.h"

namespace huawu {

using Date = std::chrono::sys_days;

// "2024-09-14" <-> Date; nullopt for anything else (no 2024-02-30).
std::optional<Date> parse_date(std::string_view text);
std::string format_date(Date date);

// Calendar months forward (or back, n < 0): the corresponding day of the end
// month, or that month's last day when it has none (2024-08-31 + 6 months =
// 2025-02-28).
Date add_months(Date date, int months);

// How a notice was sent (clause 6.5): NoticeMethod, events/event.h.
std::optional<NoticeMethod> parse_notice_method(std::string_view text);
const char* notice_method_name(NoticeMethod method);

// Deemed receipt: the dispatch date in China time + 4 days (courier) or + 2
// days (fax, e-mail), whatever day that is (no roll-over to a working day).
Date deemed_receipt(NoticeMethod method, std::int64_t sent_utc_us);

// "N months before last day E": the last date L with L + N months <= E.
// Not E - N months: for E = 2024-04-30 and one month it is 2024-03-31
// (+1 month = 2024-04-30), where E - 1 month is 2024-03-30.
Date latest_notice(Date last_day, int months);

// Business hours on a working day: one or more [from, to) windows in minutes
// after midnight China time, or every minute of every day (24x7).
struct BusinessSchedule {
  struct Window {
    int from_minute = 0;
    int to_minute = 0;
  };
  std::vector<Window> windows;  // sorted, not overlapping; empty with all_hours
  bool all_hours = false;       // 24x7: calendar days and working days alike
  // "09:00-18:00", "09:00-12:00,13:00-18:00" or "24x7"; nullopt otherwise.
  static std::optional<BusinessSchedule> parse(std::string_view text);
  std::string text() const;
};

// A calendar answer: the value, or the year the schedule does not cover.
template <class T>
struct CalendarAnswer {
  T value{};
  int unknown_year = 0;  // non-zero: calendar_unknown for this year
  bool known() const { return unknown_year == 0; }
};

class WorkCalendar {
 public:
  struct Holiday {
    std::string name;
    Date from;
    Date to;  // inclusive
  };

  // The schedule's parts; `version` names it (a digest of its file) so an
  // obligation can record what it was computed with.
  WorkCalendar(std::string name, Date known_from, Date known_through, std::set<Date> adjusted_workdays,
               std::vector<Holiday> holidays, std::string version);

  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  Date known_from() const { return known_from_; }
  Date known_through() const { return known_through_; }
  bool covers(Date date) const { return date >= known_from_ && date <= known_through_; }

  // A working day: an adjusted working weekend (调休), else Monday to Friday
  // outside every holiday.
  CalendarAnswer<bool> is_workday(Date date) const;

  // N working days after `start`, the start day excluded (n >= 0; 0: start).
  CalendarAnswer<Date> add_workdays(Date start, int n) const;

  // A period of `days` days from the trigger `from` starts the day after it;
  // its last day is from + days, moved to the next working day when that is a
  // rest day. Rights follow from the day after the last day.
  CalendarAnswer<Date> period_end(Date from, int days) const;

  // When a response is due: `hours` business hours of `schedule` after
  // `reported_utc_us`, counted in minutes on working days (every day for
  // 24x7). UTC microseconds.
  CalendarAnswer<std::int64_t> sla_due(std::int64_t reported_utc_us, int hours, const BusinessSchedule& schedule) const;

  // Working days of a calendar year (the schedule's totals: 2024 251, 2025 248, 2026 248).
  CalendarAnswer<int> workdays_in_year(int year) const;

 private:
  std::string name_;
  Date known_from_;
  Date known_through_;
  std::set<Date> adjusted_workdays_;
  std::vector<Holiday> holidays_;
  std::string version_;
};

// The China date of a UTC instant, and the UTC instant of a China date's midnight.
Date china_date_of(std::int64_t utc_us);
std::int64_t china_midnight_utc_us(Date date);
// "YYYY-MM-DDTHH:MM+08:00": an instant to the minute in China time (a response's due time).
std::string format_china_minute(std::int64_t utc_us);

}  // namespace huawu
