#include "cli/card_csv.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cli/format.h"
#include "events/card_number.h"
#include "events/money.h"

namespace huawu::cli {

CardCsv::~CardCsv() {
  if (fd_ >= 0) ::close(fd_);
}

bool CardCsv::reserve(const std::string& path, std::string* why) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    *why = path + ": " + std::strerror(errno) + " (the card file is never written over)";
    return false;
  }
  return true;
}

void CardCsv::discard() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(path_.c_str());
}

bool CardCsv::write(const CardKey& key, const CardBatchIssued& batch, std::string* why) {
  // The same columns on every line; only number and PIN change.
  const std::string tail = "," + batch.batch + "," + card_kind_name(batch.kind) + "," + format_yuan(batch.face_units) +
                           "," + (batch.expires_at_us == 0 ? std::string() : china_day(batch.expires_at_us)) + "\n";
  std::string buffer = "number,pin,batch,kind,face_yuan,expires\n";
  constexpr std::size_t flush_bytes = 1 << 20;
  buffer.reserve(flush_bytes + 256);
  auto flush = [&]() {
    std::size_t at = 0;
    while (at < buffer.size()) {
      const ssize_t n = ::write(fd_, buffer.data() + at, buffer.size() - at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      at += static_cast<std::size_t>(n);
    }
    buffer.clear();
    return true;
  };
  char line[card_number_digits + 1 + card_pin_digits];
  line[card_number_digits] = ',';
  for (std::uint64_t k = 0; k < batch.count; ++k) {
    const std::uint64_t serial = batch.first_serial + k;
    card_number_into(batch.kind, serial, line);
    derive_card_pin(key, serial, line + card_number_digits + 1);
    buffer.append(line, sizeof line);
    buffer += tail;
    if (buffer.size() >= flush_bytes && !flush()) break;
  }
  const bool ok = buffer.empty() || flush();
  const bool synced = ok && ::fsync(fd_) == 0;
  ::close(fd_);
  fd_ = -1;
  if (!synced) {
    *why = path_ + ": " + std::strerror(errno);
    ::unlink(path_.c_str());  // never half a batch's cards
  }
  return synced;
}

}  // namespace huawu::cli
