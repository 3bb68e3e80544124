"""What an operator of the stack sees, checked offline: alarms (and where they go), the
alarms on the functions' own embedded-metric-format metrics, the API's access logs,
tracing, throttling limits and the user pool's deletion protection.

Like tests/template/test_template.py, every check is proven able to fail by a mutation
of the template text. The EMF metric names, namespace and dimension an alarm reads are
read from the Rust sources that write them (crates/function-metrics and each function's
metrics.rs).

    .venv/bin/python -m pytest tests/template/test_operations.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import test_template as t  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"

ALARM_TOPIC_ACTIONS = {"Fn::If": ["HasAlarmEmail", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]}
# The functions' embedded-metric-format lines (crates/function-metrics): one namespace,
# the function's name as the one dimension; each function's metric names in its metrics.rs.
EMF_NAMESPACE = "CognitoBridge"
EMF_DIMENSION = "FunctionName"
EMF_SOURCES = {
    "LinkFunction": "crates/link/src/metrics.rs",
    "AuthorizerFunction": "crates/authorizer/src/metrics.rs",
    "ObjectOwnerFunction": "crates/object-owner/src/metrics.rs",
}
# Cognito's rate quotas (requests per second) that the API's throttling protects: GetId
# per account (identity pools), AdminUpdateUserAttributes per user pool (UserUpdate).
GET_ID_PER_SECOND = 25
ADMIN_UPDATE_USER_ATTRIBUTES_PER_SECOND = 25
# API Gateway's limit for a Lambda authorizer's answer.
API_GATEWAY_AUTHORIZER_LIMIT_MS = 10_000


# --------------------------------------------------------------------------- helpers


def alarms(template: dict) -> dict:
    return t.resources(template, "AWS::CloudWatch::Alarm")


def watched(alarm: dict) -> list[tuple[str, str, str, str]]:
    """(namespace, metric, dimensions, statistic) of every metric an alarm reads, rendered."""
    def one(metric: dict, stat: str) -> tuple[str, str, str, str]:
        dims = {d["Name"]: t.render(d["Value"]) for d in metric.get("Dimensions", [])}
        return (t.render(metric["Namespace"]), metric["MetricName"], json.dumps(dims, sort_keys=True), stat)

    p = alarm["Properties"]
    if "Metrics" in p:
        return [one(m["MetricStat"]["Metric"], m["MetricStat"]["Stat"]) for m in p["Metrics"] if "MetricStat" in m]
    return [one(p, p.get("Statistic") or p.get("ExtendedStatistic"))]


def alarm_on(template: dict, namespace: str, metric: str, dimensions: dict | None = None) -> tuple[str, dict]:
    """The one alarm that reads this metric (with these dimensions)."""
    dims = json.dumps(dimensions or {}, sort_keys=True)
    found = [
        (logical_id, alarm)
        for logical_id, alarm in alarms(template).items()
        if any(w[:3] == (namespace, metric, dims) for w in watched(alarm))
    ]
    assert len(found) == 1, f"one alarm should read {namespace} {metric} {dims}, found {[f[0] for f in found]}"
    return found[0]


def fires_above_zero(alarm: dict) -> None:
    p = alarm["Properties"]
    assert p["ComparisonOperator"] == "GreaterThanThreshold" and p["Threshold"] == 0


def sums_over_five_minutes(alarm: dict) -> None:
    p = alarm["Properties"]
    if "Metrics" in p:
        stats = [m["MetricStat"] for m in p["Metrics"] if "MetricStat" in m]
        assert all(s["Stat"] == "Sum" and s["Period"] <= 300 for s in stats)
    else:
        assert p["Statistic"] == "Sum" and p["Period"] <= 300
    assert p["EvaluationPeriods"] == 1, "one bad period is enough"


def emf_metric_names(path: str) -> set[str]:
    """The metric names a function's EMF line carries: its `MetricSet::NAMES` in `path`."""
    match = re.search(r"const NAMES: \[&'static str; [A-Z_0-9]+\] =\s*\[(.*?)\];", rust_source(path), re.S)
    assert match, f"no metric names in {path}"
    return set(re.findall(r'"([A-Za-z]+)"', match.group(1)))


def emf_alarm(template: dict, function: str, metric: str) -> dict:
    """The one alarm on `metric` of `function`'s EMF line, which that line really carries."""
    assert metric in emf_metric_names(EMF_SOURCES[function]), f"{function}'s line has no {metric}"
    _, alarm = alarm_on(template, EMF_NAMESPACE, metric, {EMF_DIMENSION: "${" + function + "}"})
    return alarm


def rust_source(path: str) -> str:
    return (ROOT / path).read_text()


# ---------------------------------------------------------------------------- checks


