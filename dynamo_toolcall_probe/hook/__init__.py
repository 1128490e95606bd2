"""The worker-side hook: record the raw engine tokens of requests the probe marks.

    DYNAMO_PROBE_RECORD_DIR=/records python -m dynamo_toolcall_probe.hook dynamo.vllm <its args>

Mark a request by creating `/records/marks/<uuid>` (or `DYNAMO_PROBE_RECORD_IDS=<uuid>,...`) and
sending it with `x-dynamo-request-id: <uuid>`; read it back with
`dynamo_toolcall_probe.hook.records.load_worker_record(record_dir, uuid)`.
"""

from .records import WorkerRecord, hook_status, load_worker_record, mark_request

__all__ = ["WorkerRecord", "hook_status", "load_worker_record", "mark_request"]
