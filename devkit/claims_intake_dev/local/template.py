"""Read template.yaml into the plan of what the local stack creates: no second list of resources.

The SAM template is translated to CloudFormation by the SAM translator itself (the library `sam validate`
and `sam deploy` use), so SAM's own rules decide what a function's `Events` become (SQS event source
mappings, S3 `LambdaConfigurations` on the bucket) and what a state machine's `DefinitionUri` and
`DefinitionSubstitutions` turn into. Local paths (`CodeUri`, `ContentUri`, `DefinitionUri`) are swapped for
placeholder S3 locations before translation, as `sam validate` does, and mapped back afterwards.

Physical names follow CloudFormation: an explicit name property wins, otherwise `{stack}-{LogicalId}-{suffix}`
(lower case for buckets), with a suffix derived from the logical id so names are stable from run to run.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ARTIFACTS_BUCKET = "claims-intake-local-artifacts"
IMAGE_REPOSITORY = "local.invalid/claims-intake"  # placeholder ImageUri of a function built from its Dockerfile
PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"


class TemplateError(ValueError):
    """template.yaml cannot be turned into a local stack; the message says what and where."""


@dataclass
class Bucket:
    logical_id: str
    name: str
    properties: dict[str, Any]


@dataclass
class Queue:
    logical_id: str
    name: str
    arn: str
    attributes: dict[str, str]  # CreateQueue attributes (VisibilityTimeout, RedrivePolicy, ...)
    dead_letter_arn: str | None = None


@dataclass
class Table:
    logical_id: str
    name: str
    properties: dict[str, Any]


@dataclass
class Topic:
    logical_id: str
    name: str
    arn: str


@dataclass
class Function:
    logical_id: str
    name: str
    arn: str
    code_dir: Path
    handler: str
    timeout: int
    memory: int
    environment: dict[str, str]


@dataclass
class EventSourceMapping:
    logical_id: str
    function: str  # logical id of the function
    queue_arn: str
    batch_size: int = 10
    batching_window: int = 0
    report_batch_item_failures: bool = False
    enabled: bool = True
    max_concurrency: int | None = None


@dataclass
class StateMachine:
    logical_id: str
    name: str
    arn: str
    definition: str  # ASL with DefinitionSubstitutions applied
    definition_file: Path | None = None
    type: str = "STANDARD"


@dataclass
class ApiRoute:
    """One method of a REST API (API Gateway, Lambda proxy integration) from the API's OpenAPI body."""

    api: str  # logical id of the AWS::ApiGateway::RestApi
    path: str  # /api/claims/{id}, /api/{proxy+}
    method: str  # GET, POST, ..., ANY
    function_arn: str
    authorizer: str | None = None  # "cognito_user_pools", "token", "request" or None


@dataclass
class Schedule:
    """An EventBridge schedule rule (SAM `Events: Type: Schedule`): the local stack fires it on demand."""

    logical_id: str
    expression: str  # cron(...) or rate(...)
    function_arns: list[str]
    enabled: bool = True


@dataclass
class StackPlan:
    """Everything the local stack creates, in physical names, with intrinsics resolved."""

    stack_name: str
    region: str
    account_id: str
    parameters: dict[str, str]
    buckets: list[Bucket] = field(default_factory=list)
    queues: list[Queue] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    event_source_mappings: list[EventSourceMapping] = field(default_factory=list)
    state_machines: list[StateMachine] = field(default_factory=list)
    api_routes: list[ApiRoute] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # logical id -> type, not emulated locally

    def function(self, logical_id: str) -> Function:
        return next(f for f in self.functions if f.logical_id == logical_id)

    def physical_names(self) -> dict[str, str]:
        """Logical id -> physical name (queue name, table name, ...) of every created resource."""
        groups = [self.buckets, self.queues, self.tables, self.topics, self.functions, self.state_machines]
        return {resource.logical_id: resource.name for group in groups for resource in group}


