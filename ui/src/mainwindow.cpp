// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/inspect/labcontroller.h>
#include <qtwisted/inspect/scenario.h>
#include <qtwisted/inspect/traceexport.h>
#include <qtwisted/reactor.h>
#include <qtwisted/ui/mainwindow.h>
#include <qtwisted/ui/timelineview.h>

#include <QAction>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QSlider>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

namespace qtwisted {

namespace {
constexpr int kSliderMax = 64;
constexpr int kLogLines = 5000;
constexpr int kRangeRefreshMs = 250;

QString formatMs(double ns)
{
    return QString::number(ns / 1e6, 'f', ns < 1e7 ? 2 : 1) + QStringLiteral(" ms");
}

QFont monospace()
{
    QFont f(QStringLiteral("monospace"));
    f.setStyleHint(QFont::TypeWriter);
    return f;
}
} // namespace

MainWindow::MainWindow(LabController& controller, QWidget* parent)
    : QMainWindow(parent)
    , m_controller(controller)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Thread Lab"));
    setWindowIcon(QIcon(QStringLiteral(":/qtwisted/icons/thread-lab.svg")));

    auto* side = new QWidget;
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(createLauncher());
    sideLayout->addWidget(createPoolPanel());
    sideLayout->addStretch(1);
    side->setMaximumWidth(320);

