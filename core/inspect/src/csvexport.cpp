// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// CSV export: one row per job.
#include "chrometrace_p.h"

#include <qtwisted/inspect/traceexport.h>

#include <QIODevice>

namespace qtwisted {

namespace {

// ---- CSV ---------------------------------------------------------------------------------------------------------

void csvField(QByteArray& out, const QString& text)
{
    const QByteArray utf8 = text.toUtf8();
    if (utf8.contains(',') || utf8.contains('"') || utf8.contains('\n') || utf8.contains('\r')) {
        out += '"';
        for (const char c : utf8) {
            if (c == '"')
                out += '"';
            out += c;
        }
        out += '"';
    } else {
        out += utf8;
    }
}

// Milliseconds with six decimals, exact (ns precision).
QString csvMillis(std::int64_t ns)
{
    if (ns == kNoTime)
        return {};
    const bool negative = ns < 0;
    const std::uint64_t a = negative ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
    return QStringLiteral("%1%2.%3")
        .arg(negative ? QStringLiteral("-") : QString())
        .arg(a / 1000000)
        .arg(a % 1000000, 6, 10, QLatin1Char('0'));
}

} // namespace

bool exportJobsCsv(const TraceData& data, QIODevice& out)
{
    return exportJobsCsv(data, out, TraceTaskControl {});
}

bool exportJobsCsv(const TraceData& data, QIODevice& out, const TraceTaskControl& control)
{
    QByteArray csv = "id,pool,api,label,status,worker,queued_ms,waited_ms,ran_ms,callback_delay_ms\r\n";
    const auto lanes = data.lanes();
    const auto jobs = data.jobs();
    for (std::size_t row = 0; row < jobs.size(); ++row) {
        if (row % 4096 == 0) {
            control.report(static_cast<int>(900.0 * static_cast<double>(row) / static_cast<double>(jobs.size())));
            if (control.cancelled())
                return false;
        }
        const JobRecord& r = jobs[row];
        QString worker;
        if (r.lane == JobRecord::kReactorLane)
            worker = QStringLiteral("reactor");
        else if (r.lane >= 0)
            worker = lanes[static_cast<std::size_t>(r.lane)].threadName;
        const QString fields[] = { QString::number(r.id), TraceStrings::text(r.poolId), apiName(r.api),
            TraceStrings::text(r.labelId), jobStatusName(r.status), worker,
            csvMillis(r.queuedNs == kNoTime ? kNoTime : r.queuedNs - data.timeOrigin()), csvMillis(r.waitNs()),
            csvMillis(r.runNs()), csvMillis(r.callbackDelayNs()) };
        bool first = true;
        for (const QString& f : fields) {
            if (!first)
                csv += ',';
            first = false;
            csvField(csv, f);
        }
        csv += "\r\n";
    }
    return detail::writeInChunks(csv, out, control, 900);
}

} // namespace qtwisted
