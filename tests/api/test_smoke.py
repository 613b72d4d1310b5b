def test_openapi_document_lists_work_order_paths(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/workorders/" in spec["paths"]
