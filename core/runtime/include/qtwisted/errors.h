// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <stdexcept>
#include <string>

namespace qtwisted {

/// Base class of every error qtwisted throws (bad numeric arguments throw std::invalid_argument instead).
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A Deferred was fired twice, or a DelayedCall already ran.
class AlreadyCalledError : public Error {
public:
    explicit AlreadyCalledError(const std::string& what = "already called")
        : Error(what)
    {
    }
};

/// A DelayedCall was already cancelled.
class AlreadyCancelledError : public Error {
public:
    explicit AlreadyCancelledError(const std::string& what = "already cancelled")
        : Error(what)
    {
    }
};

/// Delivered as the Failure of a cancelled Deferred.
class CancelledError : public Error {
public:
    explicit CancelledError(const std::string& what = "cancelled")
        : Error(what)
    {
    }
};

/// blockingCallFromThreadFor() ran out of time.
class TimeoutError : public Error {
public:
    explicit TimeoutError(const std::string& what = "timed out")
        : Error(what)
    {
    }
};

/// stop() when not running; a blocking call after shutdown began; callFromThread() after shutdown began.
class ReactorNotRunning : public Error {
public:
    explicit ReactorNotRunning(const std::string& what = "reactor is not running")
        : Error(what)
    {
    }
};

/// run() while the reactor runs.
class ReactorAlreadyRunning : public Error {
public:
    explicit ReactorAlreadyRunning(const std::string& what = "reactor is already running")
        : Error(what)
    {
    }
};

/// run() after the reactor was stopped.
class ReactorNotRestartable : public Error {
public:
    explicit ReactorNotRestartable(const std::string& what = "reactor cannot be restarted")
        : Error(what)
    {
    }
};

/// A call made from a thread it is not allowed from.
class WrongThreadError : public Error {
public:
    explicit WrongThreadError(const std::string& what = "called from the wrong thread")
        : Error(what)
    {
    }
};

/// Work submitted to (or start() of) a stopped pool.
class PoolStoppedError : public Error {
public:
    explicit PoolStoppedError(const std::string& what = "thread pool is stopped")
        : Error(what)
    {
    }
};

/// addCallback() on a stale Deferred<T> handle whose chain now holds another type.
class ChainTypeError : public Error {
public:
    explicit ChainTypeError(const std::string& what = "Deferred chain holds another type")
        : Error(what)
    {
    }
};

} // namespace qtwisted
