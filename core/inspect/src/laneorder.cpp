// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/inspect/laneorder.h>

#include <algorithm>
#include <numeric>
#include <tuple>

namespace qtwisted {

std::vector<std::int32_t> displayLaneOrder(const TraceData& data)
{
    const auto lanes = data.lanes();
    std::vector<std::int32_t> order(lanes.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&lanes](std::int32_t a, std::int32_t b) {
        const WorkerLane& la = lanes[static_cast<std::size_t>(a)];
        const WorkerLane& lb = lanes[static_cast<std::size_t>(b)];
        return std::tie(la.poolId, la.worker, la.createdNs) < std::tie(lb.poolId, lb.worker, lb.createdNs);
    });
    return order;
}

} // namespace qtwisted
