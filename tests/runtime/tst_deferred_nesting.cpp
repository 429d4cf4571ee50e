// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Deferred: callbacks returning Deferreds, callbacks added while the chain runs, chainDeferred.
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

class TestDeferredNesting : public QObject {
    Q_OBJECT

    UnhandledErrorCheck m_unhandled;

    QList<LogCapture::Entry> takeDeferredLog() { return m_unhandled.take(); }

private Q_SLOTS:
    void init() { m_unhandled.begin(); }
    void cleanup() { m_unhandled.end(); }

    // ---------------------------------------------------------------------------------------------------------
    // callbacks returning Deferreds

    // test_defer.py: DeferredTests.testReturnDeferred
    void returnDeferred()
    {
        QList<int> callbackResults;
        Deferred<int> d1;
        Deferred<int> d2;
        d2.pause();
        d1.addCallback([d2](int) { return d2; }).addCallback([&](int v) { callbackResults.append(v); });
        d1.callback(1);
        QVERIFY2(callbackResults.isEmpty(), "Should not have been called yet.");
        d2.callback(2);
        QVERIFY2(callbackResults.isEmpty(), "Still should not have been called yet.");
        d2.unpause();
        QCOMPARE(callbackResults, QList<int> { 2 });
    }

    // Contract, Deferred: a callback returning an unfired Deferred pauses the chain until that one fires.
    void callbackReturningDeferredPausesTheChain()
    {
        QStringList events;
        Deferred<int> outer;
        Deferred<QString> inner;
        outer
            .addCallback([&, inner](int) {
                events.append(u"cb"_s);
                return inner;
            })
            .addCallback([&](const QString& s) { events.append(u"after:"_s + s); });
        outer.callback(1);
        QCOMPARE(events, QStringList { u"cb"_s });
        inner.callback(u"late"_s);
        QCOMPARE(events, (QStringList { u"cb"_s, u"after:late"_s }));
    }

    // test_defer.py: DeferredTests.test_chainedPausedDeferredWithResult
    void chainedPausedDeferredWithResult()
    {
        Deferred<int> paused;
        paused.callback(17);
        paused.pause();
        Deferred<void> chained;
        auto tail = chained.addCallback([paused] { return paused; });
        chained.callback();

        QList<int> result;
        tail.addCallback([&](int v) { result.append(v); });
        QVERIFY(result.isEmpty());
        paused.unpause();
        QCOMPARE(result, QList<int> { 17 });
    }

    // test_defer.py: DeferredTests.test_pausedDeferredChained
    void pausedDeferredChained()
    {
        Deferred<void> first;
        Deferred<void> second;
        first.addCallback([second] { return second; });
        first.callback();
        first.pause();
        second.callback();
        int result = 0;
        second.addCallback([&] { ++result; });
        QCOMPARE(result, 1);
        first.unpause();
    }

