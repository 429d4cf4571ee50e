// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/errors.h>
#include <qtwisted/failure.h>
#include <qtwisted/outcome.h>

#include <QTest>

#include <memory>
#include <stdexcept>

using namespace qtwisted;

namespace {

struct NotAnException {
    int code = 7;
};

struct MoveOnly {
    explicit MoveOnly(int v)
        : value(std::make_unique<int>(v))
    {
    }
    std::unique_ptr<int> value;
};

Failure capture(auto thrower)
{
    try {
        thrower();
    } catch (...) {
        return Failure::current();
    }
    throw std::logic_error("nothing thrown");
}

} // namespace

class TestFailure : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void typeNameAndMessageOfStdException()
    {
        const Failure f = capture([] { throw std::out_of_range("index 9"); });
        QCOMPARE(f.typeName(), QStringLiteral("std::out_of_range"));
        QCOMPARE(f.message(), QStringLiteral("index 9"));
    }

    void typeNameOfProjectError()
    {
        const Failure f = Failure::make(CancelledError());
        QCOMPARE(f.typeName(), QStringLiteral("qtwisted::CancelledError"));
        QCOMPARE(f.message(), QStringLiteral("cancelled"));
    }

    void nonClassThrowIsUnknown()
    {
        const Failure f = capture([] { throw 42; });
        QCOMPARE(f.typeName(), QStringLiteral("unknown"));
        QVERIFY(f.message().isEmpty());
    }

    void nonStdClassThrowKeepsItsName()
    {
        const Failure f = capture([] { throw NotAnException {}; });
        QVERIFY(f.typeName().contains(QStringLiteral("NotAnException")));
        QVERIFY(f.message().isEmpty());
    }

    void checkMatchesBaseClasses()
    {
        const Failure f = Failure::make(TimeoutError());
        QVERIFY(f.check<TimeoutError>());
        QVERIFY(f.check<Error>());
        QVERIFY(f.check<std::runtime_error>());
        QVERIFY(f.check<std::exception>());
        QVERIFY((f.check<std::logic_error, Error>()));
        QVERIFY(!f.check<CancelledError>());
        QVERIFY(!f.check<std::logic_error>());
    }

    void trapRethrowsTheOriginalWhenNothingMatches()
    {
        const Failure f = Failure::make(std::invalid_argument("bad"));
        f.trap<std::logic_error>(); // invalid_argument is-a logic_error: trapped, nothing thrown
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, f.trap<CancelledError>());
        try {
            f.trap<CancelledError, TimeoutError>();
            QFAIL("trap did not rethrow");
        } catch (const std::invalid_argument& e) {
            QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("bad"));
        }
    }

    void raiseRethrowsTheSameObject()
    {
        const Failure f = Failure::make(std::runtime_error("same"));
        const Failure copy = f; // NOLINT(performance-unnecessary-copy-initialization): copies share the exception
        QVERIFY(copy == f);
        const std::exception* first = nullptr;
        try {
            f.raise();
        } catch (const std::exception& e) {
            first = &e;
        }
        try {
            copy.raise();
        } catch (const std::exception& e) {
            QCOMPARE(&e, first);
        }
    }

    void nullExceptionIsRefused() { QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Failure(std::exception_ptr {})); }

    void currentOutsideCatchIsRefused() { QVERIFY_THROWS_EXCEPTION(std::logic_error, Failure::current()); }

    void outcomeHoldsValueOrFailure()
    {
        Outcome<int> good(5);
        QVERIFY(good.ok());
        QCOMPARE(good.value(), 5);
        QVERIFY_THROWS_EXCEPTION(std::logic_error, good.failure());

        Outcome<int> bad(Failure::make(std::runtime_error("no")));
        QVERIFY(!bad.ok());
        QCOMPARE(bad.failure().message(), QStringLiteral("no"));
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, bad.value());

        Outcome<void> done;
        QVERIFY(done.ok());
        done.value();
        Outcome<void> failed(Failure::make(CancelledError()));
        QVERIFY(!failed.ok());
        QVERIFY_THROWS_EXCEPTION(CancelledError, failed.value());
    }

    void outcomeHoldsMoveOnlyValues()
    {
        Outcome<MoveOnly> o(MoveOnly(3));
        MoveOnly taken = std::move(o).value();
        QCOMPARE(*taken.value, 3);
    }
};

QTEST_GUILESS_MAIN(TestFailure)
#include "tst_failure.moc"
