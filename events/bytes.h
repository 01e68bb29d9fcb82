#pragma once
// Little helpers for the snapshot byte format: fixed-width big-endian integers
// and length-prefixed strings, with bounds-checked reading.
#include <cstdint>
#include <string>
#include <string_view>

namespace huawu {

class ByteWriter {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u64(std::uint64_t v) {
    for (int i = 56; i >= 0; i -= 8) out_.push_back(static_cast<char>(v >> i));
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void str(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads what ByteWriter wrote. Any read past the end sets failed() and returns
// zero values, so callers check once at the end.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  std::uint8_t u8() {
    if (!need(1)) return 0;
    return static_cast<std::uint8_t>(in_[at_++]);
  }
  std::uint64_t u64() {
    if (!need(8)) return 0;
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(in_[at_++]);
    return v;
  }
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  std::string str() {
    const std::uint64_t n = u64();
    if (!need(n)) return {};
    std::string s(in_.substr(at_, n));
    at_ += n;
    return s;
  }
  bool failed() const { return failed_; }
  bool at_end() const { return at_ == in_.size(); }

 private:
  bool need(std::uint64_t n) {
    if (failed_ || n > in_.size() - at_) {
      failed_ = true;
      return false;
    }
    return true;
  }
  std::string_view in_;
  std::size_t at_ = 0;
  bool failed_ = false;
};

}  // namespace huawu
