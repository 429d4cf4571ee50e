// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>

namespace qtwisted::detail {

/// std::chrono::steady_clock in nanoseconds: the reactor's timers, and traceNow() where the TSC is not used.
inline std::int64_t steadyNowNs() noexcept
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// traceNow()'s clock: steady-clock nanoseconds, read from the CPU's time-stamp counter where that is safe (x86-64
/// Linux with an invariant TSC that the kernel itself keeps time with), else from std::chrono::steady_clock.
///
/// The TSC is mapped onto the steady clock by two samples kCalibration apart, taken the first time the clock is
/// used (so that first call takes kCalibration). The mapping is exact at the first sample; its rate is right to about
/// a part per million (2 µs after 16 s here), so over an hour the two clocks part by a millisecond or so (times
/// recorded by this clock are only compared with each other). QTWISTED_TRACE_CLOCK=steady in the environment forces the
/// steady clock.
class TraceClock {
public:
    static constexpr auto kCalibration = std::chrono::milliseconds(5);

    /// The process's clock, made (and calibrated) by the first call.
    static const TraceClock& instance() noexcept;

    /// A clock of its own (tests); with `allowTsc` false always the steady clock.
    explicit TraceClock(bool allowTsc = true) noexcept;

    std::int64_t now() const noexcept;
    /// As now(), without waiting for earlier instructions (RDTSC, not RDTSCP: about half the cost on this project's
    /// VM). The time may be read a few dozen nanoseconds before earlier loads completed, so it can precede a time
    /// another thread took before handing over what this thread just received: use it only where the caller clamps
    /// it to that time (a pool job's start to its submission), or within one thread.
    std::int64_t nowUnordered() const noexcept;
    /// Whether now() reads the TSC.
    bool usesTsc() const noexcept { return m_mult != 0; }

private:
    std::uint64_t m_tsc0 = 0;
    std::int64_t m_ns0 = 0;
    std::uint64_t m_mult = 0; ///< nanoseconds per tick, 32.32 fixed point; 0: use the steady clock
};

/// TraceClock::instance().nowUnordered().
std::int64_t traceNowUnordered() noexcept;

} // namespace qtwisted::detail
