#pragma once
// `huawu calendar` (issue 6): each rule of contract time, for operators and
// tests. Pure computations: no store, no daemon. The working-day schedule is
// the built-in one unless --calendar names a file.
#include <ostream>
#include <string>

namespace huawu::cli {

struct CalendarArgs {
  std::string rule;         // is-workday | add-workdays | add-months | period-end | deemed-receipt | latest-notice | sla-due
  std::string calendar_file;  // empty: the built-in schedule
  std::string date;         // is-workday, add-workdays, add-months; --from of period-end; --last-day of latest-notice
  long long count = 0;      // N of add-workdays, add-months; --days; --months; --hours
  std::string method;       // deemed-receipt
  std::string timestamp;    // --sent, --reported
  std::string schedule = "09:00-18:00";
  bool json = false;
};

int verb_calendar(const CalendarArgs& args, std::ostream& out, std::ostream& err);

}  // namespace huawu::cli
