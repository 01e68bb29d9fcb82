#pragma once
// Helpers for tests that start the real daemon (`huawu serve`) as a child
// process on loopback ports and talk to it as a switch (DEALER) and as the
// command does. Nothing here uses Catch; refusals throw std::runtime_error.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <zmq.hpp>

#include "events/switch_protocol.h"
#include "ledger/rating.h"
#include "tests/test_support.h"

namespace huawu::test {

// The rate plan the daemon tests use (CSV, `rates import` format).
//   86     China fixed           10 fen/min, 60/60
//   86138  China Mobile 138       6 fen/min, 6/6
//   861    China mobile          12 fen/min, 30/6, 5 fen connect fee
//   44     UK                   120 fen/min, 1/1
std::string test_plan_csv();

// A store in DIR/data (its path is returned) with the test plan imported as
// "std" and `accounts` opened on it (id -> yuan). Throws when a step fails.
std::string prepared_store(const TempDir& dir, const std::map<std::string, std::string>& accounts);

// `s` as one word of a POSIX shell command line (single-quoted).
std::string quote(const std::string& s);

struct CommandResult {
  int exit_code = -1;
  std::string out;  // standard output only
};

// Runs the huawu binary with --data DATA and the arguments; waits for it.
CommandResult run_huawu(const std::string& data_dir, const std::vector<std::string>& args);
// The same with environment variables set (e.g. HUAWU_PRINCIPAL, HUAWU_TOKEN)
// and, when given, one line on standard input (a --password-stdin password).
CommandResult run_huawu_as(const std::string& data_dir, const std::vector<std::string>& args,
                           const std::vector<std::pair<std::string, std::string>>& environment,
                           const std::optional<std::string>& stdin_line);

// `huawu --data DATA ARGS...` running in the background (output to a log
// beside the data directory); SIGKILLed and reaped when the object goes.
class BackgroundCommand {
 public:
  BackgroundCommand(const std::string& data_dir, const std::vector<std::string>& args);
  ~BackgroundCommand();
  BackgroundCommand(const BackgroundCommand&) = delete;
  BackgroundCommand& operator=(const BackgroundCommand&) = delete;

 private:
  pid_t pid_ = -1;
};

// `huawu --data DATA tail ARGS...` on a thread of its own, subscribed by the
// time the constructor returns (it waits out ZeroMQ's slow-joiner pause);
// result() waits for it to end. Joined when the object goes.
class TailInBackground {
 public:
  TailInBackground(const std::string& data_dir, const std::vector<std::string>& args);
  ~TailInBackground();
  TailInBackground(const TailInBackground&) = delete;
  TailInBackground& operator=(const TailInBackground&) = delete;
  const CommandResult& result();

 private:
  CommandResult result_;
  std::thread thread_;
};

// A daemon process serving `data_dir` on ephemeral loopback ports.
class DaemonProcess {
 public:
  // Writes a config (ports chosen by the system) and starts `huawu serve`;
  // returns once daemon.json names its endpoints. Extra TOML lines go into
  // the [calls] table, e.g. "hold_grace_seconds = 1".
  // `log_toml` goes into the [log] table, e.g. "file = \"/tmp/x.log\"".
  DaemonProcess(const std::string& data_dir, const std::string& calls_toml = "", const std::string& log_toml = "");
  ~DaemonProcess();  // SIGKILL if still running

  const std::string& switch_endpoint() const { return switch_endpoint_; }
  const std::string& publish_endpoint() const { return publish_endpoint_; }
  pid_t pid() const { return pid_; }

  // SIGTERM and wait: returns the exit status (0 for a clean stop).
  int stop();
  // Waits up to `timeout` for the daemon to end by itself: its exit status,
  // or nullopt while it still runs.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
  // SIGKILL and wait.
  void kill();

 private:
  std::string data_dir_;
  pid_t pid_ = -1;
  std::string switch_endpoint_;
  std::string publish_endpoint_;
};

// A switch: one DEALER socket.
class SwitchClient {
 public:
  explicit SwitchClient(const std::string& endpoint);
  void send(const SwitchRequest& request);
  void send_raw(const std::string& bytes);
  // The next reply, or nullopt after `timeout`. Throws when a reply does not decode.
  std::optional<SwitchReply> receive(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Sends and waits for the reply with the request's key (throws on timeout).
  SwitchReply call(const SwitchRequest& request);

 private:
  zmq::context_t context_{1};
  zmq::socket_t socket_;
};

SwitchRequest authorize(std::string switch_id, std::string key, std::string call_id, std::string account,
                        std::string callee, std::int64_t requested_seconds);
SwitchRequest settle(std::string switch_id, std::string key, std::string call_id, std::int64_t duration_ms);
SwitchRequest record(std::string switch_id, std::string key, std::string call_id, std::string account,
                     std::string callee, std::int64_t duration_ms);

}  // namespace huawu::test
