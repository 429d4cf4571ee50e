// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Chrome trace import: reads back what chrometraceexport.cpp wrote, strictly (never crashes or hangs on bad input).
#include "chrometrace_p.h"
#include "strictjson_p.h"

#include <qtwisted/inspect/traceexport.h>

#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace qtwisted {

/// What the importer needs beyond TraceData's public API: rebuild lanes and pools in their original order.
struct TraceDataBuilder {
    static std::size_t pool(TraceData& d, std::uint32_t poolId) { return d.ensurePool(poolId); }
    static WorkerLane& lane(TraceData& d, std::uint32_t poolId, std::int32_t worker)
    {
        return d.m_lanes[static_cast<std::size_t>(d.ensureLane(poolId, worker))];
    }
    static void times(TraceData& d, std::int64_t origin, std::int64_t earliest, std::int64_t latest)
    {
        d.m_origin = origin;
        d.m_earliest = earliest;
        d.m_latest = latest;
        d.updateLaneOrder(); // lanes() was written directly, and the events may have set no lane's creation
    }
};

namespace {

using namespace chrometrace;

// ---- import ------------------------------------------------------------------------------------------------------

class Importer {
public:
    QString error;
    bool cancelled = false;
    const TraceTaskControl* control = nullptr;

    std::optional<TraceData> run(const QByteArray& json, qsizetype maxBytes)
    {
        if (json.size() > maxBytes)
            return failed(QStringLiteral("file"),
                QStringLiteral("%1 bytes is more than the %2-byte limit for a trace").arg(json.size()).arg(maxBytes));
        QJsonParseError parseError {};
        const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
        if (parseError.error != QJsonParseError::NoError)
            return failed(QStringLiteral("byte %1").arg(parseError.offset),
                QStringLiteral("not valid JSON (%1)").arg(parseError.errorString()));
        if (!doc.isObject())
            return failed(
                QStringLiteral("top level"), QStringLiteral("must be a JSON object with a \"traceEvents\" array"));
        const QJsonObject top = doc.object();
        const QJsonValue eventsValue = top.value(QStringLiteral("traceEvents"));
        if (!eventsValue.isArray())
            return failed(QStringLiteral("traceEvents"), QStringLiteral("must be an array"));
        const QJsonArray events = eventsValue.toArray();
        // The header comes first: without it we know neither the time base nor that this is our file.
        qsizetype headerAt = -1;
        for (qsizetype i = 0; i < events.size() && headerAt < 0; ++i) {
            const QJsonObject qtw = events.at(i)
                                        .toObject()
                                        .value(QStringLiteral("args"))
                                        .toObject()
                                        .value(QStringLiteral("qtw"))
                                        .toObject();
            if (events.at(i).toObject().value(QStringLiteral("name")).toString() == QStringLiteral("process_name")
                && qtw.value(QStringLiteral("type")).toString() == QStringLiteral("trace"))
                headerAt = i;
        }
        if (headerAt < 0)
            return failed(QStringLiteral("traceEvents"),
                QStringLiteral("not a qtwisted trace: no process_name metadata with args.qtw.type \"trace\" (only "
                               "this project's own exports can be opened)"));
        if (!readHeader(events.at(headerAt)
                            .toObject()
                            .value(QStringLiteral("args"))
                            .toObject()
                            .value(QStringLiteral("qtw"))
                            .toObject(),
                place(headerAt), static_cast<double>(events.size())))
            return std::nullopt;
        for (qsizetype i = 0; i < events.size(); ++i) {
            if (control && i % 4096 == 0) {
                control->report(static_cast<int>(900.0 * static_cast<double>(i) / static_cast<double>(events.size())));
                if (control->cancelled()) {
                    cancelled = true;
                    return failed(QStringLiteral("import"), QStringLiteral("cancelled"));
                }
            }
            const QJsonValue ev = events.at(i);
            if (!ev.isObject())
                return failed(QStringLiteral("traceEvents[%1]").arg(i), QStringLiteral("must be an object"));
            const QJsonValue args = ev.toObject().value(QStringLiteral("args"));
            if (args.isUndefined())
                continue;
            if (!args.isObject())
                return failed(place(i).chopped(4), QStringLiteral("must be an object"));
            const QJsonValue qtw = args.toObject().value(QStringLiteral("qtw"));
            if (qtw.isUndefined() || i == headerAt)
                continue;
            if (!qtw.isObject())
                return failed(place(i), QStringLiteral("must be an object"));
            if (!readRecord(qtw.toObject(), place(i), args.toObject()))
                return std::nullopt;
        }
        return build();
    }

private:
    struct Job {
        bool present = false;
        std::uint64_t id = 0;
        std::uint32_t poolId = 0;
        std::uint32_t labelId = 0;
        ApiKind api = ApiKind::CallInThread;
        JobStatus status = JobStatus::Queued;
        std::int32_t worker = -1;
        std::int64_t queued = kNoTime, started = kNoTime, ended = kNoTime;
        std::int64_t callback = kNoTime, callbackDur = 0, blocked = kNoTime, blockedDur = 0;
    };
    struct Lane {
        bool present = false;
        std::uint32_t poolId = 0;
        std::int32_t worker = 0;
        QString name;
        std::int64_t created = kNoTime, retired = kNoTime;
    };
    struct Pool {
        std::uint32_t poolId = 0;
        bool seeded = false;
        std::int32_t min = 0, max = 0;
    };

