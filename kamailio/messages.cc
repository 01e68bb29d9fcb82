#include "kamailio/messages.h"

#include <nlohmann/json.hpp>

#include "events/limits.h"
#include "kamailio/cdr_file.h"

namespace huawu::kamailio {

namespace {

using nlohmann::json;

// A required member of the right type, or a refusal naming it.
class Members {
 public:
  Members(const json& object, std::string* why) : object_(object), why_(why) {}
  bool ok() const { return ok_; }

  std::string text(const char* name) {
    const json* value = find(name);
    if (!value) return {};
    if (!value->is_string()) return refuse(name, "must be a string"), std::string();
    return value->get<std::string>();
  }
  std::int64_t integer(const char* name, std::int64_t min, std::int64_t max) {
    const json* value = find(name);
    if (!value) return 0;
    // Kamailio's jansson_set("integer", ...) writes a JSON integer; text digits
    // (what $var holds when a PV was empty) are not accepted.
    if (!value->is_number_integer()) return refuse(name, "must be an integer"), 0;
    const std::int64_t number =
        value->is_number_unsigned() && value->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)
            ? max + (max < INT64_MAX ? 1 : 0)
            : value->get<std::int64_t>();
    if (number < min || number > max) return refuse(name, "out of range"), 0;
    return number;
  }
  std::int64_t time(const char* name) {
    const std::string tv = text(name);
    if (!ok_) return 0;
    const auto us = parse_time_us(tv);
    if (!us) return refuse(name, "must be SECONDS.MICROSECONDS"), 0;
    return *us;
  }

 private:
  const json* find(const char* name) {
    if (!ok_) return nullptr;
    auto it = object_.find(name);
    if (it == object_.end()) {
      refuse(name, "missing");
      return nullptr;
    }
    return &*it;
  }
  void refuse(const char* name, const char* problem) {
    if (!ok_) return;
    ok_ = false;
    if (why_) *why_ = std::string(name) + ": " + problem;
  }

  const json& object_;
  std::string* why_;
  bool ok_ = true;
};

constexpr std::int64_t uint32_max = 0xffffffff;

// What call_start and call_end both say of the dialog.
template <class Message>
void read_dialog(Members& m, Message& r) {
  r.sip_call_id = m.text("call_id");
  r.h_entry = static_cast<std::uint32_t>(m.integer("h_entry", 0, uint32_max));
  r.h_id = static_cast<std::uint32_t>(m.integer("h_id", 0, uint32_max));
  r.account = m.text("account");
  r.answer_time_us = m.time("answer_tv");
}

std::optional<Inbound> parse_object(const json& message, std::string* why) {
  const auto event = message.find("event");
  if (event == message.end() || !event->is_string()) {
    *why = "event: missing or not a string";
    return std::nullopt;
  }
  const std::string name = event->get<std::string>();
  Members m(message, why);
  if (name == "auth_request") {
    AuthRequest r;
    r.tr_index = m.integer("tr_index", 0, uint32_max);
    r.tr_label = m.integer("tr_label", 0, uint32_max);
    if (!m.ok()) return std::nullopt;  // nothing to answer: the transaction has no name
    r.sip_call_id = m.text("call_id");
    r.from_tag = m.text("from_tag");
    r.account = m.text("account");
    r.destination = m.text("destination");
    r.caller = m.text("caller");
    r.setup_time_us = m.time("setup_tv");
    if (!m.ok()) return BadAuthRequest{r.tr_index, r.tr_label, r.sip_call_id, *why};
    return r;
  }
  if (name == "call_start") {
    CallStart r;
    read_dialog(m, r);
    if (!m.ok()) return std::nullopt;
    return r;
  }
  if (name == "call_end") {
    CallEnd r;
    read_dialog(m, r);
    r.end_time_us = m.time("end_tv");
    r.reason = m.text("reason");
    if (!m.ok()) return std::nullopt;
    if (r.end_time_us < r.answer_time_us) {
      *why = "end_tv before answer_tv";
      return std::nullopt;
    }
    return r;
  }
  if (name == "call_failed") {
    CallFailed r;
    r.sip_call_id = m.text("call_id");
    r.account = m.text("account");
    r.sip_code = static_cast<int>(m.integer("code", 0, 999));
    if (!m.ok()) return std::nullopt;
    return r;
  }
  *why = "unknown event '" + name.substr(0, 64) + "'";
  return std::nullopt;
}

}  // namespace

std::optional<Inbound> parse_inbound(std::string_view text, std::string* why) {
  std::string ignored;
  if (!why) why = &ignored;
  // The boundary for Kamailio's bytes: a parse error is a refusal, never a throw.
  const json message = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) {
    *why = "not JSON";
    return std::nullopt;
  }
  if (!message.is_object()) {
    *why = "not a JSON object";
    return std::nullopt;
  }
  try {
    return parse_object(message, why);
  } catch (const json::exception& e) {
    *why = std::string("unreadable member: ") + e.what();
    return std::nullopt;
  }
}

namespace {

// Call-IDs may hold bytes that are not UTF-8; they go back as Kamailio sent
// them would be ideal, but JSON text must be UTF-8: odd bytes become U+FFFD.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string to_json(const AuthReply& reply) {
  json j = {{"event", "auth_reply"},
            {"tr_index", reply.tr_index},
            {"tr_label", reply.tr_label},
            {"call_id", reply.sip_call_id},
            {"result", reply.grant ? "grant" : "deny"},
            {"max_seconds", reply.grant ? reply.max_seconds : 0},
            {"reason", reply.reason}};
  if (!reply.grant) {
    j["sip_code"] = reply.sip_code;
    j["sip_reason"] = reply.sip_reason;
  }
  return dump(j);
}

std::string to_json(const Disconnect& disconnect) {
  return dump(json{{"event", "disconnect"},
                   {"call_id", disconnect.sip_call_id},
                   {"h_entry", disconnect.h_entry},
                   {"h_id", disconnect.h_id},
                   {"reason", disconnect.reason}});
}

std::optional<std::string> dialled_digits(std::string_view destination) {
  if (destination.starts_with('+')) destination.remove_prefix(1);
  if (destination.empty() || destination.size() > limits::phone_number_length_max) return std::nullopt;
  for (char c : destination)
    if (c < '0' || c > '9') return std::nullopt;
  return std::string(destination);
}

}  // namespace huawu::kamailio
