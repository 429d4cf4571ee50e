// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/jobtablemodel.h>
#include <qtwisted/reactor.h>
#include <qtwisted/ui/labcontroller.h>
#include <qtwisted/ui/mainwindow.h>
#include <qtwisted/ui/timelineview.h>

#include <QComboBox>
#include <QElapsedTimer>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace qtwisted;

class TestThreadLab : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Reactor> m_reactor;
    std::unique_ptr<LabController> m_controller;
    std::unique_ptr<MainWindow> m_window;

    template <class T>
    T* find(const char* name)
    {
        auto* w = m_window->findChild<T*>(QString::fromLatin1(name));
        if (!w)
            qWarning("no widget named %s", name);
        return w;
    }
    QString logText() { return find<QPlainTextEdit>("log")->toPlainText(); }

private Q_SLOTS:
    void init()
    {
        m_reactor = std::make_unique<Reactor>();
        // Embedded mode: the reactor starts when an event loop spins (QTRY_* only processes events).
        QSignalSpy started(m_reactor.get(), &Reactor::started);
        m_controller = std::make_unique<LabController>(*m_reactor);
        m_window = std::make_unique<MainWindow>(*m_controller);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        if (!m_reactor->isRunning())
            QVERIFY(started.wait(5000));
        QVERIFY(m_reactor->isRunning());
    }

    void cleanup()
    {
        m_controller->cancelAll();
        m_window.reset();
        m_controller.reset();
        m_reactor.reset();
    }

    void everyInteractiveWidgetIsNamed()
    {
        for (const char* name : { "apiCombo", "countSpin", "sleepMinSpin", "sleepRandomCheck", "sleepMaxSpin",
                 "failureRateSpin", "labelEdit", "queueButton", "maxThreadsSpin", "maxThreadsSlider", "minThreadsSpin",
                 "pauseButton", "jobTable", "log", "timeline", "recipeList", "runRecipeButton", "nowButton" })
            QVERIFY2(m_window->findChild<QWidget*>(QString::fromLatin1(name)), name);
    }

    void launcherQueuesJobs()
    {
        find<QSpinBox>("countSpin")->setValue(4);
        find<QSpinBox>("sleepMinSpin")->setValue(20);
        QTest::mouseClick(find<QPushButton>("queueButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(m_controller->poolStats().completed, quint64 { 4 }, 10000);
        QTRY_COMPARE(find<QTableView>("jobTable")->model()->rowCount(), 4);
        QTRY_VERIFY(logText().contains(QStringLiteral("job 4 done after 20 ms")));
        QVERIFY(logText().contains(QStringLiteral("PoolThread-qtwisted.reactor-")));
    }

    void blockingCallFromThreadNeverBlocksTheGui()
    {
        find<QComboBox>("apiCombo")->setCurrentText(QStringLiteral("blockingCallFromThread"));
        find<QSpinBox>("countSpin")->setValue(2);
        find<QSpinBox>("sleepMinSpin")->setValue(300);
        QElapsedTimer clock;
        clock.start();
        QTest::mouseClick(find<QPushButton>("queueButton"), Qt::LeftButton);
        QVERIFY(clock.elapsed() < 250); // the click returned before any job's 300 ms
        QTRY_VERIFY_WITH_TIMEOUT(logText().contains(QStringLiteral("job 2 done after 300 ms")), 10000);
    }

    void poolSpinBoxResizesLive()
    {
        auto* spin = find<QSpinBox>("maxThreadsSpin");
        spin->setValue(3);
        QCOMPARE(m_reactor->getThreadPool().maxThreads(), 3);
        QCOMPARE(find<QSlider>("maxThreadsSlider")->value(), 3);
        find<QSlider>("maxThreadsSlider")->setValue(7);
        QCOMPARE(m_reactor->getThreadPool().maxThreads(), 7);
        QCOMPARE(spin->value(), 7);

        auto* pause = find<QPushButton>("pauseButton");
        QTest::mouseClick(pause, Qt::LeftButton);
        QCOMPARE(m_reactor->getThreadPool().maxThreads(), 0);
        QTest::mouseClick(pause, Qt::LeftButton);
        QCOMPARE(m_reactor->getThreadPool().maxThreads(), 7);

        find<QSpinBox>("minThreadsSpin")->setValue(2);
        QCOMPARE(m_reactor->getThreadPool().minThreads(), 2);
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
        QSignalSpy finished(m_controller.get(), &LabController::scenarioFinished);
        auto* list = find<QListWidget>("recipeList");
        list->setCurrentItem(list->findItems(QStringLiteral("howto-blockingCallFromThread"), Qt::MatchExactly).front());
        QTest::mouseClick(find<QPushButton>("runRecipeButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QVERIFY(logText().contains(QStringLiteral("<html>the page at http://twistedmatrix.com/</html>")));
        QVERIFY(m_reactor->isRunning());
    }

    void clickingAJobSelectsItsRow()
    {
        find<QSpinBox>("countSpin")->setValue(2);
        find<QSpinBox>("sleepMinSpin")->setValue(400);
        QTest::mouseClick(find<QPushButton>("queueButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(m_controller->poolStats().completed, quint64 { 2 }, 10000);
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
        QTRY_COMPARE_WITH_TIMEOUT(m_controller->poolStats().completed, quint64 { 5 }, 10000);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("trace.json"));
        QVERIFY(m_window->exportTrace(path));
        QProcess python;
        python.start(QStringLiteral("python3"), { QStringLiteral(QTWISTED_VALIDATE_TRACE), path });
        QVERIFY(python.waitForFinished(60000));
        const QString output = QString::fromUtf8(python.readAllStandardOutput() + python.readAllStandardError());
        QVERIFY2(
            python.exitCode() == 0 && output.contains(QStringLiteral(" 0 errors, 0 warnings")), qPrintable(output));

        // And it opens back, read-only.
        QCOMPARE(m_window->openTrace(path), QString());
        QVERIFY(!m_controller->isLive());
        QVERIFY(!find<QPushButton>("queueButton")->isEnabled());
        QCOMPARE(find<QTableView>("jobTable")->model()->rowCount(), 5);
    }

    void rejectsBadInput()
    {
        LaunchRequest bad;
        bad.count = 0;
        QVERIFY(!m_controller->queueJobs(bad).isEmpty());
        bad = {};
        bad.sleepMinMs = 50;
        bad.sleepMaxMs = 10;
        QVERIFY(!m_controller->queueJobs(bad).isEmpty());
        bad = {};
        bad.api = ScenarioApi::CallFromThread;
        bad.sleepMinMs = bad.sleepMaxMs = 6000;
        QVERIFY(!m_controller->queueJobs(bad).isEmpty());
        QCOMPARE(m_controller->activeRuns(), 0);

        auto* spin = find<QSpinBox>("maxThreadsSpin");
        spin->setValue(-4); // clamped by the spin box: never passed to the core
        QVERIFY(m_reactor->getThreadPool().maxThreads() >= 1);

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("bad.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"name": "x", "steps": [{"at": 0, "queue": {"api": "callInThread", "count": -1}}]})");
        file.close();
        const QString error = m_window->loadScenario(path);
        QVERIFY2(error.contains(QStringLiteral("$.steps[0].queue.count")), qPrintable(error));
        QVERIFY(!m_window->openTrace(path).isEmpty());
        QVERIFY(m_controller->isLive());
        QVERIFY(!m_window->loadScenario(dir.filePath(QStringLiteral("missing.json"))).isEmpty());
    }
};

QTEST_MAIN(TestThreadLab)
#include "tst_threadlab.moc"
