#pragma once
// The one file a batch's PINs are written to (issue 5): `cards issue --out`.
// It is reserved before the batch is asked for (created new, mode 0600, never
// over an existing file), filled from the batch event and the data
// directory's PIN key once the ledger accepted it, and removed if it did not.
#include <cstdint>
#include <string>

#include "events/event.h"
#include "ledger/card_pin.h"

namespace huawu::cli {

class CardCsv {
 public:
  CardCsv() = default;
  CardCsv(const CardCsv&) = delete;
  CardCsv& operator=(const CardCsv&) = delete;
  ~CardCsv();

  // Creates `path` (O_EXCL, 0600); false with *why when it exists or cannot be made.
  bool reserve(const std::string& path, std::string* why);
  // Writes one line per card: number,pin,batch,kind,face_yuan,expires. False with *why on a write error.
  bool write(const CardKey& key, const CardBatchIssued& batch, std::string* why);
  // Removes the reserved file (the batch was refused).
  void discard();
  const std::string& path() const { return path_; }
  bool reserved() const { return fd_ >= 0; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace huawu::cli
