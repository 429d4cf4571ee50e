// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// traceNow()'s clock (core/runtime/src/traceclock_p.h): the TSC where the kernel keeps time with it, else the steady
// clock. Whichever it reads, its times must be steady-clock nanoseconds, and a time taken after another on a different
// thread (in the order the threads synchronised) must not be earlier.
#include "../../core/runtime/src/traceclock_p.h"

#include <qtwisted/trace.h>

#include <QFile>
#include <QTest>

#include <chrono>
#include <cstdint>
#include <limits>
#include <semaphore>
#include <thread>
#include <vector>

using qtwisted::detail::TraceClock;

namespace {

/// How far `read` lies outside the steady-clock interval around it, for the narrowest of a few tries (a try that was
/// preempted between its reads brackets nothing useful); 0 when inside.
template <class Read>
std::int64_t distanceFromSteady(Read read)
{
    std::int64_t best = std::numeric_limits<std::int64_t>::max();
    std::int64_t bestWidth = std::numeric_limits<std::int64_t>::max();
    for (int i = 0; i < 200; ++i) {
        const std::int64_t before = qtwisted::detail::steadyNowNs();
        const std::int64_t t = read();
        const std::int64_t after = qtwisted::detail::steadyNowNs();
        if (after - before < bestWidth) {
            bestWidth = after - before;
            best = t < before ? before - t : (t > after ? t - after : 0);
        }
    }
    return best;
}

bool kernelKeepsTimeWithTsc()
{
    QFile source(QStringLiteral("/sys/devices/system/clocksource/clocksource0/current_clocksource"));
    return source.open(QIODevice::ReadOnly) && source.readAll().trimmed() == "tsc";
}

} // namespace

class TestTraceClock : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        qInfo("traceNow() reads %s (kernel clocksource is%s the TSC)",
            TraceClock::instance().usesTsc() ? "the TSC" : "the steady clock", kernelKeepsTimeWithTsc() ? "" : " not");
    }

    void steadyOnlyClockNeverReadsTheTsc()
    {
        const TraceClock clock(false);
        QVERIFY(!clock.usesTsc());
        QCOMPARE_LE(distanceFromSteady([&] { return clock.now(); }), 0);
    }

    void tscOnlyWhereTheKernelUsesIt()
    {
        const TraceClock clock;
        if (!kernelKeepsTimeWithTsc())
            QVERIFY(!clock.usesTsc());
        QVERIFY(TraceClock::instance().usesTsc() == clock.usesTsc());
    }

    void environmentForcesTheSteadyClock()
    {
        qputenv("QTWISTED_TRACE_CLOCK", "steady");
        const TraceClock forced;
        qunsetenv("QTWISTED_TRACE_CLOCK");
        QVERIFY(!forced.usesTsc());
    }

    void timesAreSteadyClockNanoseconds()
    {
        // A fresh clock: its mapping was just made, so it must agree with the steady clock to a few microseconds.
        const TraceClock clock;
        QCOMPARE_LE(distanceFromSteady([&] { return clock.now(); }), 5'000);
        // 200 ms later, its rate error (a few parts per million) must not show beyond that either.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        QCOMPARE_LE(distanceFromSteady([&] { return clock.now(); }), 5'000);
        // The process's clock, calibrated when this test began, as well.
        QCOMPARE_LE(distanceFromSteady([] { return qtwisted::traceNow(); }), 5'000);
    }

    void durationsMatchTheSteadyClock()
    {
        const std::int64_t s0 = qtwisted::detail::steadyNowNs();
        const std::int64_t t0 = qtwisted::traceNow();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const std::int64_t t1 = qtwisted::traceNow();
        const std::int64_t s1 = qtwisted::detail::steadyNowNs();
        QVERIFY(t1 - t0 >= 50'000'000);
        QCOMPARE_LE(t1 - t0, s1 - s0 + 10'000); // within 10 µs of the steady clock's span around it
    }

    void laterOnAnotherThreadIsNeverEarlier()
    {
        // Two threads hand a token back and forth; each stamps the time right after receiving it and right before
        // passing it on. Across CPUs, every stamp must be at or after the one before it in that order.
        constexpr int kRounds = 5'000;
        std::binary_semaphore toB { 0 };
        std::binary_semaphore toA { 0 };
        std::vector<std::int64_t> a(kRounds);
        std::vector<std::int64_t> b(kRounds);
        std::thread other([&] {
            for (int i = 0; i < kRounds; ++i) {
                toB.acquire();
                b[static_cast<std::size_t>(i)] = qtwisted::traceNow();
                toA.release();
            }
        });
        for (int i = 0; i < kRounds; ++i) {
            a[static_cast<std::size_t>(i)] = qtwisted::traceNow();
            toB.release();
            toA.acquire();
        }
        other.join();
        for (std::size_t i = 0; i < a.size(); ++i) {
            QVERIFY2(b[i] >= a[i], qPrintable(QStringLiteral("round %1: %2 ns earlier").arg(i).arg(a[i] - b[i])));
            if (i + 1 < a.size())
                QVERIFY2(a[i + 1] >= b[i],
                    qPrintable(QStringLiteral("round %1: %2 ns earlier").arg(i).arg(b[i] - a[i + 1])));
        }
    }
};

QTEST_GUILESS_MAIN(TestTraceClock)
#include "tst_traceclock.moc"
