// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "diagnostics_p.h"
#include "growth_p.h"
#include "logging_p.h"
#include "noise_p.h"
#include "pollgovernor_p.h"
#include "spinmutex_p.h"
#include "trace_p.h"
#include "traceclock_p.h"

#include <qtwisted/detail/signal.h>
#include <qtwisted/detail/testaccess.h>
#include <qtwisted/diagnostics.h>
#include <qtwisted/errors.h>
#include <qtwisted/threadpool.h>

#include <QThread>
#include <QThreadPool>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#ifdef Q_OS_LINUX
#include <pthread.h>
#include <unistd.h>
#endif

namespace qtwisted {

namespace detail {

namespace {

struct Job {
    UniqueFunction<bool()> run;
    Task onCancel;
    quint64 id = 0;
    std::uint32_t label = 0;
    ApiKind api = ApiKind::CallInThread;
    std::int64_t queuedNs = 0; // only while monitored
    std::int64_t tracedQueuedNs = 0; // only while traced: the JobQueued time, which JobStarted never precedes
    bool expectedLong = false; // only while monitored
};

/// How long one idle worker polls for work before it sleeps (see ThreadPoolState::idleWait): about two futex
/// round trips in this VM, so that a job submitted right after the last one finished costs no system call.
constexpr auto kSpin = std::chrono::microseconds(30);

/// One worker loop; it sleeps on its own Signal, so waking exactly one idle worker costs one futex wake.
struct Worker {
    Signal wake;
    int index = 0;
    bool dispatched = false; // woken or started because a job waits
    bool woken = false; // of those: woken from idle (counted in m_waking)
    bool retire = false;
    bool blocked = false; // waits in blockingCallFromThread (counted in m_blocked)
    // The job it runs, for a monitor (kept only while monitored; guarded by the pool's mutex).
    bool running = false;
    bool expectedLong = false;
    quint64 jobId = 0;
    std::uint32_t label = 0;
    std::int64_t startedNs = 0;
    int tid = 0; // the kernel's id of its thread (Linux)
    int cpuClock = 0; // its CPU-time clock (a clockid_t), for a monitor's "on a CPU or waiting" (Linux)
};

/// A spare thread (ThreadPool::setSpareThreads): started and parked beside the workers, it runs no job until the pool
/// hands it a worker to become (a futex wake instead of a thread start), or nullptr to end. Lives on its thread's
/// stack.
struct Spare {
    Signal wake;
    Worker* worker = nullptr;
};

/// Wait samples a pool keeps between two snapshots of its monitor (the oldest half goes past this).
constexpr std::size_t kMaxWaitSamples = 8192;

/// The clock of a monitored pool's stamps (queued, started): the kernel's coarse monotonic clock, a few
/// nanoseconds to read (the monitor's thresholds are tens of milliseconds and more; its resolution is a few ms).
std::int64_t coarseNowNs() noexcept
{
#ifdef Q_OS_LINUX
    timespec ts {};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
#else
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
#endif
}

void validateSizes(int minThreads, int maxThreads)
{
    if (minThreads < 0)
        throw std::invalid_argument("ThreadPool: minimum thread count must be >= 0");
    if (maxThreads < 0)
        throw std::invalid_argument("ThreadPool: maximum thread count must be >= 0");
    if (minThreads > maxThreads)
        throw std::invalid_argument("ThreadPool: minimum thread count must not exceed the maximum");
}

thread_local PoolState* t_currentPool = nullptr;
thread_local Worker* t_currentWorker = nullptr;
thread_local bool t_tracingJob = false;
thread_local std::int64_t t_jobEnd = 0;

} // namespace

class PoolState {
public:
    PoolState(int minThreads, int maxThreads, QString name)
        : m_name(std::move(name))
        , m_traceId(TraceStrings::intern(m_name))
        , m_min(minThreads)
        , m_max(maxThreads)
    {
        // The QThreadPool only hosts our worker loops: we decide how many run, so it must never queue them, and a
        // retired worker's thread should end at once so thread counts come back to baseline.
        m_qpool.setMaxThreadCount(std::numeric_limits<int>::max() / 2);
        m_qpool.setExpiryTimeout(0);
        m_qpool.setObjectName(QStringLiteral("qtwisted.ThreadPool:%1").arg(m_name));
    }

    /// Records an event if a recorder is attached: one acquire load otherwise.
    void trace(TraceEventKind kind, const Job* job, int worker, std::int64_t time, std::int64_t duration = 0,
        std::uint32_t label = 0) const noexcept
    {
        if (job)
            traceJob(kind, job->id, job->label, job->api, worker, time, duration);
        else
            traceJob(kind, 0, label, ApiKind::CallInThread, worker, time, duration);
    }

    void traceJob(TraceEventKind kind, quint64 id, std::uint32_t label, ApiKind api, int worker, std::int64_t time,
        std::int64_t duration = 0) const noexcept
    {
        if (TraceSink* sink = m_trace.get())
            sink->record(jobEvent(kind, api, id, label, m_traceId, time, duration, worker));
    }

    // Actions computed under the lock and carried out after releasing it.
    struct Actions {
        std::vector<Worker*> wake;
        std::vector<Worker*> spawn; // nullptr: start a spare thread
        std::vector<Spare*> handOff; // parked spares to wake: each becomes its `worker`, or ends without one
        std::vector<Job> cancelled;
        std::function<void()> drained;
    };

