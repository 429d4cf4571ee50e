// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/deferred.h>
#include <qtwisted/reactor.h>
#include <qtwisted/threadpool.h>
#include <qtwisted/trace.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace qtwisted {

namespace detail {

template <class R>
struct BlockingCall final : BlockingCallBase {
    std::optional<Outcome<R>> outcome;

    void complete(Outcome<R> o) noexcept
    {
        if (claim()) {
            outcome.emplace(std::move(o));
            publish();
        }
    }

protected:
    void setFailure(const Failure& failure) noexcept override { outcome.emplace(failure); }
};

/// What f(args...) yields once run: R for plain functions, R for functions returning Deferred<R>.
template <class F, class... Args>
using CallResult = Unwrapped<std::invoke_result_t<std::decay_t<F>&&, std::decay_t<Args>&&...>>;

template <class R>
R takeOutcome(Outcome<R>&& outcome)
{
    if constexpr (std::is_void_v<R>) {
        outcome.value();
    } else {
        return std::move(outcome).value();
    }
}

template <class F, class... Args>
auto blockingCall(Reactor& reactor, std::optional<std::chrono::milliseconds> timeout, F&& f, Args&&... args)
    -> CallResult<F, Args...>
{
    using R = CallResult<F, Args...>;
    if (reactor.isInReactorThread())
        throw WrongThreadError("blockingCallFromThread called from the reactor thread would deadlock");
    auto call = std::make_shared<BlockingCall<R>>();
    std::weak_ptr<BlockingCall<R>> weak = call;
    const std::uint64_t traceId = ReactorAccess::postBlocking(
        reactor, call, [weak, fn = std::forward<F>(f), ... as = std::forward<Args>(args)]() mutable {
            auto c = weak.lock();
            if (!c || !c->pending()) {
                ReactorAccess::endCall(CallEnd::Skipped);
                return; // the caller gave up (timeout) or shutdown released it
            }
            using Ret = std::invoke_result_t<decltype(fn)&&, decltype(as)&&...>;
            if constexpr (UnwrapDeferred<std::decay_t<Ret>>::isDeferred) {
                Deferred<R> d = maybeDeferred(std::move(fn), std::move(as)...);
                d.addBoth([c](const Outcome<R>& o) { c->complete(o); });
            } else {
                Outcome<R> o = captureOutcome(std::move(fn), std::move(as)...); // no Deferred for a plain value
                if (!o.ok())
                    ReactorAccess::endCall(CallEnd::Failed);
                c->complete(std::move(o));
            }
        });
    const std::int64_t waitStart = traceId ? traceNow() : 0;
    if (timeout) {
        if (!call->waitFor(*timeout)) {
            if (call->claimAbandon()) {
                if (waitStart)
                    ReactorAccess::traceBlockingWait(ReactorAccess::core(reactor), traceId, waitStart, traceNow());
                throw TimeoutError("blockingCallFromThreadFor: the reactor did not answer in time");
            }
            call->ready.acquire(); // the result is being written right now
        }
    } else {
        call->wait();
    }
    if (waitStart)
        ReactorAccess::traceBlockingWait(ReactorAccess::core(reactor), traceId, waitStart, traceNow());
    return takeOutcome<R>(std::move(*call->outcome));
}

} // namespace detail