class _TemplateLoader(yaml.SafeLoader):
    """CloudFormation YAML as written: short-form intrinsics (!Ref, !Sub, !GetAtt...) become {"Fn::X": ...}."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path) -> dict[str, Any]:
    """template.yaml as written (for tests of what it says); `load_sam_template` for what SAM makes of it."""
    return yaml.load(Path(path).read_text("utf-8"), Loader=_TemplateLoader)


def load_sam_template(path: Path) -> dict[str, Any]:
    """Parse template.yaml with the short-form intrinsic tags (!Ref, !Sub, ...) as SAM CLI does."""
    from samcli.yamlhelper import parse_yaml_file

    return parse_yaml_file(str(path))


def translate(sam_template: dict[str, Any], parameters: dict[str, str], region: str) -> tuple[dict, dict[str, Path]]:
    """SAM -> CloudFormation; returns the CFN template and placeholder S3 key -> local path."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = copy.deepcopy(sam_template)
    local_paths: dict[str, Path] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        properties = resource.get("Properties") or {}
        dockerfile = (resource.get("Metadata") or {}).get("Dockerfile")
        if properties.get("PackageType") == "Image" and dockerfile and "ImageUri" not in properties:
            # what `sam build` does: the image is built from the Dockerfile; here it is read instead
            image = f"{IMAGE_REPOSITORY}:{logical_id}"
            context = Path(resource["Metadata"].get("DockerContext", "."))
            local_paths[image] = context  # Dockerfile is relative to its context
            local_paths[f"{image}/Dockerfile"] = context / dockerfile
            properties["ImageUri"] = image
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            value = properties.get(key)
            if isinstance(value, str) and not value.startswith("s3://"):
                s3_key = value.strip("./") or "."
                local_paths[s3_key] = Path(value)
                properties[key] = f"s3://{ARTIFACTS_BUCKET}/{s3_key}"
    function_globals = template.get("Globals", {}).get("Function", {})
    if isinstance(function_globals.get("CodeUri"), str):
        value = function_globals["CodeUri"]
        local_paths[value.strip("./")] = Path(value)
        function_globals["CodeUri"] = f"s3://{ARTIFACTS_BUCKET}/{value.strip('./')}"
    try:
        cfn = Translator(
            managed_policy_map=None, sam_parser=Parser(), boto_session=boto3.session.Session(region_name=region)
        ).translate(template, parameter_values=dict(parameters), get_managed_policy_map=lambda: {})
    except Exception as error:  # the translator's errors list every invalid resource
        raise TemplateError(f"SAM translation failed: {error}") from error
    return cfn, local_paths