    void perform(Actions& actions)
    {
        for (Worker* w : actions.wake)
            w->wake.release();
        for (Spare* s : actions.handOff)
            s->wake.release();
        if (!actions.spawn.empty()) {
            std::lock_guard lock(m_spawnMutex);
            if (!m_spawner.joinable()) {
                m_spawner = std::thread([this] {
#ifdef Q_OS_LINUX
                    pthread_setname_np(pthread_self(), "qtwisted-spawn");
                    m_spawnerTid.store(static_cast<int>(::gettid()), std::memory_order_relaxed);
#endif
                    spawnerLoop();
                });
            }
            m_spawnQueue.insert(m_spawnQueue.end(), actions.spawn.begin(), actions.spawn.end());
            m_spawnWake.notify_one();
        }
        for (Job& job : actions.cancelled) {
            trace(TraceEventKind::JobCancelled, &job, -1, traceNow());
            if (job.onCancel) {
                try {
                    job.onCancel();
                } catch (...) {
                    logJobFailure(Failure::current(), "a job's cancellation");
                }
            }
        }
        if (actions.drained)
            actions.drained();
    }

    Worker* newWorkerLocked(bool dispatched)
    {
        reserveOneMore(m_allWorkers); // what may throw first: nothing is counted yet
        auto* w = new Worker;
        w->index = m_nextWorkerIndex++;
        w->dispatched = dispatched;
        if (dispatched)
            ++m_dispatching;
        else
            ++m_startingIdle;
        ++m_workers;
        ++m_threadsAlive;
        m_allWorkers.push_back(w);
        return w;
    }

    /// A new worker: a parked spare thread becomes it if there is one, otherwise the spawner starts a thread for it.
    void spawnLocked(Actions& a, bool dispatched)
    {
        // Room first: once the worker is counted, nothing may throw before it is on its way.
        reserveOneMore(a.handOff);
        reserveOneMore(a.spawn);
        Worker* w = newWorkerLocked(dispatched);
        if (!m_spares.empty()) {
            Spare* s = m_spares.back();
            m_spares.pop_back();
            s->worker = w;
            a.handOff.push_back(s);
        } else {
            a.spawn.push_back(w);
        }
    }

    /// Keeps m_spareTarget spare threads parked while the pool runs; ends the rest (all of them when closing).
    void balanceSparesLocked(Actions& a)
    {
        const int target = m_started && !m_closing ? m_spareTarget : 0;
        while (static_cast<int>(m_spares.size()) > target) {
            a.handOff.push_back(m_spares.back()); // worker == nullptr: it ends
            m_spares.pop_back();
        }
        for (int have = static_cast<int>(m_spares.size()) + m_sparesStarting; have < target; ++have) {
            a.spawn.push_back(nullptr); // first: counted only once it is sure to start
            ++m_sparesStarting;
            ++m_sparesAlive;
        }
    }

    /// How many workers may run jobs: the maximum, plus (compensating) one for each worker blocked in
    /// blockingCallFromThread, at most the maximum again.
    int capLocked() const noexcept
    {
        return m_max + (m_compensate ? std::min(m_blocked, m_max) : 0);
    }

    /// How many workers the pool keeps (idle ones above it retire): capLocked(), except that workers started in
    /// place of blocked ones stay until the pool is quiet (m_lentPeak), so that a run of blockingCallFromThread jobs
    /// does not start and end a thread per call (a thousand blocking calls with a backlog started ~500 threads).
    int keepLocked() const noexcept
    {
        return m_compensate ? m_max + std::min(std::max(m_blocked, m_lentPeak), m_max) : m_max;
    }

    /// Nothing runs, waits or blocks: workers kept for blocked ones (keepLocked()) may go.
    void forgetLentPeakIfQuietLocked(Actions& a)
    {
        if (m_lentPeak > 0 && m_busy == 0 && m_blocked == 0 && m_backlog.empty()) {
            m_lentPeak = 0;
            dispatchLocked(a);
        }
    }

