// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/inspect/labcontroller.h>
#include <qtwisted/inspect/scenariorunner.h>
#include <qtwisted/reactor.h>

#include <algorithm>
#include <variant>

namespace qtwisted {

namespace {
constexpr int kTickMs = 16;
constexpr std::size_t kMaxBatch = std::size_t { 1 } << 16;
// Per timer tick: events are appended in slices of kTickBatch until kTickBudgetNs went by (bench_guilateness:
// a 100 000 calls/s flood otherwise held the GUI thread for over 100 ms at a time).
constexpr std::size_t kTickBatch = 4096;
constexpr std::int64_t kTickBudgetNs = 5'000'000;
constexpr double kRateWindowNs = 1e9;
} // namespace

LabController::LabController(Reactor& reactor, QObject* parent)
    : QObject(parent)
    , m_reactor(reactor)
    , m_recorder(std::make_unique<TraceRecorder>())
    , m_model(new JobTableModel(&m_live, this))
{
    ThreadPool& pool = m_reactor.getThreadPool();
    m_live.setInitialPoolSize(TraceStrings::intern(pool.name()), pool.minThreads(), pool.maxThreads());
    m_live.setTimeOrigin(traceNow());
    m_lastRateNs = traceNow();
    m_recorder->attach(m_reactor);
    // Attached after the recorder: its findings go into the trace (FindingStarted / FindingEnded) and from there
    // into the views, the exports and the headless summary. Default thresholds: the lab's own demo jobs are what
    // a user would write, and a finding about them is the lesson.
    m_monitor = std::make_unique<DiagnosticsMonitor>(m_reactor);
    for (auto signal :
        { &DiagnosticsMonitor::findingStarted, &DiagnosticsMonitor::findingUpdated, &DiagnosticsMonitor::findingEnded })
        connect(m_monitor.get(), signal, this, &LabController::findingsChanged);
    m_batch.reserve(kMaxBatch);

    // One tick drains everything that happened since the last one: the GUI never handles one signal per event.
    m_timer.setInterval(kTickMs);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, [this] { drainFor(kTickBudgetNs); });
    m_timer.start();
}

LabController::~LabController()
{
    m_timer.stop();
    // Runners are children; destroying them cancels their scripts (jobs still queued return at once).
    qDeleteAll(m_runners);
    m_runners.clear();
    m_monitor.reset(); // before the recorder it records into
    m_recorder.reset();
}

void LabController::watchPool(ThreadPool& pool)
{
    m_monitor->watch(pool);
}

void LabController::unwatchPool(ThreadPool& pool)
{
    m_monitor->unwatch(pool);
}

void LabController::drain()
{
    drainFor(-1);
}

void LabController::drainFor(std::int64_t budgetNs)
{
    const std::int64_t start = traceNow();
    bool any = false;
    for (;;) {
        m_batch.clear();
        if (m_recorder->drain(m_batch, budgetNs < 0 ? kMaxBatch : kTickBatch) == 0)
            break;
        m_live.append(m_batch);
        any = true;
        if (budgetNs >= 0 && traceNow() - start >= budgetNs)
            break;
    }
    const std::uint64_t dropped = m_recorder->dropped();
    if (dropped != m_live.droppedEvents()) {
        m_live.setDroppedEvents(dropped);
        any = true;
    }

    const std::int64_t now = traceNow();
    const auto elapsed = static_cast<double>(now - m_lastRateNs);
    if (elapsed >= kRateWindowNs / 4) {
        const PoolStats stats = poolStats();
        const quint64 ended = stats.completed + stats.failed;
        const double rate = static_cast<double>(ended - m_lastEnded) * 1e9 / elapsed;
        const double weight = std::min(1.0, elapsed / kRateWindowNs);
        m_throughput = m_throughput + (rate - m_throughput) * weight;
        m_lastEnded = ended;
        m_lastRateNs = now;
    }

    if (any && isLive())
        m_model->refresh();
    Q_EMIT updated();
}

QString LabController::queueJobs(const LaunchRequest& request)
{
    const int sleepLimit
        = request.api == ApiKind::CallFromThread ? ScenarioLimits::maxReactorSleepMs : ScenarioLimits::maxSleepMs;
    if (request.count < 1 || request.count > ScenarioLimits::maxCount)
        return tr("job count must be in 1..%1").arg(ScenarioLimits::maxCount);
    if (request.sleepMinMs < 0 || request.sleepMaxMs < request.sleepMinMs || request.sleepMaxMs > sleepLimit)
        return tr("sleep must satisfy 0 <= min <= max <= %1 ms").arg(sleepLimit);
    if (!(request.failureRate >= 0.0 && request.failureRate <= 1.0))
        return tr("failure rate must be in 0..1");
    if (request.label.size() > ScenarioLimits::maxLabelLength)
        return tr("label is longer than %1 characters").arg(ScenarioLimits::maxLabelLength);

    ++m_launches;
    ScenarioQueue queue;
    queue.api = request.api;
    queue.count = request.count;
    queue.sleepMs.minMs = request.sleepMinMs;
    queue.sleepMs.maxMs = request.sleepMaxMs;
    queue.sleepMs.range = request.sleepMinMs != request.sleepMaxMs;
    queue.failureRate = request.failureRate;
    queue.label = request.label;
    queue.print = QStringLiteral("job {job} done after {sleepMs} ms");
    record(queue);

    Scenario scenario;
    scenario.name = tr("launch %1").arg(m_launches);
    scenario.seed = static_cast<quint32>(m_launches);
    scenario.steps.append(ScenarioStep { 0, std::move(queue) });
    startRunner(std::move(scenario));
    return {};
}

