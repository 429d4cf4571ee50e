// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Deferred: callback and errback, AlreadyCalledError, pause and unpause.
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

class TestDeferredCallbacks : public QObject {
    Q_OBJECT

    UnhandledErrorCheck m_unhandled;

    QList<LogCapture::Entry> takeDeferredLog() { return m_unhandled.take(); }

private Q_SLOTS:
    void init() { m_unhandled.begin(); }
    void cleanup() { m_unhandled.end(); }

    // ---------------------------------------------------------------------------------------------------------
    // callback / errback basics

    // test_defer.py: DeferredTests.testCallbackWithoutArgs
    void callbackWithoutArgs()
    {
        QStringList callbackResults;
        int errbacks = 0;
        Deferred<QString> deferred;
        deferred.addCallbacks(
            [&](const QString& s) { callbackResults.append(s); }, [&](const Failure&) { ++errbacks; });
        QVERIFY(callbackResults.isEmpty());
        deferred.callback(u"hello"_s);
        QCOMPARE(errbacks, 0);
        QCOMPARE(callbackResults, QStringList { u"hello"_s });
    }

    // test_defer.py: DeferredTests.testCallbackWithArgs (extra arguments are bound by the callable in C++)
    void callbackWithArgs()
    {
        QStringList callbackResults;
        Deferred<QString> deferred;
        const QString extra = u"world"_s;
        deferred.addCallback([&callbackResults, extra](const QString& s) { callbackResults = { s, extra }; });
        deferred.callback(u"hello"_s);
        QCOMPARE(callbackResults, (QStringList { u"hello"_s, u"world"_s }));
    }

    // test_defer.py: DeferredTests.testTwoCallbacks
    void twoCallbacks()
    {
        QStringList first;
        QStringList second;
        Deferred<QString> deferred;
        deferred
            .addCallback([&](QString s) {
                first.append(s);
                return s;
            })
            .addCallback([&](const QString& s) { second.append(s); });
        deferred.callback(u"hello"_s);
        QCOMPARE(first, QStringList { u"hello"_s });
        QCOMPARE(second, QStringList { u"hello"_s });
    }

    // Contract, Deferred: every callback receives the previous one's result.
    void callbacksReceiveThePreviousResult()
    {
        QList<int> seen;
        QString text;
        qsizetype size = -1;
        Deferred<int> d;
        d.addCallback([&](int v) {
             seen.append(v);
             return v * 10;
         })
            .addCallback([&](int v) {
                seen.append(v);
                return QString::number(v + 2);
            })
            .addCallback([&](const QString& s) {
                text = s;
                return s.size();
            })
            .addCallback([&](qsizetype n) { size = n; });
        d.callback(4);
        QCOMPARE(seen, (QList<int> { 4, 40 }));
        QCOMPARE(text, u"42"_s);
        QCOMPARE(size, qsizetype(2));
    }

    // Contract, Deferred: a callback returning void yields a Deferred<void> whose callbacks take no argument.
    void callbackReturningVoid()
    {
        int got = 0;
        bool next = false;
        Deferred<int> d;
        auto tail = d.addCallback([&](int v) { got = v; });
        static_assert(std::is_same_v<decltype(tail), Deferred<void>>);
        tail.addCallback([&] { next = true; });
        QVERIFY(!next);
        d.callback(3);
        QCOMPARE(got, 3);
        QVERIFY(next);
    }

    // Contract, Deferred: a callback returning another type yields a Deferred<U> on the same chain.
    void callbackReturningAnotherType()
    {
        QString got;
        Deferred<int> d;
        auto text = d.addCallback([](int v) { return QString::number(v); });
        static_assert(std::is_same_v<decltype(text), Deferred<QString>>);
        text.addCallback([&](const QString& s) { got = s; });
        d.callback(12);
        QCOMPARE(got, u"12"_s);
    }

    // test_defer.py: DeferredTests.testCallbackErrors (the exception half; a C++ callback fails by throwing)
    void callbackErrors()
    {
        std::optional<Failure> errback;
        Deferred<int> d;
        d.addCallback([](int v) -> int {
             if (v == 1)
                 throw std::domain_error("division by zero");
             return v;
         }).addErrback([&](const Failure& f) {
            errback = f;
            return 0;
        });
        d.callback(1);
        QVERIFY(errback);
        QVERIFY(errback->check<std::domain_error>());
        QCOMPARE(errback->message(), u"division by zero"_s);
    }

