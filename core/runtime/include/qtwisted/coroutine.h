// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

/// \file coroutine.h
/// C++20 coroutines returning Deferred<R> (Twisted's inlineCallbacks / ensureDeferred). Included by deferred.h.
///
/// \code
/// qtwisted::Deferred<int> total(Reactor& reactor)
/// {
///     const int a = co_await threads::deferToThreadPool(reactor, reactor.getThreadPool(), compute, 1);
///     try {
///         co_await mayFail();
///     } catch (const std::runtime_error& e) { // the Failure's original exception
///         qWarning() << e.what();
///     }
///     co_return a + 1;
/// }
/// \endcode
///
/// - The body starts at once, in the caller's thread (as `ensureDeferred`); it runs up to its first `co_await` of a
///   Deferred that has not fired yet, and the call returns the outer Deferred<R>.
/// - `co_await d` resumes in the thread that owns `d` (a chain fires in its owner thread: for deferToThread* that is
///   the reactor thread), with d's value, or throws d's Failure's original exception. Awaiting consumes d's result
///   (as a callback that returns nothing: the chain then holds void). Awaiting an already-fired Deferred does not
///   suspend. Awaiting a Deferred of another thread throws WrongThreadError at the `co_await`.
/// - `co_return v` fires the outer Deferred with `v`; an exception escaping the body errbacks it with
///   Failure::current().
/// - Cancelling the outer Deferred cancels the Deferred the coroutine is waiting on: CancelledError is thrown at
///   that `co_await`. If the body catches it and goes on, the outer Deferred has nevertheless errbacked
///   CancelledError (the canceller did not fire it), and the body's late result is dropped (the contract: one late
///   result after a cancel is ignored).
/// - A suspended coroutine is owned by the Deferred it waits on: if that chain is destroyed without ever firing
///   (nobody can fire it any more), the coroutine frame is destroyed with it and the outer Deferred never fires.
///   A coroutine that keeps the awaited Deferred in a named local variable keeps that chain alive itself; if nobody
///   else can fire it, both stay alive forever — await temporaries (`co_await f()`) where you can.
/// - Only Deferreds can be awaited in such a coroutine (other awaitables would have nobody owning the frame).

#include <qtwisted/deferred.h>

#include <coroutine>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

namespace qtwisted::detail {

class DeferredPromiseBase;

template <class T>
class DeferredAwaiter;

/// Type-erased view of an awaiter, for the step that resumes it.
class AwaiterBase {
public:
    AwaiterBase() = default;
    AwaiterBase(const AwaiterBase&) = delete;
    AwaiterBase& operator=(const AwaiterBase&) = delete;
    AwaiterBase(AwaiterBase&&) = delete;
    AwaiterBase& operator=(AwaiterBase&&) = delete;
    ~AwaiterBase() = default;

protected:
    friend class ResumeLink;
    Result m_result;
    bool m_suspending = false; // inside await_suspend: a step running now must not resume (nor destroy) us
    bool m_ready = false; // the step ran inside await_suspend: do not suspend
};

/// Shared state of a Deferred-returning coroutine: what it waits on (for cancel()).
class DeferredPromiseBase {
public:
    DeferredPromiseBase() = default;
    DeferredPromiseBase(const DeferredPromiseBase&) = delete;
    DeferredPromiseBase& operator=(const DeferredPromiseBase&) = delete;
    DeferredPromiseBase(DeferredPromiseBase&&) = delete;
    DeferredPromiseBase& operator=(DeferredPromiseBase&&) = delete;
    ~DeferredPromiseBase() = default;

    std::suspend_never initial_suspend() const noexcept { return {}; }
    std::suspend_never final_suspend() const noexcept { return {}; }

    /// Only Deferreds can be awaited (see the file comment).
    template <class T>
    DeferredAwaiter<T> await_transform(Deferred<T> d) noexcept
    {
        return DeferredAwaiter<T>(std::move(d));
    }

protected:
    friend class ResumeLink;
    template <class>
    friend class DeferredAwaiter;

    /// Makes cancel() of the outer chain cancel whatever the coroutine currently waits on.
    void installCanceller(const CorePtr& outer)
    {
        outer->canceller = [this](const CorePtr&) {
            if (auto awaited = m_awaiting.lock())
                cancel(awaited); // resumes the coroutine with CancelledError; may destroy *this
        };
    }
    /// The frame is going away: the outer chain's canceller must not call into it any more.
    static void dropCanceller(const CorePtr& outer) noexcept
    {
        if (outer)
            outer->canceller = nullptr;
    }

