// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/errors.h>
#include <qtwisted/inspect/scenariorunner.h>
#include <qtwisted/reactor.h>
#include <qtwisted/threads.h>

#include <QCoreApplication>
#include <QRandomGenerator>
#include <QThread>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace qtwisted {

namespace {

/// Shared with the jobs: cancel() wakes every job sleeping on it.
class Interrupt {
public:
    /// Sleeps `ms`; false if cancelled before or during the sleep.
    bool sleep(int ms)
    {
        std::unique_lock lock(m_mutex);
        return !m_cv.wait_for(lock, std::chrono::milliseconds(ms), [this] { return m_cancelled; });
    }
    bool cancelled()
    {
        std::lock_guard lock(m_mutex);
        return m_cancelled;
    }
    void cancel()
    {
        {
            std::lock_guard lock(m_mutex);
            m_cancelled = true;
        }
        m_cv.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_cancelled = false;
};

/// One call a job makes, with its duration and failure already drawn.
struct CallPlan {
    int sleepMs = 0;
    bool fail = false;
    QString print;
};

/// One job, drawn on the reactor thread in submission order so that a seed always gives the same jobs.
struct JobPlan {
    int number = 0;
    QString label;
    double failureRate = 0.0;
    std::vector<CallPlan> calls;
    ScenarioReturns returns = ScenarioReturns::CallLater; ///< blockingCallFromThread only
};

std::runtime_error simulatedFailure(const JobPlan& plan)
{
    return std::runtime_error(QStringLiteral("job #%1 failed (simulated, failureRate %2)")
                                  .arg(plan.number)
                                  .arg(plan.failureRate)
                                  .toStdString());
}

QString expand(QString text, int job, int sleepMs)
{
    text.replace(QStringLiteral("{job}"), QString::number(job));
    text.replace(QStringLiteral("{sleepMs}"), QString::number(sleepMs));
    return text;
}

} // namespace

struct ScenarioRunner::Private : std::enable_shared_from_this<ScenarioRunner::Private> {
    Private(ScenarioRunner* owner, Reactor& r, Scenario s)
        : q(owner)
        , reactor(r)
        , scenario(std::move(s))
        , random(scenario.seed)
        , total(scenario.jobCount())
    {
    }

    /// What a job carries to report back: safe to copy and use in any thread.
    struct Link {
        std::weak_ptr<Private> runner;
        std::weak_ptr<detail::ReactorCore> core;
        std::shared_ptr<Interrupt> interrupt;
        QThread* reactorThread = nullptr;

        /// Delivers `text` (printed by the calling thread) to outputLine() in the reactor thread.
        void print(const QString& text) const
        {
            if (text.isEmpty() || interrupt->cancelled())
                return;
            QString thread = threadName(QThread::currentThread());
            inReactor([text, thread](Private& d) { Q_EMIT d.q->outputLine(text, thread); });
        }
        /// The job ended (however): counted in the reactor thread.
        void ended() const noexcept
        {
            try {
                inReactor([](Private& d) { d.jobEnded(); });
            } catch (...) {
                // Only allocation can fail here; a lost count at worst delays finished() until the reactor stops.
            }
        }
        template <class F>
        void inReactor(F f) const
        {
            if (QThread::currentThread() == reactorThread) {
                if (auto d = runner.lock())
                    f(*d);
                return;
            }
            detail::ReactorAccess::postInternal(core, [weak = runner, f = std::move(f)]() mutable {
                if (auto d = weak.lock())
                    f(*d);
            });
        }
    };

    /// Counts a job as ended when the job's body leaves, normally or by an exception.
    struct EndGuard {
        explicit EndGuard(const Link& l)
            : link(l)
        {
        }
        ~EndGuard() { link.ended(); }
        EndGuard(const EndGuard&) = delete;
        EndGuard& operator=(const EndGuard&) = delete;
        EndGuard(EndGuard&&) = delete;
        EndGuard& operator=(EndGuard&&) = delete;

        const Link& link;
    };

