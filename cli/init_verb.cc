#include "cli/context.h"
#include "cli/format.h"
#include "cli/local_verbs.h"

namespace huawu::cli {

int verb_init(const std::string& data_dir, bool json, const std::string& provider_id,
              const std::string& provider_name, std::ostream& out, std::ostream& err) {
  SystemClock clock;
  std::string why;
  auto ledger = Ledger::create(data_dir, CreateLedger{provider_id, provider_name}, "local:operator", clock, &why);
  if (!ledger) {
    if (json)
      out << json_line({{"ok", false}, {"error", "store_exists_or_unavailable"}, {"message", why}}) << "\n";
    else
      err << "huawu: " << why << "\n";
    return exit_storage;
  }
  ledger->close();
  if (json) {
    out << json_line(nlohmann::json{{"ok", true}, {"data", data_dir}, {"provider_id", provider_id},
                                    {"provider_name", provider_name}})
        << "\n";
  } else {
    out << "created ledger for " << provider_name << " (" << provider_id << ") in " << data_dir << "\n";
  }
  return exit_ok;
}

}  // namespace huawu::cli