def check_alarm_topic_only_with_an_email(text: str) -> None:
    template = t.decode(text)
    parameter = template["Parameters"]["AlarmEmail"]
    assert parameter["Type"] == "String" and parameter["Default"] == ""
    for good in ("", "ops@example.com", "a.b+alarms@ops.example.co.uk"):
        assert re.fullmatch(parameter["AllowedPattern"], good), good
    for bad in ("ops", "ops@", "@example.com", "ops @example.com", "ops@example"):
        assert not re.fullmatch(parameter["AllowedPattern"], bad), bad
    assert template["Conditions"]["HasAlarmEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    (topic_id,) = t.resources(template, "AWS::SNS::Topic")
    assert topic_id == "AlarmTopic"
    topic = template["Resources"]["AlarmTopic"]
    assert topic.get("Condition") == "HasAlarmEmail"
    (subscription,) = topic["Properties"]["Subscription"]
    assert subscription["Protocol"] == "email" and t.render(subscription["Endpoint"]) == "${AlarmEmail}"
    assert not t.resources(template, "AWS::SNS::Subscription")
    # Only CloudWatch alarms of this account publish.
    (policy,) = t.resources(template, "AWS::SNS::TopicPolicy").values()
    assert policy.get("Condition") == "HasAlarmEmail"
    assert [t.render(x) for x in policy["Properties"]["Topics"]] == ["${AlarmTopic}"]
    (st,) = t.as_list(policy["Properties"]["PolicyDocument"]["Statement"])
    assert st["Effect"] == "Allow" and st["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert t.as_list(st["Action"]) == ["sns:Publish"] and t.render(st["Resource"]) == "${AlarmTopic}"
    assert t.render(st["Condition"]["StringEquals"]["aws:SourceAccount"]) == "${AWS::AccountId}"
    assert t.render(st["Condition"]["ArnLike"]["aws:SourceArn"]).startswith(
        "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:"
    )
    output = template["Outputs"]["AlarmTopicArn"]
    assert output.get("Condition") == "HasAlarmEmail" and t.render(output["Value"]) == "${AlarmTopic}"


def check_every_alarm_exists_and_notifies_the_topic(text: str) -> None:
    template = t.decode(text)
    assert len(alarms(template)) >= 12
    for logical_id, alarm in alarms(template).items():
        # Alarms exist without an email too: their state is in CloudWatch either way.
        assert "Condition" not in alarm, f"{logical_id} exists only sometimes"
        p = alarm["Properties"]
        assert p.get("AlarmActions") == ALARM_TOPIC_ACTIONS, f"{logical_id}: AlarmActions"
        assert p.get("OKActions") == ALARM_TOPIC_ACTIONS, f"{logical_id}: OKActions"
        assert p.get("ActionsEnabled", True) is True, logical_id
        # Quiet periods (no invocations, no throttling) are not failures.
        assert p["TreatMissingData"] == "notBreaching", logical_id
        assert len(p.get("AlarmDescription", "")) > 20, f"{logical_id} needs a description"
        assert t.render(p["AlarmName"]).startswith("${AWS::StackName}-"), logical_id


def check_dead_letter_queue_alarm(text: str) -> None:
    template = t.decode(text)
    _, alarm = alarm_on(
        template,
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": "${ObjectEventsDeadLetterQueue.QueueName}"},
    )
    p = alarm["Properties"]
    assert p["Statistic"] == "Maximum" and p["Period"] == 60 and p["EvaluationPeriods"] == 1
    fires_above_zero(alarm)


def check_function_errors_and_throttles_alarms(text: str) -> None:
    template = t.decode(text)
    for logical_id in t.FUNCTIONS:
        dims = {"FunctionName": "${" + logical_id + "}"}
        for metric in ("Errors", "Throttles"):
            _, alarm = alarm_on(template, "AWS/Lambda", metric, dims)
            fires_above_zero(alarm)
            sums_over_five_minutes(alarm)
    # The authorizer's 401s are function errors ("Unauthorized"): its errors alarm
    # subtracts the calls its EMF line counts as unauthorized, so a bad token cannot raise it.
    _, alarm = alarm_on(template, "AWS/Lambda", "Errors", {"FunctionName": "${AuthorizerFunction}"})
    metrics = {m["Id"]: m for m in alarm["Properties"]["Metrics"]}
    (returned,) = [m for m in metrics.values() if m.get("ReturnData", True)]
    errors = [i for i, m in metrics.items() if "MetricStat" in m and m["MetricStat"]["Metric"]["MetricName"] == "Errors"]
    unauthorized = [
        i for i, m in metrics.items() if "MetricStat" in m and m["MetricStat"]["Metric"]["MetricName"] == "AuthorizerUnauthorized"
    ]
    assert len(errors) == 1 and len(unauthorized) == 1
    assert returned["Expression"].replace(" ", "") == f"{errors[0]}-FILL({unauthorized[0]},0)"
    unauthorized_metric = metrics[unauthorized[0]]["MetricStat"]["Metric"]
    assert unauthorized_metric["Namespace"] == EMF_NAMESPACE
    assert unauthorized_metric.get("Dimensions") == [{"Name": EMF_DIMENSION, "Value": {"Ref": "AuthorizerFunction"}}]
    assert "AuthorizerUnauthorized" in emf_metric_names(EMF_SOURCES["AuthorizerFunction"])
    # The other functions answer every request: their Errors are crashes and timeouts.
    for logical_id in ("LinkFunction", "WhoamiFunction", "ObjectOwnerFunction"):
        _, alarm = alarm_on(template, "AWS/Lambda", "Errors", {"FunctionName": "${" + logical_id + "}"})
        assert "Metrics" not in alarm["Properties"], logical_id


def check_authorizer_p99_duration_alarm(text: str) -> None:
    template = t.decode(text)
    _, alarm = alarm_on(template, "AWS/Lambda", "Duration", {"FunctionName": "${AuthorizerFunction}"})
    p = alarm["Properties"]
    assert p["ExtendedStatistic"] == "p99" and "Statistic" not in p
    assert p["Threshold"] == {"Ref": "AuthorizerP99Milliseconds"}
    assert p["ComparisonOperator"] == "GreaterThanThreshold"
    # Sustained, not one cold start: three 5-minute periods in a row.
    assert p["Period"] == 300 and p["EvaluationPeriods"] == p["DatapointsToAlarm"] == 3
    parameter = template["Parameters"]["AuthorizerP99Milliseconds"]
    timeout_ms = t.function_props(template, "AuthorizerFunction")["Timeout"] * 1000
    assert parameter["Type"] == "Number"
    # Well under API Gateway's limit and the function's own timeout.
    assert int(parameter["Default"]) <= min(timeout_ms, API_GATEWAY_AUTHORIZER_LIMIT_MS) / 5
    assert int(parameter["MaxValue"]) <= timeout_ms


def check_directory_throttling_alarm(text: str) -> None:
    template = t.decode(text)
    dims = {"TableName": "${DirectoryTable}"}
    reads_id, alarm = alarm_on(template, "AWS/DynamoDB", "ReadThrottleEvents", dims)
    writes_id, _ = alarm_on(template, "AWS/DynamoDB", "WriteThrottleEvents", dims)
    assert reads_id == writes_id, "one alarm for reads and writes"
    metrics = alarm["Properties"]["Metrics"]
    (returned,) = [m for m in metrics if m.get("ReturnData", True)]
    ids = [m["Id"] for m in metrics if "MetricStat" in m]
    assert returned["Expression"].replace(" ", "") == "+".join(f"FILL({i},0)" for i in ids)
    fires_above_zero(alarm)
    sums_over_five_minutes(alarm)


def check_emf_metrics_are_what_the_functions_write(text: str) -> None:
    """The namespace and dimension the alarms use are those of function-metrics, and the
    function's name is what Lambda gives it (AWS_LAMBDA_FUNCTION_NAME = the Ref)."""
    lib = rust_source("crates/function-metrics/src/lib.rs")
    assert f'pub const NAMESPACE: &str = "{EMF_NAMESPACE}";' in lib
    assert f'pub const DIMENSION: &str = "{EMF_DIMENSION}";' in lib
    assert 'FUNCTION_NAME_VARIABLE: &str = "AWS_LAMBDA_FUNCTION_NAME"' in rust_source(
        "crates/function-metrics/src/process_metrics.rs"
    )
    for function, source in EMF_SOURCES.items():
        crate = source.split("/")[1].replace("-", "_")
        main = rust_source(source.replace("metrics.rs", "main.rs"))
        assert f"{crate}::metrics::METRICS.install_from_env();" in main, f"{function} never writes its line"
    template = t.decode(text)
    emf_alarms = [a for a in alarms(template).values() if any(w[0] == EMF_NAMESPACE for w in watched(a))]
    assert emf_alarms
    for alarm in emf_alarms:
        for namespace, metric, dims, _ in watched(alarm):
            if namespace == EMF_NAMESPACE:
                (function,) = [f for f in EMF_SOURCES if json.loads(dims) == {EMF_DIMENSION: "${" + f + "}"}]
                assert metric in emf_metric_names(EMF_SOURCES[function]), (function, metric)


def check_no_metric_filter_duplicates_an_emf_metric(text: str) -> None:
    """What the EMF lines count is not counted a second time from the log lines."""
    template = t.decode(text)
    emf = set().union(*(emf_metric_names(source) for source in EMF_SOURCES.values()))
    for logical_id, f in t.resources(template, "AWS::Logs::MetricFilter").items():
        for transformation in f["Properties"]["MetricTransformations"]:
            name = transformation["MetricName"]
            assert name not in emf and name.removeprefix("Authorizer") not in emf, f"{logical_id} duplicates {name}"


def check_link_throttled_alarm(text: str) -> None:
    alarm = emf_alarm(t.decode(text), "LinkFunction", "LinkThrottled")
    fires_above_zero(alarm)
    sums_over_five_minutes(alarm)


def check_authorizer_get_id_throttled_alarm(text: str) -> None:
    alarm = emf_alarm(t.decode(text), "AuthorizerFunction", "GetIdThrottled")
    fires_above_zero(alarm)
    sums_over_five_minutes(alarm)


ACCESS_LOG_FIELDS = {
    "requestId", "ip", "caller", "method", "path", "status", "latency",
    "authorizerError", "integrationError", "errorMessage", "principalId", "cognitoIdentityId",
}
# $context variables an access log line may hold: ids, addresses, timings, statuses and
# error messages, never a header, a body or a claim.
ACCESS_LOG_VARIABLES = {
    "requestId", "requestTimeEpoch", "identity.sourceIp", "identity.userAgent", "identity.caller",
    "identity.cognitoIdentityId", "identity.cognitoAuthenticationProvider", "authorizer.principalId",
    "httpMethod", "resourcePath", "path", "status", "responseLength", "responseLatency",
    "authorizer.status", "authorizer.latency", "authorizer.error", "integration.status",
    "integration.latency", "integration.error", "error.responseType", "error.message", "xrayTraceId",
}


def check_api_access_logs(text: str) -> None:
    template = t.decode(text)
    setting = t.props(template, "Api")["AccessLogSetting"]
    assert t.render(setting["DestinationArn"]) == (
        "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${ApiAccessLogGroup}"
    )
    group = template["Resources"]["ApiAccessLogGroup"]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert t.render(group["Properties"].get("RetentionInDays", "forever")) == "${LogRetentionDays}"
    assert t.render(group["Properties"]["LogGroupName"]) == "/aws/apigateway/${AWS::StackName}-access"
    assert t.render(template["Outputs"]["ApiAccessLogGroupName"]["Value"]) == "${ApiAccessLogGroup}"

    fmt = setting["Format"]
    assert isinstance(fmt, str) and len(fmt.encode()) < 3 * 1024, "API Gateway's access log format limit"
    lowered = fmt.lower()
    for forbidden in ("authorization", "header", "$input", "$method", "$stagevariables", "claims", "token"):
        assert forbidden not in lowered, f"the access log format must not hold {forbidden}"
    variables = re.findall(r"\$context\.([A-Za-z.]+)", fmt)
    assert set(variables) <= ACCESS_LOG_VARIABLES, set(variables) - ACCESS_LOG_VARIABLES
    assert "$" not in re.sub(r"\$context\.[A-Za-z.]+", "", fmt), "only $context variables"
    # Every value quoted (an empty variable keeps the line valid JSON) and parsable.
    line = re.sub(r"\$context\.[A-Za-z.]+", "-", fmt)
    try:
        record = json.loads(line)
    except ValueError as err:
        raise AssertionError(f"an access log line would not be JSON: {err}") from err
    assert all(v == "-" for v in record.values())
    assert ACCESS_LOG_FIELDS <= set(record), ACCESS_LOG_FIELDS - set(record)
    assert len(fmt.splitlines()) == 1

    # The stage CloudFormation receives carries it.
    out = t.transformed(text)
    (stage,) = [r for r in out["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage"]
    assert stage["Properties"]["AccessLogSetting"]["Format"] == fmt


def method_settings(template: dict) -> dict:
    return {(s["ResourcePath"], s["HttpMethod"]): s for s in t.props(template, "Api")["MethodSettings"]}


def check_throttling_limits_protect_cognito(text: str) -> None:
    template = t.decode(text)
    settings = method_settings(template)
    assert set(settings) == {("/*", "*"), ("/~1link", "POST")}
    params = template["Parameters"]

    def default(name):
        assert params[name]["Type"] == "Number" and int(params[name]["MinValue"]) >= 1
        return float(params[name]["Default"])

    every, link = settings[("/*", "*")], settings[("/~1link", "POST")]
    assert every["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRate"}
    assert every["ThrottlingBurstLimit"] == {"Ref": "ApiThrottleBurst"}
    assert link["ThrottlingRateLimit"] == {"Ref": "LinkThrottleRate"}
    assert link["ThrottlingBurstLimit"] == {"Ref": "LinkThrottleBurst"}
    rate, link_rate = default("ApiThrottleRate"), default("LinkThrottleRate")
    assert default("ApiThrottleBurst") >= rate and default("LinkThrottleBurst") >= link_rate
    assert link_rate < rate, "/link's own limit is the lower one"
    # A first link costs one GetId and one AdminUpdateUserAttributes.
    assert link_rate <= ADMIN_UPDATE_USER_ATTRIBUTES_PER_SECOND / 5
    # The per-method limit applies to each authorizer route; each invocation may cost one
    # GetId (a user the directory does not know yet). All of them plus /link stay under
    # the account's GetId rate.
    body = t.openapi(text)
    authorizer_routes = [
        (path, method)
        for path, methods in body["paths"].items()
        for method, operation in methods.items()
        if operation.get("security") == [{"BridgeAuthorizer": []}]
    ]
    assert authorizer_routes
    assert len(authorizer_routes) * rate + link_rate <= GET_ID_PER_SECOND, authorizer_routes
    # The settings reach the stage.
    out = t.transformed(text)
    (stage,) = [r for r in out["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage"]
    assert stage["Properties"]["MethodSettings"] == t.props(template, "Api")["MethodSettings"]


def check_no_execution_logs(text: str) -> None:
    """Execution logs with data tracing would write /link's body (an id token) and the headers."""
    for key, setting in method_settings(t.decode(text)).items():
        assert setting.get("DataTraceEnabled") is False, key
        assert setting.get("LoggingLevel") == "OFF", key


def check_api_gateway_logging_role(text: str) -> None:
    template = t.decode(text)
    parameter = template["Parameters"]["CreateApiGatewayLoggingRole"]
    assert parameter["Default"] == "false", "an account-wide setting changes only when asked"
    assert parameter["AllowedValues"] == ["true", "false"]
    condition = "CreatesApiGatewayLoggingRole"
    assert template["Conditions"][condition] == {"Fn::Equals": [{"Ref": "CreateApiGatewayLoggingRole"}, "true"]}
    (account_id,) = t.resources(template, "AWS::ApiGateway::Account")
    account = template["Resources"][account_id]
    role = template["Resources"]["ApiGatewayLoggingRole"]
    for resource in (account, role):
        assert resource.get("Condition") == condition
        # Other APIs of the account log with it: kept when the stack goes.
        assert resource.get("DeletionPolicy") == "Retain" and resource.get("UpdateReplacePolicy") == "Retain"
    assert t.render(account["Properties"]["CloudWatchRoleArn"]) == "${ApiGatewayLoggingRole.Arn}"
    (st,) = t.as_list(role["Properties"]["AssumeRolePolicyDocument"]["Statement"])
    assert st["Principal"] == {"Service": "apigateway.amazonaws.com"} and st["Action"] == "sts:AssumeRole"
    assert t.render(st["Condition"]["StringEquals"]["aws:SourceAccount"]) == "${AWS::AccountId}"
    assert "ManagedPolicyArns" not in role["Properties"]
    assert t.allow_grants(role["Properties"]) == {
        (action, t.API_GATEWAY_LOG_GROUPS, "{}") for action in t.API_GATEWAY_LOG_ACTIONS
    }
    # The stage needs the account's role before it can log: the Api waits for the
    # account setting whenever the stack makes it.
    assert "ApiGatewayLoggingRoleReady" in t.as_list(template["Resources"]["Api"].get("DependsOn", []))
    handle = template["Resources"]["ApiGatewayLoggingRoleReady"]
    assert handle["Type"] == "AWS::CloudFormation::WaitConditionHandle" and "Condition" not in handle
    assert {"Fn::If": [condition, {"Ref": account_id}, ""]} in handle["Metadata"].values()
    out = t.transformed(text)
    (rest_api,) = [r for r in out["Resources"].values() if r["Type"] == "AWS::ApiGateway::RestApi"]
    assert "ApiGatewayLoggingRoleReady" in t.as_list(rest_api.get("DependsOn", []))


def check_tracing_is_off_by_default_with_exactly_xray_writes(text: str) -> None:
    template = t.decode(text)
    parameter = template["Parameters"]["EnableTracing"]
    assert parameter["Default"] == "false" and parameter["AllowedValues"] == ["true", "false"]
    assert template["Conditions"]["TracingEnabled"] == {"Fn::Equals": [{"Ref": "EnableTracing"}, "true"]}
    assert template["Globals"]["Function"]["Tracing"] == {"Fn::If": ["TracingEnabled", "Active", "PassThrough"]}
    assert t.props(template, "Api")["TracingEnabled"] == {"Fn::If": ["TracingEnabled", True, False]}
    xray = {(action, "*", "{}") for action in t.XRAY_WRITE_ACTIONS}
    for logical_id, (_, role_id, _) in t.FUNCTIONS.items():
        assert "Tracing" not in t.props(template, logical_id), f"{logical_id}: Globals decide"
        role = t.props(template, role_id)
        off = t.allow_grants(role)
        on = t.allow_grants(role, t.CREATE_MODE | {"TracingEnabled"})
        assert not {g for g in off if g[0].startswith("xray:")}, f"{role_id}: X-Ray with tracing off"
        assert on == off | xray, f"{role_id}: with tracing, exactly the X-Ray writes are added"
    # No other role gains anything with tracing.
    for role_id in t.resources(template, "AWS::IAM::Role"):
        if role_id not in {r for _, r, _ in t.FUNCTIONS.values()}:
            role = t.props(template, role_id)
            assert t.allow_grants(role, t.CREATE_MODE | {"TracingEnabled"}) == t.allow_grants(role), role_id
    # SAM passes the choice through to every function's TracingConfig.
    out = t.transformed(text)
    for logical_id in t.FUNCTIONS:
        fn = out["Resources"][logical_id]["Properties"]
        assert fn["TracingConfig"] == {"Mode": {"Fn::If": ["TracingEnabled", "Active", "PassThrough"]}}, logical_id


def check_user_pool_deletion_protection(text: str) -> None:
    template = t.decode(text)
    parameter = template["Parameters"]["UserPoolDeletionProtection"]
    assert parameter["Default"] == "ACTIVE" and parameter["AllowedValues"] == ["ACTIVE", "INACTIVE"]
    assert t.props(template, "UserPool").get("DeletionProtection") == {"Ref": "UserPoolDeletionProtection"}


CHECKS = [v for k, v in sorted(globals().items()) if k.startswith("check_")]


# ----------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def template_text() -> str:
    return TEMPLATE.read_text()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_template(check, template_text):
    check(template_text)


# (check, text in template.yaml, replacement): each replacement breaks exactly the
# property its check guards.
MUTATIONS = [
    (check_alarm_topic_only_with_an_email, '  AlarmEmail:\n    Type: String\n    Default: ""\n', '  AlarmEmail:\n    Type: String\n    Default: "ops@example.com"\n'),
    (check_alarm_topic_only_with_an_email, "  AlarmTopic:\n    Type: AWS::SNS::Topic\n    Condition: HasAlarmEmail\n", "  AlarmTopic:\n    Type: AWS::SNS::Topic\n"),
    (check_alarm_topic_only_with_an_email, "        - Protocol: email\n", "        - Protocol: http\n"),
    (check_alarm_topic_only_with_an_email, "            Principal: { Service: cloudwatch.amazonaws.com }\n", "            Principal: \"*\"\n"),
    (check_every_alarm_exists_and_notifies_the_topic, "      AlarmName: !Sub ${AWS::StackName}-whoami-throttles\n", "      AlarmName: !Sub ${AWS::StackName}-whoami-throttles\n      ActionsEnabled: false\n"),
    (check_every_alarm_exists_and_notifies_the_topic, "        - { Name: FunctionName, Value: !Ref WhoamiFunction }\n      Statistic: Sum\n      Period: 300\n      EvaluationPeriods: 1\n      Threshold: 0\n      ComparisonOperator: GreaterThanThreshold\n      TreatMissingData: notBreaching\n      AlarmActions: !If [HasAlarmEmail, [!Ref AlarmTopic], !Ref AWS::NoValue]\n      OKActions: !If [HasAlarmEmail, [!Ref AlarmTopic], !Ref AWS::NoValue]\n\n  WhoamiThrottlesAlarm:", "        - { Name: FunctionName, Value: !Ref WhoamiFunction }\n      Statistic: Sum\n      Period: 300\n      EvaluationPeriods: 1\n      Threshold: 0\n      ComparisonOperator: GreaterThanThreshold\n      TreatMissingData: notBreaching\n      AlarmActions: !If [HasAlarmEmail, [!Ref AlarmTopic], !Ref AWS::NoValue]\n\n  WhoamiThrottlesAlarm:"),
    (check_every_alarm_exists_and_notifies_the_topic, "  ObjectOwnerErrorsAlarm:\n    Type: AWS::CloudWatch::Alarm\n", "  ObjectOwnerErrorsAlarm:\n    Type: AWS::CloudWatch::Alarm\n    Condition: HasAlarmEmail\n"),
    (check_dead_letter_queue_alarm, "Value: !GetAtt ObjectEventsDeadLetterQueue.QueueName }", "Value: !GetAtt ObjectEventsQueue.QueueName }"),
    (check_dead_letter_queue_alarm, "      MetricName: ApproximateNumberOfMessagesVisible\n      Dimensions:\n        - { Name: QueueName, Value: !GetAtt ObjectEventsDeadLetterQueue.QueueName }\n", "      MetricName: ApproximateNumberOfMessagesDelayed\n      Dimensions:\n        - { Name: QueueName, Value: !GetAtt ObjectEventsDeadLetterQueue.QueueName }\n"),
    (check_function_errors_and_throttles_alarms, "        - { Name: FunctionName, Value: !Ref ObjectOwnerFunction }\n      Statistic: Sum\n      Period: 300\n      EvaluationPeriods: 1\n      Threshold: 0\n      ComparisonOperator: GreaterThanThreshold\n      TreatMissingData: notBreaching\n      AlarmActions: !If [HasAlarmEmail, [!Ref AlarmTopic], !Ref AWS::NoValue]\n      OKActions: !If [HasAlarmEmail, [!Ref AlarmTopic], !Ref AWS::NoValue]\n\n  # On-demand", "        - { Name: FunctionName, Value: !Ref WhoamiFunction }\n      Statistic: Sum\n      Period: 300\n      EvaluationPeriods: 1\n      Threshold: 0\n      ComparisonOperator: GreaterThanThreshold\n      TreatMissingData: notBreaching\n      AlarmActions: !If [HasAlarmEmail, [!Ref AlarmTopic], !Ref AWS::NoValue]\n      OKActions: !If [HasAlarmEmail, [!Ref AlarmTopic], !Ref AWS::NoValue]\n\n  # On-demand"),
    (check_function_errors_and_throttles_alarms, "          Expression: errors - FILL(unauthorized, 0)\n", "          Expression: errors\n"),
    (check_function_errors_and_throttles_alarms, "              MetricName: AuthorizerUnauthorized\n              Dimensions:\n                - { Name: FunctionName, Value: !Ref AuthorizerFunction }\n", "              MetricName: AuthorizerUnauthorized\n"),
    (check_function_errors_and_throttles_alarms, "      AlarmName: !Sub ${AWS::StackName}-link-errors\n      AlarmDescription: The link function crashed or timed out.\n      Namespace: AWS/Lambda\n      MetricName: Errors\n", "      AlarmName: !Sub ${AWS::StackName}-link-errors\n      AlarmDescription: The link function crashed or timed out.\n      Namespace: AWS/Lambda\n      MetricName: Invocations\n"),
    (check_authorizer_p99_duration_alarm, "      ExtendedStatistic: p99\n", "      ExtendedStatistic: p50\n"),
    (check_authorizer_p99_duration_alarm, "    Default: 1000\n    MinValue: 50\n", "    Default: 5000\n    MinValue: 50\n"),
    (check_authorizer_p99_duration_alarm, "      Threshold: !Ref AuthorizerP99Milliseconds\n", "      Threshold: 1000\n"),
    (check_directory_throttling_alarm, "              MetricName: WriteThrottleEvents\n", "              MetricName: ConsumedWriteCapacityUnits\n"),
    (check_directory_throttling_alarm, "          Expression: FILL(reads, 0) + FILL(writes, 0)\n", "          Expression: FILL(reads, 0)\n"),
    (check_link_throttled_alarm, "      MetricName: LinkThrottled\n      Dimensions:\n        - { Name: FunctionName, Value: !Ref LinkFunction }\n", "      MetricName: LinkThrottled\n      Dimensions:\n        - { Name: FunctionName, Value: !Ref AuthorizerFunction }\n"),
    (check_link_throttled_alarm, "      Namespace: CognitoBridge\n      MetricName: LinkThrottled\n", "      Namespace: !Sub CognitoBridge/${AWS::StackName}\n      MetricName: LinkThrottled\n"),
    (check_link_throttled_alarm, "      MetricName: LinkThrottled\n      Dimensions:\n        - { Name: FunctionName, Value: !Ref LinkFunction }\n      Statistic: Sum\n", "      MetricName: LinkThrottled\n      Dimensions:\n        - { Name: FunctionName, Value: !Ref LinkFunction }\n      Statistic: Average\n"),
    (check_authorizer_get_id_throttled_alarm, "      MetricName: GetIdThrottled\n", "      MetricName: AuthorizerGetIdThrottled\n"),
    (check_authorizer_get_id_throttled_alarm, "      MetricName: GetIdThrottled\n      Dimensions:\n        - { Name: FunctionName, Value: !Ref AuthorizerFunction }\n      Statistic: Sum\n      Period: 300\n      EvaluationPeriods: 1\n", "      MetricName: GetIdThrottled\n      Dimensions:\n        - { Name: FunctionName, Value: !Ref AuthorizerFunction }\n      Statistic: Sum\n      Period: 300\n      EvaluationPeriods: 6\n"),
    (check_emf_metrics_are_what_the_functions_write, "      MetricName: GetIdThrottled\n", "      MetricName: GetIdThrottles\n"),
    (check_emf_metrics_are_what_the_functions_write, "      MetricName: LinkThrottled\n      Dimensions:\n        - { Name: FunctionName, Value: !Ref LinkFunction }\n", "      MetricName: LinkThrottled\n      Dimensions:\n        - { Name: FunctionName, Value: !Ref ObjectOwnerFunction }\n"),
    (check_no_metric_filter_duplicates_an_emf_metric, "\nOutputs:\n", "\n  LinkThrottledMetricFilter:\n    Type: AWS::Logs::MetricFilter\n    Properties:\n      LogGroupName: !Ref LinkLogGroup\n      FilterPattern: '{ $.fields.outcome = \"throttled\" }'\n      MetricTransformations:\n        - MetricNamespace: CognitoBridge\n          MetricName: LinkThrottled\n          MetricValue: \"1\"\n\nOutputs:\n"),
    (check_api_access_logs, '"ip":"$context.identity.sourceIp",', '"ip":"$context.identity.sourceIp","auth":"$method.request.header.Authorization",'),
    (check_api_access_logs, '"status":"$context.status",', '"status":$context.status,'),
    (check_api_access_logs, '"authorizerError":"$context.authorizer.error",', ""),
    (check_api_access_logs, "      LogGroupName: !Sub /aws/apigateway/${AWS::StackName}-access\n      RetentionInDays: !Ref LogRetentionDays\n", "      LogGroupName: !Sub /aws/apigateway/${AWS::StackName}-access\n"),
    (check_api_access_logs, "log-group:${ApiAccessLogGroup}\n", "log-group:${LinkLogGroup}\n"),
    (check_throttling_limits_protect_cognito, "  ApiThrottleRate:\n    Type: Number\n    Default: 5\n", "  ApiThrottleRate:\n    Type: Number\n    Default: 50\n"),
    (check_throttling_limits_protect_cognito, "  LinkThrottleRate:\n    Type: Number\n    Default: 2\n", "  LinkThrottleRate:\n    Type: Number\n    Default: 10\n"),
    (check_throttling_limits_protect_cognito, "        - ResourcePath: /~1link\n", "        - ResourcePath: /link\n"),
    (check_throttling_limits_protect_cognito, "          ThrottlingRateLimit: !Ref LinkThrottleRate\n", "          ThrottlingRateLimit: !Ref ApiThrottleRate\n"),
    (check_no_execution_logs, "          HttpMethod: POST\n          ThrottlingRateLimit: !Ref LinkThrottleRate\n          ThrottlingBurstLimit: !Ref LinkThrottleBurst\n          LoggingLevel: \"OFF\"\n          DataTraceEnabled: false\n", "          HttpMethod: POST\n          ThrottlingRateLimit: !Ref LinkThrottleRate\n          ThrottlingBurstLimit: !Ref LinkThrottleBurst\n          LoggingLevel: \"OFF\"\n"),
    (check_no_execution_logs, "          ThrottlingBurstLimit: !Ref ApiThrottleBurst\n          LoggingLevel: \"OFF\"\n", "          ThrottlingBurstLimit: !Ref ApiThrottleBurst\n          LoggingLevel: INFO\n"),
    (check_api_gateway_logging_role, "  CreateApiGatewayLoggingRole:\n    Type: String\n    Default: \"false\"\n", "  CreateApiGatewayLoggingRole:\n    Type: String\n    Default: \"true\"\n"),
    (check_api_gateway_logging_role, "  ApiGatewayAccount:\n    Type: AWS::ApiGateway::Account\n    Condition: CreatesApiGatewayLoggingRole\n    DeletionPolicy: Retain\n", "  ApiGatewayAccount:\n    Type: AWS::ApiGateway::Account\n    Condition: CreatesApiGatewayLoggingRole\n    DeletionPolicy: Delete\n"),
    (check_api_gateway_logging_role, "    DependsOn: ApiGatewayLoggingRoleReady\n", ""),
    (check_api_gateway_logging_role, "                  - logs:PutLogEvents\n", "                  - logs:PutLogEvents\n                  - logs:GetLogEvents\n"),
    (check_tracing_is_off_by_default_with_exactly_xray_writes, "  EnableTracing:\n    Type: String\n    Default: \"false\"\n", "  EnableTracing:\n    Type: String\n    Default: \"true\"\n"),
    (check_tracing_is_off_by_default_with_exactly_xray_writes, "    Tracing: !If [TracingEnabled, Active, PassThrough]\n", "    Tracing: Active\n"),
    (check_tracing_is_off_by_default_with_exactly_xray_writes, "      TracingEnabled: !If [TracingEnabled, true, false]\n", "      TracingEnabled: true\n"),
    (check_tracing_is_off_by_default_with_exactly_xray_writes, "                  Action: [xray:PutTraceSegments, xray:PutTelemetryRecords]\n                  Resource: \"*\"\n          - !Ref AWS::NoValue\n        - PolicyName: logs\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            Statement:\n              - Effect: Allow\n                Action: [logs:CreateLogStream, logs:PutLogEvents]\n                Resource: !GetAtt LinkLogGroup.Arn\n", "                  Action: [xray:PutTraceSegments, xray:PutTelemetryRecords, xray:GetSamplingRules]\n                  Resource: \"*\"\n          - !Ref AWS::NoValue\n        - PolicyName: logs\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            Statement:\n              - Effect: Allow\n                Action: [logs:CreateLogStream, logs:PutLogEvents]\n                Resource: !GetAtt LinkLogGroup.Arn\n"),
    (check_user_pool_deletion_protection, "    Default: ACTIVE\n", "    Default: INACTIVE\n"),
    (check_user_pool_deletion_protection, "      DeletionProtection: !Ref UserPoolDeletionProtection\n", ""),
    # test_template's wildcard check allows "*" to X-Ray's writes alone, and every log
    # group of the account to API Gateway's logging role alone.
    (t.check_no_wildcards_in_allow_statements, "                  Action: [xray:PutTraceSegments, xray:PutTelemetryRecords]\n                  Resource: \"*\"\n          - !Ref AWS::NoValue\n        - PolicyName: logs\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            Statement:\n              - Effect: Allow\n                Action: [logs:CreateLogStream, logs:PutLogEvents]\n                Resource: !GetAtt AuthorizerLogGroup.Arn\n", "                  Action: [xray:PutTraceSegments, xray:PutTelemetryRecords, logs:PutLogEvents]\n                  Resource: \"*\"\n          - !Ref AWS::NoValue\n        - PolicyName: logs\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            Statement:\n              - Effect: Allow\n                Action: [logs:CreateLogStream, logs:PutLogEvents]\n                Resource: !GetAtt AuthorizerLogGroup.Arn\n"),
    (t.check_no_wildcards_in_allow_statements, "                  - logs:PutLogEvents\n", "                  - logs:PutLogEvents\n                  - logs:DeleteLogGroup\n"),
    (t.check_function_permissions, "        - PolicyName: logs\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            Statement:\n              - Effect: Allow\n                Action: [logs:CreateLogStream, logs:PutLogEvents]\n                Resource: !GetAtt WhoamiLogGroup.Arn\n", "        - PolicyName: xray-always\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            Statement:\n              - Effect: Allow\n                Action: xray:PutTraceSegments\n                Resource: \"*\"\n        - PolicyName: logs\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            Statement:\n              - Effect: Allow\n                Action: [logs:CreateLogStream, logs:PutLogEvents]\n                Resource: !GetAtt WhoamiLogGroup.Arn\n"),
]


@pytest.mark.parametrize(
    "check, old, new",
    MUTATIONS,
    ids=[f"{i:02d}-{c.__name__.removeprefix('check_')}" for i, (c, _, _) in enumerate(MUTATIONS)],
)
def test_check_fails_on_mutated_template(check, old, new, template_text):
    assert template_text.count(old) == 1, f"mutation no longer applies: {old!r}"
    mutated = template_text.replace(old, new)
    with pytest.raises(AssertionError):
        check(mutated)


def test_every_check_has_a_mutation():
    assert {c for c, _, _ in MUTATIONS} >= set(CHECKS)
