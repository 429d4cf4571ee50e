// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/deferred.h>
#include <qtwisted/detail/function.h>
#include <qtwisted/detail/signal.h>
#include <qtwisted/threadpool.h>
#include <qtwisted/trace.h>

#include <QObject>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace qtwisted {

class Reactor;

/// The phase of a system event a trigger runs in.
enum class Phase { Before, During, After };
/// The system events of a reactor.
enum class SystemEvent { Startup, Shutdown };
/// Identifies a trigger for removeSystemEventTrigger().
using TriggerId = quint64;

namespace detail {

class ReactorCore;
struct TimedCall;

/// A thread blocked in blockingCallFromThread(): whoever claims it first (the reactor with the result, shutdown with
/// ReactorNotRunning, the waiter's own timeout) decides the outcome.
struct BlockingCallBase {
    enum : int { Pending, Writing, Done, Abandoned };
    BlockingCallBase() = default;
    BlockingCallBase(const BlockingCallBase&) = delete;
    BlockingCallBase& operator=(const BlockingCallBase&) = delete;
    BlockingCallBase(BlockingCallBase&&) = delete;
    BlockingCallBase& operator=(BlockingCallBase&&) = delete;
    virtual ~BlockingCallBase() = default;

    bool claim() noexcept
    {
        int expected = Pending;
        return state.compare_exchange_strong(expected, Writing, std::memory_order_acq_rel);
    }
    void publish() noexcept
    {
        state.store(Done, std::memory_order_release);
        ready.release();
    }
    void failWith(const Failure& failure) noexcept
    {
        if (claim()) {
            setFailure(failure);
            publish();
        }
    }
    /// The waiter gives up (timeout); false when a result is already being written.
    bool claimAbandon() noexcept
    {
        int expected = Pending;
        return state.compare_exchange_strong(expected, Abandoned, std::memory_order_acq_rel);
    }
    bool pending() const noexcept { return state.load(std::memory_order_acquire) == Pending; }

    /// The caller waits for `ready`. If the call was alone in the reactor's queue (answerSoon) and no other blocked
    /// caller is polling, it first polls for a few microseconds (a reactor that answers at once then costs no sleep
    /// and no wake-up), then sleeps.
    void wait() noexcept;
    /// wait() with a deadline: false when `timeout` passed without an answer.
    bool waitFor(std::chrono::milliseconds timeout) noexcept;

    std::atomic<int> state { Pending };
    Signal ready;
    /// Set by the caller's thread when it queued the call: no other call was waiting for the reactor, so the
    /// answer is likely to come within microseconds and wait() polls for it first.
    bool answerSoon = false;

protected:
    virtual void setFailure(const Failure& failure) noexcept = 0;
};

/// How a blocking call ended on the reactor thread, when not by simply returning (for ReactorStats).
enum class CallEnd : std::uint8_t { Returned, Failed, Skipped };

/// Where threads.h reaches into a reactor.
struct ReactorAccess {
    static QThread* thread(const Reactor& reactor) noexcept;
    static std::weak_ptr<ReactorCore> core(const Reactor& reactor) noexcept;
    /// Queues a task for the reactor thread even while shutdown runs (results must still arrive). If the reactor
    /// is gone or stopped, the task is destroyed unrun and a warning is logged.
    static void postInternal(const std::weak_ptr<ReactorCore>& core, Task task);
    /// Registers a blocked caller and queues its task; ReactorNotRunning once shutdown began.
    /// Returns the call's trace id (0 when no recorder is attached).
    static std::uint64_t postBlocking(Reactor& reactor, const std::shared_ptr<BlockingCallBase>& call, Task task);
    /// Called by a blocking call's task on the reactor thread when its function raised or its caller had gone.
    static void endCall(CallEnd end) noexcept;

    static void setTrace(Reactor& reactor, const std::shared_ptr<TraceSink>& sink);
    static void clearTrace(const std::weak_ptr<ReactorCore>& core, const TraceSink* sink);
    /// True when a recorder is attached (one acquire load).
    static bool tracing(const std::weak_ptr<ReactorCore>& core) noexcept;
    static void traceCallback(const std::weak_ptr<ReactorCore>& core, std::uint32_t poolId, std::uint64_t jobId,
        std::int64_t start, std::int64_t end) noexcept;
    static void traceBlockingWait(
        const std::weak_ptr<ReactorCore>& core, std::uint64_t callId, std::int64_t start, std::int64_t end) noexcept;
};

double toSeconds(double seconds);

template <class Rep, class Period>
double toSeconds(std::chrono::duration<Rep, Period> d)
{
    return toSeconds(std::chrono::duration<double>(d).count());
}

/// Turns a trigger's return (void or any Deferred) into what the reactor waits for.
template <class F>
UniqueFunction<std::optional<Deferred<void>>()> wrapTrigger(F&& f)
{
    return [fn = std::forward<F>(f)]() mutable -> std::optional<Deferred<void>> {
        using Ret = std::invoke_result_t<decltype(fn)&>;
        if constexpr (std::is_void_v<Ret>) {
            fn();
            return std::nullopt;
        } else if constexpr (std::is_same_v<std::decay_t<Ret>, Deferred<void>>) {
            return fn();
        } else {
            static_assert(UnwrapDeferred<std::decay_t<Ret>>::isDeferred, "a trigger returns void or a Deferred");
            return fn().addCallback([](auto&&) {});
        }
    };
}

} // namespace detail

/// A call scheduled by Reactor::callLater(). Reactor-thread only. Discarding it cancels nothing.
class DelayedCall {
public:
    DelayedCall() = default;

