// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/diagnostics.h>
#include <qtwisted/inspect/detail/flatarray.h>
#include <qtwisted/trace.h>

#include <QString>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

namespace qtwisted {

/// "No such time" in a JobRecord or lane (the event was not recorded, or has not happened yet).
inline constexpr std::int64_t kNoTime = std::numeric_limits<std::int64_t>::min();
/// The end of an interval that is still running.
inline constexpr std::int64_t kOpenEnd = std::numeric_limits<std::int64_t>::max();

enum class JobStatus : std::uint8_t { Queued, Running, Finished, Failed, Cancelled };

/// "callInThread", "deferToThread", ... (the API's name as the howto spells it).
QString apiName(ApiKind api);
/// The API of that name (apiName()'s inverse); nullopt for any other text.
std::optional<ApiKind> apiFromName(QStringView name);
/// "queued", "running", "finished", "failed", "cancelled".
QString jobStatusName(JobStatus status);
/// True for the APIs whose jobs run on the reactor thread (callFromThread, blockingCallFromThread).
constexpr bool runsOnReactor(ApiKind api) noexcept
{
    return api == ApiKind::CallFromThread || api == ApiKind::BlockingCallFromThread;
}

/// One job as far as its events tell (times are steady-clock ns; kNoTime when the event is unknown).
struct JobRecord {
    /// lane for jobs that run on the reactor thread
    static constexpr std::int32_t kReactorLane = -2;

    std::uint64_t id = 0;
    std::uint32_t poolId = 0; ///< TraceStrings id of the pool's (or the reactor's) name
    std::uint32_t labelId = 0; ///< TraceStrings id of the label, 0 if none
    ApiKind api = ApiKind::CallInThread;
    JobStatus status = JobStatus::Queued;
    std::int32_t worker = -1; ///< worker index, -1 when not started or on the reactor
    std::int32_t lane = -1; ///< index into TraceData::lanes(), kReactorLane, or -1 when not started
    std::int64_t queuedNs = kNoTime;
    std::int64_t startedNs = kNoTime;
    std::int64_t endedNs = kNoTime; ///< finished, failed or cancelled
    std::int64_t callbackStartNs = kNoTime; ///< deferToThread: the reactor-side callback
    std::int64_t callbackDurationNs = 0;
    std::int64_t blockedStartNs = kNoTime; ///< blockingCallFromThread: the caller's wait
    std::int64_t blockedNs = 0;

    /// Time spent in the queue (kNoTime if unknown).
    std::int64_t waitNs() const noexcept
    {
        return queuedNs != kNoTime && startedNs != kNoTime ? startedNs - queuedNs : kNoTime;
    }
    /// Run time (kNoTime if unknown or still running).
    std::int64_t runNs() const noexcept
    {
        return startedNs != kNoTime && endedNs != kNoTime && status != JobStatus::Cancelled ? endedNs - startedNs
                                                                                            : kNoTime;
    }
    /// From the job's end to its callback's start on the reactor (kNoTime if unknown).
    std::int64_t callbackDelayNs() const noexcept
    {
        return endedNs != kNoTime && callbackStartNs != kNoTime ? callbackStartNs - endedNs : kNoTime;
    }
    bool operator==(const JobRecord&) const = default;
};

/// A time range on a lane; `row` is the job's row in TraceData::jobs() (-1: none, e.g. a stall).
struct Interval {
    std::int64_t startNs = 0;
    std::int64_t endNs = 0; ///< kOpenEnd while running
    std::int64_t maxEndNs = 0; ///< the largest end among this and all earlier intervals (for binary search)
    std::int32_t row = -1;
    bool operator==(const Interval&) const = default;
};

/// Intervals sorted by start (ties: in arrival order); range queries by binary search.
class IntervalList {
public:
    std::span<const Interval> all() const noexcept { return m_items; }
    std::size_t size() const noexcept { return m_items.size(); }
    /// The intervals that overlap [t0, t1] (an open interval overlaps every later time). On lanes where intervals
    /// never overlap (worker threads) this is exact; where they may (stalls) it can include intervals nested in an
    /// earlier long one that end before t0.
    std::span<const Interval> in(std::int64_t t0, std::int64_t t1) const noexcept;

