// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/inspect/labcontroller.h>
#include <qtwisted/inspect/runcomparison.h>
#include <qtwisted/inspect/scenario.h>
#include <qtwisted/trace.h>
#include <qtwisted/ui/comparepanel.h>
#include <qtwisted/ui/jobtablepanel.h>
#include <qtwisted/ui/launcherpanel.h>
#include <qtwisted/ui/logpanel.h>
#include <qtwisted/ui/mainwindow.h>
#include <qtwisted/ui/poolpanel.h>
#include <qtwisted/ui/problemspanel.h>
#include <qtwisted/ui/rangestatspanel.h>
#include <qtwisted/ui/recipespanel.h>
#include <qtwisted/ui/timelinepanel.h>
#include <qtwisted/ui/timelineview.h>
#include <qtwisted/ui/tracefiletasks.h>
#include <qtwisted/ui/twistedrunner.h>

#include <QAction>
#include <QCloseEvent>
#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSaveFile>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <memory>

namespace qtwisted {

namespace {
constexpr int kRangeRefreshMs = 250;
constexpr int kMessageMs = 8000;
constexpr std::size_t kKeptRuns = 8;

/// A saved run read (blocking) to be compared, named `name`; nullopt and the error when it is not a run.
std::optional<ComparedRun> readRun(const QString& path, const QString& name, QString& error)
{
    TraceFileTasks::Result r = TraceFileTasks::read(path);
    if (!r.data) {
        error = MainWindow::tr("%1: not a saved run (%2)").arg(QFileInfo(path).fileName(), r.error);
        return std::nullopt;
    }
    ComparedRun run;
    run.name = name;
    run.owned = std::make_shared<const TraceData>(std::move(*r.data));
    run.data = run.owned.get();
    return run;
}
} // namespace

MainWindow::MainWindow(LabController& controller, QWidget* parent)
    : QMainWindow(parent)
    , m_controller(controller)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Thread Lab"));
    setWindowIcon(QIcon(QStringLiteral(":/qtwisted/icons/thread-lab.svg")));
    m_launcher = new LauncherPanel(m_controller);
    m_pool = new PoolPanel(m_controller);
    m_timelinePanel = new TimelinePanel(m_controller);
    m_timeline = m_timelinePanel->timeline();
    m_recipes = new RecipesPanel(m_controller);
    m_jobs = new JobTablePanel(m_controller.jobModel());
    m_rangeStats = new RangeStatsPanel;
    m_log = new LogPanel;
    m_problems = new ProblemsPanel(m_controller);
    m_files = new TraceFileTasks(this);
    m_compare = new ComparePanel;
    m_twisted = new TwistedRunner(this);
    setCentralWidget(createCentralWidget());
    m_mode = new QLabel(tr("Live"));
    m_dropped = new QLabel;
    statusBar()->addPermanentWidget(m_mode);
    statusBar()->addPermanentWidget(m_dropped);
    createMenus();
    connectController();
    resize(1500, 950);
    onUpdated();
    refreshRangeStatistics();
}

MainWindow::~MainWindow() = default;

QWidget* MainWindow::createCentralWidget()
{
    auto* side = new QWidget;
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(m_launcher);
    sideLayout->addWidget(m_pool);
    sideLayout->addStretch(1);
    side->setMaximumWidth(320);

    auto* tabs = new QTabWidget;
    m_tabs = tabs;
    tabs->setObjectName(QStringLiteral("bottomTabs"));
    tabs->addTab(m_recipes, tr("Recipes"));
    tabs->addTab(m_problems, tr("Problems"));
    tabs->addTab(m_jobs, tr("Jobs"));
    tabs->addTab(m_rangeStats, tr("Range statistics"));
    tabs->addTab(m_compare->table(), tr("Compare"));
    tabs->setTabVisible(tabs->indexOf(m_compare->table()), false);

    auto* bottom = new QSplitter(Qt::Horizontal);
    bottom->addWidget(tabs);
    bottom->addWidget(m_log);
    bottom->setSizes({ 800, 400 }); // the recipes' Python and C++ side by side need the room more than the log

    auto* right = new QSplitter(Qt::Vertical);
    right->setObjectName(QStringLiteral("rightSplitter"));
    right->addWidget(m_timelinePanel);
    right->addWidget(m_compare);
    right->addWidget(bottom);
    right->setSizes({ 560, 0, 330 });

    auto* central = new QSplitter(Qt::Horizontal);
    central->addWidget(side);
    central->addWidget(right);
    central->setSizes({ 300, 1200 });
    return central;
}

