// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
//
// Runs differential-test programs (tests/differential/gen.py describes the op language) on qtwisted's public
// Deferred API, or (reactor programs) on a fresh Reactor per program, and prints their logs, line for line as
// tests/differential/twisted_interp.py prints them on Twisted. Usage: qtwisted_interp PROGRAMS.jsonl
//
// Every Deferred of a program is a Deferred<QString> (values are decimal strings); a gatherResults/DeferredList
// result is turned into one string by a first callback ("[1,2]", "[(T,1),(F,E1(2))]"), which the Python side adds
// at the same place.
#include <qtwisted/deferred.h>
#include <qtwisted/errors.h>
#include <qtwisted/failure.h>
#include <qtwisted/outcome.h>
#include <qtwisted/reactor.h>
#include <qtwisted/threads.h>

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using qtwisted::Deferred;
using qtwisted::Failure;
using qtwisted::Outcome;
using V = QString;
using D = Deferred<V>;

struct E1 : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct E2 : std::runtime_error {
    using std::runtime_error::runtime_error;
};
/// A program names a Deferred that does not exist (a shrunk program, or a fresh one never created).
struct NoSuchDeferred : std::runtime_error {
    NoSuchDeferred()
        : std::runtime_error("no such Deferred")
    {
    }
};

namespace {

QString shortType(const QString& type)
{
    const auto colons = type.lastIndexOf(QStringLiteral("::"));
    return colons < 0 ? type : type.mid(colons + 2);
}

QString renderTypeAndMessage(const QString& type, const QString& message)
{
    const QString t = shortType(type);
    if (t == QStringLiteral("E1") || t == QStringLiteral("E2"))
        return QStringLiteral("%1(%2)").arg(t, message);
    return t;
}

QString renderFailure(const Failure& f)
{
    return renderTypeAndMessage(f.typeName(), f.message());
}

QString renderCurrent()
{
    return renderFailure(Failure::current());
}

[[noreturn]] void throwError(const QString& name, int v)
{
    const std::string msg = std::to_string(v);
    if (name == QStringLiteral("E1"))
        throw E1(msg);
    throw E2(msg);
}

Failure makeFailure(const QString& name, int v)
{
    try {
        throwError(name, v);
    } catch (...) {
        return Failure::current();
    }
}

QStringList* g_unhandled = nullptr;
QStringList g_logged; ///< other qtwisted.deferred messages of the current op, logged after it as Twisted's are

/// "<type>: <message>" after `prefix` in `msg`, rendered as the Python side renders an exception; empty when `msg`
/// does not start with `prefix`.
QString renderAfter(const QString& msg, const QString& prefix)
{
    if (!msg.startsWith(prefix))
        return {};
    const QString rest = msg.mid(prefix.size());
    const auto sep = rest.indexOf(QStringLiteral(": "));
    return renderTypeAndMessage(sep < 0 ? rest : rest.left(sep), sep < 0 ? QString() : rest.mid(sep + 2));
}

void messageHandler(QtMsgType, const QMessageLogContext& context, const QString& msg)
{
    if (g_unhandled && context.category && QByteArray(context.category) == "qtwisted.deferred") {
        if (const QString e = renderAfter(msg, QStringLiteral("Unhandled error in Deferred: ")); !e.isEmpty()) {
            g_unhandled->append(e);
            return;
        }
        // A DeferredList input's canceller that threw (Twisted: "Exception raised from user supplied canceller").
        if (const QString e = renderAfter(msg, QStringLiteral("Exception raised from a canceller: ")); !e.isEmpty()) {
            g_logged.append(QStringLiteral("LOGGED Exception raised from user supplied canceller: ") + e);
            return;
        }
    }
    std::fprintf(stderr, "%s\n", qPrintable(msg));
}

class Ctx {
public:
    QStringList out;

    void log(const QString& line) { out.append(line); }

