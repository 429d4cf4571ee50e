// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// QTwisted::Testing from the package (find_package(QTwisted COMPONENTS Testing)): a guarded QtTest suite using the
// virtual clock, a manual pool and successResultOf. Exit code 0 = all passed.
#include <qtwisted/testing.h>
#include <qtwisted/threads.h>

using namespace qtwisted;
using namespace qtwisted::testing;

class ConsumerTesting : public GuardedTestCase {
    Q_OBJECT
private Q_SLOTS:
    void thirtySecondsOfCallLaterTime()
    {
        Reactor reactor;
        ManualPool pool(reactor);
        VirtualClock clock(reactor);
        Deferred<int> d;
        reactor.callLater(30.0, [&reactor, d]() mutable {
            threads::deferToThreadPool(reactor, reactor.getThreadPool(), [] {
                return 42;
            }).addCallback([d](int v) mutable { d.callback(v); });
        });
        assertNoResult(d);
        clock.advance(30.0);
        pool.runNext();
        QCOMPARE(successResultOf(d), 42);
    }
};

QTWISTED_TEST_MAIN(ConsumerTesting)
#include "testing.moc"
