// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "callqueue_p.h"
#include "diagnostics_p.h"
#include "logging_p.h"
#include "pollgovernor_p.h"
#include "timerqueue_p.h"
#include "trace_p.h"
#include "traceclock_p.h"

#include <qtwisted/detail/testaccess.h>
#include <qtwisted/reactor.h>

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QEvent>
#include <QEventLoop>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

namespace qtwisted {

namespace detail {

namespace {

enum class State { NotStarted, Running, Stopping, Stopped };

const QEvent::Type kDrainEvent = static_cast<QEvent::Type>(QEvent::registerEventType());
const QEvent::Type kDiagnosticsProbeEvent = static_cast<QEvent::Type>(QEvent::registerEventType());
const QEvent::Type kProbeEvent = static_cast<QEvent::Type>(QEvent::registerEventType());

constexpr double kMaxDelaySeconds = 3.0e9; // ~95 years: keeps deadlines far inside qint64 nanoseconds
constexpr int kProbeIntervalMs = 20;
constexpr int kMaxTimerMs = 24 * 3600 * 1000;
constexpr std::int64_t kStallNs = 16'000'000; // a frame at 60 Hz

void logCallFailure(const char* what, const Failure& failure) noexcept
{
    try {
        qCWarning(lcReactor).noquote() << QStringLiteral("Unhandled exception in %1: %2: %3")
                                              .arg(QString::fromUtf8(what), failure.typeName(), failure.message());
    } catch (...) { // NOLINT(bugprone-empty-catch): logging never throws into the event loop
    }
}

bool runGuarded(Task& task, const char* what) noexcept
{
    bool ok = true;
    try {
        task();
    } catch (...) {
        ok = false;
        logCallFailure(what, Failure::current());
    }
    task.reset();
    return ok;
}

/// How the blocking call the reactor thread is running now ended, when not as a plain return (see ReactorAccess).
thread_local CallEnd t_callEnd = CallEnd::Returned;
/// While a monitored reactor thread runs a call: which callable (UniqueFunction::typeTag()); null otherwise.
thread_local const void* t_runningTag = nullptr;

/// The outcomes of one drained batch, added to the reactor's books at its end.
struct BatchCount {
    quint64 completed = 0;
    quint64 failed = 0;
    quint64 cancelled = 0;

    bool add(const Call& call, bool ok) noexcept
    {
        if (!call.counted)
            return ok;
        const CallEnd end = call.api == ApiKind::BlockingCallFromThread ? std::exchange(t_callEnd, CallEnd::Returned)
                                                                        : CallEnd::Returned;
        if (!ok || end == CallEnd::Failed)
            ++failed;
        else if (end == CallEnd::Skipped)
            ++cancelled;
        else
            ++completed;
        return ok;
    }
};

} // namespace

double toSeconds(double seconds)
{
    if (std::isnan(seconds))
        throw std::invalid_argument("delay must not be NaN");
    if (seconds < 0)
        throw std::invalid_argument("delay must not be negative");
    if (seconds > kMaxDelaySeconds)
        throw std::invalid_argument("delay is too large (more than 3e9 seconds)");
    return seconds;
}

/// Receives the payload-free wake-ups posted to the reactor thread.
class Waker : public QObject {
public:
    explicit Waker(ReactorCore* core, QObject* parent)
        : QObject(parent)
        , m_core(core)
    {
    }

protected:
    bool event(QEvent* e) override;

private:
    ReactorCore* m_core;
};

class ReactorCore : public std::enable_shared_from_this<ReactorCore> {
public:
    explicit ReactorCore(Reactor* reactor)
        : q(reactor)
        , thread(reactor->thread())
        , waker(new Waker(this, reactor))
        , timer(new QTimer(reactor))
    {
        timer->setSingleShot(true);
        timer->setTimerType(Qt::PreciseTimer);
        QObject::connect(timer, &QTimer::timeout, waker, [this] { iterate(Wake::Timer); });
        // Embedded mode: find out whether the application spins the loop itself (see probe()).
        QCoreApplication::postEvent(waker, new QEvent(kProbeEvent));
    }

    ReactorCore(const ReactorCore&) = delete;
    ReactorCore& operator=(const ReactorCore&) = delete;
    ReactorCore(ReactorCore&&) = delete;
    ReactorCore& operator=(ReactorCore&&) = delete;
    ~ReactorCore() = default;

    void checkThread(const char* what) const
    {
        if (QThread::currentThread() != thread)
            throw WrongThreadError(std::string(what) + " must be called from the reactor thread");
    }

    // ---- the call queue: one wake event per empty -> non-empty transition, drained as a snapshot -------------

    void post(Task task, bool isPublic)
    {
        Call call { std::move(task) };
        call.counted = isPublic;
        if (t_runningTag != nullptr && watch.enabled.load(std::memory_order_relaxed))
            call.self = call.fn.typeTag() == t_runningTag; // a reactor call queueing itself again
        const std::int64_t queued = isPublic ? stampCall(call, ApiKind::CallFromThread) : 0;
        const std::uint64_t id = call.id;
        const std::uint32_t label = call.label;
        switch (calls.push(std::move(call))) {
        case CallQueue::Admission::Queued:
            break;
        case CallQueue::Admission::Refused:
            throw ReactorNotRunning("callFromThread after the reactor began shutting down");
        case CallQueue::Admission::Dropped:
            qCWarning(lcReactor) << "a call arrived after the reactor stopped; it was dropped";
            return;
        }
        if (queued)
            traceCall(TraceEventKind::JobQueued, ApiKind::CallFromThread, id, label, queued, 0);
    }

