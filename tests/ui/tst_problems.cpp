// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Thread Lab's diagnostics: the Problems panel (model and widget), the lessons' findings, and the headless CLI's
// summary and --fail-on-problems. Every check is on what a user sees; the thresholds are far from the jobs' lengths.
#include "labtestutil.h"

#include <qtwisted/diagnostics.h>
#include <qtwisted/inspect/labcontroller.h>
#include <qtwisted/inspect/scenario.h>
#include <qtwisted/inspect/traceexport.h>
#include <qtwisted/reactor.h>
#include <qtwisted/ui/mainwindow.h>
#include <qtwisted/ui/problemspanel.h>
#include <qtwisted/ui/timelineview.h>

#include <QFile>
#include <QIcon>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace qtwisted;

namespace {

constexpr std::int64_t kMs = 1'000'000;

TraceEvent findingEvent(TraceEventKind kind, quint64 id, std::int64_t startMs, std::int64_t durationMs,
    DiagnosticRule rule, DiagnosticSeverity severity, const QString& message)
{
    TraceEvent e;
    e.kind = kind;
    e.timeNs = startMs * kMs;
    e.durationNs = durationMs * kMs;
    e.jobId = id;
    e.newMin = static_cast<std::int32_t>(rule);
    e.newMax = static_cast<std::int32_t>(severity);
    e.labelId = TraceStrings::intern(message);
    e.api = ApiKind::CallFromThread;
    return e;
}

} // namespace

class TestProblems : public QObject {
    Q_OBJECT

private:
    labtest::LabWindow m_lab;

    ProblemsPanel* panel() { return m_lab.window->findChild<ProblemsPanel*>(QStringLiteral("problems")); }

    /// Plays a built-in scenario in the window and waits until it finished.
    void play(const QString& name)
    {
        QSignalSpy finished(m_lab.controller.get(), &LabController::scenarioFinished);
        const ScenarioParseResult parsed = loadBuiltinScenario(name);
        QVERIFY2(parsed, qPrintable(parsed.error));
        m_lab.window->runScenario(*parsed.scenario);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
    }

    /// The first finding of `rule` the panel lists, or -1.
    int rowOf(DiagnosticRule rule)
    {
        ProblemsModel* model = panel()->model();
        for (int row = 0; row < model->rowCount(); ++row) {
            if (model->finding(row)->rule == rule)
                return row;
        }
        return -1;
    }

private Q_SLOTS:
    void init() { QVERIFY(m_lab.open()); }

    void cleanup() { m_lab.close(); }

