// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/detail/chain.h>
#include <qtwisted/detail/deferredaccess.h>
#include <qtwisted/errors.h>
#include <qtwisted/failure.h>
#include <qtwisted/outcome.h>

#include <QList>

#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace qtwisted {

/// Options of DeferredList(), as Twisted's keyword arguments.
struct DeferredListOptions {
    bool fireOnOneCallback = false;
    bool fireOnOneErrback = false;
    bool consumeErrors = false;
};

/// A handle to one shared callback chain (Twisted's Deferred). Belongs to the thread that created it.
template <class T>
class Deferred {
public:
    using ValueType = T;

    /// A new, unfired Deferred. Where it is made (the caller's file and line) is recorded while a
    /// DiagnosticsMonitor listens, for its report of an unhandled error. (The compiler's __builtin_FILE/LINE, as
    /// std::source_location does: libstdc++'s std::source_location needs Clang 15, and Debian 12 has Clang 14.)
    Deferred(detail::MadeAt = {}, const char* file = __builtin_FILE(), unsigned line = __builtin_LINE())
        : m_core(std::make_shared<detail::ChainCore>(typeid(T)))
    {
        if (detail::diagnosticsListening()) {
            m_core->createdFile = file;
            m_core->createdLine = line;
            if (auto made = detail::g_deferredMadeHook.load(std::memory_order_relaxed))
                made(m_core);
        }
    }

    /// A Deferred whose cancel() first calls `canceller` (at most once).
    explicit Deferred(std::function<void(Deferred<T>&)> canceller, const char* file = __builtin_FILE(),
        unsigned line = __builtin_LINE())
        : Deferred(detail::MadeAt {}, file, line)
    {
        if (canceller) {
            m_core->canceller = [c = std::move(canceller)](const detail::CorePtr& core) {
                Deferred<T> d(core);
                c(d);
            };
        }
    }

    /// Fires the chain with a value; AlreadyCalledError when already fired.
    void callback(typename detail::ValueArg<T>::type value) requires(!std::is_void_v<T>)
    {
        detail::checkThread(*m_core);
        detail::checkHead(*m_core, typeid(T));
        detail::Result r;
        r.value = detail::Box::of(std::move(value));
        detail::fire(m_core, std::move(r));
    }

    /// Fires a Deferred<void>; AlreadyCalledError when already fired.
    void callback() requires std::is_void_v<T>
    {
        detail::checkThread(*m_core);
        detail::checkHead(*m_core, typeid(T));
        detail::fire(m_core, detail::Result {});
    }

    /// Fires the chain with a Failure; AlreadyCalledError when already fired.
    void errback(Failure failure)
    {
        detail::checkThread(*m_core);
        detail::fire(m_core, detail::Result::ofFailure(std::move(failure)));
    }

    /// Adds f(T) (or f() for void) returning U, void or Deferred<U>; failures pass it by.
    template <class F>
    auto addCallback(F&& f)
    {
        using Fn = std::decay_t<F>;
        using U = detail::Unwrapped<typename detail::CallbackResult<T, Fn>::type>;
        detail::Step step { [fn = Fn(std::forward<F>(f))](detail::Result&& r) mutable -> detail::Result {
                               if (r.failure)
                                   return std::move(r);
                               return detail::callWithValue<T>(fn, std::move(r));
                           },
            nullptr };
        detail::addStep(m_core, typeid(T), typeid(U), std::move(step));
        return Deferred<U>(m_core);
    }

    /// Adds f(const Failure&) returning T or Deferred<T> (recovers); throwing keeps the chain failed.
    template <class F>
    Deferred<T> addErrback(F&& f)
    {
        using Fn = std::decay_t<F>;
        using U = detail::Unwrapped<std::invoke_result_t<Fn&, const Failure&>>;
        static_assert(std::is_same_v<U, T>, "an errback must return the chain's type T (or Deferred<T>)");
        detail::Step step { [fn = Fn(std::forward<F>(f))](detail::Result&& r) mutable -> detail::Result {
                               if (!r.failure)
                                   return std::move(r);
                               const Failure failure = *r.failure;
                               return detail::package([&fn, &failure]() -> decltype(auto) { return fn(failure); });
                           },
            nullptr };
        detail::addStep(m_core, typeid(T), typeid(T), std::move(step));
        return *this;
    }

