// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "timerqueue_p.h"

namespace qtwisted::detail {

void TimerQueue::add(const std::shared_ptr<TimedCall>& call, qint64 dueNs)
{
    call->key = { dueNs, m_nextSeq++ };
    m_calls.emplace(call->key, call);
}

void TimerQueue::reschedule(const std::shared_ptr<TimedCall>& call, qint64 dueNs)
{
    m_calls.erase(call->key);
    add(call, dueNs);
}

void TimerQueue::cancel(TimedCall& call)
{
    call.status = TimedCall::Status::Cancelled;
    call.fn.reset();
    m_calls.erase(call.key);
}

void TimerQueue::releaseAll() noexcept
{
    // Moved out first, so the functions are released with the queue already empty.
    auto pending = std::move(m_calls);
    m_calls.clear();
    for (auto& [key, call] : pending)
        call->fn.reset();
}

} // namespace qtwisted::detail