    // test_defer.py: DeferredTests.test_synchronousImplicitChain
    void synchronousImplicitChain()
    {
        Deferred<QString> first = succeed(u"result"_s);
        Deferred<void> second;
        auto secondTail = second.addCallback([first] { return first; });
        second.callback();
        QStringList results;
        secondTail.addCallback([&](const QString& s) { results.append(s); });
        QCOMPARE(results, QStringList { u"result"_s });
        // Twisted leaves None in `first`; in C++ the first chain now holds void, so its QString handle is stale.
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, first.addCallback([](const QString&) {}));
    }

    // test_defer.py: DeferredTests.test_asynchronousImplicitChain
    void asynchronousImplicitChain()
    {
        Deferred<int> first;
        Deferred<void> second;
        auto secondTail = second.addCallback([first] { return first; });
        second.callback();
        QList<int> secondResult;
        secondTail.addCallback([&](int v) { secondResult.append(v); });
        QVERIFY(secondResult.isEmpty());
        first.callback(5);
        QCOMPARE(secondResult, QList<int> { 5 });
    }

    // test_defer.py: DeferredTests.test_asynchronousImplicitChain (firstResult == [None]): once `first` waits to hand
    // its result over, the chain's next callback would receive nothing, so a callback expecting the old type is refused
    // at once with ChainTypeError, as in the synchronous case, instead of failing later inside the chain.
    void callbackAddedToChainedInnerIsRefused()
    {
        Deferred<int> first;
        Deferred<void> second;
        auto secondTail = second.addCallback([first] { return first; });
        second.callback();
        QList<int> secondResult;
        secondTail.addCallback([&](int v) { secondResult.append(v); });
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, first.addCallback([](int v) { return v; }));
        first.callback(5);
        QCOMPARE(secondResult, QList<int> { 5 });
    }

    // test_defer.py: DeferredTests.test_synchronousImplicitErrorChain
    void synchronousImplicitErrorChain()
    {
        std::optional<Failure> secondFailure;
        {
            Deferred<void> first = fail<void>(Failure::make(std::runtime_error("First Deferred's Failure")));
            Deferred<void> second;
            second.addCallback([first] { return first; });
            second.callback();
            int firstResult = 0;
            first.addCallback([&] { ++firstResult; }); // the first chain now holds nothing: its result became None
            QCOMPARE(firstResult, 1);
            second.addErrback([&](const Failure& f) { secondFailure = f; });
        }
        QVERIFY(secondFailure);
        QVERIFY(secondFailure->check<std::runtime_error>());
        QVERIFY(takeDeferredLog().isEmpty()); // the first chain's failure was handed over, not lost or logged
    }

    // test_defer.py: DeferredTests.test_asynchronousImplicitErrorChain
    void asynchronousImplicitErrorChain()
    {
        Deferred<void> first;
        Deferred<void> second;
        second.addCallback([first] { return first; });
        second.callback();
        QList<Failure> secondError;
        second.addErrback([&](const Failure& f) { secondError.append(f); });
        int firstResult = 0;
        first.addCallback([&] { ++firstResult; });
        int secondResult = 0;
        second.addCallback([&] { ++secondResult; });
        QCOMPARE(firstResult, 0);
        QCOMPARE(secondResult, 0);

        first.errback(Failure::make(std::runtime_error("First Deferred's Failure")));
        QCOMPARE(secondError.size(), 1);
        QVERIFY(secondError.first().check<std::runtime_error>());
        QCOMPARE(firstResult, 1);
        QCOMPARE(secondResult, 1);
    }

    // test_defer.py: DeferredTests.test_doubleAsynchronousImplicitChaining
    void doubleAsynchronousImplicitChaining()
    {
        Deferred<int> first;
        Deferred<void> second;
        Deferred<int> secondTail = second.addCallback([first] { return first; });
        Deferred<void> third;
        QList<int> thirdResult;
        third.addCallback([secondTail] { return secondTail; }).addCallback([&](int v) { thirdResult.append(v); });

        second.callback(); // second waits for first
        third.callback(); // third waits for second
        QVERIFY(thirdResult.isEmpty());
        first.callback(99); // tells second to continue, which tells third
        QCOMPARE(thirdResult, QList<int> { 99 });
    }

    // test_defer.py: DeferredTests.test_nestedAsynchronousChainedDeferreds
    void nestedAsynchronousChainedDeferreds()
    {
        QStringList results;
        int failures = 0;
        Deferred<QString> inner;
        auto cb = [&](const QString& result) {
            results.append(u"start-of-cb:"_s + result);
            Deferred<QString> d = succeed(u"inner"_s);
            auto tail = d.addCallback([&](const QString&) {
                             results.append(u"firstCallback:inner"_s);
                             return inner; // definitely not fired yet
                         }).addCallback([&](const QString& r) -> QString {
                results.append(u"secondCallback:"_s + r);
                return r + r;
            });
            tail.addErrback([&](const Failure&) {
                ++failures;
                return QString();
            });
            return tail;
        };
        Deferred<QString> outer = succeed(u"outer"_s);
        outer.addCallback(cb).addCallback([&](const QString& r) { results.append(r); });
        QCOMPARE(results, (QStringList { u"start-of-cb:outer"_s, u"firstCallback:inner"_s }));

        inner.callback(u"orange"_s);
        QCOMPARE(failures, 0);
        QCOMPARE(results,
            (QStringList {
                u"start-of-cb:outer"_s, u"firstCallback:inner"_s, u"secondCallback:orange"_s, u"orangeorange"_s }));
    }

    // test_defer.py: DeferredTests.test_nestedAsynchronousChainedDeferredsWithExtraCallbacks
    void nestedAsynchronousChainedDeferredsWithExtraCallbacks()
    {
        QStringList results;
        int failures = 0;
        Deferred<QString> inner;
        auto cb = [&](const QString& result) {
            results.append(u"start-of-cb:"_s + result);
            Deferred<QString> d = succeed(u"inner"_s);
            auto tail = d.addCallback([&](const QString& r) {
                             results.append(u"firstCallback:"_s + r);
                             return inner.addCallback([](const QString& s) { return QStringList { s }; });
                         }).addCallback([&](const QStringList& r) {
                results.append(u"secondCallback:["_s + r.join(u',') + u"]"_s);
                return r + r;
            });
            tail.addErrback([&](const Failure&) {
                ++failures;
                return QStringList();
            });
            return tail;
        };
        Deferred<QString> outer = succeed(u"outer"_s);
        outer.addCallback(cb).addCallback(
            [&](const QStringList& r) { results.append(u"["_s + r.join(u',') + u"]"_s); });
        QCOMPARE(results, (QStringList { u"start-of-cb:outer"_s, u"firstCallback:inner"_s }));

        inner.callback(u"withers"_s);
        QCOMPARE(failures, 0);
        QCOMPARE(results,
            (QStringList { u"start-of-cb:outer"_s, u"firstCallback:inner"_s, u"secondCallback:[withers]"_s,
                u"[withers,withers]"_s }));
    }

    // test_defer.py: DeferredTests.test_innerCallbacksPreserved
    void innerCallbacksPreserved()
    {
        QStringList results;
        int failures = 0;
        Deferred<QString> inner;
        auto cb = [&](const QString& result) {
            results.append(u"start-of-cb:"_s + result);
            Deferred<QString> d = succeed(u"inner"_s);
            auto tail = d.addCallback([&](const QString&) {
                             results.append(u"firstCallback:inner"_s);
                             return inner;
                         }).addCallback([&](const QString& r) -> QString {
                results.append(u"secondCallback:"_s + r);
                return r + r;
            });
            tail.addErrback([&](const Failure&) {
                ++failures;
                return QString();
            });
            return tail;
        };
        Deferred<QString> outer = succeed(u"outer"_s);
        auto outerTail = outer.addCallback(cb);
        inner.callback(u"orange"_s);
        outerTail.addCallback([&](const QString& r) { results.append(r); }).addErrback([&](const Failure&) {
            ++failures;
        });
        QCOMPARE(failures, 0);
        QCOMPARE(results,
            (QStringList {
                u"start-of-cb:outer"_s, u"firstCallback:inner"_s, u"secondCallback:orange"_s, u"orangeorange"_s }));
    }

    // test_defer.py: DeferredTests.test_continueCallbackNotFirst
    void continueCallbackNotFirst()
    {
        QStringList results;
        int failures = 0;
        Deferred<QString> a;
        auto cb = [&](const QString& result) {
            results.append(u"cb:"_s + result);
            Deferred<void> d;
            d.addCallback([&] {
                 results.append(u"firstCallback:None"_s);
                 return qtwisted::gatherResults(QList<Deferred<QString>> { a });
             })
                .addCallback([&](const QList<QString>& r) { results.append(u"secondCallback:"_s + r.join(u',')); })
                .addErrback([&](const Failure&) { ++failures; });
            d.callback();
            return d;
        };
        Deferred<QString> outer = succeed(u"outer"_s);
        outer.addCallback(cb).addErrback([&](const Failure&) { ++failures; });
        QCOMPARE(results, (QStringList { u"cb:outer"_s, u"firstCallback:None"_s }));
        a.callback(u"withers"_s);
        QCOMPARE(failures, 0);
        QCOMPARE(results, (QStringList { u"cb:outer"_s, u"firstCallback:None"_s, u"secondCallback:withers"_s }));
    }

    // test_defer.py: DeferredTests.test_callbackOrderPreserved
    void callbackOrderPreserved()
    {
        QStringList results;
        int failures = 0;
        Deferred<QString> a;
        auto cb = [&](const QString& result) {
            results.append(u"cb:"_s + result);
            Deferred<void> d;
            d.addCallback([&] {
                 results.append(u"firstCallback:None"_s);
                 return qtwisted::gatherResults(QList<Deferred<QString>> { a });
             })
                .addCallback([&](const QList<QString>& r) { results.append(u"secondCallback:"_s + r.join(u',')); })
                .addErrback([&](const Failure&) { ++failures; });
            d.callback();
            return d;
        };
        Deferred<QString> outer;
        outer.addCallback(cb).addCallback([&] { results.append(u"final"_s); }).addErrback([&](const Failure&) {
            ++failures;
        });
        outer.callback(u"outer"_s);
        QCOMPARE(results, (QStringList { u"cb:outer"_s, u"firstCallback:None"_s }));
        a.callback(u"withers"_s);
        QCOMPARE(failures, 0);
        QCOMPARE(
            results, (QStringList { u"cb:outer"_s, u"firstCallback:None"_s, u"secondCallback:withers"_s, u"final"_s }));
    }

    // test_defer.py: DeferredTests.test_resultOfDeferredResultOfDeferredOfFiredDeferredCalled
    void resultOfDeferredResultOfDeferredOfFiredDeferredCalled()
    {
        Deferred<void> first;
        Deferred<void> second;
        Deferred<void> third;
        first.addCallback([second] { return second; });
        second.addCallback([third] { return third; });
        second.callback();
        first.callback();
        third.callback();
        int results = 0;
        second.addCallback([&] { ++results; });
        QCOMPARE(results, 1);
    }

    // test_defer.py: DeferredTests.test_circularChainException (Twisted warns, then fails the chain; here it fails)
    void circularChainException()
    {
        std::optional<Failure> failure;
        Deferred<void> d;
        d.addCallback([&d] { return d; });
        d.callback();
        QVERIFY(!d.paused()); // not waiting on itself forever
        d.addErrback([&](const Failure& f) { failure = f; });
        QVERIFY(failure);
    }

    // ---------------------------------------------------------------------------------------------------------
    // callbacks added while the chain runs

    // test_defer.py: DeferredTests.test_reentrantRunCallbacks
    void reentrantRunCallbacks()
    {
        QList<int> called;
        Deferred<void> deferred;
        deferred
            .addCallback([&] {
                called.append(1);
                deferred.addCallback([&] { called.append(3); });
            })
            .addCallback([&] { called.append(2); });
        deferred.callback();
        QCOMPARE(called, (QList<int> { 1, 2, 3 }));
    }

    // test_defer.py: DeferredTests.test_nonReentrantCallbacks
    void nonReentrantCallbacks()
    {
        QList<int> called;
        QList<int> seenInsideCallback1;
        Deferred<void> deferred;
        deferred.addCallback([&] {
            called.append(1);
            deferred.addCallback([&] { called.append(2); });
            seenInsideCallback1 = called;
        });
        deferred.callback();
        QCOMPARE(seenInsideCallback1, QList<int> { 1 });
        QCOMPARE(called, (QList<int> { 1, 2 }));
    }

    // test_defer.py: DeferredTests.test_reentrantRunCallbacksWithFailure
    void reentrantRunCallbacksWithFailure()
    {
        Deferred<void> deferred;
        deferred.addCallback(
            [&] { deferred.addCallback([] { throw std::runtime_error("callback raised exception"); }); });
        deferred.callback();
        std::optional<Failure> failure;
        deferred.addErrback([&](const Failure& f) { failure = f; });
        QVERIFY(failure);
        QVERIFY(failure->check<std::runtime_error>());
        QCOMPARE(failure->message(), u"callback raised exception"_s);
    }

    // Divergence (docs/design.md, "Divergences from Twisted 22.4", row "a callback returning a Deferred whose own
    // callbacks are still running"). In Twisted 22.4 d2 takes the 16 that d1's running callback was given (the
    // same Python object) and d1 goes on to 21: `d1 21 d2 16`. A value is moved into the callback that receives
    // it, so qtwisted makes d2 wait, as Twisted does for a paused Deferred: d1's callbacks finish, then d2 takes
    // what they leave (21) and d1 holds nothing.
    void callbackReturningARunningDeferredWaitsForItsCallbacks()
    {
        Deferred<int> d1;
        Deferred<int> d2;
        QList<int> seen;
        d1.addCallback([&](int v) {
            d2.callback(v); // d2's callback returns d1, whose callbacks are running right here
            seen.append(v);
            return v;
        });
        auto d1Tail = d1.addCallback([&](int v) {
            seen.append(v);
            return v + 5;
        });
        auto d2Tail = d2.addCallback([&](int) { return d1; });
        std::optional<int> d2Result;
        d2Tail.addCallback([&](int v) { d2Result = v; });
        d1.callback(16);
        QCOMPARE(seen, (QList<int> { 16, 16 }));
        QCOMPARE(d2Result, std::optional<int>(21));
        // d1 handed its result to d2: a handle of its old type now refuses to add a callback.
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, d1Tail.addCallback([](int v) { return v; }));
    }

    // ---------------------------------------------------------------------------------------------------------
    // chainDeferred

    // Contract, Deferred: chainDeferred(other) fires `other` with this chain's result; this chain then holds void.
    // (Twisted's chainDeferred tests check its private _chainedTo; these check what a user sees.)
    void chainDeferred()
    {
        QList<int> otherResults;
        Deferred<int> a;
        Deferred<int> b;
        b.addCallback([&](int v) { otherResults.append(v); });
        Deferred<void> rest = a.chainDeferred(b);
        QVERIFY(!b.called());
        a.callback(8);
        QVERIFY(b.called());
        QCOMPARE(otherResults, QList<int> { 8 });
        int restRan = 0;
        rest.addCallback([&] { ++restRan; });
        QCOMPARE(restRan, 1);
    }

    // Contract, Deferred: a failure travels through chainDeferred and is then the other chain's to handle.
    void chainDeferredFailure()
    {
        std::optional<Failure> otherFailure;
        int restRan = 0;
        {
            Deferred<int> a;
            Deferred<int> b;
            a.chainDeferred(b).addCallback([&] { ++restRan; });
            a.errback(genericFailure("chained"));
            b.addErrback([&](const Failure& f) {
                otherFailure = f;
                return 0;
            });
        }
        QVERIFY(otherFailure);
        QCOMPARE(otherFailure->message(), u"chained"_s);
        QCOMPARE(restRan, 1);
        QVERIFY(takeDeferredLog().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestDeferredNesting)
#include "tst_deferred_nesting.moc"
