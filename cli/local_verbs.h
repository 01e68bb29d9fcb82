#pragma once
// Verbs that run only in a command of their own, never through a daemon.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace huawu::cli {

// `huawu init`: creates a new store (refuses when one exists).
int verb_init(const std::string& data_dir, bool json, const std::string& provider_id,
              const std::string& provider_name, std::ostream& out, std::ostream& err);

// `huawu serve [--config FILE]`: the daemon, until SIGINT or SIGTERM.
// `data_dir_override`: a --data given on the command line wins over the config.
int verb_serve(const std::string& config_path, const std::optional<std::string>& data_dir_override,
               std::ostream& out, std::ostream& err);

// `huawu tail`: prints committed events as the daemon publishes them.
// `endpoint` empty: the one in DATA/daemon.json, else tcp://127.0.0.1:7751.
// Stops after `count` events or `seconds` (0: never).
int verb_tail(const std::string& data_dir, const std::string& endpoint, bool json, std::uint64_t count,
              double seconds, std::ostream& out, std::ostream& err);

}  // namespace huawu::cli