    /// Wakes or starts workers for queued jobs, idle ones first, never more than capLocked() at once.
    /// A submitter wakes one idle worker at most while another woken one is still on its way: that one, once it took
    /// its job, wakes the next for what is left (see workerLoop). A burst of submissions from the reactor thread then
    /// costs it one wake-up, and the other wake-ups happen on worker threads, in parallel with it.
    void dispatchLocked(Actions& a, bool fromSubmit = false)
    {
        if (!m_started)
            return;
        const int cap = capLocked();
        while (static_cast<std::size_t>(m_dispatching) < m_backlog.size() && m_busy + m_dispatching < cap) {
            if (!m_idle.empty()) {
                if (fromSubmit && m_waking > 0)
                    break;
                // The polling worker first: it needs no system call to wake.
                Worker* w = m_idle.back();
                if (m_spinner) {
                    const auto it = std::find(m_idle.begin(), m_idle.end(), m_spinner);
                    if (it != m_idle.end())
                        std::swap(*it, m_idle.back());
                    w = m_idle.back();
                    m_spinner = nullptr;
                }
                m_idle.pop_back();
                w->dispatched = true;
                w->woken = true;
                ++m_dispatching;
                ++m_waking;
                a.wake.push_back(w);
            } else if (m_startingIdle > 0) {
                // A minimum worker still starting will look at the backlog first: count it, do not make another.
                --m_startingIdle;
                ++m_startingClaimed;
                ++m_dispatching;
            } else if (m_workers < cap) {
                spawnLocked(a, true);
            } else {
                break;
            }
        }
        // Twisted's minimum: keep that many workers around even without work.
        while (!m_closing && m_workers < m_min)
            spawnLocked(a, false);
        if (m_spareTarget > 0 || !m_spares.empty() || m_sparesStarting > 0)
            balanceSparesLocked(a);
        // Idle workers above the maximum retire at once; busy ones do after their job.
        while (m_workers > keepLocked() && !m_idle.empty()) {
            Worker* w = m_idle.back();
            m_idle.pop_back();
            if (w == m_spinner)
                m_spinner = nullptr;
            w->retire = true;
            --m_workers;
            a.wake.push_back(w);
        }
        if (m_closing) {
            if (m_max == 0 && !m_backlog.empty())
                cancelBacklogLocked(a);
            if (m_backlog.empty()) {
                // Nothing left to drain: idle workers go.
                for (Worker* w : m_idle) {
                    w->retire = true;
                    --m_workers;
                    a.wake.push_back(w);
                }
                m_idle.clear();
                m_spinner = nullptr;
            }
            checkDrainedLocked(a);
        }
    }

    void cancelBacklogLocked(Actions& a)
    {
        m_cancelled += m_backlog.size();
        for (Job& job : m_backlog)
            a.cancelled.push_back(std::move(job));
        m_backlog.clear();
    }

    void checkDrainedLocked(Actions& a)
    {
        if (m_closing && m_backlog.empty() && m_busy == 0 && m_whenDrained) {
            a.drained = std::move(m_whenDrained);
            m_whenDrained = nullptr;
        }
    }

    /// `wasSpare`: the thread parked as a spare first, and its id is already in m_workerTids.
    void workerLoop(Worker* w, bool wasSpare = false)
    {
        Q_UNUSED(wasSpare); // Linux only
        t_currentPool = this;
        t_currentWorker = w;
        // Named before taking the pool's lock: a resize starts many workers at once, and each would otherwise hold
        // the lock through the string formatting and two system calls while the others, and submitters, wait.
        int index = 0;
        {
            // Qt may hand this loop to a pooled thread it already had (ordered by Qt's own lock, which
            // ThreadSanitizer does not see): read what the submitter wrote under ours.
            std::lock_guard briefly(m_mutex);
            index = w->index;
        }
        const QString threadName = QStringLiteral("PoolThread-%1-%2").arg(m_name).arg(index);
        QThread::currentThread()->setObjectName(threadName);
#ifdef Q_OS_LINUX
        pthread_setname_np(pthread_self(), threadName.right(15).toUtf8().constData());
        const int tid = static_cast<int>(::gettid());
        clockid_t cpuClock = 0;
        if (pthread_getcpuclockid(pthread_self(), &cpuClock) != 0)
            cpuClock = 0;
#endif
        std::unique_lock lock(m_mutex);
#ifdef Q_OS_LINUX
        w->tid = tid;
        w->cpuClock = static_cast<int>(cpuClock);
        if (!wasSpare)
            m_workerTids.push_back(tid);
#endif
        if (!w->dispatched) {
            if (m_startingClaimed > 0) {
                --m_startingClaimed;
                w->dispatched = true;
            } else {
                --m_startingIdle;
            }
        }
        if (m_trace.get())
            trace(TraceEventKind::WorkerCreated, nullptr, w->index, traceNow(), 0, TraceStrings::intern(threadName));
        for (;;) {
            if (w->dispatched) {
                w->dispatched = false;
                --m_dispatching;
                if (w->woken) {
                    w->woken = false;
                    --m_waking;
                }
            }
            if (w->retire)
                break;
            if (m_workers > keepLocked()) {
                --m_workers; // shrunk while we were busy: retire after the job, never during it
                break;
            }
            if (!m_backlog.empty() && m_busy < capLocked()) {
                Job job = std::move(m_backlog.front());
                m_backlog.pop_front();
                QTWISTED_NOISE();
                ++m_busy;
                ++m_startedJobs;
                if (m_monitored.load(std::memory_order_relaxed) > 0)
                    noteStartLocked(w, job);
                Actions chain; // more jobs waiting: wake the next worker for them (see dispatchLocked)
                if (!m_backlog.empty())
                    dispatchLocked(chain);
                lock.unlock();
                if (!chain.wake.empty() || !chain.spawn.empty() || !chain.handOff.empty())
                    perform(chain);
                const std::int64_t started = m_trace.get() ? std::max(traceNowUnordered(), job.tracedQueuedNs) : 0;
                if (started) {
                    trace(TraceEventKind::JobStarted, &job, w->index, started);
                    t_tracingJob = true;
                    t_jobEnd = 0;
                }
                bool ok = false;
                try {
                    ok = job.run();
                } catch (...) {
                    logJobFailure(Failure::current(), "a pool job");
                }
                if (started) {
                    t_tracingJob = false;
                    const std::int64_t ended = t_jobEnd ? t_jobEnd : std::max(traceNowUnordered(), started);
                    trace(ok ? TraceEventKind::JobFinished : TraceEventKind::JobFailed, &job, w->index, ended,
                        ended - started);
                }
                job.run.reset(); // captures, arguments and result go now, not when the next job comes
                job.onCancel.reset();
                lock.lock();
                --m_busy;
                w->running = false;
                ++(ok ? m_completed : m_failed);
                if (m_lentPeak > 0 && !m_closing) {
                    Actions a;
                    forgetLentPeakIfQuietLocked(a);
                    if (!a.wake.empty() || !a.spawn.empty() || !a.handOff.empty()) {
                        lock.unlock();
                        perform(a);
                        lock.lock();
                    }
                }
                if (m_closing) {
                    // Draining for stop(): when the backlog is done, idle workers must go and the reactor hear of it.
                    Actions a;
                    dispatchLocked(a);
                    lock.unlock();
                    perform(a);
                    lock.lock();
                }
                continue;
            }
            if (m_closing && m_backlog.empty()) {
                --m_workers;
                break;
            }
            m_idle.push_back(w);
            idleWait(w, lock);
        }
        QTWISTED_NOISE(); // retiring
        // Woken for a job but retiring instead (the pool shrank): hand what waits to another worker.
        Actions handover;
        if (!m_closing && !m_backlog.empty())
            dispatchLocked(handover);
        --m_threadsAlive;
        m_allWorkers.erase(std::find(m_allWorkers.begin(), m_allWorkers.end(), w));
        const bool last = m_threadsAlive == 0 && m_sparesAlive == 0;
        lock.unlock();
        if (!handover.wake.empty() || !handover.spawn.empty() || !handover.handOff.empty())
            perform(handover);
        trace(TraceEventKind::WorkerRetired, nullptr, w->index, traceNow());
        delete w;
        t_currentPool = nullptr;
        t_currentWorker = nullptr;
        if (last)
            m_allGone.notify_all();
    }

