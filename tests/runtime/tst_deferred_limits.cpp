// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Deferred: long chains without deep recursion, threads (WrongThreadError), types (ChainTypeError, move-only results).
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

class TestDeferredLimits : public QObject {
    Q_OBJECT

    UnhandledErrorCheck m_unhandled;

    QList<LogCapture::Entry> takeDeferredLog() { return m_unhandled.take(); }

private Q_SLOTS:
    void init() { m_unhandled.begin(); }
    void cleanup() { m_unhandled.end(); }

    // ---------------------------------------------------------------------------------------------------------
    // long chains

    // test_defer.py: DeferredTests.test_boundedStackDepth — 10 000 nested Deferreds, each callback returning an
    // unfired Deferred, fired later deepest first; the final callback runs at the same stack depth as with one.
    void boundedStackDepth()
    {
        const StackProbe one = chainDeferreds(1);
        const StackProbe two = chainDeferreds(2);
        const StackProbe many = chainDeferreds(10'000);
        QVERIFY(!one.recordedEarly);
        QVERIFY(!many.recordedEarly);
        QCOMPARE(one.frames.size(), std::size_t(1));
        QCOMPARE(two.frames.size(), std::size_t(1));
        QCOMPARE(many.frames.size(), std::size_t(1));
        QCOMPARE(two.frames.front(), one.frames.front());
        QCOMPARE(many.frames.front(), one.frames.front());
    }

    // Contract, Deferred: the 10 000-deep nest carries a value (and a failure) all the way back out.
    void deepNestOfDeferredsCarriesTheResult()
    {
        constexpr std::size_t depth = 10'000;
        std::vector<Deferred<int>> ds(depth + 1);
        for (std::size_t i = 0; i < depth; ++i) {
            Deferred<int> next = ds[i + 1];
            ds[i].addCallback([next](int) { return next; });
        }
        int result = 0;
        ds[0].addCallback([&](int v) { result = v; });
        // Fired in reverse order: each one waits on the next, still unfired or itself waiting.
        for (std::size_t i = depth; i-- > 0;)
            ds[i].callback(-1);
        QCOMPARE(result, 0);
        ds[depth].callback(4242);
        QCOMPARE(result, 4242);
    }

    // Contract, Deferred: a chain of 100 000 callbacks runs without deep recursion.
    void hundredThousandLinkChain()
    {
        constexpr int links = 100'000;
        Deferred<int> d;
        Deferred<int> tail = d;
        for (int i = 0; i < links; ++i)
            tail = tail.addCallback([](int v) { return v + 1; });
        int result = -1;
        tail.addCallback([&](int v) { result = v; });
        d.callback(0);
        QCOMPARE(result, links);

        // The same on an already-fired Deferred, and with a failure passing every callback by.
        Deferred<int> failed = fail<int>(genericFailure("far"));
        int callbacksRun = 0;
        for (int i = 0; i < links; ++i)
            failed.addCallback([&](int v) {
                ++callbacksRun;
                return v;
            });
        QString message;
        failed.addErrback([&](const Failure& f) {
            message = f.message();
            return 0;
        });
        QCOMPARE(callbacksRun, 0);
        QCOMPARE(message, u"far"_s);
    }

    // ---------------------------------------------------------------------------------------------------------
    // threads and types (qtwisted only)

    // Contract, Errors/Deferred: any method called from a thread other than the Deferred's own throws WrongThreadError.
    void wrongThreadError()
    {
        Deferred<int> d;
        Deferred<int> other;
        QStringList refused;
        QStringList notRefused;
        std::thread t([&] {
            auto expect = [&](const QString& name, auto&& op) {
                try {
                    op();
                    notRefused.append(name);
                } catch (const WrongThreadError&) {
                    refused.append(name);
                } catch (...) {
                    notRefused.append(name + u" (other exception)"_s);
                }
            };
            expect(u"callback"_s, [&] { d.callback(1); });
            expect(u"errback"_s, [&] { d.errback(genericFailure("x")); });
            expect(u"addCallback"_s, [&] { d.addCallback([](int v) { return v; }); });
            expect(u"addErrback"_s, [&] { d.addErrback([](const Failure&) { return 0; }); });
            expect(
                u"addCallbacks"_s, [&] { d.addCallbacks([](int v) { return v; }, [](const Failure&) { return 0; }); });
            expect(u"addBoth"_s, [&] { d.addBoth([](const Outcome<int>&) { return 0; }); });
            expect(u"chainDeferred"_s, [&] { d.chainDeferred(other); });
            expect(u"pause"_s, [&] { d.pause(); });
            expect(u"unpause"_s, [&] { d.unpause(); });
            expect(u"called"_s, [&] { (void)d.called(); });
            expect(u"paused"_s, [&] { (void)d.paused(); });
            expect(u"cancel"_s, [&] { d.cancel(); });
        });
        t.join();
        QCOMPARE(notRefused, QStringList());
        QCOMPARE(refused.size(), 12);

        // Nothing was changed by the refused calls; the Deferred still works in its own thread.
        QVERIFY(!d.called());
        QVERIFY(!d.paused());
        QVERIFY(!other.called());
        int got = 0;
        d.addCallback([&](int v) { got = v; });
        d.callback(6);
        QCOMPARE(got, 6);
    }

    // Contract, Deferred: a Deferred belongs to the thread that created it, even a std::thread.
    void deferredBelongsToItsCreatingThread()
    {
        std::optional<Deferred<int>> made;
        std::thread t([&] { made.emplace(); });
        t.join();
        QVERIFY(made);
        QVERIFY_THROWS_EXCEPTION(WrongThreadError, made->callback(1));
        QVERIFY_THROWS_EXCEPTION(WrongThreadError, made->addCallback([](int) {}));
    }

    // Contract, Errors: addCallback on a stale Deferred<T> handle whose chain now holds another type → ChainTypeError.
    void staleHandleThrowsChainTypeError()
    {
        Deferred<int> d;
        Deferred<QString> text = d.addCallback([](int v) { return QString::number(v); });
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, d.addCallback([](int v) { return v; }));
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, d.addErrback([](const Failure&) { return 0; }));
        QVERIFY_THROWS_EXCEPTION(
            ChainTypeError, d.addCallbacks([](int v) { return v; }, [](const Failure&) { return 0; }));
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, d.addBoth([](const Outcome<int>&) { return 0; }));
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, d.chainDeferred(Deferred<int>()));
        QVERIFY_THROWS_EXCEPTION(Error, d.addCallback([](int) {}));

        // The refused callbacks were not added: the chain goes on from the current handle.
        QStringList results;
        text.addCallback([&](const QString& s) { results.append(s); });
        d.callback(31);
        QCOMPARE(results, QStringList { u"31"_s });
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, d.addCallback([](int) {}));
        QVERIFY_THROWS_EXCEPTION(ChainTypeError, text.addCallback([](const QString&) {}));
    }

    // Contract, Failure: any exception, std or not, that a callback throws becomes the chain's Failure.
    void nonStdExceptionsBecomeFailures()
    {
        std::optional<Failure> intFailure;
        Deferred<int> d;
        d.addCallback([](int) -> int { throw 42; }).addErrback([&](const Failure& f) {
            intFailure = f;
            return 0;
        });
        d.callback(1);
        QVERIFY(intFailure);
        QVERIFY(intFailure->check<int>());
        QVERIFY(!intFailure->check<std::exception>());
        QCOMPARE(intFailure->typeName(), u"unknown"_s);
        QVERIFY(intFailure->message().isEmpty());
        try {
            intFailure->raise();
            QFAIL("raise() did not throw");
        } catch (int v) {
            QCOMPARE(v, 42);
        }

        std::optional<Failure> classFailure;
        Deferred<void> e;
        e.addCallback([] { throw NotAnException {}; }).addErrback([&](const Failure& f) { classFailure = f; });
        e.callback();
        QVERIFY(classFailure);
        QVERIFY(classFailure->check<NotAnException>());
        QVERIFY(classFailure->typeName().contains(u"NotAnException"_s));
    }

    // Contract, Deferred: move-only result types travel the chain, through inner Deferreds and succeed/maybeDeferred.
    void moveOnlyResults()
    {
        int got = 0;
        Deferred<std::unique_ptr<int>> d;
        d.addCallback([](std::unique_ptr<int> p) {
             *p += 1;
             return p;
         })
            .addCallback([](std::unique_ptr<int> p) { return MoveOnly(*p * 2); })
            .addCallback([](MoveOnly m) {
                Deferred<MoveOnly> inner;
                inner.callback(std::move(m));
                return inner;
            })
            .addCallback([&](MoveOnly m) { got = *m.value; });
        d.callback(std::make_unique<int>(20));
        QCOMPARE(got, 42);

        int fromSucceed = 0;
        succeed(std::make_unique<int>(5)).addCallback([&](std::unique_ptr<int> p) { fromSucceed = *p; });
        QCOMPARE(fromSucceed, 5);

        int recovered = 0;
        fail<std::unique_ptr<int>>(genericFailure("no pointer"))
            .addErrback([](const Failure&) { return std::make_unique<int>(9); })
            .addCallback([&](std::unique_ptr<int> p) { recovered = *p; });
        QCOMPARE(recovered, 9);

        int fromMaybe = 0;
        maybeDeferred([] { return std::make_unique<int>(11); }).addCallback([&](std::unique_ptr<int> p) {
            fromMaybe = *p;
        });
        QCOMPARE(fromMaybe, 11);

        bool sawValue = false;
        succeed(std::make_unique<int>(1)).addBoth([&](const Outcome<std::unique_ptr<int>>& o) {
            sawValue = o.ok() && *o.value() == 1;
        });
        QVERIFY(sawValue);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Kept last: when it fails, it crashes the process (stack overflow), after every other test has reported.

    // Contract, Deferred: "chains of any length (100 000) run without deep recursion" — and die without it: a nest of
    // 100 000 Deferreds, each waiting on the next, whose innermost never fires, is simply destroyed.
    void destroyingAnUnfiredDeepNestDoesNotRecurse()
    {
        constexpr std::size_t depth = 100'000;
        int ran = 0;
        {
            std::vector<Deferred<int>> ds(depth + 1);
            for (std::size_t i = 0; i < depth; ++i) {
                Deferred<int> next = ds[i + 1];
                ds[i].addCallback([next](int) { return next; });
            }
            ds[0].addCallback([&](int) { ++ran; });
            for (std::size_t i = depth; i-- > 0;)
                ds[i].callback(-1);
            QVERIFY(ds[0].paused()); // waiting, all the way down
        } // the innermost holds the next one out, which holds the next...: released here, none ever fired
        QCOMPARE(ran, 0);
    }
};

QTEST_GUILESS_MAIN(TestDeferredLimits)
#include "tst_deferred_limits.moc"
