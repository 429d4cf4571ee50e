// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Deferred: unhandled errors (logged once, when the chain dies) and maybeDeferred.
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

class TestDeferredErrors : public QObject {
    Q_OBJECT

    UnhandledErrorCheck m_unhandled;

    QList<LogCapture::Entry> takeDeferredLog() { return m_unhandled.take(); }

private Q_SLOTS:
    void init() { m_unhandled.begin(); }
    void cleanup() { m_unhandled.end(); }

    // ---------------------------------------------------------------------------------------------------------
    // unhandled errors

    // test_defer.py: LogTests.test_errorLog — logged once, critical, category qtwisted.deferred, when the chain dies.
    void errorLog()
    {
        QTest::ignoreMessage(QtCriticalMsg, "Unhandled error in Deferred: std::runtime_error: boom");
        {
            Deferred<int> d;
            d.addCallback([](int) -> int { throw std::runtime_error("boom"); });
            d.callback(1);
            QVERIFY(takeDeferredLog().isEmpty()); // not while the chain is alive
        }
        const auto log = takeDeferredLog();
        QCOMPARE(log.size(), 1);
        QCOMPARE(log.first().type, QtCriticalMsg);
        QCOMPARE(log.first().category, u"qtwisted.deferred"_s);
        QCOMPARE(log.first().message, u"Unhandled error in Deferred: std::runtime_error: boom"_s);
    }

    // Divergence (docs/design.md): Twisted logs nothing for a Deferred paused before it failed (its callbacks never
    // ran to their end); the contract logs every chain destroyed holding an unconsumed Failure, paused or not, so
    // that nothing fails silently. Found by the differential test.
    void pausedChainHoldingAFailureStillLogs()
    {
        QTest::ignoreMessage(QtCriticalMsg, "Unhandled error in Deferred: std::runtime_error: paused");
        {
            Deferred<int> p;
            p.pause();
            p.errback(Failure::make(std::runtime_error("paused")));
        }
        QCOMPARE(messagesOf(takeDeferredLog()),
            QStringList { u"Unhandled error in Deferred: std::runtime_error: paused"_s });

        QTest::ignoreMessage(QtCriticalMsg, "Unhandled error in Deferred: std::runtime_error: ran");
        {
            Deferred<int> q;
            q.errback(Failure::make(std::runtime_error("ran")));
            q.pause();
        }
        QCOMPARE(
            messagesOf(takeDeferredLog()), QStringList { u"Unhandled error in Deferred: std::runtime_error: ran"_s });
    }

    // Contract, Deferred: logged once however many handles share the chain.
    void errorLoggedOnceForManyHandles()
    {
        QTest::ignoreMessage(QtCriticalMsg, "Unhandled error in Deferred: std::logic_error: shared");
        {
            Deferred<void> d;
            std::vector<Deferred<void>> copies(5, d);
            Deferred<void> tail = d.addCallback([] {});
            d.errback(Failure::make(std::logic_error("shared")));
            copies.clear();
        }
        QCOMPARE(
            messagesOf(takeDeferredLog()), QStringList { u"Unhandled error in Deferred: std::logic_error: shared"_s });
    }

    // Contract, Deferred / Failure: the type of a non-class throw is "unknown" and its message empty.
    void errorLogOfNonStdException()
    {
        QTest::ignoreMessage(QtCriticalMsg, "Unhandled error in Deferred: unknown: ");
        {
            Deferred<void> d;
            d.addCallback([] { throw 42; });
            d.callback();
        }
        QCOMPARE(messagesOf(takeDeferredLog()), QStringList { u"Unhandled error in Deferred: unknown: "_s });
    }

    // Contract, Deferred: nothing is logged once an errback handled the failure, nor for unfired or successful chains.
    void handledErrorIsNotLogged()
    {
        {
            Deferred<int> handled = fail<int>(genericFailure("handled"));
            handled.addErrback([](const Failure&) { return 0; });
            Deferred<int> unfired;
            unfired.addCallback([](int) -> int { throw std::runtime_error("never runs"); });
            Deferred<int> fine = succeed(1);
            Deferred<void> both = fail<void>(genericFailure("both"));
            both.addBoth([](const Outcome<void>&) {});
        }
        QVERIFY(takeDeferredLog().isEmpty());

        // An errback that throws replaces the failure: the new one is the unhandled one.
        QTest::ignoreMessage(QtCriticalMsg, "Unhandled error in Deferred: std::logic_error: replaced");
        {
            Deferred<int> d = fail<int>(genericFailure("original"));
            d.addErrback([](const Failure&) -> int { throw std::logic_error("replaced"); });
        }
        QCOMPARE(messagesOf(takeDeferredLog()),
            QStringList { u"Unhandled error in Deferred: std::logic_error: replaced"_s });
    }

