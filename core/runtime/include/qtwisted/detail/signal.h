// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>

#if !defined(__linux__)
#include <condition_variable>
#include <mutex>
#endif

namespace qtwisted::detail {

/// A one-shot-at-a-time wake-up (a binary semaphore) that sleeps in the kernel at once. libstdc++'s
/// std::binary_semaphore spins and yields before it sleeps, which on a 2-CPU machine takes the CPU from the very
/// thread that is about to post the wake-up (bench_core: blockingCallFromThread and deferToThread round trips
/// were 1.5× and 1.2× the Qt equivalents with it).
///
/// On Linux it is one futex word: release() is one atomic exchange, plus one FUTEX_WAKE only when a thread sleeps
/// on it; acquire() sleeps with FUTEX_WAIT. Elsewhere a mutex and a condition variable. Posting twice before an
/// acquire() leaves one post. The Signal may be destroyed as soon as acquire() returns: a FUTEX_WAKE that comes
/// after that touches no memory; at worst it wakes a thread sleeping on a futex that reuses the address, and every
/// futex waiter here re-checks its word and sleeps again.
class Signal {
public:
    Signal() = default;
    Signal(const Signal&) = delete;
    Signal& operator=(const Signal&) = delete;
    Signal(Signal&&) = delete;
    Signal& operator=(Signal&&) = delete;
    ~Signal() = default;

    /// Posts the wake-up (once: a second post before acquire() changes nothing).
    void release() noexcept;

    /// Waits until posted, then consumes the post.
    void acquire() noexcept;

    /// Like acquire(), but gives up after `timeout`: false then, and the Signal is as if not waited on.
    template <class Rep, class Period>
    bool try_acquire_for(std::chrono::duration<Rep, Period> timeout) noexcept
    {
        return tryAcquireUntil(std::chrono::steady_clock::now()
            + std::chrono::ceil<std::chrono::steady_clock::duration>(
                std::max(timeout, std::chrono::duration<Rep, Period>::zero())));
    }

    /// True once release() was called and acquire() has not consumed it yet: a lock-free look for pollers.
    bool poll() const noexcept
    {
#if defined(__linux__)
        return m_state.load(std::memory_order_acquire) == kPosted;
#else
        return m_posted.load(std::memory_order_acquire);
#endif
    }

    /// Polls (without sleeping) until posted or `limit` has passed; true when posted. Does not consume the post.
    bool pollFor(std::chrono::nanoseconds limit) const noexcept;

private:
    bool tryAcquireUntil(std::chrono::steady_clock::time_point deadline) noexcept;

#if defined(__linux__)
    enum : std::uint32_t { kEmpty = 0, kPosted = 1, kSleeper = 2 };
    /// Takes the post if there is one; otherwise marks that a thread is about to sleep. True when taken.
    bool takeOrMarkSleeper() noexcept;
    std::atomic<std::uint32_t> m_state { kEmpty };
#else
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_set = false;
    std::atomic<bool> m_posted { false };
#endif
};

} // namespace qtwisted::detail
