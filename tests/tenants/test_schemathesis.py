"""Property-based run of the tenants endpoints from the OpenAPI document: no input gives a 5xx."""

import schemathesis
from hypothesis import HealthCheck, given, settings


def test_tenants_endpoints_never_answer_5xx(app, as_user, live_server):
    token = as_user("segreteria").token
    spec = app.test_client().get("/api/openapi.json").json
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith(("/api/v1/tenants", "/api/v1/organizations"))]
    assert len(operations) >= 10
    failures = []
    for operation in operations:
        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(base_url=live_server, headers={"Authorization": f"Bearer {token}"})
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                f"{response.text[:300]}")

        run()
    assert failures == []
