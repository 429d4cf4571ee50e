// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/inspect/tracedata.h>

#include <cstdint>
#include <vector>

namespace qtwisted {

/// The order in which worker lanes are shown, top to bottom: indexes into data.lanes() sorted by (pool, worker index,
/// creation time). Worker 0 comes above worker 1 whatever order the threads started in, and a reused index (a new
/// thread after a retired one) stays its own lane, right below the older one. The timeline and the range statistics
/// use this one order; a view that hides some lanes (a paused timeline) filters it and keeps the order.
std::vector<std::int32_t> displayLaneOrder(const TraceData& data);

} // namespace qtwisted
