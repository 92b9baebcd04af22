import os

# Tests never reach AWS: moto answers, and no real credentials are ever picked up.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-west-2")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ClaimsIntakeTest")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "claims-intake")
os.environ.setdefault("SAM_CLI_TELEMETRY", "0")
