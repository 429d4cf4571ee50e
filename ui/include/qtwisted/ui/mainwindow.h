// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QMainWindow>

#include <cstdint>

class QLabel;
class QTabWidget;

namespace qtwisted {

class JobTablePanel;
class LabController;
class LauncherPanel;
class LogPanel;
class PoolPanel;
class ProblemsPanel;
class RangeStatsPanel;
class RecipesPanel;
class TimelinePanel;
class TimelineView;
class TraceData;
class TraceFileTasks;
struct Scenario;

/// Thread Lab's window: it creates the panels (Launcher, Pool, Timeline, Problems, Recipes, Jobs, Range statistics,
/// Log) around a LabController, wires them, and owns the menus and the status bar.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    /// `controller` must outlive the window.
    explicit MainWindow(LabController& controller, QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Plays a scenario (its `stop` step removed: the window's reactor must keep running).
    void runScenario(const Scenario& scenario);
    /// Writes the shown trace / job table, blocking (tests and scripts; the menu writes in the background); false (and
    /// a message in the status bar) on failure.
    bool exportTrace(const QString& path);
    bool exportCsv(const QString& path);
    /// Opens an exported trace read-only, blocking (the menu opens in the background); the error message, or empty.
    QString openTrace(const QString& path);
    /// The same off the GUI thread, with progress and Cancel (what File → Open trace and Export do). False when
    /// another file task is still running.
    bool openTraceInBackground(const QString& path);
    bool exportTraceInBackground(const QString& path);
    bool exportCsvInBackground(const QString& path);
    /// The background file tasks (to cancel one, or wait for it).
    TraceFileTasks* fileTasks() const noexcept { return m_files; }
    /// Loads a scenario file and plays it; the error message, or empty.
    QString loadScenario(const QString& path);
    /// Writes the recorded scenario (or, when nothing was recorded, the last one played) as JSON; the error, or
    /// empty.
    QString saveScenario(const QString& path);
    /// Recomputes the range statistics now (they otherwise follow the view a few times a second).
    void refreshRangeStatistics();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    QWidget* createCentralWidget();
    void createMenus();
    void connectController();

    void onUpdated();
    void showImported(TraceData data, const QString& path);
    void showLive();
    void onFileTaskFinished(const QString& message, const QString& error);
    void onSaveScenario();
    void onLoadScenario();
    void onSavePng();
    void stopReactorNow();

    LabController& m_controller;
    LauncherPanel* m_launcher = nullptr;
    PoolPanel* m_pool = nullptr;
    TimelinePanel* m_timelinePanel = nullptr;
    TimelineView* m_timeline = nullptr;
    int m_scenariosRunning = 0; ///< scenarios started and not finished: when none is left, the view fits their run
    std::int64_t m_scenariosStartNs = 0; ///< traceNow() when the first of them started
    RecipesPanel* m_recipes = nullptr;
    JobTablePanel* m_jobs = nullptr;
    RangeStatsPanel* m_rangeStats = nullptr;
    LogPanel* m_log = nullptr;
    ProblemsPanel* m_problems = nullptr;
    QTabWidget* m_tabs = nullptr;
    TraceFileTasks* m_files = nullptr;
    QAction* m_recordAction = nullptr;
    QLabel* m_dropped = nullptr;
    QLabel* m_mode = nullptr;
};

} // namespace qtwisted
