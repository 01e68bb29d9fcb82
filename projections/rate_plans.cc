#include "projections/rate_plans.h"

#include <unordered_set>

#include "events/bytes.h"
#include "events/ids.h"
#include "events/invariant.h"
#include "events/limits.h"

namespace huawu {

namespace {

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

const char* rate_problem(const Rate& rate) {
  if (rate.prefix.empty() || rate.prefix.size() > limits::rate_prefix_digits_max ||
      !all_digits(rate.prefix))
    return "a rate prefix is not 1-20 digits";
  if (!is_valid_text(rate.description, limits::rate_description_length_max))
    return "a rate description is too long or not printable text";
  const std::int64_t price_max = limits::rate_price_fen_max * 100;
  if (rate.price_units_per_minute < 0 || rate.price_units_per_minute > price_max ||
      rate.connect_fee_units < 0 || rate.connect_fee_units > price_max)
    return "a rate price is out of range";
  // Prices are fen with at most 2 decimals: whole units.
  if (rate.first_block_seconds < 1 || rate.first_block_seconds > 3600 ||
      rate.next_block_seconds < 1 || rate.next_block_seconds > 3600)
    return "a rate block is not 1-3600 seconds";
  return nullptr;
}

}  // namespace

const char* rate_plan_problem(const RatePlanImported& import) {
  if (!is_valid_account_id(import.plan)) return "the rate plan id is not valid";
  if (!is_valid_text(import.source_name, limits::reference_length_max))
    return "the rate plan source name is not valid text";
  if (import.rates.empty()) return "a rate plan without rates";
  if (import.rates.size() > limits::rate_plan_rows_max) return "a rate plan with too many rows";
  std::unordered_set<std::string_view> prefixes;
  prefixes.reserve(import.rates.size());
  for (const Rate& rate : import.rates) {
    if (const char* why = rate_problem(rate)) return why;
    if (!prefixes.insert(rate.prefix).second) return "a rate plan lists one prefix twice";
  }
  return nullptr;
}

std::shared_ptr<const RatePlanState> build_rate_plan(std::uint64_t sequence, std::uint64_t imports,
                                                     const RatePlanImported& import) {
  auto plan = std::make_shared<RatePlanState>();
  plan->plan = import.plan;
  plan->source_name = import.source_name;
  plan->imported_sequence = sequence;
  plan->imports = imports;
  for (const Rate& rate : import.rates) plan->table.insert(rate);
  HUAWU_ASSERT(plan->table.size() == import.rates.size(), "prefixes are unique");
  return plan;
}

const char* RatePlans::problem(const Event& event) const {
  const auto* import = std::get_if<RatePlanImported>(&event.payload);
  if (!import) return nullptr;
  if (!event.postings.empty()) return "a rate plan import moves no money";
  return rate_plan_problem(*import);
}

void RatePlans::apply(std::uint64_t sequence, const Event& event) {
  const auto* import = std::get_if<RatePlanImported>(&event.payload);
  if (!import) return;
  const char* why = problem(event);
  HUAWU_ASSERT(why == nullptr, why);
  auto it = plans_.find(import->plan);
  const std::uint64_t imports = it == plans_.end() ? 1 : it->second->imports + 1;
  plans_[import->plan] = build_rate_plan(sequence, imports, *import);
}

const RatePlanState* RatePlans::find(std::string_view plan) const {
  auto it = plans_.find(plan);
  return it == plans_.end() ? nullptr : it->second.get();
}

std::shared_ptr<const RatePlanState> RatePlans::find_shared(std::string_view plan) const {
  auto it = plans_.find(plan);
  return it == plans_.end() ? nullptr : it->second;
}

void RatePlans::serialize(std::string& out) const {
  ByteWriter w;
  w.u64(plans_.size());
  for (const auto& [id, plan] : plans_) {
    w.str(id);
    w.str(plan->source_name);
    w.u64(plan->imported_sequence);
    w.u64(plan->imports);
    w.u64(plan->table.size());
    for (const Rate& rate : plan->table.rates()) write_rate(w, rate);
  }
  out.append(w.bytes());
}

bool RatePlans::deserialize(std::string_view bytes, std::string* why) {
  ByteReader r(bytes);
  *this = RatePlans{};
  const std::uint64_t count = r.u64();
  for (std::uint64_t i = 0; i < count && !r.failed(); ++i) {
    RatePlanImported import;
    import.plan = r.str();
    import.source_name = r.str();
    const std::uint64_t sequence = r.u64();
    const std::uint64_t imports = r.u64();
    const std::uint64_t rows = r.u64();
    if (rows > limits::rate_plan_rows_max) break;
    for (std::uint64_t k = 0; k < rows && !r.failed(); ++k) {
      auto rate = read_rate(r);
      if (!rate) {
        *why = "rate plans snapshot: a rate block does not fit 32 bits";
        return false;
      }
      import.rates.push_back(std::move(*rate));
    }
    if (r.failed()) break;
    if (const char* problem = rate_plan_problem(import)) {
      *why = std::string("rate plans snapshot: ") + problem;
      return false;
    }
    if (!plans_.empty() && !(plans_.rbegin()->first < import.plan)) {
      *why = "rate plans snapshot: plans not strictly increasing";
      return false;
    }
    plans_.emplace(import.plan, build_rate_plan(sequence, imports, import));
  }
  if (r.failed() || !r.at_end()) {
    *why = "rate plans snapshot: truncated or trailing bytes";
    return false;
  }
  return true;
}

}  // namespace huawu