    static QString place(qsizetype i) { return QStringLiteral("traceEvents[%1].args.qtw").arg(i); }

    bool fail(const QString& where, const QString& rule)
    {
        if (error.isEmpty())
            error = QStringLiteral("%1: %2").arg(where, rule);
        return false;
    }
    std::nullopt_t failed(const QString& where, const QString& rule)
    {
        fail(where, rule);
        return std::nullopt;
    }

    // An integer that a double holds exactly, within [lo, hi].
    bool readInt(const QJsonObject& o, const char* key, const QString& where, std::int64_t& out, bool required,
        double lo = -kMaxExact, double hi = kMaxExact)
    {
        const QJsonValue v = o.value(QLatin1String(key));
        const QString at = QStringLiteral("%1.%2").arg(where, QLatin1String(key));
        if (v.isUndefined()) {
            if (required)
                return fail(at, QStringLiteral("is required"));
            return true;
        }
        if (!v.isDouble())
            return fail(at, QStringLiteral("must be a number"));
        const double d = v.toDouble();
        if (!std::isfinite(d) || d != std::floor(d))
            return fail(at, QStringLiteral("must be an integer"));
        if (d < lo || d > hi)
            return fail(at, QStringLiteral("must be between %1 and %2").arg(lo, 0, 'g', 17).arg(hi, 0, 'g', 17));
        out = static_cast<std::int64_t>(d);
        return true;
    }

    bool readTime(const QJsonObject& o, const char* key, const QString& where, std::int64_t& out)
    {
        std::int64_t v = kNoTime;
        if (!readInt(o, key, where, v, false, 0, kMaxExact))
            return false;
        out = v == kNoTime ? kNoTime : m_base + v;
        return true;
    }

    bool readString(const QJsonObject& o, const char* key, const QString& where, QString& out)
    {
        const QJsonValue v = o.value(QLatin1String(key));
        if (!v.isString())
            return fail(QStringLiteral("%1.%2").arg(where, QLatin1String(key)), QStringLiteral("must be a string"));
        out = v.toString();
        return true;
    }

    bool readDecimal(const QJsonObject& o, const char* key, const QString& where, std::int64_t& out)
    {
        QString text;
        if (!readString(o, key, where, text))
            return false;
        bool ok = false;
        const qlonglong v = text.toLongLong(&ok);
        if (!ok || v < -(qlonglong { 1 } << 62) || v > (qlonglong { 1 } << 62))
            return fail(QStringLiteral("%1.%2").arg(where, QLatin1String(key)),
                QStringLiteral("must be a decimal integer string within ±2^62"));
        out = v;
        return true;
    }

