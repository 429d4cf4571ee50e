// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "trace_p.h"

#include <qtwisted/reactor.h>
#include <qtwisted/threadpool.h>

#include <QHash>
#include <QList>

#include <bit>
#include <chrono>
#include <mutex>
#include <thread>

namespace qtwisted {

std::int64_t traceNow() noexcept
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

namespace TraceStrings {

namespace {
struct Table {
    std::mutex mutex;
    QHash<QString, std::uint32_t> ids;
    QList<QString> texts { QString() };
};
Table& table()
{
    static Table t;
    return t;
}
} // namespace

std::uint32_t intern(const QString& text)
{
    if (text.isEmpty())
        return 0;
    Table& t = table();
    std::lock_guard lock(t.mutex);
    auto it = t.ids.constFind(text);
    if (it != t.ids.constEnd())
        return *it;
    const auto id = static_cast<std::uint32_t>(t.texts.size());
    t.texts.append(text);
    t.ids.insert(text, id);
    return id;
}

QString text(std::uint32_t id)
{
    Table& t = table();
    std::lock_guard lock(t.mutex);
    return id < static_cast<std::uint32_t>(t.texts.size()) ? t.texts.at(id) : QString();
}

} // namespace TraceStrings

namespace {
thread_local std::uint32_t t_currentLabel = 0;
} // namespace

ScopedJobLabel::ScopedJobLabel(const QString& label)
    : m_previous(t_currentLabel)
{
    t_currentLabel = TraceStrings::intern(label);
}

ScopedJobLabel::~ScopedJobLabel()
{
    t_currentLabel = m_previous;
}

std::uint32_t ScopedJobLabel::current() noexcept
{
    return t_currentLabel;
}

namespace detail {

TraceSink::TraceSink(std::size_t capacity)
{
    const std::size_t size = std::bit_ceil(std::max<std::size_t>(capacity, 1024));
    m_slots = std::make_unique<Slot[]>(size);
    m_mask = size - 1;
    for (std::size_t i = 0; i < size; ++i)
        m_slots[i].seq.store(i, std::memory_order_relaxed);
}

void TraceSink::record(const TraceEvent& event) noexcept
{
    const std::uint64_t pos = m_enqueue.fetch_add(1, std::memory_order_relaxed);
    Slot& slot = m_slots[pos & m_mask];
    for (;;) {
        const std::uint64_t seq = slot.seq.load(std::memory_order_acquire);
        if (seq == pos) {
            slot.event = event;
            slot.seq.store(pos + 1, std::memory_order_release);
            return;
        }
        // Our slot still holds an event of the previous lap: full, so the oldest event goes.
        TraceEvent discarded;
        if (pop(discarded))
            m_dropped.fetch_add(1, std::memory_order_relaxed);
        else
            std::this_thread::yield(); // the oldest is still being written by its producer
    }
}

bool TraceSink::pop(TraceEvent& out) noexcept
{
    std::uint64_t pos = m_dequeue.load(std::memory_order_relaxed);
    for (;;) {
        Slot& slot = m_slots[pos & m_mask];
        const std::uint64_t seq = slot.seq.load(std::memory_order_acquire);
        const auto diff = static_cast<std::int64_t>(seq - (pos + 1));
        if (diff == 0) {
            if (m_dequeue.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
                out = slot.event;
                slot.seq.store(pos + m_mask + 1, std::memory_order_release);
                return true;
            }
        } else if (diff < 0) {
            return false; // empty
        } else {
            pos = m_dequeue.load(std::memory_order_relaxed);
        }
    }
}

std::size_t TraceSink::drain(std::vector<TraceEvent>& out, std::size_t max)
{
    std::size_t n = 0;
    TraceEvent e;
    while (n < max && pop(e)) {
        out.push_back(e);
        ++n;
    }
    return n;
}

} // namespace detail

TraceRecorder::TraceRecorder(std::size_t capacity)
    : m_sink(std::make_shared<detail::TraceSink>(capacity))
{
}

TraceRecorder::~TraceRecorder()
{
    for (const auto& r : m_reactors)
        detail::ReactorAccess::clearTrace(r, m_sink.get());
    for (const auto& p : m_pools)
        detail::PoolAccess::clearTrace(p, m_sink.get());
}

void TraceRecorder::attach(Reactor& reactor)
{
    detail::ReactorAccess::setTrace(reactor, m_sink);
    m_reactors.push_back(detail::ReactorAccess::core(reactor));
    attach(reactor.getThreadPool());
}

void TraceRecorder::attach(ThreadPool& pool)
{
    detail::PoolAccess::setTrace(pool, m_sink);
    m_pools.push_back(detail::PoolAccess::state(pool));
}

void TraceRecorder::detach(Reactor& reactor)
{
    detail::ReactorAccess::clearTrace(detail::ReactorAccess::core(reactor), m_sink.get());
    detach(reactor.getThreadPool());
}

void TraceRecorder::detach(ThreadPool& pool)
{
    detail::PoolAccess::clearTrace(detail::PoolAccess::state(pool), m_sink.get());
}

std::size_t TraceRecorder::drain(std::vector<TraceEvent>& out, std::size_t max)
{
    return m_sink->drain(out, max);
}

std::uint64_t TraceRecorder::dropped() const noexcept
{
    return m_sink->dropped();
}

std::size_t TraceRecorder::capacity() const noexcept
{
    return m_sink->capacity();
}

void TraceRecorder::record(const TraceEvent& event) noexcept
{
    m_sink->record(event);
}

} // namespace qtwisted
