#include "ledger/config.h"

#include <toml++/toml.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "events/rejection.h"
#include "projections/calendar.h"

namespace huawu {

namespace {

constexpr std::array<std::string_view, 7> log_levels = {"trace", "debug",    "info", "warn",
                                                        "error", "critical", "off"};

// The first refusal, as "KEY: PROBLEM (line N)".
class Refusal {
 public:
  bool refused() const { return !message_.empty(); }
  const std::string& message() const { return message_; }

  void refuse(std::string_view key, const toml::node& node, std::string_view problem) {
    if (refused()) return;
    message_ = std::string(key) + ": " + std::string(problem);
    const auto line = node.source().begin.line;
    if (line > 0) message_ += " (line " + std::to_string(line) + ")";
  }

 private:
  std::string message_;
};

std::string type_name(const toml::node& node) {
  std::ostringstream out;
  out << node.type();
  return out.str();
}

void read_string(const toml::node& node, std::string_view key, bool may_be_empty, std::string& into,
                 Refusal& refusal) {
  const toml::value<std::string>* value = node.as_string();
  if (value == nullptr) {
    refusal.refuse(key, node, "must be a string, not " + type_name(node));
    return;
  }
  const std::string& text = value->get();
  if (!may_be_empty && text.empty()) {
    refusal.refuse(key, node, "must not be empty");
    return;
  }
  // The value reaches C interfaces (paths, zmq endpoints) that stop at a NUL.
  if (text.find('\0') != std::string::npos) {
    refusal.refuse(key, node, "must not contain a NUL character");
    return;
  }
  into = text;
}

// Integers must be TOML integers: 1.5 or 2.0 is refused, never rounded.
std::optional<std::int64_t> read_integer(const toml::node& node, std::string_view key,
                                         std::int64_t min, std::int64_t max, Refusal& refusal,
                                         std::string_view note = {}) {
  const toml::value<std::int64_t>* value = node.as_integer();
  if (value == nullptr) {
    refusal.refuse(key, node, "must be an integer, not " + type_name(node));
    return std::nullopt;
  }
  const std::int64_t number = value->get();
  if (number < min || number > max) {
    refusal.refuse(key, node,
                   "must be in " + std::to_string(min) + ".." + std::to_string(max) + ", not " +
                       std::to_string(number) + std::string(note));
    return std::nullopt;
  }
  return number;
}

void read_endpoint(const toml::node& node, std::string_view key, std::string& into,
                   Refusal& refusal) {
  std::string text;
  read_string(node, key, false, text, refusal);
  if (refusal.refused()) return;
  std::string_view view = text;
  if (!view.starts_with("tcp://") && !view.starts_with("ipc://")) {
    refusal.refuse(key, node, "must start with tcp:// or ipc://, not '" + text + "'");
    return;
  }
  if (view.size() == 6) {
    refusal.refuse(key, node, "needs an address after " + text);
    return;
  }
  into = std::move(text);
}

void read_log_level(const toml::node& node, std::string_view key, std::string& into,
                    Refusal& refusal) {
  std::string text;
  read_string(node, key, false, text, refusal);
  if (refusal.refused()) return;
  for (std::string_view level : log_levels) {
    if (text == level) {
      into = std::move(text);
      return;
    }
  }
  refusal.refuse(
      key, node,
      "must be one of trace, debug, info, warn, error, critical, off, not '" + text + "'");
}

void refuse_unknown(std::string_view key, const toml::node& node, Refusal& refusal) {
  refusal.refuse(key, node, node.is_table() ? "unknown table" : "unknown key");
}

std::string dotted(std::string_view table, const toml::key& key) {
  return std::string(table) + "." + std::string(key.str());
}

// Calls read(key, node) for each entry of table `name`, refusing a non-table.
template <typename Read>
void read_table(const toml::node& node, std::string_view name, Refusal& refusal, Read read) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    refusal.refuse(name, node, "must be a table, not " + type_name(node));
    return;
  }
  for (const auto& [key, value] : *table) {
    read(key, value);
    if (refusal.refused()) return;
  }
}

// "HOST:PORT" with a dotted IPv4 host and a port 1..65535 (the connector
// connects with a plain inet socket, no name lookup).
bool valid_ipv4_address(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  int port_number = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    port_number = port_number * 10 + (c - '0');
  }
  if (port_number < 1 || port_number > 65535) return false;
  int parts = 0, digits = 0, value = 0;
  for (char c : host) {
    if (c == '.') {
      if (digits == 0) return false;
      ++parts, digits = 0, value = 0;
    } else if (c >= '0' && c <= '9' && digits < 3) {
      value = value * 10 + (c - '0');
      if (value > 255) return false;
      ++digits;
    } else {
      return false;
    }
  }
  return digits > 0 && parts == 3;
}

