"""An upload's page lists the rows not imported (line, field, reason), a page at a time, beside the CSV."""

from __future__ import annotations

import io
import re

BAD_LIGHTS = "asset_id;latitudine;longitudine;tecnologia_lampada;potenza_w;via\r\n" + "".join(
    f"FI-PL-{n:04d};{'43,77' if n % 2 else 'non-numero'};11,25;LED;40;Via {n}\r\n" for n in range(1, 46))


def test_the_rejected_rows_are_on_the_page_with_line_field_and_reason(as_user, page_client, rq_worker,
                                                                        wait_for_job):
    utility = as_user("firenze-utility")
    response = utility.post("/api/v1/tenants/firenze/inventories",
                            data={"kind": "public-lighting",
                                  "file": (io.BytesIO(BAD_LIGHTS.encode("cp1252")), "luci-errate.csv")},
                            content_type="multipart/form-data")
    assert response.status_code == 202, response.json
    upload_id = response.json["upload_id"]
    rejected = wait_for_job(response.json["job_id"])["result"]["rows_rejected"]
    assert rejected == 22

    client = page_client("firenze-utility", lang="en")
    html = client.get(f"/tenants/firenze/inventories/{upload_id}").get_data(as_text=True)
    assert 'data-testid="rejected-table"' in html and "22 rows were not imported" in html
    lines = [int(n) for n in re.findall(r'<tr data-line="(\d+)">', html)]
    assert lines == sorted(lines) and len(lines) == 20 and lines[0] == 3  # the header is line 1
    assert "Page 1 of 2" in html and f"/inventories/{upload_id}/errors.csv" in html
    assert "public-lighting" not in re.sub(r"<[^>]+>", " ", html[html.find("<main"):])

    second = client.get(f"/tenants/firenze/inventories/{upload_id}?page=2").get_data(as_text=True)
    assert len(re.findall(r'<tr data-line="\d+">', second)) == 2 and "Page 2 of 2" in second
