#include "kamailio/cdr_file.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace huawu::kamailio {

namespace {

constexpr std::size_t field_count = 16;
enum Field : std::size_t {
  f_format = 3,
  f_account = 4,
  f_destination = 5,
  f_caller = 6,
  f_answer_tv = 8,
  f_end_tv = 9,
  f_acc_end = 11,
  f_sip_code = 12,
  f_end_reason = 13,
  f_call_id_hex = 14,
  f_call_id = 15,
};
// Seconds since 1970 that a CDR can carry: up to the year 2286 (10 digits);
// keeps every product below in range of int64.
constexpr std::int64_t seconds_max = 9'999'999'999;

// flatstore writes a '|' inside a string as "%7C" and escapes nothing else.
std::string decode_field(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 3) == "%7C") {
      out.push_back('|');
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> decode_hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int high = hex_value(text[i]);
    const int low = hex_value(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
  }
  return out;
}

// What flatstore writes for a string: the inverse of decode_field.
std::string encode_field(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '|') {
      out += "%7C";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<int> parse_sip_code(std::string_view text) {
  if (text.size() != 3) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < 100 || value > 699) return std::nullopt;
  return value;
}

std::size_t split_fields(std::string_view line, std::array<std::string_view, field_count>& fields) {
  std::size_t count = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = line.find('|', start);
    if (count == field_count) return count + 1;  // too many
    fields[count++] = line.substr(start, end == std::string_view::npos ? end : end - start);
    if (end == std::string_view::npos) return count;
    start = end + 1;
  }
}

void note(std::size_t* skipped, std::vector<std::string>* problems, const std::string& where,
          std::size_t line_number, const std::string& why) {
  ++*skipped;
  if (problems->size() < cdr_problems_max)
    problems->push_back(where + ":" + std::to_string(line_number) + ": " + why);
}

