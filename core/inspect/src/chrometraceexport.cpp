// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Chrome trace export: TraceData -> Chrome Trace Event JSON (the reader is chrometraceimport.cpp).
#include "chrometrace_p.h"
#include "strictjson_p.h"

#include <qtwisted/inspect/traceexport.h>

#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace qtwisted {

namespace {

using namespace chrometrace;

// ---- writing -----------------------------------------------------------------------------------------------------

void putKey(QByteArray& out, const char* key)
{
    out += '"';
    out += key;
    out += "\":";
}

void putInt(QByteArray& out, const char* key, std::int64_t v)
{
    putKey(out, key);
    out += QByteArray::number(static_cast<qint64>(v));
    out += ',';
}

void putStr(QByteArray& out, const char* key, const QString& v)
{
    putKey(out, key);
    detail::appendJsonString(out, v);
    out += ',';
}

// Microseconds with three decimals, exact: the validator and the viewers read them as doubles.
void putMicros(QByteArray& out, std::int64_t ns)
{
    ns = std::max<std::int64_t>(0, ns);
    out += QByteArray::number(static_cast<qint64>(ns / 1000));
    out += '.';
    const auto frac = static_cast<int>(ns % 1000);
    out += static_cast<char>('0' + frac / 100);
    out += static_cast<char>('0' + frac / 10 % 10);
    out += static_cast<char>('0' + frac % 10);
}

void closeObject(QByteArray& out)
{
    if (out.endsWith(','))
        out.chop(1);
    out += '}';
}

struct Slice {
    int baseTid = 0;
    std::int64_t start = 0; // ns from base
    std::int64_t dur = 0;
    QByteArray body; // "ph":"X",... without pid/tid/ts/dur, ending with ','
    int tid = 0;
};

class Exporter {
public:
    explicit Exporter(const TraceData& data, const TraceTaskControl* control = nullptr)
        : m_data(data)
        , m_control(control)
    {
        const std::int64_t origin = data.timeOrigin();
        m_base = data.earliestNs() == kNoTime ? origin : std::min(origin, data.earliestNs());
        m_latest = data.latestNs() == kNoTime ? m_base : data.latestNs();
    }

    /// The JSON; empty when cancelled.
    QByteArray run()
    {
        m_out.reserve(static_cast<qsizetype>(m_data.jobs().size()) * 600 + 4096);
        m_out += "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
        writeProcess();
        const std::size_t jobs = m_data.jobs().size();
        for (std::size_t row = 0; row < jobs; ++row) {
            if (row % kCheckEvery == 0 && stopAt(row, jobs, 0, 400))
                return {};
            addJob(row);
        }
        addReactorExtras();
        packSlices();
        writeThreads();
        for (std::size_t i = 0; i < m_slices.size(); ++i) {
            if (i % kCheckEvery == 0 && stopAt(i, m_slices.size(), 400, 900))
                return {};
            writeSlice(m_slices[i]);
        }
        writeCounters();
        writeResizes();
        if (m_out.endsWith(",\n"))
            m_out.chop(2);
        m_out += "\n]}\n";
        return std::move(m_out);
    }

private:
    static constexpr std::size_t kCheckEvery = 4096;

    /// Reports done/total mapped onto [from, to] per mille; true when cancelled.
    bool stopAt(std::size_t done, std::size_t total, int from, int to) const
    {
        if (!m_control)
            return false;
        m_control->report(from
            + static_cast<int>(static_cast<double>(to - from) * static_cast<double>(done)
                / static_cast<double>(std::max<std::size_t>(total, 1))));
        return m_control->cancelled();
    }

    std::int64_t rel(std::int64_t t) const { return t - m_base; }

    void beginEvent(const char* ph, const QString& name, int tid, std::int64_t ts)
    {
        m_out += '{';
        putStr(m_out, "ph", QString::fromLatin1(ph));
        putStr(m_out, "name", name);
        putInt(m_out, "pid", kPid);
        putInt(m_out, "tid", tid);
        putKey(m_out, "ts");
        putMicros(m_out, ts);
        m_out += ',';
    }
    void endEvent()
    {
        closeObject(m_out);
        m_out += ",\n";
    }

