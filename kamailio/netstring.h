#pragma once
// Netstrings, the framing of Kamailio's evapi (`netstring_format=1`):
// "LENGTH:PAYLOAD," with LENGTH the payload's byte count in decimal.
// docs/kamailio.md §1.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace huawu::kamailio {

// The longest payload either side sends; a longer announced length is a
// framing error (a JSON message of the shipped configuration is under 1 KiB).
inline constexpr std::size_t message_bytes_max = 16 * 1024;

// "LENGTH:PAYLOAD,"
std::string netstring(std::string_view payload);

// Splits a byte stream into payloads as it arrives. Whitespace between
// netstrings is skipped (Kamailio may send it). After a framing error the
// stream cannot be trusted to find a boundary again: the reader stays failed
// and the connection must be dropped.
class NetstringReader {
 public:
  void feed(std::string_view bytes) { buffer_.append(bytes.data(), bytes.size()); }
  // The next whole payload, or nullopt when more bytes are needed or the
  // stream failed (then failed() is true and error() says why).
  std::optional<std::string> next();
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t buffered_bytes() const { return buffer_.size() - consumed_; }

 private:
  std::string buffer_;
  std::size_t consumed_ = 0;
  std::string error_;
};

}  // namespace huawu::kamailio
