// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Deferred: gatherResults and DeferredList.
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

class TestDeferredLists : public QObject {
    Q_OBJECT

    UnhandledErrorCheck m_unhandled;

    QList<LogCapture::Entry> takeDeferredLog() { return m_unhandled.take(); }

private Q_SLOTS:
    void init() { m_unhandled.begin(); }
    void cleanup() { m_unhandled.end(); }

    // ---------------------------------------------------------------------------------------------------------
    // gatherResults

    // test_defer.py: DeferredTests.test_gatherResults
    void gatherResults()
    {
        QList<QList<int>> results;
        qtwisted::gatherResults(QList<Deferred<int>> { succeed(1), succeed(2) }).addCallback([&](const QList<int>& r) {
            results.append(r);
        });
        QCOMPARE(results, (QList<QList<int>> { { 1, 2 } }));

        QList<Failure> errors;
        QList<Deferred<int>> dl { succeed(1), fail<int>(Failure::make(std::invalid_argument("value"))) };
        qtwisted::gatherResults(dl).addErrback([&](const Failure& f) {
            errors.append(f);
            return QList<int>();
        });
        QCOMPARE(errors.size(), 1);
        QVERIFY(errors.first().check<std::invalid_argument>());
        dl[1].addErrback([](const Failure&) { return 1; }); // get rid of the error
    }

    // Contract, Deferred: results come in input order whatever order the inputs fire in.
    void gatherResultsKeepsInputOrder()
    {
        Deferred<QString> a;
        Deferred<QString> b;
        Deferred<QString> c;
        QList<QStringList> results;
        qtwisted::gatherResults(QList<Deferred<QString>> { a, b, c }).addCallback([&](const QList<QString>& r) {
            results.append(r);
        });
        c.callback(u"c"_s);
        a.callback(u"a"_s);
        QVERIFY(results.isEmpty());
        b.callback(u"b"_s);
        QCOMPARE(results, (QList<QStringList> { { u"a"_s, u"b"_s, u"c"_s } }));
    }

