// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <exception>
#include <utility>

namespace qtwisted {

/// A captured exception of any type (Twisted's Failure): copyable, cheap, rethrowable.
class Failure {
public:
    /// Wraps an exception pointer; a null pointer is refused with std::invalid_argument.
    explicit Failure(std::exception_ptr exception);

    /// The exception being handled; only valid inside a catch block.
    static Failure current();

    /// A Failure holding a copy of `e`.
    template <class E>
    static Failure make(E e)
    {
        return Failure(std::make_exception_ptr(std::move(e)));
    }

    std::exception_ptr exception() const noexcept { return m_exception; }

    /// The demangled dynamic type of the exception, "unknown" for non-class throws.
    QString typeName() const;

    /// what() for std::exception, else empty.
    QString message() const;

    /// True if the exception is-a any of E (base classes match).
    template <class... E>
    bool check() const
    {
        return (matches<E>() || ...);
    }

    /// Rethrows the original exception unless it is-a one of E.
    template <class... E>
    void trap() const
    {
        if (!check<E...>())
            raise();
    }

    /// Rethrows the original exception.
    [[noreturn]] void raise() const;

    friend bool operator==(const Failure& a, const Failure& b) noexcept { return a.m_exception == b.m_exception; }

private:
    template <class E>
    bool matches() const
    {
        try {
            std::rethrow_exception(m_exception);
        } catch (const E&) {
            return true;
        } catch (...) {
            return false;
        }
    }

    std::exception_ptr m_exception;
};

} // namespace qtwisted