    bool readHeader(const QJsonObject& q, const QString& where, double eventCount)
    {
        std::int64_t format = 0;
        if (!readInt(q, "format", where, format, true))
            return false;
        if (format != kFormat)
            return fail(where + QStringLiteral(".format"), QStringLiteral("must be %1 (this version's)").arg(kFormat));
        std::int64_t origin = 0;
        if (!readDecimal(q, "base_ns", where, m_base) || !readDecimal(q, "origin_ns", where, origin))
            return false;
        m_origin = origin;
        QString dropped;
        if (!readString(q, "dropped", where, dropped))
            return false;
        bool ok = false;
        m_dropped = dropped.toULongLong(&ok);
        if (!ok)
            return fail(where + QStringLiteral(".dropped"), QStringLiteral("must be a decimal count"));
        if (q.contains(QStringLiteral("earliest_ns"))) {
            if (!readTime(q, "earliest_ns", where, m_earliest) || !readTime(q, "latest_ns", where, m_latest))
                return false;
            if (m_latest == kNoTime)
                return fail(where + QStringLiteral(".latest_ns"), QStringLiteral("is required with earliest_ns"));
        }
        std::int64_t jobs = 0;
        std::int64_t lanes = 0;
        // Every job and lane has an event of its own: a count beyond that is a lie, not a reason to allocate.
        if (!readInt(q, "jobs", where, jobs, true, 0, eventCount)
            || !readInt(q, "lanes", where, lanes, true, 0, eventCount))
            return false;
        m_jobs.resize(static_cast<std::size_t>(jobs));
        m_lanes.resize(static_cast<std::size_t>(lanes));
        const QJsonValue pools = q.value(QStringLiteral("pools"));
        if (!pools.isArray())
            return fail(where + QStringLiteral(".pools"), QStringLiteral("must be an array"));
        const QJsonArray list = pools.toArray();
        for (qsizetype i = 0; i < list.size(); ++i) {
            const QString at = QStringLiteral("%1.pools[%2]").arg(where).arg(i);
            if (!list.at(i).isObject())
                return fail(at, QStringLiteral("must be an object"));
            const QJsonObject p = list.at(i).toObject();
            QString name;
            if (!readString(p, "name", at, name))
                return false;
            Pool pool;
            pool.poolId = TraceStrings::intern(name);
            if (p.contains(QStringLiteral("min")) || p.contains(QStringLiteral("max"))) {
                std::int64_t mn = 0;
                std::int64_t mx = 0;
                if (!readInt(p, "min", at, mn, true, 0, 1'000'000) || !readInt(p, "max", at, mx, true, 0, 1'000'000))
                    return false;
                pool.seeded = true;
                pool.min = static_cast<std::int32_t>(mn);
                pool.max = static_cast<std::int32_t>(mx);
            }
            m_pools.push_back(pool);
        }
        return true;
    }

    bool readApi(const QJsonObject& o, const QString& where, ApiKind& out)
    {
        QString text;
        if (!readString(o, "api", where, text))
            return false;
        if (const std::optional<ApiKind> api = apiFromName(text)) {
            out = *api;
            return true;
        }
        return fail(where + QStringLiteral(".api"),
            QStringLiteral("must be one of callInThread, deferToThread, callMultipleInThread, "
                           "blockingCallFromThread, callFromThread"));
    }

    bool readStatus(const QJsonObject& o, const QString& where, JobStatus& out)
    {
        QString text;
        if (!readString(o, "status", where, text))
            return false;
        for (const JobStatus s :
            { JobStatus::Queued, JobStatus::Running, JobStatus::Finished, JobStatus::Failed, JobStatus::Cancelled }) {
            if (jobStatusName(s) == text) {
                out = s;
                return true;
            }
        }
        return fail(where + QStringLiteral(".status"),
            QStringLiteral("must be one of queued, running, finished, failed, cancelled"));
    }

