// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/inspect/tracedata.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>

namespace qtwisted {

namespace {

// What a job's events told so far (TraceData::m_seen).
enum SeenBit : std::uint8_t {
    kQueued = 1, // queue event seen
    kStarted = 2, // start time known (event or derived from the end)
    kEnded = 4,
    kBacklogIn = 8, // backlog +1 applied
    kBacklogOut = 16, // backlog -1 applied
    kBusyIn = 32,
    kBusyOut = 64,
    kInterval = 128, // on its lane
};

constexpr std::int64_t kLow = std::numeric_limits<std::int64_t>::min() / 4;
constexpr std::int64_t kHigh = std::numeric_limits<std::int64_t>::max() / 4;

// Times from record() may be anything: keep arithmetic on them far from overflow.
std::int64_t clampTime(std::int64_t t) noexcept
{
    return std::clamp(t, kLow, kHigh);
}

std::int64_t clampDuration(std::int64_t d) noexcept
{
    return std::clamp(d, std::int64_t { 0 }, kHigh);
}

std::uint64_t nextEpoch() noexcept
{
    static std::atomic<std::uint64_t> s_epoch { 0 };
    return s_epoch.fetch_add(1, std::memory_order_relaxed) + 1;
}

std::uint64_t mix(std::uint64_t x) noexcept
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

int rankOrder(JobStatus s) noexcept
{
    switch (s) {
    case JobStatus::Queued:
        return 0;
    case JobStatus::Running:
        return 1;
    default:
        return 2;
    }
}

DurationStats durationStats(std::vector<std::int64_t>& values)
{
    DurationStats s;
    if (values.empty())
        return s;
    const auto n = values.size();
    double sum = 0;
    for (const std::int64_t v : values)
        sum += static_cast<double>(v);
    s.count = static_cast<std::int64_t>(n);
    s.meanNs = sum / static_cast<double>(n);
    // Selection, not a sort: linear in the jobs of the range (a million in view is a GUI-thread matter).
    auto rank
        = [n](std::size_t p) { return static_cast<std::ptrdiff_t>(std::max<std::size_t>(1, (p * n + 99) / 100) - 1); };
    const auto p50 = values.begin() + rank(50);
    std::nth_element(values.begin(), p50, values.end());
    s.p50Ns = *p50;
    const auto p95 = values.begin() + rank(95);
    std::nth_element(p50, p95, values.end());
    s.p95Ns = *p95;
    return s;
}

std::int64_t overlap(std::int64_t a0, std::int64_t a1, std::int64_t b0, std::int64_t b1) noexcept
{
    return std::max<std::int64_t>(0, std::min(a1, b1) - std::max(a0, b0));
}

} // namespace

std::optional<ApiKind> apiFromName(QStringView name)
{
    for (const ApiKind api : { ApiKind::CallInThread, ApiKind::DeferToThread, ApiKind::CallMultipleInThread,
             ApiKind::BlockingCallFromThread, ApiKind::CallFromThread }) {
        if (apiName(api) == name)
            return api;
    }
    return std::nullopt;
}

QString apiName(ApiKind api)
{
    switch (api) {
    case ApiKind::CallInThread:
        return QStringLiteral("callInThread");
    case ApiKind::DeferToThread:
        return QStringLiteral("deferToThread");
    case ApiKind::CallMultipleInThread:
        return QStringLiteral("callMultipleInThread");
    case ApiKind::BlockingCallFromThread:
        return QStringLiteral("blockingCallFromThread");
    case ApiKind::CallFromThread:
        return QStringLiteral("callFromThread");
    }
    return QStringLiteral("unknown");
}

QString jobStatusName(JobStatus status)
{
    switch (status) {
    case JobStatus::Queued:
        return QStringLiteral("queued");
    case JobStatus::Running:
        return QStringLiteral("running");
    case JobStatus::Finished:
        return QStringLiteral("finished");
    case JobStatus::Failed:
        return QStringLiteral("failed");
    case JobStatus::Cancelled:
        return QStringLiteral("cancelled");
    }
    return QStringLiteral("unknown");
}

// ---- IntervalList ------------------------------------------------------------------------------------------------

std::span<const Interval> IntervalList::in(std::int64_t t0, std::int64_t t1) const noexcept
{
    if (t1 < t0)
        return {};
    const auto* const first
        = std::partition_point(m_items.begin(), m_items.end(), [t0](const Interval& i) { return i.maxEndNs < t0; });
    const auto* const last
        = std::partition_point(first, m_items.end(), [t1](const Interval& i) { return i.startNs <= t1; });
    return { first, last };
}

std::size_t IntervalList::insert(std::int64_t startNs, std::int64_t endNs, std::int32_t row)
{
    auto* const it = std::upper_bound(
        m_items.begin(), m_items.end(), startNs, [](std::int64_t t, const Interval& i) { return t < i.startNs; });
    const auto pos = static_cast<std::size_t>(it - m_items.begin());
    m_items.insert(it, Interval { startNs, std::max(startNs, endNs), 0, row });
    fixMaxEnd(pos);
    return pos;
}

bool IntervalList::close(std::int64_t startNs, std::int32_t row, std::int64_t endNs)
{
    auto* it = std::lower_bound(
        m_items.begin(), m_items.end(), startNs, [](const Interval& i, std::int64_t t) { return i.startNs < t; });
    for (; it != m_items.end() && it->startNs == startNs; ++it) {
        if (it->row == row) {
            it->endNs = std::max(startNs, endNs);
            fixMaxEnd(static_cast<std::size_t>(it - m_items.begin()));
            return true;
        }
    }
    return false;
}

void IntervalList::fixMaxEnd(std::size_t from) noexcept
{
    for (std::size_t i = from; i < m_items.size(); ++i) {
        const std::int64_t before = i == 0 ? std::numeric_limits<std::int64_t>::min() : m_items[i - 1].maxEndNs;
        const std::int64_t value = std::max(before, m_items[i].endNs);
        if (i > from && value == m_items[i].maxEndNs)
            break; // everything after depends only on this prefix
        m_items[i].maxEndNs = value;
    }
}

// ---- StepSeries --------------------------------------------------------------------------------------------------

std::int64_t StepSeries::valueAt(std::int64_t t) const noexcept
{
    const auto it = std::upper_bound(
        m_points.begin(), m_points.end(), t, [](std::int64_t x, const StepPoint& p) { return x < p.timeNs; });
    return it == m_points.begin() ? m_initial : std::prev(it)->value;
}

std::span<const StepPoint> StepSeries::pointsIn(std::int64_t t0, std::int64_t t1) const noexcept
{
    if (t1 < t0)
        return {};
    const auto first = std::lower_bound(
        m_points.begin(), m_points.end(), t0, [](const StepPoint& p, std::int64_t x) { return p.timeNs < x; });
    const auto last
        = std::upper_bound(first, m_points.end(), t1, [](std::int64_t x, const StepPoint& p) { return x < p.timeNs; });
    return { first, last };
}

std::int64_t StepSeries::maxIn(std::int64_t t0, std::int64_t t1) const noexcept
{
    if (t1 < t0)
        return valueAt(t0);
    const std::span<const StepPoint> in = pointsIn(t0, t1);
    const auto first = static_cast<std::size_t>(in.data() - m_points.data());
    return std::max(valueAt(t0), maxOfPoints(first, first + in.size()));
}

std::int64_t StepSeries::maxOfPoints(std::size_t first, std::size_t last) const noexcept
{
    constexpr std::size_t kSuper = kBlock * kBlock;
    last = std::min(last, m_points.size());
    std::int64_t best = std::numeric_limits<std::int64_t>::min();
    std::size_t i = first;
    for (; i < last && i % kBlock != 0; ++i)
        best = std::max(best, m_points[i].value);
    while (i + kBlock <= last) {
        const std::size_t block = i / kBlock;
        if (i % kSuper == 0 && i + kSuper <= last && i / kSuper < m_superMax.size()) {
            best = std::max(best, m_superMax[i / kSuper]);
            i += kSuper;
        } else if (block < m_blockMax.size()) {
            best = std::max(best, m_blockMax[block]);
            i += kBlock;
        } else {
            break; // the tail not yet indexed
        }
    }
    for (; i < last; ++i)
        best = std::max(best, m_points[i].value);
    return best;
}

void StepSeries::reindexFrom(std::size_t from)
{
    m_blockMax.resize(std::min(m_blockMax.size(), from / kBlock));
    m_superMax.resize(std::min(m_superMax.size(), m_blockMax.size() / kBlock));
    while ((m_blockMax.size() + 1) * kBlock <= m_points.size()) {
        const auto begin = m_points.begin() + static_cast<std::ptrdiff_t>(m_blockMax.size() * kBlock);
        m_blockMax.push_back(std::max_element(
            begin, begin + static_cast<std::ptrdiff_t>(kBlock), [](const StepPoint& a, const StepPoint& b) {
                return a.value < b.value;
            })->value);
    }
    while ((m_superMax.size() + 1) * kBlock <= m_blockMax.size()) {
        const auto begin = m_blockMax.begin() + static_cast<std::ptrdiff_t>(m_superMax.size() * kBlock);
        m_superMax.push_back(*std::max_element(begin, begin + static_cast<std::ptrdiff_t>(kBlock)));
    }
}

// ---- TraceData ---------------------------------------------------------------------------------------------------

TraceData::TraceData()
    : m_epoch(nextEpoch())
{
}

void TraceData::clear()
{
    *this = TraceData();
}

void TraceData::see(std::int64_t t) noexcept
{
    if (t == kNoTime || t == kOpenEnd)
        return;
    if (m_earliest == kNoTime || t < m_earliest)
        m_earliest = t;
    if (m_latest == kNoTime || t > m_latest)
        m_latest = t;
}

std::size_t TraceData::ensurePool(std::uint32_t poolId)
{
    for (std::size_t i = 0; i < m_pools.size(); ++i) {
        if (m_pools[i].poolId == poolId)
            return i;
    }
    PoolSeries p;
    p.poolId = poolId;
    m_pools.push_back(std::move(p));
    return m_pools.size() - 1;
}

const PoolSeries* TraceData::pool(std::uint32_t poolId) const
{
    for (const PoolSeries& p : m_pools) {
        if (p.poolId == poolId)
            return &p;
    }
    return nullptr;
}

void TraceData::setInitialPoolSize(std::uint32_t poolId, int minThreads, int maxThreads)
{
    PoolSeries& p = m_pools[ensurePool(poolId)];
    p.seeded = true;
    p.initialMin = minThreads;
    p.initialMax = maxThreads;
    rebuildMax(p);
}

std::int32_t TraceData::findLane(std::uint32_t poolId, std::int32_t worker) const
{
    const auto it = m_laneIndex.find({ poolId, worker });
    return it == m_laneIndex.end() ? -1 : it->second;
}

std::int32_t TraceData::ensureLane(std::uint32_t poolId, std::int32_t worker)
{
    const auto [it, inserted] = m_laneIndex.try_emplace({ poolId, worker }, static_cast<std::int32_t>(m_lanes.size()));
    if (inserted) {
        WorkerLane lane;
        lane.poolId = poolId;
        lane.worker = worker;
        lane.threadName = QStringLiteral("PoolThread-%1-%2").arg(TraceStrings::text(poolId)).arg(worker);
        m_lanes.push_back(std::move(lane));
        ensurePool(poolId);
    }
    return it->second;
}

std::span<const Interval> TraceData::intervalsIn(std::int32_t lane, std::int64_t t0, std::int64_t t1) const noexcept
{
    if (lane < 0 || static_cast<std::size_t>(lane) >= m_lanes.size())
        return {};
    return m_lanes[static_cast<std::size_t>(lane)].jobs.in(t0, t1);
}

void TraceData::growIndex()
{
    migrateIndex(m_oldIndex.size()); // the previous growth's, if any is left (never, at four slots per job)
    detail::FlatArray<IndexSlot> grown; // allocated first: if that throws, the index is as it was
    grown.assignZeroed(std::max<std::size_t>(1024, m_index.size() * 2));
    m_oldIndex.swap(m_index);
    m_index.swap(grown);
    m_migrated = 0;
}

void TraceData::migrateIndex(std::size_t slots) noexcept
{
    if (m_oldIndex.empty())
        return;
    const std::size_t mask = m_index.size() - 1;
    const std::size_t end = std::min(m_oldIndex.size(), m_migrated + slots);
    for (; m_migrated < end; ++m_migrated) {
        const IndexSlot& s = m_oldIndex[m_migrated];
        if (s.row == 0)
            continue;
        std::size_t h = mix(s.jobId * 0x9e3779b97f4a7c15ULL ^ s.poolKey) & mask;
        while (m_index[h].row != 0)
            h = (h + 1) & mask;
        m_index[h] = s;
    }
    if (m_migrated == m_oldIndex.size()) {
        m_oldIndex.clear();
        m_migrated = 0;
    }
}

std::int32_t TraceData::lookup(const detail::FlatArray<IndexSlot>& index, std::uint64_t jobId, std::uint64_t poolKey)
{
    if (index.empty())
        return -1;
    const std::size_t mask = index.size() - 1;
    for (std::size_t h = mix(jobId * 0x9e3779b97f4a7c15ULL ^ poolKey) & mask;; h = (h + 1) & mask) {
        const IndexSlot& s = index[h];
        if (s.row == 0)
            return -1;
        if (s.jobId == jobId && s.poolKey == poolKey)
            return static_cast<std::int32_t>(s.row - 1);
    }
}

std::int32_t TraceData::findJob(std::uint32_t poolId, std::uint64_t jobId, bool reactorSide) const
{
    const std::uint64_t poolKey = std::uint64_t { poolId } * 2 + (reactorSide ? 1 : 0);
    const std::int32_t row = lookup(m_index, jobId, poolKey);
    // Not moved yet: the previous index still holds it (it is never changed, so its probe chains stay whole).
    return row >= 0 ? row : lookup(m_oldIndex, jobId, poolKey);
}

std::int32_t TraceData::jobRow(const TraceEvent& e, bool reactorSide)
{
    if ((m_jobs.size() + 1) * 2 > m_index.size())
        growIndex();
    const std::uint64_t poolKey = std::uint64_t { e.poolId } * 2 + (reactorSide ? 1 : 0);
    const std::size_t mask = m_index.size() - 1;
    std::size_t h = mix(e.jobId * 0x9e3779b97f4a7c15ULL ^ poolKey) & mask;
    for (; m_index[h].row != 0; h = (h + 1) & mask) {
        const IndexSlot& s = m_index[h];
        if (s.jobId == e.jobId && s.poolKey == poolKey)
            return static_cast<std::int32_t>(s.row - 1);
    }
    if (const std::int32_t old = lookup(m_oldIndex, e.jobId, poolKey); old >= 0)
        return old;
    migrateIndex(4);
    // The migration may have filled the slot found empty: probe again from the start (the key is in neither table).
    h = mix(e.jobId * 0x9e3779b97f4a7c15ULL ^ poolKey) & mask;
    while (m_index[h].row != 0)
        h = (h + 1) & mask;
    const auto row = static_cast<std::uint32_t>(m_jobs.size());
    m_index[h] = IndexSlot { e.jobId, poolKey, row + 1 };
    JobRecord r;
    r.id = e.jobId;
    r.poolId = e.poolId;
    r.labelId = e.labelId;
    r.api = e.api;
    m_jobs.push_back(r);
    m_seen.push_back(0);
    if (!reactorSide)
        ensurePool(e.poolId);
    return static_cast<std::int32_t>(row);
}

void TraceData::touch(std::int32_t row, std::size_t rowsBefore)
{
    if (static_cast<std::size_t>(row) < rowsBefore)
        m_changeLog.push_back(static_cast<std::uint32_t>(row));
}

std::span<const std::uint32_t> TraceData::changedRowsSince(std::size_t position) const noexcept
{
    if (position >= m_changeLog.size())
        return {};
    return std::span<const std::uint32_t>(m_changeLog).subspan(position);
}

void TraceData::append(const std::vector<TraceEvent>& events)
{
    append(std::span<const TraceEvent>(events));
}

void TraceData::append(std::span<const TraceEvent> events)
{
    if (events.empty())
        return;
    if (m_origin == kNoTime) {
        std::int64_t first = kHigh;
        for (const TraceEvent& e : events)
            first = std::min(first, clampTime(e.timeNs));
        m_origin = first;
    }
    const std::size_t rowsBefore = m_jobs.size();
    const std::size_t changesBefore = m_changeLog.size();
    const std::size_t lanesBefore = m_lanes.size();
    bool lanesChanged = false; ///< a lane's creation time (part of the order) was set
    m_pending.clear();
    for (const TraceEvent& e : events) {
        const std::int64_t t = clampTime(e.timeNs);
        switch (e.kind) {
        case TraceEventKind::JobQueued:
        case TraceEventKind::JobStarted:
        case TraceEventKind::JobFinished:
        case TraceEventKind::JobFailed:
        case TraceEventKind::JobCancelled:
            onJobEvent(e, rowsBefore);
            break;
        case TraceEventKind::CallbackRan: {
            const std::int64_t d = clampDuration(e.durationNs);
            see(t);
            see(t + d);
            if (e.jobId == 0) {
                m_reactor.callbacks.insert(t, t + d, -1);
                break;
            }
            const std::int32_t row = jobRow(e, false);
            JobRecord& r = m_jobs[static_cast<std::size_t>(row)];
            if (r.callbackStartNs != kNoTime)
                break; // a job has one callback
            r.callbackStartNs = t;
            r.callbackDurationNs = d;
            m_reactor.callbacks.insert(t, t + d, row);
            touch(row, rowsBefore);
            break;
        }
        case TraceEventKind::BlockingWait: {
            const std::int64_t d = clampDuration(e.durationNs);
            see(t);
            see(t + d);
            const std::int32_t row = jobRow(e, true);
            JobRecord& r = m_jobs[static_cast<std::size_t>(row)];
            if (r.blockedStartNs == kNoTime) {
                r.blockedStartNs = t;
                r.blockedNs = d;
                touch(row, rowsBefore);
            }
            break;
        }
        case TraceEventKind::ReactorStall: {
            const std::int64_t d = clampDuration(e.durationNs);
            see(t);
            see(t + d);
            m_reactor.stalls.insert(t, t + d, -1);
            break;
        }
        case TraceEventKind::WorkerCreated: {
            see(t);
            WorkerLane& lane = m_lanes[static_cast<std::size_t>(ensureLane(e.poolId, e.worker))];
            if (lane.createdNs == kNoTime) {
                lane.createdNs = t;
                lanesChanged = true;
                if (e.labelId != 0)
                    lane.threadName = TraceStrings::text(e.labelId);
            }
            break;
        }
        case TraceEventKind::WorkerRetired: {
            see(t);
            WorkerLane& lane = m_lanes[static_cast<std::size_t>(ensureLane(e.poolId, e.worker))];
            if (lane.retiredNs == kNoTime)
                lane.retiredNs = t;
            break;
        }
        case TraceEventKind::PoolResized:
            see(t);
            onResize(e);
            break;
        case TraceEventKind::FindingStarted:
        case TraceEventKind::FindingEnded:
            see(t);
            onFinding(e, t);
            break;
        }
    }
    applyDeltas();
    updateStatuses(changesBefore);
    if (lanesChanged || m_lanes.size() != lanesBefore)
        updateLaneOrder();
}

void TraceData::onFinding(const TraceEvent& e, std::int64_t t)
{
    auto it
        = std::find_if(m_findings.begin(), m_findings.end(), [&e](const FindingRecord& f) { return f.id == e.jobId; });
    if (it == m_findings.end()) {
        // A new finding goes where its start keeps the list in order (after those that began at the same time).
        const auto at = std::upper_bound(m_findings.begin(), m_findings.end(), t,
            [](std::int64_t start, const FindingRecord& f) { return start < f.startNs; });
        it = m_findings.insert(at, FindingRecord {});
        it->id = e.jobId;
        it->startNs = t;
    }
    it->rule = static_cast<DiagnosticRule>(e.newMin);
    it->severity = static_cast<DiagnosticSeverity>(e.newMax);
    it->message = TraceStrings::text(e.labelId);
    it->pool = e.poolId ? TraceStrings::text(e.poolId) : QString();
    it->suggestedMaxThreads = e.oldMax;
    it->worker = e.worker;
    if (e.kind == TraceEventKind::FindingEnded) {
        const std::int64_t d = clampDuration(e.durationNs);
        see(t + d);
        it->endNs = t + d;
    }
}

void TraceData::updateStatuses(std::size_t changesBefore)
{
    for (const std::uint32_t row : changedRowsSince(changesBefore))
        m_statuses[row] = m_jobs[row].status;
    for (std::size_t row = m_statuses.size(); row < m_jobs.size(); ++row)
        m_statuses.push_back(m_jobs[row].status);
}

void TraceData::updateLaneOrder()
{
    m_laneOrder.resize(m_lanes.size());
    std::iota(m_laneOrder.begin(), m_laneOrder.end(), 0);
    std::stable_sort(m_laneOrder.begin(), m_laneOrder.end(), [this](std::int32_t a, std::int32_t b) {
        const WorkerLane& la = m_lanes[static_cast<std::size_t>(a)];
        const WorkerLane& lb = m_lanes[static_cast<std::size_t>(b)];
        return std::tie(la.poolId, la.worker, la.createdNs) < std::tie(lb.poolId, lb.worker, lb.createdNs);
    });
}

void TraceData::onJobEvent(const TraceEvent& e, std::size_t rowsBefore)
{
    const bool reactorSide = runsOnReactor(e.api);
    const std::int32_t row = jobRow(e, reactorSide);
    const auto index = static_cast<std::size_t>(row);
    JobRecord& r = m_jobs[index];
    std::uint8_t& seen = m_seen[index];
    const std::int64_t t = clampTime(e.timeNs);
    const std::uint32_t series = static_cast<std::uint32_t>(reactorSide ? 0 : ensurePool(r.poolId)) * 2;
    const bool wasSeen = seen != 0 || r.callbackStartNs != kNoTime || r.blockedStartNs != kNoTime;
    if (e.labelId != 0)
        r.labelId = e.labelId;
    if (e.kind != TraceEventKind::JobCancelled || !wasSeen)
        r.api = e.api;
    see(t);

    // Backlog -1 once the queue event is known and the job left the queue (started or cancelled).
    auto leaveBacklog = [&](std::int64_t at) {
        if (!reactorSide && (seen & kBacklogIn) && !(seen & kBacklogOut)) {
            m_pending.push_back({ at, -1, series });
            seen |= kBacklogOut;
        }
    };
    auto start = [&](std::int64_t at, std::int32_t worker) {
        r.startedNs = at;
        seen |= kStarted;
        r.worker = reactorSide ? -1 : worker;
        r.lane = reactorSide ? JobRecord::kReactorLane : (worker >= 0 ? ensureLane(r.poolId, worker) : -1);
        if (!reactorSide && r.lane >= 0) {
            m_pending.push_back({ at, 1, series + 1 });
            seen |= kBusyIn;
        }
        leaveBacklog(at);
    };
    IntervalList* lane = reactorSide ? &m_reactor.calls : nullptr;

    switch (e.kind) {
    case TraceEventKind::JobQueued:
        if (seen & kQueued)
            return;
        seen |= kQueued;
        r.queuedNs = t;
        if (!reactorSide) {
            m_pending.push_back({ t, 1, series });
            seen |= kBacklogIn;
            if (seen & kStarted)
                leaveBacklog(r.startedNs);
            else if (r.status == JobStatus::Cancelled)
                leaveBacklog(r.endedNs);
        }
        break;
    case TraceEventKind::JobStarted:
        if (seen & kStarted)
            return;
        start(t, e.worker);
        if (rankOrder(r.status) < rankOrder(JobStatus::Running))
            r.status = JobStatus::Running;
        break;
    case TraceEventKind::JobFinished:
    case TraceEventKind::JobFailed: {
        if (seen & kEnded)
            return;
        const std::int64_t d = clampDuration(e.durationNs);
        if (!(seen & kStarted)) {
            start(t - d, e.worker);
            see(t - d);
        }
        seen |= kEnded;
        r.endedNs = t;
        r.status = e.kind == TraceEventKind::JobFinished ? JobStatus::Finished : JobStatus::Failed;
        if (seen & kBusyIn && !(seen & kBusyOut)) {
            m_pending.push_back({ t, -1, series + 1 });
            seen |= kBusyOut;
        }
        break;
    }
    case TraceEventKind::JobCancelled:
        if (seen & kEnded)
            return;
        seen |= kEnded;
        r.endedNs = t;
        r.status = JobStatus::Cancelled;
        leaveBacklog(t);
        if (seen & kBusyIn && !(seen & kBusyOut)) {
            m_pending.push_back({ t, -1, series + 1 });
            seen |= kBusyOut;
        }
        break;
    default:
        return;
    }
    if (!lane && r.lane >= 0)
        lane = &m_lanes[static_cast<std::size_t>(r.lane)].jobs;
    if (lane && (seen & kStarted)) {
        const std::int64_t end = (seen & kEnded) ? r.endedNs : kOpenEnd;
        if (!(seen & kInterval)) {
            lane->insert(r.startedNs, end, row);
            seen |= kInterval;
        } else if (end != kOpenEnd) {
            lane->close(r.startedNs, row, end);
        }
    }
    touch(row, rowsBefore);
}

void TraceData::onResize(const TraceEvent& e)
{
    ResizeMarker m { clampTime(e.timeNs), e.poolId, e.oldMin, e.oldMax, e.newMin, e.newMax, e.labelId };
    const auto it = std::upper_bound(m_resizes.begin(), m_resizes.end(), m.timeNs,
        [](std::int64_t t, const ResizeMarker& r) { return t < r.timeNs; });
    m_resizes.insert(it, m);
    rebuildMax(m_pools[ensurePool(e.poolId)]);
}

void TraceData::rebuildMax(PoolSeries& pool)
{
    StepSeries& s = pool.maxThreads;
    s.m_points.clear();
    s.m_initial = pool.seeded ? pool.initialMax : 0;
    bool first = true;
    for (const ResizeMarker& m : m_resizes) {
        if (m.poolId != pool.poolId)
            continue;
        if (first && !pool.seeded)
            s.m_initial = m.oldMax;
        first = false;
        if (!s.m_points.empty() && s.m_points.back().timeNs == m.timeNs)
            s.m_points.pop_back();
        const std::int64_t before = s.m_points.empty() ? s.m_initial : s.m_points.back().value;
        if (m.newMax != before)
            s.m_points.push_back({ m.timeNs, m.newMax });
    }
    s.reindexFrom(0);
}

void TraceData::applyDeltas()
{
    if (m_pending.empty())
        return;
    std::sort(m_pending.begin(), m_pending.end(),
        [](const Delta& a, const Delta& b) { return std::tie(a.series, a.timeNs) < std::tie(b.series, b.timeNs); });
    for (std::size_t i = 0; i < m_pending.size();) {
        const std::uint32_t id = m_pending[i].series;
        std::size_t end = i;
        while (end < m_pending.size() && m_pending[end].series == id)
            ++end;
        PoolSeries& pool = m_pools[id / 2];
        StepSeries& s = (id % 2 == 0) ? pool.backlog : pool.busy;
        std::vector<StepPoint>& pts = s.m_points;
        const std::int64_t firstTime = m_pending[i].timeNs;
        // Only the tail from the earliest change on is rebuilt: batches mostly extend the series.
        const auto from = static_cast<std::size_t>(std::lower_bound(pts.begin(), pts.end(), firstTime,
                                                       [](const StepPoint& p, std::int64_t t) { return p.timeNs < t; })
            - pts.begin());
        std::int64_t value = from == 0 ? s.m_initial : pts[from - 1].value;
        m_scratch.clear();
        std::int64_t prev = value;
        for (std::size_t k = from; k < pts.size(); ++k) {
            m_scratch.push_back({ pts[k].timeNs, pts[k].value - prev });
            prev = pts[k].value;
        }
        pts.resize(from);
        std::size_t a = 0;
        std::size_t b = i;
        while (a < m_scratch.size() || b < end) {
            std::int64_t t = 0;
            if (b >= end || (a < m_scratch.size() && m_scratch[a].timeNs <= m_pending[b].timeNs))
                t = m_scratch[a].timeNs;
            else
                t = m_pending[b].timeNs;
            std::int64_t delta = 0;
            for (; a < m_scratch.size() && m_scratch[a].timeNs == t; ++a)
                delta += m_scratch[a].value;
            for (; b < end && m_pending[b].timeNs == t; ++b)
                delta += m_pending[b].delta;
            if (delta == 0)
                continue;
            value += delta;
            pts.push_back({ t, value });
        }
        s.reindexFrom(from);
        i = end;
    }
    m_pending.clear();
}

RangeStats TraceData::stats(std::int64_t t0, std::int64_t t1) const
{
    RangeStats out;
    out.t0 = t0;
    out.t1 = t1;
    if (t1 <= t0)
        return out;
    const auto length = static_cast<double>(t1 - t0);
    std::vector<std::int64_t> waits;
    std::vector<std::int64_t> runs;
    for (std::size_t li = 0; li < m_lanes.size(); ++li) {
        const WorkerLane& lane = m_lanes[li];
        const auto jobs = lane.jobs.in(t0, t1);
        const bool alive = (lane.createdNs == kNoTime || lane.createdNs <= t1)
            && (lane.retiredNs == kNoTime || lane.retiredNs >= t0)
            && (!jobs.empty() || lane.createdNs != kNoTime || lane.retiredNs != kNoTime);
        if (!alive)
            continue;
        LaneStats ls;
        ls.lane = static_cast<std::int32_t>(li);
        for (const Interval& iv : jobs) {
            ls.busyNs += overlap(iv.startNs, iv.endNs, t0, t1);
            if (iv.row < 0)
                continue;
            const JobRecord& r = m_jobs[static_cast<std::size_t>(iv.row)];
            if (iv.startNs >= t0 && iv.startNs <= t1 && r.waitNs() != kNoTime)
                waits.push_back(r.waitNs());
            if (iv.endNs != kOpenEnd && iv.endNs >= t0 && iv.endNs <= t1) {
                ++ls.jobsEnded;
                if (r.runNs() != kNoTime)
                    runs.push_back(r.runNs());
            }
        }
        ls.busyPercent = static_cast<double>(ls.busyNs) * 100.0 / length;
        out.jobsEnded += ls.jobsEnded;
        out.lanes.push_back(ls);
    }
    out.throughputPerSecond = static_cast<double>(out.jobsEnded) * 1e9 / length;
    out.wait = durationStats(waits);
    out.run = durationStats(runs);

    // The reactor's busy time: the union of its three lists, each sorted by start, merged in one pass (no copy, no
    // sort: linear in the calls in the range).
    std::span<const Interval> lists[]
        = { m_reactor.calls.in(t0, t1), m_reactor.callbacks.in(t0, t1), m_reactor.stalls.in(t0, t1) };
    std::int64_t coveredTo = std::numeric_limits<std::int64_t>::min();
    for (;;) {
        std::span<const Interval>* next = nullptr;
        for (std::span<const Interval>& list : lists) {
            if (!list.empty() && (!next || list.front().startNs < next->front().startNs))
                next = &list;
        }
        if (!next)
            break;
        const Interval& iv = next->front();
        *next = next->subspan(1);
        const std::int64_t a = std::max(iv.startNs, t0);
        const std::int64_t b = std::min(iv.endNs, t1);
        if (b <= a)
            continue;
        const std::int64_t from = std::max(a, coveredTo);
        if (b > from)
            out.reactorBusyNs += b - from;
        coveredTo = std::max(coveredTo, b);
    }
    out.reactorBusyPercent = static_cast<double>(out.reactorBusyNs) * 100.0 / length;
    return out;
}

bool TraceData::sameContent(const TraceData& other) const
{
    return m_jobs == other.m_jobs && m_lanes == other.m_lanes && m_reactor == other.m_reactor
        && m_pools == other.m_pools && m_resizes == other.m_resizes && m_dropped == other.m_dropped
        && m_findings == other.m_findings && timeOrigin() == other.timeOrigin() && m_earliest == other.m_earliest
        && m_latest == other.m_latest;
}

} // namespace qtwisted
