// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "panelutil_p.h"

#include <qtwisted/inspect/labcontroller.h>
#include <qtwisted/inspect/scenario.h>
#include <qtwisted/ui/recipespanel.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>

namespace qtwisted {

RecipesPanel::RecipesPanel(LabController& controller, QWidget* parent)
    : QWidget(parent)
    , m_controller(controller)
{
    setObjectName(QStringLiteral("recipes"));
    m_recipes = new QListWidget;
    m_recipes->setObjectName(QStringLiteral("recipeList"));
    m_recipes->setToolTip(tr("The howto's examples and a few lessons, built in"));
    QStringList names = builtinScenarioNames();
    std::stable_partition(names.begin(), names.end(), [](const QString& n) { return n.startsWith(u"howto-"); });
    for (const QString& name : names)
        m_recipes->addItem(name);
    m_recipes->setMaximumWidth(260);

    m_description = new QLabel;
    m_description->setObjectName(QStringLiteral("recipeDescription"));
    m_description->setWordWrap(true);
    m_python = new QPlainTextEdit;
    m_python->setObjectName(QStringLiteral("pythonSource"));
    m_cpp = new QPlainTextEdit;
    m_cpp->setObjectName(QStringLiteral("cppSource"));
    for (QPlainTextEdit* edit : { m_python, m_cpp }) {
        edit->setReadOnly(true);
        edit->setFont(detail::monospaceFont());
        edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    }
    m_run = new QPushButton(tr("&Run recipe"));
    m_run->setObjectName(QStringLiteral("runRecipeButton"));
    m_run->setToolTip(tr("Play it on this window's reactor; its prints go to the log"));
    m_run->setEnabled(false);

    auto* sources = new QSplitter(Qt::Horizontal);
    auto wrap = [](const QString& title, QWidget* w) {
        auto* box = new QWidget;
        auto* l = new QVBoxLayout(box);
        l->setContentsMargins(0, 0, 0, 0);
        l->addWidget(new QLabel(title));
        l->addWidget(w);
        return box;
    };
    sources->addWidget(wrap(tr("<b>Python (Twisted)</b>"), m_python));
    sources->addWidget(wrap(tr("<b>C++ (qtwisted)</b>"), m_cpp));

    auto* detail = new QVBoxLayout;
    auto* top = new QHBoxLayout;
    top->addWidget(m_description, 1);
    top->addWidget(m_run, 0, Qt::AlignTop);
    detail->addLayout(top);
    detail->addWidget(sources, 1);
    auto* layout = new QHBoxLayout(this);
    layout->addWidget(m_recipes);
    layout->addLayout(detail, 1);

    connect(m_recipes, &QListWidget::currentRowChanged, this, &RecipesPanel::onRecipeSelected);
    connect(m_recipes, &QListWidget::itemDoubleClicked, this, &RecipesPanel::onRunClicked);
    connect(m_run, &QPushButton::clicked, this, &RecipesPanel::onRunClicked);
    if (m_recipes->count() > 0)
        m_recipes->setCurrentRow(0);
}

void RecipesPanel::setRunEnabled(bool live)
{
    m_run->setEnabled(live && m_recipes->currentRow() >= 0);
}

void RecipesPanel::onRecipeSelected()
{
    QListWidgetItem* item = m_recipes->currentItem();
    m_run->setEnabled(item && m_controller.isLive());
    if (!item)
        return;
    const ScenarioParseResult parsed = loadBuiltinScenario(item->text());
    if (!parsed) {
        m_description->setText(parsed.error);
        return;
    }
    m_description->setText(parsed.scenario->description);
    m_python->setPlainText(
        parsed.scenario->python.isEmpty() ? tr("(no Python for this lesson)") : parsed.scenario->python);
    m_cpp->setPlainText(parsed.scenario->cpp.isEmpty() ? tr("(no C++ for this lesson)") : parsed.scenario->cpp);
}

void RecipesPanel::onRunClicked()
{
    QListWidgetItem* item = m_recipes->currentItem();
    if (item && m_controller.isLive())
        Q_EMIT runRequested(item->text());
}

} // namespace qtwisted