    m_timeline = new TimelineView;
    m_timeline->setTraceData(&m_controller.traceData(), true);
    m_now = new QPushButton(tr("Now"));
    m_now->setObjectName(QStringLiteral("nowButton"));
    m_now->setToolTip(tr("Follow the newest seconds again (End)"));
    m_now->setShortcut(Qt::Key_End);
    m_now->setEnabled(false);
    m_pauseView = new QPushButton(tr("Pause view"));
    m_pauseView->setObjectName(QStringLiteral("pauseViewButton"));
    m_pauseView->setCheckable(true);
    m_pauseView->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Space));
    m_pauseView->setToolTip(tr("Freeze the timeline to look at it; recording goes on (Ctrl+Space)"));
    m_zoomBack = new QPushButton(tr("Zoom back"));
    m_zoomBack->setObjectName(QStringLiteral("zoomBackButton"));
    m_zoomBack->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Left));
    m_zoomBack->setToolTip(tr("Back to the view before the last range zoom (Alt+Left, or Backspace in the timeline)"));
    m_zoomBack->setEnabled(false);
    auto* span = new QComboBox;
    span->setObjectName(QStringLiteral("spanCombo"));
    span->setToolTip(tr("How many seconds the timeline shows"));
    for (int s : { 2, 5, 10, 20, 30, 60, 120 })
        span->addItem(tr("%1 s").arg(s), s);
    span->setCurrentIndex(2);
    auto* timelineBar = new QHBoxLayout;
    timelineBar->addWidget(new QLabel(
        tr("<b>Timeline</b> — Ctrl+wheel zooms, drag pans, Shift+drag selects a range, click selects a job")));
    timelineBar->addStretch(1);
    timelineBar->addWidget(new QLabel(tr("Show")));
    timelineBar->addWidget(span);
    timelineBar->addWidget(m_zoomBack);
    timelineBar->addWidget(m_pauseView);
    timelineBar->addWidget(m_now);
    auto* timelineBox = new QWidget;
    auto* timelineLayout = new QVBoxLayout(timelineBox);
    timelineLayout->setContentsMargins(0, 0, 0, 0);
    timelineLayout->addLayout(timelineBar);
    timelineLayout->addWidget(m_timeline, 1);

    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_controller.jobModel());
    m_proxy->setSortRole(JobTableModel::SortRole);
    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("jobTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(JobTableModel::IdColumn, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);

    m_log = new QPlainTextEdit;
    m_log->setObjectName(QStringLiteral("log"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(kLogLines);
    m_log->setFont(monospace());
    m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_log->setPlaceholderText(tr("What jobs and callbacks print appears here, with the time and the thread."));
    auto* logBox = new QGroupBox(tr("Log"));
    auto* logLayout = new QVBoxLayout(logBox);
    logLayout->addWidget(m_log);

    auto* tabs = new QTabWidget;
    tabs->setObjectName(QStringLiteral("bottomTabs"));
    tabs->addTab(createRecipes(), tr("Recipes"));
    tabs->addTab(m_table, tr("Jobs"));
    tabs->addTab(createRangeStatistics(), tr("Range statistics"));

    auto* bottom = new QSplitter(Qt::Horizontal);
    bottom->addWidget(tabs);
    bottom->addWidget(logBox);
    bottom->setSizes({ 640, 560 });

    auto* right = new QSplitter(Qt::Vertical);
    right->addWidget(timelineBox);
    right->addWidget(bottom);
    right->setSizes({ 560, 330 });

    auto* central = new QSplitter(Qt::Horizontal);
    central->addWidget(side);
    central->addWidget(right);
    central->setSizes({ 300, 1200 });
    setCentralWidget(central);

    m_mode = new QLabel(tr("Live"));
    m_dropped = new QLabel;
    statusBar()->addPermanentWidget(m_mode);
    statusBar()->addPermanentWidget(m_dropped);
    createMenus();

    connect(&m_controller, &LabController::updated, this, &MainWindow::onUpdated);
    connect(&m_controller, &LabController::outputLine, this, &MainWindow::onOutputLine);
    connect(&m_controller, &LabController::scenarioStarted, this,
        [this](const QString& name) { statusBar()->showMessage(tr("Running %1…").arg(name)); });
    connect(&m_controller, &LabController::scenarioFinished, this,
        [this](const QString& name) { statusBar()->showMessage(tr("%1 finished").arg(name), 5000); });
    connect(m_timeline, &TimelineView::jobClicked, this, &MainWindow::onTimelineJobClicked);
    connect(
        m_timeline, &TimelineView::followingChanged, this, [this](bool following) { m_now->setEnabled(!following); });
    connect(m_now, &QPushButton::clicked, this, [this] { m_timeline->setFollowing(true); });
    connect(m_pauseView, &QPushButton::toggled, this, [this](bool paused) {
        if (paused)
            m_controller.drain(); // freeze what has happened until now, not until the last 16 ms tick
        m_timeline->setViewPaused(paused);
    });
    connect(m_timeline, &TimelineView::viewPausedChanged, this, [this](bool paused) {
        const QSignalBlocker block(m_pauseView);
        m_pauseView->setChecked(paused);
        m_pauseView->setText(paused ? tr("Resume view") : tr("Pause view"));
        m_mode->setText(paused ? tr("View paused — still recording") : tr("Live"));
    });
    connect(m_zoomBack, &QPushButton::clicked, m_timeline, &TimelineView::zoomBack);
    connect(m_timeline, &TimelineView::zoomHistoryChanged, m_zoomBack, &QWidget::setEnabled);
    connect(m_timeline, &TimelineView::rangeChanged, this, &MainWindow::refreshRangeStatistics);
    connect(&m_controller, &LabController::recordingChanged, this, [this](bool recording) {
        const QSignalBlocker block(m_recordAction);
        m_recordAction->setChecked(recording);
        statusBar()->showMessage(recording ? tr("Recording a scenario: queue jobs and resize the pool")
                                           : tr("Recorded %n step(s); File → Save scenario writes them", nullptr,
                                               static_cast<int>(m_controller.recordedScenario().steps.size())),
            8000);
    });
    connect(span, &QComboBox::currentIndexChanged, this,
        [this, span] { m_timeline->setSpanSeconds(span->currentData().toDouble()); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &MainWindow::onTableRowActivated);

    resize(1500, 950);
    m_rangeClock.start();
    onUpdated();
    refreshRangeStatistics();
}

QWidget* MainWindow::createLauncher()
{
    auto* box = new QGroupBox(tr("Launcher"));
    box->setObjectName(QStringLiteral("launcher"));
    auto* form = new QFormLayout(box);

    m_api = new QComboBox;
    m_api->setObjectName(QStringLiteral("apiCombo"));
    m_api->setToolTip(tr("The API the jobs are submitted through"));
    for (ApiKind api : { ApiKind::CallInThread, ApiKind::DeferToThread, ApiKind::CallMultipleInThread,
             ApiKind::BlockingCallFromThread, ApiKind::CallFromThread })
        m_api->addItem(apiName(api), static_cast<int>(api));
    form->addRow(tr("API"), m_api);

    m_count = new QSpinBox;
    m_count->setObjectName(QStringLiteral("countSpin"));
    m_count->setRange(1, ScenarioLimits::maxCount);
    m_count->setValue(10);
    m_count->setToolTip(tr("How many jobs to queue"));
    form->addRow(tr("Jobs"), m_count);

    m_sleepMin = new QSpinBox;
    m_sleepMin->setObjectName(QStringLiteral("sleepMinSpin"));
    m_sleepMin->setRange(0, ScenarioLimits::maxSleepMs);
    m_sleepMin->setValue(500);
    m_sleepMin->setSuffix(tr(" ms"));
    m_sleepMin->setToolTip(tr("How long each job sleeps (the minimum, for a random range)"));
    m_sleepRandom = new QCheckBox(tr("up to"));
    m_sleepRandom->setObjectName(QStringLiteral("sleepRandomCheck"));
    m_sleepRandom->setToolTip(tr("Draw each job's sleep uniformly between the two values"));
    m_sleepMax = new QSpinBox;
    m_sleepMax->setObjectName(QStringLiteral("sleepMaxSpin"));
    m_sleepMax->setRange(0, ScenarioLimits::maxSleepMs);
    m_sleepMax->setValue(1500);
    m_sleepMax->setSuffix(tr(" ms"));
    m_sleepMax->setEnabled(false);
    m_sleepMax->setToolTip(tr("The longest sleep of the random range"));
    auto* randomRow = new QHBoxLayout;
    randomRow->addWidget(m_sleepRandom);
    randomRow->addWidget(m_sleepMax, 1);
    form->addRow(tr("Sleep"), m_sleepMin);
    form->addRow(tr("Random"), randomRow);
    connect(m_sleepRandom, &QCheckBox::toggled, m_sleepMax, &QWidget::setEnabled);
    // Invalid ranges are impossible: the maximum never goes below the minimum.
    connect(m_sleepMin, &QSpinBox::valueChanged, this, [this](int v) { m_sleepMax->setMinimum(v); });

    m_failureRate = new QDoubleSpinBox;
    m_failureRate->setObjectName(QStringLiteral("failureRateSpin"));
    m_failureRate->setRange(0.0, 1.0);
    m_failureRate->setSingleStep(0.05);
    m_failureRate->setDecimals(2);
    m_failureRate->setToolTip(tr("Probability that a job throws (to see errbacks)"));
    form->addRow(tr("Failure rate"), m_failureRate);

    m_label = new QLineEdit;
    m_label->setObjectName(QStringLiteral("labelEdit"));
    m_label->setMaxLength(ScenarioLimits::maxLabelLength - 8);
    m_label->setPlaceholderText(tr("default: sleep <ms> ms"));
    m_label->setToolTip(tr("Label of the jobs in the timeline and the table"));
    form->addRow(tr("Label"), m_label);

    m_queue = new QPushButton(tr("&Queue"));
    m_queue->setObjectName(QStringLiteral("queueButton"));
    m_queue->setToolTip(tr("Submit the jobs (Ctrl+Return); the GUI never waits for them"));
    m_queue->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    form->addRow(m_queue);

    connect(m_api, &QComboBox::currentIndexChanged, this, &MainWindow::onApiChanged);
    connect(m_queue, &QPushButton::clicked, this, &MainWindow::onQueueClicked);
    return box;
}

QWidget* MainWindow::createPoolPanel()
{
    auto* box = new QGroupBox(tr("Pool"));
    box->setObjectName(QStringLiteral("poolPanel"));
    auto* form = new QFormLayout(box);

    m_maxThreads = new QSpinBox;
    m_maxThreads->setObjectName(QStringLiteral("maxThreadsSpin"));
    m_maxThreads->setRange(1, ScenarioLimits::maxPoolSize);
    m_maxThreads->setValue(m_controller.maxThreads());
    m_maxThreads->setToolTip(tr("Maximum threads: reactor.suggestThreadPoolSize(n), applied live"));
    // Applied on Enter, focus change or the arrows, not per keystroke: typing "16" must not resize to 1 first.
    m_maxThreads->setKeyboardTracking(false);
    m_maxSlider = new QSlider(Qt::Horizontal);
    m_maxSlider->setObjectName(QStringLiteral("maxThreadsSlider"));
    m_maxSlider->setRange(1, kSliderMax);
    m_maxSlider->setValue(m_controller.maxThreads());
    m_maxSlider->setToolTip(m_maxThreads->toolTip());
    auto* maxRow = new QHBoxLayout;
    maxRow->addWidget(m_maxThreads);
    maxRow->addWidget(m_maxSlider, 1);
    form->addRow(tr("Max threads"), maxRow);

    m_minThreads = new QSpinBox;
    m_minThreads->setObjectName(QStringLiteral("minThreadsSpin"));
    m_minThreads->setRange(0, ScenarioLimits::maxPoolSize);
    m_minThreads->setValue(m_controller.minThreads());
    m_minThreads->setToolTip(tr("Minimum threads kept alive (raises the maximum if needed)"));
    m_minThreads->setKeyboardTracking(false);
    form->addRow(tr("Min threads"), m_minThreads);

    m_pause = new QPushButton(tr("&Pause pool"));
    m_pause->setObjectName(QStringLiteral("pauseButton"));
    m_pause->setCheckable(true);
    m_pause->setToolTip(tr("Maximum 0: running jobs finish, new ones wait in the backlog; click again to resume"));
    form->addRow(m_pause);

    m_stats = new QLabel;
    m_stats->setObjectName(QStringLiteral("poolStats"));
    m_stats->setFont(monospace());
    m_stats->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(m_stats);

    m_stopReactor = new QPushButton(tr("S&top reactor"));
    m_stopReactor->setObjectName(QStringLiteral("stopReactorButton"));
    m_stopReactor->setToolTip(tr("reactor.stop(): queued jobs are cancelled, running ones finish, the pool shuts "
                                 "down — and Thread Lab closes with it, as a reactor cannot be restarted"));
    form->addRow(m_stopReactor);
    connect(m_stopReactor, &QPushButton::clicked, this, &MainWindow::onStopReactorClicked);

    connect(m_maxThreads, &QSpinBox::valueChanged, this, [this](int n) {
        m_maxSlider->setValue(std::min(n, kSliderMax));
        if (n != m_controller.maxThreads() || m_controller.isPaused()) {
            m_controller.setMaxThreads(n);
            m_pause->setChecked(false);
        }
    });
    connect(m_maxSlider, &QSlider::valueChanged, this, [this](int n) {
        if (m_maxThreads->value() <= kSliderMax || n < kSliderMax)
            m_maxThreads->setValue(n);
    });
    connect(m_minThreads, &QSpinBox::valueChanged, this, [this](int n) {
        if (n != m_controller.minThreads())
            m_controller.setMinThreads(n);
    });
    connect(m_pause, &QPushButton::toggled, this, [this](bool paused) {
        if (paused)
            m_controller.pause();
        else
            m_controller.resume();
        m_pause->setText(paused ? tr("&Resume pool") : tr("&Pause pool"));
    });
    return box;
}

QWidget* MainWindow::createRecipes()
{
    auto* page = new QWidget;
    page->setObjectName(QStringLiteral("recipes"));
    m_recipes = new QListWidget;
    m_recipes->setObjectName(QStringLiteral("recipeList"));
    m_recipes->setToolTip(tr("The howto's examples and a few lessons, built in"));
    QStringList names = builtinScenarioNames();
    std::stable_partition(names.begin(), names.end(), [](const QString& n) { return n.startsWith(u"howto-"); });
    for (const QString& name : names)
        m_recipes->addItem(name);
    m_recipes->setMaximumWidth(260);

    m_recipeDescription = new QLabel;
    m_recipeDescription->setObjectName(QStringLiteral("recipeDescription"));
    m_recipeDescription->setWordWrap(true);
    m_python = new QPlainTextEdit;
    m_python->setObjectName(QStringLiteral("pythonSource"));
    m_cpp = new QPlainTextEdit;
    m_cpp->setObjectName(QStringLiteral("cppSource"));
    for (QPlainTextEdit* edit : { m_python, m_cpp }) {
        edit->setReadOnly(true);
        edit->setFont(monospace());
        edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    }
    m_runRecipe = new QPushButton(tr("&Run recipe"));
    m_runRecipe->setObjectName(QStringLiteral("runRecipeButton"));
    m_runRecipe->setToolTip(tr("Play it on this window's reactor; its prints go to the log"));
    m_runRecipe->setEnabled(false);

    auto* sources = new QSplitter(Qt::Horizontal);
    auto wrap = [](const QString& title, QWidget* w) {
        auto* box = new QWidget;
        auto* l = new QVBoxLayout(box);
        l->setContentsMargins(0, 0, 0, 0);
        l->addWidget(new QLabel(title));
        l->addWidget(w);
        return box;
    };
    sources->addWidget(wrap(tr("<b>Python (Twisted)</b>"), m_python));
    sources->addWidget(wrap(tr("<b>C++ (qtwisted)</b>"), m_cpp));

    auto* detail = new QVBoxLayout;
    auto* top = new QHBoxLayout;
    top->addWidget(m_recipeDescription, 1);
    top->addWidget(m_runRecipe, 0, Qt::AlignTop);
    detail->addLayout(top);
    detail->addWidget(sources, 1);
    auto* layout = new QHBoxLayout(page);
    layout->addWidget(m_recipes);
    layout->addLayout(detail, 1);

    connect(m_recipes, &QListWidget::currentRowChanged, this, &MainWindow::onRecipeSelected);
    connect(m_recipes, &QListWidget::itemDoubleClicked, this, &MainWindow::onRunRecipeClicked);
    connect(m_runRecipe, &QPushButton::clicked, this, &MainWindow::onRunRecipeClicked);
    if (m_recipes->count() > 0)
        m_recipes->setCurrentRow(0);
    return page;
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    auto add = [this, file](const QString& text, const QString& name, const QKeySequence& key, const QString& tip,
                   void (MainWindow::*slot)()) {
        QAction* a = file->addAction(text, this, slot);
        a->setObjectName(name);
        a->setShortcut(key);
        a->setStatusTip(tip);
        a->setToolTip(tip);
        return a;
    };
    add(tr("&Open trace…"), QStringLiteral("openTraceAction"), QKeySequence::Open,
        tr("Open a trace exported by Thread Lab, read-only"), &MainWindow::onOpenTrace);
    add(tr("&Load scenario…"), QStringLiteral("loadScenarioAction"), QKeySequence(Qt::CTRL | Qt::Key_L),
        tr("Load a scenario file (JSON) and play it"), &MainWindow::onLoadScenario);
    add(tr("&Save scenario…"), QStringLiteral("saveScenarioAction"), QKeySequence::Save,
        tr("Save the recorded scenario (or the last one played) as JSON"), &MainWindow::onSaveScenario);
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
        tr("For ui.perfetto.dev or chrome://tracing"), &MainWindow::onExportTrace);
    add(tr("Export &jobs (CSV)…"), QStringLiteral("exportCsvAction"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E),
        tr("One row per job"), &MainWindow::onExportCsv);
    add(tr("Save &PNG of the view…"), QStringLiteral("savePngAction"), QKeySequence(Qt::CTRL | Qt::Key_P),
        tr("A picture of the window"), &MainWindow::onSavePng);
    QAction* live = file->addAction(tr("Back to &live recording"), this, [this] {
        m_controller.showLive();
        m_timeline->setTraceData(&m_controller.traceData(), true);
        m_mode->setText(tr("Live"));
        m_queue->setEnabled(true);
        m_runRecipe->setEnabled(m_recipes->currentRow() >= 0);
    });
    live->setObjectName(QStringLiteral("liveAction"));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setObjectName(QStringLiteral("quitAction"));
    quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
}

QWidget* MainWindow::createRangeStatistics()
{
    auto* page = new QWidget;
    page->setObjectName(QStringLiteral("rangeStatistics"));
    m_rangeSummary = new QLabel;
    m_rangeSummary->setObjectName(QStringLiteral("rangeSummary"));
    m_rangeSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_rangeSummary->setWordWrap(true);
    m_rangeTable = new QTableWidget(0, 3);
    m_rangeTable->setObjectName(QStringLiteral("rangeStatsTable"));
    m_rangeTable->setHorizontalHeaderLabels({ tr("Worker"), tr("Busy %"), tr("Jobs ended") });
    m_rangeTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_rangeTable->verticalHeader()->hide();
    m_rangeTable->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
    m_rangeTable->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_rangeTable->setToolTip(tr("Per worker thread, over the selected range (Shift+drag in the timeline) or else "
                                "the visible one"));
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(m_rangeSummary);
    layout->addWidget(m_rangeTable, 1);
    return page;
}

void MainWindow::refreshRangeStatistics()
{
    m_rangeClock.restart();
    const TraceData& data = m_controller.traceData();
    const auto [t0, t1] = m_timeline->statisticsRange();
    const RangeStats stats = data.stats(t0, t1);
    const auto origin = static_cast<double>(data.timeOrigin());
    auto durations = [](const DurationStats& d) {
        return d.count == 0 ? tr("—")
                            : tr("mean %1, p95 %2 (%n job(s))", nullptr, static_cast<int>(d.count))
                                  .arg(formatMs(d.meanNs), formatMs(static_cast<double>(d.p95Ns)));
    };
    m_rangeSummary->setText(tr("<b>%1 range</b> %2 s → %3 s (%4)<br>throughput %5 jobs/s (%6 ended)<br>"
                               "wait: %7<br>run: %8<br>reactor busy %9 %")
                                .arg(m_timeline->hasSelectedRange() ? tr("Selected") : tr("Visible"))
                                .arg((static_cast<double>(t0) - origin) / 1e9, 0, 'f', 2)
                                .arg((static_cast<double>(t1) - origin) / 1e9, 0, 'f', 2)
                                .arg(formatMs(static_cast<double>(t1 - t0)))
                                .arg(stats.throughputPerSecond, 0, 'f', 1)
                                .arg(stats.jobsEnded)
                                .arg(durations(stats.wait), durations(stats.run))
                                .arg(stats.reactorBusyPercent, 0, 'f', 1));
    const auto lanes = data.lanes();
    m_rangeTable->setRowCount(static_cast<int>(stats.lanes.size()));
    // Worker order, as in the timeline.
    std::vector<LaneStats> rows = stats.lanes;
    std::stable_sort(rows.begin(), rows.end(), [&lanes](const LaneStats& a, const LaneStats& b) {
        const WorkerLane& la = lanes[static_cast<std::size_t>(a.lane)];
        const WorkerLane& lb = lanes[static_cast<std::size_t>(b.lane)];
        return std::tie(la.worker, la.createdNs) < std::tie(lb.worker, lb.createdNs);
    });
    auto cell = [this](int row, int column, const QString& text) {
        QTableWidgetItem* item = m_rangeTable->item(row, column);
        if (!item) {
            item = new QTableWidgetItem;
            if (column > 0)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_rangeTable->setItem(row, column, item);
        }
        item->setText(text);
    };
    for (int row = 0; row < static_cast<int>(rows.size()); ++row) {
        const LaneStats& lane = rows[static_cast<std::size_t>(row)];
        cell(row, 0, lanes[static_cast<std::size_t>(lane.lane)].threadName);
        cell(row, 1, QString::number(lane.busyPercent, 'f', 1));
        cell(row, 2, QString::number(lane.jobsEnded));
    }
}

void MainWindow::onApiChanged()
{
    const auto api = static_cast<ApiKind>(m_api->currentData().toInt());
    // callFromThread jobs sleep in the reactor (= GUI) thread: the format caps them, and so does the launcher.
    const int limit = api == ApiKind::CallFromThread ? ScenarioLimits::maxReactorSleepMs : ScenarioLimits::maxSleepMs;
    m_sleepMin->setMaximum(limit);
    m_sleepMax->setMaximum(limit);
}

void MainWindow::onQueueClicked()
{
    LaunchRequest request;
    request.api = static_cast<ApiKind>(m_api->currentData().toInt());
    request.count = m_count->value();
    request.sleepMinMs = m_sleepMin->value();
    request.sleepMaxMs = m_sleepRandom->isChecked() ? m_sleepMax->value() : m_sleepMin->value();
    request.failureRate = m_failureRate->value();
    request.label = m_label->text().trimmed();
    const QString error = m_controller.queueJobs(request);
    if (!error.isEmpty())
        statusBar()->showMessage(tr("Not queued: %1").arg(error), 8000);
}

void MainWindow::onRecipeSelected()
{
    QListWidgetItem* item = m_recipes->currentItem();
    m_runRecipe->setEnabled(item && m_controller.isLive());
    if (!item)
        return;
    const ScenarioParseResult parsed = loadBuiltinScenario(item->text());
    if (!parsed) {
        m_recipeDescription->setText(parsed.error);
        return;
    }
    m_recipeDescription->setText(parsed.scenario->description);
    m_python->setPlainText(
        parsed.scenario->python.isEmpty() ? tr("(no Python for this lesson)") : parsed.scenario->python);
    m_cpp->setPlainText(parsed.scenario->cpp.isEmpty() ? tr("(no C++ for this lesson)") : parsed.scenario->cpp);
}

void MainWindow::onRunRecipeClicked()
{
    QListWidgetItem* item = m_recipes->currentItem();
    if (!item || !m_controller.isLive())
        return;
    const ScenarioParseResult parsed = loadBuiltinScenario(item->text());
    if (parsed)
        runScenario(*parsed.scenario);
}

void MainWindow::runScenario(const Scenario& scenario)
{
    if (!m_controller.isLive()) {
        m_controller.showLive();
        m_timeline->setTraceData(&m_controller.traceData(), true);
        m_mode->setText(tr("Live"));
    }
    m_log->appendPlainText(tr("── %1 ──").arg(scenario.name));
    m_controller.runScenario(scenario);
}

void MainWindow::onUpdated()
{
    if (!m_timeline->isViewPaused()) {
        m_timeline->update();
        // Statistics of a moving window: a few times a second is plenty, and stats() walks the range.
        if (m_rangeClock.elapsed() >= kRangeRefreshMs)
            refreshRangeStatistics();
    }
    if (m_controller.isLive()) {
        const PoolStats s = m_controller.poolStats();
        m_stats->setText(tr("idle       %1\nbusy       %2\nworkers    %3\nbacklog    %4\ncompleted  %5\nfailed     %6\n"
                            "throughput %7 jobs/s")
                             .arg(s.idle)
                             .arg(s.busy)
                             .arg(s.workers)
                             .arg(s.backlog)
                             .arg(s.completed)
                             .arg(s.failed)
                             .arg(m_controller.throughput(), 0, 'f', 1));
        // Follow resizes made elsewhere (scenarios), unless the user is editing.
        if (!m_maxThreads->hasFocus() && !m_controller.isPaused() && m_maxThreads->value() != m_controller.maxThreads()
            && m_controller.maxThreads() > 0) {
            const QSignalBlocker b1(m_maxThreads);
            const QSignalBlocker b2(m_maxSlider);
            m_maxThreads->setValue(m_controller.maxThreads());
            m_maxSlider->setValue(std::min(m_controller.maxThreads(), kSliderMax));
        }
        if (!m_minThreads->hasFocus() && m_minThreads->value() != m_controller.minThreads()) {
            const QSignalBlocker b(m_minThreads);
            m_minThreads->setValue(m_controller.minThreads());
        }
    }
    const std::uint64_t dropped = m_controller.traceData().droppedEvents();
    m_dropped->setText(
        dropped > 0 ? tr("⚠ %1 trace events dropped (ring full)").arg(dropped) : tr("no events dropped"));
}

void MainWindow::onOutputLine(const QDateTime& time, const QString& threadName, const QString& text)
{
    m_log->appendPlainText(QStringLiteral("%1  %2  %3")
                               .arg(time.toString(QStringLiteral("HH:mm:ss.zzz")), threadName.leftJustified(30), text));
}

void MainWindow::onTimelineJobClicked(int row)
{
    if (row < 0) {
        m_table->clearSelection();
        return;
    }
    const QModelIndex source = m_controller.jobModel()->index(row, 0);
    const QModelIndex index = m_proxy->mapFromSource(source);
    if (!index.isValid())
        return;
    const QSignalBlocker block(m_table->selectionModel());
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(index);
}

void MainWindow::onTableRowActivated()
{
    const QModelIndex index = m_table->selectionModel()->currentIndex();
    m_timeline->setSelectedRow(index.isValid() ? index.data(JobTableModel::JobRowRole).toInt() : -1);
}

bool MainWindow::exportTrace(const QString& path)
{
    m_controller.drain();
    QSaveFile file(path);
    const bool ok
        = file.open(QIODevice::WriteOnly) && exportChromeTrace(m_controller.traceData(), file) && file.commit();
    statusBar()->showMessage(ok ? tr("Trace written to %1").arg(path) : tr("Could not write %1").arg(path), 8000);
    return ok;
}

bool MainWindow::exportCsv(const QString& path)
{
    m_controller.drain();
    QSaveFile file(path);
    const bool ok = file.open(QIODevice::WriteOnly) && exportJobsCsv(m_controller.traceData(), file) && file.commit();
    statusBar()->showMessage(ok ? tr("Jobs written to %1").arg(path) : tr("Could not write %1").arg(path), 8000);
    return ok;
}

QString MainWindow::openTrace(const QString& path)
{
    QFile file(path);
    if (file.size() > kMaxTraceImportBytes)
        return tr("%1 is larger than %2 bytes").arg(path).arg(kMaxTraceImportBytes);
    if (!file.open(QIODevice::ReadOnly))
        return tr("cannot read %1: %2").arg(path, file.errorString());
    TraceImport imported = importChromeTrace(file.readAll());
    if (!imported.data)
        return imported.error;
    m_controller.showImported(std::move(*imported.data));
    m_timeline->setTraceData(&m_controller.traceData(), false);
    m_mode->setText(tr("Viewing %1 (read-only)").arg(QFileInfo(path).fileName()));
    m_queue->setEnabled(false);
    m_runRecipe->setEnabled(false);
    return {};
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
    statusBar()->showMessage(tr("Scenario written to %1").arg(path), 8000);
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

void MainWindow::onStopReactorClicked()
{
    // Stopping cannot be undone (a reactor cannot be restarted, and Thread Lab ends with it): ask first. Window-modal
    // and asynchronous, so the recording and the timeline go on while the question is open.
    auto* confirm = new QMessageBox(QMessageBox::Warning, tr("Stop the reactor?"),
        tr("reactor.stop(): queued jobs are cancelled, running ones finish, the pool shuts down — and Thread Lab "
           "closes with it, as a reactor cannot be restarted."),
        QMessageBox::Cancel, this);
    confirm->setObjectName(QStringLiteral("stopReactorConfirm"));
    QPushButton* stop = confirm->addButton(tr("Stop reactor"), QMessageBox::DestructiveRole);
    stop->setObjectName(QStringLiteral("stopReactorConfirmButton"));
    confirm->setDefaultButton(QMessageBox::Cancel);
    confirm->setAttribute(Qt::WA_DeleteOnClose);
    connect(confirm, &QMessageBox::buttonClicked, this, [this, stop](QAbstractButton* clicked) {
        if (clicked == stop)
            stopReactorNow();
    });
    confirm->open();
}

void MainWindow::stopReactorNow()
{
    for (QWidget* w : std::initializer_list<QWidget*> {
             m_queue, m_runRecipe, m_stopReactor, m_maxThreads, m_maxSlider, m_minThreads, m_pause })
        w->setEnabled(false);
    statusBar()->showMessage(tr("Reactor stopped"));
    m_controller.stopReactor();
}

void MainWindow::onExportTrace()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export trace"), QStringLiteral("trace.json"), tr("Chrome trace (*.json)"));
    if (!path.isEmpty() && !exportTrace(path))
        QMessageBox::warning(this, tr("Export trace"), tr("Could not write %1").arg(path));
}

void MainWindow::onExportCsv()
{
    const QString path
        = QFileDialog::getSaveFileName(this, tr("Export jobs"), QStringLiteral("jobs.csv"), tr("CSV (*.csv)"));
    if (!path.isEmpty() && !exportCsv(path))
        QMessageBox::warning(this, tr("Export jobs"), tr("Could not write %1").arg(path));
}

void MainWindow::onSavePng()
{
    const QString path
        = QFileDialog::getSaveFileName(this, tr("Save PNG"), QStringLiteral("thread-lab.png"), tr("PNG image (*.png)"));
    if (!path.isEmpty() && !grab().save(path, "PNG"))
        QMessageBox::warning(this, tr("Save PNG"), tr("Could not write %1").arg(path));
}

void MainWindow::onOpenTrace()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open trace"), {}, tr("Chrome trace (*.json)"));
    if (path.isEmpty())
        return;
    const QString error = openTrace(path);
    if (!error.isEmpty())
        QMessageBox::warning(this, tr("Open trace"), error);
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

void MainWindow::closeEvent(QCloseEvent* event)
{
    // Closing ends the application, and the reactor's aboutToQuit shutdown drains the pool's backlog before the
    // process exits. Cancelling the scripts first makes that prompt: their queued jobs return at once and sleeping
    // ones wake early (the runner's own sleep), so closing with 10 000 jobs queued does not wait for all of them.
    // Jobs the user's code would have run cannot be interrupted in Twisted; ours are all runner jobs.
    m_controller.cancelAll();
    event->accept();
}

} // namespace qtwisted
