// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Scenarios: the parser refuses every kind of bad file with one message naming the JSON path and the rule; toJson()
// reads back equal; the built-ins parse; and a ScenarioRunner playing the howto's examples on a real Reactor prints
// exactly what the howto prints, in the threads the howto says.
#include <qtwisted/inspect/scenario.h>
#include <qtwisted/inspect/scenariorunner.h>
#include <qtwisted/reactor.h>
#include <qtwisted/trace.h>

#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <functional>

using namespace qtwisted;

namespace {

/// `{"name": "t", "steps": [` + steps + `]}`: the first step starts at column 25.
QByteArray withSteps(const QByteArray& steps)
{
    return R"({"name": "t", "steps": [)" + steps + "]}";
}

struct Line {
    QString text;
    QString thread;
};

/// Plays `scenario` on a fresh Reactor until the scenario stops it, or until finished() (then the test stops it).
struct Run {
    QList<Line> lines;
    bool allDeliveredInReactorThread = true;
    bool stoppedByScenario = true;
    bool timedOut = false;
    int finishedCount = 0;
    QList<QPair<int, int>> progress;
    int poolMin = -1;
    int poolMax = -1;
    std::vector<TraceEvent> events;

    explicit Run(const Scenario& scenario, const std::function<void(Reactor&, ScenarioRunner&)>& during = {})
    {
        Reactor reactor;
        TraceRecorder recorder;
        recorder.attach(reactor);
        ScenarioRunner runner(reactor, scenario);
        QObject::connect(
            &runner, &ScenarioRunner::outputLine, &runner, [this](const QString& text, const QString& thread) {
                lines.append({ text, thread });
                allDeliveredInReactorThread &= QThread::currentThread() == QCoreApplication::instance()->thread();
            });
        QObject::connect(&runner, &ScenarioRunner::progress, &runner, [this](int done, int total) {
            progress.append({ done, total });
        });
        QObject::connect(&runner, &ScenarioRunner::finished, &runner, [this, &reactor] {
            ++finishedCount;
            if (reactor.isRunning()) {
                stoppedByScenario = false;
                reactor.stop();
            }
        });
        reactor.callLater(30.0, [this, &reactor] { // watchdog: a scenario that never finishes fails, never hangs
            timedOut = true;
            if (reactor.isRunning())
                reactor.stop();
        });
        runner.start();
        if (during)
            during(reactor, runner);
        reactor.run();
        poolMin = reactor.getThreadPool().minThreads();
        poolMax = reactor.getThreadPool().maxThreads();
        recorder.drain(events);
    }
};

bool isWorker(const QString& thread)
{
    return thread.startsWith(QStringLiteral("PoolThread-qtwisted.reactor-"));
}

QStringList texts(const QList<Line>& lines)
{
    QStringList out;
    for (const Line& l : lines)
        out.append(l.text);
    return out;
}

Scenario inline_(const QByteArray& json)
{
    const ScenarioParseResult r = parseScenario(json);
    if (!r)
        qFatal("bad inline scenario: %s", qPrintable(r.error));
    return *r.scenario;
}

} // namespace

