// `huawu serve`: wires the daemon together (ledger/daemon.h) and runs it
// until SIGINT or SIGTERM.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <filesystem>

#include "cli/control_auth.h"
#include "cli/dispatch.h"
#include "ledger/calendar_file.h"
#include "cli/local_verbs.h"
#include "ledger/daemon.h"
#include "ledger/publisher.h"
#include "kamailio/connector.h"

namespace huawu::cli {

namespace {

// The daemon's own ledger, for one verb forwarded to it by `caller`.
class DaemonAccess final : public LedgerAccess {
 public:
  DaemonAccess(Ledger& ledger, Caller caller, kamailio::Connector* connector)
      : ledger_(ledger), caller_(std::move(caller)), connector_(connector) {
    if (caller_.role == PrincipalRole::agent) scope_ = Scope{caller_.name, caller_.agent};
  }
  Writer* writer(std::string*) override { return &ledger_.writer(); }
  const Store* store(std::string*) override { return &ledger_.store(); }
  std::optional<AuditReport> audit(std::string*) override {
    // The log keeps growing while the audit runs: take the live state's bytes
    // at one sequence on the writer thread, then audit the log up to it.
    std::uint64_t through = 0;
    std::string live_bytes;
    ledger_.writer().read_and_wait([&](const LedgerState& state) {
      through = state.applied_through();
      live_bytes = state.serialize();
    });
    return audit_verify_through(ledger_.store(), through, live_bytes);
  }
  // Events record the principal that asked (ControlAuth).
  const std::string& actor() const override { return caller_.actor; }
  bool read_only() const override { return caller_.role == PrincipalRole::auditor; }
  const Scope* scope() const override { return scope_ ? &*scope_ : nullptr; }
  kamailio::Connector* kamailio() override { return connector_; }