    D get(int i)
    {
        auto it = m_table.find(i);
        if (it == m_table.end())
            throw NoSuchDeferred();
        return it->second;
    }

    void op(int n, const QJsonObject& o)
    {
        runOneOp(n, o);
        for (const QString& line : std::as_const(g_logged))
            log(line);
        g_logged.clear();
    }

    void runOneOp(int n, const QJsonObject& o)
    {
        const QString name = o.value(QStringLiteral("op")).toString();
        if (name == QStringLiteral("new")) {
            createNew(o);
            return;
        }
        try {
            runOp(o);
            log(QStringLiteral("op%1 %2 -> ok").arg(n).arg(name));
        } catch (...) {
            log(QStringLiteral("op%1 %2 -> %3").arg(n).arg(name, renderCurrent()));
        }
    }

    QString endState(int i, D d)
    {
        if (!d.called())
            return QStringLiteral("unfired");
        if (d.paused())
            return QStringLiteral("pending");
        std::optional<QString> state;
        try {
            d.addBoth([&state](const Outcome<V>& o) -> V {
                if (o.ok()) {
                    state = QStringLiteral("V:") + o.value();
                    return o.value();
                }
                state = QStringLiteral("F:") + renderFailure(o.failure());
                o.failure().raise();
            });
        } catch (const qtwisted::ChainTypeError&) {
            // docs/design.md, divergence table rows "chainDeferred(other)" and "a chain whose inner Deferred
            // handed its result outward": qtwisted's chain is void where Twisted holds None. Both print "void".
            return QStringLiteral("void");
        }
        if (!state)
            return QStringLiteral("pending");
        if (m_consumed.count(i) && state->startsWith(QStringLiteral("F:"))) {
            // docs/design.md, divergence table row "DeferredList(consumeErrors)" (and "gatherResults").
            return QStringLiteral("consumed");
        }
        return *state;
    }

    void finish()
    {
        for (auto& [i, d] : m_table)
            log(QStringLiteral("end d%1 %2").arg(i).arg(endState(i, d)));
        m_table.clear();
    }

private:
    std::map<int, D> m_table;
    std::set<int> m_consumed;

    void createNew(const QJsonObject& o)
    {
        const int i = o.value(QStringLiteral("d")).toInt();
        const QJsonValue can = o.value(QStringLiteral("can"));
        if (!can.isObject()) {
            m_table.insert_or_assign(i, D());
            return;
        }
        const QJsonObject c = can.toObject();
        m_table.insert_or_assign(i, D([this, c](D& d) {
            const QString k = c.value(QStringLiteral("k")).toString();
            log(QStringLiteral("canceller %1").arg(k));
            const int v = c.value(QStringLiteral("v")).toInt();
            if (k == QStringLiteral("fire"))
                d.callback(QString::number(v));
            else if (k == QStringLiteral("err"))
                d.errback(makeFailure(c.value(QStringLiteral("e")).toString(), v));
            else if (k == QStringLiteral("raise"))
                throwError(c.value(QStringLiteral("e")).toString(), v);
        }));
    }

    static bool returnsDeferred(const QJsonObject& r)
    {
        const QString k = r.value(QStringLiteral("r")).toString();
        return k == QStringLiteral("fresh") || k == QStringLiteral("existing");
    }

    /// The start of every callback: log what it got, apply the trap, run the actions before it returns.
    void enter(int own, const QJsonObject& spec, const std::optional<V>& value, const Failure* failure)
    {
        const QString id = spec.value(QStringLiteral("id")).toString();
        if (failure) {
            log(QStringLiteral("%1 got F:%2").arg(id, renderFailure(*failure)));
            const QJsonValue trap = spec.value(QStringLiteral("trap"));
            if (trap.isString() && shortType(failure->typeName()) != trap.toString())
                failure->raise();
        } else {
            log(QStringLiteral("%1 got V:%2").arg(id, *value));
        }
        const QJsonArray pre = spec.value(QStringLiteral("pre")).toArray();
        for (const auto& a : pre)
            action(id, own, a.toObject());
    }

