// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include "noise_p.h"
#include "spinmutex_p.h"

#include <qtwisted/detail/blockingcall.h>
#include <qtwisted/detail/function.h>
#include <qtwisted/reactor.h>
#include <qtwisted/trace.h>

#include <QCoreApplication>
#include <QEvent>
#include <QObject>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <typeinfo>
#include <utility>
#include <vector>

namespace qtwisted::detail {

/// An entry of the reactor's queue; id, label and api only matter while a recorder is attached.
struct Call {
    Task fn;
    std::uint64_t id = 0;
    std::uint32_t label = 0;
    ApiKind api = ApiKind::CallFromThread;
    bool counted = false; ///< a public submission (callFromThread, blockingCallFromThread): kept in ReactorStats
    bool self = false; ///< while monitored: posted from the reactor thread by a call of the same callable
};

/// One link of the queue's storage: a fixed run of calls in 64 KiB, mapped directly, so that memory taken by a flood
/// goes back to the system when it is unmapped. With malloc, a flood's buffers landed in the producers' own glibc
/// arenas and stayed resident after being freed (bench_core: +53 MB after 1 000 000 calls from 4 producers).
///
/// Blocks replace a vector that grew by reallocation under the queue's lock: in a flood of callFromThread from 4
/// producers, faulting in each new, larger buffer and moving every call into it took about a third of the time
/// (perf: exc_page_fault, clear_page_erms, _M_realloc_insert, the calls' move; issue 16). A block is never moved
/// and, once the consumer has run its calls, goes back to the queue to be filled again while it is still warm.
struct CallBlock {
    static constexpr std::size_t kBytes = std::size_t { 64 } << 10;
    static constexpr std::size_t kHeader = 64; // this struct, padded to a cache line
    static constexpr std::uint32_t kCalls = static_cast<std::uint32_t>((kBytes - kHeader) / sizeof(Call));

    CallBlock* next = nullptr;
    std::uint32_t count = 0; ///< calls constructed in the block

    Call* calls() noexcept
    {
        return std::launder(reinterpret_cast<Call*>(reinterpret_cast<std::byte*>(this) + kHeader));
    }
    bool full() const noexcept { return count == kCalls; }

    /// A new, empty block with its pages already mapped in (throws std::bad_alloc).
    static CallBlock* allocate();
    /// Frees a block whose calls were destroyed.
    static void deallocate(CallBlock* block) noexcept;
    /// Destroys the calls of each block of a chain, keeping the blocks.
    static void destroyCalls(CallBlock* head) noexcept;
    /// Frees a chain of blocks whose calls were destroyed.
    static void deallocateChain(CallBlock* head) noexcept;
};
static_assert(sizeof(CallBlock) <= CallBlock::kHeader && alignof(Call) <= CallBlock::kHeader);
static_assert(CallBlock::kCalls >= 256);

/// What the reactor thread takes out of the queue at once, oldest call first: a chain of blocks, owned (its calls
/// are destroyed and its blocks freed with it, unless given back with CallQueue::recycle()).
class CallBatch {
public:
    class Iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = Call;
        using difference_type = std::ptrdiff_t;
        using pointer = Call*;
        using reference = Call&;

        Iterator() = default;
        explicit Iterator(CallBlock* block) noexcept
            : m_block(block)
        {
        }
        Call& operator*() const noexcept { return m_block->calls()[m_index]; }
        Call* operator->() const noexcept { return &m_block->calls()[m_index]; }
        Iterator& operator++() noexcept
        {
            if (++m_index == m_block->count) {
                m_block = m_block->next;
                m_index = 0;
            }
            return *this;
        }
        Iterator operator++(int) noexcept
        {
            Iterator before = *this;
            ++*this;
            return before;
        }
        friend bool operator==(const Iterator& a, const Iterator& b) noexcept
        {
            return a.m_block == b.m_block && a.m_index == b.m_index;
        }

    private:
        CallBlock* m_block = nullptr;
        std::uint32_t m_index = 0;
    };

