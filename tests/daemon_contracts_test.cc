// Contracts through the real daemon (issue 6): the working-day schedule named
// in the configuration is the one deadlines are computed with, so a new
// year's notice is a data change; the built-in one answers calendar_unknown
// past its years. Then tickets, promotions at the switch and the daemon's
// own obligation check: alerts raised by ledger time, logged and published.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

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

// Every event of the log, as `huawu events --json` prints them.
std::vector<nlohmann::json> events_of(const std::string& data) {
  const CommandResult result = run_huawu(data, {"events", "--json"});
  REQUIRE(result.exit_code == 0);
  std::vector<nlohmann::json> out;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Today and in 30 days, China dates: a promotion's window around the ledger's real time.
std::pair<std::string, std::string> window_around_today() {
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const Date today = china_date_of(now);
  return {format_date(today - std::chrono::days{1}), format_date(today + std::chrono::days{30})};
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

TEST_CASE("issue 6: tickets, a promotion at the switch, and obligation alerts logged and published by the daemon",
          "[daemon][contracts][tickets][promotions][alerts]") {
  TempDir dir;
  const std::string data = dir.sub("data");
  REQUIRE(run_huawu(data, {"init"}).exit_code == 0);
  const std::string plan = dir.sub("plan.csv");
  std::ofstream(plan) << test_plan_csv();
  const std::vector<std::vector<std::string>> setup = {
      {"rates", "import", "std", plan},
      {"agent", "add", "bj", "--parent", "provider", "--name", "Beijing", "--price", "5"},
      {"payment", "record", "bj", "--kind", "traffic", "100"},
      {"traffic", "buy", "bj", "--minutes", "1000"},
      {"account", "open", "u1", "--initial", "100", "--plan", "std", "--agent", "bj"},
  };
  for (const auto& args : setup) REQUIRE(run_huawu(data, args).exit_code == 0);
  DaemonProcess daemon(data, "\n[contract]\nalert_interval_seconds = 1\n");
  // The events published in the next seconds, as `huawu tail` prints them.
  TailInBackground tail(data, {"--seconds", "4"});
  // Signed 2026-11-02 with a franchise fee never paid: O-PAY was due 2026-11-09 and is overdue by now.
  REQUIRE(run_huawu(data, {"contract", "sign", "C1", "--agent", "bj", "--signed", "2026-11-02", "--level", "1",
                           "--prepaid-minutes", "0", "--price", "5", "--deposit", "0", "--franchise-fee", "1",
                           "--pay-within-workdays", "5", "--accounts", "0", "--accounts-within-workdays", "5",
                           "--active-users", "0", "--sla-hours", "4"})
              .exit_code == 0);
  const CommandResult& tailed = tail.result();
  INFO(tailed.out);
  CHECK(tailed.out.find("ObligationAlerted") != std::string::npos);
  CHECK(tailed.out.find("C1/O-PAY") != std::string::npos);
  // Raised once: later checks find nothing new.
  std::this_thread::sleep_for(std::chrono::milliseconds(1'500));
  int pay_alerts = 0;
  for (const nlohmann::json& e : events_of(data))
    if (e["type"] == "ObligationAlerted" && e["obligation"] == "C1/O-PAY") {
      ++pay_alerts;
      CHECK(e["kind"] == "overdue");
      CHECK(e["actor"] == "daemon:alerts");
    }
  CHECK(pay_alerts == 1);
  CHECK(file_text(data + ".log").find("obligation C1/O-PAY overdue") != std::string::npos);

  // A3.2 through the command: a ticket reported on a Monday morning, answered by the agent in time.
  const CommandResult opened =
      run_huawu(data, {"ticket", "open", "--account", "u1", "--summary", "no tone", "--reported", "2026-11-30T10:00+08:00",
                       "--json"});
  REQUIRE(opened.exit_code == 0);
  CHECK(run_huawu(data, {"ticket", "respond", "T000001", "--at", "2026-11-30T13:59+08:00", "--by", "agent"}).exit_code ==
        0);
  CHECK(run_huawu(data, {"ticket", "respond", "T000001", "--at", "2026-11-30T14:00+08:00"}).exit_code == 1);
  const CommandResult report =
      run_huawu(data, {"sla", "report", "--contract", "C1", "--from", "2026-11-01", "--to", "2026-11-30", "--json"});
  REQUIRE(report.exit_code == 0);
  const nlohmann::json sla = nlohmann::json::parse(report.out);
  CHECK(sla["tickets"] == 1);
  CHECK(sla["responded_in_time"] == 1);
  CHECK(sla["on_time_percent"] == "100.0");

  // B3.2 at the switch: the plan's price before approval, the discount after.
  const auto [from, to] = window_around_today();
  REQUIRE(run_huawu(data, {"promo", "request", "--agent", "bj", "--discount", "50", "--from", from, "--to", to, "--plan",
                           "std"})
              .exit_code == 0);
  SwitchClient sw(daemon.switch_endpoint());
  REQUIRE(sw.call(authorize("sw", "a1", "c1", "u1", "8621", 60)).hold_units == 1'000);  // 10 fen a minute
  REQUIRE(run_huawu(data, {"promo", "approve", "P000001", "--filing-ref", "FILING-1"}).exit_code == 0);
  REQUIRE(sw.call(authorize("sw", "a2", "c2", "u1", "8621", 60)).hold_units == 500);
  REQUIRE(sw.call(settle("sw", "s2", "c2", 60'000)).cost_units == 500);
  bool recorded = false;
  for (const nlohmann::json& e : events_of(data))
    if (e["type"] == "CallSettled" && e["call_id"] == "c2") recorded = e["rate"]["promotion"] == "P000001";
  CHECK(recorded);
  REQUIRE(daemon.stop() == 0);
  CHECK(run_huawu(data, {"audit", "verify"}).exit_code == 0);
}

}  // namespace huawu::test
