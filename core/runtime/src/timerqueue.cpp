// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "timerqueue_p.h"

namespace qtwisted::detail {

void TimerQueue::push(const std::shared_ptr<TimedCall>& call, qint64 dueNs)
{
    call->key = { dueNs, m_nextSeq++ };
    m_heap.push_back(Entry { call->key, call });
    std::push_heap(m_heap.begin(), m_heap.end(), later);
}

TimerQueue::Entry TimerQueue::popTop()
{
    std::pop_heap(m_heap.begin(), m_heap.end(), later);
    Entry top = std::move(m_heap.back());
    m_heap.pop_back();
    return top;
}

void TimerQueue::dropStaleTop()
{
    while (!m_heap.empty() && isStale(m_heap.front()))
        popTop();
    compactIfSparse();
}

void TimerQueue::compactIfSparse()
{
    // Stale entries deep in the heap wait for their turn at the top: rebuild once they outnumber the live ones, which
    // costs O(n) after at least n/2 cancellations.
    constexpr std::size_t kSlack = 64;
    if (m_heap.size() <= 2 * m_live + kSlack)
        return;
    std::erase_if(m_heap, [](const Entry& e) { return isStale(e); });
    std::make_heap(m_heap.begin(), m_heap.end(), later);
}

void TimerQueue::add(const std::shared_ptr<TimedCall>& call, qint64 dueNs)
{
    if (!call->queued) {
        call->queued = true;
        ++m_live;
    }
    push(call, dueNs); // an entry it had stays behind, stale: its key is not the call's any more
    dropStaleTop();
}

void TimerQueue::reschedule(const std::shared_ptr<TimedCall>& call, qint64 dueNs)
{
    add(call, dueNs);
}

void TimerQueue::cancel(TimedCall& call)
{
    call.status = TimedCall::Status::Cancelled;
    call.fn.reset();
    if (call.queued) {
        call.queued = false;
        --m_live;
    }
    dropStaleTop();
}

void TimerQueue::releaseAll() noexcept
{
    // Moved out first, so the functions are released with the queue already empty.
    std::vector<Entry> pending = std::move(m_heap);
    m_heap.clear();
    m_live = 0;
    for (Entry& e : pending) {
        if (isStale(e))
            continue; // cancelled, moved, or taken by a runDue() still running: not this queue's to release
        e.call->queued = false;
        e.call->fn.reset();
    }
}

} // namespace qtwisted::detail