    void writeProcess()
    {
        beginEvent("M", QStringLiteral("process_name"), kReactorTid, 0);
        m_out += "\"args\":{";
        putStr(m_out, "name", QStringLiteral("qtwisted trace"));
        m_out += "\"qtw\":{";
        putStr(m_out, "type", QStringLiteral("trace"));
        putInt(m_out, "format", kFormat);
        putStr(m_out, "base_ns", QString::number(m_base));
        putStr(m_out, "origin_ns", QString::number(m_data.timeOrigin()));
        if (m_data.earliestNs() != kNoTime) {
            putInt(m_out, "earliest_ns", rel(m_data.earliestNs()));
            putInt(m_out, "latest_ns", rel(m_data.latestNs()));
        }
        putStr(m_out, "dropped", QString::number(m_data.droppedEvents()));
        putInt(m_out, "jobs", static_cast<std::int64_t>(m_data.jobs().size()));
        putInt(m_out, "lanes", static_cast<std::int64_t>(m_data.lanes().size()));
        m_out += "\"pools\":[";
        for (const PoolSeries& p : m_data.pools()) {
            m_out += '{';
            putStr(m_out, "name", TraceStrings::text(p.poolId));
            if (p.seeded) {
                putInt(m_out, "min", p.initialMin);
                putInt(m_out, "max", p.initialMax);
            }
            closeObject(m_out);
            m_out += ',';
        }
        if (m_out.endsWith(','))
            m_out.chop(1);
        m_out += "]}}";
        endEvent();
    }

    int poolIndex(std::uint32_t poolId) const
    {
        const auto pools = m_data.pools();
        for (std::size_t i = 0; i < pools.size(); ++i) {
            if (pools[i].poolId == poolId)
                return static_cast<int>(i);
        }
        return -1;
    }

    void jobArgs(QByteArray& b, const JobRecord& r, std::size_t row, bool carrier)
    {
        b += "\"args\":{";
        putInt(b, "job", static_cast<std::int64_t>(r.id & 0x1fffffffffffffULL));
        putStr(b, "api", apiName(r.api));
        putStr(b, "label", TraceStrings::text(r.labelId));
        putStr(b, "status", jobStatusName(r.status));
        putStr(b, "pool", TraceStrings::text(r.poolId));
        if (r.waitNs() != kNoTime)
            putInt(b, "wait_ns", r.waitNs());
        if (carrier) {
            b += "\"qtw\":{";
            putStr(b, "type", QStringLiteral("job"));
            putInt(b, "row", static_cast<std::int64_t>(row));
            putStr(b, "id", QString::number(r.id));
            putStr(b, "pool", TraceStrings::text(r.poolId));
            putStr(b, "api", apiName(r.api));
            putStr(b, "label", TraceStrings::text(r.labelId));
            putStr(b, "status", jobStatusName(r.status));
            putInt(b, "worker", r.worker);
            auto time = [&](const char* key, std::int64_t t) {
                if (t != kNoTime)
                    putInt(b, key, rel(t));
            };
            time("queued_ns", r.queuedNs);
            time("started_ns", r.startedNs);
            time("ended_ns", r.endedNs);
            if (r.callbackStartNs != kNoTime) {
                time("callback_ns", r.callbackStartNs);
                putInt(b, "callback_dur_ns", r.callbackDurationNs);
            }
            if (r.blockedStartNs != kNoTime) {
                time("blocked_ns", r.blockedStartNs);
                putInt(b, "blocked_dur_ns", r.blockedNs);
            }
            closeObject(b);
            b += ',';
        }
        closeObject(b);
        b += ',';
    }

