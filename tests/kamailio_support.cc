#include "tests/kamailio_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/daemon_support.h"

#ifndef HUAWU_KAMAILIO_RUN_SH
#error "the build passes the path of ops/kamailio/run.sh as HUAWU_KAMAILIO_RUN_SH"
#endif
#ifndef HUAWU_SIPP_DIR
#error "the build passes the path of tests/sipp as HUAWU_SIPP_DIR"
#endif

extern char** environ;

namespace huawu::test {

namespace {

using Clock = std::chrono::steady_clock;

// Binds 127.0.0.1:0 with the socket type and returns the port the system chose.
int bound_port(int type) {
  const int fd = ::socket(AF_INET, type, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot bind a port on 127.0.0.1");
  return ntohs(address.sin_port);
}

// Whether someone holds UDP port `port` on 127.0.0.1 (our bind is refused).
bool udp_port_taken(int port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool taken = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 && errno == EADDRINUSE;
  ::close(fd);
  return taken;
}

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

// Runs a command through /bin/sh, its output appended to `log_path`; its exit code.
int run_shell(const std::string& command, const std::string& log_path) {
  ChildProcess child({"/bin/sh", "-c", command}, log_path);
  const auto code = child.wait_for(std::chrono::seconds(30));
  return code ? *code : child.stop();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

SipPorts free_sip_ports() {
  // The three must differ: the same number could come back once closed.
  std::set<int> taken;
  auto distinct = [&](int type) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      const int port = bound_port(type);
      if (taken.insert(port).second) return port;
    }
    throw std::runtime_error("no distinct free port");
  };
  SipPorts ports;
  ports.sip = distinct(SOCK_DGRAM);
  ports.evapi = distinct(SOCK_STREAM);
  ports.uas = distinct(SOCK_DGRAM);
  return ports;
}

std::string missing_sip_tools() {
  std::string missing;
  for (const char* tool : {"kamailio", "sipp", "ss", "setsid"}) {
    const std::string command = std::string("command -v ") + tool + " >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) missing += std::string(missing.empty() ? "" : ", ") + tool;
  }
  if (missing.empty()) return "";
  return "not installed: " + missing +
         " (the SIP integration tests need Kamailio 5.6 with its extra and json modules and SIPp; "
         "ops/deps.sh installs them)";
}

std::string tail_of(const std::string& path, std::size_t lines) {
  std::ifstream in(path);
  if (!in) return "(no " + path + ")";
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out = "--- " + path + " (last " + std::to_string(last.size()) + " lines)\n";
  for (const std::string& l : last) out += l + "\n";
  return out;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size()))
    ++count;
  return count;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path) : log_path_(log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // A group of its own: stop() signals whatever it started too.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int error = posix_spawnp(&pid_, args[0], &actions, &attributes, args.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + argv[0]);
  }
}

ChildProcess::~ChildProcess() { stop(); }

