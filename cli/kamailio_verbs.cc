// `huawu kamailio backfill|status` and `huawu calls cut` (issue 15,
// docs/kamailio.md): the operator's side of the Kamailio connector.
#include "cli/format.h"
#include "cli/verbs.h"
#include "kamailio/cdr_file.h"
#include "kamailio/connector.h"
#include "kamailio/reconcile.h"

namespace huawu::cli {

int verb_kamailio_backfill(Context& ctx, const std::string& path, const std::string& switch_id) {
  if (ctx.access.read_only())
    return print_error(ctx, exit_refused, "read_only_principal", "refused: read_only_principal");
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  const Store* store = store_or_report(ctx, &code);
  if (!store) return code;
  std::size_t skipped = 0;
  std::vector<std::string> problems;
  std::string why;
  auto cdrs = kamailio::read_cdrs(path, &skipped, &problems, &why);
  if (!cdrs) return print_error(ctx, exit_bad_input, "cdr_unreadable", "huawu: " + why);
  const kamailio::BackfillReport report = kamailio::backfill(*writer, *store, switch_id, *cdrs, ctx.access.actor());
  for (const std::string& problem : report.problems) problems.push_back(problem);
  if (ctx.json) {
    ctx.out << json_line(nlohmann::json{{"ok", true},
                                        {"switch_id", switch_id},
                                        {"cdrs", report.cdrs},
                                        {"unreadable_lines", skipped},
                                        {"already_billed", report.already_billed},
                                        {"not_answered", report.not_answered},
                                        {"settled", report.settled},
                                        {"recorded", report.recorded},
                                        {"released", report.released},
                                        {"refused", report.refused},
                                        {"unusable", report.unusable},
                                        {"problems", problems}})
            << "\n";
  } else {
    ctx.out << "backfill of " << path << " (switch " << switch_id << "): " << report.cdrs << " CDRs, "
            << report.already_billed << " billed already, " << report.settled << " settled, " << report.recorded
            << " recorded, " << report.released << " released unanswered, " << report.not_answered
            << " unanswered without a hold, " << report.refused << " refused, " << report.unusable << " unusable, "
            << skipped << " unreadable lines\n";
    for (const std::string& problem : problems) ctx.out << "  " << problem << "\n";
  }
  return report.refused > 0 ? exit_refused : exit_ok;
}

int verb_kamailio_status(Context& ctx) {
  kamailio::Connector* connector = ctx.access.kamailio();
  if (!connector)
    return print_error(ctx, exit_refused, "kamailio_not_configured",
                       "refused: kamailio_not_configured (no daemon runs with [kamailio] enabled = true)");
  const kamailio::ConnectorStats s = connector->stats();
  const KamailioConfig& config = connector->config();
  if (ctx.json) {
    ctx.out << json_line(nlohmann::json{{"evapi_address", config.evapi_address},
                                        {"switch_id", config.switch_id},
                                        {"connected", s.connected},
                                        {"connects", s.connects},
                                        {"auth_requests", s.auth_requests},
                                        {"grants", s.grants},
                                        {"denials", s.denials},
                                        {"settles", s.settles},
                                        {"disconnects_sent", s.disconnects_sent},
                                        {"refused_messages", s.refused_messages},
                                        {"live_dialogs", s.live_dialogs},
                                        {"reconciliations", s.reconciliations},
                                        {"auth_replies", s.auth_reply_times.count()},
                                        {"auth_reply_p50_us", s.auth_reply_times.percentile_us(0.50)},
                                        {"auth_reply_p99_us", s.auth_reply_times.percentile_us(0.99)},
                                        {"auth_reply_max_us", s.auth_reply_times.max_us()}})
            << "\n";
    return exit_ok;
  }
  ctx.out << "kamailio " << config.evapi_address << " (switch " << config.switch_id << "): "
          << (s.connected ? "connected" : "NOT CONNECTED") << ", " << s.connects << " connects, "
          << s.reconciliations << " reconciliations\n"
          << "  " << s.auth_requests << " auth requests: " << s.grants << " granted, " << s.denials << " denied; "
          << s.settles << " settles; " << s.live_dialogs << " live dialogs; " << s.disconnects_sent
          << " disconnects sent; " << s.refused_messages << " refused messages\n";
  if (s.auth_reply_times.count() > 0)
    ctx.out << "  auth replies (time in huawu): " << s.auth_reply_times.summary() << "\n";
  return exit_ok;
}

int verb_calls_cut(Context& ctx, const std::string& call) {
  if (ctx.access.read_only())
    return print_error(ctx, exit_refused, "read_only_principal", "refused: read_only_principal");
  kamailio::Connector* connector = ctx.access.kamailio();
  if (!connector)
    return print_error(ctx, exit_refused, "kamailio_not_configured",
                       "refused: kamailio_not_configured (no daemon runs with [kamailio] enabled = true)");
  const kamailio::CutResult result = connector->cut(call);
  if (result != kamailio::CutResult::sent) {
    const std::string name = kamailio::cut_result_name(result);
    return print_error(ctx, exit_refused, name, "refused: " + name);
  }
  if (ctx.json) ctx.out << json_line(nlohmann::json{{"ok", true}, {"call", call}, {"disconnect", "sent"}}) << "\n";
  else ctx.out << "disconnect sent for call " << call << "; Kamailio ends it within a second and reports its end\n";
  return exit_ok;
}

}  // namespace huawu::cli