    void action(const QString& who, int own, const QJsonObject& act)
    {
        const QString a = act.value(QStringLiteral("a")).toString();
        if (a == QStringLiteral("add")) {
            try {
                add(own, act.value(QStringLiteral("k")).toString(), act.value(QStringLiteral("cb")).toObject());
                log(QStringLiteral("%1 add -> ok").arg(who));
            } catch (...) {
                log(QStringLiteral("%1 add -> %2").arg(who, renderCurrent()));
            }
            return;
        }
        const int target = act.value(QStringLiteral("d")).toInt();
        try {
            D d = get(target);
            const int v = act.value(QStringLiteral("v")).toInt();
            if (a == QStringLiteral("fire"))
                d.callback(QString::number(v));
            else if (a == QStringLiteral("err"))
                d.errback(makeFailure(act.value(QStringLiteral("e")).toString(), v));
            else if (a == QStringLiteral("cancel"))
                d.cancel();
            log(QStringLiteral("%1 %2 d%3 -> ok").arg(who, a).arg(target));
        } catch (...) {
            log(QStringLiteral("%1 %2 d%3 -> %4").arg(who, a).arg(target).arg(renderCurrent()));
        }
    }

    /// A return kind that is a value: "val", "raise", or "pass" (the value received, or the failure re-raised).
    V retValue(const QJsonObject& r, const std::optional<V>& value, const Failure* failure)
    {
        const QString k = r.value(QStringLiteral("r")).toString();
        if (k == QStringLiteral("val"))
            return QString::number(r.value(QStringLiteral("v")).toInt());
        if (k == QStringLiteral("raise"))
            throwError(r.value(QStringLiteral("e")).toString(), r.value(QStringLiteral("v")).toInt());
        if (k == QStringLiteral("pass")) {
            if (failure)
                failure->raise();
            if (value)
                return *value;
        }
        throw std::logic_error("bad return kind");
    }

    /// A return kind that is a Deferred: "fresh" (a new one, registered under its id) or "existing".
    D retDeferred(const QJsonObject& r)
    {
        const QString k = r.value(QStringLiteral("r")).toString();
        const int i = r.value(QStringLiteral("d")).toInt();
        if (k == QStringLiteral("fresh")) {
            D d;
            m_table.insert_or_assign(i, d);
            return d;
        }
        return get(i);
    }

    void add(int own, const QString& kind, const QJsonObject& spec)
    {
        D d = get(own);
        const QJsonObject r = spec.value(QStringLiteral("ret")).toObject();
        if (kind == QStringLiteral("cb")) {
            if (returnsDeferred(r)) {
                d.addCallback([this, own, spec, r](V v) -> D {
                    enter(own, spec, v, nullptr);
                    return retDeferred(r);
                });
            } else {
                d.addCallback([this, own, spec, r](V v) -> V {
                    enter(own, spec, v, nullptr);
                    return retValue(r, v, nullptr);
                });
            }
        } else if (kind == QStringLiteral("eb")) {
            if (returnsDeferred(r)) {
                d.addErrback([this, own, spec, r](const Failure& f) -> D {
                    enter(own, spec, std::nullopt, &f);
                    return retDeferred(r);
                });
            } else {
                d.addErrback([this, own, spec, r](const Failure& f) -> V {
                    enter(own, spec, std::nullopt, &f);
                    return retValue(r, std::nullopt, &f);
                });
            }
        } else {
            auto split = [](const Outcome<V>& o, std::optional<V>& value, std::optional<Failure>& failure) {
                if (o.ok())
                    value = o.value();
                else
                    failure = o.failure();
            };
            if (returnsDeferred(r)) {
                d.addBoth([this, own, spec, r, split](const Outcome<V>& o) -> D {
                    std::optional<V> value;
                    std::optional<Failure> failure;
                    split(o, value, failure);
                    enter(own, spec, value, failure ? &*failure : nullptr);
                    return retDeferred(r);
                });
            } else {
                d.addBoth([this, own, spec, r, split](const Outcome<V>& o) -> V {
                    std::optional<V> value;
                    std::optional<Failure> failure;
                    split(o, value, failure);
                    enter(own, spec, value, failure ? &*failure : nullptr);
                    return retValue(r, value, failure ? &*failure : nullptr);
                });
            }
        }
    }