class TestScenario : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rejects_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("message");
        auto row = [](const char* name, const QByteArray& input, const QString& message) {
            QTest::newRow(name) << input << message;
        };
        auto queue = [](const QByteArray& fields) { return withSteps(R"({"at": 0, "queue": {)" + fields + "}}"); };
        // queue fields start at column 45: {"name": "t", "steps": [{"at": 0, "queue": {
        const QString q = QStringLiteral("$.steps[0].queue");

        // not a scenario at all
        row("empty", "", QStringLiteral("$: empty input (line 1, column 1)"));
        row("not JSON", "name: x", QStringLiteral("$: expected a value, found 'name' (line 1, column 1)"));
        row("truncated", withSteps(R"({"at": 0, "stop": {}})").chopped(2),
            QStringLiteral("$.steps: not valid JSON: unterminated array (line 1, column 46)"));
        row("array", "[]", QStringLiteral("$: must be an object (a scenario), not an array (line 1, column 1)"));
        row("over-size", QByteArray(ScenarioLimits::maxFileBytes + 1, ' '),
            QStringLiteral("$: the input is 1048577 bytes, more than the limit of 1048576 bytes (line 1, column 1)"));
        row("100 MB", QByteArray(qsizetype { 100 } * 1024 * 1024, '['),
            QStringLiteral("$: the input is 104857600 bytes, more than the limit of 1048576 bytes (line 1, column 1)"));
        row("too deep", R"({"name": "t", "steps": )" + QByteArray(70, '[') + QByteArray(70, ']') + "}",
            QStringLiteral("$.steps") + QStringLiteral("[0]").repeated(63)
                + QStringLiteral(": nesting deeper than 64 levels (line 1, column 87)"));
        row("invalid UTF-8", "{\"name\": \"\xc3\x28\", \"steps\": []}",
            QStringLiteral("$.name: not valid JSON: invalid UTF8 string (line 1, column 11)"));
        row("duplicate key", withSteps(R"({"at": 0, "at": 1, "stop": {}})"),
            QStringLiteral("$.steps[0].at: duplicate key (line 1, column 35)"));
        // top level
        row("missing name", R"({"steps": []})", QStringLiteral("$: missing required key \"name\" (line 1, column 1)"));
        row("name not a string", R"({"name": 5, "steps": []})",
            QStringLiteral("$.name: must be a string of 1..100 characters (line 1, column 10)"));
        row("name empty", R"({"name": "", "steps": []})",
            QStringLiteral("$.name: must be a string of 1..100 characters (line 1, column 10)"));
        row("unknown top-level key", R"({"name": "x", "stpes": []})",
            QStringLiteral("$.stpes: unknown key (allowed: version, name, description, pool, seed, python, cpp, steps) "
                           "(line 1, column 15)"));
        row("missing steps", R"({"name": "t"})",
            QStringLiteral("$: missing required key \"steps\" (line 1, column 1)"));
        row("no steps", R"({"name": "t", "steps": []})",
            QStringLiteral("$.steps: must be an array of 1..10000 steps (line 1, column 24)"));
        row("steps not an array", R"({"name": "t", "steps": {}})",
            QStringLiteral("$.steps: must be an array of 1..10000 steps (line 1, column 24)"));
        row("version 2", R"({"version": 2, "name": "t", "steps": []})",
            QStringLiteral("$.version: must be 1 (the only version of the format) (line 1, column 13)"));
        row("seed negative", R"({"name": "t", "seed": -1, "steps": []})",
            QStringLiteral("$.seed: must be an integer in 0..4294967295 (line 1, column 23)"));
        row("seed too big", R"({"name": "t", "seed": 4294967296, "steps": []})",
            QStringLiteral("$.seed: must be an integer in 0..4294967295 (line 1, column 23)"));
        row("seed fraction", R"({"name": "t", "seed": 1.5, "steps": []})",
            QStringLiteral("$.seed: must be an integer in 0..4294967295 (line 1, column 23)"));
        row("pool min above max", R"({"name": "t", "pool": {"min": 20, "max": 10}, "steps": []})",
            QStringLiteral("$.pool.min: must not exceed max (10) (line 1, column 31)"));
        row("pool empty", R"({"name": "t", "pool": {}, "steps": []})",
            QStringLiteral("$.pool: must set min, max or both (line 1, column 23)"));
        row("pool INT_MAX", R"({"name": "t", "pool": {"max": 2147483647}, "steps": []})",
            QStringLiteral("$.pool.max: must be an integer in 0..1024 (line 1, column 31)"));
        // steps
        row("step not an object", withSteps("1"),
            QStringLiteral("$.steps[0]: must be an object (a step) (line 1, column 25)"));
        row("missing at", withSteps(R"({"stop": {}})"),
            QStringLiteral("$.steps[0]: missing required key \"at\" (line 1, column 25)"));
        row("at negative", withSteps(R"({"at": -1, "stop": {}})"),
            QStringLiteral("$.steps[0].at: must be an integer in 0..86400000 (line 1, column 32)"));
        row("at NaN", withSteps(R"({"at": NaN, "stop": {}})"),
            QStringLiteral("$.steps[0].at: NaN and Infinity are not allowed in JSON (line 1, column 32)"));
        row("at huge", withSteps(R"({"at": 1e300, "stop": {}})"),
            QStringLiteral("$.steps[0].at: must be an integer in 0..86400000 (line 1, column 32)"));
        row("at overflow", withSteps(R"({"at": 1e999, "stop": {}})"),
            QStringLiteral("$.steps[0].at: number out of the range of a double (line 1, column 32)"));
        row("at string", withSteps(R"({"at": "0", "stop": {}})"),
            QStringLiteral("$.steps[0].at: must be an integer in 0..86400000 (line 1, column 32)"));
        row("at going back", withSteps(R"({"at": 5, "pause": {"ms": 1}}, {"at": 4, "stop": {}})"),
            QStringLiteral("$.steps[1].at: must not be earlier than the previous step's at (5) (line 1, column 63)"));
        row("no action", withSteps(R"({"at": 0})"),
            QStringLiteral(
                "$.steps[0]: a step needs one action: queue, resize, pause, waitIdle or stop (line 1, column 25)"));
        row("two actions", withSteps(R"({"at": 0, "pause": {"ms": 1}, "stop": {}})"),
            QStringLiteral(
                "$.steps[0].stop: a step has exactly one action (this one already has \"pause\") (line 1, column 55)"));
        row("unknown action", withSteps(R"({"at": 0, "sleep": {}})"),
            QStringLiteral("$.steps[0].sleep: unknown key (allowed: at, queue, resize, pause, waitIdle, stop) (line 1, "
                           "column 35)"));
        row("step after stop", withSteps(R"({"at": 0, "stop": {}}, {"at": 0, "waitIdle": {}})"),
            QStringLiteral("$.steps[1]: no step may follow a stop step (line 1, column 48)"));
        row("stop with keys", withSteps(R"({"at": 0, "stop": {"now": true}})"),
            QStringLiteral("$.steps[0].stop.now: unknown key (this object takes none) (line 1, column 44)"));
        row("waitIdle not an object", withSteps(R"({"at": 0, "waitIdle": true})"),
            QStringLiteral("$.steps[0].waitIdle: must be an empty object {} (line 1, column 47)"));
        row("pause zero", withSteps(R"({"at": 0, "pause": {"ms": 0}})"),
            QStringLiteral("$.steps[0].pause.ms: must be an integer in 1..86400000 (line 1, column 51)"));
        row("pause missing ms", withSteps(R"({"at": 0, "pause": {}})"),
            QStringLiteral("$.steps[0].pause: missing required key \"ms\" (line 1, column 44)"));
        row("resize empty", withSteps(R"({"at": 0, "resize": {}})"),
            QStringLiteral("$.steps[0].resize: must set min, max or both (line 1, column 45)"));
        row("resize negative", withSteps(R"({"at": 0, "resize": {"max": -1}})"),
            QStringLiteral("$.steps[0].resize.max: must be an integer in 0..1024 (line 1, column 53)"));
        row("resize min above max", withSteps(R"({"at": 0, "resize": {"min": 9, "max": 3}})"),
            QStringLiteral("$.steps[0].resize.min: must not exceed max (3) (line 1, column 53)"));
        // queue
        row("queue missing api", queue(R"("count": 1)"),
            q + QStringLiteral(": missing required key \"api\" (line 1, column 44)"));
        row("queue unknown api", queue(R"("api": "callInThreads")"),
            q
                + QStringLiteral(".api: must be one of callInThread, deferToThread, callMultipleInThread, "
                                 "blockingCallFromThread, callFromThread (line 1, column 52)"));
        row("queue api not a string", queue(R"("api": 1)"),
            q
                + QStringLiteral(".api: must be one of callInThread, deferToThread, callMultipleInThread, "
                                 "blockingCallFromThread, callFromThread (line 1, column 52)"));
        row("queue unknown key", queue(R"("api": "callInThread", "colour": "red")"),
            q
                + QStringLiteral(
                    ".colour: unknown key (allowed: api, count, sleepMs, label, failureRate, print, calls, returns) "
                    "(line 1, column 68)"));
        row("count zero", queue(R"("api": "callInThread", "count": 0)"),
            q + QStringLiteral(".count: must be an integer in 1..100000 (line 1, column 77)"));
        row("count negative", queue(R"("api": "callInThread", "count": -1)"),
            q + QStringLiteral(".count: must be an integer in 1..100000 (line 1, column 77)"));
        row("count fraction", queue(R"("api": "callInThread", "count": 2.5)"),
            q + QStringLiteral(".count: must be an integer in 1..100000 (line 1, column 77)"));
        row("count exponent", queue(R"("api": "callInThread", "count": 1e3)"),
            q + QStringLiteral(".count: must be an integer in 1..100000 (line 1, column 77)"));
        row("count with a fraction of 0", queue(R"("api": "callInThread", "count": 2.0)"),
            q + QStringLiteral(".count: must be an integer in 1..100000 (line 1, column 77)"));
        row("duplicate key spelt with an escape", queue(R"("api": "callInThread", "\u0061pi": "deferToThread")"),
            q + QStringLiteral(".api: duplicate key (line 1, column 68)"));
        row("count string", queue(R"("api": "callInThread", "count": "5")"),
            q + QStringLiteral(".count: must be an integer in 1..100000 (line 1, column 77)"));
        row("count null", queue(R"("api": "callInThread", "count": null)"),
            q + QStringLiteral(".count: must be an integer in 1..100000 (line 1, column 77)"));
        row("count too big", queue(R"("api": "callInThread", "count": 100001)"),
            q + QStringLiteral(".count: must be an integer in 1..100000 (line 1, column 77)"));
        row("count INT_MAX + 1", queue(R"("api": "callInThread", "count": 2147483648)"),
            q + QStringLiteral(".count: must be an integer in 1..100000 (line 1, column 77)"));
        row("count leading zero", queue(R"("api": "callInThread", "count": 01)"),
            q + QStringLiteral(".count: leading zeros are not allowed (line 1, column 77)"));
        row("sleepMs negative", queue(R"("api": "callInThread", "sleepMs": -5)"),
            q
                + QStringLiteral(".sleepMs: must be an integer in 0..3600000 or a range [min, max] of such integers "
                                 "(line 1, column 79)"));
        row("sleepMs NaN", queue(R"("api": "callInThread", "sleepMs": NaN)"),
            q + QStringLiteral(".sleepMs: NaN and Infinity are not allowed in JSON (line 1, column 79)"));
        row("sleepMs range reversed", queue(R"("api": "callInThread", "sleepMs": [500, 100])"),
            q + QStringLiteral(".sleepMs: the range's minimum must not exceed its maximum (line 1, column 79)"));
        row("sleepMs range of 3", queue(R"("api": "callInThread", "sleepMs": [1, 2, 3])"),
            q + QStringLiteral(".sleepMs: a range must be [min, max]: exactly 2 integers (line 1, column 79)"));
        row("sleepMs range item", queue(R"("api": "callInThread", "sleepMs": [1, "x"])"),
            q + QStringLiteral(".sleepMs[1]: must be an integer in 0..3600000 (line 1, column 83)"));
        row("sleepMs on the reactor", queue(R"("api": "callFromThread", "sleepMs": 6000)"),
            q
                + QStringLiteral(".sleepMs: must be an integer in 0..5000 or a range [min, max] of such integers "
                                 "(line 1, column 81)"));
        row("failureRate above 1", queue(R"("api": "callInThread", "failureRate": 1.5)"),
            q + QStringLiteral(".failureRate: must be a number in 0..1 (line 1, column 83)"));
        row("failureRate negative", queue(R"("api": "callInThread", "failureRate": -0.1)"),
            q + QStringLiteral(".failureRate: must be a number in 0..1 (line 1, column 83)"));
        row("failureRate string", queue(R"("api": "callInThread", "failureRate": "0.5")"),
            q + QStringLiteral(".failureRate: must be a number in 0..1 (line 1, column 83)"));
        row("label too long", queue("\"api\": \"callInThread\", \"label\": \"" + QByteArray(201, 'x') + "\""),
            q + QStringLiteral(".label: must be a string of at most 200 characters (line 1, column 77)"));
        row("print not a string", queue(R"("api": "callInThread", "print": ["x"])"),
            q + QStringLiteral(".print: must be a string of at most 10000 characters (line 1, column 77)"));
        row("calls on callInThread", queue(R"("api": "callInThread", "calls": [{}])"),
            q + QStringLiteral(".calls: only allowed with api callMultipleInThread (line 1, column 77)"));
        row("returns on callInThread", queue(R"("api": "callInThread", "returns": "deferToThread")"),
            q + QStringLiteral(".returns: only allowed with api blockingCallFromThread (line 1, column 79)"));
        row("returns unknown", queue(R"("api": "blockingCallFromThread", "returns": "callInThread")"),
            q + QStringLiteral(".returns: must be \"callLater\" or \"deferToThread\" (line 1, column 89)"));
        row("returns not a string", queue(R"("api": "blockingCallFromThread", "returns": 1)"),
            q + QStringLiteral(".returns: must be \"callLater\" or \"deferToThread\" (line 1, column 89)"));
        row("calls with sleepMs", queue(R"("api": "callMultipleInThread", "sleepMs": 1, "calls": [{}])"),
            q + QStringLiteral(".sleepMs: not allowed together with calls (set it on each call) (line 1, column 76)"));
        row("calls empty", queue(R"("api": "callMultipleInThread", "calls": [])"),
            q + QStringLiteral(".calls: must be an array of 1..100 calls (line 1, column 85)"));
        row("call unknown key", queue(R"("api": "callMultipleInThread", "calls": [{"sleep": 1}])"),
            q + QStringLiteral(".calls[0].sleep: unknown key (allowed: sleepMs, print) (line 1, column 87)"));
        row("call sleepMs fraction", queue(R"("api": "callMultipleInThread", "calls": [{"sleepMs": 0.5}])"),
            q
                + QStringLiteral(
                    ".calls[0].sleepMs: must be an integer in 0..3600000 or a range [min, max] of such integers "
                    "(line 1, column 98)"));

        QByteArray many;
        for (int i = 0; i < 11; ++i)
            many += QByteArray(i ? ", " : "") + R"({"at": 0, "queue": {"api": "callInThread", "count": 100000}})";
        row("a million jobs and more", withSteps(many),
            QStringLiteral(
                "$.steps[10].queue.count: the scenario's jobs would total more than 1000000 (line 1, column 697)"));

        // The example of docs/scenarios.md: the path, the rule, the line and the column.
        row("on line 9", R"({
  "name": "lines",
  "steps": [
    { "at": 0, "pause": { "ms": 10 } },
    { "at": 0, "waitIdle": {} },
    {
      "at": 0,
      "queue": { "api": "callInThread",
        "count": 0 }
    }
  ]
})",
            QStringLiteral("$.steps[2].queue.count: must be an integer in 1..100000 (line 9, column 18)"));
    }

    void rejects()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, message);
        const ScenarioParseResult result = parseScenario(input);
        QVERIFY(!result);
        QVERIFY(!result.scenario);
        QCOMPARE(result.error, message);
    }

    void parsesEveryField()
    {
        const ScenarioParseResult r = parseScenario(R"({
            "version": 1, "name": "all", "description": "d", "pool": {"min": 1, "max": 3}, "seed": 4294967295,
            "python": "p", "cpp": "c",
            "steps": [
                {"at": 0, "queue": {"api": "deferToThread", "count": 3, "sleepMs": [10, 20], "label": "L",
                                    "failureRate": 0.25, "print": "job {job}"}},
                {"at": 5, "queue": {"api": "callMultipleInThread", "calls": [{"sleepMs": 1, "print": "a"}, {}]}},
                {"at": 5, "resize": {"min": 2}},
                {"at": 6, "pause": {"ms": 7}},
                {"at": 6, "waitIdle": {}},
                {"at": 8, "stop": {}}
            ]})");
        QVERIFY2(r, qPrintable(r.error));
        const Scenario& s = *r.scenario;
        QCOMPARE(s.name, QStringLiteral("all"));
        QCOMPARE(s.description, QStringLiteral("d"));
        QVERIFY(s.pool);
        QCOMPARE(s.pool->min, std::optional<int>(1));
        QCOMPARE(s.pool->max, std::optional<int>(3));
        QCOMPARE(s.seed, 4294967295U);
        QCOMPARE(s.python, QStringLiteral("p"));
        QCOMPARE(s.cpp, QStringLiteral("c"));
        QCOMPARE(s.steps.size(), 6);
        QCOMPARE(s.jobCount(), 4);
        const auto& q0 = std::get<ScenarioQueue>(s.steps[0].action);
        QCOMPARE(q0.api, ApiKind::DeferToThread);
        QCOMPARE(q0.count, 3);
        QCOMPARE(q0.sleepMs, (ScenarioSleep { 10, 20, true }));
        QCOMPARE(q0.label, QStringLiteral("L"));
        QCOMPARE(q0.failureRate, 0.25);
        QCOMPARE(q0.print, QStringLiteral("job {job}"));
        const auto& q1 = std::get<ScenarioQueue>(s.steps[1].action);
        QCOMPARE(q1.count, 1); // the documented default
        QCOMPARE(q1.calls.size(), 2);
        QCOMPARE(q1.calls[0].print, QStringLiteral("a"));
        QCOMPARE(q1.calls[1].sleepMs, ScenarioSleep {});
        QCOMPARE(std::get<ScenarioResize>(s.steps[2].action), (ScenarioResize { 2, std::nullopt }));
        QCOMPARE(std::get<ScenarioPause>(s.steps[3].action).ms, 7);
        QVERIFY(std::holds_alternative<ScenarioWaitIdle>(s.steps[4].action));
        QVERIFY(std::holds_alternative<ScenarioStop>(s.steps[5].action));
        QCOMPARE(s.steps[5].atMs, 8);
    }

    void roundTrip()
    {
        Scenario s;
        s.name = QStringLiteral("round \"trip\"\n\u00e9\U0001F600");
        s.description = QStringLiteral("tab\there, backslash \\, NUL ") + QChar(0);
        s.pool = ScenarioPool { 0, 7 };
        s.seed = 123456789;
        s.python = QStringLiteral("print x\n");
        ScenarioQueue a;
        a.api = ApiKind::BlockingCallFromThread;
        a.count = 100000;
        a.sleepMs = { 3, 3, true };
        a.failureRate = 0.1;
        a.label = QStringLiteral("{job}");
        a.print = QStringLiteral("<html>");
        a.returns = ScenarioReturns::DeferToThread;
        ScenarioQueue b;
        b.api = ApiKind::CallMultipleInThread;
        b.calls = { ScenarioCall { { 0, 3600000, true }, QStringLiteral("x") }, ScenarioCall {} };
        s.steps = { { 0, a }, { 0, b }, { 1, ScenarioResize { std::nullopt, 0 } }, { 2, ScenarioPause { 86400000 } },
            { 86400000, ScenarioWaitIdle {} }, { 86400000, ScenarioStop {} } };
        const QByteArray json = toJson(s);
        const ScenarioParseResult back = parseScenario(json);
        QVERIFY2(back, qPrintable(back.error + QLatin1Char('\n') + QString::fromUtf8(json)));
        QVERIFY(*back.scenario == s);
        QCOMPARE(toJson(*back.scenario), json);
    }

    void builtins()
    {
        const QStringList expected { QStringLiteral("howto-blockingCallFromThread"),
            QStringLiteral("howto-callFromThread"), QStringLiteral("howto-callInThread"),
            QStringLiteral("howto-callMultipleInThread"), QStringLiteral("howto-deferToThread"),
            QStringLiteral("howto-suggestThreadPoolSize"), QStringLiteral("lesson-blocking-exhaustion"),
            QStringLiteral("lesson-deferred-failures"), QStringLiteral("lesson-reactor-stall"),
            QStringLiteral("lesson-resize-under-load"), QStringLiteral("lesson-starvation") };
        QCOMPARE(builtinScenarioNames(), expected);
        for (const QString& name : expected) {
            const ScenarioParseResult r = loadBuiltinScenario(name);
            QVERIFY2(r, qPrintable(name + QStringLiteral(": ") + r.error));
            QCOMPARE(r.scenario->name, name);
            QVERIFY(!r.scenario->description.isEmpty());
            const ScenarioParseResult again = parseScenario(toJson(*r.scenario));
            QVERIFY2(again, qPrintable(again.error));
            QVERIFY(*again.scenario == *r.scenario);
            if (name.startsWith(QStringLiteral("howto-"))) {
                QVERIFY(!r.scenario->python.isEmpty());
                QVERIFY(!r.scenario->cpp.isEmpty());
            }
        }
        const ScenarioParseResult missing = loadBuiltinScenario(QStringLiteral("nope"));
        QVERIFY(!missing);
        QVERIFY(missing.error.startsWith(QStringLiteral("no built-in scenario named \"nope\" (built-in: howto-")));
        QVERIFY(!loadBuiltinScenario(QStringLiteral("../howto-callInThread")));
    }

    void howtoOutput_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QStringList>("lines");
        QTest::addColumn<QStringList>("threads"); // "main", "worker" or "same worker" (as the line before)
        QTest::addColumn<bool>("scenarioStops");

        QTest::newRow("callFromThread") << QStringLiteral("howto-callFromThread")
                                        << QStringList { QStringLiteral("notThreadSafe(3)") }
                                        << QStringList { QStringLiteral("main") } << false;
        QTest::newRow("callInThread") << QStringLiteral("howto-callInThread")
                                      << QStringList { QStringLiteral("2 seconds have passed") }
                                      << QStringList { QStringLiteral("worker") } << false;
        QTest::newRow("callMultipleInThread")
            << QStringLiteral("howto-callMultipleInThread")
            << QStringList { QStringLiteral("Calling First"), QStringLiteral("And the second") }
            << QStringList { QStringLiteral("worker"), QStringLiteral("same worker") } << false;
        QTest::newRow("deferToThread") << QStringLiteral("howto-deferToThread") << QStringList { QStringLiteral("3") }
                                       << QStringList { QStringLiteral("main") } << false;
        QTest::newRow("blockingCallFromThread")
            << QStringLiteral("howto-blockingCallFromThread")
            << QStringList { QStringLiteral("<html>the page at http://twistedmatrix.com/</html>") }
            << QStringList { QStringLiteral("worker") } << true;
        QTest::newRow("suggestThreadPoolSize")
            << QStringLiteral("howto-suggestThreadPoolSize") << QStringList {} << QStringList {} << false;
    }

    void howtoOutput()
    {
        QFETCH(QString, name);
        QFETCH(QStringList, lines);
        QFETCH(QStringList, threads);
        QFETCH(bool, scenarioStops);

        const ScenarioParseResult scenario = loadBuiltinScenario(name);
        QVERIFY2(scenario, qPrintable(scenario.error));
        const Run run(*scenario.scenario);
        QVERIFY(!run.timedOut);
        QCOMPARE(run.finishedCount, 1);
        QCOMPARE(run.stoppedByScenario, scenarioStops);
        QCOMPARE(texts(run.lines), lines); // exactly the howto's lines, nothing more, in order
        QVERIFY(run.allDeliveredInReactorThread);
        for (qsizetype i = 0; i < lines.size(); ++i) {
            const QString& thread = run.lines[i].thread;
            if (threads[i] == QStringLiteral("main"))
                QCOMPARE(thread, QStringLiteral("MainThread"));
            else if (threads[i] == QStringLiteral("worker"))
                QVERIFY2(isWorker(thread), qPrintable(thread));
            else
                QCOMPARE(thread, run.lines[i - 1].thread);
        }
        const int jobs = scenario.scenario->jobCount();
        QCOMPARE(run.progress.constLast(), qMakePair(jobs, jobs));
        if (name == QStringLiteral("howto-suggestThreadPoolSize")) {
            QCOMPARE(run.poolMax, 30);
            QCOMPARE(run.poolMin, 5);
        } else {
            QCOMPARE(run.poolMax, 10); // the howto's defaults, untouched
        }
    }

    void seededRunsRepeat()
    {
        const QByteArray json = R"({"name": "seeded", "seed": 99, "pool": {"max": 4}, "steps": [
            {"at": 0, "queue": {"api": "deferToThread", "count": 20, "sleepMs": [0, 20], "failureRate": 0.5,
                                "print": "job {job} slept {sleepMs} ms"}},
            {"at": 0, "waitIdle": {}}]})";
        const Run first(inline_(json));
        const Run second(inline_(json));
        QVERIFY(!first.timedOut && !second.timedOut);
        QStringList a = texts(first.lines);
        QStringList b = texts(second.lines);
        QCOMPARE(a.size(), 20); // one line per job: the callback's or the errback's
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        QCOMPARE(a, b);
        const auto failures = std::count_if(a.begin(), a.end(),
            [](const QString& l) { return l.startsWith(QStringLiteral("Failure: std::runtime_error: job #")); });
        QVERIFY(failures > 0 && failures < 20);
        for (const Line& l : first.lines)
            QCOMPARE(l.thread, QStringLiteral("MainThread")); // callbacks and errbacks run in the reactor thread

        QByteArray other = json;
        other.replace("\"seed\": 99", "\"seed\": 100");
        QStringList c = texts(Run(inline_(other)).lines);
        std::sort(c.begin(), c.end());
        QVERIFY(c != a);
    }

    void waitIdleAndProgress()
    {
        const Run run(inline_(R"({"name": "order", "steps": [
            {"at": 0, "queue": {"api": "callInThread", "count": 3, "sleepMs": 30, "print": "pool {job}"}},
            {"at": 0, "waitIdle": {}},
            {"at": 0, "pause": {"ms": 10}},
            {"at": 0, "queue": {"api": "callFromThread", "print": "after"}},
            {"at": 0, "waitIdle": {}}]})"));
        QVERIFY(!run.timedOut);
        QStringList lines = texts(run.lines);
        QCOMPARE(lines.size(), 4);
        QCOMPARE(lines.constLast(), QStringLiteral("after"));
        lines.removeLast();
        std::sort(lines.begin(), lines.end());
        QCOMPARE(lines, (QStringList { QStringLiteral("pool 1"), QStringLiteral("pool 2"), QStringLiteral("pool 3") }));
        QCOMPARE(run.progress.constFirst(), qMakePair(0, 4));
        QCOMPARE(run.progress.constLast(), qMakePair(4, 4));
        for (qsizetype i = 1; i < run.progress.size(); ++i)
            QCOMPARE(run.progress[i].first, run.progress[i - 1].first + 1);
    }

    void blockingCallReturningDeferToThread()
    {
        // Twisted #5298: every worker of a pool of 2 waits in blockingCallFromThread for a deferToThread job on the
        // same pool. The compensating pool (the default) lends a worker for each blocked one: the jobs all end.
        const Run run(inline_(R"({"name": "lend", "pool": {"min": 0, "max": 2}, "steps": [
            {"at": 0, "queue": {"api": "blockingCallFromThread", "count": 2, "sleepMs": 20, "returns": "deferToThread",
                                "label": "outer {job}", "print": "inner {job}"}},
            {"at": 0, "waitIdle": {}}]})"));
        QVERIFY(!run.timedOut);
        QStringList lines = texts(run.lines);
        std::sort(lines.begin(), lines.end());
        QCOMPARE(lines, (QStringList { QStringLiteral("inner 1"), QStringLiteral("inner 2") }));
        // The inner jobs ran in the pool, labelled after their callers.
        QStringList inner;
        for (const TraceEvent& e : run.events) {
            if (e.kind == TraceEventKind::JobQueued && e.api == ApiKind::DeferToThread)
                inner.append(TraceStrings::text(e.labelId));
        }
        std::sort(inner.begin(), inner.end());
        QCOMPARE(inner,
            (QStringList { QStringLiteral("outer 1 (deferToThread)"), QStringLiteral("outer 2 (deferToThread)") }));
    }

    void resizeSteps()
    {
        const Run run(inline_(R"({"name": "resize", "pool": {"min": 1, "max": 2}, "steps": [
            {"at": 0, "resize": {"min": 3}},
            {"at": 0, "queue": {"api": "callFromThread", "print": "{job}"}},
            {"at": 0, "waitIdle": {}},
            {"at": 0, "resize": {"max": 1}}]})"));
        QVERIFY(!run.timedOut);
        QCOMPARE(run.poolMin, 1); // max 1 alone is suggestThreadPoolSize(1): it lowers the minimum too
        QCOMPARE(run.poolMax, 1);
        // Who resized the pool is recorded with each resize (the label current when it happened).
        QStringList by;
        for (const TraceEvent& e : run.events) {
            if (e.kind == TraceEventKind::PoolResized)
                by.append(TraceStrings::text(e.labelId));
        }
        QCOMPARE(by,
            (QStringList { QStringLiteral("scenario resize: pool"), QStringLiteral("scenario resize: step 0"),
                QStringLiteral("scenario resize: step 3") }));
    }

    void failuresAndLabels()
    {
        // Failed callInThread/callMultipleInThread jobs are logged by the pool, as Twisted logs them.
        for (int job : { 1, 2 }) {
            QTest::ignoreMessage(QtWarningMsg,
                qPrintable(QStringLiteral("Unhandled exception in callInThread: std::runtime_error: job #%1 failed "
                                          "(simulated, failureRate 1)")
                               .arg(job)));
        }
        QTest::ignoreMessage(QtWarningMsg,
            "Unhandled exception in callMultipleInThread: std::runtime_error: job #3 failed (simulated, failureRate "
            "1)");
        const Run run(inline_(R"({"name": "fail", "steps": [
            {"at": 0, "queue": {"api": "callInThread", "count": 2, "sleepMs": 5, "failureRate": 1, "print": "never"}},
            {"at": 0, "queue": {"api": "callMultipleInThread", "failureRate": 1,
                                "calls": [{"print": "never"}, {"print": "never"}]}},
            {"at": 0, "queue": {"api": "blockingCallFromThread", "label": "fetch {job}", "failureRate": 1, "print": "page"}},
            {"at": 0, "queue": {"api": "deferToThread", "sleepMs": 7, "print": "ok"}},
            {"at": 0, "waitIdle": {}}]})"));
        QVERIFY(!run.timedOut);
        QStringList lines = texts(run.lines);
        std::sort(lines.begin(), lines.end());
        // Failed callInThread/callMultipleInThread jobs print nothing (the pool logs them); the blocking caller prints
        // the exception it got, as the howto's inThread() does.
        QCOMPARE(
            lines, (QStringList { QStringLiteral("job #4 failed (simulated, failureRate 1)"), QStringLiteral("ok") }));
        QCOMPARE(run.progress.constLast(), qMakePair(5, 5));
        QStringList labels;
        for (const TraceEvent& e : run.events) {
            if (e.kind == TraceEventKind::JobQueued && e.api != ApiKind::BlockingCallFromThread)
                labels.append(TraceStrings::text(e.labelId));
        }
        QCOMPARE(labels,
            (QStringList { QStringLiteral("sleep 5 ms"), QStringLiteral("sleep 5 ms"), QStringLiteral("sleep 0 ms"),
                QStringLiteral("fetch 4"), QStringLiteral("sleep 7 ms") }));
    }

    void defaultLabelsDoNotGrowTheStringTable()
    {
        // Every API, default labels, two durations. A warm-up run interns what a run needs once (the pool's name,
        // the labels); the run that follows, with 25 times the jobs, adds no label. It may add the names of workers
        // started for the first time: the pool numbers each worker it starts (PoolThread-<pool>-<n>) and starts
        // some while workers wait in blockingCallFromThread, so those grow per worker started, never per job.
        const auto scenario = [](int scale) {
            return inline_(QStringLiteral(R"({"name": "many", "steps": [
                {"at": 0, "queue": {"api": "callInThread", "count": %1, "sleepMs": [0, 1]}},
                {"at": 0, "queue": {"api": "deferToThread", "count": %2}},
                {"at": 0, "queue": {"api": "callMultipleInThread", "count": %2, "calls": [{}, {"sleepMs": 1}]}},
                {"at": 0, "queue": {"api": "blockingCallFromThread", "count": %2}},
                {"at": 0, "queue": {"api": "callFromThread", "count": %2}},
                {"at": 0, "waitIdle": {}}]})")
                               .arg(scale * 4)
                               .arg(scale)
                               .toUtf8());
        };
        const Run warmUp(scenario(40));
        QVERIFY(!warmUp.timedOut);
        const std::size_t before = TraceStrings::count();
        const Run run(scenario(1000));
        QVERIFY(!run.timedOut);
        const auto queued = std::count_if(run.events.begin(), run.events.end(),
            [](const TraceEvent& e) { return e.kind == TraceEventKind::JobQueued; });
        QVERIFY2(queued >= 8000, qPrintable(QString::number(queued)));
        QStringList added;
        for (std::size_t id = before; id < TraceStrings::count(); ++id)
            added.append(TraceStrings::text(static_cast<std::uint32_t>(id)));
        const QStringList labels
            = added.filter(QRegularExpression(QStringLiteral("^(?!PoolThread-qtwisted\\.reactor-\\d+$)")));
        QCOMPARE(labels, QStringList());
        QVERIFY2(added.size() < queued / 20,
            qPrintable(QStringLiteral("%1 new strings for %2 jobs").arg(added.size()).arg(queued)));
    }

    void cancelInterruptsSleepingJobs()
    {
        const Run run(inline_(R"({"name": "long", "steps": [
                {"at": 0, "queue": {"api": "callInThread", "count": 12, "sleepMs": 40000, "print": "never"}},
                {"at": 0, "waitIdle": {}}]})"),
            [](Reactor& reactor, ScenarioRunner& runner) {
                // Once the jobs run, cancel: finished() follows at once and the test stops the reactor; shutdown
                // drains the pool, which only ends because cancel() woke the sleeping jobs.
                reactor.callLater(0.05, [&runner] { runner.cancel(); });
            });
        QVERIFY(!run.timedOut);
        QCOMPARE(run.finishedCount, 1);
        QVERIFY(run.lines.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestScenario)
#include "tst_scenario.moc"
