// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "labtestutil.h"

#include <qtwisted/inspect/jobtablemodel.h>
#include <qtwisted/inspect/labcontroller.h>
#include <qtwisted/inspect/tracedata.h>
#include <qtwisted/reactor.h>
#include <qtwisted/trace.h>
#include <qtwisted/ui/mainwindow.h>
#include <qtwisted/ui/timelineview.h>
#include <qtwisted/ui/tracefiletasks.h>

#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QProgressDialog>
#include <QPushButton>
#include <QRegularExpression>
#include <QScreen>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTextLayout>
#include <QTimer>

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

using namespace qtwisted;

class TestThreadLab : public QObject {
    Q_OBJECT

private:
    labtest::LabWindow m_lab;

    template <class T>
    T* find(const char* name)
    {
        auto* w = m_lab.window->findChild<T*>(QString::fromLatin1(name));
        if (!w)
            qWarning("no widget named %s", name);
        return w;
    }
    QString logText() { return find<QPlainTextEdit>("log")->toPlainText(); }

    /// Queues `count` jobs of `ms` through the launcher and waits until all have completed.
    void queueAndWait(int count, int ms, const char* api = "callInThread")
    {
        const quint64 before = m_lab.controller->poolStats().completed;
        find<QComboBox>("apiCombo")->setCurrentText(QString::fromLatin1(api));
        find<QSpinBox>("countSpin")->setValue(count);
        find<QSpinBox>("sleepMinSpin")->setValue(ms);
        QTest::mouseClick(find<QPushButton>("queueButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(m_lab.controller->poolStats().completed, before + static_cast<quint64>(count), 10000);
        m_lab.controller->drain();
    }

    /// Records 5 jobs and writes their trace (blocking) to `path`.
    void writeTraceOfFiveJobs(const QString& path)
    {
        queueAndWait(5, 10);
        QVERIFY(m_lab.window->exportTrace(path));
    }

    /// Pixels of exactly `color` in the timeline as it is drawn now.
    int pixelsOf(QColor color)
    {
        const QImage image = find<TimelineView>("timeline")->grab().toImage().convertToFormat(QImage::Format_RGB32);
        int n = 0;
        for (int y = 0; y < image.height(); ++y) {
            const auto* line = reinterpret_cast<const QRgb*>(image.constScanLine(y));
            n += static_cast<int>(std::count(line, line + image.width(), color.rgb()));
        }
        return n;
    }

private Q_SLOTS:
    void init() { QVERIFY(m_lab.open()); }

    void cleanup() { m_lab.close(); }

    void everyInteractiveWidgetIsNamed()
    {
        for (const char* name :
            { "apiCombo", "countSpin", "sleepMinSpin", "sleepRandomCheck", "sleepMaxSpin", "failureRateSpin",
                "labelEdit", "queueButton", "maxThreadsSpin", "maxThreadsSlider", "minThreadsSpin", "spareThreadsSpin",
                "pauseButton", "jobTable", "log", "timeline", "recipeList", "runRecipeButton", "nowButton",
                "pauseViewButton", "zoomBackButton", "stopReactorButton", "rangeStatsTable", "rangeSummary" })
            QVERIFY2(m_lab.window->findChild<QWidget*>(QString::fromLatin1(name)), name);
    }

    void launcherQueuesJobs()
    {
        find<QSpinBox>("countSpin")->setValue(4);
        find<QSpinBox>("sleepMinSpin")->setValue(20);
        QTest::mouseClick(find<QPushButton>("queueButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(m_lab.controller->poolStats().completed, quint64 { 4 }, 10000);
        QTRY_COMPARE(find<QTableView>("jobTable")->model()->rowCount(), 4);
        QTRY_VERIFY(logText().contains(QStringLiteral("job 4 done after 20 ms")));
        QVERIFY(logText().contains(QStringLiteral("PoolThread-qtwisted.reactor-")));
    }

    void blockingCallFromThreadNeverBlocksTheGui()
    {
        find<QComboBox>("apiCombo")->setCurrentText(QStringLiteral("blockingCallFromThread"));
        find<QSpinBox>("countSpin")->setValue(2);
        find<QSpinBox>("sleepMinSpin")->setValue(300);
        QTest::mouseClick(find<QPushButton>("queueButton"), Qt::LeftButton);
        // The click returned while the workers wait on the reactor (their answers come from a 300 ms callLater that
        // only the GUI thread's loop can run; had the click waited for them, it would never have returned).
        QVERIFY(!logText().contains(QStringLiteral("done after")));
        // And the GUI goes on serving events while they wait: a timer queued now runs before either answer.
        bool ran = false;
        bool ranBeforeTheAnswers = false;
        QTimer::singleShot(0, this, [&] {
            ran = true;
            ranBeforeTheAnswers = !logText().contains(QStringLiteral("done after"));
        });
        QTRY_VERIFY(ran);
        QVERIFY(ranBeforeTheAnswers);
        QTRY_VERIFY_WITH_TIMEOUT(logText().contains(QStringLiteral("job 2 done after 300 ms")), 10000);
    }

    void poolSpinBoxResizesLive()
    {
        auto* spin = find<QSpinBox>("maxThreadsSpin");
        spin->setValue(3);
        QCOMPARE(m_lab.reactor->getThreadPool().maxThreads(), 3);
        QCOMPARE(find<QSlider>("maxThreadsSlider")->value(), 3);
        find<QSlider>("maxThreadsSlider")->setValue(7);
        QCOMPARE(m_lab.reactor->getThreadPool().maxThreads(), 7);
        QCOMPARE(spin->value(), 7);

        // Typing "16" resizes once, on Enter: never to 1 on the way.
        spin->setFocus();
        spin->selectAll();
        QTest::keyClicks(spin, QStringLiteral("16"));
        QCOMPARE(m_lab.reactor->getThreadPool().maxThreads(), 7);
        QTest::keyClick(spin, Qt::Key_Return);
        QCOMPARE(m_lab.reactor->getThreadPool().maxThreads(), 16);
        spin->setValue(7);

        auto* pause = find<QPushButton>("pauseButton");
        QTest::mouseClick(pause, Qt::LeftButton);
        QCOMPARE(m_lab.reactor->getThreadPool().maxThreads(), 0);
        QTest::mouseClick(pause, Qt::LeftButton);
        QCOMPARE(m_lab.reactor->getThreadPool().maxThreads(), 7);

        find<QSpinBox>("minThreadsSpin")->setValue(2);
        QCOMPARE(m_lab.reactor->getThreadPool().minThreads(), 2);
    }

    void spareThreadsAreParkedAndShown()
    {
        auto* spin = find<QSpinBox>("spareThreadsSpin");
        QCOMPARE(spin->value(), 0);
        spin->setValue(3);
        ThreadPool& pool = m_lab.reactor->getThreadPool();
        QCOMPARE(pool.spareThreads(), 3);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().spare, 3, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(
            find<QLabel>("poolStats")->text().contains(QRegularExpression(QStringLiteral("spare +3"))), 10000);
        // A resize takes them: with the pool paused, the jobs wait; resuming with 3 more threads starts them all, the 3
        // extra workers on parked threads, and new spares are parked again.
        const int max = pool.maxThreads();
        auto* pause = find<QPushButton>("pauseButton");
        QTest::mouseClick(pause, Qt::LeftButton);
        find<QSpinBox>("countSpin")->setValue(max + 3);
        find<QSpinBox>("sleepMinSpin")->setValue(1500);
        QTest::mouseClick(find<QPushButton>("queueButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().backlog, max + 3, 10000);
        find<QSpinBox>("maxThreadsSpin")->setValue(max + 3); // resumes with the new maximum
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().busy, max + 3, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().spare, 3, 10000);
        // Set elsewhere (a script, the API): the box follows.
        pool.setSpareThreads(1);
        QTRY_COMPARE_WITH_TIMEOUT(spin->value(), 1, 10000);
        spin->setValue(0);
        QCOMPARE(pool.stats().spare, 0);
        QTRY_COMPARE_WITH_TIMEOUT(pool.stats().completed, quint64(max + 3), 10000);
    }

    void runsARecipeIntoTheLog()
    {
        auto* list = find<QListWidget>("recipeList");
        const auto items = list->findItems(QStringLiteral("howto-deferToThread"), Qt::MatchExactly);
        QCOMPARE(items.size(), 1);
        list->setCurrentItem(items.front());
        QVERIFY(find<QPlainTextEdit>("pythonSource")->toPlainText().contains(QStringLiteral("deferToThread")));
        QVERIFY(find<QPlainTextEdit>("cppSource")->toPlainText().contains(QStringLiteral("deferToThread")));
        QTest::mouseClick(find<QPushButton>("runRecipeButton"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(logText().contains(QRegularExpression(
                                     QStringLiteral("MainThread +3$"), QRegularExpression::MultilineOption)),
            10000);
    }

    void blockingRecipeLeavesTheReactorRunning()
    {
        QSignalSpy finished(m_lab.controller.get(), &LabController::scenarioFinished);
        auto* list = find<QListWidget>("recipeList");
        list->setCurrentItem(list->findItems(QStringLiteral("howto-blockingCallFromThread"), Qt::MatchExactly).front());
        QTest::mouseClick(find<QPushButton>("runRecipeButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QVERIFY(logText().contains(QStringLiteral("<html>the page at http://twistedmatrix.com/</html>")));
        QVERIFY(m_lab.reactor->isRunning());
    }

    void clickingAJobSelectsItsRow()
    {
        find<QSpinBox>("countSpin")->setValue(2);
        find<QSpinBox>("sleepMinSpin")->setValue(400);
        QTest::mouseClick(find<QPushButton>("queueButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(m_lab.controller->poolStats().completed, quint64 { 2 }, 10000);
        auto* timeline = find<TimelineView>("timeline");
        timeline->setSpanSeconds(2.0);
        timeline->setFollowing(false); // the clock must not move the job away between the search and the click
        QPoint hit(-1, -1);
        int row = -1;
        for (int y = 0; y < timeline->height() && row < 0; y += 3)
            for (int x = 0; x < timeline->width() && row < 0; x += 3)
                if ((row = timeline->jobAt({ x, y })) >= 0)
                    hit = { x, y };
        QVERIFY(row >= 0);
        QCOMPARE(timeline->jobAt(hit), row);
        QTest::mouseClick(timeline, Qt::LeftButton, {}, hit);
        const QModelIndex current = find<QTableView>("jobTable")->selectionModel()->currentIndex();
        QVERIFY(current.isValid());
        QCOMPARE(current.data(JobTableModel::JobRowRole).toInt(), row);
    }

    void exportedTracePassesTheValidator()
    {
        QVERIFY2(!QStandardPaths::findExecutable(QStringLiteral("python3")).isEmpty(), "python3 is needed");
        find<QSpinBox>("countSpin")->setValue(5);
        find<QSpinBox>("sleepMinSpin")->setValue(10);
        QTest::mouseClick(find<QPushButton>("queueButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(m_lab.controller->poolStats().completed, quint64 { 5 }, 10000);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("trace.json"));
        QVERIFY(m_lab.window->exportTrace(path));
        QProcess python;
        python.start(QStringLiteral("python3"), { QStringLiteral(QTWISTED_CHECK_TRACE), path });
        QVERIFY(python.waitForFinished(60000));
        const QString output = QString::fromUtf8(python.readAllStandardOutput() + python.readAllStandardError());
        QVERIFY2(
            python.exitCode() == 0 && output.contains(QStringLiteral(" 0 errors, 0 warnings")), qPrintable(output));

        // And it opens back, read-only.
        QCOMPARE(m_lab.window->openTrace(path), QString());
        QVERIFY(!m_lab.controller->isLive());
        QVERIFY(!find<QPushButton>("queueButton")->isEnabled());
        QCOMPARE(find<QTableView>("jobTable")->model()->rowCount(), 5);
    }

    void rejectsBadInput()
    {
        LaunchRequest bad;
        bad.count = 0;
        QVERIFY(!m_lab.controller->queueJobs(bad).isEmpty());
        bad = {};
        bad.sleepMinMs = 50;
        bad.sleepMaxMs = 10;
        QVERIFY(!m_lab.controller->queueJobs(bad).isEmpty());
        bad = {};
        bad.api = ApiKind::CallFromThread;
        bad.sleepMinMs = bad.sleepMaxMs = 6000;
        QVERIFY(!m_lab.controller->queueJobs(bad).isEmpty());
        QCOMPARE(m_lab.controller->activeRuns(), 0);

        auto* spin = find<QSpinBox>("maxThreadsSpin");
        spin->setValue(-4); // clamped by the spin box: never passed to the core
        QVERIFY(m_lab.reactor->getThreadPool().maxThreads() >= 1);

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("bad.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"name": "x", "steps": [{"at": 0, "queue": {"api": "callInThread", "count": -1}}]})");
        file.close();
        const QString error = m_lab.window->loadScenario(path);
        QVERIFY2(error.contains(QStringLiteral("$.steps[0].queue.count")), qPrintable(error));
        QVERIFY(!m_lab.window->openTrace(path).isEmpty());
        QVERIFY(m_lab.controller->isLive());
        QVERIFY(!m_lab.window->loadScenario(dir.filePath(QStringLiteral("missing.json"))).isEmpty());
    }

    void jobLabelsCarryOneId()
    {
        queueAndWait(2, 20);
        const auto jobs = m_lab.controller->traceData().jobs();
        QCOMPARE(jobs.size(), std::size_t { 2 });
        // The timeline draws "#<id> <label>": the label itself must not carry a second number.
        for (const JobRecord& job : jobs)
            QCOMPARE(TraceStrings::text(job.labelId), QStringLiteral("sleep 20 ms"));
    }

    /// Hovering a worker lane's header tells its full thread name (the header itself shows "worker <n>").
    void laneHeaderTooltipIsTheFullThreadName()
    {
        queueAndWait(1, 5);
        auto* view = m_lab.window->findChild<TimelineView*>(QStringLiteral("timeline"));
        QVERIFY(view);
        QString name;
        for (int y = 0; y < view->height() && name.isEmpty(); y += 2)
            name = view->laneNameAt(QPoint(10, y));
        QVERIFY2(name.startsWith(QStringLiteral("PoolThread-qtwisted.reactor-")), qPrintable(name));
        QVERIFY(view->laneNameAt(QPoint(view->width() - 5, view->height() / 2)).isEmpty()); // not a header
    }

    void stallLessonRecordsAStall()
    {
        QSignalSpy finished(m_lab.controller.get(), &LabController::scenarioFinished);
        auto* list = find<QListWidget>("recipeList");
        list->setCurrentItem(list->findItems(QStringLiteral("lesson-reactor-stall"), Qt::MatchExactly).front());
        QTest::mouseClick(find<QPushButton>("runRecipeButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        m_lab.controller->drain();
        // Five 200 ms calls on the reactor thread: one stall of about a second in the reactor lane.
        std::int64_t longest = 0;
        for (const Interval& iv : m_lab.controller->traceData().reactor().stalls.all())
            longest = std::max(longest, iv.endNs - iv.startNs);
        QVERIFY2(longest >= 900'000'000, qPrintable(QString::number(longest)));
    }

    /// When a scenario ends the view fits its run (instead of a 10 s window with the run squeezed into its first
    /// second); Now follows again, and Fit shows the whole recording.
    void theViewFitsARunWhenItEnds()
    {
        QSignalSpy finished(m_lab.controller.get(), &LabController::scenarioFinished);
        auto* list = find<QListWidget>("recipeList");
        list->setCurrentItem(list->findItems(QStringLiteral("lesson-reactor-stall"), Qt::MatchExactly).front());
        QTest::mouseClick(find<QPushButton>("runRecipeButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        auto* view = find<TimelineView>("timeline");
        auto coversEveryJob = [&] {
            m_lab.controller->drain();
            const auto jobs = m_lab.controller->traceData().jobs();
            if (jobs.empty())
                return false;
            for (const JobRecord& job : jobs) {
                if (job.queuedNs < view->visibleStartNs() || job.endedNs > view->visibleEndNs())
                    return false;
            }
            return true;
        };
        QVERIFY(!view->isFollowing());
        QVERIFY(coversEveryJob());
        const double span = static_cast<double>(view->visibleEndNs() - view->visibleStartNs()) / 1e9;
        QVERIFY2(span < 3.0, qPrintable(QString::number(span))); // the run lasts about 1.5 s: fitted, not 10 s
        QVERIFY(find<QPushButton>("zoomBackButton")->isEnabled());

        QTest::mouseClick(find<QPushButton>("nowButton"), Qt::LeftButton);
        QVERIFY(view->isFollowing());
        QTest::mouseClick(find<QPushButton>("fitButton"), Qt::LeftButton);
        QVERIFY(!view->isFollowing());
        QVERIFY(coversEveryJob());
    }

    /// The Recipes list selects whatever scenario runs, however it was started.
    void recipeSelectionFollowsWhatRuns()
    {
        auto* list = find<QListWidget>("recipeList");
        QCOMPARE(list->currentItem()->text(), list->item(0)->text());
        QSignalSpy finished(m_lab.controller.get(), &LabController::scenarioFinished);
        const ScenarioParseResult parsed = loadBuiltinScenario(QStringLiteral("howto-callFromThread"));
        QVERIFY(parsed);
        m_lab.window->runScenario(*parsed.scenario); // as the command line does: not through the list
        QCOMPARE(list->currentItem()->text(), QStringLiteral("howto-callFromThread"));
        QVERIFY(find<QPlainTextEdit>("pythonSource")->toPlainText().contains(QStringLiteral("callFromThread")));
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    }

    /// A recipe's Python and C++ are highlighted, and "Side by side…" gives them a window of their own, wide
    /// enough to read both without scrolling sideways.
    void recipeSourcesHaveRoomAndColour()
    {
        auto* list = find<QListWidget>("recipeList");
        list->setCurrentItem(list->findItems(QStringLiteral("howto-deferToThread"), Qt::MatchExactly).front());
        auto formatsOf = [](QPlainTextEdit* edit, const QString& word) {
            for (QTextBlock b = edit->document()->begin(); b.isValid(); b = b.next()) {
                const qsizetype at = b.text().indexOf(word);
                if (at < 0)
                    continue;
                for (const QTextLayout::FormatRange& r : b.layout()->formats()) {
                    if (r.start <= at && at < r.start + r.length)
                        return r.format;
                }
                return QTextCharFormat();
            }
            return QTextCharFormat();
        };
        auto* python = find<QPlainTextEdit>("pythonSource");
        QTRY_VERIFY(formatsOf(python, QStringLiteral("def ")).fontWeight() == QFont::Bold);
        QVERIFY(formatsOf(python, QStringLiteral("deferToThread")).foreground().color().isValid());
        QVERIFY(formatsOf(find<QPlainTextEdit>("cppSource"), QStringLiteral("deferToThread"))
                    .foreground()
                    .color()
                    .isValid());

        QTest::mouseClick(find<QPushButton>("recipeSideBySideButton"), Qt::LeftButton);
        QDialog* dialog = nullptr;
        QTRY_VERIFY((dialog = m_lab.window->findChild<QDialog*>(QStringLiteral("recipeSourcesDialog"))));
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        auto* left = dialog->findChild<QPlainTextEdit*>(QStringLiteral("sideBySidePython"));
        auto* right = dialog->findChild<QPlainTextEdit*>(QStringLiteral("sideBySideCpp"));
        QVERIFY(left && right);
        QCOMPARE(left->toPlainText(), python->toPlainText());
        // As wide as both need, where the screen allows (CTest's offscreen screen is small; Xvfb's 1500 px is not).
        const int screenWidth = dialog->screen()->availableGeometry().width();
        QVERIFY(dialog->width() >= std::min(800, screenWidth * 9 / 10));
        if (screenWidth >= 1400) {
            QVERIFY2(!left->horizontalScrollBar()->isVisible(), "the Python needs no sideways scrolling");
            QVERIFY2(!right->horizontalScrollBar()->isVisible(), "the C++ needs no sideways scrolling");
        }
        if (qEnvironmentVariableIsSet("QTWISTED_SHOTS"))
            dialog->grab().save(qEnvironmentVariable("QTWISTED_SHOTS") + QStringLiteral("/side-by-side.png"));
        dialog->close();
    }

    void rangeStatisticsFollowTheSelectedRange()
    {
        // The reactor's pool pre-starts its minimum; lowering the maximum to 2 retires the rest, each when its
        // thread gets to it. Wait until they are all gone, so that only the two remaining workers overlap the jobs.
        const int started = m_lab.controller->minThreads();
        QVERIFY(started > 2);
        find<QSpinBox>("maxThreadsSpin")->setValue(2);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                m_lab.controller->drain();
                const auto lanes = m_lab.controller->traceData().lanes();
                const auto retired = std::count_if(
                    lanes.begin(), lanes.end(), [](const WorkerLane& lane) { return lane.retiredNs != kNoTime; });
                return std::ssize(lanes) == started && retired == started - 2;
            }(),
            5000);
        queueAndWait(4, 100);
        const TraceData& data = m_lab.controller->traceData();
        std::int64_t t0 = data.jobs().front().queuedNs;
        std::int64_t t1 = 0;
        for (const JobRecord& job : data.jobs()) {
            t0 = std::min(t0, job.queuedNs);
            t1 = std::max(t1, job.endedNs);
        }
        auto* timeline = find<TimelineView>("timeline");
        timeline->setSelectedRange(t0, t1 + 1);
        const QString summary = find<QLabel>("rangeSummary")->text();
        QVERIFY2(summary.contains(QStringLiteral("Selected range")), qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral("(4 ended)")), qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral("wait: mean")), qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral("run: mean")), qPrintable(summary));
        const QAbstractItemModel* table = find<QTableView>("rangeStatsTable")->model();
        QCOMPARE(table->rowCount(), 2);
        auto text = [table](int row, int column) { return table->index(row, column).data().toString(); };
        int ended = 0;
        for (int row = 0; row < table->rowCount(); ++row) {
            QVERIFY(text(row, 0).startsWith(QStringLiteral("PoolThread-")));
            // Two workers, 2 × 100 ms each over the ~200 ms the jobs took: well above half busy.
            QVERIFY2(text(row, 1).toDouble() > 50.0, qPrintable(text(row, 1)));
            ended += text(row, 2).toInt();
        }
        QCOMPARE(ended, 4);

        // Cleared: the visible range again.
        timeline->clearSelectedRange();
        QVERIFY(find<QLabel>("rangeSummary")->text().contains(QStringLiteral("Visible range")));
    }

    void dragSelectZoomsAndZoomBackRestores()
    {
        auto* timeline = find<TimelineView>("timeline");
        auto* back = find<QPushButton>("zoomBackButton");
        QVERIFY(!back->isEnabled());
        QVERIFY(timeline->isFollowing());
        const double span = timeline->spanSeconds();
        const int y = timeline->height() / 2;
        const int x0 = timeline->width() / 2;
        QTest::mousePress(timeline, Qt::RightButton, {}, { x0, y });
        QTest::mouseMove(timeline, { x0 + 40, y });
        QTest::mouseMove(timeline, { x0 + 100, y });
        QTest::mouseRelease(timeline, Qt::RightButton, {}, { x0 + 100, y });
        QVERIFY(timeline->hasSelectedRange());
        QVERIFY(!timeline->isFollowing());
        QVERIFY2(timeline->spanSeconds() < span / 4, qPrintable(QString::number(timeline->spanSeconds())));
        QVERIFY(back->isEnabled());
        QTest::mouseClick(back, Qt::LeftButton);
        QCOMPARE(timeline->spanSeconds(), span);
        QVERIFY(timeline->isFollowing());
        QVERIFY(!timeline->hasSelectedRange());
        QVERIFY(!back->isEnabled());

        // Shift+left drag selects too.
        QTest::mousePress(timeline, Qt::LeftButton, Qt::ShiftModifier, { x0, y });
        QTest::mouseMove(timeline, { x0 + 60, y });
        QTest::mouseRelease(timeline, Qt::LeftButton, Qt::ShiftModifier, { x0 + 60, y });
        QVERIFY(timeline->hasSelectedRange());
        QVERIFY(timeline->zoomBack());
    }

    void pauseViewFreezesTheViewWhileRecordingGoesOn()
    {
        auto* timeline = find<TimelineView>("timeline");
        auto* pauseView = find<QPushButton>("pauseViewButton");
        find<QSpinBox>("countSpin")->setValue(6);
        find<QSpinBox>("sleepMinSpin")->setValue(150);
        QTest::mouseClick(find<QPushButton>("queueButton"), Qt::LeftButton);
        auto started = [this] {
            m_lab.controller->drain();
            const auto jobs = m_lab.controller->traceData().jobs();
            return std::count_if(jobs.begin(), jobs.end(), [](const JobRecord& j) { return j.startedNs != kNoTime; });
        };
        QTRY_COMPARE_WITH_TIMEOUT(started(), 6, 5000); // all running (the pool has 10 threads), none finished
        QTest::mouseClick(pauseView, Qt::LeftButton);
        QVERIFY(timeline->isViewPaused());
        QVERIFY(!timeline->isFollowing());
        const QImage frozen = timeline->grab().toImage();
        const std::size_t jobsBefore = m_lab.controller->traceData().jobs().size();
        const quint64 endedBefore = m_lab.controller->poolStats().completed;
        QTRY_COMPARE_WITH_TIMEOUT(m_lab.controller->poolStats().completed, quint64 { 6 }, 10000);
        m_lab.controller->drain();
        QVERIFY(m_lab.controller->poolStats().completed > endedBefore);
        QVERIFY(m_lab.controller->traceData().jobs().size() >= jobsBefore); // still recording
        const QImage later = timeline->grab().toImage();
        if (later != frozen) {
            frozen.save(QDir::temp().filePath(QStringLiteral("tst_threadlab_frozen.png")));
            later.save(QDir::temp().filePath(QStringLiteral("tst_threadlab_later.png")));
        }
        QVERIFY2(later == frozen, "the paused view changed (images in the temp directory)");
        QTest::mouseClick(pauseView, Qt::LeftButton);
        QVERIFY(!timeline->isViewPaused());
        QVERIFY(timeline->isFollowing());
    }

    void clickingAJobHighlightsAllItsPieces()
    {
        const QColor highlight(0xd8, 0x1b, 0x60);
        queueAndWait(1, 300, "deferToThread");
        // The callback runs on the reactor after the job counts as completed.
        QTRY_VERIFY(
            (m_lab.controller->drain(), m_lab.controller->traceData().jobs().front().callbackStartNs != kNoTime));
        auto* timeline = find<TimelineView>("timeline");
        timeline->setSpanSeconds(2.0);
        timeline->setFollowing(false);
        QCOMPARE(pixelsOf(highlight), 0);
        timeline->setSelectedRow(0);
        QVERIFY(pixelsOf(highlight) > 20);
    }

    /// Level of detail: thousands of jobs far narrower than a pixel fold into blocks, yet every lane that ran jobs
    /// still shows job-coloured pixels, and a lone job of 20 µs in a 10 s view still gets its pixel column.
    void reactorCallFloodDrawsWithoutHolesAndKeepsALoneCall()
    {
        // 14 000 calls of 10 µs every 0.5 ms for 7 s, then one lone call at 9 s: the reactor lane folds the flood
        // into pixel columns (bench_guilateness), and must neither leave holes in it nor lose the lone call.
        constexpr std::int64_t kOrigin = 1'000'000'000'000;
        constexpr std::int64_t kUs = 1'000;
        std::vector<TraceEvent> events;
        auto call = [&](std::uint64_t id, std::int64_t t) {
            TraceEvent e;
            e.api = ApiKind::CallFromThread;
            e.jobId = id;
            e.kind = TraceEventKind::JobQueued;
            e.timeNs = t;
            events.push_back(e);
            e.kind = TraceEventKind::JobStarted;
            events.push_back(e);
            e.kind = TraceEventKind::JobFinished;
            e.timeNs = t + 10 * kUs;
            e.durationNs = 10 * kUs;
            events.push_back(e);
        };
        std::uint64_t id = 1;
        for (int i = 0; i < 14'000; ++i, ++id)
            call(id, kOrigin + i * 500 * kUs);
        call(id, kOrigin + 9'000'000 * kUs);
        TraceData data;
        data.setTimeOrigin(kOrigin);
        data.append(events);
        QCOMPARE(data.reactor().calls.all().size(), std::size_t { 14'001 });

        TimelineView view;
        view.resize(800, 300);
        view.setTraceData(&data, false);
        const QImage image = view.grab().toImage().convertToFormat(QImage::Format_RGB32);
        // Only reactor calls are in this trace: every pixel column showing the finished colour is theirs.
        const QRgb finished = QColor(0x42, 0xa5, 0xf5).rgb();
        std::vector<bool> coloured(static_cast<std::size_t>(image.width()), false);
        for (int y = 0; y < image.height(); ++y) {
            const auto* line = reinterpret_cast<const QRgb*>(image.constScanLine(y));
            for (int x = 0; x < image.width(); ++x)
                coloured[static_cast<std::size_t>(x)] = coloured[static_cast<std::size_t>(x)] || line[x] == finished;
        }
        std::vector<std::pair<int, int>> runs; // [first, last] columns
        for (int x = 0; x < image.width(); ++x) {
            if (!coloured[static_cast<std::size_t>(x)])
                continue;
            if (!runs.empty() && runs.back().second == x - 1)
                runs.back().second = x;
            else
                runs.emplace_back(x, x);
        }
        QCOMPARE(runs.size(), std::size_t { 2 }); // the flood without a hole, and the lone call
        QVERIFY2(runs[0].second - runs[0].first > 200, qPrintable(QString::number(runs[0].second - runs[0].first)));
        QVERIFY(runs[1].second - runs[1].first < 5);
        QVERIFY(runs[1].first - runs[0].second > 50); // the 2 s gap
    }

    void jobsNarrowerThanAPixelStayVisible()
    {
        constexpr std::int64_t kOrigin = 1'000'000'000'000;
        constexpr std::int64_t kMs = 1'000'000;
        constexpr int kBusyLanes = 6;
        const std::uint32_t pool = TraceStrings::intern(QStringLiteral("lod"));
        std::vector<TraceEvent> events;
        auto add = [&](TraceEventKind kind, std::int64_t t, std::uint64_t job, std::int32_t worker,
                       std::int64_t duration = 0) {
            TraceEvent e;
            e.kind = kind;
            e.timeNs = t;
            e.jobId = job;
            e.worker = worker;
            e.poolId = pool;
            e.durationNs = duration;
            events.push_back(e);
        };
        for (int w = 0; w <= kBusyLanes; ++w)
            add(TraceEventKind::WorkerCreated, kOrigin, 0, w);
        std::uint64_t id = 1;
        for (int w = 0; w < kBusyLanes; ++w) {
            for (int j = 0; j < 2000; ++j, ++id) { // 100 µs every 5 ms: 2000 jobs on ~400 px
                const std::int64_t t = kOrigin + (5 * j + w) * kMs;
                add(TraceEventKind::JobQueued, t, id, -1);
                add(TraceEventKind::JobStarted, t, id, w);
                add(TraceEventKind::JobFinished, t + kMs / 10, id, w, kMs / 10);
            }
        }
        const std::int64_t loneAt = kOrigin + 5000 * kMs;
        add(TraceEventKind::JobQueued, loneAt, id, -1);
        add(TraceEventKind::JobStarted, loneAt, id, kBusyLanes);
        add(TraceEventKind::JobFinished, loneAt + kMs / 50, id, kBusyLanes, kMs / 50);
        std::stable_sort(
            events.begin(), events.end(), [](const TraceEvent& a, const TraceEvent& b) { return a.timeNs < b.timeNs; });
        TraceData data;
        data.setTimeOrigin(kOrigin);
        data.append(events);
        QCOMPARE(data.lanes().size(), std::size_t(kBusyLanes + 1));

        TimelineView view;
        view.resize(600, 300);
        view.setTraceData(&data, false);
        const QImage image = view.grab().toImage().convertToFormat(QImage::Format_RGB32);
        // Which lane each row of pixels belongs to, as the view itself hit-tests it.
        std::vector<std::int32_t> laneOfRow(static_cast<std::size_t>(image.height()), -1);
        for (int y = 0; y < image.height(); ++y) {
            for (int x = 0; x < image.width() && laneOfRow[static_cast<std::size_t>(y)] < 0; x += 2) {
                const int row = view.jobAt({ x, y });
                if (row >= 0)
                    laneOfRow[static_cast<std::size_t>(y)] = data.jobs()[static_cast<std::size_t>(row)].lane;
            }
        }
        const QColor finished(0x42, 0xa5, 0xf5);
        const std::array<QRgb, 3> jobColours { finished.rgb(), finished.darker(130).rgb(),
            QColor(0x3f, 0x51, 0xb5).rgb() };
        std::vector<int> jobPixels(data.lanes().size(), 0);
        for (int y = 0; y < image.height(); ++y) {
            const std::int32_t lane = laneOfRow[static_cast<std::size_t>(y)];
            if (lane < 0)
                continue;
            const auto* line = reinterpret_cast<const QRgb*>(image.constScanLine(y));
            for (int x = 0; x < image.width(); ++x)
                if (std::find(jobColours.begin(), jobColours.end(), line[x]) != jobColours.end())
                    ++jobPixels[static_cast<std::size_t>(lane)];
        }
        for (std::size_t lane = 0; lane < jobPixels.size(); ++lane)
            QVERIFY2(jobPixels[lane] >= (lane < kBusyLanes ? 100 : 3),
                qPrintable(QStringLiteral("lane %1: %2 job-coloured pixels").arg(lane).arg(jobPixels[lane])));
    }

    void lanesAreOrderedByWorkerIndex()
    {
        find<QSpinBox>("maxThreadsSpin")->setValue(4);
        queueAndWait(8, 30);
        const auto order = find<TimelineView>("timeline")->laneOrder();
        const auto lanes = m_lab.controller->traceData().lanes();
        QCOMPARE(order.size(), lanes.size());
        QVERIFY(order.size() >= 2);
        for (std::size_t i = 1; i < order.size(); ++i)
            QVERIFY(lanes[static_cast<std::size_t>(order[i - 1])].worker
                <= lanes[static_cast<std::size_t>(order[i])].worker);
    }

    void rangeStatisticsRowsFollowTheTimelineLanes()
    {
        find<QSpinBox>("maxThreadsSpin")->setValue(4);
        queueAndWait(8, 30);
        m_lab.window->refreshRangeStatistics();
        const auto order = find<TimelineView>("timeline")->laneOrder();
        const auto dataOrder = m_lab.controller->traceData().laneOrder();
        QCOMPARE(order, std::vector<std::int32_t>(dataOrder.begin(), dataOrder.end()));
        const QAbstractItemModel* table = find<QTableView>("rangeStatsTable")->model();
        QVERIFY(table->rowCount() >= 2);
        const auto lanes = m_lab.controller->traceData().lanes();
        // The table shows the lanes alive in the range, in the timeline's order.
        std::size_t at = 0;
        for (int row = 0; row < table->rowCount(); ++row) {
            const QString name = table->index(row, 0).data().toString();
            while (at < order.size() && lanes[static_cast<std::size_t>(order[at])].threadName != name)
                ++at;
            QVERIFY2(at < order.size(), qPrintable(name));
            ++at;
        }
    }

    void openInTheBackgroundShowsItsJobs()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("trace.json"));
        writeTraceOfFiveJobs(path);
        queueAndWait(3, 10); // the live recording now has 8 jobs
        QCOMPARE(find<QTableView>("jobTable")->model()->rowCount(), 8);
        QVERIFY(m_lab.window->openTraceInBackground(path));
        QVERIFY(m_lab.window->fileTasks()->isRunning());
        QVERIFY(!m_lab.window->openTraceInBackground(path)); // one at a time
        QTRY_VERIFY_WITH_TIMEOUT(!m_lab.window->fileTasks()->isRunning(), 10000);
        QVERIFY(!m_lab.controller->isLive());
        QCOMPARE(find<QTableView>("jobTable")->model()->rowCount(), 5);
        QVERIFY(!find<QPushButton>("queueButton")->isEnabled());
        QVERIFY(!m_lab.window->findChild<QProgressDialog*>(QStringLiteral("fileProgress"))
            || !m_lab.window->findChild<QProgressDialog*>(QStringLiteral("fileProgress"))->isVisible());

        // A broken file: an error, and the trace shown stays.
        const QString broken = dir.filePath(QStringLiteral("broken.json"));
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"traceEvents\": [");
        file.close();
        QVERIFY(m_lab.window->openTraceInBackground(broken));
        QMessageBox* box = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((box = m_lab.window->findChild<QMessageBox*>(QStringLiteral("fileErrorBox"))), 10000);
        QVERIFY2(box->informativeText().contains(QStringLiteral("not valid JSON")), qPrintable(box->informativeText()));
        box->close();
        QCOMPARE(find<QTableView>("jobTable")->model()->rowCount(), 5);
    }

    void cancelledOpenKeepsTheShownTrace()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("trace.json"));
        writeTraceOfFiveJobs(path);
        queueAndWait(3, 10);
        // The file pool paused: the task cannot start before it is cancelled, whatever the machine's speed.
        ThreadPool& pool = TraceFileTasks::threadPool();
        const int min = pool.minThreads();
        const int max = pool.maxThreads();
        pool.adjustPoolsize(0, 0);
        QVERIFY(m_lab.window->openTraceInBackground(path));
        QProgressDialog* progress = nullptr;
        QTRY_VERIFY((progress = m_lab.window->findChild<QProgressDialog*>(QStringLiteral("fileProgress")))
            && progress->isVisible());
        QTest::mouseClick(progress->findChild<QPushButton*>(), Qt::LeftButton); // its Cancel
        pool.adjustPoolsize(min, max);
        QTRY_VERIFY_WITH_TIMEOUT(!m_lab.window->fileTasks()->isRunning(), 10000);
        QVERIFY(m_lab.controller->isLive());
        QCOMPARE(find<QTableView>("jobTable")->model()->rowCount(), 8);
        QVERIFY(find<QPushButton>("queueButton")->isEnabled());
        QVERIFY(!m_lab.window->findChild<QMessageBox*>(QStringLiteral("fileErrorBox")));
    }

    void cancelledExportLeavesNoFile()
    {
        queueAndWait(5, 10);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("trace.json"));
        ThreadPool& pool = TraceFileTasks::threadPool();
        const int min = pool.minThreads();
        const int max = pool.maxThreads();
        pool.adjustPoolsize(0, 0);
        QVERIFY(m_lab.window->exportTraceInBackground(path));
        m_lab.window->fileTasks()->cancel();
        pool.adjustPoolsize(min, max);
        QTRY_VERIFY_WITH_TIMEOUT(!m_lab.window->fileTasks()->isRunning(), 10000);
        QVERIFY(!QFile::exists(path));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList()); // no temporary file either

        // Not cancelled: written, and the same bytes as the blocking export.
        QVERIFY(m_lab.window->exportTraceInBackground(path));
        QTRY_VERIFY_WITH_TIMEOUT(!m_lab.window->fileTasks()->isRunning(), 10000);
        QVERIFY(QFile::exists(path));
        const QString csv = dir.filePath(QStringLiteral("jobs.csv"));
        QVERIFY(m_lab.window->exportCsvInBackground(csv));
        QTRY_VERIFY_WITH_TIMEOUT(!m_lab.window->fileTasks()->isRunning(), 10000);
        QFile jobs(csv);
        QVERIFY(jobs.open(QIODevice::ReadOnly));
        QCOMPARE(jobs.readAll().count('\n'), 6); // header + 5 jobs
    }

    void recordsAndSavesAScenario()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("recorded.json"));
        QVERIFY(!m_lab.window->saveScenario(path).isEmpty()); // nothing recorded or played yet
        auto* record = m_lab.window->findChild<QAction*>(QStringLiteral("recordScenarioAction"));
        QVERIFY(record);
        record->trigger();
        QVERIFY(m_lab.controller->isRecording());
        queueAndWait(3, 10);
        find<QSpinBox>("maxThreadsSpin")->setValue(5);
        record->trigger();
        QVERIFY(!m_lab.controller->isRecording());
        QCOMPARE(m_lab.window->saveScenario(path), QString());

        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const ScenarioParseResult parsed = parseScenario(file.readAll());
        QVERIFY2(parsed, qPrintable(parsed.error));
        QCOMPARE(parsed.scenario->steps.size(), 2);
        const auto* queue = std::get_if<ScenarioQueue>(&parsed.scenario->steps[0].action);
        QVERIFY(queue);
        QCOMPARE(queue->count, 3);
        QCOMPARE(queue->sleepMs.minMs, 10);
        const auto* resize = std::get_if<ScenarioResize>(&parsed.scenario->steps[1].action);
        QVERIFY(resize);
        QCOMPARE(resize->max, std::optional<int> { 5 });
        QVERIFY(parsed.scenario->steps[1].atMs >= parsed.scenario->steps[0].atMs);

        // It plays back.
        QCOMPARE(m_lab.window->loadScenario(path), QString());
        QTRY_COMPARE_WITH_TIMEOUT(m_lab.controller->poolStats().completed, quint64 { 6 }, 10000);
    }

    // Last: stopping ends this reactor for good (embedded mode also asks the application to quit).
    void stopButtonStopsTheReactor()
    {
        QSignalSpy stopped(m_lab.reactor.get(), &Reactor::stopped);
        // Asked first; Cancel (the default) leaves everything running.
        QTest::mouseClick(find<QPushButton>("stopReactorButton"), Qt::LeftButton);
        QMessageBox* confirm = nullptr;
        QTRY_VERIFY((confirm = m_lab.window->findChild<QMessageBox*>(QStringLiteral("stopReactorConfirm"))));
        QVERIFY(confirm->isVisible());
        QCOMPARE(confirm->defaultButton(), confirm->button(QMessageBox::Cancel));
        QTest::mouseClick(confirm->button(QMessageBox::Cancel), Qt::LeftButton);
        QTRY_VERIFY(!m_lab.window->findChild<QMessageBox*>(QStringLiteral("stopReactorConfirm")));
        QVERIFY(m_lab.reactor->isRunning());
        QVERIFY(find<QPushButton>("queueButton")->isEnabled());

        // What the confirmation says happens, happens: one worker, one 2 s job running and five queued behind it.
        find<QSpinBox>("maxThreadsSpin")->setValue(1);
        find<QComboBox>("apiCombo")->setCurrentText(QStringLiteral("callInThread"));
        find<QSpinBox>("countSpin")->setValue(6);
        find<QSpinBox>("sleepMinSpin")->setValue(2000);
        QTest::mouseClick(find<QPushButton>("queueButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(m_lab.controller->poolStats().busy, 1, 5000);
        QTest::mouseClick(find<QPushButton>("stopReactorButton"), Qt::LeftButton);
        QTRY_VERIFY((confirm = m_lab.window->findChild<QMessageBox*>(QStringLiteral("stopReactorConfirm"))));
        // The library drains the backlog at shutdown (docs/design.md, shutdown step 4); the lab cancels its
        // scenarios first, which wakes the sleeping jobs. The confirmation must say so, not "cancelled".
        QVERIFY2(confirm->text().contains(QStringLiteral("every queued job still runs")), qPrintable(confirm->text()));
        QVERIFY(!confirm->text().contains(QStringLiteral("are cancelled")));
        QVERIFY(
            find<QPushButton>("stopReactorButton")->toolTip().contains(QStringLiteral("every queued job still runs")));
        QTest::mouseClick(confirm->findChild<QPushButton*>(QStringLiteral("stopReactorConfirmButton")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!m_lab.reactor->isRunning(), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 5000);
        m_lab.controller->drain();
        int finishedJobs = 0;
        std::int64_t longestRun = 0;
        for (const JobRecord& job : m_lab.controller->traceData().jobs()) {
            QVERIFY2(job.status == JobStatus::Finished, qPrintable(apiName(job.api)));
            ++finishedJobs;
            longestRun = std::max(longestRun, job.runNs());
        }
        QCOMPARE(finishedJobs, 6); // the five queued ones ran too: none was cancelled
        QVERIFY2(longestRun < 2'000'000'000, qPrintable(QString::number(longestRun))); // the sleeper was woken
        QVERIFY(!find<QPushButton>("queueButton")->isEnabled());
        QVERIFY(!find<QPushButton>("stopReactorButton")->isEnabled());
    }
};

QTEST_MAIN(TestThreadLab)
#include "tst_threadlab.moc"
