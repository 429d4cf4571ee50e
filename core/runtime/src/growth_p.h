// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>

namespace qtwisted::detail {

/// Makes room for one more element, growing geometrically, so that the push_back that follows cannot throw: code that
/// must not change its books before an allocation that may fail calls this first. (`v.reserve(v.size() + 1)` would
/// allocate exactly one more slot each time, a copy of the whole vector per element.)
template <class Vector>
void reserveOneMore(Vector& v)
{
    if (v.size() == v.capacity())
        v.reserve(std::max<std::size_t>(8, v.capacity() * 2));
}

} // namespace qtwisted::detail