std::optional<int> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_code_ = exit_code_of(status);
      return exit_code_;
    }
    if (done < 0 && errno != EINTR) {
      exit_code_ = -1;
      return exit_code_;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int ChildProcess::stop() {
  if (exit_code_) return *exit_code_;
  if (pid_ <= 0) return -1;
  ::kill(-pid_, SIGCONT);  // a stopped process cannot act on SIGTERM
  ::kill(-pid_, SIGTERM);
  if (auto code = wait_for(child_term_grace)) return *code;
  ::kill(-pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  exit_code_ = exit_code_of(status);
  return *exit_code_;
}

KamailioProcess::KamailioProcess(std::string run_dir, SipPorts ports) : run_dir_(std::move(run_dir)), ports_(ports) {
  start();
}

KamailioProcess::~KamailioProcess() { stop(); }

void KamailioProcess::start() {
  const std::string command = quote(HUAWU_KAMAILIO_RUN_SH) + " start " + quote(run_dir_) + " " +
                              std::to_string(ports_.sip) + " " + std::to_string(ports_.evapi) + " " +
                              quote("sip:127.0.0.1:" + std::to_string(ports_.uas));
  const std::string start_log = run_dir_ + ".run_sh.log";
  running_ = true;  // from here on, stop() must run even if start fails half-way
  const int code = run_shell(command, start_log);
  if (code != 0)
    throw std::runtime_error("ops/kamailio/run.sh start exited " + std::to_string(code) + "\n" +
                             tail_of(start_log) + tail_of(log_path()));
}

void KamailioProcess::stop() {
  if (!running_) return;
  running_ = false;
  run_shell(quote(HUAWU_KAMAILIO_RUN_SH) + " stop " + quote(run_dir_), run_dir_ + ".run_sh.log");
}

namespace {

std::vector<std::string> sipp_argv(int sip_port, const SippCall& call) {
  std::vector<std::string> argv = {"sipp",
                                   "127.0.0.1:" + std::to_string(sip_port),
                                   "-sf",
                                   std::string(HUAWU_SIPP_DIR) + "/" + call.scenario,
                                   "-i",
                                   "127.0.0.1",
                                   "-p",
                                   // SIPp's own default would be the first free of 5060, 5061, ...
                                   std::to_string(bound_port(SOCK_DGRAM)),
                                   "-key",
                                   "acct",
                                   call.account,
                                   "-s",
                                   call.destination,
                                   "-nostdin",
                                   "-timeout",
                                   std::to_string(call.timeout.count()) + "s",
                                   "-timeout_error",
                                   "-trace_msg",
                                   "-message_file",
                                   call.log_prefix + ".messages",
                                   "-trace_err",
                                   "-error_file",
                                   call.log_prefix + ".errors"};
  bool has_m = false;
  for (const std::string& a : call.extra) has_m = has_m || a == "-m";
  if (!has_m) argv.insert(argv.end(), {"-m", "1"});
  argv.insert(argv.end(), call.extra.begin(), call.extra.end());
  return argv;
}

}  // namespace

SippCaller::SippCaller(int sip_port, const SippCall& call)
    : call_(call), started_(Clock::now()), child_(sipp_argv(sip_port, call), call.log_prefix + ".log") {}

int SippCaller::wait() {
  auto code = child_.wait_for(call_.timeout + std::chrono::seconds(10));
  if (!code) code = child_.stop();
  elapsed_ = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
  return *code;
}

std::string SippCaller::messages() const { return read_file(call_.log_prefix + ".messages"); }

std::string SippCaller::diagnostics() const {
  return tail_of(call_.log_prefix + ".log", 25) + tail_of(call_.log_prefix + ".errors", 15) +
         tail_of(call_.log_prefix + ".messages", 40);
}

SippResult run_sipp(int sip_port, const SippCall& call) {
  SippCaller caller(sip_port, call);
  SippResult result;
  result.exit_code = caller.wait();
  result.elapsed = caller.elapsed();
  result.diagnostics = caller.diagnostics();
  result.messages = caller.messages();
  return result;
}

std::unique_ptr<ChildProcess> start_uas(int uas_port, const std::string& log_prefix) {
  auto uas = std::make_unique<ChildProcess>(
      std::vector<std::string>{"sipp", "-sf", std::string(HUAWU_SIPP_DIR) + "/uas.xml", "-i", "127.0.0.1", "-p",
                               std::to_string(uas_port), "-nostdin", "-trace_msg", "-message_file",
                               log_prefix + ".messages", "-trace_err", "-error_file", log_prefix + ".errors"},
      log_prefix + ".log");
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!udp_port_taken(uas_port)) {
    if (uas->wait_for(std::chrono::milliseconds(20)))
      throw std::runtime_error("the SIPp callee exited at start\n" + tail_of(log_prefix + ".log"));
    if (Clock::now() >= deadline)
      throw std::runtime_error("the SIPp callee does not listen on " + std::to_string(uas_port) + " within 10 s");
  }
  return uas;
}

}  // namespace huawu::test
