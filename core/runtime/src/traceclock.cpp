// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
//
// The time base of recorded events. Every traced job reads it three times, so its cost is most of what a recorder
// adds to a short job: clock_gettime() through the vDSO costs about 23 ns in this project's VM, a TSC read about 9.
#include "traceclock_p.h"

#include <qtwisted/trace.h>

#include <QByteArray>
#include <QFile>

#include <chrono>
#include <limits>
#include <thread>

#if defined(__x86_64__) && defined(__linux__)
#include <cpuid.h>
#include <x86intrin.h>
#define QTWISTED_HAVE_TSC 1
#endif

namespace qtwisted {

namespace detail {

namespace {

#ifdef QTWISTED_HAVE_TSC

__extension__ typedef __int128 Int128; // NOLINT(modernize-use-using): __extension__ needs a typedef
__extension__ typedef unsigned __int128 UInt128; // NOLINT(modernize-use-using)

/// The TSC can stand in for the steady clock only where the CPU says it ticks at one rate whatever the power state
/// (invariant TSC) and the kernel keeps time with it itself: the kernel checked at boot, and keeps checking, that the
/// CPUs' counters agree, and leaves the TSC for another clocksource when they do not.
bool tscUsable()
{
    if (qgetenv("QTWISTED_TRACE_CLOCK") == "steady")
        return false;
    unsigned eax = 0;
    unsigned ebx = 0;
    unsigned ecx = 0;
    unsigned edx = 0;
    if (__get_cpuid(0x80000007U, &eax, &ebx, &ecx, &edx) == 0 || (edx & (1U << 8U)) == 0)
        return false;
    QFile source(QStringLiteral("/sys/devices/system/clocksource/clocksource0/current_clocksource"));
    if (!source.open(QIODevice::ReadOnly))
        return false;
    return source.readAll().trimmed() == "tsc";
}

/// One point of the TSC → steady-clock mapping: a steady-clock read bracketed by two TSC reads, the narrowest of a
/// few tries (a preempted try is wide).
struct Sample {
    std::uint64_t tsc = 0;
    std::int64_t ns = 0;
};

Sample sample() noexcept
{
    Sample best;
    std::uint64_t bestWidth = std::numeric_limits<std::uint64_t>::max();
    for (int i = 0; i < 16; ++i) {
        const std::uint64_t before = __rdtsc();
        const std::int64_t ns = steadyNowNs();
        const std::uint64_t after = __rdtsc();
        if (after >= before && after - before < bestWidth) {
            bestWidth = after - before;
            best = { before + (after - before) / 2, ns };
        }
    }
    return best;
}

#endif

} // namespace

TraceClock::TraceClock(bool allowTsc) noexcept
{
#ifdef QTWISTED_HAVE_TSC
    try {
        if (!allowTsc || !tscUsable())
            return;
    } catch (...) { // NOLINT(bugprone-empty-catch): no TSC then; the steady clock is always right
        return;
    }
    const Sample first = sample();
    std::this_thread::sleep_for(kCalibration);
    const Sample second = sample();
    if (second.tsc <= first.tsc || second.ns <= first.ns)
        return;
    const auto ticks = second.tsc - first.tsc;
    const auto ns = static_cast<std::uint64_t>(second.ns - first.ns);
    // Nanoseconds per tick as a 32.32 fixed-point number; a TSC between 10 MHz and 100 GHz, or something is wrong.
    const auto mult = static_cast<std::uint64_t>((static_cast<UInt128>(ns) << 32U) / ticks);
    if (mult < (std::uint64_t { 1 } << 32U) / 100 || mult > (std::uint64_t { 100 } << 32U))
        return;
    m_tsc0 = first.tsc;
    m_ns0 = first.ns;
    m_mult = mult;
#else
    Q_UNUSED(allowTsc);
#endif
}

std::int64_t TraceClock::now() const noexcept
{
#ifdef QTWISTED_HAVE_TSC
    if (m_mult != 0) {
        // Signed: a CPU whose counter reads a few ticks behind the calibration point gives a small negative span.
        // RDTSCP, not RDTSC: it waits until every earlier instruction has executed, so a time read right after
        // receiving a hand-off from another thread is not taken before the hand-off arrived (RDTSC, which may run
        // ahead of earlier loads, read up to tens of nanoseconds "before" the other thread's send on this VM).
        unsigned int cpu = 0;
        const auto ticks = static_cast<std::int64_t>(__rdtscp(&cpu) - m_tsc0);
        return m_ns0 + static_cast<std::int64_t>((static_cast<Int128>(ticks) * m_mult) >> 32U);
    }
#endif
    return steadyNowNs();
}

std::int64_t TraceClock::nowUnordered() const noexcept
{
#ifdef QTWISTED_HAVE_TSC
    if (m_mult != 0) {
        const auto ticks = static_cast<std::int64_t>(__rdtsc() - m_tsc0);
        return m_ns0 + static_cast<std::int64_t>((static_cast<Int128>(ticks) * m_mult) >> 32U);
    }
#endif
    return steadyNowNs();
}

const TraceClock& TraceClock::instance() noexcept
{
    static const TraceClock clock;
    return clock;
}

} // namespace detail

std::int64_t traceNow() noexcept
{
    return detail::TraceClock::instance().now();
}

std::int64_t detail::traceNowUnordered() noexcept
{
    return detail::TraceClock::instance().nowUnordered();
}

} // namespace qtwisted