    /// Inserts keeping the order; returns the index.
    std::size_t insert(std::int64_t startNs, std::int64_t endNs, std::int32_t row);
    /// Sets the end of the interval of `row` starting at `startNs`; false if there is none.
    bool close(std::int64_t startNs, std::int32_t row, std::int64_t endNs);
    void clear() noexcept { m_items.clear(); }
    bool operator==(const IntervalList&) const = default;

private:
    void fixMaxEnd(std::size_t from) noexcept;
    detail::FlatArray<Interval> m_items;
};

/// A thread of a pool: one per (pool, worker index), never merged with another even when the index is reused.
struct WorkerLane {
    std::uint32_t poolId = 0;
    std::int32_t worker = 0;
    QString threadName; ///< PoolThread-<pool>-<n>
    std::int64_t createdNs = kNoTime;
    std::int64_t retiredNs = kNoTime;
    IntervalList jobs;
    bool operator==(const WorkerLane&) const = default;
};

/// The reactor thread: the calls it ran (callFromThread, blockingCallFromThread), deferToThread callbacks, stalls.
struct ReactorLane {
    IntervalList calls;
    IntervalList callbacks;
    IntervalList stalls;
    bool operator==(const ReactorLane&) const = default;
};

/// A DiagnosticsMonitor finding as the trace tells it (FindingStarted, FindingEnded).
struct FindingRecord {
    quint64 id = 0;
    DiagnosticRule rule = DiagnosticRule::ReactorStall;
    DiagnosticSeverity severity = DiagnosticSeverity::Warning;
    QString message;
    QString pool; ///< empty: the reactor
    int suggestedMaxThreads = 0; ///< 0: none
    std::int32_t worker = -1; ///< the first worker involved, -1: none
    std::int64_t startNs = kNoTime;
    std::int64_t endNs = kNoTime; ///< kNoTime while ongoing
    bool operator==(const FindingRecord&) const = default;
};

struct StepPoint {
    std::int64_t timeNs = 0;
    std::int64_t value = 0; ///< from timeNs on
    bool operator==(const StepPoint&) const = default;
};

/// A step function of time: `initial` before the first point, then each point's value from its time on.
class StepSeries {
public:
    std::int64_t initial() const noexcept { return m_initial; }
    std::span<const StepPoint> points() const noexcept { return m_points; }
    /// The value at time t (binary search).
    std::int64_t valueAt(std::int64_t t) const noexcept;
    /// The points with time in [t0, t1] (binary search); the value before is valueAt(t0 - 1).
    std::span<const StepPoint> pointsIn(std::int64_t t0, std::int64_t t1) const noexcept;
    /// The largest value over [t0, t1] (binary searches and the block index: O(log n), not O(points in range)).
    std::int64_t maxIn(std::int64_t t0, std::int64_t t1) const noexcept;
    /// The largest value among points()[first, last); INT64_MIN when the range is empty.
    std::int64_t maxOfPoints(std::size_t first, std::size_t last) const noexcept;
    bool operator==(const StepSeries& other) const noexcept
    {
        return m_initial == other.m_initial && m_points == other.m_points;
    }

private:
    friend class TraceData;
    /// Points from `from` on changed (were cut off, then appended): brings the block index up to date.
    void reindexFrom(std::size_t from);

