// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <atomic>

namespace qtwisted::detail {

/// Decides whether a thread about to sleep first polls for its wake-up for a few microseconds. Polling pays when the
/// thread that will wake it runs on another CPU: then the wake-up costs no futex sleep and wake on either side. On a
/// busy machine it costs: the poller holds a CPU that the answering thread is waiting for, and the answer comes late
/// (bench_core under one CPU-burning thread: blockingCallFromThread 0.6x -> 3.6-4.1x BlockingQueuedConnection,
/// issue 16). Each poll reports whether the wake-up came while polling; after a few misses in a row polling stops,
/// except one wait in 16, which polls to find out whether it pays again. Shared by the threads of one kind of wait;
/// a heuristic, so relaxed races on its counters are harmless.
class PollGovernor {
public:
    bool shouldPoll() noexcept
    {
        if (m_credit.load(std::memory_order_relaxed) > kOff)
            return true;
        return m_skipped.fetch_add(1, std::memory_order_relaxed) % kProbeEvery == 0;
    }

    void record(bool answered) noexcept
    {
        const int credit = m_credit.load(std::memory_order_relaxed);
        m_credit.store(answered ? std::min(credit + 1, kMax) : std::max(credit - 2, kMin), std::memory_order_relaxed);
    }

private:
    static constexpr int kMax = 8; // a hit earns 1, a miss costs 2: a hit rate under 2/3 turns polling off
    static constexpr int kMin = -8;
    static constexpr int kOff = 0; // from full credit, four misses in a row turn it off
    static constexpr unsigned kProbeEvery = 16;
    std::atomic<int> m_credit { kMax };
    std::atomic<unsigned> m_skipped { 0 };
};

} // namespace qtwisted::detail
