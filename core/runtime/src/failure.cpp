// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/failure.h>

#include <cstdlib>
#include <cxxabi.h>
#include <memory>
#include <stdexcept>
#include <typeinfo>

namespace qtwisted {

namespace {

QString demangle(const char* mangled)
{
    int status = 0;
    std::unique_ptr<char, decltype(&std::free)> name(
        abi::__cxa_demangle(mangled, nullptr, nullptr, &status), &std::free);
    return QString::fromUtf8(status == 0 && name ? name.get() : mangled);
}

} // namespace

Failure::Failure(std::exception_ptr exception)
    : m_exception(std::move(exception))
{
    if (!m_exception)
        throw std::invalid_argument("qtwisted::Failure needs an exception");
}

Failure Failure::current()
{
    auto e = std::current_exception();
    if (!e)
        throw std::logic_error("qtwisted::Failure::current() called outside a catch block");
    return Failure(std::move(e));
}

QString Failure::typeName() const
{
    try {
        std::rethrow_exception(m_exception);
    } catch (const std::exception& e) {
        return demangle(typeid(e).name());
    } catch (...) {
        // Only class types carry a name worth showing; an `int` thrown is "unknown" by contract.
        const std::type_info* type = abi::__cxa_current_exception_type();
        if (type && dynamic_cast<const abi::__class_type_info*>(type))
            return demangle(type->name());
        return QStringLiteral("unknown");
    }
}

QString Failure::message() const
{
    try {
        std::rethrow_exception(m_exception);
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    } catch (...) {
        return {};
    }
}

void Failure::raise() const
{
    std::rethrow_exception(m_exception);
}

} // namespace qtwisted
