// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/deferred.h>
#include <qtwisted/detail/function.h>
#include <qtwisted/detail/reactoraccess.h>
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
    /// Marks the reactor as stopping and returns; the shutdown (docs/design.md) begins once the calling callback has
    /// returned, as in Twisted. ReactorNotRunning when not running or already stopping.
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

    /// Runs f(args...) after `delay`, seconds or a std::chrono duration (negative or NaN: std::invalid_argument).
    /// Reactor thread only.
    template <class F, class... Args>
    DelayedCall callLater(detail::LaterDelay delay, F&& f, Args&&... args)
    {
        return callLaterImpl(delay, bind(std::forward<F>(f), std::forward<Args>(args)...));
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
    DelayedCall callLaterImpl(const detail::LaterDelay& delay, detail::Task task);
    void callFromThreadImpl(detail::Task task);

    friend struct detail::ReactorAccess;
    friend struct detail::TestAccess;
    std::shared_ptr<detail::ReactorCore> m_d;
};

} // namespace qtwisted
