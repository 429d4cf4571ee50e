// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "json_p.h"

#include <qtwisted/inspect/scenario.h>

#include <QDir>
#include <QFile>

#include <algorithm>
#include <cmath>
#include <initializer_list>

namespace qtwisted {

namespace {

using detail::JsonMember;
using detail::JsonValue;
namespace L = ScenarioLimits;

constexpr std::int64_t kMaxSeed = 4'294'967'295;
QString builtinPath(const QString& file)
{
    return QStringLiteral(":/qtwisted/scenarios/") + file;
}

struct ApiName {
    ScenarioApi api;
    const char16_t* name;
};
constexpr ApiName kApiNames[] = {
    { ScenarioApi::CallInThread, u"callInThread" },
    { ScenarioApi::DeferToThread, u"deferToThread" },
    { ScenarioApi::CallMultipleInThread, u"callMultipleInThread" },
    { ScenarioApi::BlockingCallFromThread, u"blockingCallFromThread" },
    { ScenarioApi::CallFromThread, u"callFromThread" },
};

/// Checks a parsed document against the schema; the first broken rule wins.
class Checker {
public:
    explicit Checker(QByteArrayView input)
        : m_input(input)
    {
    }

    QString error() const { return m_error; }

    std::optional<Scenario> scenario(const JsonValue& root)
    {
        const QString path = QStringLiteral("$");
        if (!root.isObject()) {
            fail(path, root,
                QStringLiteral("must be an object (a scenario), not %1").arg(JsonValue::typeName(root.type())));
            return std::nullopt;
        }
        if (!allowedKeys(
                root, path, { u"version", u"name", u"description", u"pool", u"seed", u"python", u"cpp", u"steps" }))
            return std::nullopt;
        Scenario s;
        if (const JsonValue* v = root.find(u"version")) {
            if (!v->isIntegerLiteral() || v->toDouble() != 1.0) {
                fail(key(path, u"version"), *v, QStringLiteral("must be 1 (the only version of the format)"));
                return std::nullopt;
            }
        }
        const JsonValue* name = require(root, path, u"name");
        if (!name || !string(*name, key(path, u"name"), 1, L::maxNameLength, s.name))
            return std::nullopt;
        if (!optionalString(root, path, u"description", L::maxDescriptionLength, s.description))
            return std::nullopt;
        if (const JsonValue* v = root.find(u"pool")) {
            ScenarioPool pool;
            if (!poolSize(*v, key(path, u"pool"), pool.min, pool.max))
                return std::nullopt;
            s.pool = pool;
        }
        if (const JsonValue* v = root.find(u"seed")) {
            std::int64_t seed = 0;
            if (!integer(*v, key(path, u"seed"), 0, kMaxSeed, seed))
                return std::nullopt;
            s.seed = static_cast<quint32>(seed);
        }
        if (!optionalString(root, path, u"python", L::maxSourceLength, s.python)
            || !optionalString(root, path, u"cpp", L::maxSourceLength, s.cpp))
            return std::nullopt;
        const JsonValue* steps = require(root, path, u"steps");
        if (!steps)
            return std::nullopt;
        const QString stepsPath = key(path, u"steps");
        if (!steps->isArray() || steps->array().empty() || std::ssize(steps->array()) > qsizetype { L::maxSteps }) {
            fail(stepsPath, *steps, QStringLiteral("must be an array of 1..%1 steps").arg(L::maxSteps));
            return std::nullopt;
        }
        qsizetype index = 0;
        std::int64_t totalJobs = 0;
        for (const JsonValue& item : steps->array()) {
            const QString stepPath = detail::jsonPathIndex(stepsPath, index);
            if (!s.steps.isEmpty() && std::holds_alternative<ScenarioStop>(s.steps.back().action)) {
                fail(stepPath, item, QStringLiteral("no step may follow a stop step"));
                return std::nullopt;
            }
            ScenarioStep step;
            if (!parseStep(item, stepPath, step))
                return std::nullopt;
            if (!s.steps.isEmpty() && step.atMs < s.steps.back().atMs) {
                fail(key(stepPath, u"at"), *item.find(u"at"),
                    QStringLiteral("must not be earlier than the previous step's at (%1)").arg(s.steps.back().atMs));
                return std::nullopt;
            }
            if (const auto* queue = std::get_if<ScenarioQueue>(&step.action)) {
                totalJobs += queue->count;
                if (totalJobs > L::maxTotalJobs) {
                    fail(key(key(stepPath, u"queue"), u"count"), *item.find(u"queue")->find(u"count"),
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

    bool fail(const QString& path, const JsonValue& at, const QString& rule) { return failAt(path, at.offset(), rule); }
    bool failAt(const QString& path, qsizetype offset, const QString& rule)
    {
        if (m_error.isEmpty()) {
            const detail::JsonPosition pos = detail::jsonPosition(m_input, offset);
            m_error = detail::JsonError { path, pos.line, pos.column, rule }.message();
        }
        return false;
    }

    /// Every key of `object` must be one of `allowed`.
    bool allowedKeys(const JsonValue& object, const QString& path, std::initializer_list<QStringView> allowed)
    {
        for (const JsonMember& m : object.object()) {
            if (std::find(allowed.begin(), allowed.end(), QStringView(m.key)) == allowed.end()) {
                QStringList names;
                for (QStringView a : allowed)
                    names.append(a.toString());
                return failAt(detail::jsonPathKey(path, m.key), m.keyOffset,
                    names.isEmpty()
                        ? QStringLiteral("unknown key (this object takes none)")
                        : QStringLiteral("unknown key (allowed: %1)").arg(names.join(QStringLiteral(", "))));
            }
        }
        return true;
    }

    const JsonValue* require(const JsonValue& object, const QString& path, QStringView k)
    {
        const JsonValue* v = object.find(k);
        if (!v)
            fail(path, object, QStringLiteral("missing required key \"%1\"").arg(k));
        return v;
    }

    bool integer(const JsonValue& v, const QString& path, std::int64_t lo, std::int64_t hi, std::int64_t& out)
    {
        const double d = v.toDouble();
        if (!v.isIntegerLiteral() || d < static_cast<double>(lo) || d > static_cast<double>(hi))
            return fail(path, v, QStringLiteral("must be an integer in %1..%2").arg(lo).arg(hi));
        out = static_cast<std::int64_t>(d);
        return true;
    }

    bool integer(const JsonValue& v, const QString& path, int lo, int hi, int& out)
    {
        std::int64_t wide = 0;
        if (!integer(v, path, std::int64_t { lo }, std::int64_t { hi }, wide))
            return false;
        out = static_cast<int>(wide);
        return true;
    }

    bool string(const JsonValue& v, const QString& path, int minLength, int maxLength, QString& out)
    {
        const qsizetype length = v.isString() ? v.toString().size() : -1;
        if (length < minLength || length > maxLength) {
            return fail(path, v,
                minLength > 0 ? QStringLiteral("must be a string of %1..%2 characters").arg(minLength).arg(maxLength)
                              : QStringLiteral("must be a string of at most %1 characters").arg(maxLength));
        }
        out = v.toString();
        return true;
    }

    bool optionalString(const JsonValue& object, const QString& path, QStringView k, int maxLength, QString& out)
    {
        const JsonValue* v = object.find(k);
        return !v || string(*v, key(path, k), 0, maxLength, out);
    }

    bool emptyObject(const JsonValue& v, const QString& path)
    {
        if (!v.isObject())
            return fail(path, v, QStringLiteral("must be an empty object {}"));
        return allowedKeys(v, path, {});
    }

    /// pool and resize: {"min"?, "max"?}, at least one, min <= max.
    bool poolSize(const JsonValue& v, const QString& path, std::optional<int>& min, std::optional<int>& max)
    {
        if (!v.isObject())
            return fail(path, v, QStringLiteral("must be an object {\"min\", \"max\"}"));
        if (!allowedKeys(v, path, { u"min", u"max" }))
            return false;
        const JsonValue* minValue = v.find(u"min");
        const JsonValue* maxValue = v.find(u"max");
        if (!minValue && !maxValue)
            return fail(path, v, QStringLiteral("must set min, max or both"));
        int n = 0;
        if (minValue) {
            if (!integer(*minValue, key(path, u"min"), 0, L::maxPoolSize, n))
                return false;
            min = n;
        }
        if (maxValue) {
            if (!integer(*maxValue, key(path, u"max"), 0, L::maxPoolSize, n))
                return false;
            max = n;
        }
        if (min && max && *min > *max)
            return fail(key(path, u"min"), *minValue, QStringLiteral("must not exceed max (%1)").arg(*max));
        return true;
    }

    bool sleep(const JsonValue& v, const QString& path, int maxMs, ScenarioSleep& out)
    {
        if (v.isArray()) {
            const auto& items = v.array();
            if (items.size() != 2)
                return fail(path, v, QStringLiteral("a range must be [min, max]: exactly 2 integers"));
            if (!integer(items[0], detail::jsonPathIndex(path, 0), 0, maxMs, out.minMs)
                || !integer(items[1], detail::jsonPathIndex(path, 1), 0, maxMs, out.maxMs))
                return false;
            if (out.minMs > out.maxMs)
                return fail(path, v, QStringLiteral("the range's minimum must not exceed its maximum"));
            out.range = true;
            return true;
        }
        if (!v.isIntegerLiteral() || v.toDouble() < 0 || v.toDouble() > maxMs)
            return fail(path, v,
                QStringLiteral("must be an integer in 0..%1 or a range [min, max] of such integers").arg(maxMs));
        out.minMs = out.maxMs = static_cast<int>(v.toDouble());
        out.range = false;
        return true;
    }

    bool parseStep(const JsonValue& v, const QString& path, ScenarioStep& step)
    {
        if (!v.isObject())
            return fail(path, v, QStringLiteral("must be an object (a step)"));
        if (!allowedKeys(v, path, { u"at", u"queue", u"resize", u"pause", u"waitIdle", u"stop" }))
            return false;
        const JsonValue* at = require(v, path, u"at");
        if (!at || !integer(*at, key(path, u"at"), 0, L::maxAtMs, step.atMs))
            return false;
        const JsonMember* action = nullptr;
        for (const JsonMember& m : v.object()) {
            if (m.key == u"at")
                continue;
            if (action) {
                return failAt(detail::jsonPathKey(path, m.key), m.keyOffset,
                    QStringLiteral("a step has exactly one action (this one already has \"%1\")").arg(action->key));
            }
            action = &m;
        }
        if (!action)
            return fail(path, v, QStringLiteral("a step needs one action: queue, resize, pause, waitIdle or stop"));
        const QString actionPath = detail::jsonPathKey(path, action->key);
        const JsonValue& a = action->value;
        if (action->key == u"queue") {
            ScenarioQueue queue;
            if (!parseQueue(a, actionPath, queue))
                return false;
            step.action = std::move(queue);
        } else if (action->key == u"resize") {
            ScenarioResize resize;
            if (!poolSize(a, actionPath, resize.min, resize.max))
                return false;
            step.action = resize;
        } else if (action->key == u"pause") {
            if (!a.isObject())
                return fail(actionPath, a, QStringLiteral("must be an object {\"ms\"}"));
            if (!allowedKeys(a, actionPath, { u"ms" }))
                return false;
            ScenarioPause pause;
            const JsonValue* ms = require(a, actionPath, u"ms");
            if (!ms || !integer(*ms, key(actionPath, u"ms"), 1, L::maxPauseMs, pause.ms))
                return false;
            step.action = pause;
        } else if (action->key == u"waitIdle") {
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

    bool parseQueue(const JsonValue& v, const QString& path, ScenarioQueue& queue)
    {
        if (!v.isObject())
            return fail(path, v, QStringLiteral("must be an object (jobs to queue)"));
        if (!allowedKeys(v, path, { u"api", u"count", u"sleepMs", u"label", u"failureRate", u"print", u"calls" }))
            return false;
        const JsonValue* api = require(v, path, u"api");
        if (!api)
            return false;
        const auto parsedApi = scenarioApiFromName(api->toString());
        if (!api->isString() || !parsedApi) {
            return fail(key(path, u"api"), *api,
                QStringLiteral("must be one of callInThread, deferToThread, callMultipleInThread, "
                               "blockingCallFromThread, callFromThread"));
        }
        queue.api = *parsedApi;
        const int maxSleep = queue.api == ScenarioApi::CallFromThread ? L::maxReactorSleepMs : L::maxSleepMs;
        if (const JsonValue* count = v.find(u"count")) {
            if (!integer(*count, key(path, u"count"), 1, L::maxCount, queue.count))
                return false;
        }
        const JsonValue* calls = v.find(u"calls");
        if (calls) {
            const QString callsPath = key(path, u"calls");
            if (queue.api != ScenarioApi::CallMultipleInThread)
                return fail(callsPath, *calls, QStringLiteral("only allowed with api callMultipleInThread"));
            for (const char16_t* k : { u"sleepMs", u"print" }) {
                const QStringView name(k);
                if (v.find(name)) {
                    const auto it = std::find_if(
                        v.object().begin(), v.object().end(), [&](const JsonMember& m) { return m.key == name; });
                    return failAt(key(path, name), it->keyOffset,
                        QStringLiteral("not allowed together with calls (set it on each call)"));
                }
            }
            if (!calls->isArray() || calls->array().empty() || std::ssize(calls->array()) > qsizetype { L::maxCalls })
                return fail(callsPath, *calls, QStringLiteral("must be an array of 1..%1 calls").arg(L::maxCalls));
            qsizetype i = 0;
            for (const JsonValue& item : calls->array()) {
                const QString callPath = detail::jsonPathIndex(callsPath, i++);
                if (!item.isObject())
                    return fail(callPath, item, QStringLiteral("must be an object {\"sleepMs\", \"print\"}"));
                if (!allowedKeys(item, callPath, { u"sleepMs", u"print" }))
                    return false;
                ScenarioCall call;
                if (const JsonValue* s = item.find(u"sleepMs")) {
                    if (!sleep(*s, key(callPath, u"sleepMs"), maxSleep, call.sleepMs))
                        return false;
                }
                if (!optionalString(item, callPath, u"print", L::maxPrintLength, call.print))
                    return false;
                queue.calls.append(std::move(call));
            }
        }
        if (const JsonValue* s = v.find(u"sleepMs")) {
            if (!sleep(*s, key(path, u"sleepMs"), maxSleep, queue.sleepMs))
                return false;
        }
        if (!optionalString(v, path, u"label", L::maxLabelLength, queue.label))
            return false;
        if (const JsonValue* rate = v.find(u"failureRate")) {
            const double r = rate->toDouble();
            if (!rate->isNumber() || !(r >= 0.0 && r <= 1.0))
                return fail(key(path, u"failureRate"), *rate, QStringLiteral("must be a number in 0..1"));
            queue.failureRate = r;
        }
        return optionalString(v, path, u"print", L::maxPrintLength, queue.print);
    }

    QByteArrayView m_input;
    QString m_error;
};

JsonValue number(int n)
{
    return JsonValue(static_cast<double>(n), true);
}

JsonValue sleepJson(const ScenarioSleep& s)
{
    if (!s.range)
        return number(s.minMs);
    return JsonValue(JsonValue::Array { number(s.minMs), number(s.maxMs) });
}

void put(JsonValue::Object& object, const char16_t* k, JsonValue v)
{
    object.push_back({ QString::fromUtf16(k), std::move(v), 0 });
}

JsonValue poolJson(const std::optional<int>& min, const std::optional<int>& max)
{
    JsonValue::Object o;
    if (min)
        put(o, u"min", number(*min));
    if (max)
        put(o, u"max", number(*max));
    return JsonValue(std::move(o));
}

JsonValue stepJson(const ScenarioStep& step)
{
    JsonValue::Object o;
    put(o, u"at", number(step.atMs));
    if (const auto* q = std::get_if<ScenarioQueue>(&step.action)) {
        JsonValue::Object queue;
        put(queue, u"api", JsonValue(scenarioApiName(q->api)));
        put(queue, u"count", number(q->count));
        if (q->calls.isEmpty())
            put(queue, u"sleepMs", sleepJson(q->sleepMs));
        if (!q->label.isEmpty())
            put(queue, u"label", JsonValue(q->label));
        if (q->failureRate != 0.0)
            put(queue, u"failureRate", JsonValue(q->failureRate));
        if (q->calls.isEmpty() && !q->print.isEmpty())
            put(queue, u"print", JsonValue(q->print));
        if (!q->calls.isEmpty()) {
            JsonValue::Array calls;
            for (const ScenarioCall& c : q->calls) {
                JsonValue::Object call;
                put(call, u"sleepMs", sleepJson(c.sleepMs));
                if (!c.print.isEmpty())
                    put(call, u"print", JsonValue(c.print));
                calls.emplace_back(std::move(call));
            }
            put(queue, u"calls", JsonValue(std::move(calls)));
        }
        put(o, u"queue", JsonValue(std::move(queue)));
    } else if (const auto* r = std::get_if<ScenarioResize>(&step.action)) {
        put(o, u"resize", poolJson(r->min, r->max));
    } else if (const auto* p = std::get_if<ScenarioPause>(&step.action)) {
        JsonValue::Object pause;
        put(pause, u"ms", number(p->ms));
        put(o, u"pause", JsonValue(std::move(pause)));
    } else if (std::holds_alternative<ScenarioWaitIdle>(step.action)) {
        put(o, u"waitIdle", JsonValue(JsonValue::Object {}));
    } else {
        put(o, u"stop", JsonValue(JsonValue::Object {}));
    }
    return JsonValue(std::move(o));
}

} // namespace

QString scenarioApiName(ScenarioApi api)
{
    for (const ApiName& n : kApiNames) {
        if (n.api == api)
            return QString::fromUtf16(n.name);
    }
    return {};
}

std::optional<ScenarioApi> scenarioApiFromName(const QString& name)
{
    for (const ApiName& n : kApiNames) {
        if (name == QStringView(n.name))
            return n.api;
    }
    return std::nullopt;
}

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
    detail::JsonLimits limits;
    limits.maxBytes = ScenarioLimits::maxFileBytes;
    detail::JsonError error;
    const std::optional<JsonValue> root = detail::parseJson(json, &error, limits);
    if (!root)
        return { std::nullopt, error.message() };
    Checker checker(json);
    std::optional<Scenario> scenario = checker.scenario(*root);
    if (!scenario)
        return { std::nullopt, checker.error() };
    return { std::move(scenario), {} };
}

QByteArray toJson(const Scenario& scenario)
{
    JsonValue::Object o;
    put(o, u"version", number(1));
    put(o, u"name", JsonValue(scenario.name));
    if (!scenario.description.isEmpty())
        put(o, u"description", JsonValue(scenario.description));
    if (scenario.pool)
        put(o, u"pool", poolJson(scenario.pool->min, scenario.pool->max));
    put(o, u"seed", JsonValue(static_cast<double>(scenario.seed), true));
    if (!scenario.python.isEmpty())
        put(o, u"python", JsonValue(scenario.python));
    if (!scenario.cpp.isEmpty())
        put(o, u"cpp", JsonValue(scenario.cpp));
    JsonValue::Array steps;
    for (const ScenarioStep& step : scenario.steps)
        steps.push_back(stepJson(step));
    put(o, u"steps", JsonValue(std::move(steps)));
    return detail::serializeJson(JsonValue(std::move(o)));
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