    // Contract, Deferred: the first failure wins: one errback, with that failure.
    void gatherResultsFirstFailureWins()
    {
        Deferred<int> a;
        Deferred<int> b;
        Deferred<int> c;
        QList<Failure> errors;
        int callbacks = 0;
        qtwisted::gatherResults(QList<Deferred<int>> { a, b, c })
            .addCallbacks([&](const QList<int>&) { ++callbacks; }, [&](const Failure& f) { errors.append(f); });
        b.errback(genericFailure("first"));
        c.errback(genericFailure("second"));
        a.callback(1);
        QCOMPARE(callbacks, 0);
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors.first().message(), u"first"_s);
        b.addErrback([](const Failure&) { return 0; });
        c.addErrback([](const Failure&) { return 0; });
    }

    // Contract, Deferred: an empty list gathers to an empty list at once.
    void gatherResultsEmpty()
    {
        QList<QList<int>> results;
        qtwisted::gatherResults(QList<Deferred<int>> {}).addCallback([&](const QList<int>& r) { results.append(r); });
        QCOMPARE(results, QList<QList<int>> { QList<int>() });
    }

    // deferred.h: gathering Deferred<void> inputs gives a Deferred<void> that fires once all fired.
    void gatherResultsOfVoidInputs()
    {
        Deferred<void> a;
        Deferred<void> b;
        auto all = qtwisted::gatherResults(QList<Deferred<void>> { a, b });
        static_assert(std::is_same_v<decltype(all), Deferred<void>>);
        int fired = 0;
        all.addCallback([&] { ++fired; });
        b.callback();
        QCOMPARE(fired, 0);
        a.callback();
        QCOMPARE(fired, 1);

        std::optional<Failure> failure;
        Deferred<void> c;
        qtwisted::gatherResults(QList<Deferred<void>> { succeed(), c }).addErrback([&](const Failure& f) {
            failure = f;
        });
        c.errback(genericFailure("void failure"));
        QVERIFY(failure);
        QCOMPARE(failure->message(), u"void failure"_s);
        c.addErrback([](const Failure&) {});

        int emptyFired = 0;
        qtwisted::gatherResults(QList<Deferred<void>> {}).addCallback([&] { ++emptyFired; });
        QCOMPARE(emptyFired, 1);
    }

    // test_defer.py: DeferredTests.test_cancelGatherResults (Twisted's FirstError wrapper is not used: the failure is
    // the CancelledError itself, as for DeferredList's fireOnOneErrback in deferred.h)
    void cancelGatherResults()
    {
        QList<Failure> oneErrors;
        QList<Failure> twoErrors;
        QList<Failure> resultErrors;
        Deferred<void> deferredOne;
        Deferred<void> deferredTwo;
        auto result = qtwisted::gatherResults(QList<Deferred<void>> { deferredOne, deferredTwo });
        result.cancel();
        deferredOne.addErrback([&](const Failure& f) { oneErrors.append(f); });
        deferredTwo.addErrback([&](const Failure& f) { twoErrors.append(f); });
        result.addErrback([&](const Failure& f) { resultErrors.append(f); });
        QCOMPARE(oneErrors.size(), 1);
        QVERIFY(oneErrors.first().check<CancelledError>());
        QCOMPARE(twoErrors.size(), 1);
        QVERIFY(twoErrors.first().check<CancelledError>());
        QCOMPARE(resultErrors.size(), 1);
        QVERIFY(resultErrors.first().check<CancelledError>());
    }

    // test_defer.py: DeferredTests.test_cancelGatherResultsWithAllDeferredsCallback
    void cancelGatherResultsWithAllDeferredsCallback()
    {
        auto fakeCallbackCanceller = [](Deferred<QString>& d) { d.callback(u"Callback Result"_s); };
        Deferred<QString> deferredOne(fakeCallbackCanceller);
        Deferred<QString> deferredTwo(fakeCallbackCanceller);
        auto result = qtwisted::gatherResults(QList<Deferred<QString>> { deferredOne, deferredTwo });
        result.cancel();
        QList<QStringList> results;
        result.addCallbacks([&](const QList<QString>& r) { results.append(r); }, [](const Failure&) {});
        QCOMPARE(results, (QList<QStringList> { { u"Callback Result"_s, u"Callback Result"_s } }));
    }

    // ---------------------------------------------------------------------------------------------------------
    // DeferredList

    // test_defer.py: DeferredTests.testDeferredList
    void deferredList()
    {
        Deferred<QString> defr1;
        Deferred<QString> defr2;
        Deferred<QString> defr3;
        QList<Outcome<QString>> result;
        int errbacks = 0;
        DeferredList<QString>({ defr1, defr2, defr3 })
            .addCallbacks([&](const QList<Outcome<QString>>& r) { result = r; }, [&](const Failure&) { ++errbacks; });
        defr1.callback(u"1"_s);
        defr2.addErrback([](const Failure&) { return QString(); }); // eats the error after the DeferredList saw it
        defr2.errback(genericFailure("2"));
        QVERIFY(result.isEmpty());
        defr3.callback(u"3"_s);
        QCOMPARE(errbacks, 0);
        QCOMPARE(result.size(), 3);
        QVERIFY(result[0].ok());
        QCOMPARE(result[0].value(), u"1"_s);
        QVERIFY(!result[1].ok());
        QCOMPARE(result[1].failure().message(), u"2"_s);
        QVERIFY(result[1].failure().check<GenericError>());
        QVERIFY(result[2].ok());
        QCOMPARE(result[2].value(), u"3"_s);
    }

    // Contract, Deferred: DeferredList keeps input order whatever order the inputs fire in.
    void deferredListKeepsInputOrder()
    {
        Deferred<int> a;
        Deferred<int> b;
        Deferred<int> c;
        QList<int> values;
        DeferredList<int>({ a, b, c }).addCallback([&](const QList<Outcome<int>>& r) {
            for (const auto& o : r)
                values.append(o.value());
        });
        c.callback(3);
        b.callback(2);
        QVERIFY(values.isEmpty());
        a.callback(1);
        QCOMPARE(values, (QList<int> { 1, 2, 3 }));
    }

    // test_defer.py: DeferredTests.testEmptyDeferredList (first half) and DeferredListEmptyTests.testDeferredListEmpty
    void emptyDeferredList()
    {
        QList<QList<Outcome<int>>> result;
        DeferredList(QList<Deferred<int>> {}).addCallback([&](const QList<Outcome<int>>& r) { result.append(r); });
        QCOMPARE(result.size(), 1);
        QVERIFY(result.first().isEmpty());
    }

    // test_defer.py: DeferredTests.testEmptyDeferredList (second half): with fireOnOneCallback an empty list never
    // fires, as no input can succeed.
    void emptyDeferredListWithFireOnOneCallback()
    {
        int fired = 0;
        DeferredListOptions options;
        options.fireOnOneCallback = true;
        DeferredList(QList<Deferred<int>> {}, options)
            .addCallbacks([&](const QList<Outcome<int>>&) { ++fired; }, [&](const Failure&) { ++fired; });
        QCOMPARE(fired, 0);
    }

    // test_defer.py: DeferredTests.testDeferredListFireOnOneError
    // Divergence (deferred.h): the errback receives the input's Failure itself, not a FirstError(failure, index).
    void deferredListFireOnOneError()
    {
        Deferred<QString> defr1;
        Deferred<QString> defr2;
        Deferred<QString> defr3;
        DeferredListOptions options;
        options.fireOnOneErrback = true;
        QList<Failure> result;
        DeferredList<QString>({ defr1, defr2, defr3 }, options).addErrback([&](const Failure& f) {
            result.append(f);
            return QList<Outcome<QString>>();
        });
        defr2.addErrback([](const Failure&) { return QString(); });

        defr1.callback(u"1"_s);
        QVERIFY(result.isEmpty());
        defr2.errback(genericFailure("from def2"));
        QCOMPARE(result.size(), 1);
        QVERIFY(result.first().check<GenericError>());
        QCOMPARE(result.first().message(), u"from def2"_s);

        defr3.callback(u"3"_s); // the list has fired: nothing more happens
        QCOMPARE(result.size(), 1);
    }

    // Contract, Deferred: fireOnOneCallback fires with the first success.
    // Divergence (deferred.h): a one-element list holding that Outcome, not Twisted's (result, index) tuple.
    void deferredListFireOnOneCallback()
    {
        Deferred<int> a;
        Deferred<int> b;
        Deferred<int> c;
        DeferredListOptions options;
        options.fireOnOneCallback = true;
        QList<QList<Outcome<int>>> results;
        DeferredList<int>({ a, b, c }, options).addCallback([&](const QList<Outcome<int>>& r) { results.append(r); });
        a.errback(genericFailure("not a success"));
        QVERIFY(results.isEmpty());
        c.callback(30);
        QCOMPARE(results.size(), 1);
        QCOMPARE(results.first().size(), 1);
        QVERIFY(results.first().first().ok());
        QCOMPARE(results.first().first().value(), 30);
        b.callback(20); // already fired: ignored
        QCOMPARE(results.size(), 1);
        a.addErrback([](const Failure&) { return 0; });
    }

    // test_defer.py: DeferredTests.testDeferredListDontConsumeErrors
    void deferredListDontConsumeErrors()
    {
        Deferred<void> d1;
        auto dl = DeferredList(QList<Deferred<void>> { d1 });
        QList<Failure> errorTrap;
        d1.addErrback([&](const Failure& f) { errorTrap.append(f); });
        QList<QList<Outcome<void>>> resultLists;
        dl.addCallback([&](const QList<Outcome<void>>& r) { resultLists.append(r); });

        d1.errback(genericFailure("Bang"));
        QCOMPARE(errorTrap.size(), 1);
        QCOMPARE(errorTrap.first().message(), u"Bang"_s);
        QCOMPARE(resultLists.size(), 1);
        QCOMPARE(resultLists.first().size(), 1);
        QCOMPARE(resultLists.first().first().failure().message(), u"Bang"_s);
    }

    // test_defer.py: DeferredTests.testDeferredListConsumeErrors — the list still sees the failure; the input's
    // failure is no longer an unhandled error.
    void deferredListConsumeErrors()
    {
        QList<QList<Outcome<void>>> resultLists;
        {
            Deferred<void> d1;
            DeferredListOptions options;
            options.consumeErrors = true;
            DeferredList(QList<Deferred<void>> { d1 }, options).addCallback([&](const QList<Outcome<void>>& r) {
                resultLists.append(r);
            });
            d1.errback(genericFailure("Bang"));
        }
        QCOMPARE(resultLists.size(), 1);
        QCOMPARE(resultLists.first().size(), 1);
        QCOMPARE(resultLists.first().first().failure().message(), u"Bang"_s);
        QVERIFY(takeDeferredLog().isEmpty());
    }

    // Contract, Deferred: without consumeErrors the input's failure is still unhandled and logged once.
    void deferredListWithoutConsumeErrorsLogs()
    {
        QTest::ignoreMessage(QtCriticalMsg, "Unhandled error in Deferred: std::runtime_error: Bang");
        int listFired = 0;
        {
            Deferred<void> d1;
            DeferredList(QList<Deferred<void>> { d1 }).addCallback([&](const QList<Outcome<void>>&) { ++listFired; });
            d1.errback(Failure::make(std::runtime_error("Bang")));
        }
        QCOMPARE(listFired, 1);
        QCOMPARE(
            messagesOf(takeDeferredLog()), QStringList { u"Unhandled error in Deferred: std::runtime_error: Bang"_s });
    }

    // test_defer.py: DeferredTests.testDeferredListFireOnOneErrorWithAlreadyFiredDeferreds
    void deferredListFireOnOneErrorWithAlreadyFiredDeferreds()
    {
        Deferred<void> d1;
        Deferred<void> d2;
        d1.errback(genericFailure("Bang"));
        DeferredListOptions options;
        options.fireOnOneErrback = true;
        QList<Failure> result;
        DeferredList(QList<Deferred<void>> { d1, d2 }, options).addErrback([&](const Failure& f) {
            result.append(f);
            return QList<Outcome<void>>();
        });
        QCOMPARE(result.size(), 1);
        d1.addErrback([](const Failure&) {}); // swallow error
    }

    // test_defer.py: DeferredTests.testDeferredListWithAlreadyFiredDeferreds
    void deferredListWithAlreadyFiredDeferreds()
    {
        Deferred<int> d1;
        Deferred<int> d2;
        d1.errback(genericFailure("Bang"));
        d2.callback(2);
        QList<QList<Outcome<int>>> result;
        DeferredList<int>({ d1, d2 }).addCallback([&](const QList<Outcome<int>>& r) { result.append(r); });
        QCOMPARE(result.size(), 1);
        QCOMPARE(result.first().size(), 2);
        QVERIFY(!result.first()[0].ok());
        QCOMPARE(result.first()[1].value(), 2);
        d1.addErrback([](const Failure&) { return 0; }); // swallow error
    }

    // Twisted 22.4 (checked with python3-twisted): DeferredList.cancel() cancels the inputs while the list is unfired
    // and does nothing else. With no input to cancel, the list stays unfired and nothing is logged. Found by the
    // differential test.
    void cancellingAListOnlyCancelsItsInputs()
    {
        auto empty = DeferredList(QList<Deferred<int>> {}, DeferredListOptions { true, false, false });
        empty.cancel();
        QVERIFY(!empty.called());
        empty.cancel(); // again: still nothing

        // An input whose canceller ignores the cancel still errbacks CancelledError (Deferred::cancel), and the list
        // fires from that, with the input's outcome, not with a CancelledError of its own.
        Deferred<int> a([](Deferred<int>&) {});
        auto list = DeferredList(QList<Deferred<int>> { a }, DeferredListOptions { false, false, true });
        std::optional<QList<Outcome<int>>> got;
        list.addCallback([&](const QList<Outcome<int>>& r) { got = r; });
        list.cancel();
        QVERIFY(got);
        QCOMPARE(got->size(), 1);
        QVERIFY(got->first().failure().check<CancelledError>());
        list.cancel(); // fired: nothing happens
    }

    // Twisted 22.4 (checked with python3-twisted): a list Deferred its user fired first is not fired again when its
    // inputs fire. Found by the differential test.
    void aListItsUserFiredIsNotFiredAgain()
    {
        Deferred<int> d0;
        auto d1 = DeferredList(QList<Deferred<int>> { d0 });
        std::optional<Failure> listEnd;
        d1.errback(genericFailure("user"));
        d1.addErrback([&](const Failure& f) {
            listEnd = f;
            return QList<Outcome<int>>();
        });
        QVERIFY_THROWS_NO_EXCEPTION(d0.cancel());
        std::optional<Failure> inputEnd;
        d0.addErrback([&](const Failure& f) {
            inputEnd = f;
            return 0;
        });
        QVERIFY(inputEnd && inputEnd->check<CancelledError>());
        QVERIFY(listEnd && listEnd->check<GenericError>());

        Deferred<int> g0;
        auto gathered = qtwisted::gatherResults(QList<Deferred<int>> { g0 });
        gathered.callback(QList<int> { 7 });
        QVERIFY_THROWS_NO_EXCEPTION(g0.callback(1));
    }

    // An input that waits on its own list (a callback on it returned the list): cancelling the list comes back to
    // it through the input. The cycle is broken: nothing is cancelled twice, and cancel() returns (Twisted recurses
    // until Python's recursion limit).
    void cancellingAListItsInputWaitsOnReturns()
    {
        Deferred<int> d0;
        Deferred<int> d1;
        auto list = DeferredList(QList<Deferred<int>> { d1, d0 });
        Deferred<int> tail = list.addCallback([](const QList<Outcome<int>>&) { return 0; });
        d1.addCallback([tail](int) { return tail; }); // d1 waits on the list's chain
        d1.callback(1);
        QVERIFY(d1.paused());
        QVERIFY_THROWS_NO_EXCEPTION(list.cancel());
        std::optional<Failure> d0End;
        d0.addErrback([&](const Failure& f) {
            d0End = f;
            return 0;
        });
        QVERIFY(d0End && d0End->check<CancelledError>()); // the other input was cancelled, once
    }

    void cancellingGatherResultsCancelsTheInputs()
    {
        Deferred<int> a;
        Deferred<int> b;
        auto gathered = qtwisted::gatherResults(QList<Deferred<int>> { a, b });
        std::optional<Failure> failed;
        gathered.addErrback([&](const Failure& f) {
            failed = f;
            return QList<int>();
        });
        gathered.cancel();
        QVERIFY(a.called() && b.called());
        QVERIFY(failed && failed->check<CancelledError>()); // the first input's CancelledError (Twisted: FirstError)
        QVERIFY_THROWS_NO_EXCEPTION(a.callback(1)); // the inputs' own late results are swallowed, as after any cancel
    }

    // test_defer.py: DeferredTests.test_cancelDeferredList
    void cancelDeferredList()
    {
        Deferred<void> deferredOne;
        Deferred<void> deferredTwo;
        auto deferredList = DeferredList(QList<Deferred<void>> { deferredOne, deferredTwo });
        deferredList.cancel();
        QList<Failure> oneErrors;
        QList<Failure> twoErrors;
        deferredOne.addErrback([&](const Failure& f) { oneErrors.append(f); });
        deferredTwo.addErrback([&](const Failure& f) { twoErrors.append(f); });
        deferredList.addErrback([](const Failure&) { return QList<Outcome<void>>(); });
        QCOMPARE(oneErrors.size(), 1);
        QVERIFY(oneErrors.first().check<CancelledError>());
        QCOMPARE(twoErrors.size(), 1);
        QVERIFY(twoErrors.first().check<CancelledError>());
    }

    // test_defer.py: DeferredTests.test_cancelDeferredListCallback
    void cancelDeferredListCallback()
    {
        Deferred<QString> deferredOne([](Deferred<QString>& d) { d.callback(u"Callback Result"_s); });
        Deferred<QString> deferredTwo;
        auto deferredList = DeferredList<QString>({ deferredOne, deferredTwo });
        deferredList.cancel();
        QList<Failure> twoErrors;
        deferredTwo.addErrback([&](const Failure& f) {
            twoErrors.append(f);
            return QString();
        });
        QList<QList<Outcome<QString>>> result;
        deferredList.addCallbacks([&](const QList<Outcome<QString>>& r) { result.append(r); }, [](const Failure&) {});
        QCOMPARE(twoErrors.size(), 1);
        QVERIFY(twoErrors.first().check<CancelledError>());
        QCOMPARE(result.size(), 1);
        QCOMPARE(result.first().size(), 2);
        QVERIFY(result.first()[0].ok());
        QCOMPARE(result.first()[0].value(), u"Callback Result"_s);
        QVERIFY(!result.first()[1].ok());
        QVERIFY(result.first()[1].failure().check<CancelledError>());
    }

    // test_defer.py: DeferredTests.test_cancelFiredOnOneCallbackDeferredList
    void cancelFiredOnOneCallbackDeferredList()
    {
        Deferred<void> deferredOne;
        Deferred<void> deferredTwo;
        DeferredListOptions options;
        options.fireOnOneCallback = true;
        auto deferredList = DeferredList(QList<Deferred<void>> { deferredOne, deferredTwo }, options);
        deferredOne.callback();
        deferredList.cancel();
        QVERIFY(!deferredTwo.called());
        int listResults = 0;
        deferredList.addCallback([&](const QList<Outcome<void>>&) { ++listResults; });
        QCOMPARE(listResults, 1);
    }

    // test_defer.py: DeferredTests.test_cancelFiredOnOneErrbackDeferredList
    void cancelFiredOnOneErrbackDeferredList()
    {
        Deferred<void> deferredOne;
        Deferred<void> deferredTwo;
        DeferredListOptions options;
        options.fireOnOneErrback = true;
        auto deferredList = DeferredList(QList<Deferred<void>> { deferredOne, deferredTwo }, options);
        deferredOne.errback(genericFailure("test"));
        deferredList.cancel();
        QVERIFY(!deferredTwo.called());
        QList<Failure> oneErrors;
        deferredOne.addErrback([&](const Failure& f) { oneErrors.append(f); });
        QList<Failure> listErrors;
        deferredList.addErrback([&](const Failure& f) {
            listErrors.append(f);
            return QList<Outcome<void>>();
        });
        QCOMPARE(oneErrors.size(), 1);
        QVERIFY(oneErrors.first().check<GenericError>());
        QCOMPARE(listErrors.size(), 1);
        QVERIFY(listErrors.first().check<GenericError>()); // Twisted: FirstError; here the failure itself
    }
};

QTEST_GUILESS_MAIN(TestDeferredLists)
#include "tst_deferred_lists.moc"
