#include "kamailio/dialog_list.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <system_error>

namespace huawu::kamailio {

namespace {

using Clock = std::chrono::steady_clock;

// Kamailio's datagram replies are at most its send buffer (128 KiB); twice that
// lets MSG_TRUNC tell a truncated datagram from a whole one.
constexpr std::size_t datagram_bytes_max = 256 * 1024;
constexpr std::string_view method = R"("method":"dlg.briefing","params":["cs"])";

std::string errno_text(int error) { return std::generic_category().message(error); }

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return 0;
  if (left.count() > std::numeric_limits<int>::max()) return std::numeric_limits<int>::max();
  return static_cast<int>(left.count());
}

// Unique among processes (pid), threads of this process (counter) and runs
// (the clock): no two calls ever share a reply endpoint.
std::string unique_name(std::string_view suffix) {
  static std::atomic<std::uint64_t> counter{0};
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return "huawu_rpc_" + std::to_string(::getpid()) + "_" + std::to_string(counter.fetch_add(1)) +
         "_" + std::to_string(ns) + std::string(suffix);
}

std::string absolute_path(const std::string& path) {
  if (!path.empty() && path.front() == '/') return path;
  char cwd[4096];
  if (::getcwd(cwd, sizeof(cwd)) == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

struct Fd {
  int fd = -1;
  Fd() = default;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Removes the file it names when it goes out of scope (every return path).
struct RemoveOnExit {
  std::string path;
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;
  explicit RemoveOnExit(std::string p) : path(std::move(p)) {}
  ~RemoveOnExit() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

bool fill_address(const std::string& path, sockaddr_un& address, std::string* why) {
  std::memset(&address, 0, sizeof(address));
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    *why = "socket path longer than " + std::to_string(sizeof(address.sun_path) - 1) +
           " bytes: " + path;
    return false;
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  return true;
}

// write() with SIGPIPE blocked on this thread, and a SIGPIPE it raised
// consumed: a Kamailio that dies between open and write must not kill huawu.
ssize_t write_without_sigpipe(int fd, const void* data, std::size_t size) {
  sigset_t pipe_only;
  sigset_t old_mask;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old_mask);
  const ssize_t written = ::write(fd, data, size);
  const int error = errno;
  if (written < 0 && error == EPIPE) {
    const timespec zero{};
    sigtimedwait(&pipe_only, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  errno = error;
  return written;
}

std::optional<std::string> ask_datagram(const std::string& server_path, Clock::time_point deadline,
                                        std::string* why) {
  sockaddr_un server{};
  if (!fill_address(server_path, server, why)) return std::nullopt;
  const std::string local_path = directory_of(server_path) + "/" + unique_name(".sock");
  sockaddr_un local{};
  if (!fill_address(local_path, local, why)) return std::nullopt;

  Fd sock;
  sock.fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock.fd < 0) {
    *why = "socket: " + errno_text(errno);
    return std::nullopt;
  }
  if (::bind(sock.fd, reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0) {
    *why = "cannot bind " + local_path + ": " + errno_text(errno);
    return std::nullopt;
  }
  RemoveOnExit remove_local(local_path);
  if (::chmod(local_path.c_str(), 0600) != 0) {
    *why = "cannot chmod " + local_path + ": " + errno_text(errno);
    return std::nullopt;
  }

  const std::string request = "{\"jsonrpc\":\"2.0\"," + std::string(method) + ",\"id\":1}";
  if (::sendto(sock.fd, request.data(), request.size(), MSG_NOSIGNAL,
               reinterpret_cast<const sockaddr*>(&server), sizeof(server)) < 0) {
    *why = "cannot send to " + server_path + ": " + errno_text(errno);
    return std::nullopt;
  }
  std::string reply(datagram_bytes_max, '\0');
  while (true) {
    pollfd p{sock.fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      *why = "poll: " + errno_text(errno);
      return std::nullopt;
    }
    if (ready == 0) {
      *why = "no reply from " + server_path +
             " in time (a reply over Kamailio's datagram limit is never sent: use the FIFO)";
      return std::nullopt;
    }
    sockaddr_un sender{};
    socklen_t sender_size = sizeof(sender);
    const ssize_t got = ::recvfrom(sock.fd, reply.data(), reply.size(), MSG_TRUNC | MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&sender), &sender_size);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got < 0) {
      *why = "recvfrom: " + errno_text(errno);
      return std::nullopt;
    }
    // Only Kamailio's socket may answer (the socket is 0600, but say so).
    if (std::strncmp(sender.sun_path, server.sun_path, sizeof(sender.sun_path)) != 0) continue;
    if (static_cast<std::size_t>(got) > reply.size()) {
      *why = "reply of " + std::to_string(got) + " bytes is larger than " +
             std::to_string(reply.size());
      return std::nullopt;
    }
    reply.resize(static_cast<std::size_t>(got));
    return reply;
  }
}

std::optional<std::string> ask_fifo(const std::string& fifo_path, Clock::time_point deadline,
                                    std::string* why) {
  const std::string reply_name = unique_name("");
  const std::string reply_path = directory_of(fifo_path) + "/" + reply_name;
  if (::mkfifo(reply_path.c_str(), 0600) != 0) {
    *why = "cannot create " + reply_path + ": " + errno_text(errno);
    return std::nullopt;
  }
  RemoveOnExit remove_reply(reply_path);
  Fd reader;
  reader.fd = ::open(reply_path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (reader.fd < 0) {
    *why = "cannot open " + reply_path + ": " + errno_text(errno);
    return std::nullopt;
  }
  {
    Fd writer;
    writer.fd = ::open(fifo_path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (writer.fd < 0) {
      *why = "cannot open " + fifo_path + ": " + errno_text(errno) +
             (errno == ENXIO ? " (Kamailio is not reading it)" : "");
      return std::nullopt;
    }
    const std::string request = "{\"jsonrpc\":\"2.0\"," + std::string(method) +
                                ",\"reply_name\":\"" + reply_name + "\",\"id\":1}\n";
    // Shorter than PIPE_BUF: written whole or not at all.
    while (true) {
      const ssize_t written = write_without_sigpipe(writer.fd, request.data(), request.size());
      if (written == static_cast<ssize_t>(request.size())) break;
      if (written < 0 && errno != EAGAIN && errno != EINTR) {
        *why = "cannot write to " + fifo_path + ": " + errno_text(errno);
        return std::nullopt;
      }
      pollfd p{writer.fd, POLLOUT, 0};
      if (::poll(&p, 1, remaining_ms(deadline)) == 0) {
        *why = "Kamailio's FIFO stayed full until the timeout";
        return std::nullopt;
      }
    }
  }
  // Until Kamailio opens the reply FIFO, poll reports nothing (Linux reports
  // POLLHUP only once a writer has come and gone); its close is the end.
  std::string reply;
  char chunk[64 * 1024];
  while (true) {
    pollfd p{reader.fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      *why = "poll: " + errno_text(errno);
      return std::nullopt;
    }
    if (ready == 0) {
      *why = "no complete reply on " + reply_path + " in time";
      return std::nullopt;
    }
    const ssize_t got = ::read(reader.fd, chunk, sizeof(chunk));
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got < 0) {
      *why = "read: " + errno_text(errno);
      return std::nullopt;
    }
    if (got == 0) {
      if (reply.empty()) {
        *why = "Kamailio closed the reply FIFO without a reply";
        return std::nullopt;
      }
      return reply;
    }
    if (reply.size() + static_cast<std::size_t>(got) > dialog_reply_bytes_max) {
      *why = "reply larger than " + std::to_string(dialog_reply_bytes_max) + " bytes";
      return std::nullopt;
    }
    reply.append(chunk, static_cast<std::size_t>(got));
  }
}

std::optional<std::uint32_t> get_u32(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  const std::int64_t value = it->get<std::int64_t>();
  if (value < 0 || value > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

std::optional<std::vector<LiveDialog>> parse_or_throw(std::string_view json_reply,
                                                      std::string* why) {
  const nlohmann::json doc = nlohmann::json::parse(json_reply, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    *why = "the reply is not a JSON object";
    return std::nullopt;
  }
  if (const auto error = doc.find("error"); error != doc.end()) {
    std::string message = "?";
    if (error->is_object()) {
      const auto text = error->find("message");
      if (text != error->end() && text->is_string()) message = text->get<std::string>();
    }
    *why = "Kamailio answered with an error: " + message;
    return std::nullopt;
  }
  const auto result = doc.find("result");
  if (result == doc.end() || !result->is_array()) {
    *why = "the reply has no result array";
    return std::nullopt;
  }
  std::vector<LiveDialog> dialogs;
  dialogs.reserve(result->size());
  for (std::size_t i = 0; i < result->size(); ++i) {
    const nlohmann::json& item = (*result)[i];
    const std::string where = "dialog " + std::to_string(i) + ": ";
    if (!item.is_object()) {
      *why = where + "not an object";
      return std::nullopt;
    }
    const auto h_entry = get_u32(item, "h_entry");
    const auto h_id = get_u32(item, "h_id");
    const auto call_id = item.find("call-id");
    if (!h_entry || !h_id) {
      *why = where + "no unsigned h_entry and h_id";
      return std::nullopt;
    }
    if (call_id == item.end() || !call_id->is_string()) {
      *why = where + "no call-id string (was dlg.briefing asked for \"c\"?)";
      return std::nullopt;
    }
    LiveDialog dialog;
    dialog.sip_call_id = call_id->get<std::string>();
    dialog.h_entry = *h_entry;
    dialog.h_id = *h_id;
    if (const auto state = item.find("state"); state != item.end()) {
      if (!state->is_number_integer() || state->get<std::int64_t>() < 0 ||
          state->get<std::int64_t>() > 100) {
        *why = where + "state is not a small integer";
        return std::nullopt;
      }
      dialog.state = static_cast<int>(state->get<std::int64_t>());
    }
    dialogs.push_back(std::move(dialog));
  }
  return dialogs;
}

}  // namespace

std::optional<std::vector<LiveDialog>> parse_dialog_list(std::string_view json_reply,
                                                         std::string* why) {
  // Decoding untrusted bytes: the one boundary where an exception becomes a status.
  try {
    return parse_or_throw(json_reply, why);
  } catch (const std::exception& e) {
    *why = std::string("cannot decode the reply: ") + e.what();
    return std::nullopt;
  }
}

std::optional<std::vector<LiveDialog>> list_dialogs(const std::string& rpc_socket_path,
                                                    int timeout_ms, std::string* why) {
  try {
    const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    const std::string path = absolute_path(rpc_socket_path);  // Kamailio's cwd is not ours
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
      *why = "no Kamailio RPC socket at " + path + ": " + errno_text(errno);
      return std::nullopt;
    }
    std::optional<std::string> reply;
    if (S_ISSOCK(info.st_mode)) {
      reply = ask_datagram(path, deadline, why);
    } else if (S_ISFIFO(info.st_mode)) {
      reply = ask_fifo(path, deadline, why);
    } else {
      *why = path + " is neither a socket nor a FIFO";
      return std::nullopt;
    }
    if (!reply) return std::nullopt;
    return parse_dialog_list(*reply, why);
  } catch (const std::exception& e) {
    *why = std::string("cannot ask Kamailio: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace huawu::kamailio
