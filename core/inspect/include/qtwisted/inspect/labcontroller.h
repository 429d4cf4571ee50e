// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/diagnostics.h>
#include <qtwisted/inspect/jobtablemodel.h>
#include <qtwisted/inspect/scenario.h>
#include <qtwisted/inspect/tracedata.h>
#include <qtwisted/threadpool.h>
#include <qtwisted/trace.h>

#include <QDateTime>
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

#include <memory>
#include <optional>
#include <vector>

namespace qtwisted {

class Reactor;
class ScenarioRunner;

/// What the Launcher asks for: one batch of jobs through one API.
struct LaunchRequest {
    ApiKind api = ApiKind::CallInThread;
    int count = 1;
    int sleepMinMs = 500;
    int sleepMaxMs = 500; ///< equal to sleepMinMs for a fixed duration
    double failureRate = 0.0;
    QString label;
};

/// Thread Lab's controller (QtCore only, also used headless): records the reactor into a TraceData on a 16 ms tick,
/// owns the job table model, plays scenarios and launcher batches on the reactor, and resizes its pool. A
/// DiagnosticsMonitor (default thresholds) watches the reactor and its pool; its findings are recorded into the trace
/// (TraceData::findings()) and exported with it.
class LabController : public QObject {
    Q_OBJECT
public:
    /// `reactor` must outlive the controller.
    explicit LabController(Reactor& reactor, QObject* parent = nullptr);
    ~LabController() override;

    LabController(const LabController&) = delete;
    LabController& operator=(const LabController&) = delete;
    LabController(LabController&&) = delete;
    LabController& operator=(LabController&&) = delete;

    Reactor& reactor() const noexcept { return m_reactor; }
    /// What the views show: the live recording, or an imported trace (read-only).
    TraceData& traceData() noexcept { return m_imported ? *m_imported : m_live; }
    const TraceData& liveData() const noexcept { return m_live; }
    JobTableModel* jobModel() const noexcept { return m_model; }
    /// The monitor watching the reactor and its pool (findings with their jobs and remedies, live).
    DiagnosticsMonitor& diagnostics() const noexcept { return *m_monitor; }
    /// Watches another pool the lab makes (the reactor's own pool is watched from the start).
    void watchPool(ThreadPool& pool);
    void unwatchPool(ThreadPool& pool);
    bool isLive() const noexcept { return !m_imported.has_value(); }

    /// Queues a launcher batch (never blocks: every API is submitted by a ScenarioRunner; blockingCallFromThread
    /// callers are pool threads). Returns an error message for an invalid request, nothing is queued then.
    QString queueJobs(const LaunchRequest& request);
    /// Plays a scenario on the reactor. A `stop` step is removed unless `allowStop` (see the .cpp).
    void runScenario(Scenario scenario, bool allowStop = false);
    /// Cancels every running scenario and batch: queued jobs return at once, sleeping ones wake early.
    void cancelAll();
    /// Scenarios and batches still playing.
    int activeRuns() const noexcept { return static_cast<int>(m_runners.size()); }

    /// reactor.suggestThreadPoolSize(n); the pool's minimum follows if it was higher.
    void setMaxThreads(int n);
    /// adjustPoolsize(min, max(min, current max)).
    void setMinThreads(int n);
    /// ThreadPool::setSpareThreads(n): threads parked beside the workers, so that growing the pool takes a parked
    /// thread instead of starting one. Not recorded in a scenario.
    void setSpareThreads(int n);
    /// Maximum 0 (work backlogs) / back to the maximum before the pause.
    void pause();
    void resume();
    bool isPaused() const noexcept { return m_pausedMax.has_value(); }
    /// reactor.stop() after cancelling every run: the pool shuts down, and an embedded reactor ends the application
    /// with it (a reactor cannot be restarted).
    void stopReactor();

    /// Records what the user does from now on (launcher batches, resizes, pause/resume) as a scenario.
    void startRecording();
    /// Ends the recording; recordedScenario() keeps it.
    void stopRecording();
    bool isRecording() const noexcept { return m_recording; }
    /// What was recorded so far (or by the last recording): steps timed from the start of the recording.
    const Scenario& recordedScenario() const noexcept { return m_recorded; }
    /// The last scenario played (a recipe or a loaded file), before any edit for the GUI; nullopt if none.
    const std::optional<Scenario>& lastScenario() const noexcept { return m_lastScenario; }

    PoolStats poolStats() const;
    int minThreads() const;
    int maxThreads() const;
    int spareThreads() const;
    /// Jobs completed (or failed) per second, smoothed over about a second.
    double throughput() const noexcept { return m_throughput; }
    std::uint64_t droppedEvents() const noexcept;

    /// Shows an imported trace instead of the live recording (recording goes on); `live()` goes back.
    void showImported(TraceData data);
    void showLive();

    /// Drains the recorder now, all of it. The 16 ms timer drains for at most a few milliseconds per tick instead, so
    /// that a flood of events never makes the GUI late; what is left waits in the recorder's bounded ring.
    void drain();

Q_SIGNALS:
    /// New events were drained (or the shown data changed); views repaint from traceData().
    void updated();
    /// A job or callback printed `text` in `threadName` at `time`.
    void outputLine(const QDateTime& time, const QString& threadName, const QString& text);
    void scenarioStarted(const QString& name);
    void scenarioProgress(const QString& name, int done, int total);
    void scenarioFinished(const QString& name);
    void recordingChanged(bool recording);
    /// The monitor found a problem, or one it found changed or ended (the trace has it once drained).
    void findingsChanged();

private:
    void drainFor(std::int64_t budgetNs);
    ScenarioRunner* startRunner(Scenario scenario);
    void record(ScenarioAction action);

    Reactor& m_reactor;
    std::unique_ptr<TraceRecorder> m_recorder;
    std::unique_ptr<DiagnosticsMonitor> m_monitor;
    TraceData m_live;
    std::optional<TraceData> m_imported;
    JobTableModel* m_model;
    QTimer m_timer;
    std::vector<TraceEvent> m_batch;
    std::vector<ScenarioRunner*> m_runners;
    std::optional<int> m_pausedMax;
    int m_launches = 0;
    quint64 m_lastEnded = 0;
    std::int64_t m_lastRateNs = 0;
    double m_throughput = 0.0;
    bool m_recording = false;
    QElapsedTimer m_recordClock;
    Scenario m_recorded;
    std::optional<Scenario> m_lastScenario;
};

} // namespace qtwisted