    void modelListsNewestFirstAndKeepsTheSelection()
    {
        ProblemsModel model;
        TraceData data;
        data.setTimeOrigin(0);
        data.append({ findingEvent(TraceEventKind::FindingStarted, 1, 10, 0, DiagnosticRule::ReactorStall,
                          DiagnosticSeverity::Warning, QStringLiteral("stalled")),
            findingEvent(TraceEventKind::FindingEnded, 1, 10, 250, DiagnosticRule::ReactorStall,
                DiagnosticSeverity::Warning, QStringLiteral("stalled")) });
        model.refresh(data, 1000 * kMs);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0, ProblemsModel::RuleColumn).data().toString(), QStringLiteral("reactor stall"));
        QCOMPARE(model.index(0, ProblemsModel::DurationColumn).data().toString(), QStringLiteral("250 ms"));
        QVERIFY(!model.index(0, ProblemsModel::SeverityColumn).data(Qt::DecorationRole).value<QIcon>().isNull());
        QCOMPARE(model.problemCount(), 1);

        QTableView view;
        view.setModel(&model);
        view.setCurrentIndex(model.index(0, 0));

        // A second finding, still going on: it comes first, with a duration that runs to "now".
        data.append({ findingEvent(TraceEventKind::FindingStarted, 2, 2000, 0, DiagnosticRule::QueueWait,
            DiagnosticSeverity::Info, QStringLiteral("waited")) });
        model.refresh(data, 3500 * kMs);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.finding(0)->id, quint64 { 2 });
        QCOMPARE(model.index(0, ProblemsModel::DurationColumn).data().toString(), QStringLiteral("1.50 s, ongoing"));
        QCOMPARE(model.index(0, ProblemsModel::StartedColumn).data().toString(), QStringLiteral("2.00 s"));
        QCOMPARE(model.problemCount(), 1); // an Info finding is not a problem
        QCOMPARE(view.currentIndex().row(), 1); // the selected finding is still the stall
        model.refresh(data, 4500 * kMs);
        QCOMPARE(model.index(0, ProblemsModel::DurationColumn).data().toString(), QStringLiteral("2.50 s, ongoing"));

        data.append({ findingEvent(TraceEventKind::FindingEnded, 2, 2000, 3000, DiagnosticRule::QueueWait,
            DiagnosticSeverity::Info, QStringLiteral("waited")) });
        model.refresh(data, 9000 * kMs);
        QCOMPARE(model.index(0, ProblemsModel::DurationColumn).data().toString(), QStringLiteral("3.00 s"));
    }

    // The bug from the tracker: lesson-reactor-stall recorded no stall finding.
    void stallLessonShowsAStallFinding()
    {
        play(QStringLiteral("lesson-reactor-stall"));
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(DiagnosticRule::ReactorStall) >= 0, 5000);
        const int row = rowOf(DiagnosticRule::ReactorStall);
        QTRY_VERIFY_WITH_TIMEOUT(panel()->model()->finding(row)->endNs != kNoTime, 5000);
        const FindingRecord stall = *panel()->model()->finding(row);
        QVERIFY(stall.severity != DiagnosticSeverity::Info); // a warning, critical from a second on
        QVERIFY(stall.message.contains(QStringLiteral("callFromThread")));
        // The tab says so, and came forward.
        auto* tabs = m_lab.window->findChild<QTabWidget*>(QStringLiteral("bottomTabs"));
        QCOMPARE(tabs->currentWidget(), panel());
        QVERIFY(tabs->tabText(tabs->indexOf(panel())).startsWith(QStringLiteral("Problems (")));

        // Clicking it selects its time range on the timeline.
        auto* timeline = m_lab.window->findChild<TimelineView*>(QStringLiteral("timeline"));
        QVERIFY(!timeline->hasSelectedRange());
        panel()->activateRow(panel()->model()->rowOf(stall.id));
        QVERIFY(timeline->hasSelectedRange());
        QCOMPARE(timeline->statisticsRange(), std::make_pair(stall.startNs, stall.endNs));

        // The calls that stalled the reactor say so in their tooltip; the pool jobs that ran before do not.
        const auto jobs = m_lab.controller->traceData().jobs();
        int reactorCalls = 0;
        for (std::size_t row = 0; row < jobs.size(); ++row) {
            const bool part = timeline->toolTipFor(static_cast<int>(row)).contains(QStringLiteral("reactor stall"));
            if (jobs[row].api == ApiKind::CallFromThread) {
                reactorCalls += part ? 1 : 0;
            } else if (jobs[row].endedNs != kNoTime && jobs[row].endedNs < stall.startNs) {
                QVERIFY(!part);
            }
        }
        QVERIFY(reactorCalls >= 4); // the first call may have ended before the watchdog's 100 ms began
    }

    void remedyButtonRaisesTheMaximum()
    {
        // One worker and jobs of a second: no job starts for far longer than the 500 ms of the starvation rule.
        const ScenarioParseResult parsed = parseScenario(R"({"name": "one worker", "pool": {"min": 0, "max": 1},
            "steps": [{"at": 0, "queue": {"api": "callInThread", "count": 6, "sleepMs": 1000}},
                      {"at": 0, "waitIdle": {}}]})");
        QVERIFY2(parsed, qPrintable(parsed.error));
        m_lab.window->runScenario(*parsed.scenario);
        QPushButton* button = panel()->remedyButton();
        QTRY_VERIFY_WITH_TIMEOUT(panel()->remedyFinding() != nullptr, 10000);
        const int suggested = panel()->remedyFinding()->suggestedMaxThreads;
        QVERIFY(suggested > 1);
        QVERIFY(button->isVisible());
        QCOMPARE(button->text(), QStringLiteral("Raise max to %1").arg(suggested));
        QTest::mouseClick(button, Qt::LeftButton);
        QCOMPARE(m_lab.controller->maxThreads(), suggested);
        QVERIFY(!button->isVisible()); // applied: nothing left to raise
    }

    void exhaustionLessonFinishesAndShowsTheLending()
    {
        play(QStringLiteral("lesson-blocking-exhaustion"));
        QCOMPARE(m_lab.controller->poolStats().failed, quint64 { 0 }); // it finished: nothing deadlocked or failed
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(DiagnosticRule::BlockingExhaustion) >= 0, 5000);
        const FindingRecord* f = panel()->model()->finding(rowOf(DiagnosticRule::BlockingExhaustion));
        QVERIFY2(f->message.contains(QStringLiteral("the pool lends")), qPrintable(f->message));
    }

    void headlessStallLessonFailsOnProblemsAndExportsTheFinding()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString trace = dir.filePath(QStringLiteral("t.json"));
        const labtest::LabRun run = labtest::runLab(
            { QStringLiteral("--headless"), QStringLiteral("--scenario"), QStringLiteral("lesson-reactor-stall"),
                QStringLiteral("--fail-on-problems"), QStringLiteral("--export-trace"), trace });
        QVERIFY2(run.exitCode == 3, qPrintable(run.output));
        QVERIFY2(run.output.contains(QStringLiteral("WARNING reactor stall at ")), qPrintable(run.output));
        QFile file(trace);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const TraceImport back = importChromeTrace(file.readAll());
        QVERIFY2(back.data, qPrintable(back.error));
        bool stall = false;
        for (const FindingRecord& f : back.data->findings())
            stall |= f.rule == DiagnosticRule::ReactorStall;
        QVERIFY(stall);
    }

    void headlessHealthyRunPassesFailOnProblems()
    {
        const labtest::LabRun run = labtest::runLab({ QStringLiteral("--headless"), QStringLiteral("--scenario"),
            QStringLiteral("howto-deferToThread"), QStringLiteral("--fail-on-problems") });
        QVERIFY2(run.exitCode == 0, qPrintable(run.output));
        QVERIFY2(run.output.contains(QStringLiteral("findings: 0")), qPrintable(run.output));
        // Without the flag a run with problems still exits 0.
        const labtest::LabRun stall = labtest::runLab(
            { QStringLiteral("--headless"), QStringLiteral("--scenario"), QStringLiteral("lesson-reactor-stall") });
        QVERIFY2(stall.exitCode == 0, qPrintable(stall.output));
    }
};

QTEST_MAIN(TestProblems)
#include "tst_problems.moc"
