// What huawu reads from Kamailio besides evapi (issue 15, docs/kamailio.md §5):
// the acc/db_flatstore CDR lines of ops/kamailio/huawu.cfg (kamailio/cdr_file.h)
// and the dlg.briefing reply of its JSON-RPC socket (kamailio/dialog_list.h).
// Clause A2.1: the provider carries and bills the agent's users' calls, so a
// call whose live call_end was lost must still be billed from its CDR, to the
// millisecond (a 30,001 ms call on a 30/6 plan bills 36 s, 30,000 ms bills 30 s),
// and a CDR line that cannot be read is counted and named, never guessed at.
//
// Every CDR line and RPC reply below was captured from Kamailio 5.6.3 (Debian
// 12) running ops/kamailio/huawu.cfg with SIPp calls on 127.0.0.1.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "kamailio/cdr_file.h"
#include "kamailio/dialog_list.h"

namespace huawu::kamailio {
namespace {

// A caller's BYE after 1,005 ms.
const std::string bye_line =
    "1796411720|1796411721|1.505000|huawu-cdr-1|1001|8613800138000|1001|1796411720.117452|"
    "1796411720.120629|1796411721.625420|1796411720.120|1796411721.625|200|callee_bye|"
    "312d38313836403132372e302e302e31|1-8186@127.0.0.1";
// The grant (3 s) ran out: the dialog timer fires on a 1-s tick.
const std::string timeout_line =
    "1796411555|1796411558|3.395000|huawu-cdr-1|1001|8613800138000|1001|1796411555.076956|"
    "1796411555.110050|1796411558.505810|1796411555.110|1796411558.505|200|credit_timeout|"
    "33312d37333233403132372e302e302e31|31-7323@127.0.0.1";
// huawu sent disconnect: the timer was re-armed to 1 s.
const std::string cut_line =
    "1796411735|1796411738|3.141000|huawu-cdr-1|1004|8613800138000|1004|1796411735.361560|"
    "1796411735.364262|1796411738.505334|1796411735.364|1796411738.505|200|billing_disconnect|"
    "312d38323938403132372e302e302e31|1-8298@127.0.0.1";
// The gateway answered 486 Busy Here; Call-ID "busy|odd 1".
const std::string busy_line =
    "1796411451|1796411451|0.000000|huawu-cdr-1|1001|8613800138000|1001|1796411451.229498||"
    "1796411451.275408|1796411451.272|1796411451.272|486||627573797c6f64642031|busy%7Codd 1";
// Call-ID "odd id|with space 1": flatstore writes the '|' as %7C.
const std::string space_pipe_line =
    "1796411451|1796411451|0.504000|huawu-cdr-1|1001|8613800138000|1001|1796411451.225972|"
    "1796411451.230440|1796411451.733998|1796411451.230|1796411451.734|200|caller_bye|"
    "6f64642069647c776974682073706163652031|odd id%7Cwith space 1";
// Call-ID `~pct%7C|"q\\b1`: a literal "%7C" and a '|' come out the same; only
// the hex field tells them apart.
const std::string percent_line =
    "1796411451|1796411451|0.503000|huawu-cdr-1|1001|8613800138000|1001|1796411451.225486|"
    "1796411451.229530|1796411451.733493|1796411451.230|1796411451.733|200|caller_bye|"
    "7e7063742537437c22715c5c6231|~pct%7C%7C\"q\\\\b1";

Cdr parsed(const std::string& line) {
  std::string why;
  auto cdr = parse_cdr_line(line, &why);
  INFO(why);
  REQUIRE(cdr.has_value());
  return *cdr;
}

TEST_CASE("CDR lines: each way a call ends, read exactly", "[kamailio][cdr]") {
  struct Row {
    const std::string* line;
    std::string sip_call_id;
    std::string account;
    bool answered;
    std::int64_t answer_time_us;
    std::int64_t end_time_us;
    std::int64_t duration_ms;
    int sip_code;
    std::string end_reason;
  };
  // clang-format off
  const Row rows[] = {
    {&bye_line,        "1-8186@127.0.0.1",      "1001", true,  1796411720120629, 1796411721625420, 1504, 200, "callee_bye"},
    {&timeout_line,    "31-7323@127.0.0.1",     "1001", true,  1796411555110050, 1796411558505810, 3395, 200, "credit_timeout"},
    {&cut_line,        "1-8298@127.0.0.1",      "1004", true,  1796411735364262, 1796411738505334, 3141, 200, "billing_disconnect"},
    {&busy_line,       "busy|odd 1",            "1001", false, 0,                1796411451275408, 0,    486, ""},
    {&space_pipe_line, "odd id|with space 1",   "1001", true,  1796411451230440, 1796411451733998, 503,  200, "caller_bye"},
    {&percent_line,    "~pct%7C|\"q\\\\b1",     "1001", true,  1796411451229530, 1796411451733493, 503,  200, "caller_bye"},
  };
  // clang-format on
  for (const Row& row : rows) {
    INFO(*row.line);
    const Cdr cdr = parsed(*row.line);
    CHECK(cdr.sip_call_id == row.sip_call_id);
    CHECK(cdr.account == row.account);
    CHECK(cdr.destination == "8613800138000");
    CHECK(cdr.caller == row.account);
    CHECK(cdr.answered == row.answered);
    CHECK(cdr.answer_time_us == row.answer_time_us);
    CHECK(cdr.end_time_us == row.end_time_us);
    CHECK(cdr.duration_ms == row.duration_ms);
    CHECK(cdr.sip_code == row.sip_code);
    CHECK(cdr.end_reason == row.end_reason);
  }
}

// The same line with its answer and end replaced.
std::string with_times(const std::string& answer_tv, const std::string& end_tv) {
  return "1796411720|1796411721|1.505000|huawu-cdr-1|1001|8613800138000|1001|1796411720.117452|" +
         answer_tv + "|" + end_tv +
         "|1796411720.120|1796411721.625|200|caller_bye|312d38313836403132372e302e302e31|"
         "1-8186@127.0.0.1";
}

TEST_CASE("CDR durations are whole milliseconds of integer microseconds", "[kamailio][cdr]") {
  // 30,001 ms bills 36 s on a 30/6 plan, 30,000 ms bills 30 s: no float may blur them.
  CHECK(parsed(with_times("1796411720.999999", "1796411751.000999")).duration_ms == 30'001);
  CHECK(parsed(with_times("1796411720.999999", "1796411751.000998")).duration_ms == 30'000);
  CHECK(parsed(with_times("1796411720.000000", "1796411750.000999")).duration_ms == 30'000);
  CHECK(parsed(with_times("1796411720.5", "1796411720.5")).duration_ms == 0);
  CHECK(parse_time_us("1796411427.834125") == 1'796'411'427'834'125);
  CHECK(parse_time_us("1796411427.834") == 1'796'411'427'834'000);  // acc's own milliseconds
  CHECK(parse_time_us("1796411427") == 1'796'411'427'000'000);
  CHECK(parse_time_us("0.000001") == 1);
  CHECK_FALSE(parse_time_us("1796411427.8341251"));  // more than microseconds
  CHECK_FALSE(parse_time_us("1796411427."));
  CHECK_FALSE(parse_time_us(".5"));
  CHECK_FALSE(parse_time_us("-1.5"));
  CHECK_FALSE(parse_time_us("1e9"));
  CHECK_FALSE(parse_time_us("99999999999.0"));  // past the year 2286
  CHECK_FALSE(parse_time_us(""));
}

TEST_CASE("CDR lines that are not ours are refused with a reason", "[kamailio][cdr]") {
  auto replace_field = [](const std::string& line, std::size_t index, const std::string& value) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < index; ++i) start = line.find('|', start) + 1;
    const std::size_t end = line.find('|', start);
    return line.substr(0, start) + value + (end == std::string::npos ? "" : line.substr(end));
  };
  struct Row {
    std::string line;
    std::string why_contains;
  };
  const Row rows[] = {
      {"", "only 1 fields"},
      {"garbage", "only 1 fields"},
      {bye_line.substr(0, bye_line.rfind('|')), "only 15 fields"},
      {bye_line + "|extra", "more than 16"},
      {replace_field(bye_line, 3, "huawu-cdr-2"), "format"},
      {replace_field(bye_line, 14, "31zz"), "not hex"},
      {replace_field(bye_line, 14, "313"), "not hex"},
      {replace_field(bye_line, 14, ""), "empty"},
      {replace_field(bye_line, 15, "1-8186@127.0.0.2"), "disagree"},
      {replace_field(bye_line, 12, "20"), "sip_code"},
      {replace_field(bye_line, 12, "999"), "sip_code"},
      {replace_field(bye_line, 9, "1796411720.1"), "end at or after"},
      {replace_field(bye_line, 8, "17964117x0.120629"), "answer_tv"},
      {replace_field(bye_line, 9, "1796411721.6254201"), "end time"},
      {replace_field(bye_line, 4, ""), "no account"},
  };
  for (const Row& row : rows) {
    INFO(row.line);
    std::string why;
    CHECK_FALSE(parse_cdr_line(row.line, &why));
    CHECK_THAT(why, Catch::Contains(row.why_contains));
  }
  // No end_tv (never seen, but acc's own end is there): acc's milliseconds.
  const Cdr fallback = parsed(replace_field(bye_line, 9, ""));
  CHECK(fallback.end_time_us == 1'796'411'721'625'000);
  CHECK(fallback.duration_ms == 1504);
  // A caller that is missing is the account; a CR before the newline is dropped.
  CHECK(parsed(replace_field(bye_line, 6, "")).caller == "1001");
  CHECK(parsed(bye_line + "\r").sip_call_id == "1-8186@127.0.0.1");
}

struct TempDir {
  std::string path;
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "kamailio_files_XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;  // best effort: a leftover temp dir fails nothing
    std::filesystem::remove_all(path, ignored);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path + "/" + name, std::ios::binary) << text;
  }
  std::size_t entries() const {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(path)) ++n;
    return n;
  }
};

TEST_CASE("CDR files: a directory is read file by file, bad lines counted", "[kamailio][cdr]") {
  TempDir dir;
  dir.write("huawu_cdrs_131.log",
            cut_line + "\n" + "1796411735|broken\n" + "\n" + busy_line + "\n");
  dir.write("huawu_cdrs_129.log", bye_line + "\n" + std::string(70 * 1024, 'x') + "\n" +
                                      timeout_line + "\n" +
                                      space_pipe_line);  // last line still being written
  dir.write("README", "not a CDR file\n");
  std::size_t skipped = 0;
  std::vector<std::string> problems;
  std::string why;
  const auto cdrs = read_cdrs(dir.path, &skipped, &problems, &why);
  INFO(why);
  REQUIRE(cdrs.has_value());
  REQUIRE(cdrs->size() == 4);
  CHECK((*cdrs)[0].sip_call_id == "1-8186@127.0.0.1");  // huawu_cdrs_129.log first
  CHECK((*cdrs)[1].sip_call_id == "31-7323@127.0.0.1");
  CHECK((*cdrs)[2].sip_call_id == "1-8298@127.0.0.1");
  CHECK((*cdrs)[3].sip_call_id == "busy|odd 1");
  CHECK(skipped == 3);
  REQUIRE(problems.size() == 3);
  CHECK_THAT(problems[0], Catch::Contains("huawu_cdrs_129.log:2: longer than 65536 bytes"));
  CHECK_THAT(problems[1], Catch::Contains("huawu_cdrs_129.log:4: incomplete last line"));
  CHECK_THAT(problems[2], Catch::Contains("huawu_cdrs_131.log:2: only 2 fields"));

  // One file by its path; problems stop being described at 20, never counted less.
  std::string many;
  for (int i = 0; i < 25; ++i) many += "junk\n";
  dir.write("huawu_cdrs_200.log", many + bye_line + "\n");
  skipped = 0;
  problems.clear();
  const auto one = read_cdrs(dir.path + "/huawu_cdrs_200.log", &skipped, &problems, &why);
  REQUIRE(one.has_value());
  CHECK(one->size() == 1);
  CHECK(skipped == 25);
  CHECK(problems.size() == cdr_problems_max);

  CHECK_FALSE(read_cdrs(dir.path + "/missing", &skipped, &problems, &why));
  CHECK_THAT(why, Catch::Contains("missing"));
}

// Captured: dlg.briefing "cs" with two of 200 live dialogs.
const std::string briefing_reply =
    R"({"jsonrpc":"2.0","result":[{"h_entry":5,"h_id":4457,"call-id":"103-7884@127.0.0.1","state":4},)"
    R"({"h_entry":19,"h_id":3555,"call-id":"160-7884@127.0.0.1","state":4}],"id":1})";

TEST_CASE("dialog list: dlg.briefing replies", "[kamailio][dialogs]") {
  std::string why;
  const auto dialogs = parse_dialog_list(briefing_reply, &why);
  INFO(why);
  REQUIRE(dialogs.has_value());
  REQUIRE(dialogs->size() == 2);
  CHECK((*dialogs)[0] == LiveDialog{"103-7884@127.0.0.1", 5, 4457, 4});
  CHECK((*dialogs)[1] == LiveDialog{"160-7884@127.0.0.1", 19, 3555, 4});
  const auto none = parse_dialog_list(R"({"jsonrpc":"2.0","result":[],"id":1})", &why);
  REQUIRE(none.has_value());
  CHECK(none->empty());
  // Odd Call-IDs come through JSON escaped.
  const auto odd = parse_dialog_list(
      R"({"jsonrpc":"2.0","result":[{"h_entry":1,"h_id":2,"call-id":"a|b \"c\"\\"}],"id":1})",
      &why);
  REQUIRE(odd.has_value());
  CHECK((*odd)[0] == LiveDialog{"a|b \"c\"\\", 1, 2, 0});

