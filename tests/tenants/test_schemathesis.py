"""Property-based run of every API operation from the OpenAPI document, authenticated as each role (and
anonymously): no input gives a 5xx, and no answer breaks the schema the document gives for its status."""

from __future__ import annotations

from collections import Counter

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

# Readers first, the secretariat (whose writes change the most) last; a bounded number of examples per
# operation keeps the run within a few minutes.
ROLES = ("revisore", "firenze-utility", "firenze-comune", "segreteria")
EXAMPLES = 4
CHECKS = [not_a_server_error, response_schema_conformance]


def _run(operation, headers: dict, failures: dict, who: str, examples: int, statuses: Counter) -> None:
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate])
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call(headers=headers)
        statuses[(who, response.status_code // 100)] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - collected, reported at the end
            text = str(failure)
            where = next((line.strip() for line in text.splitlines() if line.strip().startswith("Schema at")), "")
            failures.setdefault(f"{case.method} {operation.path} -> {response.status_code} {where}",
                                f"{who}: {case.formatted_path}: {text[:600]}")

    run()


def test_every_operation_as_every_role_never_answers_5xx_nor_breaks_its_schema(app, as_user, demo):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 120
    failures: dict[str, str] = {}  # one example per operation, status and schema location
    statuses: Counter = Counter()
    for operation in operations:
        _run(operation, {}, failures, "anonymous", 1, statuses)
    for username in ROLES:
        headers = {"Authorization": f"Bearer {as_user(username).token}"}
        for operation in operations:
            _run(operation, headers, failures, username, EXAMPLES, statuses)
    # Anonymous callers are turned away before anything else; each role really reaches the operations.
    assert {code for (who, code) in statuses if who == "anonymous"} == {4}
    for username in ROLES:
        assert statuses[(username, 2)] >= 25, (username, statuses)
    assert failures == {}, "\n\n".join(f"{key}\n{example}" for key, example in failures.items())
