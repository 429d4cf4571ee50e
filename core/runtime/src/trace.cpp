// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "trace_p.h"
#include "traceclock_p.h"

#include <qtwisted/reactor.h>
#include <qtwisted/threadpool.h>

#include <QHash>
#include <QList>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <mutex>
#include <new>
#include <type_traits>

namespace qtwisted {

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

std::size_t count()
{
    Table& t = table();
    std::lock_guard lock(t.mutex);
    return static_cast<std::size_t>(t.texts.size());
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

struct alignas(64) TraceSink::Chunk {
    std::atomic<std::uint32_t> count { 0 }; ///< events written; stored only by the owning thread (release)
    std::uint32_t read = 0; ///< events claimed by drains (under the sink's mutex)
    std::uint32_t pins = 0; ///< drains copying from the chunk outside the mutex: it must not be reused meanwhile
    bool recyclePending = false; ///< emptied while pinned: goes to the free stack when the last pin goes
    std::size_t activeIndex = 0; ///< position in m_active while a thread owns the chunk
    Chunk* next = nullptr; ///< link in the free stack or the queue
    std::byte* events = nullptr;
};

namespace {

void putEvent(TraceSink::Chunk& chunk, std::uint32_t i, const TraceEvent& event) noexcept
{
    std::memcpy(chunk.events + std::size_t { i } * sizeof(TraceEvent), &event, sizeof(TraceEvent));
}

static_assert(std::is_trivially_copyable_v<TraceEvent>, "events are copied as bytes");
static_assert(sizeof(TraceEvent) == 56, "trace.h documents the size of an event");

std::atomic<std::uint64_t> g_nextSinkId { 1 };

/// The chunk a thread appends to, per sink. A sink is matched by its id (never reused), so a stale entry of a
/// destroyed sink is never touched; the weak pointer hands the chunk back when the thread exits.
struct OwnedChunk {
    std::uint64_t sinkId = 0;
    TraceSink::Chunk* chunk = nullptr;
    std::weak_ptr<TraceSink> sink;
    /// Events still to drop, without taking the sink's mutex, before asking for a chunk again: none was to be had.
    std::uint32_t dropWithoutAsking = 0;

    void giveBack() noexcept
    {
        if (chunk) {
            if (const auto alive = sink.lock())
                alive->release(chunk);
        }
        sinkId = 0;
        chunk = nullptr;
        sink.reset();
    }
};

struct OwnedChunks {
    static constexpr std::size_t kSinks = 4; // a thread recording into more sinks at once hands chunks back in turn
    std::array<OwnedChunk, kSinks> slots {};
    std::size_t nextEviction = 0;

    OwnedChunks() = default;
    ~OwnedChunks()
    {
        for (OwnedChunk& slot : slots)
            slot.giveBack();
    }
    OwnedChunks(const OwnedChunks&) = delete;
    OwnedChunks& operator=(const OwnedChunks&) = delete;
    OwnedChunks(OwnedChunks&&) = delete;
    OwnedChunks& operator=(OwnedChunks&&) = delete;
};

thread_local OwnedChunks t_owned;

/// This thread's entry for the sink with `sinkId`, or nullptr.
OwnedChunk* ownedEntry(std::uint64_t sinkId) noexcept
{
    for (OwnedChunk& slot : t_owned.slots) {
        if (slot.sinkId == sinkId)
            return &slot;
    }
    return nullptr;
}

} // namespace

TraceSink::TraceSink(std::size_t capacity)
    : m_id(g_nextSinkId.fetch_add(1, std::memory_order_relaxed))
{
    const std::size_t events = std::bit_ceil(std::max<std::size_t>(capacity, 1024));
    // At least 64 chunks, so that many threads can record at once; at most 512 events (28 KiB) per chunk.
    m_chunkEvents = std::clamp<std::size_t>(events / 256, 16, 512);
    m_chunkCount = events / m_chunkEvents;
    m_chunks = std::make_unique<Chunk[]>(m_chunkCount);
    // Touched here, so that recording never waits for the kernel to map a page.
    m_storage = std::make_unique<std::byte[]>(events * sizeof(TraceEvent));
    for (std::size_t i = m_chunkCount; i-- > 0;) {
        m_chunks[i].events = m_storage.get() + i * m_chunkEvents * sizeof(TraceEvent);
        m_chunks[i].next = m_free;
        m_free = &m_chunks[i];
    }
    m_active.reserve(m_chunkCount);
}

TraceSink::~TraceSink() = default;

void TraceSink::record(const TraceEvent& event) noexcept
{
    if (OwnedChunk* slot = ownedEntry(m_id); slot && slot->chunk) {
        Chunk* c = slot->chunk;
        const std::uint32_t n = c->count.load(std::memory_order_relaxed);
        if (n < m_chunkEvents) {
            // The chunk is written once per lap of the recorder, long after it left the cache: ask for the line a
            // few events ahead now, so the store after next does not wait for it.
            __builtin_prefetch(c->events + std::size_t { n + 4 } * sizeof(TraceEvent), 1);
            putEvent(*c, n, event);
            c->count.store(n + 1, std::memory_order_release);
            return;
        }
    }
    recordSlow(event);
}

void TraceSink::recordSlow(const TraceEvent& event) noexcept
{
    OwnedChunks& owned = t_owned;
    OwnedChunk* slot = ownedEntry(m_id);
    if (!slot) {
        for (OwnedChunk& s : owned.slots) {
            if (s.sinkId == 0 || s.sink.expired()) {
                slot = &s;
                break;
            }
        }
        if (!slot) {
            slot = &owned.slots[owned.nextEviction++ % OwnedChunks::kSinks];
            slot->giveBack();
        }
        slot->sinkId = m_id;
        slot->chunk = nullptr;
        slot->sink = weak_from_this();
        slot->dropWithoutAsking = 0;
    }
    if (!slot->chunk && slot->dropWithoutAsking > 0) {
        --slot->dropWithoutAsking;
        m_dropped.fetch_add(1, std::memory_order_relaxed);
        return;
    }

    std::lock_guard lock(m_mutex);
    if (slot->chunk)
        retireLocked(slot->chunk); // full: the consumer takes it from the queue
    slot->chunk = takeChunkLocked();
    if (!slot->chunk) {
        // No chunk to be had: every one is owned by a recording thread (more threads than chunks), or the recorder
        // is full and a drain is copying its oldest chunks. This event cannot be kept, nor can the next few: asking
        // for a chunk under the mutex for each of them would make a thread that outruns its consumer crawl.
        m_dropped.fetch_add(1, std::memory_order_relaxed);
        slot->dropWithoutAsking = static_cast<std::uint32_t>(m_chunkEvents / 8);
        return;
    }
    putEvent(*slot->chunk, 0, event);
    slot->chunk->count.store(1, std::memory_order_release);
}

TraceSink::Chunk* TraceSink::takeChunkLocked() noexcept
{
    Chunk* c = m_free;
    if (c) {
        m_free = c->next;
    } else if (m_queuedHead && m_queuedHead->pins == 0) {
        // Full: the oldest queued chunk goes, with whatever of it was not drained yet (unless a drain is copying
        // from it right now: then this event is dropped instead).
        c = m_queuedHead;
        m_queuedHead = c->next;
        if (!m_queuedHead)
            m_queuedTail = nullptr;
        m_dropped.fetch_add(c->count.load(std::memory_order_relaxed) - c->read, std::memory_order_relaxed);
        c->count.store(0, std::memory_order_relaxed);
        c->read = 0;
    } else {
        return nullptr;
    }
    c->next = nullptr;
    c->activeIndex = m_active.size();
    m_active.push_back(c); // reserved for every chunk: never allocates
    return c;
}

void TraceSink::removeActiveLocked(Chunk* chunk) noexcept
{
    Chunk* last = m_active.back();
    m_active[chunk->activeIndex] = last;
    last->activeIndex = chunk->activeIndex;
    m_active.pop_back();
}

void TraceSink::retireLocked(Chunk* chunk) noexcept
{
    removeActiveLocked(chunk);
    chunk->next = nullptr;
    if (m_queuedTail)
        m_queuedTail->next = chunk;
    else
        m_queuedHead = chunk;
    m_queuedTail = chunk;
}

void TraceSink::recycleLocked(Chunk* chunk) noexcept
{
    chunk->next = nullptr;
    if (chunk->pins > 0) {
        chunk->recyclePending = true; // a drain still copies from it: unpinLocked() recycles it
        return;
    }
    chunk->recyclePending = false;
    chunk->count.store(0, std::memory_order_relaxed);
    chunk->read = 0;
    chunk->next = m_free;
    m_free = chunk;
}

void TraceSink::release(Chunk* chunk) noexcept
{
    std::lock_guard lock(m_mutex);
    if (chunk->count.load(std::memory_order_relaxed) > chunk->read) {
        retireLocked(chunk);
    } else {
        removeActiveLocked(chunk);
        recycleLocked(chunk);
    }
}

std::size_t TraceSink::drain(std::vector<TraceEvent>& out, std::size_t max)
{
    // Under the mutex a drain only claims events (advances each chunk's read position and pins the chunk); it copies
    // them after releasing it. Copying under the mutex made every recording thread that filled its chunk meanwhile
    // wait for the whole copy: with a consumer draining every millisecond, an event cost 21-94 ns instead of 7-8
    // (issue 16).
    struct Claim {
        Chunk* chunk;
        std::uint32_t from;
        std::uint32_t to;
    };
    std::vector<Claim> claims;
    std::size_t n = 0;
    {
        std::lock_guard lock(m_mutex);
        auto claim = [&](Chunk* c) {
            const std::uint32_t count = c->count.load(std::memory_order_acquire);
            const auto k = static_cast<std::uint32_t>(std::min<std::size_t>(count - c->read, max - n));
            if (k == 0)
                return;
            claims.push_back({ c, c->read, c->read + k });
            c->read += k;
            ++c->pins;
            n += k;
        };
        // Queued chunks first (the oldest), then what recording threads have written so far, read in place.
        while (m_queuedHead && n < max) {
            Chunk* c = m_queuedHead;
            claim(c);
            if (c->read != c->count.load(std::memory_order_relaxed))
                break;
            m_queuedHead = c->next;
            if (!m_queuedHead)
                m_queuedTail = nullptr;
            recycleLocked(c); // pinned: recycled once copied
        }
        for (std::size_t i = 0; i < m_active.size() && n < max; ++i)
            claim(m_active[i]);
    }
    const std::size_t from = out.size();
    std::vector<std::size_t> runs; // where each chunk's events begin in `out`
    runs.reserve(claims.size());
    out.reserve(from + n);
    for (const Claim& c : claims) {
        runs.push_back(out.size());
        // The chunk's bytes hold TraceEvents: putEvent() copied them in whole (memcpy creates the objects).
        const auto* first = std::launder(reinterpret_cast<const TraceEvent*>(c.chunk->events)) + c.from;
        out.insert(out.end(), first, first + (c.to - c.from));
    }
    {
        std::lock_guard lock(m_mutex);
        for (const Claim& c : claims) {
            if (--c.chunk->pins == 0 && c.chunk->recyclePending)
                recycleLocked(c.chunk);
        }
    }
    sortByTime(out, from, runs);
    return n;
}

void TraceSink::sortByTime(std::vector<TraceEvent>& out, std::size_t from, std::vector<std::size_t>& runs)
{
    const auto byTime = [](const TraceEvent& a, const TraceEvent& b) { return a.timeNs < b.timeNs; };
    const auto at = [&out](std::size_t i) { return out.begin() + static_cast<std::ptrdiff_t>(i); };
    if (runs.size() < 2 || std::is_sorted(at(from), out.end(), byTime))
        return;
    // Each run is one chunk: one thread's events in the order it recorded them, nearly always in time order. Merge
    // the runs pairwise when they all are (O(n log runs)); sort otherwise. Both are stable: a thread's events that
    // share a timestamp keep their order.
    runs.push_back(out.size());
    for (std::size_t r = 0; r + 1 < runs.size(); ++r) {
        if (!std::is_sorted(at(runs[r]), at(runs[r + 1]), byTime)) {
            std::stable_sort(at(from), out.end(), byTime);
            return;
        }
    }
    while (runs.size() > 2) {
        std::size_t kept = 0;
        std::size_t r = 0;
        for (; r + 2 < runs.size(); r += 2) {
            std::inplace_merge(at(runs[r]), at(runs[r + 1]), at(runs[r + 2]), byTime);
            runs[kept++] = runs[r];
        }
        for (; r < runs.size(); ++r)
            runs[kept++] = runs[r];
        runs.resize(kept);
    }
}

} // namespace detail

TraceRecorder::TraceRecorder(std::size_t capacity)
    : m_sink(std::make_shared<detail::TraceSink>(capacity))
{
    // The clock calibrates on first use (TraceClock::kCalibration): here, rather than in the first traced event,
    // which may be on the reactor thread.
    static_cast<void>(detail::TraceClock::instance());
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
