// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "diagnostics_p.h"
#include "logging_p.h"

#include <qtwisted/deferred.h>

#include <QVarLengthArray>

#include <vector>

namespace qtwisted::detail {

ChainCore::~ChainCore()
{
    if (called && result.failure && !result.failureHandled) {
        qCCritical(lcDeferred).noquote() << QStringLiteral("Unhandled error in Deferred: %1: %2")
                                                .arg(result.failure->typeName(), result.failure->message());
        notifyUnhandledError(*this);
    }
    // The chains waiting on this one die with it; release them one at a time so that a nest of unfired Deferreds
    // of any depth does not recurse through their destructors.
    std::vector<CorePtr> waiting;
    for (Step& step : steps) {
        if (step.continueTo)
            waiting.push_back(std::move(step.continueTo));
    }
    while (!waiting.empty()) {
        CorePtr outer = std::move(waiting.back());
        waiting.pop_back();
        if (outer.use_count() == 1) {
            for (Step& step : outer->steps) {
                if (step.continueTo)
                    waiting.push_back(std::move(step.continueTo));
            }
        }
    }
}

void checkThread(const ChainCore& core)
{
    if (QThread::currentThread() != core.owner)
        throw WrongThreadError("a Deferred was used from a thread other than the one it belongs to");
}

namespace {

/// Twisted's _runCallbacks: a loop over an explicit stack of chains, so that chains waiting on chains of any
/// depth never recurse.
void runCallbacks(const CorePtr& start)
{
    if (start->running)
        return; // the loop already running this chain picks up the new steps
    QVarLengthArray<CorePtr, 8> stack { start }; // no allocation unless chains nest deeper than 8
    while (!stack.empty()) {
        CorePtr current = stack.back();
        if (current->paused > 0 || current->running) {
            stack.pop_back();
            continue;
        }
        bool descended = false;
        current->running = true;
        while (!current->steps.empty() && current->paused == 0) {
            Step step = current->steps.pop_front();
            if (step.continueTo) {
                // Hand our result to the chain that waits for us; Twisted leaves None behind.
                CorePtr outer = std::move(step.continueTo);
                outer->result = std::move(current->result);
                current->result = Result {};
                current->tailType = &typeid(void);
                outer->waitingOn.reset();
                --outer->paused;
                stack.push_back(std::move(outer));
                descended = true;
                break;
            }
            Result next;
            try {
                next = step.fn(std::move(current->result));
            } catch (...) {
                next = Result::ofFailure(Failure::current());
            }
            step.fn.reset(); // release the callback's captures now
            if (next.inner) {
                CorePtr inner = std::move(next.inner);
                if (inner == current) {
                    current->result = Result::ofFailure(
                        Failure::make(std::logic_error("a Deferred callback returned the same Deferred")));
                    continue;
                }
                if (inner->called && inner->paused == 0 && !inner->running) {
                    // Already fired: take its result now instead of waiting.
                    current->result = std::move(inner->result);
                    inner->result = Result {};
                    inner->tailType = &typeid(void);
                    continue;
                }
                // Not fired yet, paused, or running further up this stack: wait for it to hand us its result.
                ++current->paused;
                current->waitingOn = inner;
                current->result = Result {};
                inner->steps.push_back(Step { {}, current });
                inner->tailType = &typeid(void); // what comes after the hand-over sees nothing (Twisted: None)
                break;
            }
            current->result = std::move(next);
        }
        current->running = false;
        if (!descended)
            stack.pop_back();
    }
}

} // namespace

void addStep(const CorePtr& core, const std::type_info& handleType, const std::type_info& newType, Step step)
{
    checkThread(*core);
    if (*core->tailType != handleType)
        throw ChainTypeError("addCallback on a stale Deferred handle: the chain now holds another type");
    core->steps.push_back(std::move(step));
    core->tailType = &newType;
    if (core->called)
        runCallbacks(core);
}

void checkHead(const ChainCore& core, const std::type_info& handleType)
{
    if (*core.headType != handleType)
        throw ChainTypeError("callback() through a handle of another type than the Deferred's own: the chain "
                             "expects the type it was created with");
}

void fire(const CorePtr& core, Result result)
{
    if (core->called) {
        if (core->suppressAlreadyCalled) {
            core->suppressAlreadyCalled = false; // one late result after an unanswered cancel is swallowed
            return;
        }
        throw AlreadyCalledError("Deferred has already been fired");
    }
    core->called = true;
    core->result = std::move(result);
    runCallbacks(core);
}

void cancel(const CorePtr& core)
{
    checkThread(*core);
    if (core->cancelsInputsOnly) {
        // Twisted's DeferredList.cancel(): cancel the inputs while the list has not fired, each time it is asked.
        if (!core->called && core->canceller)
            core->canceller(core);
        return;
    }
    if (!core->called) {
        const bool hadCanceller = static_cast<bool>(core->canceller);
        if (hadCanceller) {
            auto canceller = std::move(core->canceller);
            core->canceller = nullptr;
            canceller(core);
        } else {
            // As Twisted: armed before the CancelledError runs the errbacks, so a result that arrives while they run
            // (an errback firing this Deferred) is the one swallowed.
            core->suppressAlreadyCalled = true;
        }
        if (!core->called) {
            fire(core, Result::ofFailure(Failure::make(CancelledError())));
            // Divergence (docs/design.md, "Divergences from Twisted 22.4"): after a canceller that did not fire the
            // Deferred, one late result is swallowed too; Twisted raises AlreadyCalledError for it.
            if (hadCanceller)
                core->suppressAlreadyCalled = true;
        }
    } else if (auto inner = core->waitingOn.lock()) {
        cancel(inner);
    }
}

void cancelInput(const CorePtr& core) noexcept
{
    try {
        cancel(core);
    } catch (...) {
        const Failure failure = Failure::current();
        qCCritical(lcDeferred).noquote()
            << QStringLiteral("Exception raised from a canceller: %1: %2").arg(failure.typeName(), failure.message());
    }
}

void pause(const CorePtr& core)
{
    checkThread(*core);
    ++core->paused;
}

void unpause(const CorePtr& core)
{
    checkThread(*core);
    if (core->paused == 0)
        return;
    --core->paused;
    if (core->paused == 0 && core->called)
        runCallbacks(core);
}

} // namespace qtwisted::detail
