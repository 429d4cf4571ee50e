// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// libFuzzer target: the scenario parser (Qt's JSON parser, the raw-text pre-scan for duplicate keys and depth, and
// the schema checker with its path lookup) on hostile bytes. Every input must give a Scenario or one error message
// ending in "(line L, column C)"; a valid Scenario must survive toJson() -> parseScenario() unchanged.
#include <qtwisted/inspect/scenario.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const QByteArray input(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    const qtwisted::ScenarioParseResult result = qtwisted::parseScenario(input);
    if (!result) {
        if (result.error.isEmpty() || !result.error.startsWith(QLatin1Char('$'))
            || !result.error.endsWith(QLatin1Char(')')) || !result.error.contains(QStringLiteral(" (line ")))
            std::abort(); // a refusal must say why and where
        return 0;
    }
    const qtwisted::ScenarioParseResult again = qtwisted::parseScenario(qtwisted::toJson(*result.scenario));
    if (!again || !(*again.scenario == *result.scenario))
        std::abort(); // round trip broken
    return 0;
}
