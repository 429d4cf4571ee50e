// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/trace.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace qtwisted::detail {

/// A bounded multi-producer ring (after Vyukov's bounded queue): producers claim a slot with one fetch_add (never
/// retried), the consumer frees it; when full a producer drops the oldest event itself. Every slot hand-off is an
/// acquire/release pair on the slot's sequence number, so ThreadSanitizer sees it.
class TraceSink {
public:
    explicit TraceSink(std::size_t capacity);

    void record(const TraceEvent& event) noexcept;
    bool pop(TraceEvent& out) noexcept;
    std::size_t drain(std::vector<TraceEvent>& out, std::size_t max);
    std::uint64_t dropped() const noexcept { return m_dropped.load(std::memory_order_relaxed); }
    std::size_t capacity() const noexcept { return m_mask + 1; }

private:
    // One cache line per slot: producers writing neighbouring slots never share a line.
    struct alignas(64) Slot {
        std::atomic<std::uint64_t> seq { 0 };
        TraceEvent event;
    };
    std::unique_ptr<Slot[]> m_slots;
    std::size_t m_mask;
    alignas(64) std::atomic<std::uint64_t> m_enqueue { 0 };
    alignas(64) std::atomic<std::uint64_t> m_dequeue { 0 };
    alignas(64) std::atomic<std::uint64_t> m_dropped { 0 };
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
