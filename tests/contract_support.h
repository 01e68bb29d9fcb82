#pragma once
// Helpers of the contract tests (issue 6): China days and times, and the
// terms of a typical level-1 agreement.
#include <catch2/catch.hpp>

#include <cstdint>

#include "events/event.h"
#include "projections/calendar.h"

namespace huawu::test {

inline Date day(const char* text) {
  const auto date = parse_date(text);
  REQUIRE(date.has_value());
  return *date;
}

// HH:MM China time on a day, as UTC microseconds.
inline std::int64_t china_time(const char* date, int hour, int minute = 0) {
  return china_midnight_utc_us(day(date)) + (hour * 60LL + minute) * 60'000'000;
}

// 10:00 China time on a day.
inline std::int64_t morning(const char* date) { return china_time(date, 10); }

inline ContractTerms contract_terms(RenewalPolicy renewals = RenewalPolicy::repeat, std::uint32_t term_months = 24) {
  ContractTerms t;
  t.level = 1;
  t.prepaid_minutes = 10'000;
  t.price_units_per_minute = 850;
  t.deposit_units = 50'000'000;
  t.franchise_fee_units = 20'000'000;
  t.pay_within_workdays = 5;
  t.accounts = 20'000;
  t.accounts_within_workdays = 10;
  t.active_users = 500;
  t.sla_hours = 4;
  t.term_months = term_months;
  t.renewal_months = 24;
  t.renewals = renewals;
  return t;
}

}  // namespace huawu::test
