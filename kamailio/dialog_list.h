#pragma once
// Asking a running Kamailio which dialogs are up (docs/kamailio.md §5): the
// connector, after every (re)connect and CDR backfill, settles every active
// hold whose call Kamailio no longer has.
//
// The question is the JSON-RPC `dlg.briefing` with attributes "cs" (Call-ID and
// state; h_entry and h_id always come), sent to Kamailio's `jsonrpcs` module
// (ops/kamailio/huawu.cfg enables both of its local transports, under RUN_DIR):
//
//   * a unix DATAGRAM socket (RUN_DIR/kamailio_rpc.sock): the reply must fit one
//     datagram, and Kamailio's send buffer is 128 KiB: about 1,800 dialogs with
//     Call-IDs of ~20 bytes (measured: 200 dialogs, 13,916 bytes). A reply too
//     large is never sent (Kamailio logs "Message too long"), which shows here
//     as a timeout.
//   * a FIFO (RUN_DIR/kamailio_rpc.fifo): no size limit (measured: dlg.list of
//     200 dialogs, 192,794 bytes, in 6 ms). Preferred for huawu.
//
// list_dialogs picks the transport by what the path is (a socket or a FIFO).
// Its reply endpoint — a datagram socket bound in the same directory, or a
// reply FIFO there (jsonrpcs' fifo_reply_dir must be that directory) — has a
// unique name ("huawu_rpc_<pid>_<n>_<ns>"), mode 0600, and is removed before
// list_dialogs returns, whatever happens.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace huawu::kamailio {

// The largest reply read over the FIFO; a bigger one is refused.
inline constexpr std::size_t dialog_reply_bytes_max = 64 * 1024 * 1024;

// Kamailio's DLG_STATE_DELETED: a dialog that ended and waits to be freed;
// dlg.briefing still lists it, but it is no call to bill or cut.
inline constexpr int dialog_state_deleted = 5;

struct LiveDialog {
  std::string sip_call_id;
  std::uint32_t h_entry = 0;
  std::uint32_t h_id = 0;
  // Kamailio's dialog state: 1 unconfirmed, 2 early, 3 confirmed without ACK,
  // 4 confirmed, 5 deleted; 0 when the reply did not say.
  int state = 0;

  bool operator==(const LiveDialog&) const = default;
};

// Parses a JSON-RPC reply of dlg.briefing (or dlg.list: the members read are
// "h_entry", "h_id", "call-id", "state"). nullopt + *why when it is not JSON,
// is a JSON-RPC error, or a dialog lacks a member or has one of the wrong type
// ("state" may be absent: 0). Never throws.
std::optional<std::vector<LiveDialog>> parse_dialog_list(std::string_view json_reply,
                                                         std::string* why);

// nullopt + *why on any failure (no socket, timeout after timeout_ms,
// unparsable reply). Never blocks longer than timeout_ms (plus the time to
// create and remove its reply endpoint). Never throws; SIGPIPE is not raised.
std::optional<std::vector<LiveDialog>> list_dialogs(const std::string& rpc_socket_path,
                                                    int timeout_ms, std::string* why);

}  // namespace huawu::kamailio