    Link link() { return { weak_from_this(), detail::ReactorAccess::core(reactor), interrupt, reactor.thread() }; }

    void begin()
    {
        if (finished)
            return;
        t0 = reactor.seconds();
        Q_EMIT q->progress(done, total);
        advance();
    }

    void schedule(double seconds)
    {
        timer = reactor.callLater(std::max(0.0, seconds), [weak = weak_from_this()] {
            if (auto d = weak.lock())
                d->advance();
        });
    }

    void advance()
    {
        while (!finished && !scriptDone) {
            if (next >= scenario.steps.size()) {
                scriptDone = true;
                break;
            }
            const ScenarioStep& step = scenario.steps.at(next);
            const double due = t0 + step.atMs / 1000.0;
            const double now = reactor.seconds();
            if (due > now) {
                schedule(due - now);
                return;
            }
            ++next;
            if (const auto* queue = std::get_if<ScenarioQueue>(&step.action)) {
                for (int i = 0; i < queue->count && !finished; ++i)
                    submit(*queue);
            } else if (const auto* resize = std::get_if<ScenarioResize>(&step.action)) {
                applySize(resize->min, resize->max, next - 1);
            } else if (const auto* pause = std::get_if<ScenarioPause>(&step.action)) {
                schedule(pause->ms / 1000.0);
                return;
            } else if (std::holds_alternative<ScenarioWaitIdle>(step.action)) {
                if (done < submitted) {
                    waitingIdle = true;
                    return;
                }
            } else {
                scriptDone = true;
                if (reactor.isRunning())
                    reactor.stop();
            }
        }
        maybeFinish();
    }

    void applySize(std::optional<int> min, std::optional<int> max, qsizetype stepIndex)
    {
        // The pool records the current label as who resized it (TraceEventKind::PoolResized).
        ScopedJobLabel by(stepIndex < 0 ? QStringLiteral("scenario %1: pool").arg(scenario.name)
                                        : QStringLiteral("scenario %1: step %2").arg(scenario.name).arg(stepIndex));
        ThreadPool& pool = reactor.getThreadPool();
        try {
            if (min && max)
                pool.adjustPoolsize(min, max);
            else if (max)
                reactor.suggestThreadPoolSize(*max);
            else if (min)
                pool.adjustPoolsize(min, std::max(*min, pool.maxThreads()));
        } catch (const std::exception& e) {
            Q_EMIT q->outputLine(
                QStringLiteral("resize refused: %1").arg(QString::fromUtf8(e.what())), threadName(reactor.thread()));
        }
    }

    JobPlan draw(const ScenarioQueue& queue)
    {
        JobPlan plan;
        plan.number = ++jobNumber;
        plan.failureRate = queue.failureRate;
        plan.returns = queue.returns;
        const QList<ScenarioCall> single { ScenarioCall { queue.sleepMs, queue.print } };
        const QList<ScenarioCall>& calls = queue.calls.isEmpty() ? single : queue.calls;
        int totalMs = 0;
        for (const ScenarioCall& call : calls) {
            CallPlan c;
            c.sleepMs = call.sleepMs.minMs;
            if (call.sleepMs.maxMs > call.sleepMs.minMs)
                c.sleepMs += static_cast<int>(
                    random.bounded(static_cast<quint32>(call.sleepMs.maxMs - call.sleepMs.minMs) + 1U));
            if (queue.failureRate > 0.0)
                c.fail = random.generateDouble() < queue.failureRate;
            c.print = expand(call.print, plan.number, c.sleepMs);
            totalMs += c.sleepMs;
            plan.calls.push_back(std::move(c));
        }
        // Not the job's number: the trace gives each job an id, shown beside the label, and a label is interned for the
        // life of the process (TraceStrings), so one made per job would grow the table with every job.
        plan.label = queue.label.isEmpty() ? QStringLiteral("sleep %1 ms").arg(totalMs)
                                           : expand(queue.label, plan.number, totalMs);
        return plan;
    }

