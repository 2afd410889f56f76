"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis), over real
HTTP against the live server with a Bearer token: no answer is a 5xx, every status code is
documented and every body conforms to the schema. Bounded and reproducible: a few derandomized
examples per operation and mode (valid and invalid data), with random ids and with ids of real
petitions (so the typed workflow moves reach the services)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance
from schemathesis.generation import GenerationMode

# About three minutes on two cores: `make test-slow` (XINFANG_SLOW_TESTS=1) runs it, `make test` not.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow,
              pytest.mark.skipif(not os.environ.get("XINFANG_SLOW_TESTS"), reason="slow: make test-slow")]

EXAMPLES = int(os.environ.get("XINFANG_FUZZ_EXAMPLES", "5"))
ONLY = os.environ.get("XINFANG_FUZZ_ONLY", "")  # a part of the operations' labels, to fuzz a few
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _settings():
    return settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck))


def _fuzz(operation, base_url: str, headers: dict, mode, **fixed) -> str | None:
    try:
        strategy = operation.as_strategy(generation_mode=mode, **fixed)
    except Exception as exc:  # noqa: BLE001  (an operation that cannot be generated is a failure too)
        return f"{operation.label}: cannot generate: {exc}"

    @_settings()
    @given(case=strategy)
    def run(case):
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

    try:
        run()
    except Exception as exc:  # noqa: BLE001
        return f"{operation.label} [{mode.value}{' ' + str(fixed) if fixed else ''}]: {str(exc)[:3000]}"
    return None


def test_the_whole_api_answers_within_its_schema(live_server, clients, registered):
    petitions = [registered(), registered(nature="accusation", accused_unit="DH-ZJ")]
    dispatcher = clients("demo_dispatcher")
    assert dispatcher.act(petitions[0], "assign", unit="DH-ZJ").status == 200
    schema = schemathesis.openapi.from_url(live_server.url + "/api/v1/openapi.json")
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40  # every typed move is there
    operations = [op for op in operations if ONLY in op.label]
    # the receiving office's dispatcher: anything, valid and invalid; then the moves on real petitions
    # by those who can make them (the dispatcher of the office, the department's dispatcher)
    headers = {"Authorization": f"Bearer {dispatcher.token}"}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures.append(_fuzz(operation, live_server.url, headers, mode))
    for username in ("demo_dispatcher", "demo_dept_dispatcher"):
        headers = {"Authorization": f"Bearer {clients(username).token}"}
        for operation in operations:
            if "{petition_id}" in operation.path:
                for p in petitions:
                    failures.append(_fuzz(operation, live_server.url, headers, GenerationMode.POSITIVE,
                                          path_parameters={"petition_id": p["id"]}))
    failures = [f for f in failures if f]
    assert not failures, "\n\n".join(failures)
