// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "strictjson_p.h"

#include <qtwisted/inspect/scenario.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <initializer_list>

namespace qtwisted {

namespace {

namespace L = ScenarioLimits;

constexpr std::int64_t kMaxSeed = 4'294'967'295;
QString builtinPath(const QString& file)
{
    return QStringLiteral(":/qtwisted/scenarios/") + file;
}

QString typeName(const QJsonValue& v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

/// Checks a document read by parseStrictJson() against the schema, walking Qt's value tree with the JSON path of
/// each value; the first broken rule wins. Qt keeps an object's keys sorted, so "first" follows that order. The
/// message's line and column are looked up (locateJson()) only once a rule is broken.
class Checker {
public:
    Checker(QByteArrayView input, const QSet<QString>& nonIntegerNumbers)
        : m_input(input)
        , m_nonInteger(nonIntegerNumbers)
    {
    }

    QString error() const { return m_error; }

    std::optional<Scenario> scenario(const QJsonValue& rootValue)
    {
        const QString path = QStringLiteral("$");
        if (!rootValue.isObject()) {
            fail(path, QStringLiteral("must be an object (a scenario), not %1").arg(typeName(rootValue)));
            return std::nullopt;
        }
        const QJsonObject root = rootValue.toObject();
        if (!allowedKeys(
                root, path, { u"version", u"name", u"description", u"pool", u"seed", u"python", u"cpp", u"steps" }))
            return std::nullopt;
        Scenario s;
        if (root.contains(u"version")) {
            const QString at = key(path, u"version");
            if (!isInteger(root.value(u"version"), at) || root.value(u"version").toDouble() != 1.0) {
                fail(at, QStringLiteral("must be 1 (the only version of the format)"));
                return std::nullopt;
            }
        }
        if (!require(root, path, u"name")
            || !string(root.value(u"name"), key(path, u"name"), 1, L::maxNameLength, s.name))
            return std::nullopt;
        if (!optionalString(root, path, u"description", L::maxDescriptionLength, s.description))
            return std::nullopt;
        if (root.contains(u"pool")) {
            ScenarioPool pool;
            if (!poolSize(root.value(u"pool"), key(path, u"pool"), pool.min, pool.max))
                return std::nullopt;
            s.pool = pool;
        }
        if (root.contains(u"seed")) {
            std::int64_t seed = 0;
            if (!integer(root.value(u"seed"), key(path, u"seed"), 0, kMaxSeed, seed))
                return std::nullopt;
            s.seed = static_cast<quint32>(seed);
        }
        if (!optionalString(root, path, u"python", L::maxSourceLength, s.python)
            || !optionalString(root, path, u"cpp", L::maxSourceLength, s.cpp))
            return std::nullopt;
        if (!require(root, path, u"steps"))
            return std::nullopt;
        const QJsonValue steps = root.value(u"steps");
        const QString stepsPath = key(path, u"steps");
        if (!steps.isArray() || steps.toArray().isEmpty() || steps.toArray().size() > qsizetype { L::maxSteps }) {
            fail(stepsPath, QStringLiteral("must be an array of 1..%1 steps").arg(L::maxSteps));
            return std::nullopt;
        }
        qsizetype index = 0;
        std::int64_t totalJobs = 0;
        for (const QJsonValue item : steps.toArray()) {
            const QString stepPath = detail::jsonPathIndex(stepsPath, index);
            if (!s.steps.isEmpty() && std::holds_alternative<ScenarioStop>(s.steps.back().action)) {
                fail(stepPath, QStringLiteral("no step may follow a stop step"));
                return std::nullopt;
            }
            ScenarioStep step;
            if (!parseStep(item, stepPath, step))
                return std::nullopt;
            if (!s.steps.isEmpty() && step.atMs < s.steps.back().atMs) {
                fail(key(stepPath, u"at"),
                    QStringLiteral("must not be earlier than the previous step's at (%1)").arg(s.steps.back().atMs));
                return std::nullopt;
            }
            if (const auto* queue = std::get_if<ScenarioQueue>(&step.action)) {
                totalJobs += queue->count;
                if (totalJobs > L::maxTotalJobs) {
                    fail(key(key(stepPath, u"queue"), u"count"),
                        QStringLiteral("the scenario's jobs would total more than %1").arg(L::maxTotalJobs));
                    return std::nullopt;
                }
            }
            s.steps.append(std::move(step));
            ++index;
        }
        return s;
    }

private:
    static QString key(const QString& path, QStringView k) { return detail::jsonPathKey(path, k.toString()); }

    /// The rule broken by the value at `path` (or, with `atKey`, by its key): the message points at where it is.
    bool fail(const QString& path, const QString& rule, bool atKey = false)
    {
        if (m_error.isEmpty()) {
            const detail::JsonLocation where = detail::locateJson(m_input, path);
            m_error = detail::jsonErrorMessage(m_input, path, atKey && where.key >= 0 ? where.key : where.value, rule);
        }
        return false;
    }

    /// Every key of `object` must be one of `allowed`.
    bool allowedKeys(const QJsonObject& object, const QString& path, std::initializer_list<QStringView> allowed)
    {
        for (auto it = object.begin(); it != object.end(); ++it) {
            const QString k = it.key();
            if (std::find(allowed.begin(), allowed.end(), QStringView(k)) == allowed.end()) {
                QStringList names;
                for (QStringView a : allowed)
                    names.append(a.toString());
                return fail(detail::jsonPathKey(path, k),
                    names.isEmpty() ? QStringLiteral("unknown key (this object takes none)")
                                    : QStringLiteral("unknown key (allowed: %1)").arg(names.join(QStringLiteral(", "))),
                    true);
            }
        }
        return true;
    }

    bool require(const QJsonObject& object, const QString& path, QStringView k)
    {
        return object.contains(k) || fail(path, QStringLiteral("missing required key \"%1\"").arg(k));
    }

    /// A number written as an integer (no fraction, no exponent).
    bool isInteger(const QJsonValue& v, const QString& path) const
    {
        return v.isDouble() && !m_nonInteger.contains(path);
    }

    bool integer(const QJsonValue& v, const QString& path, std::int64_t lo, std::int64_t hi, std::int64_t& out)
    {
        const double d = v.toDouble();
        if (!isInteger(v, path) || d < static_cast<double>(lo) || d > static_cast<double>(hi))
            return fail(path, QStringLiteral("must be an integer in %1..%2").arg(lo).arg(hi));
        out = static_cast<std::int64_t>(d);
        return true;
    }

    bool integer(const QJsonValue& v, const QString& path, int lo, int hi, int& out)
    {
        std::int64_t wide = 0;
        if (!integer(v, path, std::int64_t { lo }, std::int64_t { hi }, wide))
            return false;
        out = static_cast<int>(wide);
        return true;
    }

    bool string(const QJsonValue& v, const QString& path, int minLength, int maxLength, QString& out)
    {
        const qsizetype length = v.isString() ? v.toString().size() : -1;
        if (length < minLength || length > maxLength) {
            return fail(path,
                minLength > 0 ? QStringLiteral("must be a string of %1..%2 characters").arg(minLength).arg(maxLength)
                              : QStringLiteral("must be a string of at most %1 characters").arg(maxLength));
        }
        out = v.toString();
        return true;
    }

    bool optionalString(const QJsonObject& object, const QString& path, QStringView k, int maxLength, QString& out)
    {
        return !object.contains(k) || string(object.value(k), key(path, k), 0, maxLength, out);
    }

    bool emptyObject(const QJsonValue& v, const QString& path)
    {
        if (!v.isObject())
            return fail(path, QStringLiteral("must be an empty object {}"));
        return allowedKeys(v.toObject(), path, {});
    }

    /// pool and resize: {"min"?, "max"?}, at least one, min <= max.
    bool poolSize(const QJsonValue& v, const QString& path, std::optional<int>& min, std::optional<int>& max)
    {
        if (!v.isObject())
            return fail(path, QStringLiteral("must be an object {\"min\", \"max\"}"));
        const QJsonObject o = v.toObject();
        if (!allowedKeys(o, path, { u"min", u"max" }))
            return false;
        if (!o.contains(u"min") && !o.contains(u"max"))
            return fail(path, QStringLiteral("must set min, max or both"));
        int n = 0;
        if (o.contains(u"min")) {
            if (!integer(o.value(u"min"), key(path, u"min"), 0, L::maxPoolSize, n))
                return false;
            min = n;
        }
        if (o.contains(u"max")) {
            if (!integer(o.value(u"max"), key(path, u"max"), 0, L::maxPoolSize, n))
                return false;
            max = n;
        }
        if (min && max && *min > *max)
            return fail(key(path, u"min"), QStringLiteral("must not exceed max (%1)").arg(*max));
        return true;
    }

    bool sleep(const QJsonValue& v, const QString& path, int maxMs, ScenarioSleep& out)
    {
        if (v.isArray()) {
            const QJsonArray items = v.toArray();
            if (items.size() != 2)
                return fail(path, QStringLiteral("a range must be [min, max]: exactly 2 integers"));
            if (!integer(items[0], detail::jsonPathIndex(path, 0), 0, maxMs, out.minMs)
                || !integer(items[1], detail::jsonPathIndex(path, 1), 0, maxMs, out.maxMs))
                return false;
            if (out.minMs > out.maxMs)
                return fail(path, QStringLiteral("the range's minimum must not exceed its maximum"));
            out.range = true;
            return true;
        }
        if (!isInteger(v, path) || v.toDouble() < 0 || v.toDouble() > maxMs)
            return fail(
                path, QStringLiteral("must be an integer in 0..%1 or a range [min, max] of such integers").arg(maxMs));
        out.minMs = out.maxMs = static_cast<int>(v.toDouble());
        out.range = false;
        return true;
    }

    bool parseStep(const QJsonValue& value, const QString& path, ScenarioStep& step)
    {
        if (!value.isObject())
            return fail(path, QStringLiteral("must be an object (a step)"));
        const QJsonObject v = value.toObject();
        if (!allowedKeys(v, path, { u"at", u"queue", u"resize", u"pause", u"waitIdle", u"stop" }))
            return false;
        if (!require(v, path, u"at") || !integer(v.value(u"at"), key(path, u"at"), 0, L::maxAtMs, step.atMs))
            return false;
        QString action;
        for (auto it = v.begin(); it != v.end(); ++it) {
            if (it.key() == u"at")
                continue;
            if (!action.isEmpty()) {
                return fail(detail::jsonPathKey(path, it.key()),
                    QStringLiteral("a step has exactly one action (this one already has \"%1\")").arg(action), true);
            }
            action = it.key();
        }
        if (action.isEmpty())
            return fail(path, QStringLiteral("a step needs one action: queue, resize, pause, waitIdle or stop"));
        const QString actionPath = detail::jsonPathKey(path, action);
        const QJsonValue a = v.value(action);
        if (action == u"queue") {
            ScenarioQueue queue;
            if (!parseQueue(a, actionPath, queue))
                return false;
            step.action = std::move(queue);
        } else if (action == u"resize") {
            ScenarioResize resize;
            if (!poolSize(a, actionPath, resize.min, resize.max))
                return false;
            step.action = resize;
        } else if (action == u"pause") {
            if (!a.isObject())
                return fail(actionPath, QStringLiteral("must be an object {\"ms\"}"));
            const QJsonObject o = a.toObject();
            if (!allowedKeys(o, actionPath, { u"ms" }))
                return false;
            ScenarioPause pause;
            if (!require(o, actionPath, u"ms")
                || !integer(o.value(u"ms"), key(actionPath, u"ms"), 1, L::maxPauseMs, pause.ms))
                return false;
            step.action = pause;
        } else if (action == u"waitIdle") {
            if (!emptyObject(a, actionPath))
                return false;
            step.action = ScenarioWaitIdle {};
        } else {
            if (!emptyObject(a, actionPath))
                return false;
            step.action = ScenarioStop {};
        }
        return true;
    }

    bool parseQueue(const QJsonValue& value, const QString& path, ScenarioQueue& queue)
    {
        if (!value.isObject())
            return fail(path, QStringLiteral("must be an object (jobs to queue)"));
        const QJsonObject v = value.toObject();
        if (!allowedKeys(
                v, path, { u"api", u"count", u"sleepMs", u"label", u"failureRate", u"print", u"calls", u"returns" }))
            return false;
        if (!require(v, path, u"api"))
            return false;
        const QJsonValue api = v.value(u"api");
        const auto parsedApi = apiFromName(api.toString());
        if (!api.isString() || !parsedApi) {
            return fail(key(path, u"api"),
                QStringLiteral("must be one of callInThread, deferToThread, callMultipleInThread, "
                               "blockingCallFromThread, callFromThread"));
        }
        queue.api = *parsedApi;
        const int maxSleep = queue.api == ApiKind::CallFromThread ? L::maxReactorSleepMs : L::maxSleepMs;
        if (v.contains(u"count")) {
            if (!integer(v.value(u"count"), key(path, u"count"), 1, L::maxCount, queue.count))
                return false;
        }
        if (v.contains(u"calls")) {
            const QJsonValue calls = v.value(u"calls");
            const QString callsPath = key(path, u"calls");
            if (queue.api != ApiKind::CallMultipleInThread)
                return fail(callsPath, QStringLiteral("only allowed with api callMultipleInThread"));
            for (const char16_t* k : { u"sleepMs", u"print" }) {
                const QStringView name(k);
                if (v.contains(name))
                    return fail(
                        key(path, name), QStringLiteral("not allowed together with calls (set it on each call)"), true);
            }
            if (!calls.isArray() || calls.toArray().isEmpty() || calls.toArray().size() > qsizetype { L::maxCalls })
                return fail(callsPath, QStringLiteral("must be an array of 1..%1 calls").arg(L::maxCalls));
            qsizetype i = 0;
            for (const QJsonValue item : calls.toArray()) {
                const QString callPath = detail::jsonPathIndex(callsPath, i++);
                if (!item.isObject())
                    return fail(callPath, QStringLiteral("must be an object {\"sleepMs\", \"print\"}"));
                const QJsonObject c = item.toObject();
                if (!allowedKeys(c, callPath, { u"sleepMs", u"print" }))
                    return false;
                ScenarioCall call;
                if (c.contains(u"sleepMs")) {
                    if (!sleep(c.value(u"sleepMs"), key(callPath, u"sleepMs"), maxSleep, call.sleepMs))
                        return false;
                }
                if (!optionalString(c, callPath, u"print", L::maxPrintLength, call.print))
                    return false;
                queue.calls.append(std::move(call));
            }
        }
        if (v.contains(u"sleepMs")) {
            if (!sleep(v.value(u"sleepMs"), key(path, u"sleepMs"), maxSleep, queue.sleepMs))
                return false;
        }
        if (!optionalString(v, path, u"label", L::maxLabelLength, queue.label))
            return false;
        if (v.contains(u"failureRate")) {
            const QJsonValue rate = v.value(u"failureRate");
            const double r = rate.toDouble();
            if (!rate.isDouble() || !(r >= 0.0 && r <= 1.0))
                return fail(key(path, u"failureRate"), QStringLiteral("must be a number in 0..1"));
            queue.failureRate = r;
        }
        if (v.contains(u"returns")) {
            const QJsonValue returns = v.value(u"returns");
            const QString returnsPath = key(path, u"returns");
            if (queue.api != ApiKind::BlockingCallFromThread)
                return fail(returnsPath, QStringLiteral("only allowed with api blockingCallFromThread"));
            if (returns == QJsonValue(QStringLiteral("callLater")))
                queue.returns = ScenarioReturns::CallLater;
            else if (returns == QJsonValue(QStringLiteral("deferToThread")))
                queue.returns = ScenarioReturns::DeferToThread;
            else
                return fail(returnsPath, QStringLiteral("must be \"callLater\" or \"deferToThread\""));
        }
        return optionalString(v, path, u"print", L::maxPrintLength, queue.print);
    }

    QByteArrayView m_input;
    const QSet<QString>& m_nonInteger;
    QString m_error;
};

QJsonValue sleepJson(const ScenarioSleep& s)
{
    if (!s.range)
        return s.minMs;
    return QJsonArray { s.minMs, s.maxMs };
}

QJsonObject poolJson(const std::optional<int>& min, const std::optional<int>& max)
{
    QJsonObject o;
    if (min)
        o.insert(u"min", *min);
    if (max)
        o.insert(u"max", *max);
    return o;
}

QJsonObject stepJson(const ScenarioStep& step)
{
    QJsonObject o;
    o.insert(u"at", step.atMs);
    if (const auto* q = std::get_if<ScenarioQueue>(&step.action)) {
        QJsonObject queue;
        queue.insert(u"api", apiName(q->api));
        queue.insert(u"count", q->count);
        if (q->calls.isEmpty())
            queue.insert(u"sleepMs", sleepJson(q->sleepMs));
        if (!q->label.isEmpty())
            queue.insert(u"label", q->label);
        if (q->failureRate != 0.0)
            queue.insert(u"failureRate", q->failureRate);
        if (q->calls.isEmpty() && !q->print.isEmpty())
            queue.insert(u"print", q->print);
        if (!q->calls.isEmpty()) {
            QJsonArray calls;
            for (const ScenarioCall& c : q->calls) {
                QJsonObject call;
                call.insert(u"sleepMs", sleepJson(c.sleepMs));
                if (!c.print.isEmpty())
                    call.insert(u"print", c.print);
                calls.append(call);
            }
            queue.insert(u"calls", calls);
        }
        if (q->returns == ScenarioReturns::DeferToThread)
            queue.insert(u"returns", QStringLiteral("deferToThread"));
        o.insert(u"queue", queue);
    } else if (const auto* r = std::get_if<ScenarioResize>(&step.action)) {
        o.insert(u"resize", poolJson(r->min, r->max));
    } else if (const auto* p = std::get_if<ScenarioPause>(&step.action)) {
        o.insert(u"pause", QJsonObject { { QStringLiteral("ms"), p->ms } });
    } else if (std::holds_alternative<ScenarioWaitIdle>(step.action)) {
        o.insert(u"waitIdle", QJsonObject {});
    } else {
        o.insert(u"stop", QJsonObject {});
    }
    return o;
}

} // namespace

int Scenario::jobCount() const
{
    int total = 0;
    for (const ScenarioStep& step : steps) {
        if (const auto* q = std::get_if<ScenarioQueue>(&step.action))
            total += q->count;
    }
    return total;
}

ScenarioParseResult parseScenario(const QByteArray& json)
{
    detail::StrictJsonLimits limits;
    limits.maxBytes = ScenarioLimits::maxFileBytes;
    QString error;
    const std::optional<detail::StrictJson> doc = detail::parseStrictJson(json, limits, &error);
    if (!doc)
        return { std::nullopt, error };
    Checker checker(json, doc->nonIntegerNumbers);
    std::optional<Scenario> scenario = checker.scenario(doc->root);
    if (!scenario)
        return { std::nullopt, checker.error() };
    return { std::move(scenario), {} };
}

QByteArray toJson(const Scenario& scenario)
{
    QJsonObject o;
    o.insert(u"version", 1);
    o.insert(u"name", scenario.name);
    if (!scenario.description.isEmpty())
        o.insert(u"description", scenario.description);
    if (scenario.pool)
        o.insert(u"pool", poolJson(scenario.pool->min, scenario.pool->max));
    o.insert(u"seed", static_cast<qint64>(scenario.seed));
    if (!scenario.python.isEmpty())
        o.insert(u"python", scenario.python);
    if (!scenario.cpp.isEmpty())
        o.insert(u"cpp", scenario.cpp);
    QJsonArray steps;
    for (const ScenarioStep& step : scenario.steps)
        steps.append(stepJson(step));
    o.insert(u"steps", steps);
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

QStringList builtinScenarioNames()
{
    QStringList names;
    const QStringList files = QDir(builtinPath({})).entryList({ QStringLiteral("*.json") }, QDir::Files, QDir::Name);
    for (const QString& file : files)
        names.append(file.chopped(5));
    return names;
}

ScenarioParseResult loadBuiltinScenario(const QString& name)
{
    QFile file(builtinPath(name + QStringLiteral(".json")));
    if (name.isEmpty() || name.contains(QLatin1Char('/')) || !file.open(QIODevice::ReadOnly)) {
        return { std::nullopt,
            QStringLiteral("no built-in scenario named \"%1\" (built-in: %2)")
                .arg(name, builtinScenarioNames().join(QStringLiteral(", "))) };
    }
    return parseScenario(file.readAll());
}

} // namespace qtwisted
