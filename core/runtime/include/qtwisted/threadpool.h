// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/detail/function.h>
#include <qtwisted/detail/poolaccess.h>
#include <qtwisted/failure.h>
#include <qtwisted/outcome.h>
#include <qtwisted/trace.h>

#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <utility>

class QThreadPool;

namespace qtwisted {

class ThreadPool;

/// A consistent snapshot of a pool (ThreadPool::stats()).
struct PoolStats {
    int idle = 0; ///< workers waiting for work
    int busy = 0; ///< workers running a job
    int workers = 0; ///< idle + busy
    int backlog = 0; ///< jobs waiting for a worker
    int blocked = 0; ///< of the busy workers: those waiting in blockingCallFromThread
    quint64 completed = 0; ///< jobs that returned
    quint64 failed = 0; ///< jobs that threw
    quint64 cancelled = 0; ///< jobs removed from the backlog without running
    quint64 submitted = 0; ///< every submission, refused ones included (quiescent: completed+failed+cancelled+refused)
    quint64 refused = 0; ///< submissions refused with PoolStoppedError
    int spare = 0; ///< spare threads parked beside the workers (setSpareThreads); not counted in workers
};

/// Twisted's twisted.python.threadpool.ThreadPool, hosted on a private QThreadPool. Thread-safe.
class ThreadPool : public QObject {
    Q_OBJECT
public:
    /// `minThreads < 0` or `minThreads > maxThreads` throw std::invalid_argument.
    explicit ThreadPool(int minThreads = 5, int maxThreads = 20, QString name = {}, QObject* parent = nullptr);
    /// Stops the pool (see stop()) if it still runs.
    ~ThreadPool() override;

    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;
    ThreadPool(ThreadPool&&) = delete;
    ThreadPool& operator=(ThreadPool&&) = delete;

    /// Creates minThreads idle workers, then dispatches the backlog. PoolStoppedError on a stopped pool.
    void start();

    /// Runs f(args...) in a worker; an exception is caught and logged once.
    template <class F, class... Args>
    void callInThread(F&& f, Args&&... args)
    {
        detail::PoolAccess::submit(
            *this,
            [fn = std::forward<F>(f), ... as = std::forward<Args>(args)]() mutable -> bool {
                try {
                    std::invoke(std::move(fn), std::move(as)...);
                    return true;
                } catch (...) {
                    detail::logJobFailure(Failure::current(), "callInThread");
                    return false;
                }
            },
            {}, ApiKind::CallInThread);
    }

    /// Runs f(args...) in a worker, then onResult(const Outcome<R>&) in the same worker.
    template <class OnResult, class F, class... Args>
    void callInThreadWithCallback(OnResult&& onResult, F&& f, Args&&... args)
    {
        detail::PoolAccess::submit(
            *this,
            [on = std::forward<OnResult>(onResult), fn = std::forward<F>(f),
                ... as = std::forward<Args>(args)]() mutable -> bool {
                const auto outcome = detail::captureOutcome(std::move(fn), std::move(as)...);
                try {
                    on(outcome);
                } catch (...) {
                    detail::logJobFailure(Failure::current(), "callInThreadWithCallback's onResult");
                }
                return outcome.ok();
            },
            {}, ApiKind::CallInThread);
    }

    /// Changes the sizes live (see docs/design.md); invalid values throw std::invalid_argument, nothing changed.
    void adjustPoolsize(std::optional<int> minThreads = {}, std::optional<int> maxThreads = {});

    /// Whether a worker waiting in blockingCallFromThread stops counting against maxThreads (default: true).
    /// While it waits, the pool may run one more worker in its place, up to maxThreads extra in all, so that a
    /// job the reactor waits for is never stuck behind workers that wait for the reactor (the deadlock of
    /// docs/diagnostics.md). false: Twisted's hard maximum.
    void setBlockedWorkersCompensated(bool compensated);
    bool blockedWorkersCompensated() const;

    /// Keeps `count` threads started and parked beside the workers while the pool runs (default 0, as in Twisted).
    /// They run no job and count towards neither minThreads nor maxThreads: when the pool needs a new worker (a
    /// resize, a burst, a blocked worker's stand-in) a spare becomes it at the cost of a wake-up instead of a thread
    /// start, and a new spare is started in the background. For applications that resize a running pool and want the
    /// new workers at once. `count < 0` throws std::invalid_argument, nothing changed.
    void setSpareThreads(int count);
    int spareThreads() const;

    /// Refuses new work, drains the backlog, joins every worker. Second call: no-op.
    /// WrongThreadError from a worker of this pool.
    void stop();

    int minThreads() const;
    int maxThreads() const;
    QString name() const;
    bool isStarted() const;
    bool isJoined() const;

    PoolStats stats() const;
    /// Twisted's dumpStats(): "queue: N waiters: N workers: N total: N".
    QString dumpStats() const;

    /// The QThreadPool hosting the workers (for stack size, thread priority).
    QThreadPool* qThreadPool() const;

private:
    friend struct detail::PoolAccess;
    friend struct detail::TestAccess;
    std::shared_ptr<detail::PoolState> m_d;
};

} // namespace qtwisted
