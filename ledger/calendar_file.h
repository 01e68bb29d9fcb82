#pragma once
// The working-day schedule file (issue 6): ops/calendars/cn-workdays.toml
// format, read with toml++. The project's copy is built into the binary as
// the default; `[contract] calendar_file` in the daemon's configuration (or
// `huawu calendar --calendar FILE`) names another, so a new year's notice is
// a data change. Refused, with the key and line, when the file is not a
// schedule: unknown keys, dates that are not dates, an adjusted working day
// that is not a weekend, holidays outside the known years or backwards.
#include <optional>
#include <string>
#include <string_view>

#include "projections/calendar.h"

namespace huawu {

// The schedule in `toml_text`; its version names the calendar and a digest of the text.
std::optional<WorkCalendar> parse_calendar(std::string_view toml_text, std::string* why);
std::optional<WorkCalendar> load_calendar(const std::string& path, std::string* why);

// The project's schedule (China, 2024-2026), built in.
const WorkCalendar& default_calendar();
std::string_view default_calendar_text();

}  // namespace huawu
