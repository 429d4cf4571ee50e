// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/errors.h>
#include <qtwisted/failure.h>

#include <functional>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

namespace qtwisted {

/// Either a T (nothing for void) or a Failure.
template <class T>
class Outcome {
public:
    Outcome(T value) // NOLINT(google-explicit-constructor): a value is an outcome
        : m_state(std::in_place_index<0>, std::move(value))
    {
    }
    Outcome(Failure failure) // NOLINT(google-explicit-constructor): so is a Failure
        : m_state(std::in_place_index<1>, std::move(failure))
    {
    }

    bool ok() const noexcept { return m_state.index() == 0; }

    /// The value; rethrows the Failure when there is none.
    const T& value() const&
    {
        if (!ok())
            failure().raise();
        return std::get<0>(m_state);
    }
    T& value() &
    {
        if (!ok())
            failure().raise();
        return std::get<0>(m_state);
    }
    T&& value() &&
    {
        if (!ok())
            failure().raise();
        return std::get<0>(std::move(m_state));
    }

    /// The Failure; std::logic_error when the outcome holds a value.
    const Failure& failure() const
    {
        if (ok())
            throw std::logic_error("Outcome holds a value, not a Failure");
        return std::get<1>(m_state);
    }

private:
    std::variant<T, Failure> m_state;
};

/// Success (nothing) or a Failure.
template <>
class Outcome<void> {
public:
    Outcome() = default;
    Outcome(Failure failure) // NOLINT(google-explicit-constructor): a Failure is an outcome
        : m_failure(std::move(failure))
    {
    }

    bool ok() const noexcept { return !m_failure.has_value(); }

    /// Rethrows the Failure, if any.
    void value() const
    {
        if (m_failure)
            m_failure->raise();
    }

    const Failure& failure() const
    {
        if (!m_failure)
            throw std::logic_error("Outcome holds a value, not a Failure");
        return *m_failure;
    }

private:
    std::optional<Failure> m_failure;
};

namespace detail {

/// The type a result is kept as: by value, and for QStringBuilder (QT_USE_QSTRINGBUILDER makes `a + b` one) the
/// string it builds — the builder only refers to its operands, which die with the function that made it.
template <class R>
struct Storable {
    using type = std::decay_t<R>;
};
template <class A, class B>
struct Storable<QStringBuilder<A, B>> {
    using type = std::decay_t<decltype(std::declval<const QStringBuilder<A, B>&>().toUpper())>;
};
template <class R>
using StorableT = typename Storable<std::decay_t<R>>::type;

/// Runs f(args...) and captures its result (as StorableT) or exception.
template <class F, class... Args>
auto captureOutcome(F&& f, Args&&... args) noexcept -> Outcome<StorableT<std::invoke_result_t<F, Args...>>>
{
    using R = StorableT<std::invoke_result_t<F, Args...>>;
    try {
        if constexpr (std::is_void_v<R>) {
            std::invoke(std::forward<F>(f), std::forward<Args>(args)...);
            return Outcome<void>();
        } else {
            return Outcome<R>(R(std::invoke(std::forward<F>(f), std::forward<Args>(args)...)));
        }
    } catch (...) {
        return Outcome<R>(Failure::current());
    }
}

} // namespace detail

} // namespace qtwisted
