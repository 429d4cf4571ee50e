// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/trace.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace qtwisted::detail {

/// The event a pool or a reactor records for one of its jobs or calls (worker -1: the reactor thread, or none).
inline TraceEvent jobEvent(TraceEventKind kind, ApiKind api, std::uint64_t jobId, std::uint32_t labelId,
    std::uint32_t poolId, std::int64_t timeNs, std::int64_t durationNs = 0, std::int32_t worker = -1) noexcept
{
    TraceEvent e;
    e.kind = kind;
    e.api = api;
    e.jobId = jobId;
    e.labelId = labelId;
    e.poolId = poolId;
    e.timeNs = timeNs;
    e.durationNs = durationNs;
    e.worker = worker;
    return e;
}

/// Where a recorder's events wait to be drained. Memory is a fixed set of chunks (capacity events in all). Each
/// recording thread owns one chunk and appends to it without locks or shared atomics: a plain write and a release
/// store of the chunk's count, which the consumer reads with an acquire load. Only when its chunk is full does a
/// thread take the mutex, to queue the chunk for the consumer and take a free one (or, when none is free, the oldest
/// queued chunk, whose undrained events are dropped and counted). The consumer drains queued chunks and reads the
/// owned ones in place under the same mutex.
class TraceSink : public std::enable_shared_from_this<TraceSink> {
public:
    struct Chunk;

    explicit TraceSink(std::size_t capacity);
    ~TraceSink();
    TraceSink(const TraceSink&) = delete;
    TraceSink& operator=(const TraceSink&) = delete;
    TraceSink(TraceSink&&) = delete;
    TraceSink& operator=(TraceSink&&) = delete;

    void record(const TraceEvent& event) noexcept;
    std::size_t drain(std::vector<TraceEvent>& out, std::size_t max);
    std::uint64_t dropped() const noexcept { return m_dropped.load(std::memory_order_relaxed); }
    std::size_t capacity() const noexcept { return m_chunkCount * m_chunkEvents; }

    /// A thread that owned `chunk` is done with it (it exits, or records into too many sinks).
    void release(Chunk* chunk) noexcept;

private:
    void recordSlow(const TraceEvent& event) noexcept;
    Chunk* takeChunkLocked() noexcept;
    void retireLocked(Chunk* chunk) noexcept;
    void removeActiveLocked(Chunk* chunk) noexcept;
    void recycleLocked(Chunk* chunk) noexcept;
    static void sortByTime(std::vector<TraceEvent>& out, std::size_t from, std::vector<std::size_t>& runs);

    const std::uint64_t m_id;
    std::size_t m_chunkEvents = 0;
    std::size_t m_chunkCount = 0;
    std::unique_ptr<Chunk[]> m_chunks;
    std::unique_ptr<std::byte[]> m_storage; // m_chunkCount * m_chunkEvents events, written as raw bytes

    std::mutex m_mutex; // guards everything below, and each chunk's read position and links
    Chunk* m_free = nullptr; // stack of empty chunks
    Chunk* m_queuedHead = nullptr; // full (or released) chunks, oldest first
    Chunk* m_queuedTail = nullptr;
    std::vector<Chunk*> m_active; // chunks owned by recording threads
    std::atomic<std::uint64_t> m_dropped { 0 };
};

/// The per-reactor / per-pool hook: one acquire load when nothing is attached. Sinks once attached stay alive as
/// long as the hook's owner, so a racing event never touches freed memory.
class TraceHook {
public:
    TraceSink* get() const noexcept { return m_sink.load(std::memory_order_acquire); }
    void set(const std::shared_ptr<TraceSink>& sink)
    {
        std::lock_guard lock(m_mutex);
        if (sink)
            m_keep.push_back(sink);
        m_sink.store(sink.get(), std::memory_order_release);
    }
    void clear(const TraceSink* sink)
    {
        std::lock_guard lock(m_mutex);
        auto* expected = const_cast<TraceSink*>(sink); // NOLINT(cppcoreguidelines-pro-type-const-cast)
        m_sink.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel);
    }

private:
    std::atomic<TraceSink*> m_sink { nullptr };
    std::mutex m_mutex;
    std::vector<std::shared_ptr<TraceSink>> m_keep;
};

} // namespace qtwisted::detail
