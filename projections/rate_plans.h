#pragma once
// Rate plans projection: the current table of every plan, from its latest
// RatePlanImported event. A re-import replaces the plan from that event on;
// earlier imports stay in the log (and calls keep the rate they were billed at).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "events/event.h"
#include "projections/rate_table.h"

namespace huawu {

struct RatePlanState {
  std::string plan;
  std::string source_name;
  std::uint64_t imported_sequence = 0;  // the event the current table comes from
  std::uint64_t imports = 0;            // how many times the plan was imported
  PrefixTable table;
};

// Why this import cannot be applied (bad plan id, bad or duplicate row), or
// nullptr. Decide refuses such an import with rate_plan_invalid; replay and
// audit report it.
const char* rate_plan_problem(const RatePlanImported& import);

// The plan built from an import (the caller checked rate_plan_problem).
std::shared_ptr<const RatePlanState> build_rate_plan(std::uint64_t sequence, std::uint64_t imports,
                                                     const RatePlanImported& import);

class RatePlans {
 public:
  const char* problem(const Event& event) const;
  void apply(std::uint64_t sequence, const Event& event);

  const RatePlanState* find(std::string_view plan) const;
  // The shared table, for overlays that must see the same plan.
  std::shared_ptr<const RatePlanState> find_shared(std::string_view plan) const;
  std::size_t size() const { return plans_.size(); }

  template <class Fn>  // Fn(const RatePlanState&), in plan id order
  void for_each(Fn&& fn) const {
    for (const auto& [id, plan] : plans_) fn(*plan);
  }

  // Layout: u64 plan count, then per plan in id order: str plan, str source,
  // u64 imported sequence, u64 imports, u64 rows, per row: str prefix,
  // str description, i64 price, i64 connect fee, u64 first block, u64 next block.
  void serialize(std::string& out) const;
  bool deserialize(std::string_view bytes, std::string* why);

 private:
  // Tables are immutable once built: a re-import builds a new one.
  std::map<std::string, std::shared_ptr<const RatePlanState>, std::less<>> plans_;
};

}  // namespace huawu
