"""The platform with the audit log switched off: the baseline of ``audited_write_ratio`` only.

``bench/api_load.py`` serves this module to time the same writes without their audit events; nothing
else imports it, and the platform itself has no way to turn auditing off.
"""

from smartregion import audit

audit.record = lambda session, **event: 0  # noqa: E731 - the baseline: the write alone

from smartregion.app import create_app  # noqa: E402 - after the switch, so every service sees it

app = create_app()