void MainWindow::connectController()
{
    connect(&m_controller, &LabController::updated, this, &MainWindow::onUpdated);
    connect(&m_controller, &LabController::outputLine, m_log, &LogPanel::appendOutput);
    connect(&m_controller, &LabController::scenarioStarted, this, [this](const QString& name) {
        if (m_scenariosRunning++ == 0)
            m_scenariosStartNs = traceNow();
        statusBar()->showMessage(tr("Running %1…").arg(name));
    });
    connect(&m_controller, &LabController::scenarioFinished, this, [this](const QString& name) {
        statusBar()->showMessage(tr("%1 finished").arg(name), 5000);
        // The run is over: show all of it, unless the user is looking elsewhere (scrolled, zoomed, paused). Zoom
        // back or Now returns to following the newest seconds.
        m_scenariosRunning = std::max(0, m_scenariosRunning - 1);
        if (m_scenariosRunning == 0)
            onScenariosFinished(name);
    });
    connect(&m_controller, &LabController::recordingChanged, this, [this](bool recording) {
        const QSignalBlocker block(m_recordAction);
        m_recordAction->setChecked(recording);
        statusBar()->showMessage(recording ? tr("Recording a scenario: queue jobs and resize the pool")
                                           : tr("Recorded %n step(s); File → Save scenario writes them", nullptr,
                                               static_cast<int>(m_controller.recordedScenario().steps.size())),
            kMessageMs);
    });
    connect(m_launcher, &LauncherPanel::message, statusBar(), &QStatusBar::showMessage);
    connect(m_pool, &PoolPanel::stopReactorConfirmed, this, &MainWindow::stopReactorNow);
    connect(m_recipes, &RecipesPanel::runRequested, this, [this](const QString& name) {
        const ScenarioParseResult parsed = loadBuiltinScenario(name);
        if (parsed)
            runScenario(*parsed.scenario);
    });
    connect(m_timeline, &TimelineView::jobClicked, m_jobs, &JobTablePanel::selectJob);
    connect(m_jobs, &JobTablePanel::jobSelected, m_timeline, &TimelineView::setSelectedRow);
    connect(m_timeline, &TimelineView::rangeChanged, this, &MainWindow::refreshRangeStatistics);
    connect(m_timeline, &TimelineView::viewPausedChanged, this,
        [this](bool paused) { m_mode->setText(paused ? tr("View paused — still recording") : tr("Live")); });
    connect(m_files, &TraceFileTasks::finished, this, &MainWindow::onFileTaskFinished);
    connect(&m_controller, &LabController::findingsChanged, m_problems, [this] {
        m_controller.drain(); // the finding's trace events, so that the panel and the timeline show it now
    });
    connect(m_problems, &ProblemsPanel::rangeRequested, this, [this](std::int64_t t0, std::int64_t t1) {
        m_timeline->setSelectedRange(t0, t1);
        refreshRangeStatistics();
    });
    connect(m_problems, &ProblemsPanel::jobRequested, this, [this](int row) {
        m_timeline->setSelectedRow(row);
        m_jobs->selectJob(row);
    });
    connect(m_problems, &ProblemsPanel::countChanged, this, [this](int findings, int problems) {
        const int index = m_tabs->indexOf(m_problems);
        m_tabs->setTabText(index, findings == 0 ? tr("Problems") : tr("Problems (%1)").arg(findings));
        m_tabs->setTabIcon(index, problems > 0 ? style()->standardIcon(QStyle::SP_MessageBoxWarning) : QIcon());
    });
    // Once per run of problems: the tab comes forward when the first warning appears (not on every finding).
    connect(m_problems, &ProblemsPanel::firstProblem, this, [this] { m_tabs->setCurrentWidget(m_problems); });
    connect(m_compare, &ComparePanel::closed, this,
        [this] { m_tabs->setTabVisible(m_tabs->indexOf(m_compare->table()), false); });
    connect(m_twisted, &TwistedRunner::outputLine, m_log, [this](const QString& line) {
        // "PoolThread-twisted.internet.reactor-0: job 3 done" is what a job printed, on that thread.
        const qsizetype colon = line.indexOf(QStringLiteral(": "));
        const QString thread = colon > 0 ? line.left(colon) : QString();
        if (thread.startsWith(QStringLiteral("PoolThread-")) || thread == QStringLiteral("MainThread"))
            m_log->appendOutput(QDateTime::currentDateTime(), thread, line.mid(colon + 2));
        else
            m_log->appendOutput(QDateTime::currentDateTime(), tr("twisted-scenario.py"), line);
    });
    connect(m_twisted, &TwistedRunner::finished, this, &MainWindow::onTwistedFinished);
}

