// The contract's time rules (issue 6; Civil Code arts. 200-204, DESIGN §7) on
// the built-in China working-day schedule: table tests of every rule,
// including month ends, leap days, adjusted weekends (调休), holidays across a
// deadline, the year boundary and dates the schedule does not cover.
#include <catch2/catch.hpp>

#include "ledger/calendar_file.h"
#include "projections/calendar.h"

namespace huawu {
namespace {

Date d(const char* text) {
  const auto date = parse_date(text);
  REQUIRE(date.has_value());
  return *date;
}

std::int64_t at(const char* iso) {
  // ISO 8601 with an offset of +08:00 or Z, minutes precision, as the tests write them.
  const std::string text(iso);
  const Date date = d(text.substr(0, 10).c_str());
  const int hour = std::stoi(text.substr(11, 2)), minute = std::stoi(text.substr(14, 2));
  const std::int64_t local_us = china_midnight_utc_us(date) + (hour * 60LL + minute) * 60'000'000;
  return text.back() == 'Z' ? local_us + 8 * 3600LL * 1'000'000 : local_us;
}

const WorkCalendar& cn() { return default_calendar(); }

TEST_CASE("calendar: dates parse and print, and nothing else is a date", "[calendar]") {
  CHECK(format_date(d("2024-02-29")) == "2024-02-29");
  for (const char* bad : {"2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "24-01-01", "2024/01/01", "2024-1-01", ""})
    CHECK_FALSE(parse_date(bad).has_value());
}

TEST_CASE("calendar: the schedule's yearly totals of working days (2024: 251, 2025: 248, 2026: 248)", "[calendar]") {
  CHECK(cn().workdays_in_year(2024).value == 251);
  CHECK(cn().workdays_in_year(2025).value == 248);
  CHECK(cn().workdays_in_year(2026).value == 248);
  CHECK(cn().workdays_in_year(2027).unknown_year == 2027);
  CHECK(cn().workdays_in_year(2023).unknown_year == 2023);
}

TEST_CASE("calendar: working days - weekdays, weekends, holidays and adjusted working weekends", "[calendar]") {
  struct Row {
    const char* date;
    bool workday;
  };
  const Row rows[] = {
      {"2024-09-13", true},   // Friday
      {"2024-09-14", true},   // Saturday worked for Mid-Autumn (调休)
      {"2024-09-15", false},  // Mid-Autumn 2024
      {"2024-09-16", false},  // Monday inside the holiday
      {"2024-09-18", true},
      {"2024-09-21", false},  // an ordinary Saturday
      {"2024-02-04", true},   // Sunday worked for the Spring Festival
      {"2024-02-09", true},   // New Year's Eve 2024 was a working day
      {"2025-01-28", false},  // from 2025 New Year's Eve is a holiday
      {"2025-10-08", false},  // National Day and Mid-Autumn 2025, eight days
      {"2025-10-11", true},   // Saturday worked
      {"2026-01-01", false},
      {"2026-01-04", true},   // Sunday worked
      {"2026-12-31", true},   // the last known day
  };
  for (const Row& row : rows) {
    INFO(row.date);
    const auto answer = cn().is_workday(d(row.date));
    REQUIRE(answer.known());
    CHECK(answer.value == row.workday);
  }
  CHECK(cn().is_workday(d("2027-01-01")).unknown_year == 2027);
  CHECK(cn().is_workday(d("2023-12-31")).unknown_year == 2023);
}

TEST_CASE("calendar: N working days after a date, the start day excluded", "[calendar]") {
  struct Row {
    const char* start;
    int n;
    const char* expected;
  };
  const Row rows[] = {
      {"2024-09-13", 1, "2024-09-14"},  // the next day is an adjusted Saturday
      {"2024-04-30", 3, "2024-05-08"},  // over Labour Day 2024
      {"2024-09-13", 0, "2024-09-13"},
      {"2024-09-14", 1, "2024-09-18"},  // over Mid-Autumn
      {"2024-09-28", 1, "2024-09-29"},  // Saturday start; Sunday 09-29 is worked
      {"2024-12-31", 1, "2025-01-02"},  // the year boundary and New Year's Day
      {"2025-01-27", 1, "2025-02-05"},  // Spring Festival 2025 (01-28..02-04)
      {"2024-02-08", 2, "2024-02-18"},  // 02-09 worked, then the festival, then Sunday 02-18 worked
      {"2026-09-30", 1, "2026-10-08"},  // National Day 2026
      {"2026-10-09", 1, "2026-10-10"},  // Saturday worked
  };
  for (const Row& row : rows) {
    INFO(row.start << " + " << row.n);
    const auto answer = cn().add_workdays(d(row.start), row.n);
    REQUIRE(answer.known());
    CHECK(format_date(answer.value) == row.expected);
  }
  // A deadline that runs past the known years is refused, naming the year.
  CHECK(cn().add_workdays(d("2026-12-30"), 3).unknown_year == 2027);
  CHECK(cn().add_workdays(d("2026-12-30"), 1).known());
  CHECK(cn().add_workdays(d("2027-03-01"), 1).unknown_year == 2027);
}

TEST_CASE("calendar: months forward and back end on the corresponding day or the month's last", "[calendar]") {
  struct Row {
    const char* start;
    int months;
    const char* expected;
  };
  const Row rows[] = {
      {"2024-08-31", 6, "2025-02-28"}, {"2024-01-31", 1, "2024-02-29"}, {"2025-01-31", 1, "2025-02-28"},
      {"2024-02-29", 12, "2025-02-28"}, {"2024-02-29", 48, "2028-02-29"}, {"2024-03-31", -1, "2024-02-29"},
      {"2024-05-15", 24, "2026-05-15"}, {"2024-12-31", 2, "2025-02-28"}, {"2025-11-30", 3, "2026-02-28"},
      {"2024-10-31", -13, "2023-09-30"},
  };
  for (const Row& row : rows) {
    INFO(row.start << " + " << row.months << " months");
    CHECK(format_date(add_months(d(row.start), row.months)) == row.expected);
  }
}

TEST_CASE("calendar: a period of days ends on a working day and rights follow the next day", "[calendar]") {
  struct Row {
    const char* from;
    int days;
    const char* last_day;
  };
  const Row rows[] = {
      {"2024-09-01", 30, "2024-10-08"},  // 10-01 is National Day: moved past the holiday
      {"2024-09-01", 12, "2024-09-13"},  // a Friday: stays
      {"2024-09-01", 13, "2024-09-14"},  // an adjusted Saturday is a working day: stays
      {"2024-09-01", 20, "2024-09-23"},  // Saturday 09-21 moves to Monday
      {"2024-12-01", 31, "2025-01-02"},  // New Year's Day moves across the year
      {"2024-01-31", 29, "2024-02-29"},  // the leap day, a Thursday
  };
  for (const Row& row : rows) {
    INFO(row.from << " + " << row.days << " days");
    const auto last = cn().period_end(d(row.from), row.days);
    REQUIRE(last.known());
    CHECK(format_date(last.value) == row.last_day);
  }
  CHECK(cn().period_end(d("2026-12-01"), 31).unknown_year == 2027);
}

TEST_CASE("calendar: deemed receipt is the China dispatch date + 4 (courier) or + 2 (fax, e-mail), no roll-over",
          "[calendar][notices]") {
  CHECK(format_date(deemed_receipt(NoticeMethod::courier, at("2024-12-30T10:00+08:00"))) == "2025-01-03");
  CHECK(format_date(deemed_receipt(NoticeMethod::fax, at("2024-12-30T10:00+08:00"))) == "2025-01-01");  // a holiday: no roll-over
  CHECK(format_date(deemed_receipt(NoticeMethod::email, at("2024-02-28T09:00+08:00"))) == "2024-03-01");
  // 20:00 UTC on 12-30 is already 12-31 in China: the dispatch date is China's.
  CHECK(format_date(deemed_receipt(NoticeMethod::courier, at("2024-12-30T20:00Z"))) == "2025-01-04");
  CHECK(format_date(deemed_receipt(NoticeMethod::courier, at("2024-12-30T15:59Z"))) == "2025-01-03");
  CHECK(parse_notice_method("courier") == NoticeMethod::courier);
  CHECK_FALSE(parse_notice_method("pigeon").has_value());
}

TEST_CASE("calendar: the latest notice date L is the last with L + N months <= the last day", "[calendar][notices]") {
  struct Row {
    const char* last_day;
    int months;
    const char* expected;
  };
  const Row rows[] = {
      {"2024-03-31", 1, "2024-02-29"}, {"2024-04-30", 1, "2024-03-31"},  // not E - 1 month = 03-30
      {"2025-03-31", 1, "2025-02-28"}, {"2025-03-01", 1, "2025-02-01"},
      {"2026-02-28", 1, "2026-01-31"},  // 01-31 + 1 month = 02-28
      {"2024-02-29", 1, "2024-01-31"}, {"2026-08-31", 6, "2026-02-28"}, {"2026-02-28", 24, "2024-02-29"},
  };
  for (const Row& row : rows) {
    INFO(row.last_day << ", " << row.months << " months");
    const Date latest = latest_notice(d(row.last_day), row.months);
    CHECK(format_date(latest) == row.expected);
    CHECK(add_months(latest, row.months) <= d(row.last_day));
    CHECK(add_months(latest + std::chrono::days{1}, row.months) > d(row.last_day));
  }
}

TEST_CASE("calendar: business schedules parse, and nothing else does", "[calendar][sla]") {
  CHECK(BusinessSchedule::parse("09:00-18:00")->text() == "09:00-18:00");
  CHECK(BusinessSchedule::parse("09:00-12:00,13:00-18:00")->windows.size() == 2);
  CHECK(BusinessSchedule::parse("24x7")->all_hours);
  CHECK(BusinessSchedule::parse("00:00-24:00")->text() == "00:00-24:00");
  for (const char* bad : {"", "9:00-18:00", "18:00-09:00", "09:00-09:00", "09:00-12:00,11:00-18:00", "09:00-18:00,",
                          "09:60-10:00", "24:30-25:00", "24x5", "09:00-18:00;"})
    CHECK_FALSE(BusinessSchedule::parse(bad).has_value());
}

TEST_CASE("calendar: a response due N business hours later, on working days only (clause A3.2)", "[calendar][sla]") {
  const BusinessSchedule office = *BusinessSchedule::parse("09:00-18:00");
  const BusinessSchedule split = *BusinessSchedule::parse("09:00-12:00,13:00-18:00");
  const BusinessSchedule always = *BusinessSchedule::parse("24x7");
  struct Row {
    const char* reported;
    int hours;
    const BusinessSchedule* schedule;
    const char* due;
  };
  const Row rows[] = {
      {"2024-09-13T17:00+08:00", 4, &office, "2024-09-14T12:00+08:00"},  // into the adjusted Saturday
      {"2024-09-14T17:00+08:00", 4, &office, "2024-09-18T12:00+08:00"},  // over Mid-Autumn
      {"2024-09-18T07:30+08:00", 4, &office, "2024-09-18T13:00+08:00"},  // before opening
      {"2024-09-18T20:00+08:00", 4, &office, "2024-09-19T13:00+08:00"},  // after closing
      {"2024-09-18T10:00+08:00", 4, &split, "2024-09-18T15:00+08:00"},   // the lunch hour is not counted
      {"2024-09-18T11:30+08:00", 1, &split, "2024-09-18T13:30+08:00"},
      {"2024-09-21T10:00+08:00", 4, &office, "2024-09-23T13:00+08:00"},  // an ordinary Saturday
      {"2024-09-21T10:00+08:00", 4, &always, "2024-09-21T14:00+08:00"},
      {"2024-09-18T14:00+08:00", 4, &office, "2024-09-18T18:00+08:00"},  // exactly at closing
      {"2024-12-31T16:00+08:00", 4, &office, "2025-01-02T11:00+08:00"},  // the year boundary
  };
  for (const Row& row : rows) {
    INFO(row.reported << " + " << row.hours << " h on " << row.schedule->text());
    const auto due = cn().sla_due(at(row.reported), row.hours, *row.schedule);
    REQUIRE(due.known());
    CHECK(due.value == at(row.due));
  }
  // Answered in 3 h 59 of business time: in time; in 4 h 01: late.
  const std::int64_t reported = at("2024-09-13T17:00+08:00");
  const std::int64_t due = cn().sla_due(reported, 4, office).value;
  CHECK(cn().sla_due(reported, 4, office).value == at("2024-09-14T12:00+08:00"));
  CHECK(at("2024-09-14T11:59+08:00") <= due);
  CHECK(at("2024-09-14T12:01+08:00") > due);
  CHECK(cn().sla_due(at("2026-12-31T17:00+08:00"), 4, office).unknown_year == 2027);
}

TEST_CASE("calendar: schedule files - the built-in one, a new year as a data change, and bad files refused",
          "[calendar]") {
  CHECK(cn().name() == "CN");
  CHECK(cn().version().rfind("CN-2024..2026-", 0) == 0);
  const std::string text(default_calendar_text());
  std::string why;
  // The same text gives the same version; another text another.
  CHECK(parse_calendar(text, &why)->version() == cn().version());
  std::string extended = text;
  extended.replace(extended.find("known_through = 2026-12-31"), 26, "known_through = 2027-12-31");
  extended += "\n[[holidays]]\nname = \"New Year 2027\"\nfrom = 2027-01-01\nto = 2027-01-03\n";
  const auto next_year = parse_calendar(extended, &why);
  INFO(why);
  REQUIRE(next_year.has_value());
  CHECK(next_year->version() != cn().version());
  CHECK(next_year->is_workday(d("2027-01-04")).value);
  CHECK_FALSE(next_year->is_workday(d("2027-01-01")).value);

  struct Row {
    std::string text;
    const char* why;
  };
  const Row rows[] = {
      {"name = \"X\"\nknown_from = 2024-01-01\n", "known_through"},
      {"name = \"X\"\nknown_from = 2024-01-01\nknown_through = 2024-12-31\nextra = 1\n", "extra: unknown key"},
      {"name = \"X\"\nknown_from = 2024-01-01\nknown_through = 2024-12-31\nadjusted_workdays = [2024-09-13]\n",
       "not a Saturday or Sunday"},
      {"name = \"X\"\nknown_from = 2024-01-01\nknown_through = 2024-12-31\nadjusted_workdays = [\"2024-09-14\"]\n",
       "must be a date"},
      {"name = \"X\"\nknown_from = 2024-01-01\nknown_through = 2024-12-31\n[[holidays]]\nfrom = 2024-05-05\nto = 2024-05-01\n",
       "from <= to"},
      {"name = \"X\"\nknown_from = 2024-01-01\nknown_through = 2024-12-31\nutc_offset = \"+09:00\"\n", "utc_offset"},
      {"name = \"X\"\nknown_from = 2024-01-01\nknown_through = [", "invalid TOML"},
  };
  for (const Row& row : rows) {
    INFO(row.text);
    why.clear();
    CHECK_FALSE(parse_calendar(row.text, &why).has_value());
    CHECK_THAT(why, Catch::Matchers::Contains(row.why));
  }
  CHECK_FALSE(load_calendar("/nonexistent/calendar.toml", &why).has_value());
  CHECK_THAT(why, Catch::Matchers::Contains("cannot be read"));
}

}  // namespace
}  // namespace huawu
