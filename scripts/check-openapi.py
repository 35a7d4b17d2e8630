#!/usr/bin/env python3
"""Checks that a running Grace and docs/openapi.yaml agree.

usage: .venv/bin/python3 scripts/check-openapi.py BASE_URL TOKEN_FILE [SPEC]
(the project's Python environment, which `scripts/venv` creates with PyYAML, jsonschema and
openapi-spec-validator.)

1. The document is valid OpenAPI 3.1 (openapi-spec-validator).
2. Every documented operation is called on the live server with real values (a kernel, run, signature and
   snapshot the server itself lists): the status must be one the document gives for that operation, and a JSON
   body must validate against the documented schema (jsonschema, draft 2020-12). Writes are called without the
   token (expect 401), and with it on targets that do not exist (expect 404) or harmlessly (reload).
3. The other way round: methods and paths the document does not list answer 404 or 405 with the documented
   error body, so the server has no undocumented route under them.

Exit 0 when they agree; 1 with one line per disagreement.
"""
import json
import sys
import urllib.error
import urllib.request

import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec

base, token_file = sys.argv[1].rstrip("/"), sys.argv[2]
spec_path = sys.argv[3] if len(sys.argv) > 3 else "docs/openapi.yaml"
spec = yaml.safe_load(open(spec_path, encoding="utf-8"))
token = open(token_file, encoding="utf-8").read().strip()
problems = []
checked = set()

validate_spec(spec)


def call(method, path, body=None, auth=True, headers=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if auth:
        request.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        request.add_header(k, v)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def resolve(node):
    while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/components/responses/"):
        node = spec["components"]["responses"][node["$ref"].split("/")[-1]]
    return node


def check(method, template, path, body=None, auth=True, expect=None):
    """Calls `path` (an instance of `template`) and checks status and body against the document."""
    operation = spec["paths"][template][method.lower()]
    status, content_type, payload = call(method, path, body, auth)
    checked.add((method, template))
    where = f"{method} {path}"
    if expect is not None and status != expect:
        problems.append(f"{where}: status {status}, expected {expect}: {payload[:200]!r}")
    responses = operation["responses"]
    if str(status) not in responses:
        problems.append(f"{where}: status {status} is not documented (documented: {sorted(responses)})")
        return status, payload
    documented = resolve(responses[str(status)]).get("content", {})
    if "application/json" in documented:
        if not content_type.startswith("application/json"):
            problems.append(f"{where}: content type {content_type!r}, documented application/json")
            return status, payload
        schema = dict(documented["application/json"]["schema"])
        schema["components"] = spec["components"]
        instance = json.loads(payload)
        for error in Draft202012Validator(schema).iter_errors(instance):
            location = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"{where}: body at /{location}: {error.message}")
    elif documented:
        kind = next(iter(documented))
        if not content_type.startswith(kind):
            problems.append(f"{where}: content type {content_type!r}, documented {kind}")
    return status, payload


# Reads, with values the server itself lists.
check("GET", "/v1/status", "/v1/status", expect=200)
check("GET", "/v1/role", "/v1/role")
_, body = check("GET", "/v1/kernels", "/v1/kernels", expect=200)
kernels = [k["name"] for k in json.loads(body).get("kernels", [])]
if kernels:
    check("GET", "/v1/kernels/{name}", "/v1/kernels/" + kernels[0], expect=200)
check("GET", "/v1/kernels/{name}", "/v1/kernels/no-such-kernel", expect=404)
check("GET", "/v1/events", "/v1/events?limit=5", expect=200)
check("GET", "/v1/events", "/v1/events?limit=0", expect=400)
check("GET", "/v1/events/kinds", "/v1/events/kinds", expect=200)
check("GET", "/v1/components", "/v1/components", expect=200)
fleet_status, body = check("GET", "/v1/fleet", "/v1/fleet")
# A Grace that runs as no fleet instance refuses fleet operations (409) before it looks at the instance named.
unknown_instance = 404 if fleet_status == 200 else 409
for method in ("HEAD", "OPTIONS"):
    status, _, _ = call(method, "/v1/role", None, False)
    if status not in (200, 503):
        problems.append(f"{method} /v1/role: status {status}")