    QList<D> inputs(const QJsonObject& o)
    {
        QList<D> list;
        for (const auto& v : o.value(QStringLiteral("in")).toArray())
            list.append(get(v.toInt()));
        return list;
    }

    void runOp(const QJsonObject& o)
    {
        const QString name = o.value(QStringLiteral("op")).toString();
        const int i = o.value(QStringLiteral("d")).toInt();
        if (name == QStringLiteral("add")) {
            add(i, o.value(QStringLiteral("k")).toString(), o.value(QStringLiteral("cb")).toObject());
        } else if (name == QStringLiteral("fire")) {
            get(i).callback(QString::number(o.value(QStringLiteral("v")).toInt()));
        } else if (name == QStringLiteral("err")) {
            get(i).errback(makeFailure(o.value(QStringLiteral("e")).toString(), o.value(QStringLiteral("v")).toInt()));
        } else if (name == QStringLiteral("cancel")) {
            get(i).cancel();
        } else if (name == QStringLiteral("pause")) {
            get(i).pause();
        } else if (name == QStringLiteral("unpause")) {
            get(i).unpause();
        } else if (name == QStringLiteral("chain")) {
            D a = get(i);
            D b = get(o.value(QStringLiteral("to")).toInt());
            a.chainDeferred(b);
        } else if (name == QStringLiteral("gather")) {
            QList<D> ins = inputs(o);
            D d = qtwisted::gatherResults(ins).addCallback([](QList<V> list) -> V {
                return QStringLiteral("[") + list.join(QLatin1Char(',')) + QStringLiteral("]");
            });
            m_table.insert_or_assign(i, d);
            for (const auto& v : o.value(QStringLiteral("in")).toArray())
                m_consumed.insert(v.toInt());
        } else if (name == QStringLiteral("dlist")) {
            QList<D> ins = inputs(o);
            qtwisted::DeferredListOptions options;
            options.fireOnOneCallback = o.value(QStringLiteral("one_cb")).toBool();
            options.fireOnOneErrback = o.value(QStringLiteral("one_eb")).toBool();
            options.consumeErrors = o.value(QStringLiteral("consume")).toBool();
            D d = qtwisted::DeferredList(ins, options).addCallback([](QList<Outcome<V>> list) -> V {
                QStringList parts;
                for (const auto& oc : list) {
                    parts.append(oc.ok() ? QStringLiteral("(T,%1)").arg(oc.value())
                                         : QStringLiteral("(F,%1)").arg(renderFailure(oc.failure())));
                }
                return QStringLiteral("[") + parts.join(QLatin1Char(',')) + QStringLiteral("]");
            });
            m_table.insert_or_assign(i, d);
            if (options.consumeErrors) {
                for (const auto& v : o.value(QStringLiteral("in")).toArray())
                    m_consumed.insert(v.toInt());
            }
        } else if (name == QStringLiteral("maybe")) {
            const QJsonObject r = o.value(QStringLiteral("ret")).toObject();
            D d = returnsDeferred(r)
                ? qtwisted::maybeDeferred([this, r]() -> D { return retDeferred(r); })
                : qtwisted::maybeDeferred([this, r]() -> V { return retValue(r, std::nullopt, nullptr); });
            m_table.insert_or_assign(i, d);
        } else {
            throw std::logic_error("unknown op");
        }
    }
};

/// A reactor program's run on a fresh Reactor (tests/differential/gen.py, "reactor programs"), the twin of
/// twisted_interp.py's _run_reactor_once: top-level ops before run(), then the reactor runs until the program or the
/// harness stops it. `late` is set when a timed call ran more than half a unit after its deadline (the program's
/// nominal timing did not hold: the caller runs it again).
class ReactorProgram {
public:
    explicit ReactorProgram(const QJsonObject& prog)
        : m_ops(prog.value(QStringLiteral("ops")).toArray())
        , m_unit(prog.value(QStringLiteral("unit")).toDouble(0.025))
        , m_lastUnit(prog.value(QStringLiteral("last")).toInt())
    {
    }

