// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

/// \file qtinterop.h
/// Deferreds and Qt's own asynchronous types: QFuture (both ways) and signals. QtCore only.
///
/// Every function here is called in the thread that owns (or will own) the Deferred — normally the reactor
/// thread — and every Deferred it returns fires in that thread, from its event loop.

#include <qtwisted/deferred.h>
#include <qtwisted/errors.h>
#include <qtwisted/failure.h>

#include <QFuture>
#include <QFutureWatcher>
#include <QObject>
#include <QPromise>
#include <QThread>

#include <cstddef>
#include <memory>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace qtwisted {

namespace detail {

/// The QPromise behind toQFuture(), shared by the chain's step and the watcher that forwards QFuture::cancel().
template <class T>
struct FuturePromise {
    QPromise<T> promise;
    bool settled = false;
};

/// Fires `d` from a finished future: its exception, CancelledError when cancelled, else its first result.
template <class T>
void fireFromFuture(Deferred<T>& d, QFuture<T>& future)
{
    try {
        future.waitForFinished(); // finished already: does not block, rethrows a stored exception
    } catch (...) {
        d.errback(Failure::current());
        return;
    }
    if (future.isCanceled()) {
        d.errback(Failure::make(CancelledError("the QFuture was cancelled")));
    } else if constexpr (std::is_void_v<T>) {
        d.callback();
    } else if (future.resultCount() > 0) {
        d.callback(future.resultAt(0));
    } else {
        d.errback(Failure::make(Error("the QFuture finished without a result")));
    }
}

/// True for the QPrivateSignal tag that Qt appends to private signals (QTimer::timeout, QThread::finished): it is
/// a private nested type, so it can only be recognised by name.
template <class T>
constexpr bool isPrivateSignalTag() noexcept
{
    constexpr std::string_view name = __PRETTY_FUNCTION__;
    return name.find("::QPrivateSignal") != std::string_view::npos;
}

/// How many of a signal's arguments are real ones (all but a trailing QPrivateSignal).
template <class... A>
constexpr std::size_t signalArity() noexcept
{
    constexpr std::size_t n = sizeof...(A);
    if constexpr (n == 0) {
        return 0;
    } else {
        using Last = std::tuple_element_t<n - 1, std::tuple<std::decay_t<A>...>>;
        return isPrivateSignalTag<Last>() ? n - 1 : n;
    }
}

template <class... V>
struct SignalValue {
    using type = std::tuple<V...>;
};
template <>
struct SignalValue<> {
    using type = void;
};
template <class V>
struct SignalValue<V> {
    using type = V;
};

/// The state of one deferredFromSignal(): fires once, then disconnects.
template <class... V>
class SignalState {
public:
    using Value = typename SignalValue<V...>::type;

    explicit SignalState(Deferred<Value> d)
        : m_deferred(std::move(d))
    {
    }

    void connect(QMetaObject::Connection signal, QMetaObject::Connection destroyed)
    {
        m_signal = std::move(signal);
        m_destroyed = std::move(destroyed);
    }

    /// Disconnects both connections; false when already done.
    bool finish()
    {
        if (m_done)
            return false;
        m_done = true;
        QObject::disconnect(m_signal);
        QObject::disconnect(m_destroyed);
        return true;
    }

    void fire(const V&... values)
    {
        if (!finish())
            return;
        if constexpr (sizeof...(V) == 0) {
            m_deferred.callback();
        } else if constexpr (sizeof...(V) == 1) {
            m_deferred.callback(values...);
        } else {
            m_deferred.callback(Value(values...));
        }
    }

    void senderDestroyed()
    {
        if (finish())
            m_deferred.errback(Failure::make(CancelledError("the sender was destroyed before it emitted")));
    }

private:
    Deferred<Value> m_deferred;
    QMetaObject::Connection m_signal;
    QMetaObject::Connection m_destroyed;
    bool m_done = false;
};

template <class... V>
struct SignalSlot {
    std::shared_ptr<SignalState<V...>> state;
    void operator()(const V&... values) const { state->fire(values...); }
};

template <class All, class Seq>
struct SignalTypes;
template <class All, std::size_t... I>
struct SignalTypes<All, std::index_sequence<I...>> {
    using State = SignalState<std::tuple_element_t<I, All>...>;
    using Slot = SignalSlot<std::tuple_element_t<I, All>...>;
};

} // namespace detail