    void addJob(std::size_t row)
    {
        const JobRecord& r = m_data.jobs()[row];
        const bool onReactor = runsOnReactor(r.api);
        const QString label = TraceStrings::text(r.labelId);
        const QString title
            = label.isEmpty() ? QStringLiteral("#%1").arg(r.id) : QStringLiteral("#%1 %2").arg(r.id).arg(label);
        struct Piece {
            int tid;
            std::int64_t start;
            std::int64_t dur;
            QString name;
            const char* cat;
        };
        Piece pieces[3];
        int count = 0;
        if (r.queuedNs != kNoTime) {
            const int pi = poolIndex(r.poolId);
            pieces[count++] = { onReactor || pi < 0 ? kReactorSubmitTid : kSubmitTidBase + pi, rel(r.queuedNs), 0,
                QStringLiteral("%1 %2").arg(apiName(r.api), title), "submit" };
            if (!onReactor && pi >= 0)
                m_usedSubmitTids.insert(kSubmitTidBase + pi);
            else
                m_usedSubmitTids.insert(kReactorSubmitTid);
        }
        if (r.startedNs != kNoTime) {
            const std::int64_t end = r.endedNs != kNoTime ? r.endedNs : std::max(r.startedNs, m_latest);
            const int tid = onReactor ? kReactorTid : (r.lane >= 0 ? kLaneTidBase + r.lane : kNoWorkerTid);
            if (tid == kNoWorkerTid)
                m_noWorker = true;
            pieces[count++] = { tid, rel(r.startedNs), std::max<std::int64_t>(0, end - r.startedNs), title,
                onReactor ? "reactor call" : "job" };
        }
        if (r.callbackStartNs != kNoTime) {
            pieces[count++] = { kReactorTid, rel(r.callbackStartNs), r.callbackDurationNs,
                QStringLiteral("callback %1").arg(title), "callback" };
        }
        if (count == 0) {
            // Nothing to draw (only a caller's wait is known): an instant carries the record.
            QByteArray b;
            b += '{';
            putStr(b, "ph", QStringLiteral("i"));
            putStr(b, "name", QStringLiteral("job %1").arg(title));
            putStr(b, "s", QStringLiteral("t"));
            putInt(b, "pid", kPid);
            putInt(b, "tid", kReactorTid);
            putKey(b, "ts");
            putMicros(b, r.blockedStartNs != kNoTime ? rel(r.blockedStartNs) : 0);
            b += ',';
            jobArgs(b, r, row, true);
            closeObject(b);
            b += ",\n";
            m_instants += b;
            return;
        }
        // Flows: the first piece produces, later ones consume (never earlier than the producer).
        bool linked[3] = { false, false, false };
        int links = 0;
        for (int i = 1; i < count; ++i) {
            if (pieces[i].start >= pieces[0].start) {
                linked[i] = true;
                ++links;
            }
        }
        int lastLinked = -1;
        for (int i = 0; i < count; ++i) {
            if (linked[i])
                lastLinked = i;
        }
        const QString bind = QStringLiteral("0x%1").arg(row + 1, 0, 16);
        for (int i = 0; i < count; ++i) {
            Slice s;
            s.baseTid = pieces[i].tid;
            s.start = pieces[i].start;
            s.dur = pieces[i].dur;
            QByteArray& b = s.body;
            putStr(b, "ph", QStringLiteral("X"));
            putStr(b, "name", pieces[i].name);
            putStr(b, "cat", QString::fromLatin1(pieces[i].cat));
            if (links > 0 && (i == 0 || linked[i])) {
                putStr(b, "bind_id", bind);
                if (i > 0)
                    b += "\"flow_in\":true,";
                if (i == 0 || i != lastLinked)
                    b += "\"flow_out\":true,";
            }
            jobArgs(b, r, row, i == 0);
            m_slices.push_back(std::move(s));
        }
    }

    void addReactorExtras()
    {
        auto extra = [this](const Interval& iv, int tid, const QString& name, const QString& type, const char* cat) {
            Slice s;
            s.baseTid = tid;
            s.start = rel(iv.startNs);
            s.dur = std::max<std::int64_t>(0, iv.endNs - iv.startNs);
            QByteArray& b = s.body;
            putStr(b, "ph", QStringLiteral("X"));
            putStr(b, "name", name);
            putStr(b, "cat", QString::fromLatin1(cat));
            b += R"("args":{"qtw":{)";
            putStr(b, "type", type);
            putInt(b, "start_ns", rel(iv.startNs));
            putInt(b, "dur_ns", s.dur);
            closeObject(b);
            closeObject(b);
            b += ',';
            m_slices.push_back(std::move(s));
        };
        for (const Interval& iv : m_data.reactor().stalls.all())
            extra(iv, kStallTid, QStringLiteral("reactor stall"), QStringLiteral("stall"), "stall");
        for (const Interval& iv : m_data.reactor().callbacks.all()) {
            if (iv.row < 0)
                extra(iv, kReactorTid, QStringLiteral("callback"), QStringLiteral("callback"), "callback");
        }
        for (const FindingRecord& f : m_data.findings())
            addFinding(f);
    }

