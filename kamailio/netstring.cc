#include "kamailio/netstring.h"

namespace huawu::kamailio {

std::string netstring(std::string_view payload) {
  std::string out = std::to_string(payload.size());
  out.reserve(out.size() + payload.size() + 2);
  out += ':';
  out.append(payload.data(), payload.size());
  out += ',';
  return out;
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Digits a length of at most message_bytes_max can have.
constexpr std::size_t length_digits_max = 5;
static_assert(message_bytes_max < 100'000);

}  // namespace

std::optional<std::string> NetstringReader::next() {
  if (failed()) return std::nullopt;
  while (consumed_ < buffer_.size() && is_space(buffer_[consumed_])) ++consumed_;
  // Keep the buffer from growing with what was already handed out.
  if (consumed_ > 0 && consumed_ * 2 >= buffer_.size()) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  std::size_t at = consumed_;
  std::size_t length = 0;
  std::size_t digits = 0;
  while (at < buffer_.size() && buffer_[at] >= '0' && buffer_[at] <= '9') {
    length = length * 10 + static_cast<std::size_t>(buffer_[at] - '0');
    ++digits;
    ++at;
    if (digits > length_digits_max || length > message_bytes_max) {
      error_ = "netstring length over " + std::to_string(message_bytes_max) + " bytes";
      return std::nullopt;
    }
  }
  if (at == buffer_.size()) return std::nullopt;  // the length is still arriving
  if (digits == 0 || buffer_[at] != ':') {
    error_ = "netstring does not start with a decimal length and ':'";
    return std::nullopt;
  }
  if (digits > 1 && buffer_[consumed_] == '0') {
    error_ = "netstring length with a leading zero";
    return std::nullopt;
  }
  const std::size_t payload_at = at + 1;
  if (buffer_.size() < payload_at + length + 1) return std::nullopt;
  if (buffer_[payload_at + length] != ',') {
    error_ = "netstring payload not followed by ','";
    return std::nullopt;
  }
  std::string payload = buffer_.substr(payload_at, length);
  consumed_ = payload_at + length + 1;
  return payload;
}

}  // namespace huawu::kamailio