class Resolver:
    """Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::If and friends over a CFN template."""

    def __init__(
        self,
        cfn: dict[str, Any],
        stack_name: str,
        region: str,
        account_id: str,
        parameters: dict[str, str],
        endpoint: str,
    ):
        self.cfn = cfn
        self.resources: dict[str, dict] = cfn.get("Resources", {})
        self.stack_name = stack_name
        self.region = region
        self.account_id = account_id
        self.endpoint = endpoint
        self.parameters = self._parameter_values(parameters)
        self.conditions: dict[str, bool] = {}
        self.names: dict[str, str] = {}

    def _parameter_values(self, given: dict[str, str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, spec in (self.cfn.get("Parameters") or {}).items():
            if name in given:
                values[name] = given[name]
            elif "Default" in spec:
                values[name] = spec["Default"]
            else:
                raise TemplateError(f"parameter {name} has no default: pass it to the local stack")
            if spec.get("Type", "").startswith("List<") or spec.get("Type") == "CommaDelimitedList":
                values[name] = [item.strip() for item in str(values[name]).split(",")]
            else:
                values[name] = str(values[name])
        return values

    # -- physical names and attributes ------------------------------------------------------------------------
    def suffix(self, logical_id: str) -> str:
        return hashlib.sha1(f"{self.stack_name}/{logical_id}".encode()).hexdigest()[:12].upper()

    def physical_name(self, logical_id: str) -> str:
        if logical_id in self.names:
            return self.names[logical_id]
        resource = self.resources[logical_id]
        kind = resource["Type"]
        properties = resource.get("Properties") or {}
        name_property = {
            "AWS::S3::Bucket": "BucketName",
            "AWS::SQS::Queue": "QueueName",
            "AWS::DynamoDB::Table": "TableName",
            "AWS::SNS::Topic": "TopicName",
            "AWS::Lambda::Function": "FunctionName",
            "AWS::StepFunctions::StateMachine": "StateMachineName",
        }.get(kind)
        explicit = properties.get(name_property) if name_property else None
        if explicit is not None:
            name = str(self.resolve(explicit))
        elif kind == "AWS::S3::Bucket":
            name = f"{self.stack_name}-{logical_id}-{self.suffix(logical_id)}".lower()[:63]
        elif kind == "AWS::StepFunctions::StateMachine":
            name = f"{logical_id}-{self.suffix(logical_id)}"
        else:
            limit = 64 if kind == "AWS::Lambda::Function" else 80
            name = f"{self.stack_name}-{logical_id}-{self.suffix(logical_id)}"[:limit]
            if kind == "AWS::SQS::Queue" and self.resolve(properties.get("FifoQueue", False)) in (True, "true"):
                name = name[:75] + ".fifo"
        self.names[logical_id] = name
        return name

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{PARTITION}:{service}:{self.region if region else ''}:{self.account_id if account else ''}:{resource}"
        )

    def ref(self, logical_id: str) -> Any:
        if logical_id in self.parameters:
            return self.parameters[logical_id]
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": URL_SUFFIX,
            "AWS::NoValue": _NO_VALUE,
            "AWS::StackId": self.arn("cloudformation", f"stack/{self.stack_name}/local"),
            "AWS::NotificationARNs": [],
        }
        if logical_id in pseudo:
            return pseudo[logical_id]
        if logical_id not in self.resources:
            raise TemplateError(f"Ref to unknown resource or parameter {logical_id}")
        kind = self.resources[logical_id]["Type"]
        if kind == "AWS::SQS::Queue":
            return self.get_att(logical_id, "QueueUrl")
        if kind in ("AWS::SNS::Topic", "AWS::StepFunctions::StateMachine"):
            return self.get_att(logical_id, "Arn")
        if kind in ("AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::Lambda::Function"):
            return self.physical_name(logical_id)
        if kind == "AWS::KMS::Key":
            return f"{self.suffix(logical_id).lower()}-local-key"
        return f"{self.stack_name}-{logical_id}-{self.suffix(logical_id)}"

    def get_att(self, logical_id: str, attribute: str) -> Any:
        if logical_id not in self.resources:
            raise TemplateError(f"Fn::GetAtt on unknown resource {logical_id}")
        kind = self.resources[logical_id]["Type"]
        name = self.physical_name(logical_id) if kind in _NAMED_TYPES else self.ref(logical_id)
        arn = self.arn
        table = {
            "AWS::SQS::Queue": {
                "Arn": lambda: arn("sqs", name),
                "QueueName": lambda: name,
                "QueueUrl": lambda: f"{self.endpoint}/{self.account_id}/{name}",
            },
            "AWS::S3::Bucket": {
                "Arn": lambda: f"arn:{PARTITION}:s3:::{name}",
                "DomainName": lambda: f"{name}.s3.{URL_SUFFIX}",
                "RegionalDomainName": lambda: f"{name}.s3.{self.region}.{URL_SUFFIX}",
            },
            "AWS::DynamoDB::Table": {
                "Arn": lambda: arn("dynamodb", f"table/{name}"),
                "StreamArn": lambda: arn("dynamodb", f"table/{name}/stream/local"),
            },
            "AWS::SNS::Topic": {
                "TopicArn": lambda: arn("sns", name),
                "TopicName": lambda: name,
                "Arn": lambda: arn("sns", name),
            },
            "AWS::Lambda::Function": {"Arn": lambda: arn("lambda", f"function:{name}")},
            "AWS::StepFunctions::StateMachine": {
                "Arn": lambda: arn("states", f"stateMachine:{name}"),
                "Name": lambda: name,
            },
            "AWS::KMS::Key": {"Arn": lambda: arn("kms", f"key/{name}"), "KeyId": lambda: name},
            "AWS::IAM::Role": {"Arn": lambda: arn("iam", f"role/{name}", region=False), "RoleId": lambda: name},
            # Not created locally (the local web server hosts the staff page), but named in CORS and outputs.
            "AWS::CloudFront::Distribution": {"DomainName": lambda: f"{name}.cloudfront.net"},
        }.get(kind, {})
        if attribute in table:
            return table[attribute]()
        if attribute == "Arn":  # resources the local stack does not create still get a well-formed ARN
            return self.arn(kind.split("::")[1].lower(), name)
        raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute} ({kind}) is not supported locally")

    # -- intrinsic functions ----------------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = bool(self.resolve(self.cfn.get("Conditions", {})[name]))
        return self.conditions[name]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            handler = _INTRINSICS.get(key)
            if handler:
                return handler(self, argument)
        return {k: v for k, v in ((k, self.resolve(v)) for k, v in value.items()) if v is not _NO_VALUE}

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
        variables = {k: self.resolve(v) for k, v in variables.items()}

        def replace(match: re.Match) -> str:
            expression = match.group(1)
            if expression.startswith("!"):
                return "${" + expression[1:] + "}"
            if expression in variables:
                return str(variables[expression])
            if "." in expression and not expression.startswith("AWS::"):
                logical_id, attribute = expression.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(expression))

        return re.sub(r"\$\{([^}]+)\}", replace, text)