    /// Gives a traced call its id and label; returns the time it was queued (0 when nothing is attached).
    std::int64_t stampCall(Call& call, ApiKind api) noexcept
    {
        if (!trace.get()) {
            if (watch.enabled.load(std::memory_order_relaxed)) { // a monitor names the running call by its label
                call.label = ScopedJobLabel::current();
                call.api = api;
            }
            return 0;
        }
        call.id = nextCallId.fetch_add(1, std::memory_order_relaxed);
        call.label = ScopedJobLabel::current();
        call.api = api;
        return traceNow();
    }

    void traceCall(TraceEventKind kind, ApiKind api, std::uint64_t id, std::uint32_t label, std::int64_t time,
        std::int64_t duration) const noexcept
    {
        if (TraceSink* sink = trace.get())
            sink->record(jobEvent(kind, api, id, label, traceId, time, duration));
    }

    /// Why an iteration runs: the wake event of queued calls, the timer, or the shutdown delivering the calls still
    /// queued (CallsOnly: no timed call runs once the loop is told to end, as in Twisted).
    enum class Wake { Calls, Timer, CallsOnly };

    void drain() { iterate(Wake::Calls); }

    /// One iteration, as Twisted's runUntilCurrent, whether a queued call or the timer woke the loop up: the calls
    /// queued so far, then the timed calls now due (including those they scheduled) before the calls queued
    /// meanwhile, which wait for the next iteration; then, if stop() was called, the shutdown.
    void iterate(Wake wake)
    {
        const std::int64_t workStart = stallClockStart();
        if (state.load(std::memory_order_acquire) == State::NotStarted) {
            calls.ackWake(); // kept until startup
            return;
        }
        CallBatch batch = calls.take();
        const bool watched = beginWatchedWork();
        // Counted per batch, so that the books cost no atomic operation per call.
        BatchCount counts;
        for (Call& call : batch) {
            if (watched)
                noteWatchedCall(call);
            if (call.id == 0 || !trace.get()) {
                counts.add(call, runGuarded(call.fn, "reactor call"));
                continue;
            }
            const std::int64_t start = traceNow();
            traceCall(TraceEventKind::JobStarted, call.api, call.id, call.label, start, 0);
            const bool ok = counts.add(call, runGuarded(call.fn, "reactor call"));
            const std::int64_t end = traceNow();
            traceCall(ok ? TraceEventKind::JobFinished : TraceEventKind::JobFailed, call.api, call.id, call.label, end,
                end - start);
        }
        calls.addOutcomes(counts.completed, counts.failed, counts.cancelled);
        calls.recycle(std::move(batch));
        // The timer's wake-up always runs them (runDueCalls() rearms the timer, even if it fired a little early); a
        // wake-up for queued calls runs those already due.
        const auto due = timers.nextDue();
        if (wake == Wake::Timer || (wake == Wake::Calls && due && *due <= nowNs()))
            runDueCalls();
        if (shutdownRequested)
            beginShutdown();
        if (watched)
            endWatchedWork();
        stallClockStop(workStart);
    }

    // ---- what a DiagnosticsMonitor samples (diagnostics_p.h) ----------------------------------------------------

    /// The reactor thread leaves its loop for a batch of work; true when a monitor watches (then call
    /// endWatchedWork() when the batch is done). Nested batches (a call spinning the loop) keep the outer start.
    bool beginWatchedWork() noexcept
    {
        if (!watch.enabled.load(std::memory_order_relaxed))
            return false;
        if (watchDepth++ == 0)
            watch.busySince.store(traceNow(), std::memory_order_relaxed);
        return true;
    }

    void endWatchedWork() noexcept
    {
        if (--watchDepth == 0) {
            t_runningTag = nullptr;
            watch.busySince.store(0, std::memory_order_relaxed);
            watch.callWork.store(ReactorWork::None, std::memory_order_relaxed);
        }
    }

    void noteWatchedCall(const Call& call) noexcept
    {
        ReactorWork work = ReactorWork::Delivery;
        if (call.counted)
            work = call.api == ApiKind::BlockingCallFromThread ? ReactorWork::BlockingCallFromThread
                                                               : ReactorWork::CallFromThread;
        noteWatchedWork(work, call.id, call.label, call.fn.typeTag(), call.self);
    }

