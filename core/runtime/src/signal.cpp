// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/detail/signal.h>

#if defined(__linux__)
#include <climits>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace qtwisted::detail {

namespace {

void cpuRelax() noexcept
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

} // namespace

bool Signal::pollFor(std::chrono::nanoseconds limit) const noexcept
{
    const auto until = std::chrono::steady_clock::now() + limit;
    for (int i = 1; !poll(); ++i) {
        cpuRelax();
        if (i % 64 == 0 && std::chrono::steady_clock::now() >= until)
            return poll();
    }
    return true;
}

#if defined(__linux__)

namespace {

/// Sleeps while *word == expected, at most `relative` (nullptr: no limit). Spurious returns are the caller's to
/// handle. The word is private to the process.
void futexWait(std::atomic<std::uint32_t>& word, std::uint32_t expected, const timespec* relative) noexcept
{
    static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
        FUTEX_WAIT_PRIVATE, expected, relative, nullptr, 0);
}

void futexWakeAll(std::atomic<std::uint32_t>& word) noexcept
{
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
        FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

} // namespace

void Signal::release() noexcept
{
    // Waking all sleepers, not one: a second thread waiting on the same Signal must not be left asleep when the
    // first one takes the post (each then re-checks and the losers sleep again).
    if (m_state.exchange(kPosted, std::memory_order_acq_rel) == kSleeper)
        futexWakeAll(m_state);
}

bool Signal::takeOrMarkSleeper() noexcept
{
    std::uint32_t s = m_state.load(std::memory_order_relaxed);
    for (;;) {
        if (s == kPosted) {
            if (m_state.compare_exchange_weak(s, kEmpty, std::memory_order_acquire, std::memory_order_relaxed))
                return true;
        } else if (s == kEmpty) {
            if (m_state.compare_exchange_weak(s, kSleeper, std::memory_order_relaxed, std::memory_order_relaxed))
                return false;
        } else {
            return false; // kSleeper already
        }
    }
}

void Signal::acquire() noexcept
{
    while (!takeOrMarkSleeper())
        futexWait(m_state, kSleeper, nullptr);
}

bool Signal::tryAcquireUntil(std::chrono::steady_clock::time_point deadline) noexcept
{
    for (;;) {
        if (takeOrMarkSleeper())
            return true;
        const auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) {
            // The sleeper mark may stay: the next release() then makes one needless FUTEX_WAKE.
            return false;
        }
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
        const timespec relative { static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000) };
        futexWait(m_state, kSleeper, &relative);
    }
}

#else

void Signal::release() noexcept
{
    // Notified under the lock: the woken thread may destroy this Signal as soon as it can take the lock.
    std::lock_guard lock(m_mutex);
    m_set = true;
    m_posted.store(true, std::memory_order_release);
    m_cv.notify_one();
}

void Signal::acquire() noexcept
{
    std::unique_lock lock(m_mutex);
    m_cv.wait(lock, [this] { return m_set; });
    m_set = false;
    m_posted.store(false, std::memory_order_relaxed);
}

bool Signal::tryAcquireUntil(std::chrono::steady_clock::time_point deadline) noexcept
{
    std::unique_lock lock(m_mutex);
    if (!m_cv.wait_until(lock, deadline, [this] { return m_set; }))
        return false;
    m_set = false;
    m_posted.store(false, std::memory_order_relaxed);
    return true;
}

#endif

} // namespace qtwisted::detail
