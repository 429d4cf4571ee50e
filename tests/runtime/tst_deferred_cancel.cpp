// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Deferred: cancel, with and without a canceller, and of nested chains.
// Part of a port of the Deferred essentials of Twisted's twisted/test/test_defer.py (22.4) to qtwisted's typed API,
// split by subject into the tst_deferred_* suites. Each ported test carries a "test_defer.py: <Class>.<test>"
// comment; the others test promises of the contract that Twisted has no test for, and every divergence deferred.h
// and docs/design.md declare.
#include "deferredtest.h"

#include <qtwisted/deferred.h>
#include <qtwisted/errors.h>
#include <qtwisted/failure.h>
#include <qtwisted/outcome.h>

#include <QTest>

#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

using namespace qtwisted;
using namespace Qt::StringLiterals;
using namespace deferredtest;

class TestDeferredCancel : public QObject {
    Q_OBJECT

    UnhandledErrorCheck m_unhandled;

    QList<LogCapture::Entry> takeDeferredLog() { return m_unhandled.take(); }

private Q_SLOTS:
    void init() { m_unhandled.begin(); }
    void cleanup() { m_unhandled.end(); }

    // ---------------------------------------------------------------------------------------------------------
    // cancel

    // test_defer.py: DeferredCancellerTests.test_noCanceller
    void noCanceller()
    {
        std::optional<Failure> errback;
        int cbs = 0;
        Deferred<void> d;
        d.addCallbacks([&] { ++cbs; }, [&](const Failure& f) { errback = f; });
        d.cancel();
        QVERIFY(errback);
        QVERIFY(errback->check<CancelledError>());
        QCOMPARE(errback->typeName(), u"qtwisted::CancelledError"_s);
        QCOMPARE(cbs, 0);
    }