    // A finding is a slice on the "problems" track: the viewers show its rule as the name and its args (severity,
    // message, pool, suggested maximum); one still going on when the trace was taken ends at the trace's end.
    void addFinding(const FindingRecord& f)
    {
        if (f.startNs == kNoTime)
            return;
        const bool ongoing = f.endNs == kNoTime;
        Slice s;
        s.baseTid = kProblemsTid;
        s.start = rel(f.startNs);
        s.dur = std::max<std::int64_t>(0, (ongoing ? std::max(m_latest, f.startNs) : f.endNs) - f.startNs);
        QByteArray& b = s.body;
        putStr(b, "ph", QStringLiteral("X"));
        putStr(b, "name", toString(f.rule));
        putStr(b, "cat", QStringLiteral("problem"));
        b += R"("args":{)";
        putStr(b, "rule", toString(f.rule));
        putStr(b, "severity", toString(f.severity));
        putStr(b, "message", f.message);
        if (!f.pool.isEmpty())
            putStr(b, "pool", f.pool);
        if (f.suggestedMaxThreads > 0)
            putInt(b, "suggested_max_threads", f.suggestedMaxThreads);
        if (ongoing)
            b += R"("ongoing":true,)";
        b += R"("qtw":{)";
        putStr(b, "type", QStringLiteral("finding"));
        putStr(b, "id", QString::number(f.id));
        putStr(b, "rule", ruleKey(f.rule));
        putStr(b, "severity", severityKey(f.severity));
        putStr(b, "message", f.message);
        putStr(b, "pool", f.pool);
        putInt(b, "suggested_max", f.suggestedMaxThreads);
        putInt(b, "worker", f.worker);
        putInt(b, "start_ns", rel(f.startNs));
        if (!ongoing)
            putInt(b, "dur_ns", f.endNs - f.startNs);
        closeObject(b);
        closeObject(b);
        b += ',';
        m_slices.push_back(std::move(s));
        m_problems = true;
    }