namespace threads {

/// Runs f(args...) in `pool`; the Deferred fires in the reactor thread. Cancelling before the job started removes it
/// from the backlog; cancelling a running job errbacks CancelledError at once and drops the late result.
template <class F, class... Args>
auto deferToThreadPool(Reactor& reactor, ThreadPool& pool, F&& f, Args&&... args)
    -> Deferred<detail::StorableT<std::invoke_result_t<std::decay_t<F>&&, std::decay_t<Args>&&...>>>
{
    using R = detail::StorableT<std::invoke_result_t<std::decay_t<F>&&, std::decay_t<Args>&&...>>;
    struct Ticket {
        std::atomic<quint64> jobId { 0 };
        std::weak_ptr<detail::PoolState> pool;
    };
    auto ticket = std::make_shared<Ticket>();
    ticket->pool = detail::PoolAccess::state(pool);
    Deferred<R> d = detail::DeferredAccess::createOwnedBy<R>(detail::ReactorAccess::thread(reactor));
    detail::DeferredAccess::core(d)->canceller = [ticket](const detail::CorePtr&) {
        detail::PoolAccess::tryCancel(ticket->pool, ticket->jobId.load(std::memory_order_acquire));
    };
    auto reactorCore = detail::ReactorAccess::core(reactor);
    const std::uint32_t poolId = detail::PoolAccess::traceId(pool);
    // Runs in the reactor thread: fires the Deferred unless a cancel already did.
    auto deliver = [reactorCore, poolId, ticket](Deferred<R>& target, Outcome<R>&& outcome) {
        if (target.called())
            return; // cancelled while it ran: the late result is dropped
        const std::int64_t start = detail::ReactorAccess::tracing(reactorCore) ? traceNow() : 0;
        if (!outcome.ok()) {
            detail::ChainCore& core = *detail::DeferredAccess::core(target);
            core.jobId = ticket->jobId.load(std::memory_order_acquire); // for a report of it left unhandled
            core.jobPool = poolId;
            target.errback(outcome.failure());
        } else if constexpr (std::is_void_v<R>) {
            target.callback();
        } else {
            target.callback(std::move(outcome).value());
        }
        if (start) {
            detail::ReactorAccess::traceCallback(
                reactorCore, poolId, ticket->jobId.load(std::memory_order_acquire), start, traceNow());
        }
    };
    const quint64 id = detail::PoolAccess::submit(
        pool,
        [d, reactorCore, deliver, fn = std::forward<F>(f), ... as = std::forward<Args>(args)]() mutable -> bool {
            auto outcome = detail::captureOutcome(std::move(fn), std::move(as)...);
            const bool ok = outcome.ok();
            detail::noteJobEnd();
            detail::ReactorAccess::postInternal(reactorCore,
                [d = std::move(d), deliver, o = std::move(outcome)]() mutable { deliver(d, std::move(o)); });
            return ok;
        },
        [d, reactorCore]() mutable {
            detail::ReactorAccess::postInternal(reactorCore, [d = std::move(d)]() mutable {
                if (!d.called())
                    d.errback(Failure::make(CancelledError("the job was cancelled before it ran")));
            });
        },
        ApiKind::DeferToThread);
    ticket->jobId.store(id, std::memory_order_release);
    return d;
}

/// Runs f(args...) in the global reactor's pool; the Deferred fires in the reactor thread.
template <class F, class... Args>
auto deferToThread(F&& f, Args&&... args)
{
    Reactor& reactor = Reactor::instance();
    return deferToThreadPool(reactor, reactor.getThreadPool(), std::forward<F>(f), std::forward<Args>(args)...);
}

/// Runs every call in one worker of the global reactor's pool, in order; the first exception stops the rest and is
/// logged once.
void callMultipleInThread(std::vector<std::function<void()>> calls);

/// From a non-reactor thread: runs f(args...) in the reactor thread and waits; a returned Deferred<R> is waited for.
/// WrongThreadError from the reactor thread; ReactorNotRunning once shutdown begins.
template <class F, class... Args>
auto blockingCallFromThread(Reactor& reactor, F&& f, Args&&... args) -> detail::CallResult<F, Args...>
{
    return detail::blockingCall(reactor, std::nullopt, std::forward<F>(f), std::forward<Args>(args)...);
}

/// blockingCallFromThread() with a deadline: TimeoutError; a late result is discarded safely.
template <class F, class... Args>
auto blockingCallFromThreadFor(Reactor& reactor, std::chrono::milliseconds timeout, F&& f, Args&&... args)
    -> detail::CallResult<F, Args...>
{
    return detail::blockingCall(reactor, timeout, std::forward<F>(f), std::forward<Args>(args)...);
}

} // namespace threads

} // namespace qtwisted
