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
  int code = exit_ok;
  const auto window = time_window_or_report(ctx, from, to, &code);
  if (!window) return code;
  Writer* writer = writer_or_report(ctx, &code);
  if (!writer) return code;
  const Store* store = store_or_report(ctx, &code);
  if (!store) return code;
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
  const std::uint64_t start = from.empty() ? 1 : first_at_or_after(*store, head, window->from_us);
  store->scan_events(start, [&](std::uint64_t sequence, std::string_view bytes) {
    if (sequence > head) return false;
    std::string why;
    auto stored = decode_stored_event(bytes, &why);
    if (!stored) throw StorageError("event " + std::to_string(sequence) + " unreadable: " + why);
    const Event& event = stored->event;
    if (event.ledger_time_us >= window->to_us) return false;
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
