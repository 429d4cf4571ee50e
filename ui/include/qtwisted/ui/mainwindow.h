// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QMainWindow>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

class QLabel;
class QTabWidget;

namespace qtwisted {

class ComparePanel;
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
class TwistedRunner;
struct ComparedRun;
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

    /// The run shown: the last scenario played in the window (the whole recording if none), or the opened trace.
    ComparedRun currentRun() const;
    /// Shows `b` below the current run on one time axis, with the comparison table; the error, or empty (a run with
    /// no pool job has nothing to compare; one whose jobs never ended, as Twisted's that hung, has).
    QString compareWith(const ComparedRun& b);
    /// Compares the current run with a saved one, read blocking (Compare → With a saved run reads it the same way:
    /// a run is small); the error, or empty.
    QString compareWithFile(const QString& path);
    /// Compares the last scenario run in the window with the one before it; the error, or empty.
    QString compareWithPreviousRun();
    ComparePanel* comparePanel() const noexcept { return m_compare; }
    /// "Run in Twisted too": each scenario played in the window is then played in Twisted and compared. Turning it
    /// on when Twisted is missing says how to install it and leaves it off; the error, or empty.
    QString setRunInTwisted(bool on);
    bool runsInTwisted() const noexcept;
    TwistedRunner* twistedRunner() const noexcept { return m_twisted; }

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
    /// `name`: the last of the scenarios that ran together (a recipe, a file, or the Launcher's "launch N").
    void onScenariosFinished(const QString& name);
    void onTwistedFinished(const QString& tracePath, const QString& message, bool gaveUp);
    void createCompareMenu();
    /// Shows `a` (drawn by the main timeline) against `b`; the error, or empty.
    QString showComparison(const ComparedRun& a, const ComparedRun& b);

    /// A scenario run in the window: its part of the live recording, and the scenario played (none for a Launcher
    /// run: nothing to play in Twisted).
    struct RunSpan {
        QString name;
        std::int64_t startNs = 0;
        std::int64_t endNs = 0;
        std::shared_ptr<const Scenario> scenario;
    };
    /// Plays `run`'s scenario in Twisted, to be compared with `run` when it ends; says why not otherwise.
    void playInTwisted(const RunSpan& run);
    /// `span` of the live recording, as a run to compare.
    ComparedRun liveRun(const RunSpan& span, const QString& name) const;

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
    ComparePanel* m_compare = nullptr;
    TwistedRunner* m_twisted = nullptr;
    QAction* m_twistedAction = nullptr;
    QAction* m_previousRunAction = nullptr;
    std::vector<RunSpan> m_runs; ///< the last few, oldest first
    std::shared_ptr<const Scenario> m_playing; ///< the last scenario runScenario() started, until it finishes
    std::optional<RunSpan> m_twistedRun; ///< the qtwisted run the Twisted play under way is to be compared with
    bool m_closing = false; ///< the window closes or the reactor stopped: runs cancelled now are not played again
    QString m_shownFile; ///< the file of the trace shown when not live
};

} // namespace qtwisted
