// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Internals of <qtwisted/deferred.h>: how a callback's return is packaged into the chain, and where the rest of the
// library reaches into a Deferred's chain. Not API.
#pragma once

#include <qtwisted/detail/chain.h>
#include <qtwisted/failure.h>
#include <qtwisted/outcome.h>

#include <QList>

#include <memory>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

class QThread;

namespace qtwisted {

template <class T>
class Deferred;

namespace detail {

template <class R>
struct UnwrapDeferred {
    using type = StorableT<R>;
    static constexpr bool isDeferred = false;
};
template <class U>
struct UnwrapDeferred<Deferred<U>> {
    using type = U;
    static constexpr bool isDeferred = true;
};
template <class R>
using Unwrapped = typename UnwrapDeferred<std::decay_t<R>>::type;

/// What a callback taking the chain's value returns, for T (value) or void (no argument).
template <class T, class F>
struct CallbackResult {
    using type = std::invoke_result_t<F&, T&&>;
};
template <class F>
struct CallbackResult<void, F> {
    using type = std::invoke_result_t<F&>;
};

struct DeferredAccess {
    template <class T>
    static const CorePtr& core(const Deferred<T>& d) noexcept
    {
        return d.m_core;
    }
    template <class T>
    static Deferred<T> wrap(CorePtr core) noexcept
    {
        return Deferred<T>(std::move(core));
    }
    /// A new chain owned by `owner` (the reactor thread for deferToThread's Deferreds).
    template <class T>
    static Deferred<T> createOwnedBy(QThread* owner)
    {
        auto core = std::make_shared<ChainCore>(typeid(T));
        core->owner = owner;
        return Deferred<T>(std::move(core));
    }
};

/// Runs g() and packages what it returns (void, a value or a Deferred to wait for) as a chain Result.
template <class G>
Result package(G&& g)
{
    using Ret = std::invoke_result_t<G>;
    Result r;
    if constexpr (std::is_void_v<Ret>) {
        std::forward<G>(g)();
    } else if constexpr (UnwrapDeferred<std::decay_t<Ret>>::isDeferred) {
        r.inner = DeferredAccess::core(std::forward<G>(g)());
    } else {
        r.value = Box::of(StorableT<Ret>(std::forward<G>(g)()));
    }
    return r;
}

/// Calls f with the chain's value (moved out of `in`), or with nothing for void.
template <class T, class F>
Result callWithValue(F& f, Result&& in)
{
    if constexpr (std::is_void_v<T>) {
        in.value.take<void>();
        return package([&f]() -> decltype(auto) { return f(); });
    } else {
        T value = in.value.take<T>();
        return package([&f, &value]() -> decltype(auto) { return f(std::move(value)); });
    }
}

template <class T>
Outcome<T> toOutcome(Result&& r)
{
    if (r.failure)
        return Outcome<T>(*r.failure);
    if constexpr (std::is_void_v<T>) {
        return Outcome<void>();
    } else {
        return Outcome<T>(r.value.take<T>());
    }
}

template <class T>
struct ValueArg {
    using type = T;
};
template <>
struct ValueArg<void> {
    struct None { };
    using type = None;
};

/// Appends a step that looks at a result and passes it on unchanged (the chain's type stays T).
template <class T, class Observer>
void observe(const Deferred<T>& d, Observer&& observer)
{
    Step step { [obs = std::decay_t<Observer>(std::forward<Observer>(observer))](Result&& r) mutable -> Result {
                   obs(r);
                   return std::move(r);
               },
        nullptr };
    addStep(DeferredAccess::core(d), typeid(T), typeid(T), std::move(step));
}

/// A Deferred whose cancel() cancels every input (as Twisted's DeferredList); inputs are held weakly, so an input
/// that never fires does not keep the list alive.
template <class Out, class T>
Deferred<Out> cancellingAll(const QList<Deferred<T>>& inputs)
{
    std::vector<std::weak_ptr<ChainCore>> weak;
    weak.reserve(static_cast<std::size_t>(inputs.size()));
    for (const auto& d : inputs)
        weak.push_back(DeferredAccess::core(d));
    // An input that waits on the list itself cancels the list again from inside this loop: a cycle, broken by
    // `busy` (Twisted recurses until Python's recursion limit). cancelInput() never throws, so `busy` is always reset.
    Deferred<Out> out([weak = std::move(weak), busy = false](Deferred<Out>&) mutable {
        if (busy)
            return;
        busy = true;
        for (const auto& w : weak) {
            if (auto core = w.lock())
                cancelInput(core);
        }
        busy = false;
    });
    DeferredAccess::core(out)->cancelsInputsOnly = true;
    return out;
}

template <class T>
struct GatherType {
    using type = QList<T>;
};
template <>
struct GatherType<void> {
    using type = void;
};

} // namespace detail

} // namespace qtwisted