check("GET", "/v1/runs", "/v1/runs?limit=5", expect=200)
_, body = check("GET", "/v1/runs", "/v1/runs")
runs = json.loads(body).get("runs", [])
if runs:
    check("GET", "/v1/runs/{id}", "/v1/runs/" + runs[0]["id"], expect=200)
check("GET", "/v1/runs/{id}", "/v1/runs/no-such-run", expect=404)
if runs:
    check("GET", "/v1/explain/runs/{id}", "/v1/explain/runs/" + runs[0]["id"], expect=200)
check("GET", "/v1/explain/runs/{id}", "/v1/explain/runs/no-such-run", expect=404)
_, body = check("GET", "/v1/events", "/v1/events?limit=1")
first_events = json.loads(body).get("events", [])
if first_events:
    check("GET", "/v1/explain/events/{id}", "/v1/explain/events/%d" % first_events[0]["id"])
check("GET", "/v1/explain/events/{id}", "/v1/explain/events/999999999", expect=404)
check("GET", "/v1/explain/events/{id}", "/v1/explain/events/x", expect=400)
if kernels:
    check("GET", "/v1/explain/kernels/{name}", "/v1/explain/kernels/" + kernels[0])
check("GET", "/v1/explain/kernels/{name}", "/v1/explain/kernels/no-such-kernel", expect=404)
_, body = check("GET", "/v1/kb", "/v1/kb", expect=200)
signatures = json.loads(body).get("signatures", [])
if signatures:
    check("GET", "/v1/kb/{id}", "/v1/kb/" + signatures[0]["id"].replace(":", "%3A"), expect=200)
check("GET", "/v1/kb/{id}", "/v1/kb/no-such-signature", expect=404)
check("GET", "/v1/graph", "/v1/graph", expect=200)
check("GET", "/v1/snapshots", "/v1/snapshots", expect=200)
check("GET", "/v1/agent", "/v1/agent", expect=200)
check("GET", "/v1/agent/tasks", "/v1/agent/tasks?limit=5", expect=200)
check("GET", "/v1/agent/tasks", "/v1/agent/tasks?state=nope", expect=400)
_, body = check("GET", "/v1/agent/tasks", "/v1/agent/tasks")
agent_tasks = json.loads(body).get("tasks", [])
if agent_tasks:
    check("GET", "/v1/agent/tasks/{id}", "/v1/agent/tasks/%d" % agent_tasks[0]["id"], expect=200)
check("GET", "/v1/agent/tasks/{id}", "/v1/agent/tasks/999999999", expect=404)
check("GET", "/v1/chaos", "/v1/chaos", expect=200)
check("GET", "/v1/journal/verify", "/v1/journal/verify", expect=200)
check("GET", "/metrics", "/metrics", expect=200)
check("GET", "/", "/", expect=200)

# The stream: headers only (it never ends).
request = urllib.request.Request(base + "/v1/events/stream")
try:
    with urllib.request.urlopen(request, timeout=10) as response:
        checked.add(("GET", "/v1/events/stream"))
        if response.status != 200 or not response.headers.get("Content-Type", "").startswith("text/event-stream"):
            problems.append(f"GET /v1/events/stream: {response.status} {response.headers.get('Content-Type')}")
except Exception as error:  # noqa: BLE001 - any failure is a disagreement
    problems.append(f"GET /v1/events/stream: {error}")