    static constexpr std::size_t kBlock = 64;
    std::int64_t m_initial = 0;
    std::vector<StepPoint> m_points;
    /// The index behind maxOfPoints(): the largest value of each complete run of kBlock points, and of each complete
    /// run of kBlock of those. A timeline column over thousands of points reads a few dozen values instead of them all.
    std::vector<std::int64_t> m_blockMax;
    std::vector<std::int64_t> m_superMax;
};

/// A pool's size change (PoolResized).
struct ResizeMarker {
    std::int64_t timeNs = 0;
    std::uint32_t poolId = 0;
    std::int32_t oldMin = 0, oldMax = 0, newMin = 0, newMax = 0;
    std::uint32_t byId = 0; ///< TraceStrings id of who resized (the resizing thread's job label), 0 if unknown
    bool operator==(const ResizeMarker&) const = default;
};

/// What TraceData knows of one pool: its backlog, busy workers and maximum over time.
struct PoolSeries {
    std::uint32_t poolId = 0;
    bool seeded = false; ///< setInitialPoolSize() was called
    std::int32_t initialMin = 0, initialMax = 0;
    StepSeries backlog; ///< jobs queued and not yet started or cancelled (jobs whose queue event was seen)
    StepSeries busy; ///< workers running a job
    StepSeries maxThreads; ///< from the seed and PoolResized events
    bool operator==(const PoolSeries&) const = default;
};

struct LaneStats {
    std::int32_t lane = 0;
    std::int64_t busyNs = 0; ///< time in jobs within the range
    double busyPercent = 0; ///< busyNs / range length * 100
    std::int64_t jobsEnded = 0; ///< jobs that finished or failed within the range
};

struct DurationStats {
    std::int64_t count = 0;
    double meanNs = 0;
    std::int64_t p50Ns = 0; ///< nearest-rank percentiles
    std::int64_t p95Ns = 0;
};

/// Statistics of a time range [t0, t1].
struct RangeStats {
    std::int64_t t0 = 0, t1 = 0;
    std::vector<LaneStats> lanes; ///< every worker lane alive in the range, in lane order
    std::int64_t jobsEnded = 0; ///< pool jobs that finished or failed within the range
    double throughputPerSecond = 0; ///< jobsEnded / range length
    DurationStats wait; ///< pool jobs that started within the range (queue time known)
    DurationStats run; ///< pool jobs that ended within the range
    std::int64_t reactorBusyNs = 0; ///< union of reactor calls, callbacks and stalls within the range
    double reactorBusyPercent = 0;
};

/// Everything drained from a TraceRecorder, aggregated incrementally for the job table, the timeline and the
/// statistics. Feed it batches (`append`), never single events; each batch costs O(batch · log n) and allocates only
/// for the growth of its tables. Not thread-safe: one owner (the GUI thread).
class TraceData {
public:
    TraceData();

    /// Adds a drained batch. Events may arrive in any order (a job may start before its queue event is drained).
    void append(const std::vector<TraceEvent>& events);
    void append(std::span<const TraceEvent> events);
    /// Forgets everything (and gets a new epoch()).
    void clear();

    /// The pool's sizes before any PoolResized event (its max is otherwise only known from resizes).
    void setInitialPoolSize(std::uint32_t poolId, int minThreads, int maxThreads);
    /// The recorder's dropped() count, to say so on screen and in exports.
    void setDroppedEvents(std::uint64_t dropped) noexcept { m_dropped = dropped; }
    std::uint64_t droppedEvents() const noexcept { return m_dropped; }
    /// Time 0 of the display; by default the earliest time of the first non-empty batch.
    void setTimeOrigin(std::int64_t ns) noexcept { m_origin = ns; }
    std::int64_t timeOrigin() const noexcept { return m_origin == kNoTime ? 0 : m_origin; }
    /// The earliest and latest times seen (kNoTime when empty).
    std::int64_t earliestNs() const noexcept { return m_earliest; }
    std::int64_t latestNs() const noexcept { return m_latest; }

    std::span<const JobRecord> jobs() const noexcept { return m_jobs; }
    /// The row of a job, or -1. `reactorSide`: a callFromThread/blockingCallFromThread call (own id space).
    std::int32_t findJob(std::uint32_t poolId, std::uint64_t jobId, bool reactorSide = false) const;

    /// The status of every job by row (jobs()[row].status), one byte each, kept up to date by append(): for views that
    /// read the status of many jobs (a JobRecord per bar is a cache miss per bar).
    std::span<const JobStatus> jobStatuses() const noexcept { return m_statuses; }

    std::span<const WorkerLane> lanes() const noexcept { return m_lanes; }
    /// Every worker lane (index into lanes()) in display order, kept up to date by append(): by pool, then worker
    /// index, then creation time (a reused index, a new thread after a retired one, stays its own lane right below
    /// the older one), ties in lane order. The reactor is not a worker lane: views draw it above these.
    std::span<const std::int32_t> laneOrder() const noexcept { return m_laneOrder; }
    /// The lane of (pool, worker index), or -1.
    std::int32_t findLane(std::uint32_t poolId, std::int32_t worker) const;
    /// The jobs of a lane overlapping [t0, t1], sorted by start (binary search).
    std::span<const Interval> intervalsIn(std::int32_t lane, std::int64_t t0, std::int64_t t1) const noexcept;
    const ReactorLane& reactor() const noexcept { return m_reactor; }
    /// Diagnostics findings, in the order they began.
    const std::vector<FindingRecord>& findings() const noexcept { return m_findings; }

