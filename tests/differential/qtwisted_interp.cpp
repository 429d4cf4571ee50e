// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
//
// Runs differential-test programs (tests/differential/gen.py describes the op language) on qtwisted's public
// Deferred API and prints their logs, line for line as tests/differential/twisted_interp.py prints them on Twisted.
// Usage: qtwisted_interp PROGRAMS.jsonl
//
// Every Deferred of a program is a Deferred<QString> (values are decimal strings); a gatherResults/DeferredList
// result is turned into one string by a first callback ("[1,2]", "[(T,1),(F,E1(2))]"), which the Python side adds
// at the same place.
#include <qtwisted/deferred.h>
#include <qtwisted/errors.h>
#include <qtwisted/failure.h>
#include <qtwisted/outcome.h>
#include <qtwisted/reactor.h>

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
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

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

/// One unit of a reactor program's time (gen.py, "reactor programs"). Deadlines closer than this never swap, as
/// long as the program's setup and a call's lateness stay well below it.
constexpr double kReactorUnit = 0.03;

QStringList runReactorProgram(const QJsonObject& prog)
{
    QStringList out;
    qtwisted::Reactor reactor;
    std::map<int, qtwisted::DelayedCall> calls;
    auto act = [&out, &calls](const QString& who, const QString& a, int c, const QJsonValue& t) {
        try {
            auto it = calls.find(c);
            if (it == calls.end())
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
                it->second.reset(t.toInt() * kReactorUnit);
            else if (a == QStringLiteral("delay"))
                it->second.delay(t.toInt() * kReactorUnit);
            out.append(QStringLiteral("%1 %2 c%3 -> ok").arg(who, a).arg(c));
        } catch (...) {
            out.append(QStringLiteral("%1 %2 c%3 -> %4").arg(who, a).arg(c).arg(renderCurrent()));
        }
    };
    reactor.callWhenRunning([&]() {
        int last = 0;
        int n = 0;
        for (const auto& v : prog.value(QStringLiteral("ops")).toArray()) {
            const QJsonObject o = v.toObject();
            const QString name = o.value(QStringLiteral("op")).toString();
            const int c = o.value(QStringLiteral("c")).toInt();
            const int t = o.value(QStringLiteral("t")).toInt();
            last = std::max(last, t) + (name == QStringLiteral("delay") ? t : 0);
            if (name == QStringLiteral("later")) {
                const QJsonArray then = o.value(QStringLiteral("then")).toArray();
                calls.insert_or_assign(c, reactor.callLater(t * kReactorUnit, [&out, &act, c, then]() {
                    out.append(QStringLiteral("run c%1").arg(c));
                    for (const auto& a : then) {
                        const QJsonObject ao = a.toObject();
                        act(QStringLiteral("c%1").arg(c), ao.value(QStringLiteral("a")).toString(),
                            ao.value(QStringLiteral("c")).toInt(), QJsonValue());
                    }
                }));
            } else {
                act(QStringLiteral("op%1").arg(n), name, c, o.value(QStringLiteral("t")));
            }
            ++n;
        }
        reactor.callLater((2 * last + 3) * kReactorUnit, [&reactor]() { reactor.stop(); });
    });
    reactor.run();
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
    }
    return 0;
}
