// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// The harness as an embedding application uses it: a GuardedTestCase run by QTWISTED_TEST_MAIN_TIMEOUT, every test
// function guarded, with a 10 s limit each. Each function here is clean, so the suite passes.
#include <qtwisted/testing.h>
#include <qtwisted/threads.h>

using namespace qtwisted;
using namespace qtwisted::testing;

class GuardedTest : public GuardedTestCase {
    Q_OBJECT
private Q_SLOTS:
    void virtualTimeLeavesNothing()
    {
        Reactor reactor;
        VirtualClock clock(reactor);
        int ran = 0;
        reactor.callLater(3.0, [&ran] { ++ran; });
        clock.runUntilIdle();
        QCOMPARE(ran, 1);
    }

    void manualPoolLeavesNothing()
    {
        Reactor reactor;
        ManualPool pool(reactor);
        VirtualClock clock(reactor);
        auto d = threads::deferToThreadPool(reactor, reactor.getThreadPool(), [] { return 2; });
        pool.runAll();
        QCOMPARE(successResultOf(d), 2);
    }

    void intentionallyPendingDeferred()
    {
        m_pending = Deferred<int>();
        expectPending(m_pending);
    }

    void expectedErrorsAreFlushed()
    {
        {
            auto d = fail<int>(Failure::make(std::runtime_error("expected")));
        }
        QCOMPARE(flushUnhandledErrors<std::runtime_error>(), 1);
    }

private:
    Deferred<int> m_pending;
};

QTWISTED_TEST_MAIN_TIMEOUT(GuardedTest, 10000)
#include "tst_testing_guarded.moc"
