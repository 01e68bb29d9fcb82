// The daemon's configuration (ledger/config.h): defaults, every key, the
// example file, render/parse round trip, and each refusal naming its key.
#include "ledger/config.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "events/limits.h"

#ifndef HUAWU_EXAMPLE_CONFIG
#error "HUAWU_EXAMPLE_CONFIG must name ops/huawu.example.toml"
#endif

namespace huawu {
namespace {

// Parses text that must be refused; returns *why.
std::string refusal(const std::string& text) {
  std::string why;
  const auto config = parse_config(text, &why);
  CHECK_FALSE(config.has_value());
  CHECK_FALSE(why.empty());
  return why;
}

DaemonConfig accepted(const std::string& text) {
  std::string why;
  const auto config = parse_config(text, &why);
  INFO("why = " << why);
  REQUIRE(config.has_value());
  return *config;
}

// A file in a fresh temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "huawu-config-test-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string write(const std::string& name, const std::string& text) const {
    const std::string file = (path_ / name).string();
    std::ofstream out(file, std::ios::binary);
    out << text;
    REQUIRE(out.good());
    return file;
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

TEST_CASE("an empty document gives every default", "[config]") {
  const DaemonConfig config = accepted("");
  CHECK(config == DaemonConfig{});
  CHECK(config.data_dir == "./huawu-data");
  CHECK(config.switch_endpoint == "tcp://127.0.0.1:7750");
  CHECK(config.publish_endpoint == "tcp://127.0.0.1:7751");
  CHECK(config.queue_requests_max == limits::writer_queue_requests_max);
  CHECK(config.batch_requests_max == limits::writer_batch_requests_max);
  CHECK(config.checkpoint_interval_events == 1'000'000);
  CHECK(config.max_call_seconds == 7200);
  CHECK(config.hold_grace_seconds == 120);
  CHECK(config.expiry_interval_ms == 1000);
  CHECK(config.log_level == "info");
  CHECK(config.log_file.empty());
  // Comments, blank lines and empty tables change nothing.
  CHECK(accepted("# nothing\n\n[switch]\n[writer]\n[calls]\n[log]\n") == DaemonConfig{});
  // The caller may not want a reason.
  CHECK(parse_config("", nullptr).has_value());
}

TEST_CASE("every key is read", "[config]") {
  const DaemonConfig config = accepted(R"(
data_dir = "/var/lib/huawu"
[switch]
endpoint = "ipc:///run/huawu/switch.sock"
publish_endpoint = "tcp://0.0.0.0:9001"
[writer]
queue_requests_max = 1000
batch_requests_max = 100
checkpoint_interval_events = 5000
[calls]
max_call_seconds = 3600
hold_grace_seconds = 30
expiry_interval_ms = 250
[log]
level = "debug"
file = "/var/lib/huawu/huawu.log"
)");
  CHECK(config.data_dir == "/var/lib/huawu");
  CHECK(config.switch_endpoint == "ipc:///run/huawu/switch.sock");
  CHECK(config.publish_endpoint == "tcp://0.0.0.0:9001");
  CHECK(config.queue_requests_max == 1000);
  CHECK(config.batch_requests_max == 100);
  CHECK(config.checkpoint_interval_events == 5000);
  CHECK(config.max_call_seconds == 3600);
  CHECK(config.hold_grace_seconds == 30);
  CHECK(config.expiry_interval_ms == 250);
  CHECK(config.log_level == "debug");
  CHECK(config.log_file == "/var/lib/huawu/huawu.log");

  // One key changes only its field.
  DaemonConfig expected;
  expected.hold_grace_seconds = 5;
  CHECK(accepted("[calls]\nhold_grace_seconds = 5\n") == expected);

  // Dotted keys and inline tables are the same tables in other TOML spellings.
  expected = DaemonConfig{};
  expected.switch_endpoint = "tcp://10.0.0.1:1";
  expected.log_level = "off";
  CHECK(accepted("switch.endpoint = \"tcp://10.0.0.1:1\"\nlog = { level = \"off\" }\n") ==
        expected);

  // Every log level name.
  for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    INFO("level = " << level);
    CHECK(accepted(std::string("[log]\nlevel = \"") + level + "\"\n").log_level == level);
  }
}

TEST_CASE("the example file loads and equals the defaults", "[config]") {
  std::string why;
  const auto config = load_config(HUAWU_EXAMPLE_CONFIG, &why);
  INFO("why = " << why);
  REQUIRE(config.has_value());
  CHECK(*config == DaemonConfig{});

  // It writes out every key: render_config's keys all appear in it.
  std::ifstream in(HUAWU_EXAMPLE_CONFIG);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* key :
       {"data_dir =", "[switch]", "endpoint =", "publish_endpoint =", "[writer]",
        "queue_requests_max =", "batch_requests_max =", "checkpoint_interval_events =", "[calls]", "max_call_seconds =",
        "hold_grace_seconds =", "expiry_interval_ms =", "[cards]", "pin_failures_max =", "pin_window_seconds =", "[contract]", "calendar_file =",
        "[log]", "level =", "file =", "[kamailio]", "enabled =", "evapi_address =", "switch_id =",
        "requested_seconds =", "timer_margin_seconds =", "reconnect_min_ms =", "reconnect_max_ms =", "cdr_dir =", "rpc_socket =",
        "[kamailio.sip_codes]"}) {
    INFO("key = " << key);
    CHECK(text.find(key) != std::string::npos);
  }
}

