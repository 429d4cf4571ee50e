// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Embedded mode: the application runs the loop itself (QCoreApplication::exec()) and never calls Reactor::run().
#include <qtwisted/reactor.h>
#include <qtwisted/threads.h>

#include <QCoreApplication>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include <atomic>
#include <chrono>

using namespace qtwisted;
using namespace std::chrono_literals;

class TestEmbedded : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void startsWhenTheApplicationLoopSpinsAndStopQuitsIt()
    {
        Reactor reactor;
        QSignalSpy started(&reactor, &Reactor::started);
        QSignalSpy stopped(&reactor, &Reactor::stopped);
        bool ranWhenRunning = false;
        bool wasRunning = false;
        reactor.callWhenRunning([&] {
            ranWhenRunning = true;
            wasRunning = reactor.isRunning();
            reactor.callInThread([&reactor] {
                // a worker asks the reactor to stop; stop() then asks the application to quit
                reactor.callFromThread([&reactor] { reactor.stop(); });
            });
        });
        QTimer watchdog;
        watchdog.setSingleShot(true);
        bool watchdogFired = false;
        QObject::connect(&watchdog, &QTimer::timeout, [&] {
            watchdogFired = true;
            QCoreApplication::quit();
        });
        watchdog.start(10s);

        QCoreApplication::exec(); // the application's own loop: no reactor.run()

        QVERIFY(!watchdogFired);
        QVERIFY(ranWhenRunning);
        QVERIFY(wasRunning);
        QCOMPARE(started.size(), 1);
        QCOMPARE(stopped.size(), 1);
        QVERIFY(!reactor.isRunning());
        QVERIFY(reactor.getThreadPool().isJoined());
        QVERIFY_THROWS_EXCEPTION(ReactorNotRestartable, reactor.run());
    }

    void aboutToQuitShutsTheReactorDownAndDeliversResults()
    {
        Reactor reactor;
        QSignalSpy stopped(&reactor, &Reactor::stopped);
        std::atomic<int> jobsRun { 0 };
        int delivered = 0;
        reactor.callWhenRunning([&] {
            reactor.suggestThreadPoolSize(2);
            for (int i = 0; i < 6; ++i) {
                threads::deferToThreadPool(reactor, reactor.getThreadPool(), [&jobsRun] {
                    std::this_thread::sleep_for(20ms);
                    return ++jobsRun;
                }).addCallback([&delivered](int) { ++delivered; });
            }
            // The application quits while the jobs are queued: aboutToQuit drains the pool and delivers.
            QCoreApplication::quit();
        });
        QCoreApplication::exec();

        QCOMPARE(stopped.size(), 1);
        QCOMPARE(jobsRun.load(), 6);
        QCOMPARE(delivered, 6);
        QVERIFY(reactor.getThreadPool().isJoined());
        QCOMPARE(reactor.getThreadPool().stats().workers, 0);
    }
};

QTEST_GUILESS_MAIN(TestEmbedded)
#include "tst_embedded.moc"