    void noteWatchedWork(ReactorWork work, std::uint64_t id, std::uint32_t label, const void* tag, bool self) noexcept
    {
        t_runningTag = tag;
        if (self) {
            watch.selfTag.store(tag, std::memory_order_relaxed);
            watch.selfRuns.store(watch.selfRuns.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        }
        watch.callId.store(id, std::memory_order_relaxed);
        watch.callLabel.store(label, std::memory_order_relaxed);
        watch.callWork.store(work, std::memory_order_relaxed);
        watch.callSeq.store(watch.callSeq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }

    ReactorStats stats() const { return calls.stats(); }

    void drainAll()
    {
        while (!calls.empty())
            iterate(Wake::CallsOnly);
    }

    // ---- blocked callers -------------------------------------------------------------------------------------

    std::uint64_t postBlocking(const std::shared_ptr<BlockingCallBase>& blocked, Task task)
    {
        blocked->waiter = QThread::currentThread();
        Call call { std::move(task) };
        call.counted = true;
        call.api = ApiKind::BlockingCallFromThread;
        const std::int64_t queued = stampCall(call, ApiKind::BlockingCallFromThread);
        const std::uint64_t id = call.id;
        const std::uint32_t label = call.label;
        if (calls.pushBlocking(std::move(call), blocked) != CallQueue::Admission::Queued)
            throw ReactorNotRunning("blockingCallFromThread after the reactor began shutting down");
        if (queued)
            traceCall(TraceEventKind::JobQueued, ApiKind::BlockingCallFromThread, id, label, queued, 0);
        return id;
    }

    // ---- stalls: the loop busy between waking up and blocking again for longer than a frame ------------------

    void watchStalls()
    {
        if (stallWatch)
            return;
        auto* dispatcher = QAbstractEventDispatcher::instance(thread);
        if (!dispatcher)
            return;
        stallWatch = true;
        QObject::connect(dispatcher, &QAbstractEventDispatcher::awake, waker, [this] {
            if (trace.get() && awakeAt == 0)
                awakeAt = traceNow();
        });
        QObject::connect(dispatcher, &QAbstractEventDispatcher::aboutToBlock, waker, [this] {
            const std::int64_t start = std::exchange(awakeAt, 0);
            if (start == 0 || !trace.get())
                return;
            const std::int64_t end = traceNow();
            if (end - start > kStallNs)
                traceCall(TraceEventKind::ReactorStall, ApiKind::CallFromThread, 0, 0, start, end - start);
        });
    }

    // Qt's glib dispatcher (the default on Linux) emits `awake` only for iterations that may not block, so in an
    // exec() loop the window above never opens (and a loop spun by processEvents() alone never closes it). The
    // reactor's own work (drained calls, due timed calls) is timed here too; an open window then restarts after it,
    // so the same busy time is never recorded twice.
    std::int64_t stallClockStart() const noexcept { return trace.get() ? traceNow() : 0; }

    void stallClockStop(std::int64_t start) noexcept
    {
        if (start == 0)
            return;
        const std::int64_t end = traceNow();
        if (end - start <= kStallNs)
            return;
        traceCall(TraceEventKind::ReactorStall, ApiKind::CallFromThread, 0, 0, start, end - start);
        if (awakeAt != 0)
            awakeAt = std::max(awakeAt, end);
    }

    void closeAndReleaseBlocked()
    {
        const std::vector<std::weak_ptr<BlockingCallBase>> waiting = calls.closeToPublic();
        const Failure failure = Failure::make(ReactorNotRunning("the reactor shut down while this thread waited"));
        QStringList released;
        const std::shared_ptr<DiagnosticsListener> heard = listener();
        for (const auto& w : waiting) {
            auto call = w.lock();
            if (!call || !call->pending())
                continue;
            if (heard) {
                QString name = call->waiter ? call->waiter->objectName() : QString();
                if (name.isEmpty())
                    name = QStringLiteral("thread 0x%1").arg(reinterpret_cast<quintptr>(call->waiter), 0, 16);
                released.append(name);
            }
            call->failWith(failure);
        }
        if (heard && !released.isEmpty())
            heard->shutdownWithBlockedCallers(released);
    }

    // ---- timed calls -----------------------------------------------------------------------------------------

    std::shared_ptr<TimedCall> schedule(const LaterDelay& delay, Task task)
    {
        const double seconds = delay.seconds;
        auto call = std::make_shared<TimedCall>();
        call->reactor = weak_from_this();
        call->fn = std::move(task);
        call->file = delay.file;
        call->line = delay.line;
        if (seconds == 0 && t_runningTag != nullptr && watch.enabled.load(std::memory_order_relaxed))
            call->self = call->fn.typeTag() == t_runningTag; // callLater(0) from a call of the same callable
        insertTimed(call, nowNs() + static_cast<qint64>(seconds * 1e9));
        return call;
    }

    void insertTimed(const std::shared_ptr<TimedCall>& call, qint64 deadline)
    {
        timers.add(call, deadline);
        rearm();
    }

    void rescheduleTimed(const std::shared_ptr<TimedCall>& call, qint64 deadline)
    {
        timers.reschedule(call, deadline);
        rearm();
    }

    void cancelTimed(TimedCall& call)
    {
        timers.cancel(call);
        rearm();
    }

    void rearm() // NOLINT(readability-make-member-function-const): it restarts the reactor's QTimer
    {
        const State s = state.load(std::memory_order_acquire);
        const std::optional<qint64> due = timers.nextDue();
        if (!due || (s != State::Running && s != State::Stopping) || manualClock.load(std::memory_order_relaxed)) {
            timer->stop(); // on a test's clock, time never moves by itself
            return;
        }
        const qint64 remaining = std::max<qint64>(0, *due - steadyNowNs());
        const qint64 ms = std::min<qint64>((remaining + 999'999) / 1'000'000, kMaxTimerMs); // never early
        timer->start(static_cast<int>(ms));
    }

    void runDueCalls()
    {
        const State s = state.load(std::memory_order_acquire);
        if (s != State::Running && s != State::Stopping)
            return;
        const bool watched = watch.enabled.load(std::memory_order_relaxed);
        timers.runDue(nowNs(), [this, watched](TimedCall& call) {
            if (watched)
                noteWatchedWork(ReactorWork::DelayedCall, 0, 0, call.fn.typeTag(), call.self);
            runGuarded(call.fn, "delayed call");
        });
        rearm();
    }

    // ---- triggers and the startup / shutdown sequences -------------------------------------------------------

    struct Trigger {
        Phase phase;
        SystemEvent event;
        UniqueFunction<std::optional<Deferred<void>>()> fn;
    };

    /// Runs (and removes) the phase's triggers; `then` runs after them, after their Deferreds for Before.
    void runPhase(Phase phase, SystemEvent event, std::function<void()> then, bool wait = true)
    {
        std::vector<TriggerId> ids;
        for (const auto& [id, t] : triggers) {
            if (t.phase == phase && t.event == event)
                ids.push_back(id);
        }
        QList<Deferred<void>> pending;
        for (TriggerId id : ids) {
            auto it = triggers.find(id);
            if (it == triggers.end())
                continue; // removed by an earlier trigger
            auto fn = std::move(it->second.fn);
            triggers.erase(it);
            try {
                if (auto d = fn())
                    pending.append(*d);
            } catch (...) {
                logCallFailure("system event trigger", Failure::current());
            }
        }
        if (phase != Phase::Before || pending.isEmpty() || !wait) {
            then();
            return;
        }
        DeferredList(pending, DeferredListOptions { false, false, true })
            .addCallback([then = std::move(then)](const QList<Outcome<void>>& outcomes) {
                for (const auto& o : outcomes) {
                    if (!o.ok())
                        logCallFailure("system event trigger's Deferred", o.failure());
                }
                then();
            });
    }

    void startRunning()
    {
        state.store(State::Running, std::memory_order_release);
        auto self = shared_from_this();
        runPhase(Phase::Before, SystemEvent::Startup, [self] {
            self->runPhase(Phase::During, SystemEvent::Startup, [self] {
                {
                    std::lock_guard lock(self->poolMutex);
                    self->poolShouldRun = true;
                    if (self->pool)
                        self->pool->start();
                }
                self->runPhase(Phase::After, SystemEvent::Startup, [self] {
                    Q_EMIT self->q->started();
                    auto when = std::move(self->whenRunning);
                    self->whenRunning.clear();
                    for (Task& t : when)
                        runGuarded(t, "callWhenRunning call");
                    self->rearm();
                    self->calls.wakeIfQueued();
                });
            });
        });
    }

    /// Reactor::stop(): as Twisted, stop() only marks the reactor as stopping and returns; the shutdown begins at the
    /// end of the current iteration (Twisted: at the end of runUntilCurrent), after the timed calls due in it, so
    /// the code after stop() in the calling callback still finds the reactor's resources in place. Called outside
    /// an iteration (callWhenRunning, a Qt slot), it wakes the loop up for one: an empty queued call.
    void requestShutdown()
    {
        state.store(State::Stopping, std::memory_order_release);
        shutdownRequested = true;
        post([] {}, false);
    }

    void beginShutdown()
    {
        shutdownRequested = false;
        state.store(State::Stopping, std::memory_order_release);
        closeAndReleaseBlocked();
        Q_EMIT q->stopping();
        auto self = shared_from_this();
        runPhase(Phase::Before, SystemEvent::Shutdown, [self] {
            self->runPhase(Phase::During, SystemEvent::Shutdown, [self] {
                ThreadPool* p = nullptr;
                {
                    std::lock_guard lock(self->poolMutex);
                    p = self->pool.get();
                }
                if (p && p->isStarted()) {
                    // The loop keeps turning while the backlog drains, so results arrive and the GUI stays live.
                    std::weak_ptr<ReactorCore> weak = self;
                    PoolAccess::close(*p, [weak] {
                        ReactorAccess::postInternal(weak, [weak] {
                            if (auto c = weak.lock())
                                c->finishShutdown();
                        });
                    });
                } else {
                    self->finishShutdown();
                }
            });
        });
    }

    void finishShutdown()
    {
        stopPool();
        drainAll(); // results of work that finished meanwhile (divergence: Twisted loses them)
        runPhase(Phase::After, SystemEvent::Shutdown, [] {});
        drainAll();
        calls.close();
        releasePendingTimers();
        state.store(State::Stopped, std::memory_order_release);
        timer->stop();
        Q_EMIT q->stopped();
        if (loop)
            loop->exit();
        if (embedded && !inAboutToQuit)
            QCoreApplication::quit();
    }

    /// Delayed calls that can no longer run (the reactor cannot restart) release their captures now; a call that
    /// captured its own DelayedCall would otherwise keep itself alive.
    void releasePendingTimers() noexcept { timers.releaseAll(); }

    void stopPool()
    {
        ThreadPool* p = nullptr;
        {
            // Not held while joining: a job still running may call getThreadPool().
            std::lock_guard lock(poolMutex);
            poolShouldRun = false;
            poolStopped = true;
            p = pool.get();
        }
        if (p) {
            try {
                p->stop();
            } catch (...) {
                logCallFailure("stopping the reactor's pool", Failure::current());
            }
        }
    }

    /// The destructor's shutdown: synchronous, no waiting for trigger Deferreds.
    void teardown()
    {
        const State s = state.load(std::memory_order_acquire);
        if (s == State::Stopped)
            return;
        if (s == State::Running || shutdownRequested) {
            shutdownRequested = false;
            state.store(State::Stopping, std::memory_order_release);
            closeAndReleaseBlocked();
            runPhase(
                Phase::Before, SystemEvent::Shutdown, [] {}, false);
            runPhase(
                Phase::During, SystemEvent::Shutdown, [] {}, false);
        } else {
            closeAndReleaseBlocked();
        }
        stopPool();
        releasePendingTimers(); // delayed calls never run once the reactor is being destroyed
        state.store(State::Stopping, std::memory_order_release); // lets drain() deliver what was queued
        drainAll();
        if (s == State::Running || s == State::Stopping)
            runPhase(
                Phase::After, SystemEvent::Shutdown, [] {}, false);
        drainAll();
        calls.closeDiscarding();
        state.store(State::Stopped, std::memory_order_release);
    }

    /// Embedded mode: the reactor counts as running once the application's own loop spins.
    void probe()
    {
        if (state.load(std::memory_order_acquire) != State::NotStarted)
            return;
        if (QThread::currentThread()->loopLevel() == 0) {
            QTimer::singleShot(kProbeIntervalMs, waker, [this] { probe(); });
            return;
        }
        embedded = true;
        if (auto* app = QCoreApplication::instance()) {
            QObject::connect(app, &QCoreApplication::aboutToQuit, waker, [this] { onAboutToQuit(); });
        }
        startRunning();
    }

    void onAboutToQuit()
    {
        inAboutToQuit = true;
        if (state.load(std::memory_order_acquire) == State::Running || shutdownRequested)
            beginShutdown();
        if (state.load(std::memory_order_acquire) == State::Stopping) {
            QEventLoop nested;
            loop = &nested;
            nested.exec();
            loop = nullptr;
        }
    }

    ThreadPool& getThreadPool()
    {
        std::lock_guard lock(poolMutex);
        if (!pool) {
            pool = std::make_unique<ThreadPool>(5, 10, QStringLiteral("qtwisted.reactor"));
            if (pool->thread() != thread)
                pool->moveToThread(thread);
            if (poolStopped)
                pool->stop();
            else if (poolShouldRun)
                pool->start();
        }
        return *pool;
    }

    /// The clock of the timed calls: the steady clock, or a test's (QTwisted::Testing, TestAccess::setManualClock).
    std::int64_t nowNs() const noexcept
    {
        if (manualClock.load(std::memory_order_relaxed)) [[unlikely]]
            return manualNowNs.load(std::memory_order_relaxed);
        return steadyNowNs();
    }

    Reactor* q;
    QThread* thread;
    std::atomic<bool> manualClock { false };
    std::atomic<std::int64_t> manualNowNs { 0 };
    Waker* waker;
    QTimer* timer;
    std::atomic<State> state { State::NotStarted };

    CallQueue calls { waker, kDrainEvent };
    TraceHook trace;
    const std::uint32_t traceId = TraceStrings::intern(QStringLiteral("qtwisted.reactor"));
    std::atomic<std::uint64_t> nextCallId { 1 };
    std::int64_t awakeAt = 0; // reactor thread
    ReactorWatch watch;
    int watchDepth = 0; // reactor thread
    std::mutex listenerMutex;
    std::shared_ptr<DiagnosticsListener> diagnostics; // guarded by listenerMutex

    std::shared_ptr<DiagnosticsListener> listener()
    {
        std::lock_guard lock(listenerMutex);
        return diagnostics;
    }
    bool stallWatch = false; // reactor thread

    TimerQueue timers; // reactor thread
    std::map<TriggerId, Trigger> triggers;
    TriggerId nextTriggerId = 1;
    std::vector<Task> whenRunning;

    std::mutex poolMutex;
    std::unique_ptr<ThreadPool> pool;
    bool poolShouldRun = false;
    bool poolStopped = false;

    QEventLoop* loop = nullptr;
    bool embedded = false;
    bool inAboutToQuit = false;
    bool shutdownRequested = false; ///< stop() was called; the shutdown begins when its callback has returned
};

bool Waker::event(QEvent* e)
{
    if (e->type() == kDrainEvent) {
        m_core->drain();
        return true;
    }
    if (e->type() == kProbeEvent) {
        m_core->probe();
        return true;
    }
    if (e->type() == kDiagnosticsProbeEvent) {
        m_core->watch.probeAnswered.store(traceNow(), std::memory_order_relaxed);
        return true;
    }
    return QObject::event(e);
}

QThread* ReactorAccess::thread(const Reactor& reactor) noexcept
{
    return reactor.m_d->thread;
}

std::weak_ptr<ReactorCore> ReactorAccess::core(const Reactor& reactor) noexcept
{
    return reactor.m_d;
}

void ReactorAccess::postInternal(const std::weak_ptr<ReactorCore>& core, Task task)
{
    if (auto c = core.lock()) {
        c->post(std::move(task), false);
        return;
    }
    qCWarning(lcReactor) << "a result arrived after its reactor was destroyed; it was dropped";
}

void ReactorAccess::endCall(CallEnd end) noexcept
{
    t_callEnd = end;
}

std::uint64_t ReactorAccess::postBlocking(Reactor& reactor, const std::shared_ptr<BlockingCallBase>& call, Task task)
{
    return reactor.m_d->postBlocking(call, std::move(task));
}

void ReactorAccess::setTrace(Reactor& reactor, const std::shared_ptr<TraceSink>& sink)
{
    ReactorCore* core = reactor.m_d.get();
    core->trace.set(sink);
    QMetaObject::invokeMethod(
        core->waker, [core] { core->watchStalls(); }, Qt::QueuedConnection);
}

void ReactorAccess::clearTrace(const std::weak_ptr<ReactorCore>& core, const TraceSink* sink)
{
    if (auto c = core.lock())
        c->trace.clear(sink);
}

bool ReactorAccess::tracing(const std::weak_ptr<ReactorCore>& core) noexcept
{
    auto c = core.lock();
    return c && c->trace.get();
}

void ReactorAccess::traceCallback(const std::weak_ptr<ReactorCore>& core, std::uint32_t poolId, std::uint64_t jobId,
    std::int64_t start, std::int64_t end) noexcept
{
    if (auto c = core.lock()) {
        if (TraceSink* sink = c->trace.get())
            sink->record(
                jobEvent(TraceEventKind::CallbackRan, ApiKind::DeferToThread, jobId, 0, poolId, start, end - start));
    }
}

void ReactorAccess::traceBlockingWait(
    const std::weak_ptr<ReactorCore>& core, std::uint64_t callId, std::int64_t start, std::int64_t end) noexcept
{
    if (auto c = core.lock())
        c->traceCall(TraceEventKind::BlockingWait, ApiKind::BlockingCallFromThread, callId, 0, start, end - start);
}

namespace {

/// How long a thread blocked in blockingCallFromThread() polls for its answer before it sleeps: a little more than
/// the reactor needs to wake up and run a short call in this VM (bench_core: 4-5 us), so that such a call costs no
/// futex sleep and wake-up on the caller's side. Only one blocked thread polls at a time, so that on two CPUs the
/// pollers never keep the reactor from running.
constexpr auto kBlockedPoll = std::chrono::microseconds(20);
std::atomic<bool> g_blockedPolling { false };
/// Stops the polling while it does not pay (a busy machine: see PollGovernor).
PollGovernor g_blockedPollGovernor;

/// True when the answer came while this thread polled; false at once when another blocked thread is polling, or
/// when polling has not been paying lately.
bool pollForAnswer(const Signal& ready, std::chrono::nanoseconds limit) noexcept
{
    if (!g_blockedPollGovernor.shouldPoll())
        return false;
    if (g_blockedPolling.exchange(true, std::memory_order_acquire))
        return false;
    const bool answered = ready.pollFor(std::min<std::chrono::nanoseconds>(kBlockedPoll, limit));
    g_blockedPolling.store(false, std::memory_order_release);
    g_blockedPollGovernor.record(answered);
    return answered;
}

} // namespace

void BlockingCallBase::wait() noexcept
{
    if (answerSoon)
        pollForAnswer(ready, kBlockedPoll);
    if (ready.poll()) {
        ready.acquire(); // answered while polling
        return;
    }
    enterBlockedWait(); // a pool worker: its pool may lend a worker in its place
    ready.acquire();
    leaveBlockedWait();
}

bool BlockingCallBase::waitFor(std::chrono::milliseconds timeout) noexcept
{
    const auto start = std::chrono::steady_clock::now();
    if (answerSoon && pollForAnswer(ready, timeout)) {
        ready.acquire();
        return true;
    }
    enterBlockedWait();
    const bool answered = ready.try_acquire_for(timeout - (std::chrono::steady_clock::now() - start));
    leaveBlockedWait();
    return answered;
}

ReactorWatch& reactorWatch(ReactorCore& core)
{
    return core.watch;
}

bool reactorLoopRunning(ReactorCore& core)
{
    const State s = core.state.load(std::memory_order_acquire);
    return s == State::Running || s == State::Stopping;
}

bool postReactorProbe(const std::weak_ptr<ReactorCore>& core)
{
    auto c = core.lock();
    if (!c)
        return false;
    c->watch.probeSent.store(traceNow(), std::memory_order_relaxed);
    QCoreApplication::postEvent(c->waker, new QEvent(kDiagnosticsProbeEvent));
    return true;
}

void recordReactorEvent(const std::weak_ptr<ReactorCore>& core, const TraceEvent& event)
{
    if (auto c = core.lock()) {
        if (TraceSink* sink = c->trace.get())
            sink->record(event);
    }
}

void setReactorListener(ReactorCore& core, const std::shared_ptr<DiagnosticsListener>& listener)
{
    std::lock_guard lock(core.listenerMutex);
    core.diagnostics = listener;
}

// ---- QTwisted::Testing's seam (detail/testaccess.h) -----------------------------------------------------------

namespace {
std::mutex s_reactorsMutex;
std::vector<Reactor*>& liveReactorList()
{
    static auto* list = new std::vector<Reactor*>; // never destroyed: reactors may die during static destruction
    return *list;
}
} // namespace

std::vector<Reactor*> TestAccess::liveReactors()
{
    std::lock_guard lock(s_reactorsMutex);
    return liveReactorList();
}

QThread* TestAccess::thread(const Reactor& reactor) noexcept
{
    return reactor.m_d->thread;
}

void TestAccess::setManualClock(Reactor& reactor, bool on, std::int64_t nowNs)
{
    ReactorCore& c = *reactor.m_d;
    c.checkThread("qtwisted::testing's clock");
    c.manualNowNs.store(nowNs, std::memory_order_relaxed);
    c.manualClock.store(on, std::memory_order_relaxed);
    c.rearm();
}

bool TestAccess::manualClock(const Reactor& reactor) noexcept
{
    return reactor.m_d->manualClock.load(std::memory_order_relaxed);
}

std::int64_t TestAccess::clockNs(const Reactor& reactor) noexcept
{
    return reactor.m_d->nowNs();
}

void TestAccess::setClockNs(Reactor& reactor, std::int64_t nowNs)
{
    reactor.m_d->checkThread("qtwisted::testing's clock");
    reactor.m_d->manualNowNs.store(nowNs, std::memory_order_relaxed);
}

void TestAccess::startWithoutLoop(Reactor& reactor)
{
    ReactorCore& c = *reactor.m_d;
    c.checkThread("qtwisted::testing's clock");
    if (c.state.load(std::memory_order_acquire) == State::NotStarted)
        c.startRunning();
}

bool TestAccess::started(const Reactor& reactor) noexcept
{
    const State s = reactor.m_d->state.load(std::memory_order_acquire);
    return s == State::Running || s == State::Stopping;
}

void TestAccess::iterate(Reactor& reactor)
{
    reactor.m_d->checkThread("qtwisted::testing's clock");
    reactor.m_d->iterate(ReactorCore::Wake::Calls);
}

std::optional<std::int64_t> TestAccess::nextDueNs(const Reactor& reactor) noexcept
{
    return reactor.m_d->timers.nextDue();
}

std::vector<PendingTimedCall> TestAccess::pendingTimedCalls(const Reactor& reactor)
{
    std::vector<PendingTimedCall> out;
    reactor.m_d->timers.forEach([&out](const TimedCall& call) {
        out.push_back(PendingTimedCall { call.key.first, call.file, call.line, call.fn.type(), &call });
    });
    return out;
}

void TestAccess::cancelTimedCall(Reactor& reactor, const void* id)
{
    ReactorCore& c = *reactor.m_d;
    c.checkThread("qtwisted::testing's guard");
    TimedCall* found = nullptr;
    c.timers.forEach([&found, id](const TimedCall& call) {
        if (&call == id)
            found = const_cast<TimedCall*>(&call); // NOLINT(cppcoreguidelines-pro-type-const-cast): the queue's own
    });
    if (found)
        c.cancelTimed(*found);
}

std::vector<const std::type_info*> TestAccess::queuedCalls(const Reactor& reactor)
{
    return reactor.m_d->calls.queuedTypes();
}

} // namespace detail

namespace {
std::mutex s_instanceMutex;
std::atomic<Reactor*> s_instance { nullptr };
} // namespace

// ---- DelayedCall -------------------------------------------------------------------------------------------------

namespace {

std::shared_ptr<detail::ReactorCore> checkedReactor(const std::shared_ptr<detail::TimedCall>& call)
{
    if (!call)
        throw std::logic_error("empty DelayedCall");
    auto reactor = call->reactor.lock();
    if (reactor)
        reactor->checkThread("DelayedCall");
    return reactor;
}

void checkPending(const detail::TimedCall& call)
{
    if (call.status == detail::TimedCall::Status::Called)
        throw AlreadyCalledError("the DelayedCall already ran");
    if (call.status == detail::TimedCall::Status::Cancelled)
        throw AlreadyCancelledError("the DelayedCall was already cancelled");
}

} // namespace

void DelayedCall::cancel()
{
    auto reactor = checkedReactor(m_call);
    checkPending(*m_call);
    if (reactor) {
        reactor->cancelTimed(*m_call);
        return;
    }
    m_call->status = detail::TimedCall::Status::Cancelled;
    m_call->fn.reset();
}

void DelayedCall::reset(double seconds)
{
    seconds = detail::toSeconds(seconds);
    auto reactor = checkedReactor(m_call);
    checkPending(*m_call);
    if (!reactor)
        return;
    reactor->rescheduleTimed(m_call, reactor->nowNs() + static_cast<qint64>(seconds * 1e9));
}

void DelayedCall::delay(double seconds)
{
    seconds = detail::toSeconds(seconds);
    auto reactor = checkedReactor(m_call);
    checkPending(*m_call);
    if (!reactor)
        return;
    reactor->rescheduleTimed(m_call, m_call->key.first + static_cast<qint64>(seconds * 1e9));
}

bool DelayedCall::active() const
{
    return m_call && m_call->status == detail::TimedCall::Status::Pending;
}

double DelayedCall::getTime() const
{
    if (!m_call)
        throw std::logic_error("empty DelayedCall");
    return static_cast<double>(m_call->key.first) / 1e9;
}

// ---- Reactor -----------------------------------------------------------------------------------------------------

Reactor::Reactor(QObject* parent)
    : QObject(parent)
    , m_d(std::make_shared<detail::ReactorCore>(this))
{
    std::lock_guard lock(detail::s_reactorsMutex);
    detail::liveReactorList().push_back(this);
}

Reactor::~Reactor()
{
    Reactor* self = this;
    s_instance.compare_exchange_strong(self, nullptr);
    {
        std::lock_guard lock(detail::s_reactorsMutex);
        std::erase(detail::liveReactorList(), this);
    }
    m_d->teardown();
    m_d->calls.waitForPosters(); // the waker (a child of this object) is deleted next
    m_d->releasePendingTimers();
    {
        std::lock_guard lock(m_d->poolMutex);
        m_d->pool.reset();
    }
}

Reactor& Reactor::instance()
{
    if (Reactor* r = s_instance.load(std::memory_order_acquire))
        return *r;
    std::lock_guard lock(s_instanceMutex);
    if (Reactor* r = s_instance.load(std::memory_order_acquire))
        return *r;
    auto* app = QCoreApplication::instance();
    if (!app)
        throw Error("Reactor::instance() needs a QCoreApplication");
    auto* r = new Reactor;
    if (r->thread() != app->thread()) {
        r->moveToThread(app->thread());
        r->m_d->thread = app->thread();
    }
    r->setParent(app); // dies with the application, before its thread's data goes
    s_instance.store(r, std::memory_order_release);
    return *r;
}

void Reactor::run()
{
    m_d->checkThread("Reactor::run()");
    switch (m_d->state.load(std::memory_order_acquire)) {
    case detail::State::Running:
    case detail::State::Stopping:
        throw ReactorAlreadyRunning();
    case detail::State::Stopped:
        throw ReactorNotRestartable();
    case detail::State::NotStarted:
        break;
    }
    m_d->startRunning();
    if (m_d->state.load(std::memory_order_acquire) != detail::State::Stopped) {
        QEventLoop loop;
        m_d->loop = &loop;
        loop.exec();
        m_d->loop = nullptr;
    }
}

void Reactor::stop()
{
    m_d->checkThread("Reactor::stop()");
    if (m_d->state.load(std::memory_order_acquire) != detail::State::Running)
        throw ReactorNotRunning("stop() called while the reactor is not running");
    m_d->requestShutdown();
}

bool Reactor::isRunning() const
{
    return m_d->state.load(std::memory_order_acquire) == detail::State::Running;
}

bool Reactor::isInReactorThread() const
{
    return QThread::currentThread() == m_d->thread;
}

ReactorStats Reactor::stats() const
{
    return m_d->stats();
}

double Reactor::seconds() const
{
    return static_cast<double>(m_d->nowNs()) / 1e9;
}

void Reactor::removeSystemEventTrigger(TriggerId id)
{
    m_d->checkThread("Reactor::removeSystemEventTrigger()");
    if (m_d->triggers.erase(id) == 0)
        throw std::invalid_argument("removeSystemEventTrigger: no such trigger (unknown, removed or already fired)");
}

void Reactor::suggestThreadPoolSize(int n)
{
    if (n < 0)
        throw std::invalid_argument("suggestThreadPoolSize: the size must be >= 0");
    ThreadPool& pool = getThreadPool();
    pool.adjustPoolsize(std::min(pool.minThreads(), n), n);
}

ThreadPool& Reactor::getThreadPool()
{
    return m_d->getThreadPool();
}

void Reactor::callWhenRunningImpl(detail::Task task)
{
    m_d->checkThread("Reactor::callWhenRunning()");
    switch (m_d->state.load(std::memory_order_acquire)) {
    case detail::State::Running:
        detail::runGuarded(task, "callWhenRunning call");
        return;
    case detail::State::NotStarted:
        m_d->whenRunning.push_back(std::move(task));
        return;
    case detail::State::Stopping:
    case detail::State::Stopped:
        throw ReactorNotRunning("callWhenRunning after the reactor began shutting down");
    }
}

TriggerId Reactor::addTriggerImpl(
    Phase phase, SystemEvent event, detail::UniqueFunction<std::optional<Deferred<void>>()> f)
{
    m_d->checkThread("Reactor::addSystemEventTrigger()");
    const TriggerId id = m_d->nextTriggerId++;
    m_d->triggers.emplace(id, detail::ReactorCore::Trigger { phase, event, std::move(f) });
    return id;
}

DelayedCall Reactor::callLaterImpl(const detail::LaterDelay& delay, detail::Task task)
{
    m_d->checkThread("Reactor::callLater()");
    return DelayedCall(m_d->schedule(delay, std::move(task)));
}

void Reactor::callFromThreadImpl(detail::Task task)
{
    m_d->post(std::move(task), true);
}

} // namespace qtwisted