    /// A spare thread: parks until the pool hands it a worker to become (spawnLocked) or tells it to end.
    void spareLoop()
    {
        Spare spare;
#ifdef Q_OS_LINUX
        pthread_setname_np(pthread_self(), "qtwisted-spare");
        const int tid = static_cast<int>(::gettid());
#endif
        {
            std::lock_guard lock(m_mutex);
            --m_sparesStarting;
#ifdef Q_OS_LINUX
            m_workerTids.push_back(tid);
#endif
            const int target = m_started && !m_closing ? m_spareTarget : 0;
            bool parked = false;
            if (static_cast<int>(m_spares.size()) < target) {
                try {
                    m_spares.push_back(&spare);
                    parked = true;
                } catch (...) { // NOLINT(bugprone-empty-catch): out of memory, the thread just ends
                }
            }
            if (!parked) {
                --m_sparesAlive; // not wanted any more (the target fell while it started), or no room to park
                if (m_threadsAlive == 0 && m_sparesAlive == 0)
                    m_allGone.notify_all();
                return;
            }
        }
        spare.wake.acquire();
        Worker* w = nullptr;
        {
            std::lock_guard lock(m_mutex);
            w = spare.worker;
            --m_sparesAlive;
            if (!w && m_threadsAlive == 0 && m_sparesAlive == 0)
                m_allGone.notify_all();
        }
        if (w)
            workerLoop(w, true);
    }

    /// An idle worker (already in m_idle) waits for its wake-up. One of them at a time first polls for kSpin:
    /// with work arriving in quick succession (a deferToThread per callback) the next job then starts without a
    /// futex wake on either side. Returns with the lock held.
    void idleWait(Worker* w, std::unique_lock<SpinThenSleepMutex>& lock)
    {
        const bool spin = m_spinner == nullptr && m_spinGovernor.shouldPoll();
        if (spin)
            m_spinner = w;
        lock.unlock();
        QTWISTED_NOISE();
        if (spin) {
            const bool woken = w->wake.pollFor(kSpin);
            m_spinGovernor.record(woken);
            if (!woken) {
                lock.lock();
                if (m_spinner == w)
                    m_spinner = nullptr;
                lock.unlock();
            }
        }
        w->wake.acquire();
        lock.lock();
        if (m_spinner == w)
            m_spinner = nullptr;
    }

    /// Starts the worker loops on the QThreadPool. One long-lived thread does all QThreadPool::start calls: Qt 6.4
    /// crashes when a pooled thread renames itself after the thread that made its QThread object has exited, and
    /// submitters or resizers may be short-lived threads. It also keeps thread creation off the callers' time.
    void spawnerLoop()
    {
        for (;;) {
            std::vector<Worker*> batch;
            {
                std::unique_lock lock(m_spawnMutex);
                m_spawnWake.wait(lock, [this] { return m_spawnQuit || !m_spawnQueue.empty(); });
                if (m_spawnQueue.empty())
                    return;
                batch.swap(m_spawnQueue);
            }
            for (Worker* w : batch) {
                if (w)
                    m_qpool.start([this, w] { workerLoop(w); });
                else
                    m_qpool.start([this] { spareLoop(); });
            }
        }
    }

