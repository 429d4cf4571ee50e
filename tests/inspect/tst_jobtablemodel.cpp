// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "tracetestutil.h"

#include <qtwisted/inspect/jobtablemodel.h>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

#include <memory>

using namespace qtwisted;
using namespace tracetest;
using K = TraceEventKind;

class TestJobTableModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void appendsRowsAndUpdatesChangedOnes()
    {
        TraceData data;
        JobTableModel model(&data);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QCOMPARE(model.columnCount(), 9);
        QCOMPARE(model.headerData(JobTableModel::CallbackDelayColumn, Qt::Horizontal).toString(),
            QStringLiteral("callback delay"));

        TraceEvent labelled = ev(K::JobQueued, 0, 1, -1, 0, ApiKind::DeferToThread);
        labelled.labelId = TraceStrings::intern(QStringLiteral("sleep 20 ms"));
        data.append(std::vector<TraceEvent> { labelled, ev(K::JobQueued, 1, 2), ev(K::WorkerCreated, 0, 0, 0) });
        model.refresh();
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(changed.count(), 0);
        auto text = [&model](int row, int column) { return model.index(row, column).data().toString(); };
        QCOMPARE(text(0, JobTableModel::IdColumn), QStringLiteral("1"));
        QCOMPARE(text(0, JobTableModel::ApiColumn), QStringLiteral("deferToThread"));
        QCOMPARE(text(0, JobTableModel::LabelColumn), QStringLiteral("sleep 20 ms"));
        QCOMPARE(text(0, JobTableModel::StatusColumn), QStringLiteral("queued"));
        QCOMPARE(text(0, JobTableModel::RanColumn), QString());

        data.append(std::vector<TraceEvent> { ev(K::JobStarted, 10, 1, 0, 0, ApiKind::DeferToThread),
            ev(K::JobFinished, 30, 1, 0, 20, ApiKind::DeferToThread),
            ev(K::CallbackRan, 32, 1, -1, 1, ApiKind::DeferToThread), ev(K::JobQueued, 3, 3) });
        model.refresh();
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(inserted.count(), 2);
        QCOMPARE(changed.count(), 1); // row 0 only, once
        QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 0);
        QCOMPARE(changed.at(0).at(1).toModelIndex().column(), JobTableModel::StatusColumn);
        QCOMPARE(text(0, JobTableModel::StatusColumn), QStringLiteral("finished"));
        QCOMPARE(text(0, JobTableModel::WaitedColumn), QStringLiteral("10.0 ms"));
        QCOMPARE(text(0, JobTableModel::RanColumn), QStringLiteral("20.0 ms"));
        QCOMPARE(text(0, JobTableModel::CallbackDelayColumn), QStringLiteral("2.0 ms"));
        QCOMPARE(text(0, JobTableModel::WorkerColumn), QStringLiteral("PoolThread-syn-0"));
        QCOMPARE(model.index(0, JobTableModel::RanColumn).data(JobTableModel::SortRole).toLongLong(), 20 * kMs);
        QCOMPARE(model.index(1, JobTableModel::RanColumn).data(JobTableModel::SortRole).toLongLong(), qint64 { -1 });
        QCOMPARE(model.index(2, 0).data(JobTableModel::JobRowRole).toInt(), 2);
        const QString tip = model.index(0, 0).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QStringLiteral("waited 10.0 ms")) && tip.contains(QStringLiteral("PoolThread-syn-0"))
                && tip.contains(QStringLiteral("callback on the reactor 2.0 ms later")),
            qPrintable(tip));

        model.refresh(); // nothing new: no signals
        QCOMPARE(inserted.count(), 2);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(resets.count(), 0);
    }

    void sortsByRawValues()
    {
        TraceData data;
        JobTableModel model(&data);
        data.append(std::vector<TraceEvent> { ev(K::JobStarted, 0, 1, 0), ev(K::JobFinished, 900, 1, 0, 900),
            ev(K::JobStarted, 1000, 2, 0), ev(K::JobFinished, 1005, 2, 0, 5), ev(K::JobStarted, 2000, 3, 0),
            ev(K::JobFinished, 2080, 3, 0, 80) });
        model.refresh();
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(JobTableModel::SortRole);
        proxy.sort(JobTableModel::RanColumn); // as text "900.0 ms" < "5.0 ms" < "80.0 ms" would be wrong
        QCOMPARE(proxy.index(0, JobTableModel::IdColumn).data().toString(), QStringLiteral("2"));
        QCOMPARE(proxy.index(1, JobTableModel::IdColumn).data().toString(), QStringLiteral("3"));
        QCOMPARE(proxy.index(2, JobTableModel::IdColumn).data().toString(), QStringLiteral("1"));
    }

    void holdsAHundredThousandJobsWithoutAReset()
    {
        constexpr int kJobs = 100'000;
        constexpr int kPerBatch = 2'500;
        TraceData data;
        JobTableModel model(&data);
        // The tester walks every changed cell (seconds for all 100 000): it watches the first 20 000.
        auto tester
            = std::make_unique<QAbstractItemModelTester>(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        std::vector<TraceEvent> batch;
        // each batch queues new jobs and finishes the previous batch's, like a live recording
        for (int first = 0; first <= kJobs; first += kPerBatch) {
            batch.clear();
            for (int i = first; i < std::min(first + kPerBatch, kJobs); ++i)
                batch.push_back(ev(K::JobQueued, i, static_cast<std::uint64_t>(i + 1)));
            for (int i = std::max(0, first - kPerBatch); i < first; ++i) {
                const auto id = static_cast<std::uint64_t>(i + 1);
                batch.push_back(ev(K::JobStarted, i + kPerBatch, id, i % 8));
                batch.push_back(ev(K::JobFinished, i + kPerBatch + 1, id, i % 8, 1));
            }
            data.append(batch);
            model.refresh();
            if (first == 20'000)
                tester.reset();
        }
        QCOMPARE(model.rowCount(), kJobs);
        QCOMPARE(resets.count(), 0);
        QCOMPARE(inserted.count(), kJobs / kPerBatch);
        QCOMPARE(model.index(kJobs - 1, JobTableModel::StatusColumn).data().toString(), QStringLiteral("finished"));
        QCOMPARE(model.index(kJobs - 1, JobTableModel::IdColumn).data().toString(), QString::number(kJobs));
    }

    void resetsOnlyOnClearOrReplacedData()
    {
        TraceData data;
        JobTableModel model(&data);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        data.append(std::vector<TraceEvent> { ev(K::JobQueued, 0, 1) });
        model.refresh();
        model.clear();
        QCOMPARE(resets.count(), 1);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(data.jobs().size(), std::size_t { 0 });

        data.append(std::vector<TraceEvent> { ev(K::JobQueued, 0, 1), ev(K::JobQueued, 0, 2) });
        model.refresh();
        QCOMPARE(model.rowCount(), 2);
        TraceData other;
        other.append(std::vector<TraceEvent> { ev(K::JobQueued, 0, 9) });
        data = other; // e.g. an imported trace assigned in place
        model.refresh();
        QCOMPARE(resets.count(), 2);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("9"));

        model.setTraceData(nullptr);
        QCOMPARE(model.rowCount(), 0);
        model.refresh();
    }
};

QTEST_GUILESS_MAIN(TestJobTableModel)
#include "tst_jobtablemodel.moc"
