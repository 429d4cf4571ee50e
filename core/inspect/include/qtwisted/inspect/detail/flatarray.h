// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

namespace qtwisted::detail {

/// Storage of a FlatArray: `bytes` zeroed bytes (fresh pages for a large block, untouched until used), or the block at
/// `p` (`oldBytes` long) grown to `newBytes` with its contents kept. Large blocks are mapped from the system and grown
/// by remapping their pages (Linux mremap), so growing never copies the contents nor touches the new pages: a trace of
/// a million jobs grows in well under a millisecond instead of copying a hundred megabytes on the GUI thread. Small
/// blocks come from malloc. Throws std::bad_alloc.
void* flatArrayAllocate(std::size_t bytes);
void* flatArrayGrow(void* p, std::size_t oldBytes, std::size_t newBytes);
void flatArrayFree(void* p, std::size_t bytes) noexcept;
/// Bytes of the large blocks mapped now, in the whole process (what malloc's statistics do not see): for measuring the
/// memory a trace keeps (bench_scaling). 0 where blocks come from malloc (other systems, the sanitizers).
std::size_t flatArrayMappedBytes() noexcept;

/// A growable array of a trivially copyable type, contiguous like std::vector (data(), spans) but grown without
/// copying (flatArrayGrow). What TraceData keeps per job.
template <class T>
class FlatArray {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

public:
    using value_type = T;
    using iterator = T*;
    using const_iterator = const T*;

    FlatArray() = default;
    FlatArray(const FlatArray& other)
    {
        if (other.m_size > 0) {
            reserve(other.m_size);
            std::memcpy(static_cast<void*>(m_data), other.m_data, other.m_size * sizeof(T));
            m_size = other.m_size;
        }
    }
    FlatArray(FlatArray&& other) noexcept
        : m_data(std::exchange(other.m_data, nullptr))
        , m_size(std::exchange(other.m_size, 0))
        , m_capacity(std::exchange(other.m_capacity, 0))
    {
    }
    FlatArray& operator=(FlatArray other) noexcept
    {
        swap(other);
        return *this;
    }
    ~FlatArray() { flatArrayFree(m_data, m_capacity * sizeof(T)); }

    void swap(FlatArray& other) noexcept
    {
        std::swap(m_data, other.m_data);
        std::swap(m_size, other.m_size);
        std::swap(m_capacity, other.m_capacity);
    }

    std::size_t size() const noexcept { return m_size; }
    bool empty() const noexcept { return m_size == 0; }
    std::size_t capacity() const noexcept { return m_capacity; }
    T* data() noexcept { return m_data; }
    const T* data() const noexcept { return m_data; }
    T& operator[](std::size_t i) noexcept { return m_data[i]; }
    const T& operator[](std::size_t i) const noexcept { return m_data[i]; }
    T& back() noexcept { return m_data[m_size - 1]; }
    const T& back() const noexcept { return m_data[m_size - 1]; }
    iterator begin() noexcept { return m_data; }
    iterator end() noexcept { return m_data + m_size; }
    const_iterator begin() const noexcept { return m_data; }
    const_iterator end() const noexcept { return m_data + m_size; }
    operator std::span<const T>() const noexcept { return { m_data, m_size }; } // NOLINT(google-explicit-constructor)

    void reserve(std::size_t n)
    {
        if (n <= m_capacity)
            return;
        if (n > max_size())
            throw std::bad_alloc();
        m_data = static_cast<T*>(
            m_data ? flatArrayGrow(m_data, m_capacity * sizeof(T), n * sizeof(T)) : flatArrayAllocate(n * sizeof(T)));
        m_capacity = n;
    }
    /// n zero-byte elements in fresh storage (what was here is forgotten): the system's zeroed pages, not written,
    /// so a large table costs only the pages later used.
    void assignZeroed(std::size_t n)
    {
        clear();
        if (n == 0)
            return;
        if (n > max_size())
            throw std::bad_alloc();
        m_data = static_cast<T*>(flatArrayAllocate(n * sizeof(T)));
        m_size = m_capacity = n;
    }
    /// n elements; new ones are value-initialised (zero bytes, as the storage is; T's members must mean "empty" as 0
    /// or be written before they are read).
    void resizeZeroed(std::size_t n)
    {
        reserve(n);
        if (n > m_size)
            std::memset(static_cast<void*>(m_data + m_size), 0, (n - m_size) * sizeof(T));
        m_size = n;
    }
    void push_back(const T& value)
    {
        const T copy = value; // `value` may live in this array, which growing moves
        if (m_size == m_capacity)
            reserve(grownCapacity());
        m_data[m_size++] = copy;
    }
    iterator insert(const_iterator pos, const T& value)
    {
        const auto at = static_cast<std::size_t>(pos - m_data);
        const T copy = value; // `value` may live in this array
        if (m_size == m_capacity)
            reserve(grownCapacity());
        std::memmove(static_cast<void*>(m_data + at + 1), m_data + at, (m_size - at) * sizeof(T));
        m_data[at] = copy;
        ++m_size;
        return m_data + at;
    }
    /// Forgets the elements and gives the storage back.
    void clear() noexcept
    {
        flatArrayFree(m_data, m_capacity * sizeof(T));
        m_data = nullptr;
        m_size = m_capacity = 0;
    }

    friend bool operator==(const FlatArray& a, const FlatArray& b)
    {
        return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }

private:
    static constexpr std::size_t max_size() noexcept { return (std::size_t { 1 } << 40) / sizeof(T); }
    std::size_t grownCapacity() const noexcept { return std::max<std::size_t>(64, m_capacity * 2); }

    T* m_data = nullptr;
    std::size_t m_size = 0;
    std::size_t m_capacity = 0;
};

} // namespace qtwisted::detail