    // X slices on one thread must nest; what would overlap partially goes to an extra track of the same thread.
    void packSlices()
    {
        std::vector<std::size_t> order(m_slices.size());
        for (std::size_t i = 0; i < order.size(); ++i)
            order[i] = i;
        // The same doubles as the viewers (and the validator) will compute from our decimal text.
        auto startOf = [this](std::size_t i) { return static_cast<double>(m_slices[i].start) / 1000.0; };
        auto endOf
            = [this, startOf](std::size_t i) { return startOf(i) + static_cast<double>(m_slices[i].dur) / 1000.0; };
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            if (m_slices[a].baseTid != m_slices[b].baseTid)
                return m_slices[a].baseTid < m_slices[b].baseTid;
            if (startOf(a) != startOf(b))
                return startOf(a) < startOf(b);
            return (endOf(a) - startOf(a)) > (endOf(b) - startOf(b));
        });
        std::vector<std::vector<double>> stacks;
        int currentBase = -1;
        for (const std::size_t i : order) {
            Slice& s = m_slices[i];
            if (s.baseTid != currentBase) {
                currentBase = s.baseTid;
                stacks.clear();
            }
            const double start = startOf(i);
            const double end = endOf(i);
            std::size_t track = 0;
            for (; track < stacks.size(); ++track) {
                std::vector<double>& st = stacks[track];
                while (!st.empty() && start >= st.back())
                    st.pop_back();
                if (st.empty() || end <= st.back())
                    break;
            }
            if (track == stacks.size())
                stacks.emplace_back();
            stacks[track].push_back(end);
            if (track == 0) {
                s.tid = s.baseTid;
            } else {
                const auto key = std::make_pair(s.baseTid, track);
                auto it = m_overflow.find(key);
                if (it == m_overflow.end())
                    it = m_overflow.emplace(key, kOverflowTidBase + static_cast<int>(m_overflow.size())).first;
                s.tid = it->second;
            }
        }
    }

    void threadName(int tid, const QString& name, int sortIndex, const QByteArray& qtw = {})
    {
        beginEvent("M", QStringLiteral("thread_name"), tid, 0);
        m_out += "\"args\":{";
        putStr(m_out, "name", name);
        m_out += qtw;
        closeObject(m_out);
        endEvent();
        beginEvent("M", QStringLiteral("thread_sort_index"), tid, 0);
        m_out += "\"args\":{";
        putInt(m_out, "sort_index", sortIndex);
        closeObject(m_out);
        endEvent();
    }

    QString baseName(int tid) const
    {
        if (tid == kReactorTid)
            return QStringLiteral("reactor");
        if (tid == kStallTid)
            return QStringLiteral("reactor stalls");
        if (tid == kNoWorkerTid)
            return QStringLiteral("jobs on an unknown worker");
        if (tid == kProblemsTid)
            return QStringLiteral("problems");
        if (tid == kReactorSubmitTid)
            return QStringLiteral("calls submitted to the reactor");
        if (tid >= kLaneTidBase)
            return m_data.lanes()[static_cast<std::size_t>(tid - kLaneTidBase)].threadName;
        return QStringLiteral("submitted to %1")
            .arg(TraceStrings::text(m_data.pools()[static_cast<std::size_t>(tid - kSubmitTidBase)].poolId));
    }

    void writeThreads()
    {
        threadName(kReactorTid, baseName(kReactorTid), 0);
        threadName(kStallTid, baseName(kStallTid), 1);
        if (m_noWorker)
            threadName(kNoWorkerTid, baseName(kNoWorkerTid), 2);
        if (m_problems)
            threadName(kProblemsTid, baseName(kProblemsTid), -1); // first: what went wrong, above everything
        for (const int tid : m_usedSubmitTids)
            threadName(tid, baseName(tid), tid);
        const auto lanes = m_data.lanes();
        for (std::size_t i = 0; i < lanes.size(); ++i) {
            const WorkerLane& lane = lanes[i];
            QByteArray q = "\"qtw\":{";
            putStr(q, "type", QStringLiteral("lane"));
            putInt(q, "lane", static_cast<std::int64_t>(i));
            putStr(q, "pool", TraceStrings::text(lane.poolId));
            putInt(q, "worker", lane.worker);
            if (lane.createdNs != kNoTime)
                putInt(q, "created_ns", rel(lane.createdNs));
            if (lane.retiredNs != kNoTime)
                putInt(q, "retired_ns", rel(lane.retiredNs));
            closeObject(q);
            const int tid = kLaneTidBase + static_cast<int>(i);
            threadName(tid, lane.threadName, tid, q);
        }
        for (const auto& [key, tid] : m_overflow)
            threadName(tid, QStringLiteral("%1 (overlapping %2)").arg(baseName(key.first)).arg(key.second),
                key.first * 100 + static_cast<int>(key.second));
    }

    void writeSlice(const Slice& s)
    {
        m_out += '{';
        m_out += s.body;
        putInt(m_out, "pid", kPid);
        putInt(m_out, "tid", s.tid);
        putKey(m_out, "ts");
        putMicros(m_out, s.start);
        m_out += ",\"dur\":";
        putMicros(m_out, s.dur);
        m_out += "},\n";
    }

    void counter(const QString& name, std::int64_t ts, std::int64_t value)
    {
        beginEvent("C", name, kReactorTid, ts);
        putStr(m_out, "cat", QStringLiteral("pool"));
        m_out += "\"args\":{";
        detail::appendJsonString(m_out, name);
        m_out += ':';
        m_out += QByteArray::number(static_cast<qint64>(value));
        m_out += '}';
        endEvent();
    }

    void writeCounters()
    {
        for (const PoolSeries& p : m_data.pools()) {
            const QString pool = TraceStrings::text(p.poolId);
            const std::pair<const char*, const StepSeries*> series[]
                = { { "backlog", &p.backlog }, { "busy", &p.busy }, { "max", &p.maxThreads } };
            for (const auto& [what, s] : series) {
                const QString name = QStringLiteral("%1 %2").arg(QString::fromLatin1(what), pool);
                counter(name, 0, s->initial());
                for (const StepPoint& pt : s->points())
                    counter(name, rel(pt.timeNs), pt.value);
            }
        }
    }

    void writeResizes()
    {
        m_out += m_instants;
        for (const ResizeMarker& m : m_data.resizes()) {
            const QString pool = TraceStrings::text(m.poolId);
            QString name = QStringLiteral("%1: max %2 \u2192 %3").arg(pool).arg(m.oldMax).arg(m.newMax);
            if (m.oldMin != m.newMin)
                name += QStringLiteral(", min %1 \u2192 %2").arg(m.oldMin).arg(m.newMin);
            beginEvent("i", name, kReactorTid, rel(m.timeNs));
            putStr(m_out, "s", QStringLiteral("g"));
            putStr(m_out, "cat", QStringLiteral("pool"));
            m_out += "\"args\":{";
            putStr(m_out, "by", TraceStrings::text(m.byId));
            m_out += "\"qtw\":{";
            putStr(m_out, "type", QStringLiteral("resize"));
            putInt(m_out, "time_ns", rel(m.timeNs));
            putStr(m_out, "pool", pool);
            putInt(m_out, "old_min", m.oldMin);
            putInt(m_out, "old_max", m.oldMax);
            putInt(m_out, "new_min", m.newMin);
            putInt(m_out, "new_max", m.newMax);
            putStr(m_out, "by", TraceStrings::text(m.byId));
            closeObject(m_out);
            closeObject(m_out);
            endEvent();
        }
    }

    const TraceData& m_data;
    const TraceTaskControl* m_control = nullptr;
    std::int64_t m_base = 0;
    std::int64_t m_latest = 0;
    QByteArray m_out;
    QByteArray m_instants;
    std::vector<Slice> m_slices;
    std::map<std::pair<int, std::size_t>, int> m_overflow;
    std::set<int> m_usedSubmitTids;
    bool m_noWorker = false;
    bool m_problems = false;
};

} // namespace