  const std::pair<std::string, std::string> refused[] = {
      {"", "not a JSON object"},
      {R"({"jsonrpc":"2.0","result":[{"h_entry":1)", "not a JSON object"},
      {R"([1,2])", "not a JSON object"},
      {R"({"jsonrpc":"2.0","error":{"code":-32601,"message":"Method Not Found"},"id":1})",
       "Method Not Found"},
      {R"({"jsonrpc":"2.0","result":{"h_entry":1},"id":1})", "no result array"},
      {R"({"jsonrpc":"2.0","result":[{"h_entry":1,"h_id":2}],"id":1})", "no call-id"},
      {R"({"jsonrpc":"2.0","result":[{"h_entry":-1,"h_id":2,"call-id":"x"}],"id":1})", "h_entry"},
      {R"({"jsonrpc":"2.0","result":[{"h_entry":1,"h_id":4294967296,"call-id":"x"}],"id":1})",
       "h_id"},
      {R"({"jsonrpc":"2.0","result":[{"h_entry":1,"h_id":2,"call-id":7}],"id":1})", "no call-id"},
      {R"({"jsonrpc":"2.0","result":[{"h_entry":1,"h_id":2,"call-id":"x","state":"4"}],"id":1})",
       "state"},
      {R"({"jsonrpc":"2.0","result":[3],"id":1})", "not an object"},
  };
  for (const auto& [reply, reason] : refused) {
    INFO(reply);
    CHECK_FALSE(parse_dialog_list(reply, &why));
    CHECK_THAT(why, Catch::Contains(reason));
  }
}

