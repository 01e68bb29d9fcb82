#pragma once
// The ledger's own identity, from its LedgerCreated event (sequence 1).
#include <optional>
#include <string>
#include <string_view>

#include "events/event.h"

namespace huawu {

class LedgerInfo {
 public:
  // Why the event cannot be applied at `sequence`, or nullptr.
  const char* problem(std::uint64_t sequence, const Event& event) const;
  void apply(std::uint64_t sequence, const Event& event);
  bool created() const { return created_.has_value(); }
  const LedgerCreated& ledger() const { return *created_; }

  void serialize(std::string& out) const;
  bool deserialize(std::string_view bytes, std::string* why);

 private:
  std::optional<LedgerCreated> created_;
};

}  // namespace huawu
