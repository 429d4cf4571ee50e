// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/threads.h>

namespace qtwisted::threads {

void callMultipleInThread(std::vector<std::function<void()>> calls)
{
    detail::PoolAccess::submit(
        Reactor::instance().getThreadPool(),
        [calls = std::move(calls)]() -> bool {
            try {
                for (const auto& call : calls)
                    call();
                return true;
            } catch (...) {
                detail::logJobFailure(Failure::current(), "callMultipleInThread");
                return false;
            }
        },
        {}, ApiKind::CallMultipleInThread);
}

} // namespace qtwisted::threads
