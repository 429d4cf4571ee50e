// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// DiagnosticsMonitor: a watchdog thread samples what the reactor and the pools publish (diagnostics_p.h) and turns
// it into findings. docs/diagnostics.md documents every rule; the constants here are named there.
#include "diagnostics_p.h"
#include "logging_p.h"

#include <qtwisted/diagnostics.h>
#include <qtwisted/reactor.h>
#include <qtwisted/threadpool.h>

#include <QFile>
#include <QMetaObject>
#include <QThread>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#ifdef Q_OS_LINUX
#include <ctime>
#include <pthread.h>
#endif

namespace qtwisted {

namespace {

thread_local int t_expectedLong = 0;

constexpr std::int64_t kMs = 1'000'000;
/// A stall this long is critical: a desktop calls such a window "not responding" (Windows' hung-window timeout).
constexpr std::int64_t kCriticalStallNs = 5'000 * kMs;
/// Fewest wait samples a queue-wait percentile is taken from.
constexpr std::size_t kMinWaitSamples = 5;
/// A pool's proposed maximum never exceeds this.
constexpr int kMaxSuggestedThreads = 1024;

QString apiName(detail::ReactorWork work)
{
    switch (work) {
    case detail::ReactorWork::CallFromThread:
        return QStringLiteral("a callFromThread call");
    case detail::ReactorWork::BlockingCallFromThread:
        return QStringLiteral("a blockingCallFromThread call");
    case detail::ReactorWork::Delivery:
        return QStringLiteral("a Deferred's callbacks (a thread's result delivered)");
    case detail::ReactorWork::DelayedCall:
        return QStringLiteral("a callLater call");
    case detail::ReactorWork::None:
        break;
    }
    return QStringLiteral("the application's own code or event handling (no reactor call)");
}

/// Whether a thread is on a CPU now (or ready to run), from /proc/self/task/<tid>/stat; nullopt when unknown.
std::optional<bool> onCpu(int tid)
{
#ifdef Q_OS_LINUX
    if (tid <= 0)
        return std::nullopt;
    QFile stat(QStringLiteral("/proc/self/task/%1/stat").arg(tid));
    if (!stat.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QByteArray line = stat.read(512);
    const qsizetype close = line.lastIndexOf(')'); // the name in parentheses may hold spaces
    if (close < 0 || close + 2 >= line.size())
        return std::nullopt;
    return line.at(close + 2) == 'R';
#else
    Q_UNUSED(tid);
    return std::nullopt;
#endif
}

/// CPU time a thread has used, from its CPU-time clock (a clockid_t); nullopt when unknown.
std::optional<std::int64_t> cpuTimeNs(int cpuClock)
{
#ifdef Q_OS_LINUX
    if (cpuClock == 0)
        return std::nullopt;
    timespec ts {};
    if (clock_gettime(static_cast<clockid_t>(cpuClock), &ts) != 0)
        return std::nullopt;
    return std::int64_t { ts.tv_sec } * 1'000'000'000 + ts.tv_nsec;
#else
    Q_UNUSED(cpuClock);
    return std::nullopt;
#endif
}

/// How long a worker's CPU share is measured over (diagnostics: on a CPU or waiting in the kernel).
constexpr std::int64_t kShareWindowNs = 100 * kMs;

/// A worker's CPU time when its current window began, and the share of the last whole window it spent on a CPU
/// (-1: not known yet).
struct CpuMark {
    int tid = 0;
    std::int64_t cpuNs = 0;
    std::int64_t atNs = 0;
    double share = -1;
};

QString ms(std::int64_t ns)
{
    return QString::number(static_cast<double>(ns) / 1e6, 'f', ns < 10 * kMs ? 1 : 0);
}

std::int64_t percentile(std::vector<std::int64_t>& v, double p)
{
    const auto k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

void checkDuration(std::chrono::milliseconds value, const char* name, std::chrono::milliseconds min)
{
    if (value < min || value > std::chrono::hours(1)) {
        throw std::invalid_argument(std::string("DiagnosticThresholds::") + name + " must be between "
            + std::to_string(min.count()) + " ms and 1 hour (got " + std::to_string(value.count()) + " ms)");
    }
}

} // namespace

QString toString(DiagnosticRule rule)
{
    switch (rule) {
    case DiagnosticRule::ReactorStall:
        return QStringLiteral("reactor stall");
    case DiagnosticRule::PoolSaturation:
        return QStringLiteral("pool saturation");
    case DiagnosticRule::BlockingExhaustion:
        return QStringLiteral("pool exhausted by blocking calls");
    case DiagnosticRule::QueueWait:
        return QStringLiteral("queue wait");
    case DiagnosticRule::LongRunningJob:
        return QStringLiteral("long-running job");
    case DiagnosticRule::UnhandledError:
        return QStringLiteral("unhandled error in a Deferred");
    case DiagnosticRule::ShutdownWithBlockedCallers:
        return QStringLiteral("shutdown with blocked callers");
    case DiagnosticRule::ReactorHotLoop:
        return QStringLiteral("reactor hot loop");
    }
    return QStringLiteral("unknown");
}

QString toString(DiagnosticSeverity severity)
{
    switch (severity) {
    case DiagnosticSeverity::Info:
        return QStringLiteral("info");
    case DiagnosticSeverity::Warning:
        return QStringLiteral("warning");
    case DiagnosticSeverity::Critical:
        return QStringLiteral("critical");
    }
    return QStringLiteral("unknown");
}

ScopedExpectedLongJobs::ScopedExpectedLongJobs() noexcept
{
    ++t_expectedLong;
}

ScopedExpectedLongJobs::~ScopedExpectedLongJobs()
{
    --t_expectedLong;
}

bool ScopedExpectedLongJobs::active() noexcept
{
    return t_expectedLong > 0;
}

namespace detail {

namespace {
std::mutex s_listenersMutex;
std::vector<std::weak_ptr<DiagnosticsListener>> s_listeners; // guarded by s_listenersMutex
} // namespace

void addUnhandledErrorListener(const std::shared_ptr<DiagnosticsListener>& listener)
{
    std::lock_guard lock(s_listenersMutex);
    s_listeners.push_back(listener);
    g_diagnosticsListeners.store(static_cast<int>(s_listeners.size()), std::memory_order_release);
}

void removeUnhandledErrorListener(const DiagnosticsListener* listener)
{
    std::lock_guard lock(s_listenersMutex);
    std::erase_if(s_listeners, [listener](const std::weak_ptr<DiagnosticsListener>& w) {
        auto l = w.lock();
        return !l || l.get() == listener;
    });
    g_diagnosticsListeners.store(static_cast<int>(s_listeners.size()), std::memory_order_release);
}

void notifyUnhandledError(const ChainCore& core) noexcept
{
    if (!diagnosticsListening())
        return;
    std::vector<std::shared_ptr<DiagnosticsListener>> heard;
    {
        std::lock_guard lock(s_listenersMutex);
        for (const auto& w : s_listeners) {
            if (auto l = w.lock())
                heard.push_back(std::move(l));
        }
    }
    for (const auto& l : heard)
        l->unhandledError(core);
}

/// The monitor's state, shared with the watchdog thread and the listeners.
class DiagnosticsState : public DiagnosticsListener {
public:
    DiagnosticsState(DiagnosticsMonitor* monitor, Reactor& reactor, const DiagnosticThresholds& thresholds)
        : q(monitor)
        , reactorCore(ReactorAccess::core(reactor))
        , reactorThread(ReactorAccess::thread(reactor))
        , th(thresholds)
    {
    }

    struct PoolWatch {
        std::weak_ptr<PoolState> pool;
        std::uint32_t poolId = 0;
        PoolSnapshot snap;
        // saturation (rule 2)
        std::int64_t satSince = 0; // 0: not every worker busy
        std::int64_t rateSince = 0; // the current rate window began
        quint64 rateStarted = 0; // jobs started when it began
        double startedInWindow = -1; // over the last complete window; -1: none yet
        double rateWindowS = 0;
        int satMax = 0; // the pool's maximum and the proposal when the finding was last updated
        int satSuggested = 0;
        quint64 saturation = 0; // the ongoing finding's id, or 0
        bool starving = false;
        // exhaustion by blocking calls
        quint64 exhaustion = 0;
        bool deadlock = false;
        // starts: when startedJobs last changed
        quint64 lastStartedJobs = 0;
        std::int64_t lastStartNs = 0;
        // queue waits over the window, and the ongoing findings by label (0: the whole pool)
        std::deque<WaitSample> waits;
        // CPU time of its workers by index, to tell on a CPU from waiting in the kernel over a window rather than
        // at one instant (a worker sleeping 10 ms per job is on a CPU between its jobs)
        std::map<int, CpuMark> cpu;
        std::map<std::uint32_t, quint64> queueWait;
        std::map<std::uint32_t, std::int64_t> queueWaitP95;
        // long-running jobs: job id -> finding id
        std::map<quint64, quint64> longJobs;
    };

    // ---- findings --------------------------------------------------------------------------------------------

    quint64 begin(DiagnosticFinding f) // NOLINT(performance-unnecessary-value-param): stored
    {
        f.id = nextId++;
        keep(f);
        live[f.id] = f;
        log(f);
        record(TraceEventKind::FindingStarted, f);
        emitLater(&DiagnosticsMonitor::findingStarted, f);
        return f.id;
    }

    template <class Change>
    void update(quint64 id, Change&& change)
    {
        auto it = live.find(id);
        if (it == live.end())
            return;
        DiagnosticFinding before = it->second;
        change(it->second);
        if (it->second.message == before.message && it->second.severity == before.severity
            && it->second.jobs == before.jobs && it->second.suggestedMaxThreads == before.suggestedMaxThreads)
            return;
        if (it->second.severity > before.severity)
            log(it->second); // an escalation is news
        keep(it->second);
        emitLater(&DiagnosticsMonitor::findingUpdated, it->second);
    }

    void end(quint64 id, std::int64_t endNs)
    {
        auto it = live.find(id);
        if (it == live.end())
            return;
        DiagnosticFinding f = std::move(it->second);
        live.erase(it);
        f.endNs = std::max(endNs, f.startNs + 1);
        keep(f);
        record(TraceEventKind::FindingEnded, f);
        emitLater(&DiagnosticsMonitor::findingEnded, f);
    }

    /// An instant finding: begins and ends at once.
    void instant(DiagnosticFinding f)
    {
        const std::int64_t at = f.startNs;
        end(begin(std::move(f)), at + 1);
    }

    void keep(const DiagnosticFinding& f)
    {
        // the newest first: an update is almost always of a recent finding
        const auto found
            = std::find_if(kept.rbegin(), kept.rend(), [&f](const DiagnosticFinding& k) { return k.id == f.id; });
        if (found != kept.rend()) {
            *found = f;
            return;
        }
        kept.push_back(f);
        while (kept.size() > static_cast<std::size_t>(th.maxFindings)) {
            kept.pop_front();
            ++dropped;
        }
    }

    void log(const DiagnosticFinding& f) const
    {
        const QString line = QStringLiteral("%1 (%2): %3%4")
                                 .arg(toString(f.rule), toString(f.severity), f.message,
                                     f.remedy.isEmpty() ? QString() : QStringLiteral(" Remedy: ") + f.remedy);
        if (f.severity == DiagnosticSeverity::Critical)
            qCCritical(lcDiagnostics).noquote() << line;
        else if (f.severity == DiagnosticSeverity::Warning)
            qCWarning(lcDiagnostics).noquote() << line;
        else
            qCInfo(lcDiagnostics).noquote() << line;
    }

    void record(TraceEventKind kind, const DiagnosticFinding& f) const
    {
        TraceEvent e;
        e.kind = kind;
        e.timeNs = f.startNs;
        e.durationNs = kind == TraceEventKind::FindingEnded ? f.endNs - f.startNs : 0;
        e.jobId = f.id;
        e.labelId = TraceStrings::intern(f.message);
        e.poolId = f.pool.isEmpty() ? 0 : TraceStrings::intern(f.pool);
        e.newMin = static_cast<std::int32_t>(f.rule);
        e.newMax = static_cast<std::int32_t>(f.severity);
        e.oldMax = f.suggestedMaxThreads.value_or(0);
        e.worker = f.workers.isEmpty() ? -1 : f.workers.front();
        e.api = ApiKind::CallFromThread;
        recordReactorEvent(reactorCore, e);
    }

    /// Findings on their way to the monitor's thread. They travel through this mutex-guarded queue, and Qt carries
    /// only a payload-free queued call of DiagnosticsMonitor::deliverFindings() (ThreadSanitizer cannot see Qt's own
    /// locks, and saw a finding copied into a queued lambda in the watchdog thread and read in the monitor's).
    using FindingSignal = void (DiagnosticsMonitor::*)(const DiagnosticFinding&);
    mutable std::mutex outboxMutex;
    mutable std::vector<std::pair<FindingSignal, DiagnosticFinding>> outbox; // guarded by outboxMutex

    void emitLater(FindingSignal signal, const DiagnosticFinding& f) const
    {
        if (!q)
            return;
        bool wake = false;
        {
            std::lock_guard lock(outboxMutex);
            wake = outbox.empty();
            outbox.emplace_back(signal, f);
        }
        if (wake) // else a call is on its way and delivers this finding too
            QMetaObject::invokeMethod(q, "deliverFindings", Qt::QueuedConnection);
    }

    std::vector<std::pair<FindingSignal, DiagnosticFinding>> takeOutbox() const
    {
        std::vector<std::pair<FindingSignal, DiagnosticFinding>> batch;
        std::lock_guard lock(outboxMutex);
        batch.swap(outbox);
        return batch;
    }

    // ---- listeners (called in the thread where it happens) ----------------------------------------------------

    void shutdownWithBlockedCallers(const QStringList& threads) noexcept override
    {
        try {
            std::lock_guard lock(mutex);
            DiagnosticFinding f;
            f.rule = DiagnosticRule::ShutdownWithBlockedCallers;
            f.severity = DiagnosticSeverity::Warning;
            f.startNs = traceNow();
            f.message = QStringLiteral("The reactor shut down while %1 thread(s) waited in blockingCallFromThread: "
                                       "%2; each was released with ReactorNotRunning.")
                            .arg(threads.size())
                            .arg(threads.join(QStringLiteral(", ")));
            f.remedy = QStringLiteral("Stop the threads that call into the reactor (or their pools) before "
                                      "stopping the reactor, or catch ReactorNotRunning in them.");
            instant(std::move(f));
        } catch (...) { // NOLINT(bugprone-empty-catch): a report must never throw into shutdown
        }
    }

    void unhandledError(const ChainCore& core) noexcept override
    {
        if (core.owner != reactorThread || !core.result.failure)
            return;
        try {
            std::lock_guard lock(mutex);
            DiagnosticFinding f;
            f.rule = DiagnosticRule::UnhandledError;
            f.severity = DiagnosticSeverity::Warning;
            f.startNs = traceNow();
            QString where;
            if (core.jobId != 0) {
                where += QStringLiteral(" carrying the result of job #%1 of pool '%2'")
                             .arg(core.jobId)
                             .arg(TraceStrings::text(core.jobPool));
                f.jobs = { core.jobId };
                f.pool = TraceStrings::text(core.jobPool);
            }
            if (core.createdFile)
                where += QStringLiteral(" (made at %1:%2)")
                             .arg(QString::fromUtf8(core.createdFile))
                             .arg(core.createdLine);
            f.message = QStringLiteral("A Deferred%1 died holding an unhandled failure: %2: %3")
                            .arg(where, core.result.failure->typeName(), core.result.failure->message());
            f.remedy = QStringLiteral("Add an errback that handles or logs it at the end of the chain.");
            instant(std::move(f));
        } catch (...) { // NOLINT(bugprone-empty-catch): a report must never throw from a destructor
        }
    }

    // ---- the watchdog -----------------------------------------------------------------------------------------

    void run()
    {
        std::unique_lock lock(mutex);
        while (!quit) {
            wake.wait_for(lock, th.sampleInterval);
            if (quit)
                break;
            tick(traceNow());
        }
    }

    void tick(std::int64_t now)
    {
        checkReactor(now);
        checkHotLoop(now);
        for (PoolWatch& p : pools) {
            if (!snapshotPool(p.pool, p.snap))
                continue;
            checkPool(p, now);
        }
    }

    void checkReactor(std::int64_t now)
    {
        auto core = reactorCore.lock();
        if (!core)
            return;
        ReactorWatch& w = reactorWatch(*core);
        if (!reactorLoopRunning(*core)) {
            // Not started (its loop has never turned: not a stall) or stopped; an ongoing stall ends with it.
            if (stall) {
                end(stall, now);
                stall = 0;
            }
            return;
        }
        const std::int64_t stallNs = th.stall.count() * kMs;
        const std::int64_t criticalNs = std::max(kCriticalStallNs, stallNs);
        const std::int64_t period = std::max<std::int64_t>(th.sampleInterval.count(), th.stall.count() / 2) * kMs;
        const std::int64_t sent = w.probeSent.load(std::memory_order_relaxed);
        const std::int64_t answered = w.probeAnswered.load(std::memory_order_relaxed);
        const bool outstanding = sent > answered;
        if (!outstanding && now - sent >= period)
            postReactorProbe(reactorCore);
        const std::int64_t busy = w.busySince.load(std::memory_order_relaxed);
        // Stalled: a probe has waited longer than the threshold, or the reactor's current batch of work has run
        // longer than it while a probe sent after it began waits (a call that spins a nested loop answers probes).
        std::int64_t start = 0;
        if (outstanding && now - sent > stallNs)
            start = busy != 0 && busy < sent ? busy : sent;
        else if (outstanding && busy != 0 && sent >= busy && now - busy > stallNs)
            start = busy;
        if (start == 0) {
            if (stall && !outstanding) {
                end(stall, answered);
                stall = 0;
            }
            return;
        }
        const auto work = busy != 0 ? w.callWork.load(std::memory_order_relaxed) : ReactorWork::None;
        const std::uint64_t id = busy != 0 ? w.callId.load(std::memory_order_relaxed) : 0;
        const std::uint32_t label = busy != 0 ? w.callLabel.load(std::memory_order_relaxed) : 0;
        QString running = apiName(work);
        if (label != 0)
            running += QStringLiteral(" labelled '%1'").arg(TraceStrings::text(label));
        if (id != 0)
            running += QStringLiteral(" (call #%1)").arg(id);
        auto describe = [&](DiagnosticFinding& f) {
            f.message = QStringLiteral("The reactor thread is stalled (it has not returned to its event loop for "
                                       "more than %1 ms); it is running %2.")
                            .arg(th.stall.count())
                            .arg(running);
            f.severity = std::max(
                f.severity, now - f.startNs > criticalNs ? DiagnosticSeverity::Critical : DiagnosticSeverity::Warning);
            f.jobs = id != 0 ? QList<quint64> { id } : QList<quint64> {};
        };
        if (!stall) {
            DiagnosticFinding f;
            f.rule = DiagnosticRule::ReactorStall;
            f.startNs = start;
            f.remedy = QStringLiteral("Move blocking or long work off the reactor thread (deferToThread, "
                                      "callInThread) or split it into short calls.");
            describe(f);
            stall = begin(std::move(f));
            stallSeq = w.callSeq.load(std::memory_order_acquire);
            return;
        }
        const std::uint64_t seq = w.callSeq.load(std::memory_order_acquire);
        auto it = live.find(stall);
        const bool escalate = it != live.end() && it->second.severity != DiagnosticSeverity::Critical
            && now - it->second.startNs > criticalNs;
        if (seq != stallSeq || escalate) {
            stallSeq = seq;
            update(stall, describe);
        }
    }

    /// Rule 8: over each window, how many calls ran and how many of them a call of the same callable had queued
    /// with no delay; a hot loop when those are at least hotLoopRunsPerSecond and more than half of all calls.
    void checkHotLoop(std::int64_t now)
    {
        auto core = reactorCore.lock();
        if (!core)
            return;
        ReactorWatch& w = reactorWatch(*core);
        const std::uint64_t calls = w.callSeq.load(std::memory_order_relaxed);
        const std::uint64_t self = w.selfRuns.load(std::memory_order_relaxed);
        const void* tag = w.selfTag.load(std::memory_order_relaxed);
        if (hotSince == 0) {
            hotSince = now;
            hotCalls = calls;
            hotSelf = self;
            hotTag = tag;
            return;
        }
        const std::int64_t windowNs = th.hotLoopWindow.count() * kMs;
        if (now - hotSince < windowNs)
            return;
        const auto callsIn = static_cast<double>(calls - hotCalls);
        const auto selfIn = static_cast<double>(self - hotSelf);
        const double seconds = static_cast<double>(now - hotSince) / 1e9;
        const bool sameCallable = tag == hotTag;
        const bool hot = sameCallable && selfIn / seconds >= th.hotLoopRunsPerSecond && selfIn * 2 > callsIn;
        if (hot) {
            const int share = static_cast<int>(std::lround(100 * selfIn / callsIn));
            const auto rate = static_cast<qint64>(std::llround(selfIn / seconds));
            auto describe = [&](DiagnosticFinding& f) {
                f.message = QStringLiteral("One callable keeps queueing itself on the reactor (callLater(0) or "
                                           "callFromThread from itself): %1 runs/s, %2 % of the calls the reactor "
                                           "ran over the last %3 ms.")
                                .arg(rate)
                                .arg(share)
                                .arg(th.hotLoopWindow.count());
            };
            if (!hotLoop) {
                DiagnosticFinding f;
                f.rule = DiagnosticRule::ReactorHotLoop;
                f.severity = DiagnosticSeverity::Warning;
                f.startNs = hotSince;
                f.remedy = QStringLiteral("If it polls, wait for a signal or a timer instead; if it is work cut in "
                                          "chunks, give each chunk more work or a small delay.");
                describe(f);
                hotLoop = begin(std::move(f));
            }
        } else if (hotLoop) {
            end(hotLoop, now);
            hotLoop = 0;
        }
        hotSince = now;
        hotCalls = calls;
        hotSelf = self;
        hotTag = tag;
    }

    /// Updates the CPU-time marks of the pool's workers: each share is measured over at least kShareWindowNs (a
    /// sample interval is too short a look at a thread that shares a CPU with others), whatever the worker did
    /// between (a job, the next job, a moment idle).
    static void sampleCpu(PoolWatch& p, std::int64_t now)
    {
        std::map<int, CpuMark> next;
        for (const WorkerSample& w : p.snap.workersNow) {
            const auto before = p.cpu.find(w.index);
            const bool known = before != p.cpu.end() && before->second.tid == w.tid;
            if (known && now - before->second.atNs < kShareWindowNs) {
                next.emplace(w.index, before->second); // the window is not over: keep its start and last share
                continue;
            }
            const auto cpuNs = cpuTimeNs(w.cpuClock);
            if (!cpuNs)
                continue;
            CpuMark mark { w.tid, *cpuNs, now, -1 };
            if (known)
                mark.share = static_cast<double>(*cpuNs - before->second.cpuNs)
                    / static_cast<double>(now - before->second.atNs);
            next.emplace(w.index, mark);
        }
        p.cpu.swap(next);
    }

    /// Whether a busy worker is on a CPU, from the share of the last window it ran and what the kernel says it does
    /// now. The share that counts is measured against what the worker could get: `running` workers wanting `cpus`
    /// CPUs get cpus / running each at most (8 spinning workers on 2 CPUs run a quarter of the time each, and are
    /// still CPU-bound). A third of that is on a CPU; a tenth of it is too when the thread is running or ready to run
    /// now; less is waiting in the kernel — a worker sleeping 10 ms per job is *running* for a moment between two
    /// sleeps, and its state at that instant alone said "on a CPU" (CI, issue 16). Before a first window ends, the
    /// state now decides.
    static std::optional<bool> workerOnCpu(const PoolWatch& p, const WorkerSample& w, int running, int cpus)
    {
        const auto mark = p.cpu.find(w.index);
        if (mark == p.cpu.end() || mark->second.tid != w.tid || mark->second.share < 0)
            return onCpu(w.tid);
        const double fair = std::min(1.0, static_cast<double>(cpus) / std::max(1, running));
        if (mark->second.share >= fair / 3.0)
            return true;
        if (mark->second.share >= fair / 10.0)
            return onCpu(w.tid).value_or(false);
        return false;
    }

    void checkPool(PoolWatch& p, std::int64_t now)
    {
        const PoolSnapshot& s = p.snap;
        sampleCpu(p, now);
        if (s.startedJobs != p.lastStartedJobs || p.lastStartNs == 0) {
            p.lastStartedJobs = s.startedJobs;
            p.lastStartNs = now;
        }
        const std::int64_t starvationNs = std::max<std::int64_t>(500, th.starvation.count()) * kMs;
        const bool starved = s.backlog > 0 && now - p.lastStartNs >= starvationNs;
        checkExhaustion(p, now, starved);
        checkSaturation(p, now, starved);
        checkQueueWait(p, now);
        checkLongJobs(p, now);
    }

    QList<int> blockedWorkers(const PoolSnapshot& s) const
    {
        QList<int> out;
        for (const WorkerSample& w : s.workersNow) {
            if (w.blocked)
                out.append(w.index);
        }
        return out;
    }

    void checkExhaustion(PoolWatch& p, std::int64_t now, bool starved)
    {
        const PoolSnapshot& s = p.snap;
        // Every slot of the maximum is held by a blocked worker, and work waits or runs on lent workers.
        const bool exhausted = s.started && s.max > 0 && s.blocked >= s.max && (s.backlog > 0 || s.lent > 0);
        if (!exhausted) {
            if (p.exhaustion) {
                end(p.exhaustion, now);
                p.exhaustion = 0;
                p.deadlock = false;
            }
            return;
        }
        const QList<int> blocked = blockedWorkers(s);
        QList<quint64> jobs;
        for (quint64 id : s.queuedHead)
            jobs.append(id);
        QStringList workerNames;
        for (int w : blocked)
            workerNames.append(QStringLiteral("%1-%2").arg(s.name).arg(w));
        // Nothing can move: every live worker waits for the reactor (none is lent and running a job) and nothing
        // has started for the starvation window.
        const bool deadlock = starved && s.blocked >= s.workers;
        auto describe = [&](DiagnosticFinding& f) {
            f.workers = blocked;
            f.jobs = jobs;
            if (deadlock) {
                f.severity = DiagnosticSeverity::Critical;
                f.message = QStringLiteral("Deadlock: all %1 workers of pool '%2' (%3) wait in "
                                           "blockingCallFromThread for the reactor, while %4 job(s) (first #%5) wait "
                                           "in the same pool for a free worker; no job has started for %6 ms. If "
                                           "what the reactor waits for is one of those jobs, this never ends.")
                                .arg(s.blocked)
                                .arg(s.name, workerNames.join(QStringLiteral(", ")))
                                .arg(s.backlog)
                                .arg(jobs.isEmpty() ? 0 : jobs.front())
                                .arg(ms(now - p.lastStartNs));
                f.remedy = s.compensated
                    ? QStringLiteral("Raise maxThreads of '%1' above %2, or do not block its workers on work "
                                     "queued in the same pool.")
                          .arg(s.name)
                          .arg(s.blocked)
                    : QStringLiteral("Turn on setBlockedWorkersCompensated(true) (the default) on '%1', or raise "
                                     "its maxThreads above %2.")
                          .arg(s.name)
                          .arg(s.blocked);
                f.suggestedMaxThreads = std::min(kMaxSuggestedThreads, s.blocked + s.backlog);
            } else if (s.compensated && s.lent > 0) {
                f.severity = DiagnosticSeverity::Warning;
                f.message = QStringLiteral("All %1 workers of pool '%2' counted against its maximum wait in "
                                           "blockingCallFromThread; the pool lends %3 extra worker(s) so that the "
                                           "work queued behind them can run.")
                                .arg(s.max)
                                .arg(s.name)
                                .arg(s.lent);
                f.remedy = QStringLiteral("Nothing is stuck; to avoid the extra threads, do not block pool workers "
                                          "on the reactor (return a Deferred instead).");
                f.suggestedMaxThreads.reset();
            } else {
                f.severity = DiagnosticSeverity::Warning;
                f.message = QStringLiteral("All %1 workers of pool '%2' wait in blockingCallFromThread while %3 "
                                           "job(s) are queued.")
                                .arg(s.blocked)
                                .arg(s.name)
                                .arg(s.backlog);
                f.remedy = QStringLiteral("Raise maxThreads of '%1', or do not block pool workers on the reactor.")
                               .arg(s.name);
                f.suggestedMaxThreads = std::min(kMaxSuggestedThreads, s.blocked + s.backlog);
            }
        };
        if (!p.exhaustion) {
            DiagnosticFinding f;
            f.rule = DiagnosticRule::BlockingExhaustion;
            f.pool = s.name;
            f.startNs = now;
            describe(f);
            p.exhaustion = begin(std::move(f));
        } else {
            update(p.exhaustion, describe);
        }
        p.deadlock = deadlock;
    }

    void checkSaturation(PoolWatch& p, std::int64_t now, bool starved)
    {
        const PoolSnapshot& s = p.snap;
        const int running = s.busy - s.blocked;
        const bool full = s.started && s.backlog > 0 && s.busy >= s.workers && running >= s.max && !p.exhaustion;
        if (!full) {
            p.satSince = 0;
            if (p.saturation) {
                end(p.saturation, now);
                p.saturation = 0;
            }
            return;
        }
        const std::int64_t needNs = th.saturation.count() * kMs;
        if (p.satSince == 0) {
            p.satSince = now;
            p.rateSince = now;
            p.rateStarted = s.startedJobs;
            p.startedInWindow = -1;
        }
        // The start rate over the last complete window (a window ends every `saturation`).
        if (now - p.rateSince >= needNs) {
            p.startedInWindow = static_cast<double>(s.startedJobs - p.rateStarted);
            p.rateWindowS = static_cast<double>(now - p.rateSince) / 1e9;
            p.rateSince = now;
            p.rateStarted = s.startedJobs;
        }
        if (p.startedInWindow < 0)
            return; // not a whole window yet
        // Not shrinking fast enough: fewer jobs started over the last window than are waiting now, so the backlog
        // needs more than another window to drain. It begins and ends on that (and on starvation).
        const bool draining = !starved && p.startedInWindow >= s.backlog;
        if (draining) {
            if (p.saturation) {
                end(p.saturation, now);
                p.saturation = 0;
            }
            return;
        }
        const double startedInWindow = p.startedInWindow;
        const double windowS = p.rateWindowS;
        const double perWorker = startedInWindow / windowS / std::max(1, running); // jobs/s one worker starts
        int suggested = s.max + std::min(s.backlog, s.max);
        if (perWorker > 0) {
            // enough workers to drain the backlog within one more window
            const double needed = static_cast<double>(s.backlog) / windowS / perWorker;
            suggested = static_cast<int>(std::ceil(needed)) + s.blocked;
        }
        suggested = std::clamp(suggested, s.max + 1, std::min(kMaxSuggestedThreads, s.max + s.backlog));
        const double drainS = perWorker > 0 ? static_cast<double>(s.backlog) / (perWorker * running) : -1;
        auto describe = [&](DiagnosticFinding& f) {
            // the worst it reached: a starvation that passed stays on the record
            f.severity = std::max(f.severity, starved ? DiagnosticSeverity::Critical : DiagnosticSeverity::Warning);
            // What the busy workers do now: on a CPU, or waiting in the kernel (sleep, I/O, a lock).
            int onCpuNow = 0;
            int waitingNow = 0;
            const int cpus = std::max(1, QThread::idealThreadCount());
            const auto runningNow = static_cast<int>(std::count_if(s.workersNow.begin(), s.workersNow.end(),
                [](const WorkerSample& w) { return w.running && !w.blocked; }));
            for (const WorkerSample& w : s.workersNow) {
                if (!w.running || w.blocked)
                    continue;
                if (const auto cpu = workerOnCpu(p, w, runningNow, cpus))
                    ++(*cpu ? onCpuNow : waitingNow);
            }
            const QString doing = onCpuNow + waitingNow == 0
                ? QString()
                : QStringLiteral("%1 on a CPU, %2 waiting in the kernel (sleep, I/O or a lock), ")
                      .arg(onCpuNow)
                      .arg(waitingNow);
            QString what = QStringLiteral("All %1 workers of pool '%2' are busy (%3%4 blocked in "
                                          "blockingCallFromThread) and %5 job(s) wait; ")
                               .arg(s.busy)
                               .arg(s.name, doing)
                               .arg(s.blocked)
                               .arg(s.backlog);
            if (starved)
                what += QStringLiteral("no job has started for %1 ms.").arg(ms(now - p.lastStartNs));
            else
                what += QStringLiteral("at the current rate the backlog needs %1 s to drain.")
                            .arg(QString::number(drainS, 'f', 1));
            f.message = what;
            if (onCpuNow >= cpus && waitingNow == 0) {
                // CPU-bound: more threads would only share the same CPUs
                f.remedy = QStringLiteral("The busy workers are on all %1 CPUs: more threads will not drain the "
                                          "backlog faster; make the jobs cheaper or submit less at once.")
                               .arg(cpus);
                f.suggestedMaxThreads.reset();
            } else {
                f.remedy = QStringLiteral("Raise maxThreads of '%1' to %2 (adjustPoolsize or "
                                          "suggestThreadPoolSize), or submit less at once.")
                               .arg(s.name)
                               .arg(suggested);
                f.suggestedMaxThreads = suggested;
            }
            f.workers.clear();
            for (const WorkerSample& w : s.workersNow)
                f.workers.append(w.index);
        };
        if (!p.saturation) {
            DiagnosticFinding f;
            f.rule = DiagnosticRule::PoolSaturation;
            f.pool = s.name;
            f.startNs = p.satSince;
            describe(f);
            p.saturation = begin(std::move(f));
            p.starving = starved;
            p.satMax = s.max;
            p.satSuggested = suggested;
        } else if (starved != p.starving || s.max != p.satMax
            || std::abs(suggested - p.satSuggested) * 5 > p.satSuggested) {
            // news: starvation began or ended, the pool was resized, or the proposal moved by more than a fifth
            p.starving = starved;
            p.satMax = s.max;
            p.satSuggested = suggested;
            update(p.saturation, describe);
        }
    }

    void checkQueueWait(PoolWatch& p, std::int64_t now)
    {
        for (WaitSample w : p.snap.waits) {
            w.startedNs += p.snap.coarseToTraceNs;
            p.waits.push_back(w);
        }
        const std::int64_t windowNs = th.queueWaitWindow.count() * kMs;
        while (!p.waits.empty() && p.waits.front().startedNs < now - windowNs)
            p.waits.pop_front();
        std::map<std::uint32_t, std::vector<std::int64_t>> byLabel;
        for (const WaitSample& w : p.waits) {
            byLabel[0].push_back(w.waitNs);
            if (w.label != 0)
                byLabel[w.label].push_back(w.waitNs);
        }
        // A label every job of the window carries says nothing the pool's own figure does not.
        const std::size_t all = p.waits.size();
        std::erase_if(byLabel, [all](const auto& entry) { return entry.first != 0 && entry.second.size() == all; });
        const std::int64_t limitNs = th.queueWait.count() * kMs;
        for (auto it = p.queueWait.begin(); it != p.queueWait.end();) {
            auto found = byLabel.find(it->first);
            if (found == byLabel.end() || found->second.size() < kMinWaitSamples
                || percentile(found->second, 0.95) <= limitNs) {
                end(it->second, now);
                p.queueWaitP95.erase(it->first);
                it = p.queueWait.erase(it);
            } else {
                ++it;
            }
        }
        for (auto& [label, waits] : byLabel) {
            if (waits.size() < kMinWaitSamples)
                continue;
            const std::int64_t p95 = percentile(waits, 0.95);
            if (p95 <= limitNs)
                continue;
            const std::int64_t p50 = percentile(waits, 0.50);
            const std::int64_t p99 = percentile(waits, 0.99);
            const std::size_t n = waits.size();
            const QString who = label == 0
                ? QStringLiteral("Jobs of pool '%1'").arg(p.snap.name)
                : QStringLiteral("Jobs labelled '%1' in pool '%2'").arg(TraceStrings::text(label), p.snap.name);
            auto describe = [&](DiagnosticFinding& f) {
                f.message = QStringLiteral("%1 waited p50 %2 ms, p95 %3 ms, p99 %4 ms from queued to started over "
                                           "the last %5 ms (%6 jobs); the threshold is %7 ms.")
                                .arg(who, ms(p50), ms(p95), ms(p99))
                                .arg(th.queueWaitWindow.count())
                                .arg(n)
                                .arg(th.queueWait.count());
            };
            auto known = p.queueWait.find(label);
            if (known == p.queueWait.end()) {
                DiagnosticFinding f;
                f.rule = DiagnosticRule::QueueWait;
                f.severity = DiagnosticSeverity::Warning;
                f.pool = p.snap.name;
                f.startNs = now;
                f.remedy = QStringLiteral("Raise maxThreads of '%1', or give long jobs a pool of their own so short "
                                          "ones do not queue behind them.")
                               .arg(p.snap.name);
                describe(f);
                p.queueWait[label] = begin(std::move(f));
                p.queueWaitP95[label] = p95;
            } else if (std::abs(p95 - p.queueWaitP95[label]) * 5 > p.queueWaitP95[label]) {
                p.queueWaitP95[label] = p95; // moved by more than a fifth: worth an update
                update(known->second, describe);
            }
        }
    }

    void checkLongJobs(PoolWatch& p, std::int64_t now)
    {
        const std::int64_t limitNs = th.longRunningJob.count() * kMs;
        std::map<quint64, const WorkerSample*> running;
        for (const WorkerSample& w : p.snap.workersNow) {
            if (w.running && !w.blocked) // a blocked worker is rule 3's
                running[w.jobId] = &w;
        }
        for (auto it = p.longJobs.begin(); it != p.longJobs.end();) {
            if (!running.contains(it->first)) {
                end(it->second, now);
                it = p.longJobs.erase(it);
            } else {
                ++it;
            }
        }
        for (const auto& [jobId, w] : running) {
            const std::int64_t started = w->startedNs + p.snap.coarseToTraceNs;
            if (w->expectedLong || w->startedNs == 0 || now - started <= limitNs || p.longJobs.contains(jobId))
                continue;
            DiagnosticFinding f;
            f.rule = DiagnosticRule::LongRunningJob;
            f.severity = DiagnosticSeverity::Warning;
            f.pool = p.snap.name;
            f.startNs = started;
            f.jobs = { jobId };
            f.workers = { w->index };
            const QString label
                = w->label ? QStringLiteral(" labelled '%1'").arg(TraceStrings::text(w->label)) : QString();
            f.message = QStringLiteral("Job #%1%2 has been running on worker %3 of pool '%4' for over %5 ms.")
                            .arg(jobId)
                            .arg(label)
                            .arg(w->index)
                            .arg(p.snap.name)
                            .arg(th.longRunningJob.count());
            f.remedy = QStringLiteral("If it is meant to run long, submit it inside a ScopedExpectedLongJobs; "
                                      "otherwise find what it waits for.");
            p.longJobs[jobId] = begin(std::move(f));
        }
    }

    void addPool(ThreadPool& pool)
    {
        auto state = poolStateOf(pool);
        auto locked = state.lock();
        if (!locked)
            return;
        for (const PoolWatch& p : pools) {
            if (p.pool.lock() == locked)
                return;
        }
        setPoolMonitored(*locked, true);
        PoolWatch w;
        w.pool = state;
        pools.push_back(std::move(w));
    }

    void removePool(ThreadPool& pool)
    {
        auto locked = poolStateOf(pool).lock();
        for (auto it = pools.begin(); it != pools.end(); ++it) {
            if (it->pool.lock() == locked) {
                for (quint64 id : { it->saturation, it->exhaustion })
                    end(id, traceNow());
                for (const auto& [label, id] : it->queueWait)
                    end(id, traceNow());
                for (const auto& [job, id] : it->longJobs)
                    end(id, traceNow());
                if (locked)
                    setPoolMonitored(*locked, false);
                pools.erase(it);
                return;
            }
        }
    }

    DiagnosticsMonitor* q;
    std::weak_ptr<ReactorCore> reactorCore;
    QThread* reactorThread;
    mutable std::mutex mutex;
    std::condition_variable wake;
    bool quit = false;
    DiagnosticThresholds th; // guarded by mutex
    std::deque<DiagnosticFinding> kept;
    std::map<quint64, DiagnosticFinding> live;
    quint64 dropped = 0;
    quint64 nextId = 1;
    std::vector<PoolWatch> pools;
    quint64 stall = 0; // the ongoing stall's finding, or 0
    // hot loop: the window began at hotSince with these counts
    std::int64_t hotSince = 0;
    std::uint64_t hotCalls = 0;
    std::uint64_t hotSelf = 0;
    const void* hotTag = nullptr;
    quint64 hotLoop = 0;
    std::uint64_t stallSeq = 0;
    std::thread watchdog;
};

} // namespace detail

void DiagnosticsMonitor::deliverFindings()
{
    for (const auto& [signal, finding] : m_d->takeOutbox())
        Q_EMIT(this->*signal)(finding);
}

DiagnosticsMonitor::DiagnosticsMonitor(Reactor& reactor, DiagnosticThresholds thresholds, QObject* parent)
    : QObject(parent)
{
    validate(thresholds);
    qRegisterMetaType<DiagnosticFinding>();
    m_d = std::make_shared<detail::DiagnosticsState>(this, reactor, thresholds);
    auto core = detail::ReactorAccess::core(reactor).lock();
    if (!core)
        throw std::logic_error("DiagnosticsMonitor: the reactor is gone");
    detail::ReactorWatch& watch = detail::reactorWatch(*core);
    bool expected = false;
    if (!watch.enabled.compare_exchange_strong(expected, true))
        throw std::logic_error("DiagnosticsMonitor: another monitor already watches this reactor");
    detail::setReactorListener(*core, m_d);
    detail::addUnhandledErrorListener(m_d);
    {
        std::lock_guard lock(m_d->mutex);
        m_d->addPool(reactor.getThreadPool());
    }
    m_d->watchdog = std::thread([state = m_d] {
#ifdef Q_OS_LINUX
        pthread_setname_np(pthread_self(), "qtwisted-watch");
#endif
        state->run();
    });
}

DiagnosticsMonitor::~DiagnosticsMonitor()
{
    {
        std::lock_guard lock(m_d->mutex);
        m_d->quit = true;
        m_d->q = nullptr;
    }
    m_d->wake.notify_all();
    if (m_d->watchdog.joinable())
        m_d->watchdog.join();
    detail::removeUnhandledErrorListener(m_d.get());
    if (auto core = m_d->reactorCore.lock()) {
        detail::setReactorListener(*core, nullptr);
        detail::reactorWatch(*core).enabled.store(false, std::memory_order_relaxed);
    }
    std::lock_guard lock(m_d->mutex);
    for (auto& p : m_d->pools) {
        if (auto locked = p.pool.lock())
            detail::setPoolMonitored(*locked, false);
    }
}

void DiagnosticsMonitor::watch(ThreadPool& pool)
{
    std::lock_guard lock(m_d->mutex);
    m_d->addPool(pool);
}

void DiagnosticsMonitor::unwatch(ThreadPool& pool)
{
    std::lock_guard lock(m_d->mutex);
    m_d->removePool(pool);
}

void DiagnosticsMonitor::validate(const DiagnosticThresholds& t)
{
    using std::chrono::milliseconds;
    checkDuration(t.stall, "stall", milliseconds(1));
    checkDuration(t.saturation, "saturation", milliseconds(1));
    checkDuration(t.starvation, "starvation", milliseconds(1));
    checkDuration(t.queueWait, "queueWait", milliseconds(1));
    checkDuration(t.queueWaitWindow, "queueWaitWindow", milliseconds(10));
    checkDuration(t.longRunningJob, "longRunningJob", milliseconds(1));
    checkDuration(t.hotLoopWindow, "hotLoopWindow", milliseconds(10));
    if (t.hotLoopRunsPerSecond < 1 || t.hotLoopRunsPerSecond > 100'000'000) {
        throw std::invalid_argument("DiagnosticThresholds::hotLoopRunsPerSecond must be between 1 and 100000000 (got "
            + std::to_string(t.hotLoopRunsPerSecond) + ")");
    }
    if (t.sampleInterval < milliseconds(1) || t.sampleInterval > milliseconds(10000)) {
        throw std::invalid_argument("DiagnosticThresholds::sampleInterval must be between 1 ms and 10 s (got "
            + std::to_string(t.sampleInterval.count()) + " ms)");
    }
    if (t.sampleInterval > t.stall) {
        throw std::invalid_argument(
            "DiagnosticThresholds::sampleInterval must not exceed DiagnosticThresholds::stall (a stall shorter "
            "than a sample could not be seen)");
    }
    if (t.maxFindings < 1 || t.maxFindings > 1'000'000) {
        throw std::invalid_argument("DiagnosticThresholds::maxFindings must be between 1 and 1000000 (got "
            + std::to_string(t.maxFindings) + ")");
    }
}

void DiagnosticsMonitor::setThresholds(const DiagnosticThresholds& thresholds)
{
    validate(thresholds);
    std::lock_guard lock(m_d->mutex);
    m_d->th = thresholds;
    while (m_d->kept.size() > static_cast<std::size_t>(thresholds.maxFindings)) {
        m_d->kept.pop_front();
        ++m_d->dropped;
    }
}

DiagnosticThresholds DiagnosticsMonitor::thresholds() const
{
    std::lock_guard lock(m_d->mutex);
    return m_d->th;
}

QList<DiagnosticFinding> DiagnosticsMonitor::findings() const
{
    std::lock_guard lock(m_d->mutex);
    return { m_d->kept.begin(), m_d->kept.end() };
}

quint64 DiagnosticsMonitor::droppedFindings() const
{
    std::lock_guard lock(m_d->mutex);
    return m_d->dropped;
}

void DiagnosticsMonitor::clear()
{
    std::lock_guard lock(m_d->mutex);
    m_d->kept.clear();
}

} // namespace qtwisted