// A name of Rejection: the keys of [kamailio.sip_codes].
bool is_rejection_name(std::string_view name) {
  for (std::uint8_t i = 1; i < rejection_count; ++i)
    if (rejection_name(static_cast<Rejection>(i)) == name) return true;
  return false;
}

void read_kamailio(const toml::node& node, KamailioConfig& into, Refusal& refusal) {
  const std::string_view name = "kamailio";
  read_table(node, name, refusal, [&](const toml::key& k, const toml::node& v) {
    const std::string full = dotted(name, k);
    std::optional<std::int64_t> n;
    if (k.str() == "enabled") {
      if (const auto* flag = v.as_boolean()) into.enabled = flag->get();
      else refusal.refuse(full, v, "must be true or false, not " + type_name(v));
    } else if (k.str() == "evapi_address") {
      std::string text;
      read_string(v, full, false, text, refusal);
      if (!refusal.refused() && !valid_ipv4_address(text))
        refusal.refuse(full, v, "must be IPV4:PORT such as 127.0.0.1:8448, not '" + text + "'");
      if (!refusal.refused()) into.evapi_address = text;
    } else if (k.str() == "switch_id") {
      std::string text;
      read_string(v, full, false, text, refusal);
      bool printable = text.size() <= limits::switch_id_length_max;
      for (char c : text) printable = printable && c >= 0x21 && c <= 0x7e;
      if (!refusal.refused() && !printable)
        refusal.refuse(full, v, "must be 1-64 printable characters without spaces");
      if (!refusal.refused()) into.switch_id = text;
    } else if (k.str() == "requested_seconds") {
      n = read_integer(v, full, 1, config_limits::max_call_seconds_max, refusal);
      if (n) into.requested_seconds = *n;
    } else if (k.str() == "timer_margin_seconds") {
      n = read_integer(v, full, 0, 60, refusal);
      if (n) into.timer_margin_seconds = *n;
    } else if (k.str() == "reconnect_min_ms") {
      n = read_integer(v, full, config_limits::kamailio_reconnect_ms_min, config_limits::kamailio_reconnect_ms_max,
                       refusal);
      if (n) into.reconnect_min_ms = *n;
    } else if (k.str() == "reconnect_max_ms") {
      n = read_integer(v, full, config_limits::kamailio_reconnect_ms_min, config_limits::kamailio_reconnect_ms_max,
                       refusal);
      if (n) into.reconnect_max_ms = *n;
    } else if (k.str() == "cdr_dir") {
      read_string(v, full, true, into.cdr_dir, refusal);
    } else if (k.str() == "rpc_socket") {
      read_string(v, full, true, into.rpc_socket, refusal);
    } else if (k.str() == "sip_codes") {
      read_table(v, full, refusal, [&](const toml::key& reason, const toml::node& code) {
        const std::string key = full + "." + std::string(reason.str());
        if (!is_rejection_name(reason.str())) {
          refusal.refuse(key, code, "is not a reason huawu gives");
          return;
        }
        const auto c = read_integer(code, key, 400, 699, refusal, " (a SIP final error code)");
        if (c) into.sip_codes[std::string(reason.str())] = static_cast<int>(*c);
      });
    } else {
      refuse_unknown(full, v, refusal);
    }
  });
}