// A stand-in for Kamailio's jsonrpcs datagram socket: answers one request with
// `reply` (or never, when it is empty) and records the request.
struct FakeDatagramServer {
  std::string path;
  int fd = -1;
  std::string request;
  std::thread thread;
  FakeDatagramServer(const std::string& socket_path, std::string reply) : path(socket_path) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
    thread = std::thread([this, reply] {
      char buffer[4096];
      sockaddr_un from{};
      socklen_t from_size = sizeof(from);
      const ssize_t got =
          ::recvfrom(fd, buffer, sizeof(buffer), 0, reinterpret_cast<sockaddr*>(&from), &from_size);
      if (got <= 0) return;
      request.assign(buffer, static_cast<std::size_t>(got));
      if (!reply.empty())
        ::sendto(fd, reply.data(), reply.size(), 0, reinterpret_cast<const sockaddr*>(&from),
                 from_size);
    });
  }
  FakeDatagramServer(const FakeDatagramServer&) = delete;
  FakeDatagramServer& operator=(const FakeDatagramServer&) = delete;
  ~FakeDatagramServer() {
    ::shutdown(fd, SHUT_RDWR);
    thread.join();
    ::close(fd);
    ::unlink(path.c_str());
  }
};

TEST_CASE("dialog list: over a datagram socket, bounded, leaving nothing behind",
          "[kamailio][dialogs]") {
  TempDir dir;
  std::string why;
  {
    FakeDatagramServer kamailio(dir.path + "/kamailio_rpc.sock", briefing_reply);
    const auto dialogs = list_dialogs(kamailio.path, 2000, &why);
    INFO(why);
    REQUIRE(dialogs.has_value());
    CHECK(dialogs->size() == 2);
    CHECK(dir.entries() == 1);  // the reply socket is gone again
    kamailio.thread.join();
    kamailio.thread = std::thread([] {});
    CHECK_THAT(kamailio.request, Catch::Contains(R"("method":"dlg.briefing","params":["cs"])"));
  }
  {
    FakeDatagramServer silent(dir.path + "/kamailio_rpc.sock", "");
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(list_dialogs(silent.path, 200, &why));
    const auto waited = std::chrono::steady_clock::now() - start;
    CHECK(waited >= std::chrono::milliseconds(190));
    CHECK(waited < std::chrono::milliseconds(1000));
    CHECK_THAT(why, Catch::Contains("in time"));
    CHECK(dir.entries() == 1);
  }
  CHECK_FALSE(list_dialogs(dir.path + "/kamailio_rpc.sock", 200, &why));  // nobody there
  CHECK_THAT(why, Catch::Contains("no Kamailio RPC socket"));
  dir.write("plain", "x");
  CHECK_FALSE(list_dialogs(dir.path + "/plain", 200, &why));
  CHECK_THAT(why, Catch::Contains("neither a socket nor a FIFO"));
}

