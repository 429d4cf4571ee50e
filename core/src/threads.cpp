// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/threads.h>

namespace qtwisted::threads {

void callMultipleInThread(std::vector<std::function<void()>> calls)
{
    Reactor::instance().callInThread([calls = std::move(calls)] {
        for (const auto& call : calls)
            call();
    });
}

} // namespace qtwisted::threads