    void submit(const ScenarioQueue& queue)
    {
        JobPlan plan = draw(queue);
        ++submitted;
        ScopedJobLabel label(plan.label);
        try {
            switch (queue.api) {
            case ApiKind::CallInThread:
                submitCallInThread(std::move(plan));
                break;
            case ApiKind::DeferToThread:
                submitDeferToThread(std::move(plan));
                break;
            case ApiKind::CallMultipleInThread:
                submitCallMultipleInThread(std::move(plan));
                break;
            case ApiKind::BlockingCallFromThread:
                submitBlockingCallFromThread(std::move(plan));
                break;
            case ApiKind::CallFromThread:
                submitCallFromThread(std::move(plan));
                break;
            }
        } catch (const std::exception& e) {
            Q_EMIT q->outputLine(QStringLiteral("job #%1 refused: %2").arg(jobNumber).arg(QString::fromUtf8(e.what())),
                threadName(reactor.thread()));
            jobEnded();
        }
    }

    void submitCallInThread(JobPlan plan)
    {
        reactor.callInThread([l = link(), plan = std::move(plan)] {
            EndGuard end(l);
            const CallPlan& c = plan.calls.front();
            if (!l.interrupt->sleep(c.sleepMs))
                return;
            if (c.fail)
                throw simulatedFailure(plan); // the pool logs it, as Twisted logs a failed callInThread
            l.print(c.print);
        });
    }

    void submitDeferToThread(JobPlan plan)
    {
        const Link l = link();
        const CallPlan c = plan.calls.front();
        threads::deferToThreadPool(reactor, reactor.getThreadPool(), [l, c, plan]() -> std::optional<QString> {
            if (!l.interrupt->sleep(c.sleepMs))
                return std::nullopt;
            if (c.fail)
                throw simulatedFailure(plan);
            return c.print;
        }).addBoth([l](const Outcome<std::optional<QString>>& outcome) {
            // The callback (or errback) runs in the reactor thread: that is who prints.
            if (outcome.ok()) {
                if (outcome.value())
                    l.print(*outcome.value());
            } else {
                const Failure& f = outcome.failure();
                l.print(QStringLiteral("Failure: %1: %2").arg(f.typeName(), f.message()));
            }
            l.ended();
        });
    }

    void submitCallMultipleInThread(JobPlan plan)
    {
        // threads::callMultipleInThread() always uses the global reactor's pool; this is the same job for `reactor`.
        const Link l = link();
        detail::PoolAccess::submit(
            reactor.getThreadPool(),
            [l, plan = std::move(plan)]() -> bool {
                EndGuard end(l);
                try {
                    for (const CallPlan& c : plan.calls) {
                        if (!l.interrupt->sleep(c.sleepMs))
                            return true;
                        if (c.fail)
                            throw simulatedFailure(plan);
                        l.print(c.print);
                    }
                    return true;
                } catch (...) {
                    detail::logJobFailure(Failure::current(), "callMultipleInThread");
                    return false;
                }
            },
            [l] { l.ended(); }, ApiKind::CallMultipleInThread);
    }

    void submitBlockingCallFromThread(JobPlan plan)
    {
        // As the howto's inThread(): a worker blocks on a reactor-side "getPage" whose Deferred fires after sleepMs.
        reactor.callInThread([l = link(), plan = std::move(plan), r = &reactor] {
            EndGuard end(l);
            ScopedJobLabel label(plan.label); // labels the blocking call the worker makes
            const CallPlan c = plan.calls.front();
            QString line;
            try {
                line = threads::blockingCallFromThread(*r, [r, c, plan, l] {
                    if (plan.returns == ScenarioReturns::DeferToThread) {
                        // Twisted #5298 / crochet #70: the reactor hands the work back to the pool whose worker
                        // waits for it. A compensating pool lends a worker; one that does not deadlocks when every
                        // worker waits like this.
                        ScopedJobLabel inner(plan.label + QStringLiteral(" (deferToThread)"));
                        return threads::deferToThreadPool(*r, r->getThreadPool(), [l, c, plan]() -> QString {
                            if (!l.interrupt->sleep(c.sleepMs))
                                return {};
                            if (c.fail)
                                throw simulatedFailure(plan);
                            return c.print;
                        });
                    }
                    Deferred<QString> page;
                    r->callLater(c.sleepMs / 1000.0, [page, c, plan]() mutable {
                        if (c.fail)
                            page.errback(Failure::make(simulatedFailure(plan)));
                        else
                            page.callback(c.print);
                    });
                    return page;
                });
            } catch (const std::exception& e) {
                line = QString::fromUtf8(e.what()); // the howto prints the exception
            }
            l.print(line);
        });
    }

