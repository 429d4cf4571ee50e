// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "callqueue_p.h"

#if defined(Q_OS_UNIX)
#include <sys/mman.h>
#endif

#include <algorithm>

namespace qtwisted::detail {

CallBlock* CallBlock::allocate()
{
#if defined(Q_OS_UNIX)
    int flags = MAP_PRIVATE | MAP_ANONYMOUS;
#if defined(MAP_POPULATE)
    flags |= MAP_POPULATE; // faulted in here, outside the queue's lock, not by the pushes that fill it
#endif
    void* memory = ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (memory == MAP_FAILED)
        throw std::bad_alloc();
#else
    void* memory = ::operator new (kBytes, std::align_val_t { kHeader });
#endif
    return new (memory) CallBlock;
}

void CallBlock::deallocate(CallBlock* block) noexcept
{
    block->~CallBlock();
#if defined(Q_OS_UNIX)
    ::munmap(block, kBytes);
#else
    ::operator delete (block, std::align_val_t { kHeader });
#endif
}

void CallBlock::destroyCalls(CallBlock* head) noexcept
{
    for (CallBlock* b = head; b; b = b->next) {
        Call* calls = b->calls();
        for (std::uint32_t i = 0; i < b->count; ++i)
            calls[i].~Call();
        b->count = 0;
    }
}

void CallBlock::deallocateChain(CallBlock* head) noexcept
{
    while (head) {
        CallBlock* next = head->next;
        deallocate(head);
        head = next;
    }
}

CallQueue::~CallQueue()
{
    CallBlock::destroyCalls(m_head);
    CallBlock::deallocateChain(m_head);
    CallBlock::deallocateChain(m_free);
}

void CallQueue::giveBack(CallBlock* head) noexcept
{
    CallBlock* excess = nullptr;
    {
        std::lock_guard lock(m_mutex);
        // While calls keep coming (some are queued already), keep up to kFloodBlocks: unmapping a block and mapping
        // a new one costs page faults and, in a multi-threaded process, a TLB shootdown on every CPU. Once the queue
        // is empty, only kKeptBlocks stay.
        const std::size_t cap = m_count == 0 ? kKeptBlocks : kFloodBlocks;
        while (head && m_freeCount < cap) {
            CallBlock* next = head->next;
            head->next = m_free;
            m_free = head;
            ++m_freeCount;
            head = next;
        }
        excess = head;
        while (m_freeCount > cap) {
            CallBlock* b = m_free;
            m_free = b->next;
            --m_freeCount;
            b->next = excess;
            excess = b;
        }
    }
    CallBlock::deallocateChain(excess); // unmapped outside the lock
}

ReactorStats CallQueue::stats() const
{
    ReactorStats s;
    // Outcomes first, then submissions: every outcome read belongs to a submission read, so pending() never wraps.
    s.completed = m_completed.load(std::memory_order_relaxed);
    s.failed = m_failed.load(std::memory_order_relaxed);
    s.cancelled = m_cancelled.load(std::memory_order_relaxed);
    std::lock_guard lock(m_mutex);
    s.submitted = m_submitted;
    s.refused = m_refused;
    s.cancelled += m_droppedAtClose;
    return s;
}

void CallQueue::wakeIfQueued()
{
    std::lock_guard lock(m_mutex);
    if (m_count != 0 && !m_finalClosed && !m_wakePending) {
        m_wakePending = true;
        QCoreApplication::postEvent(m_receiver, new QEvent(m_wakeEvent));
    }
}

std::vector<std::weak_ptr<BlockingCallBase>> CallQueue::closeToPublic()
{
    std::vector<std::weak_ptr<BlockingCallBase>> waiting;
    std::lock_guard lock(m_mutex);
    m_publicClosed = true;
    waiting.swap(m_blocked);
    return waiting;
}

void CallQueue::close()
{
    std::lock_guard lock(m_mutex);
    m_finalClosed = true;
}

void CallQueue::closeDiscarding()
{
    CallBlock* dropped = nullptr;
    {
        std::lock_guard lock(m_mutex);
        m_finalClosed = true;
        for (CallBlock* b = m_head; b; b = b->next) {
            for (std::uint32_t i = 0; i < b->count; ++i)
                m_droppedAtClose += b->calls()[i].counted ? 1U : 0U;
        }
        dropped = std::exchange(m_head, nullptr);
        m_tail = nullptr;
        m_count = 0;
    }
    // Destroyed outside the lock: a call's captures may do anything when they go (release a Deferred, post a call).
    CallBlock::destroyCalls(dropped);
    giveBack(dropped);
}

void CallQueue::compactBlockedLocked()
{
    std::erase_if(m_blocked, [](const std::weak_ptr<BlockingCallBase>& w) {
        auto c = w.lock();
        return !c || !c->pending();
    });
    m_compactAt = std::max<std::size_t>(64, m_blocked.size() * 2);
}

} // namespace qtwisted::detail
