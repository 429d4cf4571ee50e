// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QMainWindow>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSlider;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;
class QTableWidget;

namespace qtwisted {

class LabController;
class TimelineView;
struct Scenario;

/// Thread Lab's window: Launcher, Pool panel, Timeline, Job table, Recipes and Log around a LabController.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    /// `controller` must outlive the window.
    explicit MainWindow(LabController& controller, QWidget* parent = nullptr);

    /// Plays a scenario (its `stop` step removed: the window's reactor must keep running).
    void runScenario(const Scenario& scenario);
    /// Writes the shown trace / job table; false (and a message in the status bar) on failure.
    bool exportTrace(const QString& path);
    bool exportCsv(const QString& path);
    /// Opens an exported trace read-only; the error message, or empty.
    QString openTrace(const QString& path);
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
    QWidget* createLauncher();
    QWidget* createPoolPanel();
    QWidget* createRecipes();
    QWidget* createRangeStatistics();
    void createMenus();

    void onQueueClicked();
    void onApiChanged();
    void onRecipeSelected();
    void onRunRecipeClicked();
    void onUpdated();
    void onOutputLine(const QDateTime& time, const QString& threadName, const QString& text);
    void onTimelineJobClicked(int row);
    void onTableRowActivated();
    void onExportTrace();
    void onExportCsv();
    void onSavePng();
    void onOpenTrace();
    void onLoadScenario();
    void onSaveScenario();
    void onStopReactorClicked();
    void stopReactorNow();

    LabController& m_controller;
    TimelineView* m_timeline = nullptr;
    QTableView* m_table = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QPlainTextEdit* m_log = nullptr;

    QComboBox* m_api = nullptr;
    QSpinBox* m_count = nullptr;
    QSpinBox* m_sleepMin = nullptr;
    QCheckBox* m_sleepRandom = nullptr;
    QSpinBox* m_sleepMax = nullptr;
    QDoubleSpinBox* m_failureRate = nullptr;
    QLineEdit* m_label = nullptr;
    QPushButton* m_queue = nullptr;

    QSpinBox* m_maxThreads = nullptr;
    QSlider* m_maxSlider = nullptr;
    QSpinBox* m_minThreads = nullptr;
    QPushButton* m_pause = nullptr;
    QLabel* m_stats = nullptr;
    QPushButton* m_stopReactor = nullptr;

    QTableWidget* m_rangeTable = nullptr;
    QLabel* m_rangeSummary = nullptr;
    QElapsedTimer m_rangeClock;
    QAction* m_recordAction = nullptr;

    QListWidget* m_recipes = nullptr;
    QLabel* m_recipeDescription = nullptr;
    QPlainTextEdit* m_python = nullptr;
    QPlainTextEdit* m_cpp = nullptr;
    QPushButton* m_runRecipe = nullptr;

    QPushButton* m_now = nullptr;
    QPushButton* m_pauseView = nullptr;
    QPushButton* m_zoomBack = nullptr;
    QLabel* m_dropped = nullptr;
    QLabel* m_mode = nullptr;
};

} // namespace qtwisted
