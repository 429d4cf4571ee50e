// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "tracetestutil.h"

#include <qtwisted/inspect/rangestatsmodel.h>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace qtwisted;
using namespace tracetest;
using K = TraceEventKind;

namespace {

// Two pools, interned in this order so that "rsm-a" sorts before "rsm-b"; the threads start out of order: b-0, then
// a-1, then a-0.
const QString kPoolA = QStringLiteral("rsm-a");
const QString kPoolB = QStringLiteral("rsm-b");

TraceEvent on(
    const QString& pool, K kind, std::int64_t ms, std::uint64_t job, std::int32_t worker, std::int64_t durationMs = 0)
{
    return ev(kind, ms, job, worker, durationMs, ApiKind::CallInThread, pool);
}

void fill(TraceData& data)
{
    TraceStrings::intern(kPoolA);
    TraceStrings::intern(kPoolB);
    data.setTimeOrigin(0);
    data.append(std::vector<TraceEvent> {
        on(kPoolB, K::WorkerCreated, 0, 0, 0), on(kPoolA, K::WorkerCreated, 0, 0, 1),
        on(kPoolA, K::WorkerCreated, 1, 0, 0), on(kPoolB, K::JobStarted, 0, 1, 0),
        on(kPoolB, K::JobFinished, 100, 1, 0, 100), // b-0: busy all of 0..100
        on(kPoolA, K::JobStarted, 10, 1, 1), on(kPoolA, K::JobFinished, 30, 1, 1, 20), // a-1: 20 ms
        on(kPoolA, K::JobStarted, 40, 2, 1), on(kPoolA, K::JobFinished, 50, 2, 1, 10), // a-1: 10 ms more
        on(kPoolA, K::JobStarted, 60, 3, 0),
        on(kPoolA, K::JobFinished, 200, 3, 0, 140), // a-0: 40 ms of 0..100, ends after it
    });
}

} // namespace

class TestRangeStatsModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void laneOrderIsPoolThenWorkerThenCreation()
    {
        TraceData data;
        fill(data);
        const auto lanes = data.lanes();
        QCOMPARE(lanes.size(), std::size_t { 3 });
        QCOMPARE(lanes[0].threadName, QStringLiteral("PoolThread-rsm-b-0")); // lanes are in order of appearance
        QCOMPARE(std::vector<std::int32_t>(data.laneOrder().begin(), data.laneOrder().end()),
            (std::vector<std::int32_t> { 2, 1, 0 })); // a-0, a-1, b-0
        QVERIFY(TraceData().laneOrder().empty());
    }

    void showsTheLanesOfTheRangeInDisplayOrder()
    {
        TraceData data;
        fill(data);
        RangeStatsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), 3);
        QCOMPARE(model.headerData(RangeStatsModel::WorkerColumn, Qt::Horizontal).toString(), QStringLiteral("Worker"));
        QCOMPARE(model.headerData(RangeStatsModel::BusyColumn, Qt::Horizontal).toString(), QStringLiteral("Busy %"));
        QCOMPARE(model.headerData(RangeStatsModel::JobsEndedColumn, Qt::Horizontal).toString(),
            QStringLiteral("Jobs ended"));

        const RangeStats& stats = model.setRange(data, 0, 100 * kMs);
        QCOMPARE(stats.jobsEnded, std::int64_t { 3 });
        QCOMPARE(model.rowCount(), 3);
        auto text = [&model](int row, int column) { return model.index(row, column).data().toString(); };
        const QStringList expected[] = {
            { QStringLiteral("PoolThread-rsm-a-0"), QStringLiteral("40.0"), QStringLiteral("0") },
            { QStringLiteral("PoolThread-rsm-a-1"), QStringLiteral("30.0"), QStringLiteral("2") },
            { QStringLiteral("PoolThread-rsm-b-0"), QStringLiteral("100.0"), QStringLiteral("1") },
        };
        for (int row = 0; row < 3; ++row) {
            for (int column = 0; column < 3; ++column)
                QCOMPARE(text(row, column), expected[row].at(column));
        }
        QCOMPARE(model.index(0, RangeStatsModel::WorkerColumn).data(RangeStatsModel::RawRole).toInt(), 2);
        QCOMPARE(model.index(1, RangeStatsModel::BusyColumn).data(RangeStatsModel::RawRole).toLongLong(), 30 * kMs);
        QCOMPARE(model.index(2, RangeStatsModel::JobsEndedColumn).data(RangeStatsModel::RawRole).toLongLong(), 1);
        QCOMPARE(model.index(0, RangeStatsModel::BusyColumn).data(Qt::TextAlignmentRole).toInt(),
            int { Qt::AlignRight | Qt::AlignVCenter });
        QVERIFY(!model.index(0, RangeStatsModel::WorkerColumn).data(Qt::TextAlignmentRole).isValid());
    }

    void sameLanesUpdateInPlaceOtherLanesReset()
    {
        TraceData data;
        fill(data);
        RangeStatsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        model.setRange(data, 0, 100 * kMs);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

        model.setRange(data, 0, 50 * kMs); // the same three lanes
        QCOMPARE(resets.count(), 0);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(model.index(1, RangeStatsModel::BusyColumn).data().toString(), QStringLiteral("60.0")); // a-1
        QCOMPARE(model.index(0, RangeStatsModel::BusyColumn).data().toString(), QStringLiteral("0.0")); // a-0

        data.append(std::vector<TraceEvent> { on(kPoolA, K::WorkerRetired, 300, 0, 1) });
        model.setRange(data, 400 * kMs, 500 * kMs); // a-1 retired: only a-0 and b-0 are alive
        QCOMPARE(resets.count(), 1);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("PoolThread-rsm-a-0"));
        QCOMPARE(model.index(1, 0).data().toString(), QStringLiteral("PoolThread-rsm-b-0"));
    }
};

QTEST_GUILESS_MAIN(TestRangeStatsModel)
#include "tst_rangestatsmodel.moc"
