// The verb table's entries for verbs that run in a command of their own and
// are never sent to a daemon: init, serve, tail, login, switch-sim and the
// calendar's pure computations (cli/verb_table.h).
#include "cli/calendar_verbs.h"
#include "cli/daemon_client.h"
#include "cli/local_verbs.h"
#include "cli/switch_sim.h"
#include "cli/verb_args.h"
#include "cli/verb_table.h"
#include "cli/verbs.h"

namespace huawu::cli {

namespace {

int run_login(CommandRun& run, const VerbArgs& a) {
  std::string why;
  auto password = read_password(a.flag("--password-stdin"), false, run.err, &why);
  if (!password) {
    run.err << "huawu: " << why << "\n";
    return exit_bad_input;
  }
  return login_to_daemon(run.data_dir, a.text("NAME"), *password);
}

void add_commands(std::vector<VerbSpec>& t) {
  t.push_back({.id = VerbId::init, .path = "init", .help = "create a new store (refuses if one exists)",
               .args = {text("--provider-id", "provider id (default: provider)", "provider"),
                        text("--provider-name", "provider name", "Provider"), json_arg()},
               .access = Access::writes,
               .run_local = [](CommandRun& r, const VerbArgs& a) {
                 return verb_init(r.data_dir, a.flag("--json"), a.text("--provider-id"), a.text("--provider-name"),
                                  r.out, r.err);
               }});
  t.push_back({.id = VerbId::serve, .path = "serve", .help = "run the daemon: switch, control and event sockets",
               .args = {text("--config", "TOML configuration (every default: ops/huawu.example.toml)")},
               .access = Access::writes,
               .run_local = [](CommandRun& r, const VerbArgs& a) {
                 std::optional<std::string> data_override;
                 if (r.data_given) data_override = r.data_dir;
                 return verb_serve(a.text("--config"), data_override, r.out, r.err);
               }});
  t.push_back({.id = VerbId::tail, .path = "tail", .help = "print committed events live, as the daemon publishes them",
               .args = {text("--endpoint", "PUB endpoint (default: the serving daemon's, else tcp://127.0.0.1:7751)"),
                        integer("--count", "stop after this many events", 0, int64_max),
                        number("--seconds", "stop after this many seconds", 0), json_arg("one JSON object per line")},
               .run_local = [](CommandRun& r, const VerbArgs& a) {
                 return verb_tail(r.data_dir, a.text("--endpoint"), a.flag("--json"),
                                  static_cast<std::uint64_t>(a.integer("--count")), a.number("--seconds"), r.out, r.err);
               }});
  t.push_back({.id = VerbId::login, .path = "login", .help = "get a session token from the serving daemon (prints it)",
               .args = {required("NAME", "principal name"),
                        flag("--password-stdin", "read the password as one line of standard input")},
               .run_local = run_login});
}

SimOptions sim_options(CommandRun& r, const VerbArgs& a) {
  SimOptions sim;
  if (a.given("--endpoint")) sim.endpoint = a.text("--endpoint");
  if (a.given("--switch-id")) sim.switch_id = a.text("--switch-id");
  if (a.given("--account-prefix")) sim.account_prefix = a.text("--account-prefix");
  if (a.given("--initial")) sim.initial_yuan = a.text("--initial");
  sim.agent = a.text("--agent");
  const std::pair<std::string_view, double*> numbers[] = {
      {"--rate", &sim.rate_calls_per_second}, {"--duration", &sim.duration_seconds},
      {"--duplicates", &sim.duplicates_percent}, {"--records", &sim.record_percent},
      {"--unanswered", &sim.unanswered_percent}, {"--overrun", &sim.overrun_percent},
      {"--talk-ms", &sim.talk_ms_max}, {"--timeout", &sim.reply_timeout_seconds}};
  for (const auto& [name, field] : numbers)
    if (a.given(name)) *field = a.number(name);
  if (a.given("--accounts")) sim.accounts = static_cast<std::size_t>(a.integer("--accounts"));
  if (a.given("--concurrency")) sim.concurrency = static_cast<std::size_t>(a.integer("--concurrency"));
  if (a.given("--seed")) sim.seed = static_cast<std::uint64_t>(a.integer("--seed"));
  sim.setup = a.flag("--setup");
  sim.own_plan = !a.flag("--foreign-plan");
  sim.json = a.flag("--json");
  sim.data_dir = r.data_dir;
  return sim;
}

void add_switch_sim(std::vector<VerbSpec>& t) {
  // The defaults are SimOptions' own (cli/switch_sim.h): absent arguments leave them.
  t.push_back({.id = VerbId::switch_sim, .path = "switch-sim", .help = "simulate a softswitch against a running daemon",
               .args = {text("--endpoint", "the daemon's switch endpoint (default tcp://127.0.0.1:7750)"),
                        text("--switch-id", "the switch id the simulator uses"),
                        number("--rate", "new calls started per second", 0),
                        number("--duration", "seconds to start new calls for, then drain", 0),
                        integer("--accounts", "accounts called from: PREFIX00001..", 0, int64_max),
                        text("--account-prefix", "account id prefix (default sim-)"),
                        integer("--concurrency", "most calls in progress at once", 0, int64_max),
                        number("--duplicates", "percent of requests sent twice with the same key", 0),
                        number("--records", "percent of calls sent only as call records", 0),
                        number("--unanswered", "percent of calls that end unanswered", 0),
                        number("--overrun", "percent of calls that run past their grant", 0),
                        number("--talk-ms", "most wall-clock ms between a grant and its settle", 0),
                        integer("--seed", "random seed", 0, int64_max),
                        number("--timeout", "seconds a reply may take before it is an anomaly", 0),
                        flag("--setup", "first import the simulator's rate plan and open its accounts"),
                        flag("--foreign-plan", "the accounts are on another plan: do not recompute costs"),
                        text("--initial", "with --setup: each account's opening balance in yuan"),
                        text("--agent", "with --setup: the agent the accounts are bound to"), json_arg()},
               .access = Access::writes,
               .run_local = [](CommandRun& r, const VerbArgs& a) {
                 return run_switch_sim(sim_options(r, a), r.out, r.err);
               }});
}

constexpr std::string_view calendar_file_help = "a working-day schedule file (default: the built-in one)";

CalendarArgs calendar_args(const VerbArgs& a, std::string_view rule, std::string_view date,
                           std::string_view count) {
  CalendarArgs cal;
  cal.rule = std::string(rule);
  cal.calendar_file = a.text("--calendar");
  cal.json = a.flag("--json");
  if (!date.empty()) cal.date = a.text(date);
  if (!count.empty()) cal.count = a.integer(count);
  return cal;
}

// One rule: --json and --calendar (which may also come before the rule's name), then its own arguments.
VerbSpec calendar_rule(VerbId id, std::string_view path, std::string_view help, std::vector<ArgSpec> own,
                       LocalHandler run) {
  std::vector<ArgSpec> args{json_arg(), text("--calendar", calendar_file_help)};
  args.insert(args.end(), own.begin(), own.end());
  return {.id = id, .path = path, .help = help, .args = std::move(args), .run_local = run};
}

int print_calendar(CommandRun& r, const CalendarArgs& cal) { return verb_calendar(cal, r.out, r.err); }

void add_calendar(std::vector<VerbSpec>& t, std::vector<GroupSpec>& g) {
  g.push_back({"calendar", "contract time on the China working-day calendar (Civil Code arts. 200-204)",
               {text("--calendar", calendar_file_help)}});
  const ArgSpec date = required("DATE", "YYYY-MM-DD");
  const auto n = [](std::string_view help) { return integer("N", help, INT64_MIN, int64_max, 0, true); };
  t.push_back(calendar_rule(VerbId::calendar_is_workday, "calendar is-workday",
                            "whether a date is a working day (adjusted weekends count)", {date},
                            [](CommandRun& r, const VerbArgs& a) {
                              return print_calendar(r, calendar_args(a, "is-workday", "DATE", ""));
                            }));
  t.push_back(calendar_rule(VerbId::calendar_add_workdays, "calendar add-workdays",
                            "N working days after a date, the date excluded", {date, n("working days")},
                            [](CommandRun& r, const VerbArgs& a) {
                              return print_calendar(r, calendar_args(a, "add-workdays", "DATE", "N"));
                            }));
  t.push_back(calendar_rule(VerbId::calendar_add_months, "calendar add-months",
                            "N months after a date (the month's last day when it has no such day)", {date, n("months")},
                            [](CommandRun& r, const VerbArgs& a) {
                              return print_calendar(r, calendar_args(a, "add-months", "DATE", "N"));
                            }));
  t.push_back(calendar_rule(
      VerbId::calendar_period_end, "calendar period-end",
      "the last day of a period of days (moved off rest days) and the day rights follow",
      {required("--from", "the trigger day: the period starts the day after"),
       integer("--days", "days", INT64_MIN, int64_max, 0, true)},
      [](CommandRun& r, const VerbArgs& a) { return print_calendar(r, calendar_args(a, "period-end", "--from", "--days")); }));
  t.push_back(calendar_rule(VerbId::calendar_deemed_receipt, "calendar deemed-receipt",
                            "when a notice counts as received (clause 6.5)",
                            {required("--method", "courier (+4 days), fax or email (+2 days)"),
                             required("--sent", "ISO 8601 with offset or Z, e.g. 2024-12-30T10:00+08:00")},
                            [](CommandRun& r, const VerbArgs& a) {
                              CalendarArgs cal = calendar_args(a, "deemed-receipt", "", "");
                              cal.method = a.text("--method");
                              cal.timestamp = a.text("--sent");
                              return print_calendar(r, cal);
                            }));
  t.push_back(calendar_rule(
      VerbId::calendar_latest_notice, "calendar latest-notice",
      "the last day a notice N months ahead of a last day can be given",
      {required("--last-day", "YYYY-MM-DD"), integer("--months", "months", INT64_MIN, int64_max, 0, true)},
      [](CommandRun& r, const VerbArgs& a) {
        return print_calendar(r, calendar_args(a, "latest-notice", "--last-day", "--months"));
      }));
  t.push_back(calendar_rule(VerbId::calendar_sla_due, "calendar sla-due",
                            "when a response within N business hours is due (clause A3.2)",
                            {required("--reported", "ISO 8601 with offset or Z"),
                             integer("--hours", "business hours", INT64_MIN, int64_max, 0, true),
                             text("--schedule", "09:00-18:00 (default), 09:00-12:00,13:00-18:00 or 24x7",
                                  "09:00-18:00")},
                            [](CommandRun& r, const VerbArgs& a) {
                              CalendarArgs cal = calendar_args(a, "sla-due", "", "--hours");
                              cal.timestamp = a.text("--reported");
                              cal.schedule = a.text("--schedule");
                              return print_calendar(r, cal);
                            }));
}

}  // namespace

void add_local_verbs(std::vector<VerbSpec>& table, std::vector<GroupSpec>& groups) {
  add_commands(table);
  add_switch_sim(table);
  add_calendar(table, groups);
}

}  // namespace huawu::cli