    QStringList out;
    bool late = false;

    void run()
    {
        for (const auto& v : m_ops) {
            if (v.toObject().value(QStringLiteral("op")).toString() == QStringLiteral("pool")) {
                m_reactor.suggestThreadPoolSize(1);
                break;
            }
        }
        int n = 0;
        for (const auto& v : m_ops)
            topLevel(n++, v.toObject());
        m_reactor.callLater((m_lastUnit + 2) * m_unit, [this] { finish(); });
        for (auto& p : m_producerSpecs) {
            const int id = p.first;
            const int count = p.second;
            m_threads.emplace_back([this, id, count] {
                for (int i = 0; i < count; ++i)
                    m_reactor.callFromThread([this, id, i] { m_producers[id].append(QString::number(i)); });
            });
        }
        m_reactor.run();
        for (auto& t : m_threads) {
            if (t.joinable())
                t.join();
        }
        for (const auto& [id, seq] : m_producers)
            out.append(QStringLiteral("producer p%1: %2").arg(id).arg(seq.join(QLatin1Char(' '))));
        if (m_poolOps > 0) {
            std::lock_guard lock(m_poolMutex);
            out.append(QStringLiteral("pool ran: ") + m_poolRan.join(QLatin1Char(' ')));
            out.append(QStringLiteral("pool delivered: ") + m_poolDelivered.join(QStringLiteral(", ")));
        }
    }

private:
    void act(const QString& who, const QString& a, int c, const QJsonValue& t)
    {
        try {
            auto it = m_calls.find(c);
            if (it == m_calls.end())
                throw NoSuchDeferred();
            if (a == QStringLiteral("active")) {
                out.append(QStringLiteral("%1 active c%2 -> %3")
                               .arg(who)
                               .arg(c)
                               .arg(it->second.active() ? QStringLiteral("True") : QStringLiteral("False")));
                return;
            }
            if (a == QStringLiteral("cancel"))
                it->second.cancel();
            else if (a == QStringLiteral("reset"))
                it->second.reset(t.toInt() * m_unit);
            else if (a == QStringLiteral("delay"))
                it->second.delay(t.toInt() * m_unit);
            out.append(QStringLiteral("%1 %2 c%3 -> ok").arg(who, a).arg(c));
        } catch (...) {
            out.append(QStringLiteral("%1 %2 c%3 -> %4").arg(who, a).arg(c).arg(renderCurrent()));
        }
    }

    /// The body of call k: logs "run ck" and does its actions.
    std::function<void()> make(int k, const QJsonArray& then, bool timed)
    {
        return [this, k, then, timed] {
            if (timed && m_reactor.seconds() - m_calls.at(k).getTime() > m_unit / 2)
                late = true;
            out.append(QStringLiteral("run c%1").arg(k));
            for (const auto& a : then)
                doAction(k, a.toObject());
        };
    }

