"""The REST API that template.yaml deploys, as JSON on stdout: its routes with their
authorization and function, its preflights, and the Lambda authorizer's identity source
and cache TTL (with default parameters) next to the AuthorizerCacheTtl parameter.

Read from the template after the SAM transform (the OpenAPI body API Gateway gets), with
the helpers of test_template.py. The local gateway's tests compare its own route table
and cache settings with this (crates/local-gateway/src/routes.rs).

    .venv/bin/python tests/template/api_routes.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import test_template as t  # noqa: E402

FUNCTION_ARN = re.compile(r"/functions/\$\{(\w+)\.Arn\}/invocations$")


def api(text: str) -> dict:
    parameter = t.decode(text)["Parameters"]["AuthorizerCacheTtl"]
    body = t.openapi(text)
    custom = {
        name: scheme["x-amazon-apigateway-authorizer"]
        for name, scheme in t.security_schemes(body).items()
        if "x-amazon-apigateway-authorizer" in scheme
    }
    (name, authorizer), = custom.items()
    routes, preflights = [], []
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            if method == "options":
                assert "security" not in operation, f"preflight of {path} needs no auth"
                preflights.append(path)
                continue
            (security,) = operation["security"]
            (auth,) = security
            uri = operation["x-amazon-apigateway-integration"]["uri"]
            match = FUNCTION_ARN.search(t.render(uri))
            assert match, f"{method} {path}: integration {uri!r} is not a function"
            routes.append({"method": method.upper(), "path": path, "auth": auth, "function": match[1]})
    return {
        "authorizerCacheTtlDefault": int(parameter["Default"]),
        "authorizerCacheTtlMax": int(parameter["MaxValue"]),
        "authorizer": {
            "name": name,
            "type": authorizer["type"],
            "identitySource": authorizer["identitySource"],
            "ttl": authorizer.get("authorizerResultTtlInSeconds"),
        },
        "routes": sorted(routes, key=lambda r: (r["path"], r["method"])),
        "preflights": sorted(preflights),
    }


if __name__ == "__main__":
    json.dump(api(t.TEMPLATE.read_text()), sys.stdout, indent=2)
    print()
