// Contracts through the real daemon (issue 6): the working-day schedule named
// in the configuration is the one deadlines are computed with, so a new
// year's notice is a data change; the built-in one answers calendar_unknown
// past its years.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "ledger/calendar_file.h"
#include "ledger/daemon.h"
#include "tests/daemon_support.h"
#include "tests/test_support.h"

namespace huawu::test {
namespace {

// The O-PAY obligation of contract C1 as of 2027-01-20, through the daemon serving `data`.
nlohmann::json pay_obligation(const std::string& data) {
  const CommandResult result = run_huawu(data, {"obligations", "--contract", "C1", "--as-of", "2027-01-20", "--json"});
  INFO(result.out);
  REQUIRE(result.exit_code == 0);
  const nlohmann::json all = nlohmann::json::parse(result.out);
  for (const auto& o : all["obligations"])
    if (o["type"] == "O-PAY") return o;
  FAIL("no O-PAY");
  return {};
}

}  // namespace

TEST_CASE("issue 6: the daemon computes deadlines on the calendar its configuration names", "[daemon][contracts]") {
  TempDir dir;
  const std::string data = dir.sub("data");
  REQUIRE(run_huawu(data, {"init"}).exit_code == 0);
  const std::vector<std::string> sign = {"contract", "sign", "C1", "--agent", "zj", "--signed", "2026-12-28",
                                         "--level", "1", "--prepaid-minutes", "100", "--price", "8", "--deposit", "0",
                                         "--franchise-fee", "0", "--pay-within-workdays", "10", "--accounts", "0",
                                         "--accounts-within-workdays", "5", "--active-users", "0", "--sla-hours", "4"};
  {
    DaemonProcess daemon(data);
    REQUIRE(run_huawu(data, {"agent", "add", "zj", "--parent", "provider", "--name", "Z"}).exit_code == 0);
    REQUIRE(run_huawu(data, sign).exit_code == 0);
    // The built-in schedule ends with 2026: ten working days from 2026-12-28 cannot be counted.
    const nlohmann::json unknown = pay_obligation(data);
    CHECK(unknown["status"] == "indeterminate");
    CHECK(unknown["calendar_unknown_year"] == 2027);
    REQUIRE(daemon.stop() == 0);
  }
  // The 2027 notice arrives: a file, named in the configuration.
  std::string text(default_calendar_text());
  text.replace(text.find("known_through = 2026-12-31"), 26, "known_through = 2027-12-31");
  text += "\n[[holidays]]\nname = \"New Year 2027\"\nfrom = 2027-01-01\nto = 2027-01-03\n";
  const std::string calendar = dir.sub("cn-workdays-2027.toml");
  std::ofstream(calendar) << text;
  DaemonProcess daemon(data, "\n[contract]\ncalendar_file = \"" + calendar + "\"\n");
  const nlohmann::json known = pay_obligation(data);
  // 12-29, 12-30, 12-31, then 2027-01-04 .. 01-08 and 01-11, 01-12: the tenth working day.
  CHECK(known["deadline"] == "2027-01-12");
  CHECK(known["status"] == "overdue");
  REQUIRE(daemon.stop() == 0);
  // A file that is not a schedule is refused (exit 2), naming what is missing.
  std::ofstream(dir.sub("bad.toml")) << "name = \"CN\"\nknown_from = 2024-01-01\n";
  const CommandResult bad = run_huawu(data, {"calendar", "is-workday", "2024-09-14", "--calendar", dir.sub("bad.toml")});
  CHECK(bad.exit_code == 2);
}

}  // namespace huawu::test