    // Contract, Deferred: failures pass callbacks by; an errback returning T recovers the chain.
    void errbackRecovers()
    {
        QStringList events;
        Deferred<int> d;
        d.addCallback([&](int) -> int {
             events.append(u"cb1"_s);
             throw GenericError("boom");
         })
            .addCallback([&](int v) {
                events.append(u"skipped"_s);
                return v;
            })
            .addErrback([&](const Failure& f) {
                events.append(u"eb:"_s + f.message());
                return 7;
            })
            .addErrback([&](const Failure&) {
                events.append(u"eb2"_s);
                return -1;
            })
            .addCallback([&](int v) { events.append(u"cb:"_s + QString::number(v)); });
        d.callback(1);
        QCOMPARE(events, (QStringList { u"cb1"_s, u"eb:boom"_s, u"cb:7"_s }));
    }

    // Contract, Deferred: an errback that throws keeps the chain failed, with what it threw.
    void errbackThrowingKeepsTheChainFailed()
    {
        QStringList events;
        std::optional<Failure> last;
        Deferred<int> d;
        d.addErrback([&](const Failure& f) -> int {
             events.append(u"trap"_s);
             f.trap<CancelledError>(); // does not match: rethrows the original
             return 0;
         })
            .addErrback([&](const Failure& f) -> int {
                events.append(u"eb:"_s + f.message());
                throw std::logic_error("second");
            })
            .addCallback([&](int v) {
                events.append(u"cb"_s);
                return v;
            })
            .addErrback([&](const Failure& f) {
                last = f;
                return 0;
            });
        d.errback(genericFailure("first"));
        QCOMPARE(events, (QStringList { u"trap"_s, u"eb:first"_s }));
        QVERIFY(last);
        QVERIFY(last->check<std::logic_error>());
        QCOMPARE(last->message(), u"second"_s);
    }

    // Contract, Deferred: addCallbacks(cb, eb) calls exactly one of the two, both returning U.
    void addCallbacksCallsOneOfTheTwo()
    {
        QStringList events;
        auto cb = [&](int v) {
            events.append(u"cb"_s);
            return QString::number(v);
        };
        auto eb = [&](const Failure& f) {
            events.append(u"eb"_s);
            return f.message();
        };
        QStringList results;
        auto record = [&](const QString& s) { results.append(s); };

        Deferred<int> good;
        auto goodTail = good.addCallbacks(cb, eb);
        static_assert(std::is_same_v<decltype(goodTail), Deferred<QString>>);
        goodTail.addCallback(record);
        good.callback(5);

        Deferred<int> bad;
        bad.addCallbacks(cb, eb).addCallback(record);
        bad.errback(genericFailure("oopsie"));

        QCOMPARE(events, (QStringList { u"cb"_s, u"eb"_s }));
        QCOMPARE(results, (QStringList { u"5"_s, u"oopsie"_s }));
    }

    // Contract, Deferred: addBoth(f) gets an Outcome<T> for values and failures alike and may change the type.
    void addBothSeesValuesAndFailures()
    {
        QStringList results;
        auto both = [](const Outcome<int>& o) -> QString {
            return o.ok() ? u"value:"_s + QString::number(o.value()) : u"failure:"_s + o.failure().message();
        };
        Deferred<int> good;
        auto goodTail = good.addBoth(both);
        static_assert(std::is_same_v<decltype(goodTail), Deferred<QString>>);
        goodTail.addCallback([&](const QString& s) { results.append(s); });
        Deferred<int> bad;
        bad.addBoth(both).addCallback([&](const QString& s) { results.append(s); });

        good.callback(3);
        bad.errback(genericFailure("no"));
        QCOMPARE(results, (QStringList { u"value:3"_s, u"failure:no"_s }));

        // addBoth throwing keeps the chain failed.
        std::optional<Failure> seen;
        Deferred<void> rethrow;
        rethrow.addBoth([](const Outcome<void>& o) { o.value(); }).addErrback([&](const Failure& f) { seen = f; });
        rethrow.errback(genericFailure("again"));
        QVERIFY(seen);
        QCOMPARE(seen->message(), u"again"_s);
    }

    // test_defer.py: DeferredTests.testImmediateSuccess
    void immediateSuccess()
    {
        QStringList l;
        Deferred<QString> d = succeed(u"success"_s);
        QVERIFY(d.called());
        d.addCallback([&](const QString& s) { l.append(s); });
        QCOMPARE(l, QStringList { u"success"_s });
    }

    // Contract, Deferred: succeed() is an already-fired Deferred<void>.
    void immediateSuccessVoid()
    {
        bool ran = false;
        Deferred<void> d = succeed();
        QVERIFY(d.called());
        d.addCallback([&] { ran = true; });
        QVERIFY(ran);
    }

    // test_defer.py: DeferredTests.testImmediateFailure
    void immediateFailure()
    {
        QStringList l;
        Deferred<int> d = fail<int>(genericFailure("fail"));
        QVERIFY(d.called());
        d.addErrback([&](const Failure& f) {
            l.append(f.message());
            return 0;
        });
        QCOMPARE(l, QStringList { u"fail"_s });
    }