TEST_CASE("dialog list: over the FIFO, through a reply FIFO that is removed after",
          "[kamailio][dialogs]") {
  TempDir dir;
  const std::string fifo = dir.path + "/kamailio_rpc.fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string request;
  // Kamailio's side holds its FIFO open for reading all the time (O_RDWR: a
  // FIFO open that does not wait for a writer); it reads one request and
  // writes the reply to RUN_DIR/reply_name.
  const int kamailio_end = ::open(fifo.c_str(), O_RDWR);
  REQUIRE(kamailio_end >= 0);
  std::thread kamailio([&] {
    char c = 0;
    while (::read(kamailio_end, &c, 1) == 1 && c != '\n') request.push_back(c);
    const std::string key = R"("reply_name":")";
    const std::size_t at = request.find(key);
    if (at == std::string::npos) return;
    const std::size_t start = at + key.size();
    const std::string name = request.substr(start, request.find('"', start) - start);
    struct stat info {};
    if (::stat((dir.path + "/" + name).c_str(), &info) != 0 || (info.st_mode & 0777) != 0600)
      return;
    std::ofstream(dir.path + "/" + name) << briefing_reply;
  });
  std::string why;
  const auto dialogs = list_dialogs(fifo, 2000, &why);
  if (!dialogs)
    REQUIRE(::write(kamailio_end, "\n", 1) == 1);  // a failed ask must not hang the join
  kamailio.join();
  ::close(kamailio_end);
  INFO(why);
  REQUIRE(dialogs.has_value());
  CHECK(dialogs->size() == 2);
  CHECK_THAT(request, Catch::Contains(R"("method":"dlg.briefing","params":["cs"])"));
  CHECK(dir.entries() == 1);

  // Nobody reading the FIFO: refused at once, and nothing left behind.
  CHECK_FALSE(list_dialogs(fifo, 200, &why));
  CHECK_THAT(why, Catch::Contains("not reading"));
  CHECK(dir.entries() == 1);
}

}  // namespace
}  // namespace huawu::kamailio