_NO_VALUE = object()
_NAMED_TYPES = {
    "AWS::S3::Bucket",
    "AWS::SQS::Queue",
    "AWS::DynamoDB::Table",
    "AWS::SNS::Topic",
    "AWS::Lambda::Function",
    "AWS::StepFunctions::StateMachine",
}


def _get_att(resolver: Resolver, argument: Any) -> Any:
    logical_id, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
    return resolver.get_att(logical_id, resolver.resolve(attribute))


def _if(resolver: Resolver, argument: list) -> Any:
    condition, when_true, when_false = argument
    return resolver.resolve(when_true if resolver.condition(condition) else when_false)


def _select(resolver: Resolver, argument: list) -> Any:
    return resolver.resolve(argument[1])[int(resolver.resolve(argument[0]))]


_INTRINSICS = {
    "Ref": lambda r, a: r.ref(a),
    "Fn::GetAtt": _get_att,
    "Fn::Sub": lambda r, a: r._sub(a),
    "Fn::Join": lambda r, a: str(a[0]).join(str(x) for x in r.resolve(a[1])),
    "Fn::Select": _select,
    "Fn::Split": lambda r, a: str(r.resolve(a[1])).split(a[0]),
    "Fn::If": _if,
    "Fn::Equals": lambda r, a: r.resolve(a[0]) == r.resolve(a[1]),
    "Fn::Not": lambda r, a: not r.resolve(a[0]),
    "Fn::And": lambda r, a: all(r.resolve(x) for x in a),
    "Fn::Or": lambda r, a: any(r.resolve(x) for x in a),
    "Condition": lambda r, a: r.condition(a),
    "Fn::GetAZs": lambda r, a: [f"{r.region}a", f"{r.region}b"],
    "Fn::Base64": lambda r, a: r.resolve(a),
    "Fn::ToJsonString": lambda r, a: json.dumps(r.resolve(a)),
}