TEST_CASE("render_config writes every value and parses back equal", "[config]") {
  CHECK(accepted(render_config(DaemonConfig{})) == DaemonConfig{});

  DaemonConfig odd;
  odd.data_dir = "/srv/\"quoted\" \\dir\\ with\ttab and 话务";
  odd.switch_endpoint = "ipc:///tmp/a b#c";
  odd.publish_endpoint = "tcp://[::1]:7751";
  odd.queue_requests_max = 1;
  odd.batch_requests_max = 1;
  odd.checkpoint_interval_events = 1'000;
  odd.max_call_seconds = 86'400;
  odd.hold_grace_seconds = 3'600;
  odd.expiry_interval_ms = 10;
  odd.card_pin_failures_max = 16;
  odd.card_pin_window_seconds = 1;
  odd.calendar_file = "/etc/huawu/cn-workdays-2027.toml";
  odd.log_level = "critical";
  odd.log_file = std::string("line\nbreak \x01\x1f\x7f") + "'single' # not a comment";
  odd.kamailio.enabled = true;
  odd.kamailio.evapi_address = "127.0.0.1:65535";
  odd.kamailio.switch_id = "kam~01";
  odd.kamailio.requested_seconds = 1;
  odd.kamailio.timer_margin_seconds = 0;
  odd.kamailio.reconnect_min_ms = 10;
  odd.kamailio.reconnect_max_ms = 60'000;
  odd.kamailio.cdr_dir = "/var/lib/kamailio/huawu cdr";
  odd.kamailio.rpc_socket = "/run/kamailio/huawu-rpc.sock";
  odd.kamailio.sip_codes = {{"insufficient_balance", 486}, {"no_rate_for_destination", 488}};
  const std::string text = render_config(odd);
  INFO(text);
  CHECK(accepted(text) == odd);
  CHECK(text.find("queue_requests_max = 1\n") != std::string::npos);
  CHECK(text.find("level = \"critical\"\n") != std::string::npos);
  // The rendered text of a config is its own fixed point.
  CHECK(render_config(accepted(text)) == text);
}

