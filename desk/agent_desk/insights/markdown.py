"""The insights as a Markdown report (the same figures as the dashboard)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from agent_desk.insights.formatting import decimal, duration, percent
from agent_desk.insights.metrics import Count
from agent_desk.insights.summary import Figures, Insights


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    if not rows:
        return ["Nothing yet.", ""]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines + [""]


def _counts(title: str, key: str, unit: str, counts: Sequence[Count]) -> list[str]:
    rows = [(c.key, c.count, percent(c.rate)) for c in counts]
    return [f"## {title}", "", *_table((key, unit, "share"), rows)]


def headline_rows(figures: Figures) -> list[tuple[str, str, str]]:
    """The headline figures as (name, value, how it was counted)."""
    o, s = figures.outcomes, figures.satisfaction
    bot, human = figures.bot_resolution_seconds, figures.human_resolution_seconds
    f, r = figures.fallbacks, figures.repeat_contacts
    return [
        ("Conversations", str(o.conversations), f"{o.unresolved} neither resolved nor handed over"),
        (
            "Containment rate",
            percent(o.containment_rate),
            f"{o.contained} resolved without a person",
        ),
        ("Handoff rate", percent(o.handoff_rate), f"{o.handed_over} handed to a person"),
        (
            "Time to resolution, assistant",
            f"median {duration(bot.median)}",
            f"mean {duration(bot.mean)}, {bot.count} conversations",
        ),
        (
            "Time to resolution, person",
            f"median {duration(human.median)}",
            f"mean {duration(human.mean)}, {human.count} tickets",
        ),
        (
            "Fallback rate",
            percent(f.fallback_rate),
            f"{f.fallback_messages} of {f.user_messages} messages",
        ),
        (
            "Repeat contact within 7 days",
            percent(r.repeat_rate),
            f"{r.repeats} of {r.eligible} conversations of known customers with a topic",
        ),
        (
            "Problem solved",
            percent(s.solved_share),
            f"{s.solved_yes} of {s.solved_answers} answers",
        ),
        ("Mean rating (1-5)", decimal(s.mean_rating), f"{s.ratings} ratings"),
        ("Satisfaction answered", percent(s.response_rate), f"{s.responses} of {s.asked} asked"),
    ]


def render(insights: Insights, charts: Sequence[str], generated_at: datetime) -> str:
    """The whole report.

    Args:
        insights: The figures.
        charts: Chart file names, relative to the report.
        generated_at: When the report was made.

    Returns:
        Markdown text.
    """
    filters = insights.filters
    selection = (
        f"{filters.date_from or 'the first conversation'} to "
        f"{filters.date_to or 'the last conversation'} (UTC days), "
        f"{filters.channel or 'all channels'}"
    )
    lines = [
        "# Insights: what the assistant achieves",
        "",
        f"Conversations from {selection}. Generated {generated_at:%Y-%m-%d %H:%M} UTC from "
        "Rasa's tracker store and the agent desk's tickets. Every figure is defined in "
        "`docs/insights.md`.",
        "",
        "## Headline figures",
        "",
        *_table(("figure", "value", "counted from"), headline_rows(insights.totals)),
        "## Over time",
        "",
        *[f"![{name}]({name})" for name in charts],
        "",
        "## Per day",
        "",
        *_table(
            ("day", "conversations", "containment", "handoff", "fallback", "solved", "rating"),
            [
                (
                    d.day.isoformat(),
                    d.figures.outcomes.conversations,
                    percent(d.figures.outcomes.containment_rate),
                    percent(d.figures.outcomes.handoff_rate),
                    percent(d.figures.fallbacks.fallback_rate),
                    percent(d.figures.satisfaction.solved_share),
                    decimal(d.figures.satisfaction.mean_rating),
                )
                for d in insights.days
                if d.figures.outcomes.conversations
            ],
        ),
        "## Per channel",
        "",
        *_table(
            ("channel", "conversations", "containment", "handoff", "fallback", "solved"),
            [
                (
                    c.channel,
                    c.figures.outcomes.conversations,
                    percent(c.figures.outcomes.containment_rate),
                    percent(c.figures.outcomes.handoff_rate),
                    percent(c.figures.fallbacks.fallback_rate),
                    percent(c.figures.satisfaction.solved_share),
                )
                for c in insights.by_channel
            ],
        ),
        *_counts("Handoffs by reason", "reason", "conversations", insights.handoff_by_reason),
        *_counts(
            "Handoffs by the intent that led to them",
            "last money intent before the ticket",
            "conversations",
            insights.handoff_by_intent,
        ),
        *_counts("Top intents", "intent", "messages", insights.top_intents),
        *_counts("Top journeys", "journey", "conversations", insights.top_journeys),
        *_counts(
            "Repeat contacts by topic",
            "topic",
            "repeat contacts",
            insights.totals.repeat_contacts.by_topic,
        ),
    ]
    return "\n".join(lines).rstrip() + "\n"