void MainWindow::onScenariosFinished(const QString& name)
{
    if (m_closing)
        return; // cancelled by closing or by Stop reactor: not a run to keep, show or play again
    m_controller.drain();
    const std::int64_t end = traceNow();
    RunSpan run { name, m_scenariosStartNs, end, nullptr };
    if (m_playing && m_playing->name == name)
        run.scenario = m_playing;
    m_playing.reset();
    m_runs.push_back(run);
    if (m_runs.size() > kKeptRuns)
        m_runs.erase(m_runs.begin());
    m_previousRunAction->setEnabled(m_runs.size() >= 2);
    // The run is over: show all of it, unless the user is looking elsewhere (scrolled, zoomed, paused). Zoom back or
    // Now returns to following the newest seconds.
    if (m_timeline->isFollowing() && !m_timeline->isViewPaused() && !m_compare->isComparing()) {
        const std::int64_t margin = std::max<std::int64_t>((end - m_scenariosStartNs) / 50, 1'000'000);
        m_timeline->zoomTo(m_scenariosStartNs - margin, end + margin);
    }
    if (runsInTwisted())
        playInTwisted(run);
}

void MainWindow::playInTwisted(const RunSpan& run)
{
    if (!run.scenario) {
        statusBar()->showMessage(
            tr("Run in Twisted too plays scenarios (a recipe, a file): %1 was not played in Twisted").arg(run.name),
            kMessageMs);
        return;
    }
    if (m_twisted->isRunning()) {
        statusBar()->showMessage(tr("Twisted is still playing %1: %2 was not played in Twisted")
                                     .arg(m_twistedRun ? m_twistedRun->name : QString(), run.name),
            kMessageMs);
        return;
    }
    // Twisted gets five times qtwisted's time and 30 s more before the script gives up on it (a pool exhausted by
    // blocking calls never finishes); a run that is merely slower than qtwisted's is not called hung.
    const auto seconds
        = static_cast<int>(std::min<std::int64_t>(3600, 30 + 5 * ((run.endNs - run.startNs) / 1'000'000'000 + 1)));
    m_twistedRun = run;
    m_log->appendHeading(tr("%1 in Twisted").arg(run.name));
    statusBar()->showMessage(tr("Playing %1 in Twisted…").arg(run.name));
    if (!m_twisted->start(*run.scenario, seconds))
        m_twistedRun.reset();
}

void MainWindow::onTwistedFinished(const QString& tracePath, const QString& message, bool gaveUp)
{
    const std::optional<RunSpan> run = std::exchange(m_twistedRun, std::nullopt);
    QString error;
    if (tracePath.isEmpty() || !run || m_closing)
        error = message;
    else if (!m_controller.isLive())
        error = tr("Twisted's run of %1 ended while a saved run is shown: back to live recording to compare")
                    .arg(run->name);
    else if (const std::optional<ComparedRun> b
        = readRun(tracePath, tr("%1 in Twisted%2").arg(run->name, gaveUp ? tr(" (hung: gave up)") : QString()), error))
        // A: the qtwisted run the play was started for (not whatever is current now); B: Twisted's.
        error = showComparison(liveRun(*run, tr("%1 in qtwisted").arg(run->name)), *b);
    if (!error.isEmpty())
        m_log->appendOutput(QDateTime::currentDateTime(), tr("twisted"), error);
    statusBar()->showMessage(error.isEmpty() ? message : error, kMessageMs);
}

ComparedRun MainWindow::liveRun(const RunSpan& span, const QString& name) const
{
    ComparedRun run;
    run.name = name;
    run.data = &m_controller.traceData();
    run.fromNs = span.startNs;
    run.toNs = span.endNs;
    return run;
}

ComparedRun MainWindow::currentRun() const
{
    if (m_controller.isLive() && !m_runs.empty())
        return liveRun(m_runs.back(), tr("%1 in qtwisted").arg(m_runs.back().name));
    ComparedRun run;
    run.data = &m_controller.traceData();
    run.name = m_controller.isLive() ? tr("this recording") : m_shownFile;
    return run;
}

QString MainWindow::compareWith(const ComparedRun& b)
{
    m_controller.drain();
    return showComparison(currentRun(), b);
}

QString MainWindow::showComparison(const ComparedRun& a, const ComparedRun& b)
{
    for (const ComparedRun* run : { &a, &b }) {
        if (summarizeRun(*run->data, run->fromNs, run->toNs).poolJobs == 0)
            return tr("%1 is an empty run (no pool job): nothing to compare").arg(run->name);
    }
    m_compare->compare(m_timeline, a, b);
    auto* right = qobject_cast<QSplitter*>(m_compare->parentWidget());
    if (right && right->sizes().value(1) == 0) {
        const int total = right->height();
        right->setSizes({ total * 36 / 100, total * 36 / 100, total * 28 / 100 });
    }
    const int tab = m_tabs->indexOf(m_compare->table());
    m_tabs->setTabVisible(tab, true);
    m_tabs->setCurrentIndex(tab);
    return {};
}

QString MainWindow::compareWithFile(const QString& path)
{
    QString error;
    const std::optional<ComparedRun> b = readRun(path, QFileInfo(path).fileName(), error);
    return b ? compareWith(*b) : error;
}

QString MainWindow::compareWithPreviousRun()
{
    if (!m_controller.isLive() || m_runs.size() < 2)
        return tr("play two scenarios first: the last run is compared with the one before it");
    const RunSpan& before = m_runs[m_runs.size() - 2];
    return compareWith(liveRun(before, tr("%1 (the run before)").arg(before.name)));
}

QString MainWindow::setRunInTwisted(bool on)
{
    QString error;
    if (on)
        error = m_twisted->unavailableReason();
    const QSignalBlocker block(m_twistedAction);
    m_twistedAction->setChecked(on && error.isEmpty());
    if (!error.isEmpty())
        return error;
    if (on && m_scenariosRunning == 0 && m_controller.isLive() && !m_runs.empty())
        playInTwisted(m_runs.back()); // the run just shown
    if (!on)
        m_twisted->cancel(); // a play under way ends without a comparison
    return {};
}

bool MainWindow::runsInTwisted() const noexcept
{
    return m_twistedAction->isChecked();
}

void MainWindow::createCompareMenu()
{
    QMenu* menu = menuBar()->addMenu(tr("&Compare"));
    QAction* file = menu->addAction(tr("With a &saved run…"), this, [this] {
        const QString path
            = QFileDialog::getOpenFileName(this, tr("Compare with a saved run"), {}, tr("Chrome trace (*.json)"));
        if (path.isEmpty())
            return;
        const QString error = compareWithFile(path);
        if (!error.isEmpty())
            QMessageBox::warning(this, tr("Compare"), error);
    });
    file->setObjectName(QStringLiteral("compareFileAction"));
    file->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    file->setStatusTip(tr("Draw a saved run below this one on the same time axis, with a table of both"));
    m_previousRunAction = menu->addAction(tr("With the &previous run"), this, [this] {
        const QString error = compareWithPreviousRun();
        if (!error.isEmpty())
            QMessageBox::warning(this, tr("Compare"), error);
    });
    m_previousRunAction->setObjectName(QStringLiteral("comparePreviousAction"));
    m_previousRunAction->setEnabled(false);
    m_previousRunAction->setStatusTip(tr("The last scenario run against the one before it"));
    m_twistedAction = menu->addAction(tr("Run in &Twisted too"));
    m_twistedAction->setObjectName(QStringLiteral("runInTwistedAction"));
    m_twistedAction->setCheckable(true);
    m_twistedAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    m_twistedAction->setStatusTip(tr("Play each scenario in real Twisted (python3-twisted) as well, and compare"));
    connect(m_twistedAction, &QAction::toggled, this, [this](bool on) {
        const QString error = setRunInTwisted(on);
        if (error.isEmpty())
            return;
        auto* box = new QMessageBox(QMessageBox::Information, tr("Run in Twisted too"),
            tr("Thread Lab cannot run Twisted here."), QMessageBox::Ok, this);
        box->setObjectName(QStringLiteral("twistedMissingBox"));
        box->setInformativeText(error);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
    menu->addSeparator();
    QAction* close = menu->addAction(tr("&Close comparison"), this, [this] { m_compare->stop(); });
    close->setObjectName(QStringLiteral("closeCompareAction"));
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    auto add = [this, file](
                   const QString& text, const QString& name, const QKeySequence& key, const QString& tip, auto slot) {
        QAction* a = file->addAction(text, this, slot);
        a->setObjectName(name);
        a->setShortcut(key);
        a->setStatusTip(tip);
        a->setToolTip(tip);
        return a;
    };
    // Opening and exporting run in the background (TraceFileTasks): a 256 MiB trace takes seconds.
    auto askOpen = [this](const QString& title, const QString& filter) {
        return QFileDialog::getOpenFileName(this, title, {}, filter);
    };
    auto askSave = [this](const QString& title, const QString& name, const QString& filter) {
        return QFileDialog::getSaveFileName(this, title, name, filter);
    };
    add(tr("&Open trace…"), QStringLiteral("openTraceAction"), QKeySequence::Open,
        tr("Open a trace exported by Thread Lab, read-only"), [this, askOpen] {
            const QString path = askOpen(tr("Open trace"), tr("Chrome trace (*.json)"));
            if (!path.isEmpty())
                openTraceInBackground(path);
        });
    add(tr("&Load scenario…"), QStringLiteral("loadScenarioAction"), QKeySequence(Qt::CTRL | Qt::Key_L),
        tr("Load a scenario file (JSON) and play it"), [this] { onLoadScenario(); });
    add(tr("&Save scenario…"), QStringLiteral("saveScenarioAction"), QKeySequence::Save,
        tr("Save the recorded scenario (or the last one played) as JSON"), [this] { onSaveScenario(); });
    m_recordAction = file->addAction(tr("&Record scenario"));
    m_recordAction->setObjectName(QStringLiteral("recordScenarioAction"));
    m_recordAction->setCheckable(true);
    m_recordAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_recordAction->setStatusTip(tr("Record what you queue and resize from now on, to save and replay it"));
    connect(m_recordAction, &QAction::toggled, this, [this](bool on) {
        if (on)
            m_controller.startRecording();
        else
            m_controller.stopRecording();
    });
    file->addSeparator();
    add(tr("Export &trace (Chrome JSON)…"), QStringLiteral("exportTraceAction"), QKeySequence(Qt::CTRL | Qt::Key_E),
        tr("For ui.perfetto.dev or chrome://tracing"), [this, askSave] {
            const QString path = askSave(tr("Export trace"), QStringLiteral("trace.json"), tr("Chrome trace (*.json)"));
            if (!path.isEmpty())
                exportTraceInBackground(path);
        });
    add(tr("Export &jobs (CSV)…"), QStringLiteral("exportCsvAction"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E),
        tr("One row per job"), [this, askSave] {
            const QString path = askSave(tr("Export jobs"), QStringLiteral("jobs.csv"), tr("CSV (*.csv)"));
            if (!path.isEmpty())
                exportCsvInBackground(path);
        });
    add(tr("Save &PNG of the view…"), QStringLiteral("savePngAction"), QKeySequence(Qt::CTRL | Qt::Key_P),
        tr("A picture of the window"), [this] { onSavePng(); });
    QAction* live = file->addAction(tr("Back to &live recording"), this, &MainWindow::showLive);
    live->setObjectName(QStringLiteral("liveAction"));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setObjectName(QStringLiteral("quitAction"));
    quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    createCompareMenu();
}

void MainWindow::refreshRangeStatistics()
{
    const auto [t0, t1] = m_timeline->statisticsRange();
    m_rangeStats->refresh(m_controller.traceData(), t0, t1, m_timeline->hasSelectedRange());
}

void MainWindow::runScenario(const Scenario& scenario)
{
    if (!m_controller.isLive())
        showLive();
    m_log->appendHeading(scenario.name);
    m_playing = std::make_shared<const Scenario>(scenario);
    m_controller.runScenario(scenario);
}

void MainWindow::onUpdated()
{
    if (!m_timeline->isViewPaused()) {
        m_timeline->update();
        // Statistics of a moving window: a few times a second is plenty, and stats() walks the range.
        if (m_rangeStats->msSinceRefresh() >= std::max<qint64>(kRangeRefreshMs, 20 * m_rangeStats->lastRefreshCostMs()))
            refreshRangeStatistics();
    }
    if (m_controller.isLive())
        m_pool->updateFromController();
    m_problems->refresh();
    const std::uint64_t dropped = m_controller.traceData().droppedEvents();
    m_dropped->setText(
        dropped > 0 ? tr("⚠ %1 trace events dropped (ring full)").arg(dropped) : tr("no events dropped"));
}

void MainWindow::showImported(TraceData data, const QString& path)
{
    m_compare->stop(); // its run A was the trace shown until now
    m_controller.showImported(std::move(data));
    m_shownFile = QFileInfo(path).fileName();
    m_timeline->setTraceData(&m_controller.traceData(), false);
    m_mode->setText(tr("Viewing %1 (read-only)").arg(QFileInfo(path).fileName()));
    m_launcher->setQueueEnabled(false);
    m_recipes->setRunEnabled(false);
    m_problems->refresh();
}

void MainWindow::showLive()
{
    m_compare->stop();
    m_controller.showLive();
    m_timeline->setTraceData(&m_controller.traceData(), true);
    m_mode->setText(tr("Live"));
    m_launcher->setQueueEnabled(true);
    m_recipes->setRunEnabled(true);
}

bool MainWindow::exportTrace(const QString& path)
{
    m_controller.drain();
    const auto r = TraceFileTasks::write(path, TraceFileTasks::Format::ChromeTrace, m_controller.traceData());
    statusBar()->showMessage(
        r.error.isEmpty() ? tr("Trace written to %1").arg(path) : tr("Could not write %1").arg(path), kMessageMs);
    return r.error.isEmpty();
}

bool MainWindow::exportCsv(const QString& path)
{
    m_controller.drain();
    const auto r = TraceFileTasks::write(path, TraceFileTasks::Format::JobsCsv, m_controller.traceData());
    statusBar()->showMessage(
        r.error.isEmpty() ? tr("Jobs written to %1").arg(path) : tr("Could not write %1").arg(path), kMessageMs);
    return r.error.isEmpty();
}

QString MainWindow::openTrace(const QString& path)
{
    TraceFileTasks::Result r = TraceFileTasks::read(path);
    if (!r.data)
        return r.error;
    showImported(std::move(*r.data), path);
    return {};
}

bool MainWindow::openTraceInBackground(const QString& path)
{
    const bool started = m_files->open(path, [this, path](TraceData data) { showImported(std::move(data), path); });
    if (!started)
        statusBar()->showMessage(tr("Another file is being read or written: wait or cancel it"), kMessageMs);
    return started;
}

bool MainWindow::exportTraceInBackground(const QString& path)
{
    m_controller.drain();
    const bool started = m_files->save(path, TraceFileTasks::Format::ChromeTrace, m_controller.traceData());
    if (!started)
        statusBar()->showMessage(tr("Another file is being read or written: wait or cancel it"), kMessageMs);
    return started;
}

bool MainWindow::exportCsvInBackground(const QString& path)
{
    m_controller.drain();
    const bool started = m_files->save(path, TraceFileTasks::Format::JobsCsv, m_controller.traceData());
    if (!started)
        statusBar()->showMessage(tr("Another file is being read or written: wait or cancel it"), kMessageMs);
    return started;
}

void MainWindow::onFileTaskFinished(const QString& message, const QString& error)
{
    statusBar()->showMessage(message, kMessageMs);
    if (error.isEmpty())
        return;
    // Not exec(): the recording and the timeline go on while the message is open.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Thread Lab"), message, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("fileErrorBox"));
    box->setInformativeText(error);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

QString MainWindow::loadScenario(const QString& path)
{
    QFile file(path);
    if (file.size() > ScenarioLimits::maxFileBytes)
        return tr("%1 is larger than %2 bytes").arg(path).arg(ScenarioLimits::maxFileBytes);
    if (!file.open(QIODevice::ReadOnly))
        return tr("cannot read %1: %2").arg(path, file.errorString());
    const ScenarioParseResult parsed = parseScenario(file.readAll());
    if (!parsed)
        return parsed.error;
    runScenario(*parsed.scenario);
    return {};
}

QString MainWindow::saveScenario(const QString& path)
{
    const Scenario* scenario = nullptr;
    if (!m_controller.recordedScenario().steps.isEmpty())
        scenario = &m_controller.recordedScenario();
    else if (m_controller.lastScenario())
        scenario = &*m_controller.lastScenario();
    if (!scenario)
        return tr("nothing to save: record a scenario (File → Record scenario) or play one first");
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(toJson(*scenario)) < 0 || !file.commit())
        return tr("cannot write %1: %2").arg(path, file.errorString());
    statusBar()->showMessage(tr("Scenario written to %1").arg(path), kMessageMs);
    return {};
}

void MainWindow::onSaveScenario()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save scenario"), QStringLiteral("scenario.json"), tr("Scenario (*.json)"));
    if (path.isEmpty())
        return;
    const QString error = saveScenario(path);
    if (!error.isEmpty())
        QMessageBox::warning(this, tr("Save scenario"), error);
}

void MainWindow::onLoadScenario()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Load scenario"), {}, tr("Scenario (*.json)"));
    if (path.isEmpty())
        return;
    const QString error = loadScenario(path);
    if (!error.isEmpty())
        QMessageBox::warning(this, tr("Load scenario"), error);
}

void MainWindow::onSavePng()
{
    const QString path
        = QFileDialog::getSaveFileName(this, tr("Save PNG"), QStringLiteral("thread-lab.png"), tr("PNG image (*.png)"));
    if (!path.isEmpty() && !grab().save(path, "PNG"))
        QMessageBox::warning(this, tr("Save PNG"), tr("Could not write %1").arg(path));
}

void MainWindow::stopReactorNow()
{
    m_launcher->setQueueEnabled(false);
    m_recipes->setRunEnabled(false);
    m_pool->disableControls();
    statusBar()->showMessage(tr("Reactor stopped"));
    m_closing = true;
    m_twisted->cancel();
    m_controller.stopReactor();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    // Closing ends the application, and the reactor's aboutToQuit shutdown drains the pool's backlog before the
    // process exits. Cancelling the scripts first makes that prompt: their queued jobs return at once and sleeping
    // ones wake early (the runner's own sleep), so closing with 10 000 jobs queued does not wait for all of them.
    // Jobs the user's code would have run cannot be interrupted in Twisted; ours are all runner jobs. A file being
    // read or written is cancelled too.
    m_closing = true;
    m_twisted->cancel();
    m_files->cancel();
    m_controller.cancelAll();
    event->accept();
}

} // namespace qtwisted