TEST_CASE("unknown tables and keys are refused by name", "[config]") {
  CHECK_THAT(refusal("[swtich]\nendpoint = \"tcp://a:1\"\n"),
             Catch::Matchers::StartsWith("swtich: unknown table"));
  CHECK_THAT(refusal("datadir = \"/x\"\n"), Catch::Matchers::StartsWith("datadir: unknown key"));
  CHECK_THAT(refusal("[switch]\nendpoints = \"tcp://a:1\"\n"),
             Catch::Matchers::StartsWith("switch.endpoints: unknown key"));
  CHECK_THAT(refusal("[writer]\nbatch_size = 5\n"),
             Catch::Matchers::StartsWith("writer.batch_size: unknown key"));
  CHECK_THAT(refusal("[calls]\nmax_call_second = 5\n"),
             Catch::Matchers::StartsWith("calls.max_call_second: unknown key"));
  CHECK_THAT(refusal("[cards]\npin_failure_max = 3\n"),
             Catch::Matchers::StartsWith("cards.pin_failure_max: unknown key"));
  CHECK_THAT(refusal("[log]\nlevels = \"info\"\n"),
             Catch::Matchers::StartsWith("log.levels: unknown key"));
  CHECK_THAT(refusal("[log.extra]\nx = 1\n"),
             Catch::Matchers::StartsWith("log.extra: unknown table"));
  // The line of the offending key is given.
  CHECK_THAT(refusal("data_dir = \"/x\"\n\n[log]\nlevel = \"info\"\nfiel = \"/y\"\n"),
             Catch::Matchers::Equals("log.fiel: unknown key (line 5)"));
}

TEST_CASE("values of the wrong type are refused by name", "[config]") {
  struct Row {
    const char* text;
    const char* key;
  };
  const Row rows[] = {
      {"data_dir = 5\n", "data_dir: must be a string"},
      {"data_dir = [\"/x\"]\n", "data_dir: must be a string"},
      {"switch = \"tcp://a:1\"\n", "switch: must be a table"},
      {"[[writer]]\nbatch_requests_max = 5\n", "writer: must be a table"},
      {"[switch]\nendpoint = 7750\n", "switch.endpoint: must be a string"},
      {"[switch]\npublish_endpoint = true\n", "switch.publish_endpoint: must be a string"},
      {"[writer]\nqueue_requests_max = \"100\"\n", "writer.queue_requests_max: must be an integer"},
      {"[writer]\nbatch_requests_max = true\n", "writer.batch_requests_max: must be an integer"},
      {"[calls]\nmax_call_seconds = \"60\"\n", "calls.max_call_seconds: must be an integer"},
      {"[calls]\nhold_grace_seconds = 1979-05-27\n",
       "calls.hold_grace_seconds: must be an integer"},
      {"[calls]\nexpiry_interval_ms = [100]\n", "calls.expiry_interval_ms: must be an integer"},
      {"[cards]\npin_failures_max = \"5\"\n", "cards.pin_failures_max: must be an integer"},
      {"[log]\nlevel = 2\n", "log.level: must be a string"},
      {"[log]\nfile = {}\n", "log.file: must be a string"},
  };
  for (const Row& row : rows) {
    INFO("text = " << row.text);
    CHECK_THAT(refusal(row.text), Catch::Matchers::StartsWith(row.key));
  }
}

TEST_CASE("a float is refused where an integer belongs", "[config]") {
  struct Row {
    const char* text;
    const char* key;
  };
  const Row rows[] = {
      {"[calls]\nmax_call_seconds = 1.5\n", "calls.max_call_seconds"},
      {"[calls]\nmax_call_seconds = 60.0\n", "calls.max_call_seconds"},  // whole, still a float
      {"[calls]\nhold_grace_seconds = 1e2\n", "calls.hold_grace_seconds"},
      {"[calls]\nexpiry_interval_ms = 100.0\n", "calls.expiry_interval_ms"},
      {"[writer]\nbatch_requests_max = 10.0\n", "writer.batch_requests_max"},
      {"[writer]\nqueue_requests_max = inf\n", "writer.queue_requests_max"},
  };
  for (const Row& row : rows) {
    INFO("text = " << row.text);
    const std::string why = refusal(row.text);
    CHECK_THAT(why, Catch::Matchers::StartsWith(std::string(row.key) +
                                                ": must be an integer, not floating-point"));
  }
}