    std::weak_ptr<ChainCore> m_awaiting;
};

/// Held by the step added to the awaited chain: resumes the coroutine when the chain reaches it, and owns the
/// suspended frame (destroys it when the chain dies without reaching the step).
class ResumeLink {
public:
    ResumeLink(std::coroutine_handle<> handle, DeferredPromiseBase* promise, AwaiterBase* awaiter) noexcept
        : m_handle(handle)
        , m_promise(promise)
        , m_awaiter(awaiter)
    {
    }
    ResumeLink(ResumeLink&& other) noexcept
        : m_handle(std::exchange(other.m_handle, nullptr))
        , m_promise(other.m_promise)
        , m_awaiter(other.m_awaiter)
    {
    }
    ResumeLink(const ResumeLink&) = delete;
    ResumeLink& operator=(const ResumeLink&) = delete;
    ResumeLink& operator=(ResumeLink&&) = delete;
    ~ResumeLink()
    {
        // Never reached and not inside await_suspend: the coroutine can never resume; free its frame.
        if (m_handle && !m_awaiter->m_suspending)
            m_handle.destroy();
    }

    void deliver(Result&& r)
    {
        m_awaiter->m_result = std::move(r);
        const std::coroutine_handle<> h = std::exchange(m_handle, nullptr);
        if (m_awaiter->m_suspending) {
            m_awaiter->m_ready = true; // fired already: await_suspend returns false, no resumption from here
            return;
        }
        m_promise->m_awaiting.reset();
        h.resume(); // may finish (and free) the frame
    }

private:
    std::coroutine_handle<> m_handle;
    DeferredPromiseBase* m_promise;
    AwaiterBase* m_awaiter;
};

/// What `co_await Deferred<T>` becomes inside a Deferred-returning coroutine.
template <class T>
class DeferredAwaiter : private AwaiterBase {
public:
    explicit DeferredAwaiter(Deferred<T> d) noexcept
        : m_core(DeferredAccess::core(d))
    {
    }

    bool await_ready() const noexcept { return false; }

    template <class P>
    bool await_suspend(std::coroutine_handle<P> handle)
    {
        static_assert(std::is_base_of_v<DeferredPromiseBase, P>);
        DeferredPromiseBase& promise = handle.promise();
        // The awaiter keeps no reference to the chain once suspended: the chain owns the frame, not the reverse.
        const CorePtr core = std::move(m_core);
        m_suspending = true;
        promise.m_awaiting = core;
        try {
            addStep(core, typeid(T), typeid(void),
                Step { [link = ResumeLink(handle, &promise, this)](Result&& r) mutable -> Result {
                          link.deliver(std::move(r));
                          return {};
                      },
                    nullptr });
        } catch (...) {
            m_suspending = false;
            promise.m_awaiting.reset();
            throw; // rethrown at the co_await (WrongThreadError, ChainTypeError)
        }
        m_suspending = false;
        if (m_ready) {
            promise.m_awaiting.reset();
            return false;
        }
        return true;
    }

    T await_resume()
    {
        Result r = std::move(m_result);
        if (r.failure)
            r.failure->raise();
        return r.value.take<T>();
    }

private:
    CorePtr m_core;
};

template <class R>
class DeferredPromise;

/// co_return for Deferred<R>.
template <class R>
class DeferredPromiseReturn : public DeferredPromiseBase {
public:
    void return_value(R value) { m_deferred.callback(std::move(value)); }

protected:
    Deferred<R> m_deferred;
};

/// co_return; for Deferred<void>.
template <>
class DeferredPromiseReturn<void> : public DeferredPromiseBase {
public:
    void return_void() { m_deferred.callback(); }

protected:
    Deferred<void> m_deferred;
};

/// The promise of a coroutine returning Deferred<R>.
template <class R>
class DeferredPromise final : public DeferredPromiseReturn<R> {
public:
    DeferredPromise() { this->installCanceller(DeferredAccess::core(this->m_deferred)); }
    DeferredPromise(const DeferredPromise&) = delete;
    DeferredPromise& operator=(const DeferredPromise&) = delete;
    DeferredPromise(DeferredPromise&&) = delete;
    DeferredPromise& operator=(DeferredPromise&&) = delete;
    ~DeferredPromise() { DeferredPromiseBase::dropCanceller(DeferredAccess::core(this->m_deferred)); }

    Deferred<R> get_return_object() const { return this->m_deferred; }

    void unhandled_exception()
    {
        try {
            this->m_deferred.errback(Failure::current());
        } catch (const AlreadyCalledError&) {
            // Someone fired the coroutine's own Deferred by hand: its result stands, ours is dropped.
        }
    }
};

} // namespace qtwisted::detail

namespace std {

/// A function returning qtwisted::Deferred<R> may be a coroutine (see coroutine.h).
template <class R, class... Args>
struct coroutine_traits<qtwisted::Deferred<R>, Args...> {
    using promise_type = qtwisted::detail::DeferredPromise<R>;
};

} // namespace std
