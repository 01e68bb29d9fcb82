#pragma once
// Helpers for the SIP integration tests (tests/kamailio_sip_test.cc): a real
// Kamailio started with ops/kamailio/huawu.cfg through ops/kamailio/run.sh and
// SIPp callers and callees, all on 127.0.0.1 on ports chosen at run time.
// Every process started here is stopped by its owner's destructor (SIGTERM,
// then SIGKILL), so a failing test leaves nothing running. Nothing here uses
// Catch; refusals throw std::runtime_error with the log tail that explains them.
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace huawu::test {

// Every child gets at most this long to exit on SIGTERM before SIGKILL.
inline constexpr std::chrono::milliseconds child_term_grace{3000};

// The ports of one test: Kamailio's UDP SIP and TCP evapi ports and the SIPp
// callee's UDP port, distinct, each free when chosen (bound to port 0 on
// 127.0.0.1 and closed again: the system picks one nobody uses).
struct SipPorts {
  int sip = 0;
  int evapi = 0;
  int uas = 0;
};
SipPorts free_sip_ports();

// Empty when `kamailio` and `sipp` can be run; otherwise what is missing and
// how to install it (ops/deps.sh). The tests FAIL with it, never skip.
std::string missing_sip_tools();

// The last `lines` lines of a file ("(no FILE)" when it cannot be read).
std::string tail_of(const std::string& path, std::size_t lines = 40);

// A program started with posix_spawn, its standard output and error appended
// to `log_path`, in a process group of its own. The destructor stops it.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  // Waits at most `timeout` for it to exit: its exit code (128 + the signal
  // when a signal ended it), or nullopt when it still runs.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  // SIGTERM, SIGKILL after child_term_grace; reaps. Its exit code as wait_for.
  int stop();

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string log_path_;
};

// Kamailio for one run directory (RUN_DIR of run.sh): kamailio.log, the RPC
// sockets and cdr/ live there. start() runs `run.sh start` (which waits until
// Kamailio listens), stop() `run.sh stop`; the destructor stops it.
class KamailioProcess {
 public:
  KamailioProcess(std::string run_dir, SipPorts ports);
  ~KamailioProcess();
  KamailioProcess(const KamailioProcess&) = delete;
  KamailioProcess& operator=(const KamailioProcess&) = delete;

  void start();  // throws with the log's tail when Kamailio does not come up
  void stop();
  bool running() const { return running_; }
  const std::string& run_dir() const { return run_dir_; }
  std::string log_path() const { return run_dir_ + "/kamailio.log"; }
  std::string cdr_dir() const { return run_dir_ + "/cdr"; }
  std::string rpc_fifo() const { return run_dir_ + "/kamailio_rpc.fifo"; }

 private:
  std::string run_dir_;
  SipPorts ports_;
  bool running_ = false;
};

// What a SIPp run needs: the scenario's file name under tests/sipp/, the
// caller's account (From user) and the dialled number, extra SIPp arguments
// (e.g. {"-d", "3000"} or {"-m", "50", "-l", "50", "-r", "50"}; "-m 1" when
// none names -m), and the log prefix (PREFIX.log, PREFIX.messages, PREFIX.errors).
struct SippCall {
  std::string scenario;
  std::string account;
  std::string destination;
  std::vector<std::string> extra;
  std::string log_prefix;
  std::chrono::seconds timeout{40};  // SIPp's own -timeout (a failure when reached)
};

// A SIPp caller running as a child of the test, on a free UDP port of its own.
class SippCaller {
 public:
  SippCaller(int sip_port, const SippCall& call);
  // Waits for SIPp to end (at most its timeout + 10 s, then it is killed):
  // its exit code (0: every call succeeded).
  int wait();
  pid_t pid() const { return child_.pid(); }
  std::chrono::milliseconds elapsed() const { return elapsed_; }
  // SIPp's output, errors and the end of its message trace, for a failure message.
  std::string diagnostics() const;
  std::string messages() const;  // the whole message trace

 private:
  SippCall call_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::milliseconds elapsed_{0};
  ChildProcess child_;
};

// Runs a SIPp caller to its end: {exit code, elapsed}.
struct SippResult {
  int exit_code = -1;
  std::chrono::milliseconds elapsed{0};
  std::string diagnostics;
  std::string messages;
};
SippResult run_sipp(int sip_port, const SippCall& call);

// The SIPp callee (tests/sipp/uas.xml) on ports.uas; SIPp logs under log_prefix.
std::unique_ptr<ChildProcess> start_uas(int uas_port, const std::string& log_prefix);

// How often `text` contains `needle`.
std::size_t count_of(const std::string& text, const std::string& needle);

}  // namespace huawu::test
