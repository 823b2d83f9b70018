"""The study of an internal process (M-14) for the tests of records and people: business-trip
claims of a ministry's employees, one row a trip, the employee's табельный номер as the client
id (several rows a client). Each test file makes its own skewed trips."""

from __future__ import annotations

from typing import Any

STUDY: dict[str, Any] = {
    "id": "trips",
    "title": "Возмещение командировочных расходов",
    "scope": {"kind": "process_group", "title": "Командировки", "client_types": ["internal"]},
    "roles": [{"id": "employee", "kind": "applicant", "title": "Сотрудник"}],
    "data_sources": [
        {
            "id": "trips",
            "kind": "client_records",
            "path": "trips.parquet",
            "id_column": "tab_no",
        }
    ],
    "features": [
        {"id": "dept", "column": "dept", "label": "Подразделение"},
        {"id": "trip", "column": "trip", "label": "Вид командировки"},
    ],
    "segmentation": {"satisfaction": {"column": "rating"}, "clustering": {"enabled": False}},
}