    // Contract, Deferred: adding to an already-fired Deferred runs the callback at once.
    void addCallbackToFiredDeferredRunsAtOnce()
    {
        QList<int> seen;
        Deferred<int> d;
        d.callback(1);
        d.addCallback([&](int v) {
            seen.append(v);
            return v + 1;
        });
        QCOMPARE(seen, QList<int> { 1 });
        d.addCallback([&](int v) { seen.append(v); });
        QCOMPARE(seen, (QList<int> { 1, 2 }));
    }

    // ---------------------------------------------------------------------------------------------------------
    // AlreadyCalledError

    // test_defer.py: AlreadyCalledTests.testAlreadyCalled_CC
    void alreadyCalled_CC()
    {
        int cbs = 0;
        int ebs = 0;
        Deferred<QString> d;
        d.addCallbacks([&](const QString&) { ++cbs; }, [&](const Failure&) { ++ebs; });
        d.callback(u"hello"_s);
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.callback(u"twice"_s));
        QCOMPARE(cbs, 1);
        QCOMPARE(ebs, 0);
    }

    // test_defer.py: AlreadyCalledTests.testAlreadyCalled_CE
    void alreadyCalled_CE()
    {
        int cbs = 0;
        int ebs = 0;
        Deferred<QString> d;
        d.addCallbacks([&](const QString&) { ++cbs; }, [&](const Failure&) { ++ebs; });
        d.callback(u"hello"_s);
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.errback(genericFailure("err")));
        QCOMPARE(cbs, 1);
        QCOMPARE(ebs, 0);
    }

    // test_defer.py: AlreadyCalledTests.testAlreadyCalled_EE
    void alreadyCalled_EE()
    {
        int cbs = 0;
        int ebs = 0;
        Deferred<QString> d;
        d.addCallbacks([&](const QString&) { ++cbs; }, [&](const Failure&) { ++ebs; });
        d.errback(genericFailure("err1"));
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.errback(genericFailure("err2")));
        QCOMPARE(cbs, 0);
        QCOMPARE(ebs, 1);
    }

    // test_defer.py: AlreadyCalledTests.testAlreadyCalled_EC
    void alreadyCalled_EC()
    {
        int cbs = 0;
        int ebs = 0;
        Deferred<QString> d;
        d.addCallbacks([&](const QString&) { ++cbs; }, [&](const Failure&) { ++ebs; });
        d.errback(genericFailure("err1"));
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.callback(u"twice"_s));
        QCOMPARE(cbs, 0);
        QCOMPARE(ebs, 1);
    }

    // Contract, Deferred: AlreadyCalledError for Deferred<void> too, and AlreadyCalledError is a qtwisted::Error.
    void alreadyCalledVoid()
    {
        Deferred<void> d;
        d.callback();
        QVERIFY_THROWS_EXCEPTION(AlreadyCalledError, d.callback());
        QVERIFY_THROWS_EXCEPTION(Error, d.callback());
    }

    // ---------------------------------------------------------------------------------------------------------
    // pause / unpause

    // test_defer.py: DeferredTests.testPausedFailure
    void pausedFailure()
    {
        QStringList l;
        Deferred<int> d = fail<int>(genericFailure("fail"));
        d.pause();
        d.addErrback([&](const Failure& f) {
            l.append(f.message());
            return 0;
        });
        QVERIFY(l.isEmpty());
        d.unpause();
        QCOMPARE(l, QStringList { u"fail"_s });
    }

    // test_defer.py: DeferredTests.testUnpauseBeforeCallback
    void unpauseBeforeCallback()
    {
        QList<int> l;
        Deferred<int> d;
        d.pause();
        d.addCallback([&](int v) { l.append(v); });
        d.unpause();
        QVERIFY(l.isEmpty());
        QVERIFY(!d.called());
        d.callback(1);
        QCOMPARE(l, QList<int> { 1 });
    }

    // Contract, Deferred: pause()/unpause()/paused()/called(); pauses nest like Twisted's counter.
    void pauseUnpausePausedCalled()
    {
        QList<int> l;
        Deferred<int> d;
        QVERIFY(!d.called());
        QVERIFY(!d.paused());
        d.pause();
        d.pause();
        QVERIFY(d.paused());
        d.addCallback([&](int v) {
            l.append(v);
            return v;
        });
        d.callback(9);
        QVERIFY(d.called());
        QVERIFY(l.isEmpty());
        d.addCallback([&](int v) { l.append(v + 1); }); // added while paused: waits too
        QVERIFY(l.isEmpty());
        d.unpause();
        QVERIFY(d.paused());
        QVERIFY(l.isEmpty());
        d.unpause();
        QVERIFY(!d.paused());
        QCOMPARE(l, (QList<int> { 9, 10 }));
    }
};

QTEST_GUILESS_MAIN(TestDeferredCallbacks)
#include "tst_deferred_callbacks.moc"
