// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/detail/function.h>
#include <qtwisted/errors.h>
#include <qtwisted/failure.h>

#include <QThread>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <typeinfo>
#include <utility>
#include <vector>

namespace qtwisted::detail {

/// A move-only type-erased value; empty means "void".
class Box {
public:
    Box() = default;

    template <class T>
    static Box of(T&& value)
    {
        Box b;
        b.m_holder = std::make_unique<Holder<std::decay_t<T>>>(std::forward<T>(value));
        return b;
    }

    const std::type_info& type() const noexcept { return m_holder ? m_holder->type() : typeid(void); }

    /// Moves the value out; ChainTypeError when the box holds another type.
    template <class T>
    T take()
    {
        if constexpr (std::is_void_v<T>) {
            m_holder.reset();
        } else {
            auto* h = dynamic_cast<Holder<T>*>(m_holder.get());
            if (!h)
                throw ChainTypeError("Deferred chain holds another type than the callback expects");
            T value = std::move(h->value);
            m_holder.reset();
            return value;
        }
    }

    /// A reference to the value, for pass-through observers.
    template <class T>
    const T& peek() const
    {
        auto* h = dynamic_cast<const Holder<T>*>(m_holder.get());
        if (!h)
            throw ChainTypeError("Deferred chain holds another type than the callback expects");
        return h->value;
    }

private:
    struct Base {
        Base() = default;
        Base(const Base&) = delete;
        Base& operator=(const Base&) = delete;
        Base(Base&&) = delete;
        Base& operator=(Base&&) = delete;
        virtual ~Base() = default;
        virtual const std::type_info& type() const noexcept = 0;
    };
    template <class T>
    struct Holder final : Base {
        template <class U>
        explicit Holder(U&& v) // NOLINT(bugprone-forwarding-reference-overload): Holder is never copied or moved
            : value(std::forward<U>(v))
        {
        }
        const std::type_info& type() const noexcept override { return typeid(T); }
        T value;
    };
    std::unique_ptr<Base> m_holder;
};

struct ChainCore;
using CorePtr = std::shared_ptr<ChainCore>;

/// How many diagnostics monitors listen for unhandled errors: while any does, a new Deferred records where it was
/// made (one relaxed load per Deferred otherwise).
inline std::atomic<int> g_diagnosticsListeners { 0 };
inline bool diagnosticsListening() noexcept
{
    return g_diagnosticsListeners.load(std::memory_order_relaxed) > 0;
}

/// Called by Deferred's constructor while diagnostics listen (inside that branch: one more relaxed load) when
/// QTwisted::Testing watches a test: its record of the Deferreds made in the test. Null otherwise.
using DeferredMadeHook = void (*)(const CorePtr& core);
inline std::atomic<DeferredMadeHook> g_deferredMadeHook { nullptr };

/// The first parameter of Deferred's default constructor, before the caller's file and line: keeps a `const char*`
/// from converting to a Deferred.
struct MadeAt { };

/// The current result of a chain: a value, a Failure, or (returned by a step) another chain to wait for.
struct Result {
    Box value;
    std::optional<Failure> failure;
    CorePtr inner;
    /// Set when a DeferredList/gatherResults consumed the Failure: no "Unhandled error" log for it.
    bool failureHandled = false;

    static Result ofFailure(Failure f)
    {
        Result r;
        r.failure = std::move(f);
        return r;
    }
};

/// One link of a chain; `continueTo` marks Twisted's _CONTINUE: hand the result to an outer chain.
struct Step {
    UniqueFunction<Result(Result&&)> fn;
    CorePtr continueTo;
};

/// A chain's pending steps, first in first out. Unlike std::deque (which allocates a map and a block as soon as it
/// exists) it allocates nothing until the first step arrives, and reuses its buffer once every step has run.
class StepQueue {
public:
    bool empty() const noexcept { return m_head == m_items.size(); }
    void push_back(Step step) { m_items.push_back(std::move(step)); }
    Step pop_front()
    {
        Step step = std::move(m_items[m_head]);
        if (++m_head == m_items.size()) {
            m_items.clear();
            m_head = 0;
        }
        return step;
    }
    auto begin() noexcept { return m_items.begin() + static_cast<std::ptrdiff_t>(m_head); }
    auto end() noexcept { return m_items.end(); }

private:
    std::vector<Step> m_items;
    std::size_t m_head = 0; // m_items before it have run (moved from)
};

/// The shared state behind every Deferred<T> handle of one chain. Reactor-thread (owner) only.
struct ChainCore {
    explicit ChainCore(const std::type_info& type)
        : owner(QThread::currentThread())
        , headType(&type)
        , tailType(&type)
    {
    }
    ChainCore(const ChainCore&) = delete;
    ChainCore& operator=(const ChainCore&) = delete;
    ChainCore(ChainCore&&) = delete;
    ChainCore& operator=(ChainCore&&) = delete;
    ~ChainCore();

    QThread* owner;
    StepQueue steps;
    Result result;
    const std::type_info* headType; // what callback() must be given
    const std::type_info* tailType; // what the last step produces
    UniqueFunction<void(const CorePtr&)> canceller;
    std::weak_ptr<ChainCore> waitingOn;
    int paused = 0;
    bool called = false;
    bool running = false;
    bool suppressAlreadyCalled = false;
    /// A DeferredList/gatherResults result: cancel() only runs `canceller` (which cancels the inputs) while unfired,
    /// and does nothing else: the list is then fired by what its inputs do (Twisted's DeferredList.cancel).
    bool cancelsInputsOnly = false;
    // For a diagnostics monitor's report of an unhandled error: where the Deferred was made (while a monitor
    // listens), and the pool job whose result it carries (deferToThread).
    const char* createdFile = nullptr;
    std::uint32_t createdLine = 0;
    std::uint32_t jobPool = 0; ///< TraceStrings id of the job's pool
    std::uint64_t jobId = 0;
};

/// WrongThreadError unless called from the chain's thread.
void checkThread(const ChainCore& core);
/// Appends a step after checking the handle's type against the chain's; runs it at once if the chain has fired.
void addStep(const CorePtr& core, const std::type_info& handleType, const std::type_info& newType, Step step);
/// callback()/errback(): AlreadyCalledError unless a cancel left one late result to swallow.
void fire(const CorePtr& core, Result result);
/// ChainTypeError unless a handle of this type may fire the chain (only the chain's first type may).
void checkHead(const ChainCore& core, const std::type_info& handleType);
void cancel(const CorePtr& core);
/// cancel() for a DeferredList's input: an exception from its canceller is logged (qtwisted.deferred), as Twisted
/// does, and the other inputs are still cancelled.
void cancelInput(const CorePtr& core) noexcept;
void pause(const CorePtr& core);
void unpause(const CorePtr& core);

} // namespace qtwisted::detail
