// huawu: the command operators, agents and auditors use. Every verb and its
// options are in the verb table (cli/verb_table.h); a verb that acts on a
// ledger goes to the daemon serving the data directory when there is one.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/daemon_client.h"

int main(int argc, char** argv) {
  // Logs go to standard error, never into a verb's output (JSON included);
  // a command shows warnings only. `huawu serve` sets its own level and file.
  spdlog::set_default_logger(spdlog::stderr_color_mt("huawu"));
  spdlog::set_level(spdlog::level::warn);
  std::vector<std::string> args(argv + 1, argv + argc);
  return huawu::cli::run_app(args, std::cout, std::cerr, huawu::cli::forward_to_daemon);
}