def build_plan(
    template_path: Path,
    *,
    endpoint: str,
    region: str,
    account_id: str,
    stack_name: str = "claims-intake-local",
    parameters: dict[str, str] | None = None,
    physical_names: dict[str, str] | None = None,
) -> StackPlan:
    """Read template.yaml and return the resources to create, names and intrinsics resolved.

    `physical_names` (logical id -> name) overrides generated names, and every Ref to them follows."""
    template_path = Path(template_path).resolve()
    root = template_path.parent
    cfn, local_paths = translate(load_sam_template(template_path), parameters or {}, region)
    resolver = Resolver(cfn, stack_name, region, account_id, parameters or {}, endpoint)
    resolver.names.update(physical_names or {})
    wire_arn_parameters(resolver, set(parameters or {}))
    plan = StackPlan(
        stack_name=stack_name,
        region=region,
        account_id=account_id,
        parameters={k: v for k, v in resolver.parameters.items() if isinstance(v, str)},
    )
    for logical_id, resource in cfn["Resources"].items():
        if "Condition" in resource and not resolver.condition(resource["Condition"]):
            continue
        kind = resource["Type"]
        builder = _BUILDERS.get(kind)
        if builder is None:
            plan.skipped[logical_id] = kind
            continue
        builder(plan, resolver, logical_id, resource.get("Properties") or {}, root, local_paths)
    for name, output in (cfn.get("Outputs") or {}).items():
        if "Condition" in output and not resolver.condition(output["Condition"]):
            continue
        plan.outputs[name] = resolver.resolve(output["Value"])
    return plan


def wire_arn_parameters(resolver: Resolver, given: set[str]) -> dict[str, str]:
    """A parameter `{LogicalId}Arn` with an empty default, naming a resource of the same template, gets that
    resource's ARN (e.g. ClaimFlowStateMachineArn -> ClaimFlowStateMachine): blocks of the template that
    were written apart, joined by a parameter, are joined locally as a deployment would join them."""
    wired = {}
    for name, spec in (resolver.cfn.get("Parameters") or {}).items():
        target = name[:-3] if name.endswith("Arn") else None
        if name in given or spec.get("Default") != "" or target not in resolver.resources:
            continue
        wired[name] = resolver.parameters[name] = resolver.get_att(target, "Arn")
    return wired


def _bucket(plan, resolver, logical_id, properties, root, local_paths):
    plan.buckets.append(Bucket(logical_id, resolver.physical_name(logical_id), resolver.resolve(properties)))


_QUEUE_ATTRIBUTES = [
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "DeduplicationScope",
    "FifoThroughputLimit",
]


def _queue(plan, resolver, logical_id, properties, root, local_paths):
    properties = resolver.resolve(properties)
    attributes = {key: _attribute_text(properties[key]) for key in _QUEUE_ATTRIBUTES if key in properties}
    dead_letter_arn = None
    if "RedrivePolicy" in properties:
        redrive = properties["RedrivePolicy"]
        redrive = json.loads(redrive) if isinstance(redrive, str) else redrive
        dead_letter_arn = redrive["deadLetterTargetArn"]
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": int(redrive["maxReceiveCount"])}
        )
    if "RedriveAllowPolicy" in properties:
        attributes["RedriveAllowPolicy"] = json.dumps(properties["RedriveAllowPolicy"])
    name = resolver.physical_name(logical_id)
    plan.queues.append(Queue(logical_id, name, resolver.get_att(logical_id, "Arn"), attributes, dead_letter_arn))


def _attribute_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _table(plan, resolver, logical_id, properties, root, local_paths):
    plan.tables.append(Table(logical_id, resolver.physical_name(logical_id), resolver.resolve(properties)))


def _topic(plan, resolver, logical_id, properties, root, local_paths):
    plan.topics.append(Topic(logical_id, resolver.physical_name(logical_id), resolver.get_att(logical_id, "Arn")))


