// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "callqueue_p.h"

#include <algorithm>

namespace qtwisted::detail {

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
    if (!m_incoming.empty() && !m_finalClosed && !m_wakePending) {
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
    std::lock_guard lock(m_mutex);
    m_finalClosed = true;
    for (const Call& call : m_incoming)
        m_droppedAtClose += call.counted ? 1 : 0;
    m_incoming.clear();
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