    bool readRecord(const QJsonObject& q, const QString& where, const QJsonObject& args)
    {
        QString type;
        if (!readString(q, "type", where, type))
            return false;
        if (type == QStringLiteral("job"))
            return readJob(q, where);
        if (type == QStringLiteral("lane"))
            return readLane(q, where, args);
        if (type == QStringLiteral("stall") || type == QStringLiteral("callback")) {
            std::int64_t start = kNoTime;
            std::int64_t dur = 0;
            if (!readTime(q, "start_ns", where, start) || !readInt(q, "dur_ns", where, dur, true, 0, kMaxExact))
                return false;
            if (start == kNoTime)
                return fail(where + QStringLiteral(".start_ns"), QStringLiteral("is required"));
            TraceEvent e;
            e.kind = type == QStringLiteral("stall") ? TraceEventKind::ReactorStall : TraceEventKind::CallbackRan;
            e.timeNs = start;
            e.durationNs = dur;
            m_extras.push_back(e);
            return true;
        }
        if (type == QStringLiteral("resize")) {
            std::int64_t t = kNoTime;
            std::int64_t v[4] = {};
            QString pool;
            QString by;
            if (!readTime(q, "time_ns", where, t) || !readString(q, "pool", where, pool)
                || !readString(q, "by", where, by) || !readInt(q, "old_min", where, v[0], true, -1e9, 1e9)
                || !readInt(q, "old_max", where, v[1], true, -1e9, 1e9)
                || !readInt(q, "new_min", where, v[2], true, -1e9, 1e9)
                || !readInt(q, "new_max", where, v[3], true, -1e9, 1e9))
                return false;
            if (t == kNoTime)
                return fail(where + QStringLiteral(".time_ns"), QStringLiteral("is required"));
            TraceEvent e;
            e.kind = TraceEventKind::PoolResized;
            e.timeNs = t;
            e.poolId = TraceStrings::intern(pool);
            e.labelId = TraceStrings::intern(by);
            e.oldMin = static_cast<std::int32_t>(v[0]);
            e.oldMax = static_cast<std::int32_t>(v[1]);
            e.newMin = static_cast<std::int32_t>(v[2]);
            e.newMax = static_cast<std::int32_t>(v[3]);
            m_extras.push_back(e);
            return true;
        }
        if (type == QStringLiteral("finding"))
            return readFinding(q, where);
        return fail(
            where + QStringLiteral(".type"), QStringLiteral("must be job, lane, stall, callback, resize or finding"));
    }

    // A finding may come from a file written by anything: rule and severity are checked against the enums here,
    // never cast from whatever number or text the file holds.
    bool readFinding(const QJsonObject& q, const QString& where)
    {
        QString id;
        QString rule;
        QString severity;
        QString message;
        QString pool;
        std::int64_t suggested = 0;
        std::int64_t worker = -1;
        std::int64_t start = kNoTime;
        std::int64_t dur = -1;
        if (!readString(q, "id", where, id) || !readString(q, "rule", where, rule)
            || !readString(q, "severity", where, severity) || !readString(q, "message", where, message)
            || !readString(q, "pool", where, pool) || !readInt(q, "suggested_max", where, suggested, true, 0, 1'000'000)
            || !readInt(q, "worker", where, worker, true, -1, 2147483647.0) || !readTime(q, "start_ns", where, start)
            || !readInt(q, "dur_ns", where, dur, false, 0, kMaxExact))
            return false;
        if (start == kNoTime)
            return fail(where + QStringLiteral(".start_ns"), QStringLiteral("is required"));
        bool ok = false;
        const quint64 findingId = id.toULongLong(&ok);
        if (!ok || findingId == 0)
            return fail(where + QStringLiteral(".id"), QStringLiteral("must be a positive decimal finding id"));
        if (!m_findingIds.insert(findingId).second)
            return fail(where + QStringLiteral(".id"), QStringLiteral("finding %1 appears twice").arg(findingId));
        const std::optional<DiagnosticRule> r = ruleFromKey(rule);
        if (!r)
            return fail(where + QStringLiteral(".rule"), QStringLiteral("must be one of %1").arg(ruleKeys()));
        const std::optional<DiagnosticSeverity> sv = severityFromKey(severity);
        if (!sv)
            return fail(where + QStringLiteral(".severity"), QStringLiteral("must be one of info, warning, critical"));
        TraceEvent e;
        e.kind = TraceEventKind::FindingStarted;
        e.timeNs = start;
        e.jobId = findingId;
        e.labelId = TraceStrings::intern(message);
        e.poolId = pool.isEmpty() ? 0 : TraceStrings::intern(pool);
        e.newMin = static_cast<std::int32_t>(*r);
        e.newMax = static_cast<std::int32_t>(*sv);
        e.oldMax = static_cast<std::int32_t>(suggested);
        e.worker = static_cast<std::int32_t>(worker);
        e.api = ApiKind::CallFromThread;
        m_extras.push_back(e);
        if (dur >= 0) {
            e.kind = TraceEventKind::FindingEnded;
            e.durationNs = dur;
            m_extras.push_back(e);
        }
        return true;
    }

