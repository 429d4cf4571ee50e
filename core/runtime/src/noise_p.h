// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

// Schedule noise, a test-only build option (CMake QTWISTED_SCHEDULE_NOISE, preset tsan-noise): at the hand-off
// points (queue push/pop, wake, worker retire) a thread sometimes yields or sleeps a few microseconds, seeded by
// QTWISTED_NOISE_SEED (printed once), to bring out orderings that normal scheduling rarely produces.
#ifdef QTWISTED_SCHEDULE_NOISE

#include <QtGlobal>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

namespace qtwisted::detail {

inline std::uint32_t noiseSeed() noexcept
{
    static const std::uint32_t seed = [] {
        const std::uint32_t s = qEnvironmentVariableIsSet("QTWISTED_NOISE_SEED")
            ? static_cast<std::uint32_t>(qEnvironmentVariableIntValue("QTWISTED_NOISE_SEED"))
            : std::random_device {}();
        std::fprintf(stderr, "qtwisted schedule noise: QTWISTED_NOISE_SEED=%u\n", s);
        return s;
    }();
    return seed;
}

inline void noisePoint() noexcept
{
    static std::atomic<std::uint32_t> threads { 0 };
    thread_local std::minstd_rand random(noiseSeed() ^ (threads.fetch_add(1) * 2654435761U));
    const auto r = random() % 100;
    if (r < 10)
        std::this_thread::yield();
    else if (r < 13)
        std::this_thread::sleep_for(std::chrono::microseconds(random() % 50));
}

} // namespace qtwisted::detail

#define QTWISTED_NOISE() ::qtwisted::detail::noisePoint()
#else
#define QTWISTED_NOISE() static_cast<void>(0)
#endif