/// A QFuture that finishes when `d` fires: with its value, or with its Failure's original exception (QFuture::result()
/// and waitForFinished() rethrow it). Cancelling the future cancels `d` (in d's thread, from its event loop).
/// Like a callback returning nothing, this consumes d's result: the chain holds void afterwards.
/// Call in d's thread.
template <class T>
QFuture<T> toQFuture(Deferred<T> d)
{
    auto state = std::make_shared<detail::FuturePromise<T>>();
    state->promise.start();
    QFuture<T> future = state->promise.future();
    auto fail = [state](const Failure& failure) {
        state->settled = true;
        state->promise.setException(failure.exception());
        state->promise.finish();
    };
    if constexpr (std::is_void_v<T>) {
        d.addCallbacks(
            [state] {
                state->settled = true;
                state->promise.finish();
            },
            fail);
    } else {
        d.addCallbacks(
            [state](T value) {
                state->settled = true;
                state->promise.addResult(std::move(value));
                state->promise.finish();
            },
            fail);
    }
    if (state->settled)
        return future;
    // QFuture::cancel() may come from any thread; a watcher in d's thread turns it into d.cancel().
    auto* watcher = new QFutureWatcher<T>();
    std::weak_ptr<detail::FuturePromise<T>> weakState = state;
    std::weak_ptr<detail::ChainCore> weakChain = detail::DeferredAccess::core(d);
    QObject::connect(watcher, &QFutureWatcherBase::canceled, watcher, [weakState, weakChain] {
        auto s = weakState.lock();
        auto chain = weakChain.lock();
        if (s && chain && !s->settled)
            detail::cancel(chain);
    });
    QObject::connect(watcher, &QFutureWatcherBase::finished, watcher, &QObject::deleteLater);
    watcher->setFuture(future);
    return future;
}

/// A Deferred that fires, in the calling thread, when `future` finishes: with its first result, with its exception
/// (the original one), or CancelledError when it was cancelled. Cancelling the Deferred cancels the future.
/// `context` (optional, in the calling thread) bounds the wait: destroying it first errbacks CancelledError.
/// Built on QFutureWatcher (not QFuture::then, which is unreliable on Qt 6.4 under load); needs the calling thread's
/// event loop unless the future has already finished.
template <class T>
Deferred<T> fromQFuture(QFuture<T> future, QObject* context = nullptr)
{
    if (context && context->thread() != QThread::currentThread())
        throw WrongThreadError("fromQFuture: the context object must live in the calling thread");
    Deferred<T> d([future](Deferred<T>&) mutable { future.cancel(); });
    if (future.isFinished()) {
        detail::fireFromFuture(d, future);
        return d;
    }
    auto* watcher = new QFutureWatcher<T>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, watcher, [watcher, d]() mutable {
        QFuture<T> f = watcher->future();
        watcher->deleteLater();
        if (!d.called())
            detail::fireFromFuture(d, f);
    });
    // Destroyed before the future finished (its context went away): the Deferred cannot wait any longer.
    QObject::connect(watcher, &QObject::destroyed, [d]() mutable {
        if (QThread::currentThread() == detail::DeferredAccess::core(d)->owner && !d.called())
            d.errback(Failure::make(CancelledError("the context of fromQFuture was destroyed")));
    });
    watcher->setFuture(future);
    return d;
}

/// A Deferred that fires, once, with the next emission of `signal` by `sender`, then disconnects: Deferred<void> for
/// a signal without arguments, Deferred<A> for one argument, Deferred<std::tuple<A...>> for more.
/// The Deferred belongs to the calling thread and fires there: `context` (default: `sender`) must live in the
/// calling thread; a sender of another thread then delivers through a queued connection.
/// Cancelling disconnects; a sender destroyed before it emitted errbacks CancelledError.
template <class S, class C, class... A>
auto deferredFromSignal(const S* sender, void (C::*signal)(A...), const QObject* context = nullptr)
{
    static_assert(std::is_base_of_v<C, S>, "the signal must belong to the sender's class");
    static_assert(std::is_base_of_v<QObject, C>, "the sender must be a QObject");
    using Types
        = detail::SignalTypes<std::tuple<std::decay_t<A>...>, std::make_index_sequence<detail::signalArity<A...>()>>;
    using State = typename Types::State;
    using Value = typename State::Value;
    if (!context)
        context = sender;
    if (context->thread() != QThread::currentThread())
        throw WrongThreadError("deferredFromSignal: the context object (default: the sender) must live in the "
                               "calling thread");
    auto weak = std::make_shared<std::weak_ptr<State>>();
    Deferred<Value> d([weak](Deferred<Value>&) {
        if (auto state = weak->lock())
            state->finish();
    });
    auto state = std::make_shared<State>(d);
    *weak = state;
    auto signalConnection = QObject::connect(sender, signal, context, typename Types::Slot { state });
    auto destroyedConnection
        = QObject::connect(sender, &QObject::destroyed, context, [state] { state->senderDestroyed(); });
    state->connect(std::move(signalConnection), std::move(destroyedConnection));
    return d;
}

} // namespace qtwisted