    bool readLane(const QJsonObject& q, const QString& where, const QJsonObject& args)
    {
        std::int64_t index = 0;
        std::int64_t worker = 0;
        QString pool;
        if (!readInt(q, "lane", where, index, true, 0, static_cast<double>(m_lanes.size()) - 1)
            || !readInt(q, "worker", where, worker, true, -2147483648.0, 2147483647.0)
            || !readString(q, "pool", where, pool))
            return false;
        Lane& lane = m_lanes[static_cast<std::size_t>(index)];
        if (lane.present)
            return fail(where + QStringLiteral(".lane"), QStringLiteral("lane %1 appears twice").arg(index));
        lane.present = true;
        lane.poolId = TraceStrings::intern(pool);
        lane.worker = static_cast<std::int32_t>(worker);
        return readString(args, "name", where.chopped(4), lane.name) && readTime(q, "created_ns", where, lane.created)
            && readTime(q, "retired_ns", where, lane.retired);
    }

    bool readJob(const QJsonObject& q, const QString& where)
    {
        std::int64_t row = 0;
        if (!readInt(q, "row", where, row, true, 0, static_cast<double>(m_jobs.size()) - 1))
            return false;
        Job& j = m_jobs[static_cast<std::size_t>(row)];
        if (j.present)
            return fail(where + QStringLiteral(".row"), QStringLiteral("row %1 appears twice").arg(row));
        j.present = true;
        QString id;
        QString pool;
        QString label;
        std::int64_t worker = -1;
        if (!readString(q, "id", where, id) || !readString(q, "pool", where, pool)
            || !readString(q, "label", where, label) || !readApi(q, where, j.api) || !readStatus(q, where, j.status)
            || !readInt(q, "worker", where, worker, true, -2147483648.0, 2147483647.0)
            || !readTime(q, "queued_ns", where, j.queued) || !readTime(q, "started_ns", where, j.started)
            || !readTime(q, "ended_ns", where, j.ended) || !readTime(q, "callback_ns", where, j.callback)
            || !readInt(q, "callback_dur_ns", where, j.callbackDur, j.callback != kNoTime, 0, kMaxExact)
            || !readTime(q, "blocked_ns", where, j.blocked)
            || !readInt(q, "blocked_dur_ns", where, j.blockedDur, j.blocked != kNoTime, 0, kMaxExact))
            return false;
        bool ok = false;
        j.id = id.toULongLong(&ok);
        if (!ok)
            return fail(where + QStringLiteral(".id"), QStringLiteral("must be a decimal job id"));
        j.poolId = TraceStrings::intern(pool);
        j.labelId = TraceStrings::intern(label);
        j.worker = static_cast<std::int32_t>(worker);
        const bool terminal
            = j.status == JobStatus::Finished || j.status == JobStatus::Failed || j.status == JobStatus::Cancelled;
        if (terminal && j.ended == kNoTime)
            return fail(where + QStringLiteral(".ended_ns"), QStringLiteral("is required when the job has ended"));
        if ((j.status == JobStatus::Running || j.status == JobStatus::Finished || j.status == JobStatus::Failed)
            && j.started == kNoTime)
            return fail(where + QStringLiteral(".started_ns"), QStringLiteral("is required when the job ran"));
        if (j.started != kNoTime && j.ended != kNoTime && j.ended < j.started)
            return fail(where + QStringLiteral(".ended_ns"), QStringLiteral("must not be before started_ns"));
        if (runsOnReactor(j.api) ? j.callback != kNoTime : j.blocked != kNoTime)
            return fail(where, QStringLiteral("callbacks belong to pool jobs, caller waits to reactor calls"));
        return true;
    }