# Writes: without the token, then on things that do not exist, then harmless ones.
check("POST", "/v1/kernels/{name}/{action}", "/v1/kernels/%s/restart" % (kernels[0] if kernels else "x"), auth=False, expect=401)
check("POST", "/v1/kernels/{name}/{action}", "/v1/kernels/no-such-kernel/restart", expect=404)
check("POST", "/v1/components/{name}/{action}", "/v1/components/watcher/restart", auth=False, expect=401)
check("POST", "/v1/components/{name}/{action}", "/v1/components/no-such-component/restart", expect=404)
check("POST", "/v1/components/{name}/{action}", "/v1/components/watcher/hang", expect=409)
check("POST", "/v1/components/{name}/{action}", "/v1/components/watcher/restart", expect=202)
check("POST", "/v1/playbooks/{name}/run", "/v1/playbooks/no-such-playbook/run", body={"params": {}}, auth=False, expect=401)
check("POST", "/v1/playbooks/{name}/run", "/v1/playbooks/no-such-playbook/run", body={"params": {}}, expect=404)
check("POST", "/v1/snapshots", "/v1/snapshots", body={"kernel": "no-such-kernel"}, expect=404)
check("POST", "/v1/snapshots", "/v1/snapshots", body={"kernel": "x"}, auth=False, expect=401)
check("POST", "/v1/snapshots/{id}/restore", "/v1/snapshots/no-such-snapshot/restore", expect=404)
check("POST", "/v1/fleet/switchover", "/v1/fleet/switchover", body={}, auth=False, expect=401)
check("POST", "/v1/fleet/switchover", "/v1/fleet/switchover", body={"instance": "no-such-instance"},
      expect=unknown_instance)
check("POST", "/v1/fleet/quarantine", "/v1/fleet/quarantine", body={"instance": "no-such-instance"},
      expect=unknown_instance)
check("POST", "/v1/fleet/quarantine", "/v1/fleet/quarantine", body={"for": "soon"},
      expect=400 if fleet_status == 200 else 409)
check("POST", "/v1/fleet/rejoin", "/v1/fleet/rejoin", body={"instance": "no-such-instance"}, expect=unknown_instance)
drill = {"drill": "check-openapi", "scenario": "check-openapi", "phase": "started", "fault": "nothing"}
check("POST", "/v1/chaos/drills", "/v1/chaos/drills", body=drill, auth=False, expect=401)
check("POST", "/v1/chaos/drills", "/v1/chaos/drills", body=dict(drill, status="completed"), expect=400)
check("POST", "/v1/chaos/drills", "/v1/chaos/drills", body=drill, expect=201)
check("POST", "/v1/reload", "/v1/reload", auth=False, expect=401)
check("POST", "/v1/reload", "/v1/reload", expect=200)

# Every documented operation was exercised.
for template, item in spec["paths"].items():
    for method in item:
        if method in ("get", "post", "put", "delete", "patch") and (method.upper(), template) not in checked:
            problems.append(f"{method.upper()} {template}: documented but not checked by this script")

# Nothing undocumented: other methods and paths are 404/405 with the error body.
error_schema = dict(spec["components"]["schemas"]["Error"])
error_schema["components"] = spec["components"]
for method, path in [("GET", "/v1/nope"), ("POST", "/v1/status"), ("DELETE", "/v1/kernels"), ("GET", "/v2/status"),
                     ("PUT", "/v1/reload"), ("GET", "/v1/kernels/%s/restart" % (kernels[0] if kernels else "x"))]:
    status, content_type, payload = call(method, path)
    if status not in (404, 405):
        problems.append(f"{method} {path}: undocumented, answered {status}")
        continue
    try:
        for error in Draft202012Validator(error_schema).iter_errors(json.loads(payload)):
            problems.append(f"{method} {path}: error body: {error.message}")
    except ValueError:
        problems.append(f"{method} {path}: error body is not JSON: {payload[:100]!r}")

for problem in problems:
    print(problem)
print(f"{len(checked)} operations checked, {len(problems)} disagreements", file=sys.stderr)
sys.exit(1 if problems else 0)
