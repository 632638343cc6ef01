"""The browsable reference at /api/v1/docs: every operation and schema of the live document, no script."""

import re


def test_docs_page_lists_every_operation_and_schema_without_scripts(client):
    document = client.get("/api/v1/openapi.json").json
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for path, item in document["paths"].items():
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                assert f"{method.upper()} {path}" in html
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    assert "<script" not in html and "Bearer" in html
    assert "'self'" in page.headers["Content-Security-Policy"]
    links = set(re.findall(r'href="#([^"]+)"', html))
    anchors = set(re.findall(r'id="([^"]+)"', html))
    assert links <= anchors
