"""The protocol's milestones, from the calendar of its terms (the dates are the Protocol's own methods)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
