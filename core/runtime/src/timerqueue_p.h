// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/detail/function.h>

#include <QtGlobal>

#include <map>
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
    bool self = false; ///< while monitored: scheduled with no delay by a call of the same callable
    const char* file = nullptr; ///< where Reactor::callLater() was called (QTwisted::Testing's report)
    unsigned line = 0;
};

/// The reactor's timed calls (Reactor::callLater()), ordered by due time, then by insertion: calls due at the same
/// time run in the order they were scheduled (as Twisted's). Rescheduling counts as a new insertion. Reactor thread
/// only. Times are steady-clock nanoseconds (steadyNowNs()); the queue never reads the clock itself.
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

    bool empty() const noexcept { return m_calls.empty(); }
    std::size_t size() const noexcept { return m_calls.size(); }
    /// When the earliest scheduled call is due; nothing when none is.
    std::optional<qint64> nextDue() const noexcept
    {
        if (m_calls.empty())
            return std::nullopt;
        return m_calls.begin()->first.first;
    }

    /// Runs, in order, the calls due at `nowNs` (due time <= nowNs), each marked Called before `run(call.fn)`.
    /// A call that an earlier one cancelled or rescheduled meanwhile does not run; calls scheduled meanwhile wait for
    /// the next runDue(), even when already due. `run` must not let exceptions escape.
    template <class Run>
    void runDue(qint64 nowNs, Run&& run)
    {
        std::vector<std::pair<TimedCall::Key, std::shared_ptr<TimedCall>>> due;
        while (!m_calls.empty() && m_calls.begin()->first.first <= nowNs) {
            due.emplace_back(m_calls.begin()->first, std::move(m_calls.begin()->second));
            m_calls.erase(m_calls.begin());
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
        for (const auto& [key, call] : m_calls)
            visit(*call);
    }

private:
    std::map<TimedCall::Key, std::shared_ptr<TimedCall>> m_calls;
    quint64 m_nextSeq = 0;
};

} // namespace qtwisted::detail
