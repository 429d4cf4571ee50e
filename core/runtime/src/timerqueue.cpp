// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "growth_p.h"
#include "timerqueue_p.h"

#include <iterator>

namespace qtwisted::detail {

void TimerQueue::push(const std::shared_ptr<TimedCall>& call, qint64 dueNs)
{
    reserveOneMore(m_heap); // may throw: before anything changes
    call->key = { dueNs, m_nextSeq++ };
    m_heap.push_back(Entry { call->key, call });
    std::push_heap(m_heap.begin(), m_heap.end(), later);
}

void TimerQueue::popTop() noexcept
{
    std::pop_heap(m_heap.begin(), m_heap.end(), later);
    // The entry may hold the last reference to its call, whose function's captures then die here: the heap is
    // consistent again, so whatever their destructors do with this queue is safe.
    Entry top = std::move(m_heap.back());
    m_heap.pop_back();
}

void TimerQueue::dropStaleTop() noexcept
{
    while (!m_heap.empty() && isStale(m_heap.front()))
        popTop();
    compactIfSparse();
}

void TimerQueue::compactIfSparse() noexcept
{
    // Stale entries deep in the heap wait for their turn at the top: rebuild once they outnumber the live ones, which
    // costs O(n) after at least n/2 cancellations.
    constexpr std::size_t kSlack = 64;
    if (m_heap.size() <= 2 * m_live + kSlack)
        return;
    const auto stale = std::partition(m_heap.begin(), m_heap.end(), [](const Entry& e) { return !isStale(e); });
    // Moved out before they die (see popTop()): the heap is rebuilt first.
    std::vector<Entry> dropped;
    try {
        dropped.reserve(static_cast<std::size_t>(m_heap.end() - stale));
    } catch (...) {
        std::make_heap(m_heap.begin(), m_heap.end(), later); // out of memory: keep them, compact another time
        return;
    }
    std::move(stale, m_heap.end(), std::back_inserter(dropped));
    m_heap.erase(stale, m_heap.end());
    std::make_heap(m_heap.begin(), m_heap.end(), later);
}

void TimerQueue::add(const std::shared_ptr<TimedCall>& call, qint64 dueNs)
{
    push(call, dueNs); // an entry it had stays behind, stale: its key is not the call's any more
    if (!call->queued) {
        call->queued = true;
        ++m_live;
    }
    dropStaleTop();
}

void TimerQueue::reschedule(const std::shared_ptr<TimedCall>& call, qint64 dueNs)
{
    add(call, dueNs);
}

void TimerQueue::cancel(TimedCall& call)
{
    // The function leaves the call first and dies last: its captures' destructors may use this queue, and the heap
    // entry dropped below may hold the last reference to `call` itself.
    Task fn = std::move(call.fn);
    call.fn.reset();
    call.status = TimedCall::Status::Cancelled;
    if (call.queued) {
        call.queued = false;
        --m_live;
    }
    dropStaleTop();
}

void TimerQueue::releaseAll() noexcept
{
    // The queue is emptied and every call unscheduled before any function is released, and no call dies before the
    // end (`pending` holds them): a capture whose destructor cancels or reschedules a call finds the books consistent.
    std::vector<Entry> pending = std::move(m_heap);
    m_heap.clear();
    m_live = 0;
    // Stale entries (cancelled, moved, or taken by a runDue() still running) are not this queue's to release.
    const auto firstStale = std::partition(pending.begin(), pending.end(), [](const Entry& e) { return !isStale(e); });
    for (auto it = pending.begin(); it != firstStale; ++it)
        it->call->queued = false;
    for (auto it = pending.begin(); it != firstStale; ++it)
        it->call->fn.reset();
}

} // namespace qtwisted::detail
