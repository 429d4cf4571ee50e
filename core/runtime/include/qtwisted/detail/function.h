// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <typeinfo>
#include <utility>

namespace qtwisted::detail {

template <class Signature>
class UniqueFunction;

/// A move-only type-erased callable with small-buffer storage: the queues of the reactor and the pool hold these,
/// so a typical call (a function pointer or a lambda with a few captures) costs no allocation.
template <class R, class... Args>
class UniqueFunction<R(Args...)> {
    static constexpr std::size_t kInlineSize = 48;

    struct Ops {
        R (*invoke)(void* self, Args&&... args);
        void (*moveTo)(void* from, void* to) noexcept; // move-constructs into `to`, destroys `from`
        void (*destroy)(void* self) noexcept;
        const std::type_info* type; // the held callable's type (qtwisted::testing names leftovers by it)
    };

    template <class F>
    static constexpr bool kFitsInline = sizeof(F) <= kInlineSize && alignof(F) <= alignof(std::max_align_t)
        && std::is_nothrow_move_constructible_v<F>;

    template <class F>
    static R invokeInline(void* self, Args&&... args)
    {
        return (*static_cast<F*>(self))(std::forward<Args>(args)...);
    }

    template <class F>
    static void moveInline(void* from, void* to) noexcept
    {
        auto* f = static_cast<F*>(from);
        ::new (to) F(std::move(*f));
        f->~F();
    }

    template <class F>
    static void destroyInline(void* self) noexcept
    {
        static_cast<F*>(self)->~F();
    }

    template <class F>
    static R invokeHeap(void* self, Args&&... args)
    {
        return (**static_cast<F**>(self))(std::forward<Args>(args)...);
    }

    static void moveHeap(void* from, void* to) noexcept { ::new (to) void*(*static_cast<void**>(from)); }

    template <class F>
    static void destroyHeap(void* self) noexcept
    {
        delete *static_cast<F**>(self);
    }

    template <class F>
    static constexpr Ops kInlineOps { &invokeInline<F>, &moveInline<F>, &destroyInline<F>, &typeid(F) };
    template <class F>
    static constexpr Ops kHeapOps { &invokeHeap<F>, &moveHeap, &destroyHeap<F>, &typeid(F) };

public:
    UniqueFunction() noexcept = default;
    UniqueFunction(std::nullptr_t) noexcept { }

    template <class F, class D = std::decay_t<F>,
        class = std::enable_if_t<!std::is_same_v<D, UniqueFunction> && std::is_invocable_r_v<R, D&, Args...>>>
    UniqueFunction(F&& f) // NOLINT(google-explicit-constructor): a callable converts implicitly, as std::function
    {
        if constexpr (kFitsInline<D>) {
            ::new (static_cast<void*>(m_storage)) D(std::forward<F>(f));
            m_ops = &kInlineOps<D>;
        } else {
            ::new (static_cast<void*>(m_storage)) D*(new D(std::forward<F>(f)));
            m_ops = &kHeapOps<D>;
        }
    }

    UniqueFunction(UniqueFunction&& other) noexcept
        : m_ops(other.m_ops)
    {
        if (m_ops) {
            m_ops->moveTo(other.m_storage, m_storage);
            other.m_ops = nullptr;
        }
    }

    UniqueFunction& operator=(UniqueFunction&& other) noexcept
    {
        if (this != &other) {
            reset();
            if (other.m_ops) {
                other.m_ops->moveTo(other.m_storage, m_storage);
                m_ops = other.m_ops;
                other.m_ops = nullptr;
            }
        }
        return *this;
    }

    UniqueFunction(const UniqueFunction&) = delete;
    UniqueFunction& operator=(const UniqueFunction&) = delete;

    ~UniqueFunction() { reset(); }

    /// Destroys the held callable (and so releases its captures) now.
    void reset() noexcept
    {
        if (m_ops) {
            m_ops->destroy(m_storage);
            m_ops = nullptr;
        }
    }

    explicit operator bool() const noexcept { return m_ops != nullptr; }
    /// The same for every UniqueFunction holding a callable of the same type (null when empty): which callable
    /// this is, for a diagnostics monitor's hot-loop rule.
    const void* typeTag() const noexcept { return m_ops; }
    /// The held callable's type (null when empty): how qtwisted::testing names a leftover call or job.
    const std::type_info* type() const noexcept { return m_ops ? m_ops->type : nullptr; }

    R operator()(Args... args) { return m_ops->invoke(m_storage, std::forward<Args>(args)...); }

private:
    const Ops* m_ops = nullptr;
    alignas(std::max_align_t) std::byte m_storage[kInlineSize];
};

/// The unit of work every queue of the project carries.
using Task = UniqueFunction<void()>;

} // namespace qtwisted::detail