def _function(plan, resolver, logical_id, properties, root, local_paths):
    properties = resolver.resolve(properties)
    code = properties.get("Code") or {}
    if "ImageUri" in code:
        code_dir, handler = _image_code(logical_id, properties, root, local_paths)
    elif code.get("S3Key") in local_paths:
        code_dir, handler = (root / local_paths[code["S3Key"]]).resolve(), properties["Handler"]
    else:
        raise TemplateError(
            f"{logical_id}: only local CodeUri folders and Dockerfiles can run in the local stack (got {code})"
        )
    variables = (properties.get("Environment") or {}).get("Variables") or {}
    plan.functions.append(
        Function(
            logical_id=logical_id,
            name=resolver.physical_name(logical_id),
            arn=resolver.get_att(logical_id, "Arn"),
            code_dir=code_dir,
            handler=handler,
            timeout=int(properties.get("Timeout", 3)),
            memory=int(properties.get("MemorySize", 128)),
            environment=_local_variables(variables),
        )
    )


def _image_code(logical_id: str, properties: dict, root: Path, local_paths: dict[str, Path]) -> tuple[Path, str]:
    """An Image function runs here from the folder its Dockerfile copies the handler module from (the image's
    other contents, the runtime package and its requirements, are this machine's installation). The handler
    is the function's ImageConfig.Command, else the Dockerfile's CMD."""
    image = properties["Code"]["ImageUri"]
    if image not in local_paths:
        raise TemplateError(f"{logical_id}: image {image} is not built from a Dockerfile in this repository")
    dockerfile = (root / local_paths[f"{image}/Dockerfile"]).resolve()
    context = (root / local_paths[image]).resolve()
    instructions = _dockerfile_instructions(dockerfile)
    command = (properties.get("ImageConfig") or {}).get("Command") or _json_or_words(instructions.get("CMD", [""])[-1])
    if not command:
        raise TemplateError(f"{logical_id}: no handler (ImageConfig.Command or the Dockerfile's CMD)")
    handler = command[0]
    module_file = handler.rpartition(".")[0].replace(".", "/") + ".py"
    for arguments in instructions.get("COPY", []):
        sources = [word for word in arguments.split() if not word.startswith("--")][:-1]
        for source in sources:
            if source.endswith(module_file) or (context / source / module_file).is_file():
                found = context / source
                return (found.parent if found.is_file() else found).resolve(), handler
    raise TemplateError(f"{logical_id}: {dockerfile.name} copies no {module_file} into the image")


def _dockerfile_instructions(path: Path) -> dict[str, list[str]]:
    """Instruction -> its arguments, in order (continuation lines joined; comments dropped)."""
    text = re.sub(r"\\\n", " ", path.read_text("utf-8"))
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, arguments = line.partition(" ")
            found.setdefault(instruction.upper(), []).append(arguments.strip())
    return found


def _json_or_words(arguments: str) -> list[str]:
    try:
        value = json.loads(arguments)
    except ValueError:
        return arguments.split()
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


LAYER_MOUNT = "/opt/"


def _local_variables(variables: dict) -> dict[str, str]:
    """The function's variables, less those that point into a layer: layers are not mounted locally
    (e.g. TESSDATA_PREFIX=/opt/share/tessdata), so the machine's own installation is used instead."""
    return {k: str(v) for k, v in variables.items() if not str(v).startswith(LAYER_MOUNT)}


