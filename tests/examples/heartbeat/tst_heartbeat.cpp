// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// The heartbeat component's own test, written as an embedding application writes one with QTwisted::Testing: the
// reactor on a virtual clock, its pool run by hand, every test function guarded against leftovers. 30 s of
// heartbeat time per test, milliseconds of wall time.
#include "heartbeat.h"

#include <qtwisted/testing.h>

#include <QElapsedTimer>
#include <QSignalSpy>

using namespace qtwisted;
using namespace qtwisted::testing;

class HeartbeatTest : public GuardedTestCase {
    Q_OBJECT
private Q_SLOTS:
    void goesOfflineAfterThreeMissedBeats()
    {
        QElapsedTimer wall;
        wall.start();
        Reactor reactor;
        ManualPool pool(reactor); // probes run only when the test says, in the test's thread
        VirtualClock clock(reactor);
        bool up = false;
        Heartbeat heartbeat(reactor, [&up] { return up; });
        QSignalSpy offline(&heartbeat, &Heartbeat::wentOffline);

        heartbeat.start();
        QCOMPARE(pool.pendingCount(), 1); // the first probe, not yet run
        pool.runNext();
        QCOMPARE(heartbeat.missed(), 1);
        QCOMPARE(clock.timeToNext(), std::optional<double>(Heartbeat::kInterval));
        clock.advance(Heartbeat::kInterval);
        pool.runNext();
        clock.advance(Heartbeat::kInterval);
        pool.runNext();
        QCOMPARE(offline.count(), 1);
        QVERIFY(!heartbeat.online());

        up = true;
        QSignalSpy back(&heartbeat, &Heartbeat::cameBack);
        clock.advance(Heartbeat::kInterval);
        pool.runNext();
        QCOMPARE(back.count(), 1);
        heartbeat.stop(); // nothing left scheduled: the guard passes
        QVERIFY(wall.elapsed() < 1000);
    }

    void aProbeAnsweringAfterStopIsIgnored()
    {
        Reactor reactor;
        ManualPool pool(reactor);
        VirtualClock clock(reactor);
        Heartbeat heartbeat(reactor, [] { return false; });
        heartbeat.start();
        heartbeat.stop();
        pool.runAll(); // the probe answers late
        QCOMPARE(heartbeat.missed(), 0);
        QVERIFY(clock.pending().isEmpty());
    }
};

QTWISTED_TEST_MAIN_TIMEOUT(HeartbeatTest, 10000)
#include "tst_heartbeat.moc"