    void doAction(int k, const QJsonObject& a)
    {
        const QString who = QStringLiteral("c%1").arg(k);
        const QString name = a.value(QStringLiteral("a")).toString();
        const int c = a.value(QStringLiteral("c")).toInt();
        const QJsonArray then = a.value(QStringLiteral("then")).toArray();
        if (name == QStringLiteral("cancel") || name == QStringLiteral("active")) {
            act(who, name, c, QJsonValue());
        } else if (name == QStringLiteral("later")) {
            m_calls.insert_or_assign(
                c, m_reactor.callLater(a.value(QStringLiteral("t")).toInt() * m_unit, make(c, then, true)));
        } else if (name == QStringLiteral("cft")) {
            m_reactor.callFromThread(make(c, then, false));
        } else if (name == QStringLiteral("stop")) {
            try {
                m_reactor.stop();
                m_stopped = true;
                out.append(who + QStringLiteral(" stop -> ok"));
            } catch (...) {
                out.append(who + QStringLiteral(" stop -> ") + renderCurrent());
            }
            out.append(who + QStringLiteral(" stop returned"));
        }
    }

    void topLevel(int n, const QJsonObject& o)
    {
        const QString name = o.value(QStringLiteral("op")).toString();
        const int c = o.value(QStringLiteral("c")).toInt();
        const QJsonArray then = o.value(QStringLiteral("then")).toArray();
        if (name == QStringLiteral("later")) {
            m_calls.insert_or_assign(
                c, m_reactor.callLater(o.value(QStringLiteral("t")).toInt() * m_unit, make(c, then, true)));
        } else if (name == QStringLiteral("cft")) {
            m_reactor.callFromThread(make(c, then, false));
        } else if (name == QStringLiteral("cwr")) {
            m_reactor.callWhenRunning(make(c, then, false));
        } else if (name == QStringLiteral("trigger")) {
            addTrigger(o);
        } else if (name == QStringLiteral("thread")) {
            const int p = o.value(QStringLiteral("p")).toInt();
            m_producers[p];
            m_producerSpecs.emplace_back(p, o.value(QStringLiteral("n")).toInt());
        } else if (name == QStringLiteral("pool")) {
            addPoolJob(o);
        } else {
            act(QStringLiteral("op%1").arg(n), name, c, o.value(QStringLiteral("t")));
        }
    }

    void addTrigger(const QJsonObject& o)
    {
        const int c = o.value(QStringLiteral("c")).toInt();
        const QString phaseName = o.value(QStringLiteral("phase")).toString();
        const int wait = o.value(QStringLiteral("wait")).toInt();
        const qtwisted::Phase phase = phaseName == QStringLiteral("before") ? qtwisted::Phase::Before
            : phaseName == QStringLiteral("during")                         ? qtwisted::Phase::During
                                                                            : qtwisted::Phase::After;
        const QString line = QStringLiteral("trigger c%1 %2").arg(c).arg(phaseName);
        if (phase != qtwisted::Phase::Before || wait < 0) {
            m_reactor.addSystemEventTrigger(phase, qtwisted::SystemEvent::Shutdown, [this, line] { out.append(line); });
            return;
        }
        m_reactor.addSystemEventTrigger(
            phase, qtwisted::SystemEvent::Shutdown, [this, line, c, wait]() -> Deferred<void> {
                out.append(line);
                Deferred<void> d;
                auto dc = std::make_shared<qtwisted::DelayedCall>();
                *dc = m_reactor.callLater(wait * m_unit, [this, d, c, dc]() mutable {
                    if (m_reactor.seconds() - dc->getTime() > m_unit / 2)
                        late = true;
                    out.append(QStringLiteral("trigger c%1 fired").arg(c));
                    d.callback();
                });
                return d;
            });
    }

    void addPoolJob(const QJsonObject& o)
    {
        const int c = o.value(QStringLiteral("c")).toInt();
        const bool raises = o.value(QStringLiteral("raise")).toBool();
        ++m_poolOps;
        auto job = [this, c, raises]() -> QString {
            {
                std::lock_guard lock(m_poolMutex);
                m_poolRan.append(QStringLiteral("c%1").arg(c));
                ++m_poolDone;
            }
            if (raises)
                throwError(QStringLiteral("E1"), c);
            return QString::number(c);
        };
        if (o.value(QStringLiteral("how")).toString() == QStringLiteral("call")) {
            m_reactor.callInThread([job] { (void)job(); });
            return;
        }
        ++m_pending;
        qtwisted::threads::deferToThreadPool(m_reactor, m_reactor.getThreadPool(), job)
            .addBoth([this, c](Outcome<V> r) {
                std::lock_guard lock(m_poolMutex);
                m_poolDelivered.append(QStringLiteral("c%1 %2").arg(c).arg(
                    r.ok() ? QStringLiteral("V:") + r.value() : QStringLiteral("F:") + renderFailure(r.failure())));
                --m_pending;
            });
    }

