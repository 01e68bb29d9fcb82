// `huawu calls ACCOUNT` and `huawu holds ACCOUNT` (issue 3).
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "cli/format.h"
#include "cli/verbs.h"
#include "events/codec.h"
#include "events/money.h"

namespace huawu::cli {

namespace {

constexpr std::int64_t china_offset_us = 8LL * 3600 * 1'000'000;

bool digits(std::string_view s, std::size_t at, std::size_t n, int* value) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *value = v;
  return true;
}

// "2026-11-25" (a day in China time; `end`: the instant after it) or
// "2026-11-25T08:30[:00](Z|+08:00)". UTC microseconds.
std::optional<std::int64_t> parse_time_bound(std::string_view text, bool end) {
  int y = 0, mo = 0, d = 0;
  if (!digits(text, 0, 4, &y) || text.size() < 10 || text[4] != '-' || !digits(text, 5, 2, &mo) ||
      text[7] != '-' || !digits(text, 8, 2, &d))
    return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  const std::int64_t day_us =
      std::chrono::sys_days(ymd).time_since_epoch().count() * 86'400LL * 1'000'000;
  if (text.size() == 10) return day_us - china_offset_us + (end ? 86'400LL * 1'000'000 : 0);
  int h = 0, mi = 0, sec = 0;
  std::size_t at = 16;
  if (text[10] != 'T' || !digits(text, 11, 2, &h) || text.size() < 16 || text[13] != ':' ||
      !digits(text, 14, 2, &mi) || h > 23 || mi > 59)
    return std::nullopt;
  if (at < text.size() && text[at] == ':') {
    if (!digits(text, at + 1, 2, &sec) || sec > 59) return std::nullopt;
    at += 3;
  }
  std::int64_t offset_us = 0;
  const std::string_view zone = text.substr(at);
  int oh = 0, om = 0;
  if (zone == "Z") {
    offset_us = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digits(zone, 1, 2, &oh) &&
             zone[3] == ':' && digits(zone, 4, 2, &om) && oh <= 14 && om <= 59) {
    offset_us = (zone[0] == '+' ? 1 : -1) * (oh * 3600LL + om * 60LL) * 1'000'000;
  } else {
    return std::nullopt;
  }
  return day_us + (h * 3600LL + mi * 60LL + sec) * 1'000'000 - offset_us;
}

// The first sequence in [1, head] whose ledger time is at least `time_us`
// (head + 1 when none): ledger time never goes backwards in the log, so a
// binary search over sequences finds it in O(log n) reads.
std::uint64_t first_at_or_after(const Store& store, std::uint64_t head, std::int64_t time_us) {
  std::uint64_t low = 1, high = head + 1;
  while (low < high) {
    const std::uint64_t mid = low + (high - low) / 2;
    auto bytes = store.get_event(mid);
    std::string why;
    auto stored = bytes ? decode_stored_event(*bytes, &why) : std::nullopt;
    if (!stored) throw StorageError("event " + std::to_string(mid) + " unreadable: " + why);
    if (stored->event.ledger_time_us < time_us) low = mid + 1;
    else high = mid;
  }
  return low;
}

struct CallLine {
  std::uint64_t sequence;
  const Event* event;
};

nlohmann::json call_json(std::uint64_t sequence, const Event& event) {
  nlohmann::json j = event_json(sequence, event);
  j.erase("postings");
  j.erase("idempotency_key");
  return j;
}

std::string call_text(std::uint64_t sequence, const Event& event) {
  char head[64];
  std::snprintf(head, sizeof head, "%8llu  ", static_cast<unsigned long long>(sequence));
  return head + format_time_utc(event.ledger_time_us) + "  " + event_summary(event);
}

}  // namespace

int verb_calls(Context& ctx, const std::string& account, const std::string& from, const std::string& to) {
  const auto from_us = from.empty() ? std::optional<std::int64_t>(INT64_MIN) : parse_time_bound(from, false);
  const auto to_us = to.empty() ? std::optional<std::int64_t>(INT64_MAX) : parse_time_bound(to, true);
  if (!from_us || !to_us)
    return print_error(ctx, exit_bad_input, "time_invalid",
                       "invalid --from/--to: a date 2026-11-25 (China time) or 2026-11-25T08:30:00+08:00");
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  std::string why;
  const Store* store = ctx.access.store(&why);
  if (!store) return print_error(ctx, exit_storage, "store_unavailable", why);
  bool exists = false;
  std::uint64_t head = 0;
  writer->read_and_wait([&](const LedgerState& state) {
    exists = state.balances().find(account) != nullptr;
    head = state.applied_through();
  });
  if (!exists) return print_error(ctx, exit_refused, "account_not_found", "refused: account_not_found");

  nlohmann::json calls = nlohmann::json::array();
  std::int64_t cost_units = 0, billed_seconds = 0;
  std::uint64_t billed = 0, refused = 0, expired = 0;
  const std::uint64_t start = from.empty() ? 1 : first_at_or_after(*store, head, *from_us);
  store->scan_events(start, [&](std::uint64_t sequence, std::string_view bytes) {
    if (sequence > head) return false;
    auto stored = decode_stored_event(bytes, &why);
    if (!stored) throw StorageError("event " + std::to_string(sequence) + " unreadable: " + why);
    const Event& event = stored->event;
    if (event.ledger_time_us >= *to_us) return false;
    bool mine = false;
    if (const auto* settled = std::get_if<CallSettled>(&event.payload)) {
      mine = settled->account == account;
      if (mine) ++billed, cost_units += settled->cost_units, billed_seconds += settled->billed_seconds;
    } else if (const auto* rejected = std::get_if<CallRejected>(&event.payload)) {
      mine = rejected->account == account;
      if (mine) ++refused;
    } else if (const auto* hold = std::get_if<HoldExpired>(&event.payload)) {
      mine = hold->account == account;
      if (mine) ++expired;
    }
    if (!mine) return true;
    if (ctx.json) calls.push_back(call_json(sequence, event));
    else ctx.out << call_text(sequence, event) << "\n";
    return true;
  });
  if (ctx.json) {
    ctx.out << json_line(nlohmann::json{{"account", account},
                                        {"calls", std::move(calls)},
                                        {"billed_calls", billed},
                                        {"refused", refused},
                                        {"holds_expired", expired},
                                        {"billed_seconds", billed_seconds},
                                        {"cost_units", cost_units},
                                        {"cost", format_yuan(cost_units)},
                                        {"as_of_sequence", head}})
            << "\n";
  } else {
    ctx.out << account << ": " << billed << " billed calls, " << billed_seconds << " billed seconds, "
            << format_yuan(cost_units) << " yuan; " << refused << " refused; " << expired
            << " holds expired\n";
  }
  return exit_ok;
}

int verb_holds(Context& ctx, const std::string& account) {
  int code = exit_ok;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  bool exists = false;
  std::vector<HoldState> holds;
  writer->read_and_wait([&](const LedgerState& state) {
    exists = state.balances().find(account) != nullptr;
    state.calls().for_each_hold([&](const std::string&, const HoldState& hold) {
      if (hold.account == account) holds.push_back(hold);
    });
  });
  if (!exists) return print_error(ctx, exit_refused, "account_not_found", "refused: account_not_found");
  std::sort(holds.begin(), holds.end(), [](const HoldState& a, const HoldState& b) { return a.hold_id < b.hold_id; });
  auto status = [](const HoldState& hold) { return hold.expired ? "expired" : "active"; };
  if (ctx.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const HoldState& hold : holds)
      list.push_back({{"hold_id", hold.hold_id},
                      {"switch_id", hold.switch_id},
                      {"call_id", hold.call_id},
                      {"caller", hold.caller},
                      {"callee", hold.callee},
                      {"granted_seconds", hold.granted_seconds},
                      {"hold_units", hold.hold_units},
                      {"hold", format_yuan(hold.hold_units)},
                      {"authorized_at", format_time_utc(hold.authorized_time_us)},
                      {"expires_at", format_time_utc(hold.expires_at_us)},
                      {"status", status(hold)}});
    ctx.out << json_line(nlohmann::json{{"account", account}, {"holds", std::move(list)}}) << "\n";
    return exit_ok;
  }
  if (holds.empty()) ctx.out << account << ": no holds\n";
  for (const HoldState& hold : holds)
    ctx.out << "hold " << hold.hold_id << "  call " << hold.switch_id << "/" << hold.call_id << "  callee "
            << hold.callee << "  " << hold.granted_seconds << " s  " << format_yuan(hold.hold_units)
            << " yuan  authorized " << format_time_utc(hold.authorized_time_us) << "  expires "
            << format_time_utc(hold.expires_at_us) << "  " << status(hold)
            << (hold.expired ? " (released; a late settle is still billed)" : "") << "\n";
  return exit_ok;
}

}  // namespace huawu::cli
