// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Internals of <qtwisted/reactor.h>: where threads.h and the reactor's templates reach into a reactor. Not API.
#pragma once

#include <qtwisted/deferred.h>
#include <qtwisted/detail/blockingcall.h>
#include <qtwisted/detail/function.h>
#include <qtwisted/trace.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

class QThread;

namespace qtwisted {

class Reactor;

namespace detail {

class ReactorCore;
struct TimedCall;
struct TestAccess;

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

/// The delay of Reactor::callLater() with the caller's file and line: the conversion from a number or a duration
/// evaluates the default arguments at the caller's line (QTwisted::Testing names a leftover delayed call by it).
struct LaterDelay {
    LaterDelay(double s, const char* f = __builtin_FILE(), // NOLINT(google-explicit-constructor): a delay converts
        unsigned l = __builtin_LINE())
        : seconds(toSeconds(s))
        , file(f)
        , line(l)
    {
    }
    template <class Rep, class Period>
    LaterDelay(std::chrono::duration<Rep, Period> d, // NOLINT(google-explicit-constructor): a delay converts
        const char* f = __builtin_FILE(), unsigned l = __builtin_LINE())
        : seconds(toSeconds(d))
        , file(f)
        , line(l)
    {
    }
    double seconds;
    const char* file;
    unsigned line;
};

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

} // namespace qtwisted
