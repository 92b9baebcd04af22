"""template.py: SAM -> CloudFormation -> the plan of the local stack, intrinsics resolved (no AWS, no server)."""

from pathlib import Path

import pytest

from claims_intake_dev.local.template import Resolver, TemplateError, build_plan, wire_arn_parameters

FIXTURE = Path(__file__).parent / "fixtures" / "stack" / "template.yaml"
ROOT = Path(__file__).resolve().parents[2]


def _resolver(resources=None, parameters=None, conditions=None, given=None):
    cfn = {"Resources": resources or {}, "Parameters": parameters or {}, "Conditions": conditions or {}}
    return Resolver(cfn, "stack", "us-west-2", "123456789012", given or {}, "http://127.0.0.1:1")


def test_sub_ref_and_getatt_resolve_to_physical_names_and_arns():
    resolver = _resolver(
        {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "q-${Stage}"}}},
            "Topic": {"Type": "AWS::SNS::Topic"},
        },
        {"Stage": {"Type": "String", "Default": "dev"}},
    )
    assert resolver.resolve({"Ref": "Queue"}) == "http://127.0.0.1:1/123456789012/q-dev"
    assert resolver.resolve({"Fn::GetAtt": ["Queue", "Arn"]}) == "arn:aws:sqs:us-west-2:123456789012:q-dev"
    sub = {"Fn::Sub": "${Queue.QueueName}/${AWS::Region}/${!Literal}"}
    assert resolver.resolve(sub) == "q-dev/us-west-2/${Literal}"
    assert resolver.resolve({"Ref": "Topic"}).startswith("arn:aws:sns:us-west-2:123456789012:stack-Topic-")
    assert resolver.resolve({"Ref": "Topic"}) == resolver.resolve({"Ref": "Topic"})  # stable names


def test_conditions_if_and_novalue():
    resolver = _resolver(
        {},
        {"Layer": {"Type": "String", "Default": ""}},
        {"HasLayer": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Layer"}, ""]}]}},
    )
    value = resolver.resolve([{"Fn::If": ["HasLayer", {"Ref": "Layer"}, {"Ref": "AWS::NoValue"}]}, "x"])
    assert value == ["x"]
    assert resolver.resolve({"Fn::Join": ["-", ["a", {"Fn::Select": [1, {"Fn::Split": [",", "b,c"]}]}]]}) == "a-c"


def test_parameters_need_a_value():
    with pytest.raises(TemplateError, match="Bucket has no default"):
        _resolver({}, {"Bucket": {"Type": "String"}})


def test_arn_parameter_with_empty_default_is_wired_to_the_resource_it_names():
    resolver = _resolver(
        {"FlowStateMachine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"StateMachineName": "flow"}}},
        {"FlowStateMachineArn": {"Type": "String", "Default": ""}, "OtherArn": {"Type": "String", "Default": ""}},
    )
    assert wire_arn_parameters(resolver, set()) == {
        "FlowStateMachineArn": "arn:aws:states:us-west-2:123456789012:stateMachine:flow"
    }
    assert resolver.resolve({"Ref": "OtherArn"}) == ""


def test_fixture_plan_follows_sam():
    plan = build_plan(FIXTURE, endpoint="http://127.0.0.1:1", region="us-west-2", account_id="123456789012")
    mapping = next(m for m in plan.event_source_mappings if m.function == "EchoFunction")
    assert (mapping.batch_size, mapping.report_batch_item_failures) == (5, True)
    reference = next(b for b in plan.buckets if b.logical_id == "ReferenceBucket")
    lambda_config = reference.properties["NotificationConfiguration"]["LambdaConfigurations"][0]
    assert lambda_config["Function"] == plan.function("DirectFunction").arn  # S3 event -> bucket notification
    machine = plan.state_machines[0]
    assert plan.function("StepFunction").arn in machine.definition and "${" not in machine.definition
    assert plan.function("EchoFunction").environment["STAGE"] == "dev"  # Globals merged
    assert {(r.path, r.method, r.authorizer) for r in plan.api_routes} == {
        ("/api/items/{pk}", "GET", "cognito_user_pools"),
        ("/api/{proxy+}", "ANY", "cognito_user_pools"),
    }


def test_the_project_template_has_what_the_demo_needs():
    plan = build_plan(
        ROOT / "template.yaml", endpoint="http://127.0.0.1:1", region="us-west-2", account_id="123456789012"
    )
    functions = {f.logical_id: f for f in plan.functions}
    for function in functions.values():
        assert (function.code_dir / "app.py").is_file(), function.logical_id
    queues = {q.arn for q in plan.queues}
    for mapping in plan.event_source_mappings:
        assert mapping.queue_arn in queues and mapping.function in functions
    notified = {
        config["Queue"]
        for b in plan.buckets
        for config in (b.properties.get("NotificationConfiguration") or {}).get("QueueConfigurations", [])
    }
    assert notified <= queues and notified
    assert plan.state_machines and all(m.definition_file.is_file() for m in plan.state_machines)
    assert functions["IntakeFunction"].environment["STATE_MACHINE_ARN"] == plan.state_machines[0].arn


def test_variables_pointing_into_a_layer_are_left_to_the_local_machine():
    plan = build_plan(
        ROOT / "template.yaml", endpoint="http://127.0.0.1:1", region="us-west-2", account_id="123456789012"
    )
    intake = plan.function("IntakeFunction")
    assert "TESSDATA_PREFIX" not in intake.environment  # /opt/share/tessdata exists only with the Lambda layer
    assert intake.environment["OMP_THREAD_LIMIT"] == "1"
    assert intake.environment["OPENBLAS_NUM_THREADS"] == "1"


def test_an_image_function_runs_from_the_folder_its_dockerfile_copies_the_handler_from():
    plan = build_plan(
        ROOT / "template.yaml", endpoint="http://127.0.0.1:1", region="us-west-2", account_id="123456789012"
    )
    intake = plan.function("IntakeFunction")
    assert (intake.code_dir, intake.handler) == (ROOT / "functions" / "intake", "app.lambda_handler")


def test_an_image_function_without_image_config_takes_the_dockerfiles_cmd(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("def handle(event, context):\n    return event\n")
    (tmp_path / "Dockerfile").write_text(
        'FROM python:3.11-slim\nCOPY src/main.py \\\n    /var/task/\nCMD ["main.handle"]\n'
    )
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Metadata: {Dockerfile: Dockerfile, DockerContext: .}\n    Properties: {PackageType: Image}\n"
    )
    plan = build_plan(
        tmp_path / "template.yaml", endpoint="http://127.0.0.1:1", region="us-west-2", account_id="123456789012"
    )
    assert (plan.function("Fn").code_dir, plan.function("Fn").handler) == (tmp_path / "src", "main.handle")
