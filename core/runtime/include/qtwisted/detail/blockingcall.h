// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Internals of <qtwisted/reactor.h>: a thread blocked in Reactor's blockingCallFromThread() (threads.h). Not API.
#pragma once

#include <qtwisted/detail/signal.h>
#include <qtwisted/failure.h>

#include <atomic>
#include <chrono>
#include <cstdint>

class QThread;

namespace qtwisted::detail {

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
    /// The waiting thread (for a diagnostics monitor's report when shutdown releases it).
    QThread* waiter = nullptr;

protected:
    virtual void setFailure(const Failure& failure) noexcept = 0;
};

/// How a blocking call ended on the reactor thread, when not by simply returning (for ReactorStats).
enum class CallEnd : std::uint8_t { Returned, Failed, Skipped };

} // namespace qtwisted::detail
