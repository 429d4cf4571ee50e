// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// What the Chrome trace writer and reader share: the layout of qtwisted's Chrome trace files, and chunked writing.
#pragma once

#include <qtwisted/diagnostics.h>
#include <qtwisted/inspect/traceexport.h>

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <optional>

class QIODevice;

namespace qtwisted::chrometrace {

inline constexpr int kFormat = 1; ///< args.qtw.format of the files this version writes and reads
inline constexpr std::uint32_t kPid = 1;
inline constexpr int kReactorTid = 1;
inline constexpr int kStallTid = 2;
inline constexpr int kNoWorkerTid = 3;
inline constexpr int kProblemsTid = 4; ///< DiagnosticsMonitor findings, one X slice each
inline constexpr int kReactorSubmitTid = 9;
inline constexpr int kSubmitTidBase = 10; // + pool index
inline constexpr int kLaneTidBase = 1000; // + lane index
inline constexpr int kOverflowTidBase = 100000000;
inline constexpr double kMaxExact = 9007199254740992.0; // 2^53

/// The keys args.qtw.rule and args.qtw.severity of a finding are written as (stable, unlike toString()'s text).
QString ruleKey(DiagnosticRule rule);
std::optional<DiagnosticRule> ruleFromKey(const QString& key);
QString severityKey(DiagnosticSeverity severity);
std::optional<DiagnosticSeverity> severityFromKey(const QString& key);
/// "reactor_stall, pool_saturation, ..." for error messages.
QString ruleKeys();

} // namespace qtwisted::chrometrace

namespace qtwisted::detail {

/// Writes `bytes` in chunks, reporting [from, 1000] per mille; false when cancelled or the device failed.
bool writeInChunks(const QByteArray& bytes, QIODevice& out, const TraceTaskControl& control, int from);

} // namespace qtwisted::detail