    void submitCallFromThread(JobPlan plan)
    {
        reactor.callFromThread([l = link(), plan = std::move(plan)] {
            EndGuard end(l);
            const CallPlan& c = plan.calls.front();
            if (!l.interrupt->sleep(c.sleepMs)) // sleeping here stalls the reactor: that is the lesson
                return;
            if (c.fail)
                throw simulatedFailure(plan); // the reactor logs it
            l.print(c.print);
        });
    }

    void jobEnded()
    {
        ++done;
        Q_EMIT q->progress(done, total);
        if (waitingIdle && done >= submitted) {
            waitingIdle = false;
            advance();
            return;
        }
        maybeFinish();
    }

    void maybeFinish()
    {
        if (scriptDone && done >= submitted)
            finish();
    }

    void finish()
    {
        if (finished)
            return;
        finished = true;
        scriptDone = true;
        stopTimer();
        Q_EMIT q->finished();
    }

    void stopTimer()
    {
        if (timer.active())
            timer.cancel();
    }

    ScenarioRunner* q;
    Reactor& reactor;
    Scenario scenario;
    QRandomGenerator random;
    std::shared_ptr<Interrupt> interrupt = std::make_shared<Interrupt>();
    DelayedCall timer;
    double t0 = 0;
    qsizetype next = 0;
    int total = 0;
    int done = 0;
    int submitted = 0;
    int jobNumber = 0;
    bool started = false;
    bool scriptDone = false;
    bool waitingIdle = false;
    bool finished = false;
};

ScenarioRunner::ScenarioRunner(Reactor& reactor, Scenario scenario, QObject* parent)
    : QObject(parent)
    , m_d(std::make_shared<Private>(this, reactor, std::move(scenario)))
{
}

ScenarioRunner::~ScenarioRunner()
{
    m_d->interrupt->cancel();
    m_d->finished = true;
    m_d->stopTimer();
}

void ScenarioRunner::start()
{
    if (m_d->started)
        return;
    if (!m_d->reactor.isInReactorThread())
        throw WrongThreadError("ScenarioRunner::start() must be called in the reactor thread");
    m_d->started = true;
    if (const auto& pool = m_d->scenario.pool)
        m_d->applySize(pool->min, pool->max, -1);
    connect(&m_d->reactor, &Reactor::stopped, this, [weak = std::weak_ptr<Private>(m_d)] {
        if (auto d = weak.lock())
            d->finish();
    });
    m_d->reactor.callWhenRunning([weak = std::weak_ptr<Private>(m_d)] {
        if (auto d = weak.lock())
            d->begin();
    });
}

void ScenarioRunner::cancel()
{
    m_d->interrupt->cancel();
    m_d->finish();
}

const Scenario& ScenarioRunner::scenario() const
{
    return m_d->scenario;
}

bool ScenarioRunner::isStarted() const
{
    return m_d->started;
}

bool ScenarioRunner::isFinished() const
{
    return m_d->finished;
}

int ScenarioRunner::done() const
{
    return m_d->done;
}

int ScenarioRunner::total() const
{
    return m_d->total;
}

QString ScenarioRunner::threadName(const QThread* thread)
{
    if (!thread)
        return {};
    if (QCoreApplication::instance() && thread == QCoreApplication::instance()->thread())
        return QStringLiteral("MainThread");
    if (!thread->objectName().isEmpty())
        return thread->objectName();
    return QStringLiteral("Thread-0x%1").arg(reinterpret_cast<quintptr>(thread), 0, 16);
}

} // namespace qtwisted