    /// Qt's pooled threads are detached: QThreadPool::waitForDone() returns when they finished, slightly before the
    /// kernel has removed them. Wait for that too, so that no worker thread is left when stop() returns.
    /// Returns the threads still there after 2 s (QTwisted::Testing reports them as outliving their pool).
    std::vector<int> waitForThreadsGone(const std::vector<int>& tids)
    {
        std::vector<int> left;
#ifdef Q_OS_LINUX
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        for (int tid : tids) {
            const QByteArray path = "/proc/self/task/" + QByteArray::number(tid);
            while (::access(path.constData(), F_OK) == 0 && std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(std::chrono::microseconds(50));
            if (::access(path.constData(), F_OK) == 0)
                left.push_back(tid);
        }
#else
        Q_UNUSED(tids);
#endif
        return left;
    }

    quint64 submit(UniqueFunction<bool()> run, Task onCancel, ApiKind api)
    {
        Actions a;
        quint64 id = 0;
        const std::uint32_t label = ScopedJobLabel::current();
        const bool monitored = m_monitored.load(std::memory_order_relaxed) > 0;
        const bool traced = m_trace.get() != nullptr;
        // Unordered clock reads for the three events of a traced job (about 10 ns each instead of 19 here): the
        // start is clamped to the submission, the end to the start, so no job appears to start before it was queued.
        const std::int64_t queued = traced ? traceNowUnordered() : 0;
        const std::int64_t stamped = monitored ? coarseNowNs() : 0;
        {
            std::lock_guard lock(m_mutex);
            ++m_submitted;
            if (m_joined || m_closing) {
                ++m_refused;
                throw PoolStoppedError(
                    QStringLiteral("thread pool '%1' is stopped and accepts no work").arg(m_name).toStdString());
            }
            id = m_nextJobId++;
            m_backlog.push_back(Job { std::move(run), std::move(onCancel), id, label, api, stamped, queued,
                monitored && ScopedExpectedLongJobs::active() });
            QTWISTED_NOISE();
            dispatchLocked(a, true);
        }
        if (queued)
            traceJob(TraceEventKind::JobQueued, id, label, api, -1, queued);
        perform(a);
        return id;
    }

    bool tryCancel(quint64 id)
    {
        Job removed;
        {
            std::lock_guard lock(m_mutex);
            auto it = std::find_if(m_backlog.begin(), m_backlog.end(), [id](const Job& j) { return j.id == id; });
            if (it == m_backlog.end())
                return false;
            removed = std::move(*it);
            m_backlog.erase(it);
            ++m_cancelled;
        }
        trace(TraceEventKind::JobCancelled, &removed, -1, traceNow());
        return true; // `removed` dies here, outside the lock: its captures may be heavy
    }

    void start()
    {
        Actions a;
        {
            std::lock_guard lock(m_mutex);
            if (m_joined || m_closing)
                throw PoolStoppedError("a stopped thread pool cannot be restarted");
            if (m_started)
                return;
            m_started = true;
            // minimum idle workers first, then the backlog
            while (m_workers < m_min)
                spawnLocked(a, false);
            dispatchLocked(a);
        }
        perform(a);
    }

    void adjust(std::optional<int> minThreads, std::optional<int> maxThreads)
    {
        Actions a;
        int oldMin = 0;
        int oldMax = 0;
        int newMin = 0;
        int newMax = 0;
        {
            std::lock_guard lock(m_mutex);
            newMin = minThreads.value_or(m_min);
            newMax = maxThreads.value_or(m_max);
            validateSizes(newMin, newMax);
            oldMin = std::exchange(m_min, newMin);
            oldMax = std::exchange(m_max, newMax);
            dispatchLocked(a); // before start() it only records
        }
        if (TraceSink* sink = m_trace.get()) {
            TraceEvent e;
            e.kind = TraceEventKind::PoolResized;
            e.timeNs = traceNow();
            e.poolId = m_traceId;
            e.labelId = ScopedJobLabel::current();
            e.oldMin = oldMin;
            e.oldMax = oldMax;
            e.newMin = newMin;
            e.newMax = newMax;
            sink->record(e);
        }
        perform(a);
    }

    void close(std::function<void()> whenDrained)
    {
        Actions a;
        {
            std::lock_guard lock(m_mutex);
            if (!m_closing) {
                m_closing = true;
                if (!m_started || m_max == 0)
                    cancelBacklogLocked(a);
            }
            m_whenDrained = std::move(whenDrained);
            if (m_started)
                dispatchLocked(a);
            else
                checkDrainedLocked(a);
        }
        perform(a);
    }

    void stop()
    {
        if (t_currentPool == this)
            throw WrongThreadError("ThreadPool::stop() called from one of its own workers");
        {
            std::lock_guard lock(m_mutex);
            if (m_joined)
                return;
        }
        close(nullptr);
        std::vector<int> tids;
        {
            std::unique_lock lock(m_mutex);
            m_joined = true;
            m_allGone.wait(lock, [this] { return m_threadsAlive == 0 && m_sparesAlive == 0; });
            tids.swap(m_workerTids);
        }
        m_qpool.waitForDone(); // joins the QThreads themselves (and deletes them while the spawner still lives)
        std::thread spawner;
        {
            std::lock_guard lock(m_spawnMutex);
            m_spawnQuit = true;
            m_spawnWake.notify_one();
            spawner = std::move(m_spawner);
        }
        if (spawner.joinable()) {
            spawner.join();
            // join() returns when the thread has exited, a moment before the kernel removes its task: wait for that
            // too, as for the workers (noWorkerThreadLeftAfterStop saw it still listed once under load).
            if (const int tid = m_spawnerTid.exchange(0, std::memory_order_relaxed); tid != 0)
                tids.push_back(tid);
        }
        for (int tid : waitForThreadsGone(tids))
            TestAccess::noteWorkerOfDeadPool(tid, m_name);
    }

    // ---- QTwisted::Testing (detail/testaccess.h) ---------------------------------------------------------------

    /// Runs the oldest queued job in the calling thread, with the books a worker keeps; false when none waits.
    bool runOneInline()
    {
        Job job;
        {
            std::lock_guard lock(m_mutex);
            if (m_backlog.empty())
                return false;
            job = std::move(m_backlog.front());
            m_backlog.pop_front();
            ++m_busy;
            ++m_startedJobs;
        }
        bool ok = false;
        try {
            ok = job.run();
        } catch (...) {
            logJobFailure(Failure::current(), "a pool job");
        }
        job.run.reset();
        job.onCancel.reset();
        Actions a;
        {
            std::lock_guard lock(m_mutex);
            --m_busy;
            ++(ok ? m_completed : m_failed);
            if (m_closing)
                dispatchLocked(a);
        }
        perform(a);
        return true;
    }

    std::vector<const std::type_info*> queuedTypes() const
    {
        std::vector<const std::type_info*> out;
        std::lock_guard lock(m_mutex);
        for (const Job& job : m_backlog)
            out.push_back(job.run.type());
        return out;
    }

    int running() const
    {
        std::lock_guard lock(m_mutex);
        return m_busy;
    }

    // ---- diagnostics -------------------------------------------------------------------------------------------

    void noteStartLocked(Worker* w, const Job& job)
    {
        const std::int64_t now = coarseNowNs();
        w->running = true;
        w->jobId = job.id;
        w->label = job.label;
        w->startedNs = now;
        w->expectedLong = job.expectedLong;
        if (job.queuedNs == 0)
            return; // queued before the monitor came
        if (m_waits.size() >= kMaxWaitSamples)
            m_waits.erase(m_waits.begin(), m_waits.begin() + static_cast<std::ptrdiff_t>(kMaxWaitSamples / 2));
        m_waits.push_back(WaitSample { now, now - job.queuedNs, job.label });
    }

    /// The calling worker enters (or leaves) a wait in blockingCallFromThread: compensating, the pool may start a
    /// worker in its place for the backlog.
    void setBlocked(Worker* w, bool blocked)
    {
        Actions a;
        {
            std::lock_guard lock(m_mutex);
            if (w->blocked == blocked)
                return;
            w->blocked = blocked;
            m_blocked += blocked ? 1 : -1;
            m_lentPeak = std::max(m_lentPeak, m_blocked);
            if (blocked && !m_backlog.empty())
                dispatchLocked(a);
        }
        perform(a);
    }

    void setCompensated(bool on)
    {
        Actions a;
        {
            std::lock_guard lock(m_mutex);
            m_compensate = on;
            dispatchLocked(a);
        }
        perform(a);
    }

    void setSpares(int count)
    {
        if (count < 0)
            throw std::invalid_argument("ThreadPool: the number of spare threads must be >= 0");
        Actions a;
        {
            std::lock_guard lock(m_mutex);
            m_spareTarget = count;
            balanceSparesLocked(a);
        }
        perform(a);
    }

    int spares() const
    {
        std::lock_guard lock(m_mutex);
        return m_spareTarget;
    }

    bool compensated() const
    {
        std::lock_guard lock(m_mutex);
        return m_compensate;
    }

    void setMonitored(bool on)
    {
        std::lock_guard lock(m_mutex);
        m_monitored.fetch_add(on ? 1 : -1, std::memory_order_relaxed);
        if (m_monitored.load(std::memory_order_relaxed) == 0)
            m_waits.clear();
    }

    void snapshot(PoolSnapshot& out)
    {
        std::lock_guard lock(m_mutex);
        out.name = m_name;
        out.max = m_max;
        out.workers = m_workers;
        out.busy = m_busy;
        out.blocked = m_blocked;
        out.lent = m_compensate && m_blocked > 0 ? std::max(0, m_workers - m_max) : 0;
        out.backlog = static_cast<int>(m_backlog.size());
        out.started = m_started && !m_joined;
        out.compensated = m_compensate;
        out.startedJobs = m_startedJobs;
        out.coarseToTraceNs = traceNow() - coarseNowNs();
        out.queuedHead.clear();
        for (std::size_t k = 0; k < m_backlog.size() && k < 8; ++k)
            out.queuedHead.push_back(m_backlog[k].id);
        out.workersNow.clear();
        for (const Worker* w : m_allWorkers) {
            out.workersNow.push_back(WorkerSample { w->index, w->running, w->blocked, w->expectedLong, w->jobId,
                w->label, w->startedNs, w->tid, w->cpuClock });
        }
        out.waits.clear();
        out.waits.swap(m_waits);
    }

    PoolStats stats() const
    {
        std::lock_guard lock(m_mutex);
        PoolStats s;
        s.busy = m_busy;
        s.blocked = m_blocked;
        s.workers = m_workers;
        s.idle = m_workers - m_busy;
        s.backlog = static_cast<int>(m_backlog.size());
        s.completed = m_completed;
        s.failed = m_failed;
        s.cancelled = m_cancelled;
        s.submitted = m_submitted;
        s.refused = m_refused;
        s.spare = static_cast<int>(m_spares.size());
        return s;
    }

    int minThreads() const
    {
        std::lock_guard lock(m_mutex);
        return m_min;
    }
    int maxThreads() const
    {
        std::lock_guard lock(m_mutex);
        return m_max;
    }
    bool started() const
    {
        std::lock_guard lock(m_mutex);
        return m_started && !m_joined;
    }
    bool joined() const
    {
        std::lock_guard lock(m_mutex);
        return m_joined;
    }

    const QString m_name;
    const std::uint32_t m_traceId;
    QThreadPool m_qpool;
    TraceHook m_trace;

private:
    mutable SpinThenSleepMutex m_mutex;
    std::condition_variable_any m_allGone;
    std::deque<Job> m_backlog;
    std::vector<Worker*> m_idle; // LIFO: the most recently active worker has the warmest cache
    Worker* m_spinner = nullptr; // the idle worker polling before it sleeps (in m_idle), if any
    std::function<void()> m_whenDrained;
    int m_min;
    int m_max;
    int m_blocked = 0; // busy workers waiting in blockingCallFromThread
    int m_lentPeak = 0; // the most workers blocked at once since the pool was last quiet (keepLocked())
    bool m_compensate = true;
    PollGovernor m_spinGovernor; // whether an idle worker's poll pays (it does not on a busy machine)
    std::atomic<int> m_monitored { 0 }; // written under m_mutex, read without it at submission
    std::vector<Worker*> m_allWorkers; // every worker loop not yet returned
    std::vector<WaitSample> m_waits; // while monitored: waits since the last snapshot
    quint64 m_startedJobs = 0;
    int m_workers = 0; // alive and not retiring: idle + busy + starting
    int m_threadsAlive = 0; // worker loops not yet returned
    int m_busy = 0;
    int m_dispatching = 0; // woken or started for a queued job, not yet running it
    int m_waking = 0; // of those: woken from idle
    int m_startingIdle = 0; // started without a job (the minimum), not yet in their loop
    int m_startingClaimed = 0; // of those, counted in m_dispatching because a job came meanwhile
    std::vector<Spare*> m_spares; // parked spare threads (setSpareThreads)
    int m_spareTarget = 0;
    int m_sparesStarting = 0; // asked of the spawner, not yet parked
    int m_sparesAlive = 0; // spare threads started and not yet a worker or ended
    std::vector<int> m_workerTids; // kernel ids of the workers since the last stop()
    std::mutex m_spawnMutex;
    std::condition_variable m_spawnWake;
    std::vector<Worker*> m_spawnQueue; // guarded by m_spawnMutex
    bool m_spawnQuit = false; // guarded by m_spawnMutex
    std::thread m_spawner;
    std::atomic<int> m_spawnerTid { 0 }; // the kernel's id of m_spawner's thread (Linux), for stop()
    int m_nextWorkerIndex = 0;
    quint64 m_nextJobId = 1;
    quint64 m_completed = 0;
    quint64 m_failed = 0;
    quint64 m_cancelled = 0;
    quint64 m_submitted = 0;
    quint64 m_refused = 0;
    bool m_started = false;
    bool m_closing = false;
    bool m_joined = false;
};

void setPoolMonitored(PoolState& pool, bool on)
{
    pool.setMonitored(on);
}

bool snapshotPool(const std::weak_ptr<PoolState>& pool, PoolSnapshot& out)
{
    auto p = pool.lock();
    if (!p)
        return false;
    p->snapshot(out);
    return true;
}

std::weak_ptr<PoolState> poolStateOf(ThreadPool& pool)
{
    return PoolAccess::state(pool);
}

void enterBlockedWait() noexcept
{
    if (!t_currentPool || !t_currentWorker)
        return;
    try {
        t_currentPool->setBlocked(t_currentWorker, true);
    } catch (...) {
        logJobFailure(Failure::current(), "lending a worker for a blocked one"); // out of memory or threads
    }
}

void leaveBlockedWait() noexcept
{
    if (t_currentPool && t_currentWorker)
        t_currentPool->setBlocked(t_currentWorker, false); // no dispatch, nothing that allocates
}

quint64 PoolAccess::submit(ThreadPool& pool, UniqueFunction<bool()> run, Task onCancel, ApiKind api)
{
    return pool.m_d->submit(std::move(run), std::move(onCancel), api);
}

void PoolAccess::setTrace(ThreadPool& pool, const std::shared_ptr<TraceSink>& sink)
{
    pool.m_d->m_trace.set(sink);
}

void PoolAccess::clearTrace(const std::weak_ptr<PoolState>& pool, const TraceSink* sink)
{
    if (auto p = pool.lock())
        p->m_trace.clear(sink);
}

std::uint32_t PoolAccess::traceId(ThreadPool& pool)
{
    return pool.m_d->m_traceId;
}

std::weak_ptr<PoolState> PoolAccess::state(ThreadPool& pool)
{
    return pool.m_d;
}

bool PoolAccess::tryCancel(const std::weak_ptr<PoolState>& pool, quint64 jobId)
{
    if (auto p = pool.lock())
        return p->tryCancel(jobId);
    return false;
}

void PoolAccess::close(ThreadPool& pool, std::function<void()> whenDrained)
{
    pool.m_d->close(std::move(whenDrained));
}

namespace {

/// Every pool alive, and the workers that outlived theirs (QTwisted::Testing's guard reads both).
struct PoolRegistry {
    std::mutex mutex;
    std::vector<LivePool> pools;
    quint64 nextSerial = 1;
    std::vector<std::pair<int, QString>> deadWorkers;
};

PoolRegistry& poolRegistry()
{
    static auto* registry = new PoolRegistry; // never destroyed: pools may die during static destruction
    return *registry;
}

void registerPool(const std::shared_ptr<PoolState>& state, const QString& name)
{
    PoolRegistry& r = poolRegistry();
    std::lock_guard lock(r.mutex);
    std::erase_if(r.pools, [](const LivePool& p) { return p.state.expired(); });
    r.pools.push_back(LivePool { state, name, r.nextSerial++ });
}

} // namespace

bool TestAccess::runOneQueued(ThreadPool& pool)
{
    return pool.m_d->runOneInline();
}

std::vector<const std::type_info*> TestAccess::queuedJobs(ThreadPool& pool)
{
    return pool.m_d->queuedTypes();
}

std::vector<const std::type_info*> TestAccess::queuedJobs(PoolState& pool)
{
    return pool.queuedTypes();
}

int TestAccess::runningJobs(PoolState& pool)
{
    return pool.running();
}

std::vector<LivePool> TestAccess::livePools()
{
    PoolRegistry& r = poolRegistry();
    std::lock_guard lock(r.mutex);
    std::vector<LivePool> out;
    for (const LivePool& p : r.pools) {
        if (!p.state.expired())
            out.push_back(p);
    }
    return out;
}

quint64 TestAccess::nextPoolSerial() noexcept
{
    PoolRegistry& r = poolRegistry();
    std::lock_guard lock(r.mutex);
    return r.nextSerial;
}

std::vector<std::pair<int, QString>> TestAccess::workerThreadsOfDeadPools()
{
    PoolRegistry& r = poolRegistry();
    std::lock_guard lock(r.mutex);
    return r.deadWorkers;
}

void TestAccess::noteWorkerOfDeadPool(int tid, const QString& poolName)
{
    PoolRegistry& r = poolRegistry();
    std::lock_guard lock(r.mutex);
    r.deadWorkers.emplace_back(tid, poolName);
}

void noteJobEnd() noexcept
{
    if (t_tracingJob)
        t_jobEnd = traceNow();
}

void logJobFailure(const Failure& failure, const char* where) noexcept
{
    try {
        qCWarning(lcThreadPool).noquote() << QStringLiteral("Unhandled exception in %1: %2: %3")
                                                 .arg(QString::fromUtf8(where), failure.typeName(), failure.message());
    } catch (...) { // NOLINT(bugprone-empty-catch): logging must never throw into a worker
    }
}

} // namespace detail

ThreadPool::ThreadPool(int minThreads, int maxThreads, QString name, QObject* parent)
    : QObject(parent)
{
    detail::validateSizes(minThreads, maxThreads);
    m_d = std::make_shared<detail::PoolState>(minThreads, maxThreads, std::move(name));
    detail::registerPool(m_d, m_d->m_name);
}

ThreadPool::~ThreadPool()
{
    try {
        m_d->stop();
    } catch (const std::exception& e) {
        qCCritical(lcThreadPool) << "ThreadPool destroyed from one of its own workers:" << e.what();
    }
}

void ThreadPool::start()
{
    m_d->start();
}

void ThreadPool::adjustPoolsize(std::optional<int> minThreads, std::optional<int> maxThreads)
{
    m_d->adjust(minThreads, maxThreads);
}

void ThreadPool::stop()
{
    m_d->stop();
}

int ThreadPool::minThreads() const
{
    return m_d->minThreads();
}

int ThreadPool::maxThreads() const
{
    return m_d->maxThreads();
}

QString ThreadPool::name() const
{
    return m_d->m_name;
}

bool ThreadPool::isStarted() const
{
    return m_d->started();
}

bool ThreadPool::isJoined() const
{
    return m_d->joined();
}

PoolStats ThreadPool::stats() const
{
    return m_d->stats();
}

QString ThreadPool::dumpStats() const
{
    const PoolStats s = m_d->stats();
    return QStringLiteral("queue: %1 waiters: %2 workers: %3 total: %4")
        .arg(s.backlog)
        .arg(s.idle)
        .arg(s.busy)
        .arg(s.workers);
}

void ThreadPool::setBlockedWorkersCompensated(bool compensated)
{
    m_d->setCompensated(compensated);
}

void ThreadPool::setSpareThreads(int count)
{
    m_d->setSpares(count);
}

int ThreadPool::spareThreads() const
{
    return m_d->spares();
}

bool ThreadPool::blockedWorkersCompensated() const
{
    return m_d->compensated();
}

QThreadPool* ThreadPool::qThreadPool() const
{
    return &m_d->m_qpool;
}

} // namespace qtwisted
