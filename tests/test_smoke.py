def test_stdlib_platform_module_is_not_shadowed():
    import platform

    assert platform.system()


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "redis": "ok"}
