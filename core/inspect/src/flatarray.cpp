// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/inspect/detail/flatarray.h>

#include <QtGlobal>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define QTWISTED_FLAT_ARRAY_MALLOC_ONLY 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define QTWISTED_FLAT_ARRAY_MALLOC_ONLY 1
#endif

#if defined(Q_OS_LINUX) && !defined(QTWISTED_FLAT_ARRAY_MALLOC_ONLY)
#define QTWISTED_FLAT_ARRAY_MAPPED 1
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace qtwisted::detail {

#ifdef QTWISTED_FLAT_ARRAY_MAPPED
namespace {

/// From this size on a block is mapped (and grown by mremap); below it, malloc's copy is cheaper than a mapping.
constexpr std::size_t kMapBytes = std::size_t { 1 } << 20;

std::size_t pageRounded(std::size_t bytes) noexcept
{
    static const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    return (bytes + page - 1) / page * page;
}

bool mapped(std::size_t bytes) noexcept
{
    return bytes >= kMapBytes;
}

std::atomic<std::size_t> g_mappedBytes { 0 };

void* map(std::size_t bytes)
{
    void* p = mmap(nullptr, pageRounded(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) // NOLINT(cppcoreguidelines-pro-type-cstyle-cast,performance-no-int-to-ptr): the C macro
        throw std::bad_alloc();
    g_mappedBytes.fetch_add(pageRounded(bytes), std::memory_order_relaxed);
    return p;
}

} // namespace

std::size_t flatArrayMappedBytes() noexcept
{
    return g_mappedBytes.load(std::memory_order_relaxed);
}

void* flatArrayAllocate(std::size_t bytes)
{
    if (mapped(bytes))
        return map(bytes);
    void* p = std::calloc(1, bytes); // NOLINT(cppcoreguidelines-no-malloc,hicpp-no-malloc): grown with realloc
    if (!p)
        throw std::bad_alloc();
    return p;
}

void* flatArrayGrow(void* p, std::size_t oldBytes, std::size_t newBytes)
{
    if (mapped(oldBytes)) {
        // The pages move to a larger range (page tables only): neither the contents nor the new pages are touched.
        void* q = mremap(p, pageRounded(oldBytes), pageRounded(newBytes), MREMAP_MAYMOVE);
        if (q == MAP_FAILED) // NOLINT(cppcoreguidelines-pro-type-cstyle-cast,performance-no-int-to-ptr)
            throw std::bad_alloc();
        g_mappedBytes.fetch_add(pageRounded(newBytes) - pageRounded(oldBytes), std::memory_order_relaxed);
        return q;
    }
    if (mapped(newBytes)) {
        void* q = map(newBytes);
        std::memcpy(q, p, oldBytes);
        std::free(p); // NOLINT(cppcoreguidelines-no-malloc,hicpp-no-malloc)
        return q;
    }
    void* q = std::realloc(p, newBytes); // NOLINT(cppcoreguidelines-no-malloc,hicpp-no-malloc)
    if (!q)
        throw std::bad_alloc();
    return q;
}

void flatArrayFree(void* p, std::size_t bytes) noexcept
{
    if (!p)
        return;
    if (mapped(bytes)) {
        munmap(p, pageRounded(bytes));
        g_mappedBytes.fetch_sub(pageRounded(bytes), std::memory_order_relaxed);
    } else
        std::free(p); // NOLINT(cppcoreguidelines-no-malloc,hicpp-no-malloc)
}

#else // malloc only: other systems, and the sanitizers (which watch malloc's blocks, not raw mappings)

void* flatArrayAllocate(std::size_t bytes)
{
    void* p = std::calloc(1, bytes); // NOLINT(cppcoreguidelines-no-malloc,hicpp-no-malloc)
    if (!p)
        throw std::bad_alloc();
    return p;
}

void* flatArrayGrow(void* p, std::size_t /*oldBytes*/, std::size_t newBytes)
{
    void* q = std::realloc(p, newBytes); // NOLINT(cppcoreguidelines-no-malloc,hicpp-no-malloc)
    if (!q)
        throw std::bad_alloc();
    return q;
}

void flatArrayFree(void* p, std::size_t /*bytes*/) noexcept
{
    std::free(p); // NOLINT(cppcoreguidelines-no-malloc,hicpp-no-malloc)
}

std::size_t flatArrayMappedBytes() noexcept
{
    return 0; // every block comes from malloc here
}

#endif

} // namespace qtwisted::detail
