// huawu: the command operators, agents and auditors use. Every verb and its
// options are in app.cc; a verb that acts on a ledger goes to the daemon
// serving the data directory when there is one.
#include <iostream>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/daemon_client.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return huawu::cli::run_app(args, huawu::cli::Side::command, std::cout, std::cerr, nullptr,
                             huawu::cli::forward_to_daemon);
}
