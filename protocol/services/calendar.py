"""The protocol's milestones, from the calendar of its terms (the dates are the Protocol's own methods)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_pgettext
from smartregion.i18n import translate

from protocol.models import Protocol

# A milestone's "Monitoring report" is «Rapporto di monitoraggio», the report document «Relazione».
LABELS = {
    "census": lazy_pgettext("protocol milestone", "Census of smart infrastructures and services"),
    "operational-plan": lazy_pgettext("protocol milestone", "Operational plan"),
    "monitoring": lazy_pgettext("protocol milestone", "Monitoring report"),
    "end": lazy_pgettext("protocol milestone", "End of the protocol"),
}


@dataclass
class Milestone:
    key: str
    kind: str
    due_on: date
    provisional: bool = False
    period_start: date | None = None

    @property
    def _number(self) -> str:
        return f" {self.key.rsplit('-', 1)[1]}" if self.kind == "monitoring" else ""

    @property
    def label(self) -> str:
        """The milestone's name in the page's language (a monitoring report keeps its number)."""
        return str(LABELS[self.kind]) + self._number

    @property
    def label_it(self) -> str:
        return translate(LABELS[self.kind], "it") + self._number

    @property
    def label_en(self) -> str:
        return translate(LABELS[self.kind], "en") + self._number


def milestones(protocol: Protocol, plan_due: date | None = None, plan_provisional: bool = True) -> list[Milestone]:
    if plan_due is None:
        plan_due = protocol.plan_due_on()
    items = [Milestone("census", "census", protocol.census_due_on(), period_start=protocol.signed_on),
             Milestone("operational-plan", "operational-plan", plan_due, provisional=plan_provisional)]
    previous = protocol.signed_on
    for number, due in enumerate(protocol.monitoring_dates(), start=1):
        items.append(Milestone(f"monitoring-{number}", "monitoring", due, period_start=previous))
        previous = due
    items.append(Milestone("end", "end", protocol.ends_on, period_start=previous))
    return sorted(items, key=lambda m: (m.due_on, m.kind != "census"))


def milestone_keys(protocol: Protocol) -> list[str]:
    return [m.key for m in milestones(protocol)]
