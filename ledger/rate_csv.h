#pragma once
// Reading a rate plan from CSV (`huawu rates import PLAN FILE.csv`):
//
//   prefix,description,price_fen_per_minute,connect_fee_fen,first_block_s,next_block_s
//   86138,China Mobile 138,7.5,0,60,60
//
// The header line is required and must be exactly the one above. Fields may
// be quoted ("China, mobile"; "" inside quotes is a quote). Prices are fen
// with at most 2 decimals; blocks are whole seconds from 1 to 3600. A
// duplicate prefix, a bad field or more than limits::rate_plan_rows_max rows
// refuses the whole file, naming the line.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/rating.h"

namespace huawu {

std::optional<std::vector<Rate>> parse_rate_csv(std::string_view text, std::string* why);

}  // namespace huawu
