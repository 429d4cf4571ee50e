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

#if defined(Q_OS_UNIX)
#include <sys/mman.h>
#endif

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <typeinfo>
#include <utility>
#include <vector>

namespace qtwisted::detail {

/// The call queue's storage. It grows in whichever producer thread pushes, so with malloc a flood's buffers land in
/// the producers' own glibc arenas, where they stayed resident after being freed (bench_core: +53 MB after
/// 1 000 000 calls from 4 producers, and malloc_trim() did not give it back). Buffers above 64 KiB are mapped
/// directly instead, so freeing a burst's storage returns it to the system at once.
template <class T>
struct QueueAllocator {
    using value_type = T;
    static constexpr std::size_t kDirectBytes = std::size_t { 64 } << 10;

    QueueAllocator() noexcept = default;
    template <class U>
    QueueAllocator(const QueueAllocator<U>&) noexcept // NOLINT(google-explicit-constructor): allocator rebinding
    {
    }

    T* allocate(std::size_t n)
    {
#if defined(Q_OS_UNIX)
        if (n > kDirectBytes / sizeof(T)) {
            if (n > std::numeric_limits<std::size_t>::max() / sizeof(T))
                throw std::bad_alloc();
            void* p = ::mmap(nullptr, n * sizeof(T), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED)
                throw std::bad_alloc();
            return static_cast<T*>(p);
        }
#endif
        return std::allocator<T>().allocate(n);
    }

    void deallocate(T* p, std::size_t n) noexcept
    {
#if defined(Q_OS_UNIX)
        if (n > kDirectBytes / sizeof(T)) {
            ::munmap(p, n * sizeof(T));
            return;
        }
#endif
        std::allocator<T>().deallocate(p, n);
    }

    friend bool operator==(const QueueAllocator&, const QueueAllocator&) noexcept
    {
        return true;
    }
};

/// An entry of the reactor's queue; id, label and api only matter while a recorder is attached.
struct Call {
    Task fn;
    std::uint64_t id = 0;
    std::uint32_t label = 0;
    ApiKind api = ApiKind::CallFromThread;
    bool counted = false; ///< a public submission (callFromThread, blockingCallFromThread): kept in ReactorStats
    bool self = false; ///< while monitored: posted from the reactor thread by a call of the same callable
};

/// What the reactor thread takes out of the queue at once, oldest call first.
using CallBatch = std::vector<Call, QueueAllocator<Call>>;

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

    /// A batch's storage up to this many calls is kept for the next batch; a larger one is freed.
    static constexpr std::size_t kKeptBatchCapacity = 16384;

    CallQueue(QObject* receiver, QEvent::Type wakeEvent) noexcept
        : m_receiver(receiver)
        , m_wakeEvent(wakeEvent)
    {
    }
    CallQueue(const CallQueue&) = delete;
    CallQueue& operator=(const CallQueue&) = delete;
    CallQueue(CallQueue&&) = delete;
    CallQueue& operator=(CallQueue&&) = delete;
    ~CallQueue() = default;

    // ---- any thread ------------------------------------------------------------------------------------------

    Admission push(Call&& call)
    {
        bool wake = false;
        {
            std::lock_guard lock(m_mutex);
            if (call.counted) {
                ++m_submitted;
                if (m_publicClosed) {
                    ++m_refused;
                    return Admission::Refused;
                }
            }
            if (m_finalClosed) {
                if (call.counted)
                    ++m_droppedAtClose;
                return Admission::Dropped;
            }
            wake = enqueueLocked(std::move(call));
        }
        if (wake)
            postWake();
        return Admission::Queued;
    }

    /// Queues a counted call whose caller blocks on `blocked` until it is answered, and registers the caller, to be
    /// released by whoever shuts the reactor down (closeToPublic()). Refused once closeToPublic() or close() ran.
    /// Sets `blocked->answerSoon` when the call is alone in the queue.
    Admission pushBlocking(Call&& call, const std::shared_ptr<BlockingCallBase>& blocked)
    {
        bool wake = false;
        {
            std::lock_guard lock(m_mutex);
            ++m_submitted;
            if (m_publicClosed || m_finalClosed) {
                ++m_refused;
                return Admission::Refused;
            }
            if (m_blocked.size() >= m_compactAt)
                compactBlockedLocked();
            m_blocked.push_back(blocked);
            wake = enqueueLocked(std::move(call));
            // Alone in the queue, the call is likely answered within microseconds: worth polling for (wait()).
            blocked->answerSoon = m_incoming.size() == 1;
        }
        if (wake)
            postWake();
        return Admission::Queued;
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
        return m_incoming.empty();
    }

    /// The callables queued, oldest first (QTwisted::Testing's report of leftovers).
    std::vector<const std::type_info*> queuedTypes() const
    {
        std::vector<const std::type_info*> out;
        std::lock_guard lock(m_mutex);
        out.reserve(m_incoming.size());
        for (const Call& call : m_incoming)
            out.push_back(call.fn.type());
        return out;
    }

    /// The books so far (a consistent snapshot: every outcome read belongs to a submission read).
    ReactorStats stats() const;

    // ---- the consumer (the reactor thread) -------------------------------------------------------------------

    /// Everything queued, oldest first; the pending wake event is consumed. Give the batch back with recycle().
    CallBatch take()
    {
        CallBatch batch = std::move(m_spare);
        {
            std::lock_guard lock(m_mutex);
            m_wakePending = false;
            batch.swap(m_incoming);
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

    /// Clears a batch that ran and keeps its storage for the next take(), unless it is a burst's (then it is freed,
    /// so memory returns to baseline after a flood).
    void recycle(CallBatch&& batch) noexcept
    {
        batch.clear();
        if (batch.capacity() > m_spare.capacity() && batch.capacity() <= kKeptBatchCapacity)
            m_spare = std::move(batch);
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
    /// Queues the call; true when the caller must post the wake event (postWake()) once it has released the lock.
    /// One wake per batch. Posting after the unlock matters: the woken reactor thread goes straight for this lock
    /// (take()), and posting under it made the poster's unlock wake the reactor thread a second time (paced
    /// callFromThread latency 2.6x invokeMethod's, issue 16).
    bool enqueueLocked(Call&& call)
    {
        m_incoming.push_back(std::move(call));
        QTWISTED_NOISE(); // queue push
        if (m_wakePending)
            return false;
        m_wakePending = true;
        m_posting.fetch_add(1, std::memory_order_relaxed); // the receiver must outlive the post (waitForPosters())
        return true;
    }

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
    CallBatch m_incoming; // guarded by m_mutex
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
    CallBatch m_spare; // consumer only: the last batch's storage, reused
};

} // namespace qtwisted::detail
