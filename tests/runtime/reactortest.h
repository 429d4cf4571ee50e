// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/reactor.h>

#include <chrono>
#include <functional>

namespace reactortest {

using namespace std::chrono_literals;

constexpr auto kWatchdog = 10s; ///< a scenario that has not finished by then is a failure

/// Runs the reactor until the scenario stops it; false when the watchdog had to (the scenario never finished).
[[nodiscard]] inline bool runWithWatchdog(qtwisted::Reactor& reactor, std::function<void()> onTimeout = {})
{
    bool timedOut = false;
    reactor.callLater(kWatchdog, [&reactor, &timedOut, onTimeout = std::move(onTimeout)] {
        timedOut = true;
        if (onTimeout)
            onTimeout();
        if (reactor.isRunning())
            reactor.stop();
    });
    reactor.run();
    return !timedOut;
}

/// Reactor thread, reactor running: calls `then` once `condition` holds (checked every millisecond; the watchdog
/// bounds the wait).
inline void whenTrue(qtwisted::Reactor& reactor, std::function<bool()> condition, std::function<void()> then)
{
    if (condition()) {
        then();
        return;
    }
    reactor.callLater(1ms, [&reactor, condition = std::move(condition), then = std::move(then)]() mutable {
        whenTrue(reactor, std::move(condition), std::move(then));
    });
}

} // namespace reactortest