    CallBatch() = default;
    CallBatch(const CallBatch&) = delete;
    CallBatch& operator=(const CallBatch&) = delete;
    CallBatch(CallBatch&& other) noexcept
        : m_head(std::exchange(other.m_head, nullptr))
        , m_size(std::exchange(other.m_size, 0))
    {
    }
    CallBatch& operator=(CallBatch&& other) noexcept
    {
        if (this != &other) {
            reset();
            m_head = std::exchange(other.m_head, nullptr);
            m_size = std::exchange(other.m_size, 0);
        }
        return *this;
    }
    ~CallBatch() { reset(); }

    Iterator begin() const noexcept { return Iterator(m_head); }
    Iterator end() const noexcept { return {}; }
    std::size_t size() const noexcept { return m_size; }
    bool empty() const noexcept { return m_size == 0; }

private:
    friend class CallQueue;
    CallBatch(CallBlock* head, std::size_t size) noexcept
        : m_head(head)
        , m_size(size)
    {
    }
    void reset() noexcept
    {
        CallBlock::destroyCalls(m_head);
        CallBlock::deallocateChain(m_head);
        m_head = nullptr;
        m_size = 0;
    }

    CallBlock* m_head = nullptr; // blocks in a batch are never empty
    std::size_t m_size = 0;
};

/// The reactor's call queue (callFromThread, blockingCallFromThread, and the library's own results): any thread
/// pushes, the reactor thread takes everything queued as one batch. Pushing into an empty queue posts one wake event
/// (`wakeEvent`, to `receiver`) unless one is pending already; take() clears that, so a batch costs one event however
/// many calls it holds. Calls keep their order per producer (one FIFO under one mutex).
///
/// Its books are the reactor's ReactorStats: counted calls (Call::counted) are submissions; the consumer adds their
/// outcomes once per batch (addOutcomes()), so that the books cost no atomic operation per call.
///
/// Shutdown closes it in two steps: closeToPublic() refuses counted calls from then on (and hands back the blocked
/// callers to release), close() drops every call from then on, closeDiscarding() also drops what is still queued.
class CallQueue {
public:
    /// What push() did with a call.
    enum class Admission {
        Queued, ///< queued (and a wake event posted if none was pending)
        Refused, ///< a counted call after closeToPublic(): not queued, counted as refused
        Dropped, ///< after close(): not queued; a counted call is counted as cancelled
    };

    /// Empty blocks kept for reuse (1 MiB, about 13 000 calls); after a burst the others are unmapped, so memory
    /// returns to baseline after a flood.
    static constexpr std::size_t kKeptBlocks = 16;
    /// Empty blocks kept while a flood lasts (16 MiB at most): see giveBack().
    static constexpr std::size_t kFloodBlocks = 256;

    CallQueue(QObject* receiver, QEvent::Type wakeEvent) noexcept
        : m_receiver(receiver)
        , m_wakeEvent(wakeEvent)
    {
    }
    CallQueue(const CallQueue&) = delete;
    CallQueue& operator=(const CallQueue&) = delete;
    CallQueue(CallQueue&&) = delete;
    CallQueue& operator=(CallQueue&&) = delete;
    ~CallQueue();

    // ---- any thread ------------------------------------------------------------------------------------------

    /// Throws std::bad_alloc (nothing queued or counted then) when the queue needs a block and none can be mapped.
    Admission push(Call&& call)
    {
        return admit(call.counted, false, [&] {
            m_submitted += call.counted ? 1U : 0U;
            return enqueueLocked(std::move(call));
        });
    }

    /// Queues a counted call whose caller blocks on `blocked` until it is answered, and registers the caller, to be
    /// released by whoever shuts the reactor down (closeToPublic()). Refused once closeToPublic() or close() ran.
    /// Sets `blocked->answerSoon` when the call is alone in the queue.
    Admission pushBlocking(Call&& call, const std::shared_ptr<BlockingCallBase>& blocked)
    {
        return admit(true, true, [&] {
            ++m_submitted;
            if (m_blocked.size() >= m_compactAt)
                compactBlockedLocked();
            m_blocked.push_back(blocked);
            const bool wake = enqueueLocked(std::move(call));
            // Alone in the queue, the call is likely answered within microseconds: worth polling for (wait()).
            blocked->answerSoon = m_count == 1;
            return wake;
        });
    }

