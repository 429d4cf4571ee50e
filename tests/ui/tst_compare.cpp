// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Two runs compared in the window (issue 18): run B drawn below run A on one time axis, aligned at each run's first
// job (or first resize) and kept in step, with a table whose numbers are the traces'; saved runs, the previous run and
// the Twisted run; files that are not runs refused with one message.
#include "labtestutil.h"

#include <qtwisted/inspect/labcontroller.h>
#include <qtwisted/inspect/runcomparison.h>
#include <qtwisted/inspect/scenario.h>
#include <qtwisted/inspect/tracedata.h>
#include <qtwisted/reactor.h>
#include <qtwisted/ui/comparepanel.h>
#include <qtwisted/ui/mainwindow.h>
#include <qtwisted/ui/timelineview.h>
#include <qtwisted/ui/tracefiletasks.h>
#include <qtwisted/ui/twistedrunner.h>

#include <QAction>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <limits>
#include <memory>

using namespace qtwisted;

namespace {

/// `count` jobs of `ms` on a pool of `max` threads, resized to `resizeTo` after `resizeAtMs` when that is > 0.
Scenario jobs(const QString& name, int count, int ms, int max, int resizeAtMs = 0, int resizeTo = 0)
{
    QString steps = QStringLiteral(R"({"at": 0, "queue": {"api": "callInThread", "count": %1, "sleepMs": %2}})")
                        .arg(count)
                        .arg(ms);
    if (resizeAtMs > 0)
        steps += QStringLiteral(R"(, {"at": %1, "resize": {"max": %2}})").arg(resizeAtMs).arg(resizeTo);
    steps += QStringLiteral(R"(, {"at": %1, "waitIdle": {}})").arg(resizeAtMs);
    const QString json = QStringLiteral(R"({"name": "%1", "pool": {"min": 0, "max": %2}, "steps": [%3]})")
                             .arg(name)
                             .arg(max)
                             .arg(steps);
    const ScenarioParseResult parsed = parseScenario(json.toUtf8());
    if (!parsed)
        qFatal("bad test scenario: %s", qPrintable(parsed.error));
    return *parsed.scenario;
}

/// What the table should say, computed from the trace's own job records (not through summarizeRun).
struct Expected {
    qint64 jobs = 0;
    std::int64_t first = std::numeric_limits<std::int64_t>::max();
    std::int64_t last = std::numeric_limits<std::int64_t>::min();
};

Expected fromJobs(const TraceData& data)
{
    Expected e;
    for (const JobRecord& job : data.jobs()) {
        if (job.lane == JobRecord::kReactorLane || job.endedNs == kNoTime)
            continue;
        ++e.jobs;
        e.first = std::min(e.first, job.queuedNs);
        e.last = std::max(e.last, job.endedNs);
    }
    return e;
}

QString cell(QTableWidget* table, const QString& measure, int column)
{
    for (int r = 0; r < table->rowCount(); ++r) {
        if (table->item(r, 0)->text() == measure)
            return table->item(r, column)->text();
    }
    return {};
}

} // namespace

class TestCompare : public QObject {
    Q_OBJECT
private:
    labtest::LabWindow m_lab;
    QTemporaryDir m_dir;

    TimelineView* mainView() { return m_lab.window->findChild<TimelineView*>(QStringLiteral("timeline")); }
    ComparePanel* panel() { return m_lab.window->comparePanel(); }
    QTableWidget* table() { return panel()->table(); }

    /// Plays `scenario` in the window and waits for its end.
    void play(const Scenario& scenario)
    {
        QSignalSpy finished(m_lab.controller.get(), &LabController::scenarioFinished);
        m_lab.window->runScenario(scenario);
        QVERIFY(finished.wait(20000));
        // The last job's end event may reach the recording just after the scenario's end.
        QTRY_VERIFY(allEnded());
    }

    bool allEnded()
    {
        m_lab.controller->drain();
        const TraceData& data = m_lab.controller->traceData();
        return std::none_of(data.jobs().begin(), data.jobs().end(),
            [](const JobRecord& job) { return job.lane != JobRecord::kReactorLane && job.endedNs == kNoTime; });
    }

    /// A new window (the recording starts empty).
    void restart()
    {
        cleanup();
        init();
    }

    /// Plays `scenario` in a new window and saves its recording to `path`.
    void record(const Scenario& scenario, const QString& path)
    {
        restart();
        play(scenario);
        QVERIFY(m_lab.window->exportTrace(path));
    }