void LabController::runScenario(Scenario scenario, bool allowStop)
{
    // A `stop` step stops the reactor, and a reactor cannot be restarted: inside the GUI that would end the
    // application (embedded mode quits with the reactor) in the middle of the lesson. The howto stops its reactor
    // only because a script has nothing else to do; here the window goes on, so the step is dropped. Headless runs
    // keep it (allowStop) and end with it, as the howto does.
    m_lastScenario = scenario;
    if (!allowStop) {
        scenario.steps.removeIf(
            [](const ScenarioStep& step) { return std::holds_alternative<ScenarioStop>(step.action); });
        if (scenario.steps.isEmpty())
            scenario.steps.append(ScenarioStep { 0, ScenarioWaitIdle {} });
    }
    startRunner(std::move(scenario));
}

ScenarioRunner* LabController::startRunner(Scenario scenario)
{
    const QString name = scenario.name;
    auto* runner = new ScenarioRunner(m_reactor, std::move(scenario), this);
    m_runners.push_back(runner);
    connect(runner, &ScenarioRunner::outputLine, this, [this](const QString& text, const QString& thread) {
        Q_EMIT outputLine(QDateTime::currentDateTime(), thread, text);
    });
    connect(runner, &ScenarioRunner::progress, this,
        [this, name](int done, int total) { Q_EMIT scenarioProgress(name, done, total); });
    connect(runner, &ScenarioRunner::finished, this, [this, runner, name] {
        std::erase(m_runners, runner);
        runner->deleteLater();
        Q_EMIT scenarioFinished(name);
    });
    Q_EMIT scenarioStarted(name);
    runner->start();
    return runner;
}

void LabController::cancelAll()
{
    // cancel() emits finished(), which erases the runner: iterate over a copy.
    const std::vector<ScenarioRunner*> runners = m_runners;
    for (ScenarioRunner* runner : runners)
        runner->cancel();
}

void LabController::setMaxThreads(int n)
{
    if (n < 0 || n > ScenarioLimits::maxPoolSize)
        return;
    m_pausedMax.reset();
    m_reactor.suggestThreadPoolSize(n);
    record(ScenarioResize { std::nullopt, n });
}

void LabController::setMinThreads(int n)
{
    if (n < 0 || n > ScenarioLimits::maxPoolSize)
        return;
    ThreadPool& pool = m_reactor.getThreadPool();
    pool.adjustPoolsize(n, std::max(n, pool.maxThreads()));
    record(ScenarioResize { n, std::nullopt });
}

void LabController::setSpareThreads(int n)
{
    if (n < 0 || n > ScenarioLimits::maxPoolSize)
        return;
    m_reactor.getThreadPool().setSpareThreads(n);
}

void LabController::pause()
{
    if (m_pausedMax)
        return;
    const int max = maxThreads();
    m_reactor.suggestThreadPoolSize(0);
    m_pausedMax = max;
    record(ScenarioResize { std::nullopt, 0 });
}

void LabController::resume()
{
    if (!m_pausedMax)
        return;
    const int max = *m_pausedMax;
    m_pausedMax.reset();
    m_reactor.suggestThreadPoolSize(max);
    record(ScenarioResize { std::nullopt, max });
}

void LabController::stopReactor()
{
    if (!m_reactor.isRunning())
        return;
    stopRecording();
    cancelAll();
    m_reactor.stop();
}

void LabController::startRecording()
{
    if (m_recording)
        return;
    m_recorded = Scenario {};
    m_recorded.name
        = QStringLiteral("recorded-%1").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
    m_recorded.description = tr("Recorded in Thread Lab: what was queued and resized, at the times it was done.");
    m_recorded.seed = 1;
    // Replaying starts from the pool as it was, whatever the pool of the replaying reactor is.
    const int max = std::max(minThreads(), m_pausedMax ? *m_pausedMax : maxThreads());
    m_recorded.pool = ScenarioPool { minThreads(), max };
    m_recordClock.start();
    m_recording = true;
    Q_EMIT recordingChanged(true);
}

void LabController::stopRecording()
{
    if (!m_recording)
        return;
    m_recording = false;
    Q_EMIT recordingChanged(false);
}

void LabController::record(ScenarioAction action)
{
    if (!m_recording || m_recorded.steps.size() >= ScenarioLimits::maxSteps)
        return;
    const auto at = static_cast<int>(std::min<qint64>(m_recordClock.elapsed(), ScenarioLimits::maxAtMs));
    m_recorded.steps.append(ScenarioStep { at, std::move(action) });
}

PoolStats LabController::poolStats() const
{
    return m_reactor.getThreadPool().stats();
}

int LabController::minThreads() const
{
    return m_reactor.getThreadPool().minThreads();
}

int LabController::maxThreads() const
{
    return m_reactor.getThreadPool().maxThreads();
}

int LabController::spareThreads() const
{
    return m_reactor.getThreadPool().spareThreads();
}

std::uint64_t LabController::droppedEvents() const noexcept
{
    return m_live.droppedEvents();
}

void LabController::showImported(TraceData data)
{
    m_imported = std::move(data);
    m_model->setTraceData(&*m_imported);
    Q_EMIT updated();
}

void LabController::showLive()
{
    if (!m_imported)
        return;
    m_model->setTraceData(&m_live);
    m_imported.reset();
    Q_EMIT updated();
}

} // namespace qtwisted