TEST_CASE("each range bound: just outside refused, just inside accepted", "[config]") {
  struct Row {
    const char* table;
    const char* key;
    std::int64_t low;
    std::int64_t high;
  };
  const std::int64_t batch_max = static_cast<std::int64_t>(limits::writer_batch_requests_max);
  const std::int64_t queue_max = static_cast<std::int64_t>(limits::writer_queue_requests_max);
  const Row rows[] = {
      {"writer", "batch_requests_max", 1, batch_max},
      // The default batch is limits::writer_batch_requests_max, the queue's lower bound.
      {"writer", "queue_requests_max", batch_max, queue_max},
      {"calls", "max_call_seconds", 1, 86'400},
      {"calls", "hold_grace_seconds", 1, 3'600},
      {"calls", "expiry_interval_ms", 10, 60'000},
      {"cards", "pin_failures_max", 1, 16},
      {"cards", "pin_window_seconds", 1, 604'800},
  };
  for (const Row& row : rows) {
    const std::string full = std::string(row.table) + "." + row.key;
    auto text = [&](std::int64_t value) {
      return "[" + std::string(row.table) + "]\n" + row.key + " = " + std::to_string(value) + "\n";
    };
    const std::string range = std::to_string(row.low) + ".." + std::to_string(row.high);
    INFO("key = " << full);
    const std::string note =
        full == "writer.queue_requests_max" ? ", and at least writer.batch_requests_max" : "";
    CHECK(refusal(text(row.low - 1)) == full + ": must be in " + range + ", not " +
                                            std::to_string(row.low - 1) + note + " (line 2)");
    CHECK(refusal(text(row.high + 1)) == full + ": must be in " + range + ", not " +
                                             std::to_string(row.high + 1) + note + " (line 2)");
    CHECK_THAT(refusal(text(-1)), Catch::Matchers::StartsWith(full + ": must be in"));
    CHECK_THAT(refusal(text(INT64_MAX)), Catch::Matchers::StartsWith(full + ": must be in"));
    CHECK_THAT(refusal(text(INT64_MIN)), Catch::Matchers::StartsWith(full + ": must be in"));
    accepted(text(row.low));
    accepted(text(row.high));
  }
  const DaemonConfig low = accepted("[writer]\nbatch_requests_max = 1\n");
  CHECK(low.batch_requests_max == 1);
  CHECK(low.queue_requests_max == limits::writer_queue_requests_max);
}

TEST_CASE("queue_requests_max is bounded below by batch_requests_max", "[config]") {
  // Wherever the keys stand, the queue is checked against the batch given.
  const DaemonConfig equal =
      accepted("[writer]\nqueue_requests_max = 64\nbatch_requests_max = 64\n");
  CHECK(equal.queue_requests_max == 64);
  CHECK(equal.batch_requests_max == 64);
  CHECK(
      accepted("[writer]\nbatch_requests_max = 64\nqueue_requests_max = 65\n").queue_requests_max ==
      65);
  CHECK(refusal("[writer]\nqueue_requests_max = 63\nbatch_requests_max = 64\n") ==
        "writer.queue_requests_max: must be in 64.." +
            std::to_string(limits::writer_queue_requests_max) +
            ", not 63, and at least writer.batch_requests_max (line 2)");
  // Without batch_requests_max the default batch bounds it.
  CHECK_THAT(refusal("[writer]\nqueue_requests_max = 100\n"),
             Catch::Matchers::StartsWith("writer.queue_requests_max: must be in " +
                                         std::to_string(limits::writer_batch_requests_max) + ".."));
  // A bad batch is reported as the batch, not as the queue.
  CHECK_THAT(refusal("[writer]\nqueue_requests_max = 100\nbatch_requests_max = 0\n"),
             Catch::Matchers::StartsWith("writer.batch_requests_max: must be in 1.."));
  // Checkpoints: not so often that the writer does little else, not so
  // rarely that a restart replays for minutes.
  CHECK(refusal("[writer]\ncheckpoint_interval_events = 999\n") ==
        "writer.checkpoint_interval_events: must be in 1000..100000000, not 999 (line 2)");
  CHECK_THAT(refusal("[writer]\ncheckpoint_interval_events = 100000001\n"),
             Catch::Matchers::StartsWith("writer.checkpoint_interval_events: must be in 1000..100000000"));
  CHECK(accepted("[writer]\ncheckpoint_interval_events = 1000\n").checkpoint_interval_events == 1'000);
}

TEST_CASE("endpoints need tcp:// or ipc:// and an address", "[config]") {
  for (const char* key : {"endpoint", "publish_endpoint"}) {
    const std::string full = std::string("switch.") + key;
    auto text = [&](const std::string& value) {
      return "[switch]\n" + std::string(key) + " = \"" + value + "\"\n";
    };
    INFO("key = " << full);
    for (const char* bad : {"udp://127.0.0.1:7750", "127.0.0.1:7750", "inproc://x", "TCP://a:1",
                            "tcp:/a:1", " tcp://a:1", "epgm://eth0;239.192.1.1:5555"}) {
      INFO("value = " << bad);
      CHECK_THAT(refusal(text(bad)),
                 Catch::Matchers::StartsWith(full + ": must start with tcp:// or ipc://"));
    }
    CHECK_THAT(refusal(text("tcp://")), Catch::Matchers::StartsWith(full + ": needs an address"));
    CHECK_THAT(refusal(text("ipc://")), Catch::Matchers::StartsWith(full + ": needs an address"));
    CHECK_THAT(refusal(text("")), Catch::Matchers::StartsWith(full + ": must not be empty"));
    CHECK_THAT(refusal(text("tcp://a\\u0000b")),
               Catch::Matchers::StartsWith(full + ": must not contain a NUL"));
    CHECK(accepted(text("tcp://a")) != DaemonConfig{});
    CHECK(accepted(text("ipc://x")) != DaemonConfig{});
  }
}

TEST_CASE("log level must be a known name, data_dir non-empty", "[config]") {
  for (const char* bad : {"INFO", "Info", "warning", "err", "fatal", "", " info", "info "}) {
    INFO("level = '" << bad << "'");
    CHECK_THAT(refusal(std::string("[log]\nlevel = \"") + bad + "\"\n"),
               Catch::Matchers::StartsWith("log.level: must"));
  }
  CHECK_THAT(refusal("[log]\nlevel = \"verbose\"\n"),
             Catch::Matchers::Contains("one of trace, debug, info, warn, error, critical, off"));
  CHECK_THAT(refusal("data_dir = \"\"\n"),
             Catch::Matchers::Equals("data_dir: must not be empty (line 1)"));
  CHECK_THAT(refusal("data_dir = \"a\\u0000b\"\n"),
             Catch::Matchers::StartsWith("data_dir: must not contain a NUL"));
  CHECK_THAT(refusal("[log]\nfile = \"a\\u0000b\"\n"),
             Catch::Matchers::StartsWith("log.file: must not contain a NUL"));
  // An empty log file is the default: standard error.
  CHECK(accepted("[log]\nfile = \"\"\n") == DaemonConfig{});
}

TEST_CASE("malformed TOML is refused with its position, never thrown", "[config]") {
  const char* const bad[] = {
      "data_dir = \n",
      "data_dir = \"unterminated\n",
      "[switch\nendpoint = \"tcp://a:1\"\n",
      "data_dir = \"/a\"\ndata_dir = \"/b\"\n",              // a key twice
      "[log]\n[log]\n",                                      // a table twice
      "[calls]\nmax_call_seconds = 99999999999999999999\n",  // beyond int64
      "[calls]\nmax_call_seconds = 1_\n",
      "= 5\n",
      "\xff\xfe garbage",
      "data_dir = \"\xc3\x28\"\n",  // invalid UTF-8
  };
  for (const char* text : bad) {
    INFO("text = " << text);
    std::string why;
    std::optional<DaemonConfig> config;
    REQUIRE_NOTHROW(config = parse_config(text, &why));
    CHECK_FALSE(config.has_value());
    CHECK_THAT(why, Catch::Matchers::StartsWith("invalid TOML: "));
    CHECK_THAT(why, Catch::Matchers::Contains("(line "));
    CHECK_NOTHROW(parse_config(text, nullptr));
  }
  CHECK_THAT(refusal("data_dir = \"/a\"\n\n[writer\n"),
             Catch::Matchers::Contains("(line 3, column"));
}

TEST_CASE("load_config reads a file and names it in every refusal", "[config]") {
  TempDir dir;
  const std::string good = dir.write("good.toml", "[calls]\nmax_call_seconds = 60\n");
  std::string why;
  const auto config = load_config(good, &why);
  INFO("why = " << why);
  REQUIRE(config.has_value());
  CHECK(config->max_call_seconds == 60);

  const std::string missing = dir.path("missing.toml");
  CHECK_FALSE(load_config(missing, &why).has_value());
  CHECK_THAT(why, Catch::Matchers::StartsWith(missing + ": cannot open"));

  CHECK_FALSE(load_config(dir.path(""), &why).has_value());  // a directory
  CHECK_THAT(why, Catch::Matchers::StartsWith(dir.path("") + ": "));

  const std::string bad = dir.write("bad.toml", "[calls]\nmax_call_seconds = 0\n");
  CHECK_FALSE(load_config(bad, &why).has_value());
  CHECK(why == bad + ": calls.max_call_seconds: must be in 1..86400, not 0 (line 2)");

  const std::string broken = dir.write("broken.toml", "[calls\n");
  CHECK_FALSE(load_config(broken, &why).has_value());
  CHECK_THAT(why, Catch::Matchers::StartsWith(broken + ": invalid TOML: "));

  const std::string huge =
      dir.write("huge.toml", "# " + std::string(config_limits::file_bytes_max, 'x') + "\n");
  CHECK_FALSE(load_config(huge, &why).has_value());
  CHECK_THAT(why, Catch::Matchers::StartsWith(huge + ": larger than"));

  CHECK_FALSE(load_config(missing, nullptr).has_value());
}

// Issue 15: the Kamailio connector's table, each refusal naming its key.
TEST_CASE("the kamailio table is read and refused by key", "[config]") {
  const DaemonConfig on = accepted(
      "[kamailio]\nenabled = true\nevapi_address = \"127.0.0.1:9000\"\n[kamailio.sip_codes]\nno_rate_plan = 488\n");
  CHECK(on.kamailio.enabled);
  CHECK(on.kamailio.evapi_address == "127.0.0.1:9000");
  CHECK(on.kamailio.sip_codes == std::map<std::string, int>{{"no_rate_plan", 488}});
  CHECK_THAT(refusal("[kamailio]\nenabled = 1\n"),
             Catch::Matchers::StartsWith("kamailio.enabled: must be true or false"));
  for (const char* address : {"localhost:8448", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "1.2.3:4",
                              "256.0.0.1:1", "[::1]:8448", "127.0.0.1:8448 "}) {
    INFO(address);
    CHECK_THAT(refusal(std::string("[kamailio]\nevapi_address = \"") + address + "\"\n"),
               Catch::Matchers::StartsWith("kamailio.evapi_address: must be IPV4:PORT"));
  }
  CHECK_THAT(refusal("[kamailio]\nswitch_id = \"a b\"\n"),
             Catch::Matchers::StartsWith("kamailio.switch_id: must be 1-64 printable"));
  CHECK_THAT(refusal("[kamailio]\nrequested_seconds = 0\n"),
             Catch::Matchers::StartsWith("kamailio.requested_seconds: must be in 1..86400"));
  CHECK_THAT(refusal("[kamailio]\nreconnect_min_ms = 6000\n"),
             Catch::Matchers::StartsWith("kamailio.reconnect_min_ms: must not be above kamailio.reconnect_max_ms"));
  CHECK_THAT(refusal("[kamailio.sip_codes]\nno_money = 402\n"),
             Catch::Matchers::StartsWith("kamailio.sip_codes.no_money: is not a reason huawu gives"));
  CHECK_THAT(refusal("[kamailio.sip_codes]\ninsufficient_balance = 200\n"),
             Catch::Matchers::StartsWith("kamailio.sip_codes.insufficient_balance: must be in 400..699"));
  CHECK_THAT(refusal("[kamailio]\nevapi = 1\n"), Catch::Matchers::StartsWith("kamailio.evapi: unknown key"));
}

}  // namespace
}  // namespace huawu