bool exportChromeTrace(const TraceData& data, QIODevice& out)
{
    const QByteArray json = Exporter(data).run();
    return out.write(json) == json.size();
}

bool exportChromeTrace(const TraceData& data, QIODevice& out, const TraceTaskControl& control)
{
    const QByteArray json = Exporter(data, &control).run();
    return !json.isEmpty() && detail::writeInChunks(json, out, control, 900);
}

namespace chrometrace {

namespace {
constexpr std::pair<DiagnosticRule, const char*> kRuleKeys[] = {
    { DiagnosticRule::ReactorStall, "reactor_stall" },
    { DiagnosticRule::PoolSaturation, "pool_saturation" },
    { DiagnosticRule::BlockingExhaustion, "blocking_exhaustion" },
    { DiagnosticRule::QueueWait, "queue_wait" },
    { DiagnosticRule::LongRunningJob, "long_running_job" },
    { DiagnosticRule::UnhandledError, "unhandled_error" },
    { DiagnosticRule::ShutdownWithBlockedCallers, "shutdown_with_blocked_callers" },
    { DiagnosticRule::ReactorHotLoop, "reactor_hot_loop" },
};
constexpr std::pair<DiagnosticSeverity, const char*> kSeverityKeys[] = {
    { DiagnosticSeverity::Info, "info" },
    { DiagnosticSeverity::Warning, "warning" },
    { DiagnosticSeverity::Critical, "critical" },
};
} // namespace

QString ruleKey(DiagnosticRule rule)
{
    for (const auto& [r, key] : kRuleKeys) {
        if (r == rule)
            return QString::fromLatin1(key);
    }
    return QStringLiteral("unknown");
}

std::optional<DiagnosticRule> ruleFromKey(const QString& key)
{
    for (const auto& [r, k] : kRuleKeys) {
        if (key == QLatin1String(k))
            return r;
    }
    return std::nullopt;
}

QString severityKey(DiagnosticSeverity severity)
{
    for (const auto& [sv, key] : kSeverityKeys) {
        if (sv == severity)
            return QString::fromLatin1(key);
    }
    return QStringLiteral("unknown");
}

std::optional<DiagnosticSeverity> severityFromKey(const QString& key)
{
    for (const auto& [sv, k] : kSeverityKeys) {
        if (key == QLatin1String(k))
            return sv;
    }
    return std::nullopt;
}

QString ruleKeys()
{
    QStringList keys;
    for (const auto& [r, key] : kRuleKeys)
        keys.append(QString::fromLatin1(key));
    return keys.join(QStringLiteral(", "));
}

} // namespace chrometrace

namespace detail {

/// Writes `bytes` in chunks, reporting [from, 1000] per mille; false when cancelled or the device failed.
bool writeInChunks(const QByteArray& bytes, QIODevice& out, const TraceTaskControl& control, int from)
{
    constexpr qsizetype kChunk = qsizetype { 4 } * 1024 * 1024;
    for (qsizetype at = 0; at < bytes.size(); at += kChunk) {
        if (control.cancelled())
            return false;
        const qsizetype n = std::min(kChunk, bytes.size() - at);
        if (out.write(bytes.constData() + at, n) != n)
            return false;
        control.report(from
            + static_cast<int>(
                static_cast<double>(1000 - from) * static_cast<double>(at + n) / static_cast<double>(bytes.size())));
    }
    return !control.cancelled();
}

} // namespace detail

} // namespace qtwisted