    // test_defer.py: DeferredCancellerTests.test_raisesAfterCancelAndCallback
    void raisesAfterCancelAndCallback()
    {
        int cbs = 0;
        int ebs = 0;
        Deferred<void> d;
        d.addCallbacks([&] { ++cbs; }, [&](const Failure&) { ++ebs; });
        d.cancel();
        QVERIFY_THROWS_NO_EXCEPTION(d.callback()); // a single extra callback is swallowed
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.callback());
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.errback(genericFailure("late")));
        QCOMPARE(cbs, 0);
        QCOMPARE(ebs, 1);
    }

    // Twisted 22.4 (checked with python3-twisted): without a canceller, the "swallow one late result" is armed before
    // the CancelledError runs the errbacks, so an errback that fires the Deferred during the cancel is the late result
    // swallowed, and a callback after the cancel raises AlreadyCalledError. Found by the differential test.
    void lateResultArmedBeforeTheErrbacksRun()
    {
        Deferred<int> d0;
        QStringList inside;
        d0.addErrback([&](const Failure& f) -> int {
            try {
                d0.callback(16);
                inside.append(u"callback(16) swallowed"_s);
            } catch (const AlreadyCalledError&) {
                inside.append(u"callback(16) AlreadyCalledError"_s);
            }
            f.raise();
        });
        d0.cancel();
        QCOMPARE(inside, QStringList { u"callback(16) swallowed"_s });
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d0.callback(3));
        std::optional<Failure> end;
        d0.addErrback([&](const Failure& f) {
            end = f;
            return 0;
        });
        QVERIFY(end && end->check<CancelledError>());
    }

    // test_defer.py: DeferredCancellerTests.test_raisesAfterCancelAndErrback
    void raisesAfterCancelAndErrback()
    {
        int cbs = 0;
        int ebs = 0;
        Deferred<void> d;
        d.addCallbacks([&] { ++cbs; }, [&](const Failure&) { ++ebs; });
        d.cancel();
        QVERIFY_THROWS_NO_EXCEPTION(d.errback(genericFailure("late"))); // a single extra errback is swallowed
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.callback());
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.errback(genericFailure("later")));
        QCOMPARE(cbs, 0);
        QCOMPARE(ebs, 1);
    }

    // test_defer.py: DeferredCancellerTests.test_noCancellerMultipleCancelsAfterCancelAndCallback
    void noCancellerMultipleCancelsAfterCancelAndCallback()
    {
        QList<Failure> errbacks;
        int cbs = 0;
        Deferred<QString> d;
        d.addCallbacks([&](const QString&) { ++cbs; }, [&](const Failure& f) { errbacks.append(f); });
        d.cancel();
        QCOMPARE(errbacks.size(), 1);
        const Failure current = errbacks.first();
        d.callback(u"ignored"_s); // one callback is ignored
        d.cancel(); // and cancel has no effect
        QCOMPARE(errbacks.size(), 1);
        QVERIFY(errbacks.first() == current);
        QCOMPARE(cbs, 0);
    }

    // test_defer.py: DeferredCancellerTests.test_noCancellerMultipleCancelsAfterCancelAndErrback
    void noCancellerMultipleCancelsAfterCancelAndErrback()
    {
        QList<Failure> errbacks;
        Deferred<QString> d;
        d.addCallbacks([](const QString&) {}, [&](const Failure& f) { errbacks.append(f); });
        d.cancel();
        QCOMPARE(errbacks.size(), 1);
        QVERIFY(errbacks.first().check<CancelledError>());
        d.errback(genericFailure("ignored")); // one errback is ignored: still a CancelledError
        d.cancel();
        QCOMPARE(errbacks.size(), 1);
        QVERIFY(errbacks.first().check<CancelledError>());
    }

    // test_defer.py: DeferredCancellerTests.test_noCancellerMultipleCancel
    void noCancellerMultipleCancel()
    {
        QList<Failure> errbacks;
        Deferred<void> d;
        d.addCallbacks([] {}, [&](const Failure& f) { errbacks.append(f); });
        d.cancel();
        QCOMPARE(errbacks.size(), 1);
        QVERIFY(errbacks.first().check<CancelledError>());
        QVERIFY_THROWS_NO_EXCEPTION(d.cancel());
        QCOMPARE(errbacks.size(), 1);
    }

    // test_defer.py: DeferredCancellerTests.test_cancellerMultipleCancel
    void cancellerMultipleCancel()
    {
        int cancellerCallCount = 0;
        QList<Failure> errbacks;
        Deferred<void> d([&](Deferred<void>&) { ++cancellerCallCount; });
        d.addCallbacks([] {}, [&](const Failure& f) { errbacks.append(f); });
        d.cancel();
        QCOMPARE(errbacks.size(), 1);
        QVERIFY(errbacks.first().check<CancelledError>());
        d.cancel();
        QCOMPARE(errbacks.size(), 1);
        QCOMPARE(cancellerCallCount, 1);
    }

    // test_defer.py: DeferredCancellerTests.test_simpleCanceller
    // Divergence (the contract, cancel()): after a cancel its canceller did not answer, one late callback/errback is
    // swallowed even when there is a canceller; Twisted swallows only without one and raises here at once.
    void simpleCanceller()
    {
        int cancellerCallCount = 0;
        QList<Failure> errbacks;
        Deferred<void> d([&](Deferred<void>&) { ++cancellerCallCount; });
        d.addCallbacks([] {}, [&](const Failure& f) { errbacks.append(f); });
        d.cancel();
        QCOMPARE(cancellerCallCount, 1);
        QCOMPARE(errbacks.size(), 1);
        QVERIFY(errbacks.first().check<CancelledError>());
        QVERIFY_THROWS_NO_EXCEPTION(d.callback());
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.callback());
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.errback(genericFailure("late")));
        QCOMPARE(errbacks.size(), 1);
    }

    // test_defer.py: DeferredCancellerTests.test_cancellerArg
    void cancellerArg()
    {
        Deferred<void>* self = nullptr;
        int calls = 0;
        bool same = false;
        Deferred<void> d([&](Deferred<void>& arg) {
            ++calls;
            same = self && arg == *self;
        });
        self = &d;
        d.addCallbacks([] {}, [](const Failure&) {});
        d.cancel();
        QCOMPARE(calls, 1);
        QVERIFY(same);
    }

    // test_defer.py: DeferredCancellerTests.test_cancelAfterCallback
    void cancelAfterCallback()
    {
        int cancellerCallCount = 0;
        QStringList callbacks;
        int errbacks = 0;
        Deferred<QString> d([&](Deferred<QString>& self) {
            ++cancellerCallCount;
            self.errback(genericFailure("canceller"));
        });
        d.addCallbacks([&](const QString& s) { callbacks.append(s); }, [&](const Failure&) { ++errbacks; });
        d.callback(u"biff!"_s);
        d.cancel();
        QCOMPARE(cancellerCallCount, 0);
        QCOMPARE(errbacks, 0);
        QCOMPARE(callbacks, QStringList { u"biff!"_s });
    }

    // test_defer.py: DeferredCancellerTests.test_cancelAfterErrback
    void cancelAfterErrback()
    {
        int cancellerCallCount = 0;
        QList<Failure> errbacks;
        int cbs = 0;
        Deferred<void> d([&](Deferred<void>& self) {
            ++cancellerCallCount;
            self.errback(genericFailure("canceller"));
        });
        d.addCallbacks([&] { ++cbs; }, [&](const Failure& f) { errbacks.append(f); });
        d.errback(genericFailure("first"));
        d.cancel();
        QCOMPARE(cancellerCallCount, 0);
        QCOMPARE(errbacks.size(), 1);
        QVERIFY(errbacks.first().check<GenericError>());
        QCOMPARE(errbacks.first().message(), u"first"_s);
        QCOMPARE(cbs, 0);
    }

    // test_defer.py: DeferredCancellerTests.test_cancellerThatErrbacks
    void cancellerThatErrbacks()
    {
        int cancellerCallCount = 0;
        QList<Failure> errbacks;
        Deferred<void> d([&](Deferred<void>& self) {
            ++cancellerCallCount;
            self.errback(genericFailure("from canceller"));
        });
        d.addCallbacks([] {}, [&](const Failure& f) { errbacks.append(f); });
        d.cancel();
        QCOMPARE(cancellerCallCount, 1);
        QCOMPARE(errbacks.size(), 1);
        QVERIFY(errbacks.first().check<GenericError>());
        QVERIFY(!errbacks.first().check<CancelledError>());
    }

    // test_defer.py: DeferredCancellerTests.test_cancellerThatCallbacks
    // The canceller answered: no late result is swallowed afterwards.
    void cancellerThatCallbacks()
    {
        int cancellerCallCount = 0;
        QStringList callbacks;
        int errbacks = 0;
        Deferred<QString> d([&](Deferred<QString>& self) {
            ++cancellerCallCount;
            self.callback(u"hello!"_s);
        });
        d.addCallbacks([&](const QString& s) { callbacks.append(s); }, [&](const Failure&) { ++errbacks; });
        d.cancel();
        QCOMPARE(cancellerCallCount, 1);
        QCOMPARE(callbacks, QStringList { u"hello!"_s });
        QCOMPARE(errbacks, 0);
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.callback(u"late"_s));
    }

    // test_defer.py: DeferredCancellerTests.test_cancelNestedDeferred
    void cancelNestedDeferred()
    {
        int innerCancels = 0;
        int outerCancels = 0;
        QList<Failure> errbacks;
        int cbs = 0;
        Deferred<void> b([&](Deferred<void>&) { ++innerCancels; });
        Deferred<void> a([&](Deferred<void>&) { ++outerCancels; });
        a.callback();
        a.addCallback([b] { return b; });
        a.cancel();
        a.addCallbacks([&] { ++cbs; }, [&](const Failure& f) { errbacks.append(f); });
        QCOMPARE(innerCancels, 1); // the cancellation was done by b
        QCOMPARE(outerCancels, 0);
        QCOMPARE(errbacks.size(), 1); // b's canceller did not answer: CancelledError
        QVERIFY(errbacks.first().check<CancelledError>());
        QCOMPARE(cbs, 0);
    }

    // Contract, cancel(): waiting on an inner Deferred whose canceller answers: the outer chain goes on with that
    // value.
    void cancelWaitingOnInnerWithAnsweringCanceller()
    {
        QStringList results;
        Deferred<QString> inner([](Deferred<QString>& self) { self.callback(u"answered"_s); });
        Deferred<void> outer;
        outer.addCallback([inner] { return inner; }).addCallback([&](const QString& s) { results.append(s); });
        outer.callback();
        QVERIFY(results.isEmpty());
        outer.cancel();
        QCOMPARE(results, QStringList { u"answered"_s });
    }
};

QTEST_GUILESS_MAIN(TestDeferredCancel)
#include "tst_deferred_cancel.moc"