 private:
  Ledger& ledger_;
  Caller caller_;
  kamailio::Connector* connector_;
  std::optional<Scope> scope_;
};

// Read by the signal handler and by the writer's fail-stop hook (on the
// writer's or the follower's thread).
std::atomic<Daemon*> running_daemon{nullptr};
static_assert(std::atomic<Daemon*>::is_always_lock_free, "read in a signal handler");
// Set when the writer fail-stopped: every later write would be refused, so
// the daemon stops and `huawu serve` exits 3 (a supervisor restarts it,
// which recovers from the log).
std::atomic<bool> storage_failed{false};

extern "C" void on_stop_signal(int) {
  if (Daemon* daemon = running_daemon.load()) daemon->stop();  // async-signal-safe
}

bool set_up_logging(const DaemonConfig& config, std::ostream& err) {
  try {
    if (!config.log_file.empty()) {
      // The log names accounts and calls: create it private (spdlog would
      // follow the umask); an existing file keeps its mode.
      const int fd = ::open(config.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      if (fd >= 0) ::close(fd);
      // main() registered the standard-error logger under the same name.
      spdlog::drop("huawu");
      spdlog::set_default_logger(spdlog::basic_logger_mt("huawu", config.log_file));
    }
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    spdlog::flush_every(std::chrono::seconds(1));
    return true;
  } catch (const spdlog::spdlog_ex& e) {
    err << "huawu: cannot log to " << config.log_file << ": " << e.what() << "\n";
    return false;
  }
}

}  // namespace

int verb_serve(const std::string& config_path, const std::optional<std::string>& data_dir_override,
               std::ostream& out, std::ostream& err) {
  std::string why;
  DaemonConfig config;
  if (!config_path.empty()) {
    auto loaded = load_config(config_path, &why);
    if (!loaded) {
      err << "huawu: " << why << "\n";
      return exit_bad_input;
    }
    config = *loaded;
  }
  if (data_dir_override) config.data_dir = *data_dir_override;
  if (!set_up_logging(config, err)) return exit_bad_input;
  spdlog::info("huawu: configuration\n{}", render_config(config));

  if (!std::filesystem::exists(std::filesystem::path(config.data_dir) / "CURRENT")) {
    err << "huawu: no store in " << config.data_dir << " (create one with: huawu --data "
        << config.data_dir << " init)\n";
    return exit_storage;
  }
  auto lock = DaemonLock::acquire(config.data_dir, &why);
  if (!lock) {
    err << "huawu: " << why << "\n";
    return exit_storage;
  }
  auto publisher = EventPublisher::start(config.publish_endpoint, &why);
  if (!publisher) {
    err << "huawu: " << why << "\n";
    return exit_storage;
  }
  WriterOptions options;
  options.queue_requests_max = config.queue_requests_max;
  options.batch_requests_max = config.batch_requests_max;
  options.checkpoint_interval_events = config.checkpoint_interval_events;
  options.call_policy = CallPolicy{config.max_call_seconds, config.hold_grace_seconds};
  options.card_policy = CardPolicy{config.card_pin_failures_max, config.card_pin_window_seconds};
  if (!config.calendar_file.empty()) {
    auto calendar = load_calendar(config.calendar_file, &why);
    if (!calendar) {
      err << "huawu: contract.calendar_file: " << why << "\n";
      return exit_bad_input;
    }
    options.calendar = std::make_shared<const WorkCalendar>(std::move(*calendar));
  }
  options.contract_policy = ContractPolicy{*BusinessSchedule::parse(config.sla_schedule), config.due_soon_days,
                                           config.sla_due_soon_minutes};
  options.on_durable = [p = publisher.get()](std::uint64_t first, std::vector<std::string>&& records) {
    p->publish(first, std::move(records));
  };
  options.on_fail_stop = [](const std::string&) {
    storage_failed.store(true);
    if (Daemon* daemon = running_daemon.load()) daemon->stop();
  };
  SystemClock clock;
  auto ledger = Ledger::open(config.data_dir, clock, &why, options);
  if (!ledger) {
    err << "huawu: " << why << "\n";
    return exit_storage;
  }
  // Issue 15: the Kamailio connector, a second switch edge into the same writer.
  std::unique_ptr<kamailio::Connector> connector;
  if (config.kamailio.enabled)
    connector = std::make_unique<kamailio::Connector>(config.kamailio, ledger->writer(), ledger->store());
  ControlAuth auth(*ledger);
  // A typed call is checked and run from the verb table as it came; only a
  // command line (older commands, switch-sim) is parsed here (cli/dispatch.h).
  ControlHandler control = [&auth, &ledger, &connector, &config](const ControlRequest& request) {
    auto admitted = auth.admit(request);
    if (auto* reply = std::get_if<ControlReply>(&admitted)) return std::move(*reply);
    DaemonAccess access(*ledger, std::get<Caller>(std::move(admitted)), connector.get());
    return answer_control(request, access, config.data_dir);
  };
  auto daemon = Daemon::start(config, *ledger, publisher->endpoint(), std::move(control), &why);
  if (!daemon) {
    err << "huawu: " << why << "\n";
    return exit_storage;
  }
  if (connector)
    daemon->on_holds_expired(
        [c = connector.get()](const std::vector<HoldExpired>& expired) { c->on_holds_expired(expired); });
  running_daemon.store(daemon.get());
  if (storage_failed.load()) daemon->stop();  // failed before the daemon was there to stop
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
  out << "huawu: serving " << config.data_dir << " (switch " << daemon->endpoints().switch_endpoint
      << ", events " << daemon->endpoints().publish_endpoint << "); SIGINT or SIGTERM stops" << std::endl;

  daemon->run();
  // Every request taken was answered. Close the control workers, then drain
  // the writer and write a checkpoint; publish what was committed last.
  running_daemon.store(nullptr);
  // Kamailio's requests in flight are answered before the writer drains.
  if (connector) connector->stop();
  if (daemon->reply_times().count() > 0)
    out << "huawu: switch replies since start: " << daemon->reply_times().summary() << " (time in the daemon)"
        << std::endl;
  daemon.reset();  // joins the control workers, the last users of the connector
  connector.reset();
  ledger->close();
  const Writer& writer = ledger->writer();
  if (storage_failed.load()) {
    spdlog::critical("huawu: stopped after a storage failure at sequence {} (the log above says which); "
                     "everything acknowledged is durable; restart to recover from the log",
                     writer.answered_through());
    err << "huawu: stopped: storage failure; restart to recover from the log\n";
    publisher.reset();
    spdlog::shutdown();
    return exit_storage;
  }
  spdlog::info("huawu: stopped cleanly at sequence {}; checkpoint written; {} batches committed "
               "(committer: {:.2f} s encoding, {:.2f} s writing and syncing)",
               ledger->state().applied_through(), writer.batches_committed(), writer.encode_seconds(),
               writer.append_seconds());
  if (const std::uint64_t dropped = publisher->dropped_records(); dropped > 0)
    spdlog::warn("huawu: the event publisher fell behind and dropped {} records "
                 "(subscribers read them with huawu events --from N)", dropped);
  publisher.reset();
  spdlog::shutdown();
  return exit_ok;
}

}  // namespace huawu::cli