    std::optional<TraceData> build()
    {
        for (std::size_t i = 0; i < m_jobs.size(); ++i) {
            if (!m_jobs[i].present)
                return failed(QStringLiteral("traceEvents"), QStringLiteral("job row %1 is missing").arg(i));
        }
        for (std::size_t i = 0; i < m_lanes.size(); ++i) {
            if (!m_lanes[i].present)
                return failed(QStringLiteral("traceEvents"), QStringLiteral("lane %1 is missing").arg(i));
        }
        TraceData d;
        for (const Pool& p : m_pools) {
            TraceDataBuilder::pool(d, p.poolId);
            if (p.seeded)
                d.setInitialPoolSize(p.poolId, p.min, p.max);
        }
        for (std::size_t i = 0; i < m_lanes.size(); ++i) {
            const Lane& l = m_lanes[i];
            if (d.findLane(l.poolId, l.worker) >= 0)
                return failed(QStringLiteral("traceEvents"), QStringLiteral("lane %1 repeats pool and worker").arg(i));
            WorkerLane& lane = TraceDataBuilder::lane(d, l.poolId, l.worker);
            lane.threadName = l.name;
            lane.createdNs = l.created;
            lane.retiredNs = l.retired;
        }
        std::vector<TraceEvent> events;
        events.reserve(m_jobs.size() * 3 + m_extras.size());
        for (const Job& j : m_jobs) {
            TraceEvent e;
            e.jobId = j.id;
            e.poolId = j.poolId;
            e.labelId = j.labelId;
            e.api = j.api;
            auto add = [&](TraceEventKind kind, std::int64_t t, std::int64_t dur, std::int32_t worker) {
                e.kind = kind;
                e.timeNs = t;
                e.durationNs = dur;
                e.worker = worker;
                events.push_back(e);
            };
            if (j.queued != kNoTime)
                add(TraceEventKind::JobQueued, j.queued, 0, -1);
            if (j.started != kNoTime)
                add(TraceEventKind::JobStarted, j.started, 0, j.worker);
            if (j.status == JobStatus::Finished || j.status == JobStatus::Failed)
                add(j.status == JobStatus::Finished ? TraceEventKind::JobFinished : TraceEventKind::JobFailed, j.ended,
                    j.ended - j.started, j.worker);
            if (j.status == JobStatus::Cancelled)
                add(TraceEventKind::JobCancelled, j.ended, 0, -1);
            if (j.callback != kNoTime)
                add(TraceEventKind::CallbackRan, j.callback, j.callbackDur, -1);
            if (j.blocked != kNoTime)
                add(TraceEventKind::BlockingWait, j.blocked, j.blockedDur, -1);
        }
        events.insert(events.end(), m_extras.begin(), m_extras.end());
        d.setTimeOrigin(m_origin);
        d.append(events);
        d.setDroppedEvents(m_dropped);
        TraceDataBuilder::times(d, m_origin, m_earliest, m_latest);
        return d;
    }

    std::int64_t m_base = 0;
    std::int64_t m_origin = 0;
    std::int64_t m_earliest = kNoTime;
    std::int64_t m_latest = kNoTime;
    std::uint64_t m_dropped = 0;
    std::vector<Job> m_jobs;
    std::vector<Lane> m_lanes;
    std::vector<Pool> m_pools;
    std::vector<TraceEvent> m_extras;
    std::set<quint64> m_findingIds;
};

} // namespace

TraceImport importChromeTrace(const QByteArray& json, qsizetype maxBytes)
{
    return importChromeTrace(json, maxBytes, TraceTaskControl {});
}

TraceImport importChromeTrace(const QByteArray& json, qsizetype maxBytes, const TraceTaskControl& control)
{
    Importer importer;
    importer.control = &control;
    TraceImport result;
    result.data = importer.run(json, maxBytes);
    result.cancelled = importer.cancelled;
    if (!result.data)
        result.error = importer.error.isEmpty() ? QStringLiteral("file: could not be read") : importer.error;
    else
        control.report(1000);
    return result;
}

} // namespace qtwisted
