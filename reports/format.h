// Number formatting shared by the text renderings (compare, markdown):
// one place decides how a metric of each unit reads.
#pragma once

#include <string>

#include "reports/aggregate.h"

namespace heapreplay {

// printf("%.*f").
std::string fixed_digits(double v, int digits);

// A metric value with its unit: "12.34 ns", "3.0 MiB", "1.083", "4.2 M/s", "7".
std::string format_value(double v, MetricUnit unit);

// A relative change in percent with its sign: "+12.3%", "-0.4%", "+inf%".
std::string format_change_pct(double pct);

// A p-value: "0.0079", "<0.0001".
std::string format_p_value(double p);

}  // namespace heapreplay
