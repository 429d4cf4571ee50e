// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/inspect/tracedata.h>

#include <QByteArray>
#include <QString>

#include <atomic>
#include <functional>
#include <optional>

class QIODevice;

namespace qtwisted {

/// Progress and cancellation of a long export or import (a 256 MiB trace takes seconds). The work runs in any
/// thread; it checks `cancel` between chunks of events and reports how far it got, 0..1000, through `progress`
/// (called from the working thread, at most a few hundred times).
struct TraceTaskControl {
    const std::atomic<bool>* cancel = nullptr;
    std::function<void(int permille)> progress;

    bool cancelled() const noexcept { return cancel && cancel->load(std::memory_order_relaxed); }
    void report(int permille) const
    {
        if (progress)
            progress(permille);
    }
};

/// Writes Chrome Trace Event JSON (object form) that opens in ui.perfetto.dev and chrome://tracing: thread names,
/// one X slice per job on its worker's track, the reactor's calls and callbacks on the reactor's track, stalls,
/// backlog/busy/max counters per pool, resize instants, and flows submit → run → callback (bind_id on the slices).
/// The args carry what importChromeTrace() needs to rebuild the TraceData. Returns false if the device failed.
bool exportChromeTrace(const TraceData& data, QIODevice& out);
/// The same with progress, and false without writing anything when cancelled before the end of the building.
bool exportChromeTrace(const TraceData& data, QIODevice& out, const TraceTaskControl& control);

/// Writes one CSV row per job (RFC 4180: CRLF, quoted where needed); times in ms from the time origin.
bool exportJobsCsv(const TraceData& data, QIODevice& out);
bool exportJobsCsv(const TraceData& data, QIODevice& out, const TraceTaskControl& control);

/// Files larger than this are refused by importChromeTrace() unless told otherwise.
inline constexpr qsizetype kMaxTraceImportBytes = qsizetype { 256 } * 1024 * 1024;

/// The outcome of importChromeTrace(): data, or an error naming the place and the rule that was broken.
struct TraceImport {
    std::optional<TraceData> data;
    QString error;
    bool cancelled = false; ///< stopped by TraceTaskControl::cancel (error then says so too)
};

/// Reads back a file written by exportChromeTrace() (not foreign traces). Never crashes or hangs on bad input.
TraceImport importChromeTrace(const QByteArray& json, qsizetype maxBytes = kMaxTraceImportBytes);
/// The same with progress and cancellation (checked between events; the JSON parse itself is one step).
TraceImport importChromeTrace(const QByteArray& json, qsizetype maxBytes, const TraceTaskControl& control);

} // namespace qtwisted
