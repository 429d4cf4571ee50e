// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace qtwisted {

class Reactor;
class ThreadPool;

/// Which API submitted a job.
enum class ApiKind : std::uint8_t {
    CallInThread,
    DeferToThread,
    CallMultipleInThread, ///< one item of a callMultipleInThread() batch; all items share the batch's job
    BlockingCallFromThread,
    CallFromThread,
};

/// What a TraceEvent records.
enum class TraceEventKind : std::uint8_t {
    JobQueued, ///< submitted (time = submission)
    JobStarted, ///< began on a worker (or, for callFromThread/blockingCallFromThread, on the reactor)
    JobFinished, ///< returned (time = end, duration = run time)
    JobFailed, ///< threw (time = end, duration = run time)
    JobCancelled, ///< removed without running
    CallbackRan, ///< the reactor-side callback of a deferToThread job (time = start, duration)
    ReactorStall, ///< the reactor's loop was busy longer than 16 ms (time = start, duration)
    WorkerCreated, ///< a worker thread began (worker, name = the thread's name)
    WorkerRetired, ///< a worker thread ended
    PoolResized, ///< min/max changed: oldMin, oldMax -> newMin, newMax; by = labelId
    BlockingWait, ///< a thread waited in blockingCallFromThread (time = start, duration)
    /// A DiagnosticsMonitor finding began (time = start): jobId = the finding's id, labelId = its message,
    /// poolId = its pool (0: the reactor), newMin = DiagnosticRule, newMax = DiagnosticSeverity,
    /// oldMax = the suggested maximum (0: none), worker = the first worker involved (-1: none)
    FindingStarted,
    FindingEnded, ///< the same finding ended (time = start, duration = its length; fields as FindingStarted)
};

/// One recorded event. Reactor-side jobs (callFromThread, blockingCallFromThread) have worker -1. Plain data, fixed
/// size (56 bytes), no allocation. Strings are interned (TraceStrings).
struct TraceEvent {
    std::int64_t timeNs = 0; ///< steady clock, nanoseconds
    std::int64_t durationNs = 0; ///< for ranged events, else 0
    std::uint64_t jobId = 0; ///< unique per recorder's pool (reactor calls have their own ids), 0 if none
    std::uint32_t poolId = 0; ///< TraceStrings id of the pool's name (the reactor: its pool's name)
    std::uint32_t labelId = 0; ///< TraceStrings id of the job's label or the thread's name, 0 if none
    std::int32_t worker = -1; ///< worker index n of PoolThread-<pool>-<n>; -1 for the reactor thread / none
    std::int32_t oldMin = 0; ///< PoolResized: the minimum before
    std::int32_t oldMax = 0; ///< PoolResized: the maximum before
    std::int32_t newMin = 0; ///< PoolResized: the minimum after
    std::int32_t newMax = 0; ///< PoolResized: the maximum after
    ApiKind api = ApiKind::CallInThread;
    TraceEventKind kind = TraceEventKind::JobQueued;
};

/// Process-wide table of interned strings (labels, pool and thread names): ids are stable, 0 is "". The table never
/// shrinks, so intern what repeats (a label per kind of job, not per job): a string made per job leaks for the life of
/// the process.
namespace TraceStrings {
std::uint32_t intern(const QString& text);
QString text(std::uint32_t id);
/// How many strings the table holds, "" included (at least 1); it grows by one per distinct string interned.
std::size_t count();
} // namespace TraceStrings

/// Labels the jobs submitted by this thread while it lives (nests; restores the previous label). The label is interned
/// (TraceStrings) for the life of the process: name the kind of job, not the job (the trace numbers each job).
/// Example: `{ ScopedJobLabel label(QStringLiteral("sleep 2000 ms")); reactor.callInThread(job); }`
class ScopedJobLabel {
public:
    explicit ScopedJobLabel(const QString& label);
    ~ScopedJobLabel();
    ScopedJobLabel(const ScopedJobLabel&) = delete;
    ScopedJobLabel& operator=(const ScopedJobLabel&) = delete;
    ScopedJobLabel(ScopedJobLabel&&) = delete;
    ScopedJobLabel& operator=(ScopedJobLabel&&) = delete;

    /// The label id the current thread's submissions carry (0: none).
    static std::uint32_t current() noexcept;

private:
    std::uint32_t m_previous;
};

namespace detail {
class TraceSink;
class PoolState;
class ReactorCore;
} // namespace detail

/// Records what reactors and pools do into bounded memory, allocated (and touched) once when it is made.
///
/// The memory is a ring of chunks (capacity / 256 events each, 16 to 512). Each recording thread appends to a chunk
/// of its own: no lock, no atomic read-modify-write and no allocation per event, and no cache line written by two
/// threads. A full chunk joins the queue of chunks waiting to be drained; when no chunk is free, the oldest queued
/// chunk is reused and its undrained events are dropped (dropped() counts them), so a full recorder loses its oldest
/// events a chunk at a time. A thread keeps its chunk until it is full or the thread exits; drain() reads the events
/// already in it, so nothing waits for a chunk to fill. If more threads record at once than there are chunks, the
/// events of the threads left without one are dropped and counted.
///
/// Consumers drain in batches, each in time order (stable: one thread's events keep the order it recorded them in).
/// An event can reach a later batch than events recorded after it on other threads (its thread was preempted
/// between reading the clock and recording); TraceData takes events in any order.
class TraceRecorder {
public:
    /// `capacity` events (rounded up to a power of two, at least 1024); 56 bytes each.
    explicit TraceRecorder(std::size_t capacity = std::size_t { 1 } << 18);
    /// Detaches from everything still attached.
    ~TraceRecorder();
    TraceRecorder(const TraceRecorder&) = delete;
    TraceRecorder& operator=(const TraceRecorder&) = delete;
    TraceRecorder(TraceRecorder&&) = delete;
    TraceRecorder& operator=(TraceRecorder&&) = delete;

    /// Records the reactor (its calls, callbacks, stalls) and its pool.
    void attach(Reactor& reactor);
    void attach(ThreadPool& pool);
    void detach(Reactor& reactor);
    void detach(ThreadPool& pool);

    /// Moves up to `max` events, the oldest chunks first, into `out` (appending, in time order); returns how many.
    std::size_t drain(std::vector<TraceEvent>& out, std::size_t max = SIZE_MAX);
    /// Events lost because the recorder was full (or, rarely, had no chunk left for a thread).
    std::uint64_t dropped() const noexcept;
    std::size_t capacity() const noexcept;

    /// Records an event from outside the library (e.g. a scenario runner's resize "by").
    void record(const TraceEvent& event) noexcept;

private:
    std::shared_ptr<detail::TraceSink> m_sink;
    std::vector<std::weak_ptr<detail::PoolState>> m_pools;
    std::vector<std::weak_ptr<detail::ReactorCore>> m_reactors;
};

/// Steady-clock nanoseconds, the time base of TraceEvent. On x86-64 Linux, where the CPU's time-stamp counter is
/// invariant and the kernel keeps time with it, this reads the TSC with RDTSCP (about 19 ns, against 23 ns for
/// clock_gettime in this project's VM; ordered after earlier loads, so a time taken after a hand-off from another
/// thread is never before the sender's), mapped onto the steady clock by a calibration of 5 ms made once per process:
/// by the first TraceRecorder, or else by the first call. Its rate is right to about a part per million, so compare its
/// times with each other, not with std::chrono::steady_clock over hours. QTWISTED_TRACE_CLOCK=steady selects the steady
/// clock.
std::int64_t traceNow() noexcept;

} // namespace qtwisted
