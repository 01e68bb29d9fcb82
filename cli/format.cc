#include "cli/format.h"

#include <chrono>
#include <cstdio>

#include "events/hash.h"
#include "events/money.h"

namespace huawu::cli {

namespace {

const char* kind_name(LedgerAccountKind kind) {
  switch (kind) {
    case LedgerAccountKind::external_cash: return "external_cash";
    case LedgerAccountKind::user_wallet: return "user_wallet";
  }
  return "unknown";
}

const char* unit_name(Unit unit) { return unit == Unit::cny_units ? "cny_units" : "traffic_seconds"; }

const char* disposition_name(BalanceDisposition d) {
  return d == BalanceDisposition::refunded ? "refunded" : "none";
}

struct PayloadJson {
  nlohmann::json& j;
  void operator()(const LedgerCreated& e) const {
    j["provider_id"] = e.provider_id;
    j["provider_name"] = e.provider_name;
    j["currency"] = e.currency;
    j["utc_offset_minutes"] = e.utc_offset_minutes;
  }
  void operator()(const AccountOpened& e) const {
    j["account"] = e.account;
    j["rate_plan"] = e.rate_plan;
    j["initial_balance_units"] = e.initial_balance_units;
    j["initial_balance"] = format_yuan(e.initial_balance_units);
  }
  void operator()(const WalletRecharged& e) const {
    j["account"] = e.account;
    j["amount_units"] = e.amount_units;
    j["amount"] = format_yuan(e.amount_units);
    j["source_reference"] = e.source_reference;
    j["balance_after_units"] = e.balance_after_units;
    j["balance_after"] = format_yuan(e.balance_after_units);
  }
  void operator()(const AccountClosed& e) const {
    j["account"] = e.account;
    j["remaining_balance_units"] = e.remaining_balance_units;
    j["remaining_balance"] = format_yuan(e.remaining_balance_units);
    j["disposition"] = disposition_name(e.disposition);
  }
};

struct PayloadText {
  std::string operator()(const LedgerCreated& e) const {
    return "provider=" + e.provider_id + " name=\"" + e.provider_name + "\" currency=" + e.currency;
  }
  std::string operator()(const AccountOpened& e) const {
    return "account=" + e.account + " initial=" + format_yuan(e.initial_balance_units) +
           (e.rate_plan.empty() ? "" : " plan=" + e.rate_plan);
  }
  std::string operator()(const WalletRecharged& e) const {
    return "account=" + e.account + " amount=" + format_yuan(e.amount_units) +
           " balance_after=" + format_yuan(e.balance_after_units) +
           (e.source_reference.empty() ? "" : " ref=" + e.source_reference);
  }
  std::string operator()(const AccountClosed& e) const {
    return "account=" + e.account + " remaining=" + format_yuan(e.remaining_balance_units) + " " +
           disposition_name(e.disposition);
  }
};

}  // namespace

std::string format_time_utc(std::int64_t us) {
  using namespace std::chrono;
  const sys_time<microseconds> t{microseconds{us}};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02ld:%02ld:%02lld.%06lldZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), long(hms.hours().count()),
                long(hms.minutes().count()), static_cast<long long>(hms.seconds().count()),
                static_cast<long long>(hms.subseconds().count()));
  return buffer;
}

nlohmann::json event_json(std::uint64_t sequence, const Event& event) {
  nlohmann::json j;
  j["sequence"] = sequence;
  j["type"] = payload_name(event.payload);
  j["ledger_time_us"] = event.ledger_time_us;
  j["ledger_time"] = format_time_utc(event.ledger_time_us);
  j["business_time_us"] = event.business_time_us;
  j["actor"] = event.actor;
  j["idempotency_key"] = event.idempotency_key;
  std::visit(PayloadJson{j}, event.payload);
  nlohmann::json postings = nlohmann::json::array();
  for (const Posting& p : event.postings)
    postings.push_back({{"ledger_account", kind_name(p.kind)}, {"owner", p.owner},
                        {"unit", unit_name(p.unit)}, {"amount", p.amount}});
  j["postings"] = std::move(postings);
  return j;
}

nlohmann::json stored_event_json(const StoredEvent& stored) {
  nlohmann::json j = event_json(stored.sequence, stored.event);
  j["prev_hash"] = to_hex(stored.prev_hash);
  j["hash"] = to_hex(stored.hash);
  return j;
}

std::string event_summary(const Event& event) {
  return std::string(payload_name(event.payload)) + " " + std::visit(PayloadText{}, event.payload);
}

std::string json_line(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

const char* status_name(AccountStatus status) {
  return status == AccountStatus::open ? "open" : "closed";
}

}  // namespace huawu::cli