    /// The reactor is going away: returns once no thread is between deciding to post a wake event and posting it,
    /// so that the receiver can be deleted. Call after close() or closeDiscarding() (no new poster comes then).
    void waitForPosters() const noexcept
    {
        while (m_posting.load(std::memory_order_acquire) != 0)
            std::this_thread::yield();
    }

    bool empty() const
    {
        std::lock_guard lock(m_mutex);
        return m_count == 0;
    }

    /// Empty blocks held for reuse.
    std::size_t keptBlocks() const
    {
        std::lock_guard lock(m_mutex);
        return m_freeCount;
    }

    /// The callables queued, oldest first (QTwisted::Testing's report of leftovers).
    std::vector<const std::type_info*> queuedTypes() const
    {
        std::vector<const std::type_info*> out;
        std::lock_guard lock(m_mutex);
        out.reserve(m_count);
        for (CallBlock* b = m_head; b; b = b->next) {
            for (std::uint32_t i = 0; i < b->count; ++i)
                out.push_back(b->calls()[i].fn.type());
        }
        return out;
    }

    /// The books so far (a consistent snapshot: every outcome read belongs to a submission read).
    ReactorStats stats() const;

    // ---- the consumer (the reactor thread) -------------------------------------------------------------------

    /// Everything queued, oldest first; the pending wake event is consumed. Give the batch back with recycle().
    CallBatch take()
    {
        CallBatch batch;
        {
            std::lock_guard lock(m_mutex);
            m_wakePending = false;
            batch = CallBatch(m_head, m_count);
            m_head = nullptr;
            m_tail = nullptr;
            m_count = 0;
        }
        QTWISTED_NOISE(); // queue pop
        return batch;
    }

    /// A wake event arrived that will not be followed by take(): the next push posts a new one.
    void ackWake()
    {
        std::lock_guard lock(m_mutex);
        m_wakePending = false;
    }

    /// Posts a wake event if calls are queued and none is pending (after ackWake()), unless closed.
    void wakeIfQueued();

    /// Destroys a batch's calls (they ran) and keeps its blocks for reuse (giveBack()); the others are unmapped.
    void recycle(CallBatch&& batch) noexcept
    {
        CallBlock* head = std::exchange(batch.m_head, nullptr);
        batch.m_size = 0;
        CallBlock::destroyCalls(head);
        giveBack(head);
    }

    /// Adds the outcomes of a batch's counted calls to the books.
    void addOutcomes(quint64 completed, quint64 failed, quint64 cancelled) noexcept
    {
        if (completed)
            m_completed.fetch_add(completed, std::memory_order_relaxed);
        if (failed)
            m_failed.fetch_add(failed, std::memory_order_relaxed);
        if (cancelled)
            m_cancelled.fetch_add(cancelled, std::memory_order_relaxed);
    }

    /// Refuses counted calls from now on; returns the blocked callers registered so far (to be released).
    std::vector<std::weak_ptr<BlockingCallBase>> closeToPublic();
    /// Drops every call pushed from now on; what is queued stays to be taken.
    void close();
    /// close(), and drops what is still queued (counted calls among them are counted as cancelled).
    void closeDiscarding();

private:
    /// The admission both pushes share: under the lock, refuse (refusalLocked()) or make room (roomLocked(), mapping
    /// a block outside the lock when none is kept) and run `enqueue` (returns whether to post the wake event); then
    /// give back an unused block and post the wake event, both outside the lock.
    template <class Enqueue>
    Admission admit(bool counted, bool blocking, Enqueue&& enqueue)
    {
        bool wake = false;
        CallBlock* spare = nullptr; // mapped outside the lock, when the queue had no block to spare
        Admission result = Admission::Queued;
        {
            std::unique_lock lock(m_mutex);
            for (;;) {
                if (const Admission refusal = refusalLocked(counted, blocking); refusal != Admission::Queued) {
                    result = refusal;
                    break;
                }
                if (roomLocked(spare)) {
                    wake = enqueue();
                    break;
                }
                lock.unlock();
                spare = CallBlock::allocate();
                lock.lock();
            }
        }
        if (spare)
            giveBack(spare);
        if (wake)
            postWake();
        return result;
    }

