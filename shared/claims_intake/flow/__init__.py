"""The Step Functions claim flow: letters, RFI and review waits, re-check, final disposition.

    statemachine/claim_flow.asl.json   the state machine (deployed by template.yaml)
    functions/flow_tasks/app.py        the one Lambda its tasks invoke: flow.aws.flow_tasks_from_env().run(event)
    flow.tasks.FlowTasks               the tasks (prepare, send_rfi, wait_rfi, wait_review, review_overdue,
                                       recheck, send_rejection, finalize, record_error)
    flow.start.start_flow              intake starts the flow for a stored claim
    flow.start.answer_from_upload      a provider's rfi/{claim}/ upload answers the open RFI
                                       (functions/rfi_upload/app.py: S3 -> SQS -> this)

Import the modules themselves: this package imports nothing, so intake (which only starts flows) does not
load the letters and reportlab. Design, diagram and configuration: docs/flow.md.
"""
