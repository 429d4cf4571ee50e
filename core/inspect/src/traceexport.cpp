// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
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

constexpr int kFormat = 1;
constexpr std::uint32_t kPid = 1;
constexpr int kReactorTid = 1;
constexpr int kStallTid = 2;
constexpr int kNoWorkerTid = 3;
constexpr int kReactorSubmitTid = 9;
constexpr int kSubmitTidBase = 10; // + pool index
constexpr int kLaneTidBase = 1000; // + lane index
constexpr int kOverflowTidBase = 100000000;
constexpr double kMaxExact = 9007199254740992.0; // 2^53

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
};

// ---- CSV ---------------------------------------------------------------------------------------------------------

void csvField(QByteArray& out, const QString& text)
{
    const QByteArray utf8 = text.toUtf8();
    if (utf8.contains(',') || utf8.contains('"') || utf8.contains('\n') || utf8.contains('\r')) {
        out += '"';
        for (const char c : utf8) {
            if (c == '"')
                out += '"';
            out += c;
        }
        out += '"';
    } else {
        out += utf8;
    }
}

// Milliseconds with six decimals, exact (ns precision).
QString csvMillis(std::int64_t ns)
{
    if (ns == kNoTime)
        return {};
    const bool negative = ns < 0;
    const std::uint64_t a = negative ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
    return QStringLiteral("%1%2.%3")
        .arg(negative ? QStringLiteral("-") : QString())
        .arg(a / 1000000)
        .arg(a % 1000000, 6, 10, QLatin1Char('0'));
}

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
        return fail(where + QStringLiteral(".type"), QStringLiteral("must be job, lane, stall, callback or resize"));
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
};

} // namespace

bool exportChromeTrace(const TraceData& data, QIODevice& out)
{
    const QByteArray json = Exporter(data).run();
    return out.write(json) == json.size();
}

namespace {
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
} // namespace

bool exportChromeTrace(const TraceData& data, QIODevice& out, const TraceTaskControl& control)
{
    const QByteArray json = Exporter(data, &control).run();
    return !json.isEmpty() && writeInChunks(json, out, control, 900);
}

bool exportJobsCsv(const TraceData& data, QIODevice& out)
{
    return exportJobsCsv(data, out, TraceTaskControl {});
}

bool exportJobsCsv(const TraceData& data, QIODevice& out, const TraceTaskControl& control)
{
    QByteArray csv = "id,pool,api,label,status,worker,queued_ms,waited_ms,ran_ms,callback_delay_ms\r\n";
    const auto lanes = data.lanes();
    const auto jobs = data.jobs();
    for (std::size_t row = 0; row < jobs.size(); ++row) {
        if (row % 4096 == 0) {
            control.report(static_cast<int>(900.0 * static_cast<double>(row) / static_cast<double>(jobs.size())));
            if (control.cancelled())
                return false;
        }
        const JobRecord& r = jobs[row];
        QString worker;
        if (r.lane == JobRecord::kReactorLane)
            worker = QStringLiteral("reactor");
        else if (r.lane >= 0)
            worker = lanes[static_cast<std::size_t>(r.lane)].threadName;
        const QString fields[] = { QString::number(r.id), TraceStrings::text(r.poolId), apiName(r.api),
            TraceStrings::text(r.labelId), jobStatusName(r.status), worker,
            csvMillis(r.queuedNs == kNoTime ? kNoTime : r.queuedNs - data.timeOrigin()), csvMillis(r.waitNs()),
            csvMillis(r.runNs()), csvMillis(r.callbackDelayNs()) };
        bool first = true;
        for (const QString& f : fields) {
            if (!first)
                csv += ',';
            first = false;
            csvField(csv, f);
        }
        csv += "\r\n";
    }
    return writeInChunks(csv, out, control, 900);
}

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
