// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/inspect/tracedata.h>

#include <QByteArray>
#include <QString>

#include <optional>

class QIODevice;

namespace qtwisted {

/// Writes Chrome Trace Event JSON (object form) that opens in ui.perfetto.dev and chrome://tracing: thread names,
/// one X slice per job on its worker's track, the reactor's calls and callbacks on the reactor's track, stalls,
/// backlog/busy/max counters per pool, resize instants, and flows submit → run → callback (bind_id on the slices).
/// The args carry what importChromeTrace() needs to rebuild the TraceData. Returns false if the device failed.
bool exportChromeTrace(const TraceData& data, QIODevice& out);

/// Writes one CSV row per job (RFC 4180: CRLF, quoted where needed); times in ms from the time origin.
bool exportJobsCsv(const TraceData& data, QIODevice& out);

/// Files larger than this are refused by importChromeTrace() unless told otherwise.
inline constexpr qsizetype kMaxTraceImportBytes = qsizetype { 256 } * 1024 * 1024;

/// The outcome of importChromeTrace(): data, or an error naming the place and the rule that was broken.
struct TraceImport {
    std::optional<TraceData> data;
    QString error;
};

/// Reads back a file written by exportChromeTrace() (not foreign traces). Never crashes or hangs on bad input.
TraceImport importChromeTrace(const QByteArray& json, qsizetype maxBytes = kMaxTraceImportBytes);

} // namespace qtwisted