// Reads one file line by line, never holding more than one bounded line.
bool read_file(const std::string& path, std::vector<Cdr>& cdrs, std::size_t* skipped,
               std::vector<std::string>* problems, std::string* why) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    *why = "cannot open " + path + ": " + std::generic_category().message(errno);
    return false;
  }
  std::string line;
  bool too_long = false;
  std::size_t line_number = 0;
  std::array<char, 64 * 1024> chunk{};
  std::size_t got = 0;
  auto finish_line = [&] {
    ++line_number;
    if (too_long) {
      note(skipped, problems, path, line_number,
           "longer than " + std::to_string(cdr_line_bytes_max) + " bytes");
    } else if (!line.empty()) {
      std::string line_why;
      if (auto cdr = parse_cdr_line(line, &line_why)) {
        cdrs.push_back(std::move(*cdr));
      } else {
        note(skipped, problems, path, line_number, line_why);
      }
    }
    line.clear();
    too_long = false;
  };
  while ((got = std::fread(chunk.data(), 1, chunk.size(), file)) > 0) {
    std::string_view rest(chunk.data(), got);
    while (!rest.empty()) {
      const std::size_t end = rest.find('\n');
      const std::string_view piece = rest.substr(0, end);
      if (!too_long) {
        if (line.size() + piece.size() > cdr_line_bytes_max) {
          too_long = true;
          line.clear();
        } else {
          line.append(piece);
        }
      }
      if (end == std::string_view::npos) break;
      finish_line();
      rest.remove_prefix(end + 1);
    }
  }
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) {
    *why = "cannot read " + path;
    return false;
  }
  if (too_long || !line.empty()) {
    ++line_number;
    note(skipped, problems, path, line_number, "incomplete last line (no newline)");
  }
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_time_us(std::string_view text) {
  const std::size_t dot = text.find('.');
  const std::string_view seconds = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (seconds.empty() || seconds.size() > 10) return std::nullopt;
  if (dot != std::string_view::npos && (fraction.empty() || fraction.size() > 6))
    return std::nullopt;
  std::int64_t whole = 0;
  for (char c : seconds) {
    if (c < '0' || c > '9') return std::nullopt;
    whole = whole * 10 + (c - '0');
  }
  std::int64_t micros = 0;
  for (std::size_t i = 0; i < 6; ++i) {
    const char c = i < fraction.size() ? fraction[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    micros = micros * 10 + (c - '0');
  }
  if (whole > seconds_max) return std::nullopt;
  return whole * 1'000'000 + micros;
}

std::optional<Cdr> parse_cdr_line(std::string_view line, std::string* why) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::array<std::string_view, field_count> f{};
  const std::size_t count = split_fields(line, f);
  if (count != field_count) {
    *why = count > field_count ? "more than 16 fields"
                               : "only " + std::to_string(count) + " fields (16 expected)";
    return std::nullopt;
  }
  if (f[f_format] != cdr_format) {
    *why = "format is not " + std::string(cdr_format);
    return std::nullopt;
  }
  Cdr cdr;
  auto sip_call_id = decode_hex(f[f_call_id_hex]);
  if (!sip_call_id || sip_call_id->empty()) {
    *why = "call_id_hex is empty or not hex";
    return std::nullopt;
  }
  if (encode_field(*sip_call_id) != f[f_call_id]) {
    *why = "call_id and call_id_hex disagree";
    return std::nullopt;
  }
  cdr.sip_call_id = std::move(*sip_call_id);
  cdr.account = decode_field(f[f_account]);
  cdr.destination = decode_field(f[f_destination]);
  cdr.caller = decode_field(f[f_caller]);
  if (cdr.caller.empty()) cdr.caller = cdr.account;
  cdr.end_reason = decode_field(f[f_end_reason]);
  if (!f[f_sip_code].empty()) {
    auto code = parse_sip_code(f[f_sip_code]);
    if (!code) {
      *why = "sip_code is not a SIP code: " + std::string(f[f_sip_code]);
      return std::nullopt;
    }
    cdr.sip_code = *code;
  }
  // The end: our end_tv (what call_end carried); acc's own end if it is missing.
  const std::string_view end_text = !f[f_end_tv].empty() ? f[f_end_tv] : f[f_acc_end];
  if (!end_text.empty()) {
    auto end = parse_time_us(end_text);
    if (!end) {
      *why = "bad end time: " + std::string(end_text);
      return std::nullopt;
    }
    cdr.end_time_us = *end;
  }
  if (!f[f_answer_tv].empty()) {
    auto answer = parse_time_us(f[f_answer_tv]);
    if (!answer) {
      *why = "bad answer_tv: " + std::string(f[f_answer_tv]);
      return std::nullopt;
    }
    if (end_text.empty() || cdr.end_time_us < *answer) {
      *why = "an answered call without an end at or after its answer";
      return std::nullopt;
    }
    cdr.answered = true;
    cdr.answer_time_us = *answer;
    cdr.duration_ms = (cdr.end_time_us - cdr.answer_time_us) / 1000;
  }
  if (cdr.account.empty()) {
    *why = "no account";
    return std::nullopt;
  }
  return cdr;
}

namespace {

std::optional<std::vector<Cdr>> read_cdrs_or_throw(const std::string& path, std::size_t* skipped,
                                                   std::vector<std::string>* problems,
                                                   std::string* why) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec) {
    *why = "cannot read " + path + ": " + ec.message();
    return std::nullopt;
  }
  std::vector<std::string> files;
  if (fs::is_directory(status)) {
    fs::directory_iterator it(path, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
      const std::string name = it->path().filename().string();
      std::error_code type_ec;
      if (name.starts_with(cdr_file_prefix) && it->is_regular_file(type_ec))
        files.push_back(it->path().string());
    }
    if (ec) {
      *why = "cannot list " + path + ": " + ec.message();
      return std::nullopt;
    }
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  std::vector<Cdr> cdrs;
  for (const std::string& file : files)
    if (!read_file(file, cdrs, skipped, problems, why)) return std::nullopt;
  return cdrs;
}

}  // namespace

std::optional<std::vector<Cdr>> read_cdrs(const std::string& path, std::size_t* skipped,
                                          std::vector<std::string>* problems, std::string* why) {
  try {
    return read_cdrs_or_throw(path, skipped, problems, why);
  } catch (const std::exception& e) {
    // Only allocation can throw here (std::bad_alloc: more CDRs than memory,
    // or filesystem's path objects); the contract is that nothing escapes,
    // not even from building the message.
    try {
      *why = std::string("cannot read ") + path + ": " + e.what();
    } catch (...) {  // swallowed on purpose: out of memory, *why stays as it was
    }
    return std::nullopt;
  }
}

}  // namespace huawu::kamailio