    std::span<const PoolSeries> pools() const noexcept { return m_pools; }
    /// The series of a pool, or nullptr.
    const PoolSeries* pool(std::uint32_t poolId) const;
    /// Sorted by time.
    std::span<const ResizeMarker> resizes() const noexcept { return m_resizes; }

    RangeStats stats(std::int64_t t0, std::int64_t t1) const;

    /// Changes a view can follow without a reset: rows of existing jobs changed so far (with repeats), in order.
    /// Remember changeCount() and read changedRowsSince() it next time.
    std::size_t changeCount() const noexcept { return m_changeLog.size(); }
    std::span<const std::uint32_t> changedRowsSince(std::size_t position) const noexcept;
    /// A process-unique number that changes on clear() or when another TraceData is assigned: a view that sees it
    /// change must reset.
    std::uint64_t epoch() const noexcept { return m_epoch; }

    /// Same jobs, lanes, series, markers, drop count and time origin (epoch and change log aside).
    bool sameContent(const TraceData& other) const;

private:
    friend struct TraceDataBuilder;

    struct IndexSlot {
        std::uint64_t jobId = 0;
        std::uint64_t poolKey = 0; ///< poolId * 2 + reactor side
        std::uint32_t row = 0; ///< row + 1; 0: empty
    };
    struct Delta {
        std::int64_t timeNs;
        std::int64_t delta;
        std::uint32_t series; ///< pool index * 2 + (0 backlog, 1 busy)
    };

    std::int32_t jobRow(const TraceEvent& e, bool reactorSide);
    std::int32_t ensureLane(std::uint32_t poolId, std::int32_t worker);
    std::size_t ensurePool(std::uint32_t poolId);
    void see(std::int64_t t) noexcept;
    void touch(std::int32_t row, std::size_t rowsBefore);
    void onJobEvent(const TraceEvent& e, std::size_t rowsBefore);
    void onResize(const TraceEvent& e);
    void onFinding(const TraceEvent& e, std::int64_t t);
    void applyDeltas();
    void rebuildMax(PoolSeries& pool);
    void growIndex();
    /// Moves a few slots of the previous index into the current one (an index grows without stopping the caller for
    /// a rehash of every job: each new job moves four old slots, done before the next growth).
    void migrateIndex(std::size_t slots) noexcept;
    /// The row of a job in an index table, or -1.
    static std::int32_t lookup(const detail::FlatArray<IndexSlot>& index, std::uint64_t jobId, std::uint64_t poolKey);
    void updateLaneOrder();
    /// Brings jobStatuses() up to date with rows changed since change log position `changesBefore` and new rows.
    void updateStatuses(std::size_t changesBefore);

    // Per job, grown without copying (FlatArray): a million-job trace must not stop the GUI thread to grow.
    detail::FlatArray<JobRecord> m_jobs;
    detail::FlatArray<std::uint8_t> m_seen; ///< per job: which events were seen (bits)
    detail::FlatArray<IndexSlot> m_index; ///< open addressing (linear probing), power-of-two size
    detail::FlatArray<IndexSlot> m_oldIndex; ///< the index before the last growth, until migrated
    std::size_t m_migrated = 0; ///< slots of m_oldIndex moved so far
    detail::FlatArray<JobStatus> m_statuses; ///< jobStatuses()
    std::vector<WorkerLane> m_lanes;
    std::vector<std::int32_t> m_laneOrder; ///< laneOrder()
    std::map<std::pair<std::uint32_t, std::int32_t>, std::int32_t> m_laneIndex;
    ReactorLane m_reactor;
    std::vector<FindingRecord> m_findings;
    std::vector<PoolSeries> m_pools;
    std::vector<ResizeMarker> m_resizes;
    detail::FlatArray<std::uint32_t> m_changeLog;
    std::vector<Delta> m_pending; ///< scratch: this batch's step changes
    std::vector<StepPoint> m_scratch;
    std::uint64_t m_dropped = 0;
    std::int64_t m_origin = kNoTime;
    std::int64_t m_earliest = kNoTime;
    std::int64_t m_latest = kNoTime;
    std::uint64_t m_epoch = 0;
};

} // namespace qtwisted
