// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// libFuzzer target: the trace importer on hostile bytes. Every input gives data or one error message; imported data
// must export again without failing.
#include <qtwisted/inspect/traceexport.h>

#include <QBuffer>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const QByteArray input(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    const qtwisted::TraceImport result = qtwisted::importChromeTrace(input);
    if (!result.data) {
        if (result.error.isEmpty())
            std::abort(); // a refusal must say why
        return 0;
    }
    QBuffer out;
    out.open(QIODevice::WriteOnly);
    if (!qtwisted::exportChromeTrace(*result.data, out))
        std::abort();
    return 0;
}
