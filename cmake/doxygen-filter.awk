# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
# Doxygen INPUT_FILTER: in `///` comments, outside code spans and \code blocks, escape <word> so that Deferred<U> or
# PoolThread-<pool>-<n> are not read as HTML tags (<u> is underline; unknown tags are dropped).
/\\endcode/ { incode = 0 }
{
    pos = index($0, "///")
    if (!incode && pos > 0) {
        head = substr($0, 1, pos + 2)
        n = split(substr($0, pos + 3), parts, "`")
        out = ""
        for (i = 1; i <= n; i++) {
            if (i % 2 == 1)
                gsub(/<[A-Za-z][A-Za-z0-9_]*>/, "\\\\&", parts[i])
            out = out (i > 1 ? "`" : "") parts[i]
        }
        $0 = head out
    }
    print
}
/\\code/ { incode = 1 }