    /// The harness's stop: after the producers have posted everything and the pool is idle, from a call queued
    /// behind the producers' calls (so that they all ran).
    void finish()
    {
        if (m_stopped)
            return;
        for (auto& t : m_threads) {
            if (t.joinable())
                t.join();
        }
        int done = 0;
        {
            std::lock_guard lock(m_poolMutex);
            done = m_poolDone;
        }
        if (m_pending > 0 || done < m_poolOps) {
            m_reactor.callLater(0.002, [this] { finish(); });
            return;
        }
        m_reactor.callFromThread([this] {
            try {
                m_reactor.stop();
            } catch (...) { // NOLINT(bugprone-empty-catch): the program may have stopped it meanwhile
            }
        });
    }

    QJsonArray m_ops;
    double m_unit;
    int m_lastUnit;
    qtwisted::Reactor m_reactor;
    std::map<int, qtwisted::DelayedCall> m_calls;
    bool m_stopped = false;
    std::vector<std::pair<int, int>> m_producerSpecs;
    std::map<int, QStringList> m_producers;
    std::vector<std::thread> m_threads;
    std::mutex m_poolMutex;
    QStringList m_poolRan;
    QStringList m_poolDelivered;
    int m_poolOps = 0;
    int m_poolDone = 0; // under m_poolMutex
    int m_pending = 0; // reactor thread
};

int g_reactorRetries = 0;

QStringList runReactorProgram(const QJsonObject& prog)
{
    constexpr int kAttempts = 4;
    QStringList out;
    for (int k = 0; k < kAttempts; ++k) {
        ReactorProgram p(prog);
        p.run();
        out = p.out;
        if (!p.late)
            return out;
        ++g_reactorRetries;
        std::fprintf(stderr, "RETRY %s\n", qPrintable(prog.value(QStringLiteral("seed")).toVariant().toString()));
    }
    out.append(QStringLiteral("LATE a timed call ran more than half a unit late in every attempt")); // as Python's
    return out;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: qtwisted_interp PROGRAMS.jsonl\n");
        return 2;
    }
    QFile file(QString::fromLocal8Bit(argv[1]));
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot open %s\n", argv[1]);
        return 2;
    }
    qInstallMessageHandler(messageHandler);
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        if (line.isEmpty())
            continue;
        const QJsonObject prog = QJsonDocument::fromJson(line).object();
        QStringList unhandled;
        g_unhandled = &unhandled;
        QStringList out;
        if (prog.value(QStringLiteral("kind")).toString() == QStringLiteral("reactor")) {
            out = runReactorProgram(prog);
        } else {
            Ctx ctx;
            const QJsonArray ops = prog.value(QStringLiteral("ops")).toArray();
            int n = 0;
            for (const auto& o : ops)
                ctx.op(n++, o.toObject());
            ctx.finish();
            out = ctx.out;
        }
        g_unhandled = nullptr;
        unhandled.sort();
        std::printf("### %s\n", qPrintable(prog.value(QStringLiteral("seed")).toVariant().toString()));
        for (const auto& l : out)
            std::printf("%s\n", qPrintable(l));
        for (const auto& u : unhandled)
            std::printf("UNHANDLED %s\n", qPrintable(u));
        std::printf("### end\n");
        std::fflush(stdout);
    }
    if (g_reactorRetries > 0)
        std::fprintf(stderr, "reactor programs run again (a timed call ran late): %d\n", g_reactorRetries);
    return 0;
}
