#include "projections/ledger_info.h"

#include "events/invariant.h"
#include "events/bytes.h"

namespace huawu {

const char* LedgerInfo::problem(std::uint64_t sequence, const Event& event) const {
  const bool creating = std::holds_alternative<LedgerCreated>(event.payload);
  if (creating && (created_ || sequence != 1)) return "LedgerCreated is only the first event";
  if (!creating && !created_) return "an event before LedgerCreated";
  return nullptr;
}

void LedgerInfo::apply(std::uint64_t sequence, const Event& event) {
  const char* why = problem(sequence, event);
  HUAWU_ASSERT(why == nullptr, why);
  if (const auto* created = std::get_if<LedgerCreated>(&event.payload)) created_ = *created;
}

void LedgerInfo::serialize(std::string& out) const {
  ByteWriter w;
  w.u8(created_ ? 1 : 0);
  if (created_) {
    w.str(created_->provider_id);
    w.str(created_->provider_name);
    w.str(created_->currency);
    w.i64(created_->utc_offset_minutes);
  }
  out.append(w.bytes());
}

bool LedgerInfo::deserialize(std::string_view bytes, std::string* why) {
  ByteReader r(bytes);
  created_.reset();
  if (r.u8() == 1) {
    LedgerCreated c;
    c.provider_id = r.str();
    c.provider_name = r.str();
    c.currency = r.str();
    c.utc_offset_minutes = static_cast<std::int32_t>(r.i64());
    created_ = std::move(c);
  }
  if (r.failed() || !r.at_end()) {
    *why = "ledger info snapshot: truncated or trailing bytes";
    return false;
  }
  return true;
}

}  // namespace huawu
