// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// The seam QTwisted::Testing (<qtwisted/testing.h>) reaches the runtime through: a reactor's clock, its timed and
// queued calls, a pool's backlog, the pools alive and the Deferreds made while a test watches. Not API: nothing here
// is called on a hot path, and nothing costs anything while no test uses it (docs/testing.md, "What it changed in the
// core").
#pragma once

#include <qtwisted/detail/chain.h>

#include <QString>
#include <QtGlobal>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <typeinfo>
#include <vector>

class QThread;

namespace qtwisted {

class Reactor;
class ThreadPool;

namespace detail {

class PoolState;

/// A delayed call still scheduled: when it is due and where Reactor::callLater() was called.
struct PendingTimedCall {
    std::int64_t dueNs = 0;
    const char* file = nullptr;
    unsigned line = 0;
    const std::type_info* type = nullptr;
    const void* id = nullptr; ///< the same for the same call while it is scheduled
};

/// A live pool, as the testing guard sees it.
struct LivePool {
    std::weak_ptr<PoolState> state;
    QString name;
    quint64 serial = 0; ///< creation order, process-wide (a pool made during a test has a serial above the mark)
};

struct TestAccess {
    /// Every Reactor alive now (a registry kept by their constructors and destructors).
    static std::vector<Reactor*> liveReactors();
    static QThread* thread(const Reactor& reactor) noexcept;

    // ---- a reactor (reactor thread only) ----
    /// Puts the reactor's timed calls on a clock that moves only through setClockNs(): the QTimer is stopped and
    /// never armed while it is on. Off: back to the steady clock (deadlines are kept as they are).
    static void setManualClock(Reactor& reactor, bool on, std::int64_t nowNs);
    static bool manualClock(const Reactor& reactor) noexcept;
    static std::int64_t clockNs(const Reactor& reactor) noexcept;
    static void setClockNs(Reactor& reactor, std::int64_t nowNs);
    /// Runs the startup sequence without spinning an event loop (as embedded mode does); no-op unless NotStarted.
    static void startWithoutLoop(Reactor& reactor);
    /// True once started and not yet stopped.
    static bool started(const Reactor& reactor) noexcept;
    /// One iteration: the queued calls, then the timed calls due at the reactor's clock.
    static void iterate(Reactor& reactor);
    static std::optional<std::int64_t> nextDueNs(const Reactor& reactor) noexcept;
    static std::vector<PendingTimedCall> pendingTimedCalls(const Reactor& reactor);
    /// Cancels the scheduled call PendingTimedCall::id names (the guard cleans up what a failed test left).
    static void cancelTimedCall(Reactor& reactor, const void* id);
    /// The callables queued for the reactor thread (callFromThread, results of pool jobs), oldest first. Any thread.
    static std::vector<const std::type_info*> queuedCalls(const Reactor& reactor);

    // ---- a pool ----
    /// Takes the oldest job of the backlog and runs it in the calling thread; false when the backlog is empty.
    static bool runOneQueued(ThreadPool& pool);
    /// The callables of the jobs waiting in the backlog, oldest first.
    static std::vector<const std::type_info*> queuedJobs(ThreadPool& pool);
    static std::vector<const std::type_info*> queuedJobs(PoolState& pool);
    /// Workers running a job now.
    static int runningJobs(PoolState& pool);
    /// Every ThreadPool alive now.
    static std::vector<LivePool> livePools();
    /// The serial the next pool will get.
    static quint64 nextPoolSerial() noexcept;
    /// Kernel ids of threads that ran a pool's worker loop, with the pool's name, while its pool is alive or not.
    static std::vector<std::pair<int, QString>> workerThreadsOfDeadPools();
    /// Records `tid` as a worker of a pool already gone (the guard's own test of that rule uses it).
    static void noteWorkerOfDeadPool(int tid, const QString& poolName);
};

} // namespace detail

} // namespace qtwisted