    // test_defer.py: LogTests.test_chainedErrorCleanup
    void chainedErrorCleanup()
    {
        {
            Deferred<void> d;
            d.addCallback([] { return fail<void>(Failure::make(std::runtime_error("zoop"))); });
            d.callback();
            int results = 0;
            QList<Failure> errors;
            d.addCallbacks([&] { ++results; }, [&](const Failure& f) { errors.append(f); });
            QCOMPARE(results, 0);
            QCOMPARE(errors.size(), 1);
            QVERIFY(errors.first().check<std::runtime_error>());
        }
        QVERIFY(takeDeferredLog().isEmpty());
    }

    // test_defer.py: LogTests.test_errorClearedByChaining
    void errorClearedByChaining()
    {
        {
            Deferred<int> bad = fail<int>(genericFailure("oh no"));
            Deferred<int> good;
            bad.addErrback([good](const Failure&) { return good; });
        }
        QVERIFY(takeDeferredLog().isEmpty());
    }

    // ---------------------------------------------------------------------------------------------------------
    // maybeDeferred

    // test_defer.py: DeferredTests.test_maybeDeferredSync
    void maybeDeferredSync()
    {
        QList<int> results;
        int errors = 0;
        auto d = maybeDeferred([] { return 42; });
        static_assert(std::is_same_v<decltype(d), Deferred<int>>);
        d.addCallbacks([&](int v) { results.append(v); }, [&](const Failure&) { ++errors; });
        QCOMPARE(errors, 0);
        QCOMPARE(results, QList<int> { 42 });
    }

    // test_defer.py: DeferredTests.test_maybeDeferredSyncWithArgs
    void maybeDeferredSyncWithArgs()
    {
        QList<int> results;
        int errors = 0;
        auto plusFive = [](int x) { return x + 5; };
        maybeDeferred(plusFive, 10).addCallbacks([&](int v) { results.append(v); }, [&](const Failure&) { ++errors; });
        QCOMPARE(errors, 0);
        QCOMPARE(results, QList<int> { 15 });
    }

    // test_defer.py: DeferredTests.test_maybeDeferredSyncException
    void maybeDeferredSyncException()
    {
        QList<int> results;
        QList<Failure> errors;
        auto plusFive = [](const QString& x) -> int {
            bool ok = false;
            const int v = x.toInt(&ok);
            if (!ok)
                throw std::invalid_argument("not a number");
            return v + 5;
        };
        maybeDeferred(plusFive, u"ten"_s)
            .addCallbacks([&](int v) { results.append(v); }, [&](const Failure& f) { errors.append(f); });
        QVERIFY(results.isEmpty());
        QCOMPARE(errors.size(), 1);
        QVERIFY(errors.first().check<std::invalid_argument>());
        QCOMPARE(errors.first().message(), u"not a number"_s);
    }

    // Contract, Deferred: maybeDeferred of a void function is a fired Deferred<void>; a non-std throw fails it.
    void maybeDeferredVoidAndNonStdThrow()
    {
        int calls = 0;
        int callbacks = 0;
        auto d = maybeDeferred([&] { ++calls; });
        static_assert(std::is_same_v<decltype(d), Deferred<void>>);
        QVERIFY(d.called());
        d.addCallback([&] { ++callbacks; });
        QCOMPARE(calls, 1);
        QCOMPARE(callbacks, 1);

        std::optional<Failure> failure;
        maybeDeferred([]() -> int { throw 42; }).addErrback([&](const Failure& f) {
            failure = f;
            return 0;
        });
        QVERIFY(failure);
        QVERIFY(failure->check<int>());
    }

    // test_defer.py: DeferredTests.test_maybeDeferredAsync
    void maybeDeferredAsync()
    {
        Deferred<QString> d1;
        auto d2 = maybeDeferred([d1] { return d1; });
        static_assert(std::is_same_v<decltype(d2), Deferred<QString>>);
        d1.callback(u"Success"_s);
        QStringList result;
        d2.addCallback([&](const QString& s) { result.append(s); });
        QCOMPARE(result, QStringList { u"Success"_s });
    }

    // test_defer.py: DeferredTests.test_maybeDeferredAsyncError
    void maybeDeferredAsyncError()
    {
        Deferred<void> d1;
        Deferred<void> d2 = maybeDeferred([d1] { return d1; });
        d1.errback(Failure::make(std::runtime_error("async")));
        std::optional<Failure> failure;
        d2.addErrback([&](const Failure& f) { failure = f; });
        QVERIFY(failure);
        QVERIFY(failure->check<std::runtime_error>());
    }
};

QTEST_GUILESS_MAIN(TestDeferredErrors)
#include "tst_deferred_errors.moc"