std::optional<DaemonConfig> from_document(const toml::table& document, std::string* why) {
  DaemonConfig config;
  Refusal refusal;
  // batch_requests_max bounds queue_requests_max, so the queue is checked last.
  const toml::node* queue_node = nullptr;

  for (const auto& [key, node] : document) {
    const std::string_view name = key.str();
    if (name == "data_dir") {
      read_string(node, name, false, config.data_dir, refusal);
    } else if (name == "switch") {
      read_table(node, name, refusal, [&](const toml::key& k, const toml::node& v) {
        const std::string full = dotted(name, k);
        if (k.str() == "endpoint") {
          read_endpoint(v, full, config.switch_endpoint, refusal);
        } else if (k.str() == "publish_endpoint") {
          read_endpoint(v, full, config.publish_endpoint, refusal);
        } else {
          refuse_unknown(full, v, refusal);
        }
      });
    } else if (name == "writer") {
      read_table(node, name, refusal, [&](const toml::key& k, const toml::node& v) {
        const std::string full = dotted(name, k);
        if (k.str() == "queue_requests_max") {
          queue_node = &v;
        } else if (k.str() == "batch_requests_max") {
          const auto n = read_integer(
              v, full, 1, static_cast<std::int64_t>(limits::writer_batch_requests_max), refusal);
          if (n) config.batch_requests_max = static_cast<std::size_t>(*n);
        } else if (k.str() == "checkpoint_interval_events") {
          const auto n = read_integer(v, full, config_limits::checkpoint_interval_events_min,
                                      config_limits::checkpoint_interval_events_max, refusal);
          if (n) config.checkpoint_interval_events = static_cast<std::uint64_t>(*n);
        } else {
          refuse_unknown(full, v, refusal);
        }
      });
    } else if (name == "calls") {
      read_table(node, name, refusal, [&](const toml::key& k, const toml::node& v) {
        const std::string full = dotted(name, k);
        std::optional<std::int64_t> n;
        if (k.str() == "max_call_seconds") {
          n = read_integer(v, full, 1, config_limits::max_call_seconds_max, refusal);
          if (n) config.max_call_seconds = *n;
        } else if (k.str() == "hold_grace_seconds") {
          n = read_integer(v, full, 1, config_limits::hold_grace_seconds_max, refusal);
          if (n) config.hold_grace_seconds = *n;
        } else if (k.str() == "expiry_interval_ms") {
          n = read_integer(v, full, config_limits::expiry_interval_ms_min,
                           config_limits::expiry_interval_ms_max, refusal);
          if (n) config.expiry_interval_ms = *n;
        } else {
          refuse_unknown(full, v, refusal);
        }
      });
    } else if (name == "cards") {
      read_table(node, name, refusal, [&](const toml::key& k, const toml::node& v) {
        const std::string full = dotted(name, k);
        std::optional<std::int64_t> n;
        if (k.str() == "pin_failures_max") {
          n = read_integer(v, full, 1, static_cast<std::int64_t>(limits::card_failures_kept), refusal);
          if (n) config.card_pin_failures_max = static_cast<std::size_t>(*n);
        } else if (k.str() == "pin_window_seconds") {
          n = read_integer(v, full, 1, config_limits::card_pin_window_seconds_max, refusal);
          if (n) config.card_pin_window_seconds = *n;
        } else {
          refuse_unknown(full, v, refusal);
        }
      });
    } else if (name == "contract") {
      read_table(node, name, refusal, [&](const toml::key& k, const toml::node& v) {
        const std::string full = dotted(name, k);
        std::optional<std::int64_t> n;
        if (k.str() == "calendar_file") {
          read_string(v, full, true, config.calendar_file, refusal);
        } else if (k.str() == "sla_schedule") {
          std::string text;
          read_string(v, full, false, text, refusal);
          if (!refusal.refused() && !BusinessSchedule::parse(text))
            refusal.refuse(full, v,
                           "must be business hours such as 09:00-18:00 or 09:00-12:00,13:00-18:00 (windows in "
                           "order), or 24x7, not '" + text + "'");
          if (!refusal.refused()) config.sla_schedule = text;
        } else if (k.str() == "due_soon_days") {
          n = read_integer(v, full, 0, config_limits::due_soon_days_max, refusal);
          if (n) config.due_soon_days = *n;
        } else if (k.str() == "sla_due_soon_minutes") {
          n = read_integer(v, full, 0, config_limits::sla_due_soon_minutes_max, refusal);
          if (n) config.sla_due_soon_minutes = *n;
        } else if (k.str() == "alert_interval_seconds") {
          n = read_integer(v, full, 1, config_limits::alert_interval_seconds_max, refusal);
          if (n) config.alert_interval_seconds = *n;
        } else {
          refuse_unknown(full, v, refusal);
        }
      });
    } else if (name == "log") {
      read_table(node, name, refusal, [&](const toml::key& k, const toml::node& v) {
        const std::string full = dotted(name, k);
        if (k.str() == "level") {
          read_log_level(v, full, config.log_level, refusal);
        } else if (k.str() == "file") {
          read_string(v, full, true, config.log_file, refusal);
        } else {
          refuse_unknown(full, v, refusal);
        }
      });
    } else if (name == "kamailio") {
      read_kamailio(node, config.kamailio, refusal);
    } else {
      refuse_unknown(name, node, refusal);
    }
    if (refusal.refused()) break;
  }
  if (!refusal.refused() && config.kamailio.reconnect_min_ms > config.kamailio.reconnect_max_ms)
    refusal.refuse("kamailio.reconnect_min_ms", document, "must not be above kamailio.reconnect_max_ms");

  if (!refusal.refused() && queue_node != nullptr) {
    const auto n = read_integer(*queue_node, "writer.queue_requests_max",
                                static_cast<std::int64_t>(config.batch_requests_max),
                                static_cast<std::int64_t>(limits::writer_queue_requests_max),
                                refusal, ", and at least writer.batch_requests_max");
    if (n) config.queue_requests_max = static_cast<std::size_t>(*n);
  }
  // Without the key the queue keeps its default, limits::writer_queue_requests_max,
  // which is at least any batch size (static_assert in events/limits.h).

  if (refusal.refused()) {
    if (why != nullptr) *why = refusal.message();
    return std::nullopt;
  }
  return config;
}

