#include "tests/daemon_support.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "events/switch_codec.h"
#include "ledger/daemon.h"

#ifndef HUAWU_BIN
#error "the build passes the path of the huawu binary as HUAWU_BIN"
#endif

extern char** environ;

namespace huawu::test {

std::string test_plan_csv() {
  return "prefix,description,price_fen_per_minute,connect_fee_fen,first_block_s,next_block_s\n"
         "86,China fixed,10,0,60,60\n"
         "86138,China Mobile 138,6,0,6,6\n"
         "861,China mobile,12,5,30,6\n"
         "44,UK,120,0,1,1\n";
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

namespace {

pid_t spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) throw std::runtime_error("cannot start " + argv[0]);
  return pid;
}

}  // namespace

CommandResult run_huawu(const std::string& data_dir, const std::vector<std::string>& args) {
  return run_huawu_as(data_dir, args, {}, std::nullopt);
}

CommandResult run_huawu_as(const std::string& data_dir, const std::vector<std::string>& args,
                           const std::vector<std::pair<std::string, std::string>>& environment,
                           const std::optional<std::string>& stdin_line) {
  std::string command;
  if (stdin_line) command += "printf '%s\\n' " + quote(*stdin_line) + " | ";
  command += "env";
  for (const auto& [name, value] : environment) command += " " + name + "=" + quote(value);
  command += " " + quote(HUAWU_BIN) + " --data " + quote(data_dir);
  for (const std::string& a : args) command += " " + quote(a);
  std::FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed");
  CommandResult result;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string prepared_store(const TempDir& dir, const std::map<std::string, std::string>& accounts) {
  const std::string data = dir.sub("data");
  auto run = [&](const std::vector<std::string>& args) {
    if (run_huawu(data, args).exit_code != 0) throw std::runtime_error("huawu " + args.front() + " failed in " + data);
  };
  run({"init", "--provider-name", "Acme VoIP"});
  const std::string plan = dir.sub("plan.csv");
  std::ofstream(plan) << test_plan_csv();
  run({"rates", "import", "std", plan});
  for (const auto& [id, yuan] : accounts) run({"account", "open", id, "--initial", yuan, "--plan", "std"});
  return data;
}

BackgroundCommand::BackgroundCommand(const std::string& data_dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {HUAWU_BIN, "--data", data_dir};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = spawn(argv, data_dir + ".background.log");
}

BackgroundCommand::~BackgroundCommand() {
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

TailInBackground::TailInBackground(const std::string& data_dir, const std::vector<std::string>& args) {
  std::vector<std::string> tail_args{"tail"};
  tail_args.insert(tail_args.end(), args.begin(), args.end());
  thread_ = std::thread([this, data_dir, tail_args] { result_ = run_huawu(data_dir, tail_args); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a SUB joins late (slow joiner)
}

TailInBackground::~TailInBackground() {
  if (thread_.joinable()) thread_.join();
}

const CommandResult& TailInBackground::result() {
  if (thread_.joinable()) thread_.join();
  return result_;
}

DaemonProcess::DaemonProcess(const std::string& data_dir, const std::string& calls_toml, const std::string& log_toml)
    : data_dir_(data_dir) {
  const std::string config = data_dir + ".toml";
  {
    std::ofstream out(config, std::ios::trunc);
    out << "data_dir = \"" << data_dir << "\"\n"
        << "[switch]\nendpoint = \"tcp://127.0.0.1:*\"\npublish_endpoint = \"tcp://127.0.0.1:*\"\n"
        << "[calls]\nexpiry_interval_ms = 100\n"
        << calls_toml << "\n"
        << "[log]\nlevel = \"warn\"\n"
        << log_toml << "\n";
  }
  std::remove(daemon_info_path(data_dir).c_str());
  pid_ = spawn({HUAWU_BIN, "serve", "--config", config}, data_dir + ".log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(daemon_info_path(data_dir));
    if (in) {
      const nlohmann::json info = nlohmann::json::parse(in, nullptr, false);
      if (!info.is_discarded() && info.value("pid", 0) == pid_) {
        switch_endpoint_ = info["switch_endpoint"].get<std::string>();
        publish_endpoint_ = info["publish_endpoint"].get<std::string>();
        return;
      }
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("huawu serve exited at start; see " + data_dir + ".log");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill();
  throw std::runtime_error("huawu serve did not start within 30 s");
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) kill();
}

int DaemonProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::optional<int> DaemonProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void DaemonProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

SwitchClient::SwitchClient(const std::string& endpoint) : socket_(context_, zmq::socket_type::dealer) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.connect(endpoint);
}

void SwitchClient::send(const SwitchRequest& request) { send_raw(encode_switch_request(request)); }

void SwitchClient::send_raw(const std::string& bytes) { socket_.send(zmq::buffer(bytes), zmq::send_flags::none); }

std::optional<SwitchReply> SwitchClient::receive(std::chrono::milliseconds timeout) {
  zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, 1, timeout);
  if (!(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
  zmq::message_t frame;
  if (!socket_.recv(frame, zmq::recv_flags::none)) return std::nullopt;
  std::string why;
  auto reply = decode_switch_reply(std::string_view(frame.data<char>(), frame.size()), &why);
  if (!reply) throw std::runtime_error("unreadable reply: " + why);
  return reply;
}

SwitchReply SwitchClient::call(const SwitchRequest& request) {
  send(request);
  for (;;) {
    auto reply = receive();
    if (!reply) throw std::runtime_error("no reply to " + request.request_key);
    if (reply->request_key == request.request_key) return *reply;
  }
}

SwitchRequest authorize(std::string switch_id, std::string key, std::string call_id, std::string account,
                        std::string callee, std::int64_t requested_seconds) {
  return SwitchRequest{std::move(switch_id), std::move(key),
                       AuthorizeCall{std::move(call_id), std::move(account), "02150000000", std::move(callee),
                                     requested_seconds, 1'764'000'000'000'000}};
}

SwitchRequest settle(std::string switch_id, std::string key, std::string call_id, std::int64_t duration_ms) {
  return SwitchRequest{std::move(switch_id), std::move(key),
                       SettleCall{std::move(call_id), duration_ms > 0 ? 1'764'000'000'000'000 : 0, duration_ms, 16}};
}

SwitchRequest record(std::string switch_id, std::string key, std::string call_id, std::string account,
                     std::string callee, std::int64_t duration_ms) {
  return SwitchRequest{std::move(switch_id), std::move(key),
                       RecordCall{std::move(call_id), std::move(account), "02150000000", std::move(callee),
                                  1'764'000'000'000'000, duration_ms, 16}};
}

}  // namespace huawu::test