    /// Whether a call would be refused (Refused / Dropped, counting it) or may be queued (Queued, nothing counted).
    Admission refusalLocked(bool counted, bool blocking) noexcept
    {
        if (counted && (m_publicClosed || (blocking && m_finalClosed))) {
            ++m_submitted;
            ++m_refused;
            return Admission::Refused;
        }
        if (m_finalClosed) {
            if (counted) {
                ++m_submitted;
                ++m_droppedAtClose;
            }
            return Admission::Dropped;
        }
        return Admission::Queued;
    }

    /// Makes room for one more call at the tail: a kept block, else `spare` (taken). False: a block must be mapped.
    bool roomLocked(CallBlock*& spare) noexcept
    {
        if (m_tail && !m_tail->full())
            return true;
        CallBlock* block = spare;
        if (block) {
            spare = nullptr;
        } else if (m_free) {
            block = m_free;
            m_free = block->next;
            --m_freeCount;
        } else {
            return false;
        }
        block->next = nullptr;
        block->count = 0;
        (m_tail ? m_tail->next : m_head) = block;
        m_tail = block;
        return true;
    }

    /// Queues the call (roomLocked() made room); true when the caller must post the wake event (postWake()) once it
    /// has released the lock. One wake per batch. Posting after the unlock matters: the woken reactor thread goes
    /// straight for this lock (take()), and posting under it made the poster's unlock wake the reactor thread a
    /// second time (paced callFromThread latency 2.6x invokeMethod's, issue 16).
    bool enqueueLocked(Call&& call)
    {
        new (&m_tail->calls()[m_tail->count]) Call(std::move(call));
        ++m_tail->count;
        ++m_count;
        QTWISTED_NOISE(); // queue push
        if (m_wakePending)
            return false;
        m_wakePending = true;
        m_posting.fetch_add(1, std::memory_order_relaxed); // the receiver must outlive the post (waitForPosters())
        return true;
    }

    /// Keeps a chain of empty blocks for reuse (kKeptBlocks, or kFloodBlocks while calls are queued); unmaps the rest.
    void giveBack(CallBlock* head) noexcept;

    void postWake()
    {
        QTWISTED_NOISE(); // between the unlock and the post
        QEvent* event = nullptr;
        try {
            event = new QEvent(m_wakeEvent);
        } catch (...) {
            {
                std::lock_guard lock(m_mutex);
                m_wakePending = false; // the next push posts it (the call stays queued, nothing is lost)
            }
            m_posting.fetch_sub(1, std::memory_order_release);
            throw;
        }
        QCoreApplication::postEvent(m_receiver, event); // takes the event
        m_posting.fetch_sub(1, std::memory_order_release);
    }

    /// Forgets blocked callers that were answered or gave up.
    void compactBlockedLocked();

    QObject* const m_receiver;
    const QEvent::Type m_wakeEvent;

    mutable SpinThenSleepMutex m_mutex;
    CallBlock* m_head = nullptr; // guarded by m_mutex: the queued calls, oldest first (blocks never empty)
    CallBlock* m_tail = nullptr; // guarded by m_mutex
    std::size_t m_count = 0; // guarded by m_mutex: calls queued
    CallBlock* m_free = nullptr; // guarded by m_mutex: empty blocks kept for reuse
    std::size_t m_freeCount = 0; // guarded by m_mutex
    std::vector<std::weak_ptr<BlockingCallBase>> m_blocked; // guarded by m_mutex
    std::size_t m_compactAt = 64; // guarded by m_mutex
    bool m_publicClosed = false; // guarded by m_mutex
    bool m_wakePending = false; // guarded by m_mutex: a wake event is posted and not yet taken
    bool m_finalClosed = false; // guarded by m_mutex
    std::atomic<int> m_posting { 0 }; // threads that decided to post a wake event and have not posted it yet
    // The books of counted calls: submissions under m_mutex, outcomes added once per batch.
    quint64 m_submitted = 0; // guarded by m_mutex
    quint64 m_refused = 0; // guarded by m_mutex
    quint64 m_droppedAtClose = 0; // guarded by m_mutex
    std::atomic<quint64> m_completed { 0 };
    std::atomic<quint64> m_failed { 0 };
    std::atomic<quint64> m_cancelled { 0 };
};

} // namespace qtwisted::detail
