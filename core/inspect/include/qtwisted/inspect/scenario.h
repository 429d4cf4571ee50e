// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/inspect/tracedata.h>

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <variant>

namespace qtwisted {

/// How long a job sleeps: a fixed duration, or a range drawn (seeded) per job.
struct ScenarioSleep {
    int minMs = 0;
    int maxMs = 0;
    bool range = false; ///< written as [minMs, maxMs] (even when both are equal) rather than a number

    friend bool operator==(const ScenarioSleep&, const ScenarioSleep&) = default;
};

/// One call of a callMultipleInThread batch.
struct ScenarioCall {
    ScenarioSleep sleepMs;
    QString print;

    friend bool operator==(const ScenarioCall&, const ScenarioCall&) = default;
};

/// blockingCallFromThread only: the Deferred that the function run in the reactor returns.
enum class ScenarioReturns : std::uint8_t {
    CallLater, ///< "callLater" (the default): fires sleepMs later from a reactor timer, as the howto's getPage
    DeferToThread, ///< "deferToThread": a job of the same pool that sleeps sleepMs (Twisted #5298, crochet #70)
};

/// Queue `count` jobs through `api` (written by its apiName(): "callInThread", "deferToThread", ...).
struct ScenarioQueue {
    ApiKind api = ApiKind::CallInThread;
    int count = 1;
    ScenarioSleep sleepMs;
    QString label; ///< empty: each job is labelled "sleep <ms> ms" ({job} and {sleepMs} are replaced)
    double failureRate = 0.0; ///< probability (0..1) that a job (each call of a batch) throws
    QString print; ///< what the job prints ({job} and {sleepMs} are replaced); empty: nothing
    QList<ScenarioCall> calls; ///< callMultipleInThread only; empty: one call made of sleepMs and print
    ScenarioReturns returns = ScenarioReturns::CallLater; ///< blockingCallFromThread only

    friend bool operator==(const ScenarioQueue&, const ScenarioQueue&) = default;
};

/// Resize the reactor's pool. Only max: suggestThreadPoolSize(max). Only min: the maximum is raised to it if lower.
struct ScenarioResize {
    std::optional<int> min;
    std::optional<int> max;

    friend bool operator==(const ScenarioResize&, const ScenarioResize&) = default;
};

/// The script waits `ms` before its next step.
struct ScenarioPause {
    int ms = 0;

    friend bool operator==(const ScenarioPause&, const ScenarioPause&) = default;
};

/// The script waits until every job it queued so far has finished (callbacks and prints delivered).
struct ScenarioWaitIdle {
    friend bool operator==(const ScenarioWaitIdle&, const ScenarioWaitIdle&) = default;
};

/// The script stops the reactor (it is the last step).
struct ScenarioStop {
    friend bool operator==(const ScenarioStop&, const ScenarioStop&) = default;
};

using ScenarioAction = std::variant<ScenarioQueue, ScenarioResize, ScenarioPause, ScenarioWaitIdle, ScenarioStop>;

/// One step: its action runs `atMs` after the script starts, or when the previous step completed if that is later.
struct ScenarioStep {
    int atMs = 0;
    ScenarioAction action;

    friend bool operator==(const ScenarioStep&, const ScenarioStep&) = default;
};

/// Initial pool size, applied before the first step (same rules as ScenarioResize).
struct ScenarioPool {
    std::optional<int> min;
    std::optional<int> max;

    friend bool operator==(const ScenarioPool&, const ScenarioPool&) = default;
};

/// A timed script for a reactor and its pool (docs/scenarios.md).
struct Scenario {
    QString name;
    QString description;
    std::optional<ScenarioPool> pool;
    quint32 seed = 0;
    QString python; ///< the Python this scenario reproduces (howto examples), for display
    QString cpp; ///< the same in C++ with qtwisted, for display
    QList<ScenarioStep> steps;

    /// Jobs the scenario queues in all (a callMultipleInThread batch is one job).
    int jobCount() const;

    friend bool operator==(const Scenario&, const Scenario&) = default;
};

/// A parsed scenario, or one message naming the JSON path and the rule broken, with line and column.
struct ScenarioParseResult {
    std::optional<Scenario> scenario;
    QString error;

    explicit operator bool() const noexcept { return scenario.has_value(); }
};

/// The limits of the scenario format (docs/scenarios.md states each one).
namespace ScenarioLimits {
inline constexpr qsizetype maxFileBytes = qsizetype { 1 } * 1024 * 1024;
inline constexpr int maxNameLength = 100;
inline constexpr int maxDescriptionLength = 4000;
inline constexpr int maxSourceLength = 20000;
inline constexpr int maxSteps = 10000;
inline constexpr int maxAtMs = 86'400'000;
inline constexpr int maxCount = 100'000;
inline constexpr int maxTotalJobs = 1'000'000;
inline constexpr int maxSleepMs = 3'600'000;
inline constexpr int maxReactorSleepMs = 5'000; ///< callFromThread jobs run (and sleep) on the reactor thread
inline constexpr int maxLabelLength = 200;
inline constexpr int maxPrintLength = 10'000;
inline constexpr int maxCalls = 100;
inline constexpr int maxPoolSize = 1024;
inline constexpr int maxPauseMs = 86'400'000;
} // namespace ScenarioLimits

/// Strict: unknown keys, wrong types, out-of-range numbers, non-integers where integers are needed, malformed JSON
/// and over-size input are errors, never defaults.
ScenarioParseResult parseScenario(const QByteArray& json);

/// The scenario as JSON (written by QJsonDocument: keys sorted); parseScenario(toJson(s)) gives back `s`.
QByteArray toJson(const Scenario& scenario);

/// The scenarios compiled into the library (the howto's examples and a few lessons), sorted.
QStringList builtinScenarioNames();
/// A built-in scenario by name; an error if there is none of that name.
ScenarioParseResult loadBuiltinScenario(const QString& name);

} // namespace qtwisted
