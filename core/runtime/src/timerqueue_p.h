// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/detail/function.h>

#include <QtGlobal>

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace qtwisted::detail {

class ReactorCore;

/// A call scheduled by Reactor::callLater(), shared by its DelayedCall handles and (while pending) the TimerQueue.
struct TimedCall {
    enum class Status { Pending, Called, Cancelled };
    /// (due time in steady-clock nanoseconds, insertion sequence): the order calls run in.
    using Key = std::pair<qint64, quint64>;
    std::weak_ptr<ReactorCore> reactor;
    Key key;
    Task fn;
    Status status = Status::Pending;
    bool queued = false; ///< in the TimerQueue (counted in its size()); its entry there is the one with `key`
    bool self = false; ///< while monitored: scheduled with no delay by a call of the same callable
    const char* file = nullptr; ///< where Reactor::callLater() was called (QTwisted::Testing's report)
    unsigned line = 0;
};

/// The reactor's timed calls (Reactor::callLater()), ordered by due time, then by insertion: calls due at the same
/// time run in the order they were scheduled (as Twisted's). Rescheduling counts as a new insertion. Reactor thread
/// only. Times are steady-clock nanoseconds (steadyNowNs()); the queue never reads the clock itself.
///
/// A binary min-heap of (key, call) with lazy removal: cancel() and reschedule() only mark the call (its status, or
/// a new key), and the heap drops an entry whose key is no longer its call's when the entry comes to the top, or
/// when stale entries outnumber the live ones (rebuilt then, so memory stays within twice the pending calls). Adding
/// costs O(1) on average for random due times, cancelling O(1) amortized, running a due call O(log n). The balanced
/// tree it replaces (std::map) cost a node and about twenty dependent cache misses per insert and erase once a million
/// timers were pending (bench_scaling: 1.4 and 1.7 us at 10^6, 4-6x their cost at 10^3; docs/benchmarks.md).
class TimerQueue {
public:
    TimerQueue() = default;
    TimerQueue(const TimerQueue&) = delete;
    TimerQueue& operator=(const TimerQueue&) = delete;
    TimerQueue(TimerQueue&&) = delete;
    TimerQueue& operator=(TimerQueue&&) = delete;
    ~TimerQueue() = default;

    /// Schedules a pending call at `dueNs`.
    void add(const std::shared_ptr<TimedCall>& call, qint64 dueNs);
    /// Moves a scheduled call to `dueNs`; it then runs after the calls already scheduled at that time.
    void reschedule(const std::shared_ptr<TimedCall>& call, qint64 dueNs);
    /// Marks the call cancelled, releases its function (and what it captured) and unschedules it.
    void cancel(TimedCall& call);

    bool empty() const noexcept { return m_live == 0; }
    /// Scheduled calls (cancelled and moved ones not counted).
    std::size_t size() const noexcept { return m_live; }
    /// When the earliest scheduled call is due; nothing when none is.
    std::optional<qint64> nextDue() const noexcept
    {
        if (m_heap.empty())
            return std::nullopt;
        return m_heap.front().key.first; // the top is never stale (dropStaleTop())
    }

    /// Runs, in order, the calls due at `nowNs` (due time <= nowNs), each marked Called before `run(call.fn)`.
    /// A call that an earlier one cancelled or rescheduled meanwhile does not run; calls scheduled meanwhile wait for
    /// the next runDue(), even when already due. `run` must not let exceptions escape.
    template <class Run>
    void runDue(qint64 nowNs, Run&& run)
    {
        std::vector<Entry> due;
        while (!m_heap.empty() && m_heap.front().key.first <= nowNs) {
            due.push_back(m_heap.front()); // first: if it throws, the call is still queued
            popTop();
            due.back().call->queued = false;
            --m_live;
            dropStaleTop();
        }
        for (auto& [key, call] : due) {
            // An earlier call may have cancelled or rescheduled this one.
            if (call->status != TimedCall::Status::Pending || call->key != key)
                continue;
            call->status = TimedCall::Status::Called;
            run(*call);
        }
    }

    /// Unschedules every call and releases their functions (the calls stay Pending: they can no longer run, and a
    /// call that captured its own DelayedCall would otherwise keep itself alive).
    void releaseAll() noexcept;

    /// The scheduled calls in the order they run (QTwisted::Testing's pending list).
    template <class Visit>
    void forEach(Visit&& visit) const
    {
        std::vector<const Entry*> live;
        live.reserve(std::min(m_live, m_heap.size()));
        for (const Entry& e : m_heap) {
            if (!isStale(e))
                live.push_back(&e);
        }
        std::sort(live.begin(), live.end(), [](const Entry* a, const Entry* b) { return a->key < b->key; });
        for (const Entry* e : live)
            visit(*e->call);
    }

    /// Entries held, stale ones included (tests: the bound on memory).
    std::size_t heldEntries() const noexcept { return m_heap.size(); }

private:
    struct Entry {
        TimedCall::Key key;
        std::shared_ptr<TimedCall> call;
    };
    /// std::push_heap and friends build a max-heap: "later" is "less".
    static bool later(const Entry& a, const Entry& b) noexcept { return b.key < a.key; }
    /// An entry left behind by cancel() or reschedule().
    static bool isStale(const Entry& e) noexcept
    {
        return e.call->status != TimedCall::Status::Pending || e.call->key != e.key || !e.call->queued;
    }

    void push(const std::shared_ptr<TimedCall>& call, qint64 dueNs);
    void popTop() noexcept;
    /// Keeps the invariant that the top entry is live (nextDue() is const), and the heap within twice the live calls.
    void dropStaleTop() noexcept;
    void compactIfSparse() noexcept;

    std::vector<Entry> m_heap;
    std::size_t m_live = 0;
    quint64 m_nextSeq = 0;
};

} // namespace qtwisted::detail
