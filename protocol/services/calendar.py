"""The protocol's calendar: its terms turned into dates and milestones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from protocol.dates import add_months
from protocol.models import Protocol

LABELS = {
    "census": ("Censimento delle infrastrutture e dei servizi smart", "Census of smart infrastructures and services"),
    "operational-plan": ("Piano operativo", "Operational plan"),
    "monitoring": ("Rapporto di monitoraggio", "Monitoring report"),
    "end": ("Fine del protocollo", "End of the protocol"),
}



@dataclass
class Milestone:
    key: str
    kind: str
    due_on: date
    provisional: bool = False
    period_start: date | None = None

    @property
    def label_it(self) -> str:
        return LABELS[self.kind][0] + (f" {self.key.rsplit('-', 1)[1]}" if self.kind == "monitoring" else "")

    @property
    def label_en(self) -> str:
        return LABELS[self.kind][1] + (f" {self.key.rsplit('-', 1)[1]}" if self.kind == "monitoring" else "")


def ends_on(protocol: Protocol) -> date:
    """The end of the protocol: signature plus its duration (24 months)."""
    return add_months(protocol.signed_on, protocol.duration_months)


def census_due_on(protocol: Protocol) -> date:
    return add_months(protocol.signed_on, protocol.census_months)


def monitoring_dates(protocol: Protocol) -> list[date]:
    """Report dates at the configured cadence, strictly before the end (the end has its final report)."""
    end, dates, step = ends_on(protocol), [], 1
    while (due := add_months(protocol.signed_on, step * protocol.monitoring_every_months)) < end:
        dates.append(due)
        step += 1
    return dates


def milestones(protocol: Protocol, plan_due: date | None = None, plan_provisional: bool = True) -> list[Milestone]:
    census_due = census_due_on(protocol)
    if plan_due is None:
        plan_due = add_months(census_due, protocol.plan_months)
    items = [Milestone("census", "census", census_due, period_start=protocol.signed_on),
             Milestone("operational-plan", "operational-plan", plan_due, provisional=plan_provisional)]
    previous = protocol.signed_on
    for number, due in enumerate(monitoring_dates(protocol), start=1):
        items.append(Milestone(f"monitoring-{number}", "monitoring", due, period_start=previous))
        previous = due
    items.append(Milestone("end", "end", ends_on(protocol), period_start=previous))
    return sorted(items, key=lambda m: (m.due_on, m.kind != "census"))


def milestone_keys(protocol: Protocol) -> list[str]:
    return [m.key for m in milestones(protocol)]