    void writeFile(const QString& path, const QByteArray& bytes)
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(bytes), bytes.size());
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(m_lab.open());
    }

    void cleanup() { m_lab.close(); }

    /// A saved run against the one shown: B below A, the table's numbers those of the two traces.
    void aSavedRunIsDrawnBelowWithItsNumbers()
    {
        const QString a = m_dir.filePath(QStringLiteral("a.json"));
        const QString b = m_dir.filePath(QStringLiteral("b.json"));
        record(jobs(QStringLiteral("four on two"), 4, 40, 2), a);
        record(jobs(QStringLiteral("six on one"), 6, 20, 1), b);
        QVERIFY(!panel()->isVisible());
        QCOMPARE(m_lab.window->openTrace(a), QString());
        QCOMPARE(m_lab.window->compareWithFile(b), QString());
        QVERIFY(panel()->isVisible());
        QVERIFY(panel()->view()->isVisible());
        QVERIFY(table()->isVisible()); // its tab came forward

        // The numbers are the traces': jobs and makespan from the job records of each file.
        TraceFileTasks::Result ra = TraceFileTasks::read(a);
        TraceFileTasks::Result rb = TraceFileTasks::read(b);
        QVERIFY(ra.data && rb.data);
        const Expected ea = fromJobs(*ra.data);
        const Expected eb = fromJobs(*rb.data);
        QCOMPARE(ea.jobs, 4);
        QCOMPARE(eb.jobs, 6);
        QCOMPARE(cell(table(), QStringLiteral("jobs"), 1), QStringLiteral("4"));
        QCOMPARE(cell(table(), QStringLiteral("jobs"), 2), QStringLiteral("6"));
        QCOMPARE(cell(table(), QStringLiteral("jobs"), 3), QStringLiteral("1.50x"));
        const auto ms = [](std::int64_t ns) { return QString::number(static_cast<double>(ns) / 1e6, 'f', 2); };
        QCOMPARE(cell(table(), QStringLiteral("makespan"), 1), ms(ea.last - ea.first) + QStringLiteral(" ms"));
        QCOMPARE(cell(table(), QStringLiteral("makespan"), 2), ms(eb.last - eb.first) + QStringLiteral(" ms"));
        // Four 40 ms jobs on two threads, six 20 ms jobs on one: about 80 and 120 ms.
        QVERIFY2(ea.last - ea.first >= 80'000'000 && eb.last - eb.first >= 120'000'000,
            qPrintable(cell(table(), QStringLiteral("makespan"), 3)));
        QCOMPARE(table()->horizontalHeaderItem(1)->toolTip(), QStringLiteral("a.json"));
        QCOMPARE(table()->horizontalHeaderItem(2)->toolTip(), QStringLiteral("b.json"));
        QVERIFY(m_lab.window->findChild<QLabel*>(QStringLiteral("compareTitle"))
                    ->text()
                    .contains(QStringLiteral("b.json")));

        // One axis: both count from their run's first job, and show the same stretch of it.
        QCOMPARE(mainView()->axisZeroNs(), ea.first);
        QCOMPARE(panel()->view()->axisZeroNs(), eb.first);
        QCOMPARE(mainView()->visibleStartNs() - ea.first, panel()->view()->visibleStartNs() - eb.first);
        QCOMPARE(mainView()->visibleEndNs() - ea.first, panel()->view()->visibleEndNs() - eb.first);
        // Both runs whole in view.
        QVERIFY(mainView()->visibleEndNs() >= ea.last && panel()->view()->visibleEndNs() >= eb.last);

        // Zoom or pan either: the other follows, at the same offset from its zero.
        panel()->view()->zoomTo(eb.first + 10'000'000, eb.first + 50'000'000);
        QCOMPARE(mainView()->visibleStartNs(), ea.first + 10'000'000);
        QCOMPARE(mainView()->visibleEndNs(), ea.first + 50'000'000);
        mainView()->zoomTo(ea.first + 30'000'000, ea.first + 70'000'000);
        QCOMPARE(panel()->view()->visibleStartNs(), eb.first + 30'000'000);

        // Closed: one run again, on its own axis.
        m_lab.window->findChild<QAction*>(QStringLiteral("closeCompareAction"))->trigger();
        QVERIFY(!panel()->isVisible());
        QVERIFY(!panel()->isComparing());
        QCOMPARE(mainView()->axisZeroNs(), ra.data->timeOrigin());
    }

    /// Aligned at the first resize instead: the resizes of both runs sit at 0 on the axis.
    void alignsAtTheFirstResize()
    {
        const QString b = m_dir.filePath(QStringLiteral("late.json"));
        record(jobs(QStringLiteral("resized late"), 8, 30, 1, 90, 4), b);
        restart();
        play(jobs(QStringLiteral("resized early"), 8, 30, 1, 30, 4));
        QCOMPARE(m_lab.window->compareWithFile(b), QString());
        panel()->setAlignment(ComparePanel::Alignment::FirstResize);
        const ComparedRun& runA = panel()->runA();
        const ComparedRun& runB = panel()->runB();
        QVERIFY(!runA.data->resizes().empty() && !runB.data->resizes().empty());
        // The first resize after the first job (the scenario's pool setup comes before it).
        auto firstResize = [](const ComparedRun& run) {
            const std::int64_t start = fromJobs(*run.data).first;
            for (const ResizeMarker& r : run.data->resizes()) {
                if (r.timeNs >= start)
                    return r.timeNs;
            }
            return kNoTime;
        };
        const std::int64_t resizeA = firstResize(runA);
        const std::int64_t resizeB = firstResize(runB);
        QVERIFY(resizeA != kNoTime && resizeB != kNoTime);
        QCOMPARE(mainView()->axisZeroNs(), resizeA);
        QCOMPARE(panel()->view()->axisZeroNs(), resizeB);
        QCOMPARE(mainView()->visibleStartNs() - resizeA, panel()->view()->visibleStartNs() - resizeB);
        // The run resized later has more of itself before its zero: 90 ms against 30 ms.
        QVERIFY(resizeB - fromJobs(*runB.data).first > resizeA - fromJobs(*runA.data).first);
        // And back to the first job.
        panel()->setAlignment(ComparePanel::Alignment::RunStart);
        QCOMPARE(mainView()->axisZeroNs(), fromJobs(*runA.data).first);
    }

    /// The last run in the window against the one before it: each is its own part of one recording.
    void theLastRunAgainstThePreviousOne()
    {
        QVERIFY(!m_lab.window->findChild<QAction*>(QStringLiteral("comparePreviousAction"))->isEnabled());
        QVERIFY(m_lab.window->compareWithPreviousRun().contains(QStringLiteral("play two scenarios first")));
        play(jobs(QStringLiteral("first"), 3, 20, 1));
        play(jobs(QStringLiteral("second"), 5, 20, 5));
        QVERIFY(m_lab.window->findChild<QAction*>(QStringLiteral("comparePreviousAction"))->isEnabled());
        QCOMPARE(m_lab.window->compareWithPreviousRun(), QString());
        QCOMPARE(cell(table(), QStringLiteral("jobs"), 1), QStringLiteral("5")); // A: the last run
        QCOMPARE(cell(table(), QStringLiteral("jobs"), 2), QStringLiteral("3")); // B: the one before
        QCOMPARE(panel()->runA().data, panel()->runB().data); // one recording, two parts
        QVERIFY(panel()->runB().toNs <= panel()->runA().fromNs);
        // Five jobs on five threads end sooner than three on one.
        QVERIFY(panel()->summaryA().makespanNs < panel()->summaryB().makespanNs);
    }

    /// Not a trace, a truncated trace, a run with no job: one message each, and nothing compared.
    void whatIsNotARunIsRefused_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("message");
        QTest::newRow("not a trace") << QByteArray(R"({"name": "a scenario"})") << QStringLiteral("not a saved run");
        QTest::newRow("not JSON") << QByteArray("\x00\x01garbage", 9) << QStringLiteral("not a saved run");
        QTest::newRow("truncated") << QByteArray() << QStringLiteral("not a saved run");
        QTest::newRow("empty run") << QByteArray() << QStringLiteral("an empty run");
    }

    void whatIsNotARunIsRefused()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, message);
        const QString good = m_dir.filePath(QStringLiteral("good.json"));
        record(jobs(QStringLiteral("two"), 2, 10, 2), good);
        const QString path = m_dir.filePath(QStringLiteral("bad.json"));
        if (QByteArray(QTest::currentDataTag()) == "truncated") {
            QFile f(good);
            QVERIFY(f.open(QIODevice::ReadOnly));
            bytes = f.readAll();
            bytes.truncate(bytes.size() / 2);
        } else if (QByteArray(QTest::currentDataTag()) == "empty run") {
            restart();
            QVERIFY(m_lab.window->exportTrace(path)); // nothing recorded
            bytes.clear();
            restart();
            play(jobs(QStringLiteral("two"), 2, 10, 2));
        }
        if (!bytes.isEmpty())
            writeFile(path, bytes);
        const QString error = m_lab.window->compareWithFile(path);
        QVERIFY2(error.contains(message), qPrintable(error));
        QVERIFY(!panel()->isComparing());
        QVERIFY(!panel()->isVisible());
    }

    /// Without Twisted, "Run in Twisted too" says how to install it and stays off.
    void runInTwistedSaysHowToInstallTwisted()
    {
        qputenv("QTWISTED_PYTHON", "/bin/false"); // an interpreter that cannot import twisted
        qputenv("QTWISTED_TWISTED_SCRIPT", "/dev/null");
        TwistedRunner runner;
        const QString why = runner.unavailableReason();
        qunsetenv("QTWISTED_PYTHON");
        qunsetenv("QTWISTED_TWISTED_SCRIPT");
        QVERIFY2(why.contains(QStringLiteral("sudo apt-get install python3-twisted")), qPrintable(why));
        QVERIFY(!runner.start(jobs(QStringLiteral("x"), 1, 1, 1)));
    }

    /// With Twisted: the scenario plays in both, and the Twisted run is drawn below qtwisted's.
    void runInTwistedComparesBothRuns()
    {
        TwistedRunner probe;
        const QString why = probe.unavailableReason();
        if (!why.isEmpty())
            QSKIP(qPrintable(QStringLiteral("Twisted cannot run here: ") + why));
        QCOMPARE(m_lab.window->setRunInTwisted(true), QString());
        QVERIFY(m_lab.window->runsInTwisted());
        QSignalSpy twisted(m_lab.window->twistedRunner(), &TwistedRunner::finished);
        play(jobs(QStringLiteral("six on three"), 6, 30, 3));
        QVERIFY(twisted.wait(60000));
        const QString message = twisted.front().at(1).toString();
        QVERIFY2(!twisted.front().at(0).toString().isEmpty(), qPrintable(message));
        QTRY_VERIFY(panel()->isComparing());
        QVERIFY2(panel()->runB().name.contains(QStringLiteral("in Twisted")), qPrintable(panel()->runB().name));
        QCOMPARE(cell(table(), QStringLiteral("jobs"), 1), QStringLiteral("6"));
        QCOMPARE(cell(table(), QStringLiteral("jobs"), 2), QStringLiteral("6"));
        // Twisted ran them on its own threads: B's lanes are Twisted's workers.
        QVERIFY(!panel()->runB().data->lanes().empty());
        for (const WorkerLane& lane : panel()->runB().data->lanes())
            QVERIFY2(!lane.threadName.startsWith(QStringLiteral("PoolThread-qtwisted")), qPrintable(lane.threadName));
    }

    /// Twisted's run is compared with the qtwisted run it was started for, even when another ran meanwhile; a run
    /// that ends while Twisted is busy, and a Launcher run (no scenario), are not played in Twisted, and it says so.
    void theTwistedRunIsComparedWithItsOwnRun()
    {
        TwistedRunner probe;
        const QString why = probe.unavailableReason();
        if (!why.isEmpty())
            QSKIP(qPrintable(QStringLiteral("Twisted cannot run here: ") + why));
        QCOMPARE(m_lab.window->setRunInTwisted(true), QString());
        QSignalSpy twisted(m_lab.window->twistedRunner(), &TwistedRunner::finished);
        play(jobs(QStringLiteral("first"), 4, 300, 2)); // about 0.6 s in Twisted, after its start-up
        QVERIFY(m_lab.window->twistedRunner()->isRunning());
        play(jobs(QStringLiteral("second"), 2, 10, 2)); // ends while Twisted still plays "first"
        QVERIFY2(
            m_lab.window->statusBar()->currentMessage().contains(QStringLiteral("second was not played in Twisted")),
            qPrintable(m_lab.window->statusBar()->currentMessage()));
        QVERIFY(twisted.wait(60000));
        QTRY_VERIFY(panel()->isComparing());
        QCOMPARE(panel()->runA().name, QStringLiteral("first in qtwisted"));
        QCOMPARE(panel()->runB().name, QStringLiteral("first in Twisted"));
        QCOMPARE(cell(table(), QStringLiteral("jobs"), 1), QStringLiteral("4"));
        QCOMPARE(cell(table(), QStringLiteral("jobs"), 2), QStringLiteral("4"));

        // A Launcher run has no scenario to play.
        m_lab.window->findChild<QSpinBox*>(QStringLiteral("countSpin"))->setValue(2);
        m_lab.window->findChild<QSpinBox*>(QStringLiteral("sleepMinSpin"))->setValue(5);
        QSignalSpy finished(m_lab.controller.get(), &LabController::scenarioFinished);
        QTest::mouseClick(m_lab.window->findChild<QPushButton*>(QStringLiteral("queueButton")), Qt::LeftButton);
        QVERIFY(finished.wait(10000));
        QVERIFY(!m_lab.window->twistedRunner()->isRunning());
        QVERIFY2(m_lab.window->statusBar()->currentMessage().contains(QStringLiteral("was not played in Twisted")),
            qPrintable(m_lab.window->statusBar()->currentMessage()));
    }
};

QTEST_MAIN(TestCompare)
#include "tst_compare.moc"