    /// Adds cb(T) and eb(const Failure&), both returning U (or Deferred<U>).
    template <class CB, class EB>
    auto addCallbacks(CB&& cb, EB&& eb)
    {
        using Cb = std::decay_t<CB>;
        using Eb = std::decay_t<EB>;
        using U = detail::Unwrapped<typename detail::CallbackResult<T, Cb>::type>;
        static_assert(std::is_same_v<detail::Unwrapped<std::invoke_result_t<Eb&, const Failure&>>, U>,
            "callback and errback must return the same type");
        detail::Step step { [cbf = Cb(std::forward<CB>(cb)), ebf = Eb(std::forward<EB>(eb))](
                                detail::Result&& r) mutable -> detail::Result {
                               if (!r.failure)
                                   return detail::callWithValue<T>(cbf, std::move(r));
                               const Failure failure = *r.failure;
                               return detail::package([&ebf, &failure]() -> decltype(auto) { return ebf(failure); });
                           },
            nullptr };
        detail::addStep(m_core, typeid(T), typeid(U), std::move(step));
        return Deferred<U>(m_core);
    }

    /// Adds f(const Outcome<T>&) returning U (or Deferred<U>), called for values and failures alike.
    template <class F>
    auto addBoth(F&& f)
    {
        using Fn = std::decay_t<F>;
        using U = detail::Unwrapped<std::invoke_result_t<Fn&, const Outcome<T>&>>;
        detail::Step step { [fn = Fn(std::forward<F>(f))](detail::Result&& r) mutable -> detail::Result {
                               const Outcome<T> outcome = detail::toOutcome<T>(std::move(r));
                               return detail::package([&fn, &outcome]() -> decltype(auto) { return fn(outcome); });
                           },
            nullptr };
        detail::addStep(m_core, typeid(T), typeid(U), std::move(step));
        return Deferred<U>(m_core);
    }

    /// When this chain fires, fire `other` with the same result; this chain then holds nothing (void).
    Deferred<void> chainDeferred(Deferred<T> other)
    {
        detail::Step step { [other](detail::Result&& r) mutable -> detail::Result {
                               if (r.failure) {
                                   other.errback(*r.failure);
                               } else if constexpr (std::is_void_v<T>) {
                                   other.callback();
                               } else {
                                   other.callback(r.value.take<T>());
                               }
                               return {};
                           },
            nullptr };
        detail::addStep(m_core, typeid(T), typeid(void), std::move(step));
        return Deferred<void>(m_core);
    }

    /// Stops the chain from running callbacks until unpause().
    void pause() { detail::pause(m_core); }
    void unpause() { detail::unpause(m_core); }

    bool called() const
    {
        detail::checkThread(*m_core);
        return m_core->called;
    }
    bool paused() const
    {
        detail::checkThread(*m_core);
        return m_core->paused > 0;
    }

    /// Unfired: canceller, then CancelledError; waiting on another Deferred: cancels that one; fired: nothing.
    void cancel() { detail::cancel(m_core); }

    friend bool operator==(const Deferred& a, const Deferred& b) noexcept { return a.m_core == b.m_core; }

private:
    explicit Deferred(detail::CorePtr core) noexcept
        : m_core(std::move(core))
    {
    }

    template <class>
    friend class Deferred;
    friend struct detail::DeferredAccess;

    detail::CorePtr m_core;
};

/// An already-fired Deferred holding `value` (made, for a diagnostics report, at the caller's line).
template <class V>
Deferred<std::decay_t<V>> succeed(V&& value, const char* file = __builtin_FILE(), unsigned line = __builtin_LINE())
{
    Deferred<std::decay_t<V>> d(detail::MadeAt {}, file, line);
    d.callback(std::forward<V>(value));
    return d;
}

/// An already-fired Deferred<void>.
inline Deferred<void> succeed(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE())
{
    Deferred<void> d(detail::MadeAt {}, file, line);
    d.callback();
    return d;
}

/// An already-failed Deferred<T> (made, for a diagnostics report of it left unhandled, at the caller's line).
template <class T>
Deferred<T> fail(Failure failure, const char* file = __builtin_FILE(), unsigned line = __builtin_LINE())
{
    Deferred<T> d(detail::MadeAt {}, file, line);
    d.errback(std::move(failure));
    return d;
}

/// Calls f(args...) now and wraps what it returns, or throws, in a Deferred.
template <class F, class... Args>
auto maybeDeferred(F&& f, Args&&... args) -> Deferred<detail::Unwrapped<std::invoke_result_t<F, Args...>>>
{
    using Ret = std::invoke_result_t<F, Args...>;
    using U = detail::Unwrapped<Ret>;
    try {
        if constexpr (detail::UnwrapDeferred<std::decay_t<Ret>>::isDeferred) {
            return std::invoke(std::forward<F>(f), std::forward<Args>(args)...);
        } else if constexpr (std::is_void_v<Ret>) {
            std::invoke(std::forward<F>(f), std::forward<Args>(args)...);
            return succeed();
        } else {
            return succeed(detail::StorableT<Ret>(std::invoke(std::forward<F>(f), std::forward<Args>(args)...)));
        }
    } catch (...) {
        return fail<U>(Failure::current());
    }
}

