// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// libFuzzer target: the scenario parser (and the strict JSON parser under it) on hostile bytes. Every input must
// give a Scenario or one error message; a valid Scenario must survive toJson() -> parseScenario() unchanged.
#include <qtwisted/inspect/scenario.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const QByteArray input(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    const qtwisted::ScenarioParseResult result = qtwisted::parseScenario(input);
    if (!result) {
        if (result.error.isEmpty())
            std::abort(); // a refusal must say why
        return 0;
    }
    const qtwisted::ScenarioParseResult again = qtwisted::parseScenario(qtwisted::toJson(*result.scenario));
    if (!again || !(*again.scenario == *result.scenario))
        std::abort(); // round trip broken
    return 0;
}
