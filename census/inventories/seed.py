"""Demo data of the inventories: the ultra-broadband status table of 28 February 2018."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .broadband_records import load_demo


def demo(session: Session) -> None:
    """Load the broadband records of Collesalvetti (049008) and Rosignano Marittimo (049017)."""
    load_demo(session)
