// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Internals of <qtwisted/threadpool.h>: where the templates of threads.h and ThreadPool's own templates reach into
// a pool. Not API.
#pragma once

#include <qtwisted/detail/function.h>
#include <qtwisted/failure.h>
#include <qtwisted/trace.h>

#include <QtGlobal>

#include <cstdint>
#include <functional>
#include <memory>

namespace qtwisted {

class ThreadPool;

namespace detail {

class PoolState;
class TraceSink;
struct TestAccess;

/// Where the templates of threads.h reach into a pool: submit with a cancel hook, cancel a queued job.
struct PoolAccess {
    /// Queues `run` (returns false when the job failed); `onCancel` runs if the job is cancelled unrun.
    /// Returns the job id; PoolStoppedError when the pool no longer accepts work.
    /// The job carries `api` and the submitting thread's ScopedJobLabel into the trace.
    static quint64 submit(ThreadPool& pool, UniqueFunction<bool()> run, Task onCancel, ApiKind api);
    static std::weak_ptr<PoolState> state(ThreadPool& pool);
    /// Removes a job still in the backlog; false when it already started (or is unknown).
    static bool tryCancel(const std::weak_ptr<PoolState>& pool, quint64 jobId);
    /// Stops accepting work and calls `whenDrained` (from any thread) once the backlog ran and no job runs.
    static void close(ThreadPool& pool, std::function<void()> whenDrained);
    static void setTrace(ThreadPool& pool, const std::shared_ptr<TraceSink>& sink);
    static void clearTrace(const std::weak_ptr<PoolState>& pool, const TraceSink* sink);
    /// TraceStrings id of the pool's name.
    static std::uint32_t traceId(ThreadPool& pool);
};

/// Called by a job right before it hands its result on (deferToThread posts it to the reactor): when the pool is
/// traced, the job's recorded end is this moment, so a callback never appears to start before its job ended.
void noteJobEnd() noexcept;

/// Logs (category qtwisted.threadpool, warning) an exception that escaped a job or a result callback.
void logJobFailure(const Failure& failure, const char* where) noexcept;

} // namespace detail

} // namespace qtwisted