/// Fires with every result in input order once all fired; the first Failure wins (and the inputs' are consumed).
/// For Deferred<void> inputs the result is a Deferred<void>.
template <class T>
auto gatherResults(QList<Deferred<T>> deferreds) -> Deferred<typename detail::GatherType<T>::type>
{
    using Out = typename detail::GatherType<T>::type;
    struct State {
        std::vector<std::optional<std::conditional_t<std::is_void_v<T>, bool, T>>> values;
        qsizetype remaining = 0;
        bool done = false;
        Deferred<Out> out;
    };
    auto state = std::make_shared<State>();
    state->out = detail::cancellingAll<Out>(deferreds);
    state->values.resize(static_cast<std::size_t>(deferreds.size()));
    state->remaining = deferreds.size();
    Deferred<Out> out = state->out;
    auto finish = [](State& s) {
        s.done = true;
        if (s.out.called()) // fired by its user: as Twisted's DeferredList, it is not fired again
            return;
        if constexpr (std::is_void_v<T>) {
            s.out.callback();
        } else {
            QList<T> list;
            list.reserve(static_cast<qsizetype>(s.values.size()));
            for (auto& v : s.values)
                list.append(std::move(*v));
            s.out.callback(std::move(list));
        }
    };
    if (deferreds.isEmpty()) {
        finish(*state);
        return out;
    }
    for (qsizetype i = 0; i < deferreds.size(); ++i) {
        detail::observe(deferreds[i], [state, i, finish](detail::Result& r) {
            if (r.failure) {
                r.failureHandled = true;
                if (!state->done) {
                    state->done = true;
                    if (!state->out.called())
                        state->out.errback(*r.failure);
                }
                return;
            }
            if (state->done)
                return;
            if constexpr (std::is_void_v<T>) {
                state->values[static_cast<std::size_t>(i)] = true;
            } else {
                state->values[static_cast<std::size_t>(i)] = r.value.peek<T>();
            }
            if (--state->remaining == 0)
                finish(*state);
        });
    }
    return out;
}

/// Fires with every input's Outcome in input order (never errbacks unless fireOnOneErrback).
/// fireOnOneCallback fires with a one-element list holding the first success; fireOnOneErrback errbacks with the
/// first Failure itself (Twisted wraps them with an index; see docs/design.md).
template <class T>
Deferred<QList<Outcome<T>>> DeferredList(QList<Deferred<T>> deferreds, DeferredListOptions options = {})
{
    struct State {
        std::vector<std::optional<Outcome<T>>> outcomes;
        qsizetype remaining = 0;
        bool done = false;
        Deferred<QList<Outcome<T>>> out;
    };
    auto state = std::make_shared<State>();
    state->out = detail::cancellingAll<QList<Outcome<T>>>(deferreds);
    state->outcomes.resize(static_cast<std::size_t>(deferreds.size()));
    state->remaining = deferreds.size();
    Deferred<QList<Outcome<T>>> out = state->out;
    auto finish = [](State& s) {
        s.done = true;
        if (s.out.called()) // fired by its user: as Twisted, it is not fired again
            return;
        QList<Outcome<T>> list;
        list.reserve(static_cast<qsizetype>(s.outcomes.size()));
        for (auto& o : s.outcomes)
            list.append(std::move(*o));
        s.out.callback(std::move(list));
    };
    if (deferreds.isEmpty()) {
        if (!options.fireOnOneCallback) // as Twisted: waiting for one success among none never fires
            finish(*state);
        return out;
    }
    for (qsizetype i = 0; i < deferreds.size(); ++i) {
        detail::observe(deferreds[i], [state, i, finish, options](detail::Result& r) {
            std::optional<Outcome<T>> outcome;
            if (r.failure) {
                outcome.emplace(*r.failure);
                if (options.consumeErrors)
                    r.failureHandled = true;
            } else if constexpr (std::is_void_v<T>) {
                outcome.emplace();
            } else {
                outcome.emplace(r.value.peek<T>());
            }
            if (state->done)
                return;
            if (options.fireOnOneCallback && outcome->ok()) {
                state->done = true;
                if (!state->out.called())
                    state->out.callback(QList<Outcome<T>> { std::move(*outcome) });
                return;
            }
            if (options.fireOnOneErrback && !outcome->ok()) {
                state->done = true;
                if (!state->out.called())
                    state->out.errback(outcome->failure());
                return;
            }
            state->outcomes[static_cast<std::size_t>(i)] = std::move(outcome);
            if (--state->remaining == 0)
                finish(*state);
        });
    }
    return out;
}

} // namespace qtwisted

// co_await support for functions returning Deferred<R>.
#include <qtwisted/coroutine.h> // IWYU pragma: export