// A TOML basic string: escapes the quote, the backslash and every control
// character TOML does not allow verbatim.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7F) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04X", static_cast<unsigned>(byte));
      out += escape;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace

std::optional<DaemonConfig> parse_config(std::string_view toml_text, std::string* why) {
  // An input boundary: nothing toml++ throws may escape.
  try {
    const toml::table document = toml::parse(toml_text);
    return from_document(document, why);
  } catch (const toml::parse_error& error) {
    if (why != nullptr) {
      const auto& begin = error.source().begin;
      *why = "invalid TOML: " + std::string(error.description()) + " (line " +
             std::to_string(begin.line) + ", column " + std::to_string(begin.column) + ")";
    }
  } catch (const std::exception& error) {
    if (why != nullptr) *why = std::string("invalid TOML: ") + error.what();
  }
  return std::nullopt;
}

std::optional<DaemonConfig> load_config(const std::string& path, std::string* why) {
  auto refuse = [&](const std::string& reason) -> std::optional<DaemonConfig> {
    if (why != nullptr) *why = path + ": " + reason;
    return std::nullopt;
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) return refuse("cannot open the configuration file");
  std::string text;
  char chunk[64 * 1024];
  while (in) {
    in.read(chunk, sizeof chunk);
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > config_limits::file_bytes_max)
      return refuse("larger than " + std::to_string(config_limits::file_bytes_max) + " bytes");
  }
  if (in.bad()) return refuse("cannot read the configuration file");
  std::string reason;
  auto config = parse_config(text, &reason);
  if (!config) return refuse(reason);
  return config;
}

std::string render_config(const DaemonConfig& config) {
  std::string out;
  out += "data_dir = " + quoted(config.data_dir) + "\n";
  out += "\n[switch]\n";
  out += "endpoint = " + quoted(config.switch_endpoint) + "\n";
  out += "publish_endpoint = " + quoted(config.publish_endpoint) + "\n";
  out += "\n[writer]\n";
  out += "queue_requests_max = " + std::to_string(config.queue_requests_max) + "\n";
  out += "batch_requests_max = " + std::to_string(config.batch_requests_max) + "\n";
  out += "checkpoint_interval_events = " + std::to_string(config.checkpoint_interval_events) + "\n";
  out += "\n[calls]\n";
  out += "max_call_seconds = " + std::to_string(config.max_call_seconds) + "\n";
  out += "hold_grace_seconds = " + std::to_string(config.hold_grace_seconds) + "\n";
  out += "expiry_interval_ms = " + std::to_string(config.expiry_interval_ms) + "\n";
  out += "\n[cards]\n";
  out += "pin_failures_max = " + std::to_string(config.card_pin_failures_max) + "\n";
  out += "pin_window_seconds = " + std::to_string(config.card_pin_window_seconds) + "\n";
  out += "\n[contract]\n";
  out += "calendar_file = " + quoted(config.calendar_file) + "\n";
  out += "sla_schedule = " + quoted(config.sla_schedule) + "\n";
  out += "due_soon_days = " + std::to_string(config.due_soon_days) + "\n";
  out += "sla_due_soon_minutes = " + std::to_string(config.sla_due_soon_minutes) + "\n";
  out += "alert_interval_seconds = " + std::to_string(config.alert_interval_seconds) + "\n";
  out += "\n[log]\n";
  out += "level = " + quoted(config.log_level) + "\n";
  out += "file = " + quoted(config.log_file) + "\n";
  const KamailioConfig& k = config.kamailio;
  out += "\n[kamailio]\n";
  out += std::string("enabled = ") + (k.enabled ? "true" : "false") + "\n";
  out += "evapi_address = " + quoted(k.evapi_address) + "\n";
  out += "switch_id = " + quoted(k.switch_id) + "\n";
  out += "requested_seconds = " + std::to_string(k.requested_seconds) + "\n";
  out += "timer_margin_seconds = " + std::to_string(k.timer_margin_seconds) + "\n";
  out += "reconnect_min_ms = " + std::to_string(k.reconnect_min_ms) + "\n";
  out += "reconnect_max_ms = " + std::to_string(k.reconnect_max_ms) + "\n";
  out += "cdr_dir = " + quoted(k.cdr_dir) + "\n";
  out += "rpc_socket = " + quoted(k.rpc_socket) + "\n";
  out += "\n[kamailio.sip_codes]\n";
  for (const auto& [reason, code] : k.sip_codes) out += reason + " = " + std::to_string(code) + "\n";
  return out;
}

}  // namespace huawu