def _event_source_mapping(plan, resolver, logical_id, properties, root, local_paths):
    raw_function = properties["FunctionName"]
    properties = resolver.resolve(properties)
    source = properties.get("EventSourceArn", "")
    if ":sqs:" not in source:
        plan.skipped[logical_id] = f"AWS::Lambda::EventSourceMapping ({source})"
        return
    function = raw_function.get("Ref") if isinstance(raw_function, dict) else None
    if function is None:  # a name or ARN: find the function it names
        wanted = str(properties["FunctionName"]).split(":")[-1]
        function = next(lid for lid in resolver.resources if resolver.names.get(lid) == wanted)
    scaling = properties.get("ScalingConfig") or {}
    plan.event_source_mappings.append(
        EventSourceMapping(
            logical_id=logical_id,
            function=function,
            queue_arn=source,
            batch_size=int(properties.get("BatchSize", 10)),
            batching_window=int(properties.get("MaximumBatchingWindowInSeconds", 0)),
            report_batch_item_failures="ReportBatchItemFailures" in (properties.get("FunctionResponseTypes") or []),
            enabled=properties.get("Enabled", True) not in (False, "false"),
            max_concurrency=int(scaling["MaximumConcurrency"]) if "MaximumConcurrency" in scaling else None,
        )
    )


def _state_machine(plan, resolver, logical_id, properties, root, local_paths):
    properties = resolver.resolve(properties)
    definition_file = None
    if "DefinitionS3Location" in properties:
        key = properties["DefinitionS3Location"]["Key"]
        if key not in local_paths:
            raise TemplateError(f"{logical_id}: DefinitionUri must be a local file for the local stack")
        definition_file = (root / local_paths[key]).resolve()
        definition = definition_file.read_text()
    elif "Definition" in properties:
        definition = json.dumps(properties["Definition"])
    else:
        definition = properties["DefinitionString"]
    for name, value in (properties.get("DefinitionSubstitutions") or {}).items():
        definition = definition.replace("${" + name + "}", str(value))
    plan.state_machines.append(
        StateMachine(
            logical_id,
            resolver.physical_name(logical_id),
            resolver.get_att(logical_id, "Arn"),
            definition,
            definition_file,
            properties.get("StateMachineType", "STANDARD"),
        )
    )


def _rest_api(plan, resolver, logical_id, properties, root, local_paths):
    body = resolver.resolve(properties.get("Body") or {})
    security = body.get("securityDefinitions") or {}
    for path, methods in (body.get("paths") or {}).items():
        for method, operation in methods.items():
            integration = (operation or {}).get("x-amazon-apigateway-integration") or {}
            match = re.search(r"functions/(arn:[^/]+)/invocations", str(integration.get("uri", "")))
            if integration.get("type") != "aws_proxy" or not match:
                continue
            authorizer = None
            for requirement in operation.get("security") or []:
                for name in requirement:
                    definition = security.get(name, {}).get("x-amazon-apigateway-authorizer") or {}
                    authorizer = authorizer or definition.get("type")
            plan.api_routes.append(
                ApiRoute(
                    logical_id,
                    path,
                    "ANY" if method == "x-amazon-apigateway-any-method" else method.upper(),
                    match.group(1),
                    authorizer,
                )
            )


def _schedule_rule(plan, resolver, logical_id, properties, root, local_paths):
    properties = resolver.resolve(properties)
    expression = properties.get("ScheduleExpression")
    targets = [target["Arn"] for target in properties.get("Targets") or [] if ":lambda:" in str(target.get("Arn"))]
    if not expression or not targets:
        plan.skipped[logical_id] = "AWS::Events::Rule (not a schedule of a function)"
        return
    plan.schedules.append(Schedule(logical_id, expression, targets, properties.get("State", "ENABLED") == "ENABLED"))


_BUILDERS = {
    "AWS::S3::Bucket": _bucket,
    "AWS::SQS::Queue": _queue,
    "AWS::DynamoDB::Table": _table,
    "AWS::SNS::Topic": _topic,
    "AWS::Lambda::Function": _function,
    "AWS::Lambda::EventSourceMapping": _event_source_mapping,
    "AWS::StepFunctions::StateMachine": _state_machine,
    "AWS::ApiGateway::RestApi": _rest_api,
    "AWS::Events::Rule": _schedule_rule,
}