    /// AlreadyCalledError when it ran, AlreadyCancelledError when cancelled.
    void cancel();
    /// Reschedules to `seconds` from now.
    void reset(double seconds);
    template <class Rep, class Period>
    void reset(std::chrono::duration<Rep, Period> d)
    {
        reset(detail::toSeconds(d));
    }
    /// Postpones by `seconds`.
    void delay(double seconds);
    template <class Rep, class Period>
    void delay(std::chrono::duration<Rep, Period> d)
    {
        delay(detail::toSeconds(d));
    }
    /// True until it runs or is cancelled.
    bool active() const;
    /// When it is due, on the clock of Reactor::seconds().
    double getTime() const;

private:
    friend class Reactor;
    explicit DelayedCall(std::shared_ptr<detail::TimedCall> call)
        : m_call(std::move(call))
    {
    }
    std::shared_ptr<detail::TimedCall> m_call;
};

/// The books of the calls submitted to a reactor thread through callFromThread() and blockingCallFromThread().
/// At every quiescent point (nothing queued or running): submitted == completed + failed + cancelled + refused.
struct ReactorStats {
    quint64 submitted = 0; ///< every submission, refused ones included
    quint64 completed = 0; ///< ran and returned
    quint64 failed = 0; ///< ran and raised (a blocking call's exception went back to its caller)
    quint64 cancelled = 0; ///< accepted, never run: a blocking call whose caller timed out, or dropped at close
    quint64 refused = 0; ///< ReactorNotRunning thrown to the caller: shutdown had begun
    /// Accepted and not yet accounted for: queued or running now.
    quint64 pending() const noexcept { return submitted - completed - failed - cancelled - refused; }
};

/// Twisted's reactor on Qt's event loop: lives in (and belongs to) the thread that creates it.
class Reactor : public QObject {
    Q_OBJECT
public:
    explicit Reactor(QObject* parent = nullptr);
    /// Without stop(): shuts down at once (pool joined, blocked callers released, results delivered).
    ~Reactor() override;

    Reactor(const Reactor&) = delete;
    Reactor& operator=(const Reactor&) = delete;
    Reactor(Reactor&&) = delete;
    Reactor& operator=(Reactor&&) = delete;

    /// The application's reactor (Twisted's `reactor`), created on first use in QCoreApplication's thread.
    static Reactor& instance();

    /// Starts up and spins an event loop until stop(). ReactorAlreadyRunning / ReactorNotRestartable.
    void run();
    /// Shuts down (see docs/design.md). ReactorNotRunning when not running or already stopping.
    void stop();

    /// True from startup until stop() is called.
    bool isRunning() const;
    /// Twisted's isInIOThread().
    bool isInReactorThread() const;
    /// Monotonic time in seconds (the clock of DelayedCall::getTime()).
    double seconds() const;
    /// The books of callFromThread() and blockingCallFromThread() calls so far. Thread-safe.
    ReactorStats stats() const;

    /// Runs f(args...) at once when running, else after startup.
    template <class F, class... Args>
    void callWhenRunning(F&& f, Args&&... args)
    {
        callWhenRunningImpl(bind(std::forward<F>(f), std::forward<Args>(args)...));
    }

    /// f returns void or a Deferred (waited for in the Before phase).
    template <class F>
    TriggerId addSystemEventTrigger(Phase phase, SystemEvent event, F&& f)
    {
        return addTriggerImpl(phase, event, detail::wrapTrigger(std::forward<F>(f)));
    }
    /// std::invalid_argument for an unknown id.
    void removeSystemEventTrigger(TriggerId id);

    /// Runs f(args...) after `delay` (negative or NaN: std::invalid_argument). Reactor thread only.
    template <class Rep, class Period, class F, class... Args>
    DelayedCall callLater(std::chrono::duration<Rep, Period> delay, F&& f, Args&&... args)
    {
        return callLaterImpl(detail::toSeconds(delay), bind(std::forward<F>(f), std::forward<Args>(args)...));
    }
    template <class F, class... Args>
    DelayedCall callLater(double seconds, F&& f, Args&&... args)
    {
        return callLaterImpl(detail::toSeconds(seconds), bind(std::forward<F>(f), std::forward<Args>(args)...));
    }

    /// Queues f(args...) to run in the reactor thread, FIFO, never inline. Thread-safe.
    /// ReactorNotRunning once shutdown began.
    template <class F, class... Args>
    void callFromThread(F&& f, Args&&... args)
    {
        callFromThreadImpl(bind(std::forward<F>(f), std::forward<Args>(args)...));
    }

    /// getThreadPool().callInThread(f, args...).
    template <class F, class... Args>
    void callInThread(F&& f, Args&&... args)
    {
        getThreadPool().callInThread(std::forward<F>(f), std::forward<Args>(args)...);
    }

    /// Sets the pool's maximum to n (lowering its minimum if higher), live; 0 pauses dispatch.
    void suggestThreadPoolSize(int n);

    /// The reactor's pool ("qtwisted.reactor", min 5, max 10), created on first use. Thread-safe.
    ThreadPool& getThreadPool();

Q_SIGNALS:
    void started();
    void stopping();
    void stopped();

private:
    template <class F, class... Args>
    static detail::Task bind(F&& f, Args&&... args)
    {
        return [fn = std::forward<F>(f), ... as = std::forward<Args>(args)]() mutable {
            std::invoke(std::move(fn), std::move(as)...);
        };
    }

    void callWhenRunningImpl(detail::Task task);
    TriggerId addTriggerImpl(Phase phase, SystemEvent event, detail::UniqueFunction<std::optional<Deferred<void>>()> f);
    DelayedCall callLaterImpl(double seconds, detail::Task task);
    void callFromThreadImpl(detail::Task task);

    friend struct detail::ReactorAccess;
    std::shared_ptr<detail::ReactorCore> m_d;
};

} // namespace qtwisted
