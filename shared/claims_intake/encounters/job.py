"""The scheduled encounter run: every decided claim not yet reported (or changed since) -> one 837P in S3.

    encounters/YYYY/MM/DD/{interchange control number}.837

A run (1) settles what an interrupted run left RESERVED, (2) finds the claims to report: CLOSED with a
CLEAN, PARTIAL or DENIED disposition and no marker, or a marker for an older version of the claim whose
encounter content changed (then it goes again as a replacement, frequency code 7, of the original),
(3) reserves them, (4) writes the file and checks it (nothing is written that fails the encounter checks),
(5) marks them SENT with the file's key. A provider's corrected claim (a new claim whose control number,
CMS-1500 box 22, names a reported claim or its invoice number) goes as a replacement of that claim. A claim
that cannot make a valid encounter is HELD with the reason, one with nothing to report under the plan's line
setting is SKIPPED: none is lost, none goes twice.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from ..check.result import FINAL_DISPOSITIONS
from ..reference.model import ReferenceSource
from ..store import ClaimStatus, ClaimStore, DynamoReference, Tables
from .build import ORIGINAL, REPLACEMENT, EncounterClaim, NotEncodable, NothingToReport, build_encounter
from .checks import check_encounter_file
from .control import ControlNumbers, DynamoControlNumbers
from .document import EncounterFile, write_encounters
from .ledger import ClaimHeader, EncounterLedger, Marker, MarkerState

logger = logging.getLogger(__name__)
PREFIX = "encounters/"
FINAL = frozenset(d.value for d in FINAL_DISPOSITIONS)


class EncounterFileInvalid(RuntimeError):
    """The file failed the encounter checks: nothing was written, the claims stay reserved for the next run."""


@dataclass
class RunSummary:
    s3_key: str | None = None
    control_number: int | None = None
    claims: list[str] = field(default_factory=list)
    replacements: list[str] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    settled: list[str] = field(default_factory=list)  # RESERVED by an interrupted run, file found: now SENT
    unchanged: int = 0

    def to_json(self) -> dict[str, Any]:
        """What the handler logs and returns: counts and claim ids, no reason (a reason may name a diagnosis,
        which is health information about the claim's member; it stays on the claim's marker)."""
        return {
            "s3_key": self.s3_key,
            "control_number": self.control_number,
            "claims": len(self.claims),
            "replacements": len(self.replacements),
            "held": sorted(self.held),
            "skipped": len(self.skipped),
            "settled": len(self.settled),
            "unchanged": self.unchanged,
        }


@dataclass
class _Pending:
    header: ClaimHeader
    marker: Marker | None
    encounter: EncounterClaim
    content_sha: str


class PreTaken:
    """Control numbers already taken from the counter (taken before the claims are reserved)."""

    def __init__(self, numbers: list[int]):
        self.numbers = numbers

    def take(self, count: int) -> list[int]:
        if count > len(self.numbers):
            raise ValueError("more control numbers asked for than were taken")
        return self.numbers[:count]


class EncounterJob:
    def __init__(
        self,
        store: ClaimStore,
        s3,
        bucket: str,
        counter: ControlNumbers,
        reference: ReferenceSource | None = None,
        usage: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ):
        self.store, self.s3, self.bucket, self.counter = store, s3, bucket, counter
        self.ledger = EncounterLedger(store)
        self.reference, self.usage = reference, usage
        self._clock = clock or (lambda: datetime.now(UTC))

    def run(self) -> RunSummary:
        now = self._clock()
        summary = RunSummary()
        headers, markers = self.ledger.scan()
        markers = self._settle_reserved(markers, summary)
        pending = self._pending(headers, markers, now.date(), summary)
        if not pending:
            return summary
        plans = {item.encounter.plan for item in pending}
        numbers = self.counter.take(1 + len(plans))
        key = f"{PREFIX}{now:%Y/%m/%d}/{numbers[0]:09d}.837"
        reserved = [item for item in pending if self._reserve(item, numbers[0], key)]
        if not reserved:
            return summary
        written = write_encounters(
            [item.encounter for item in reserved], PreTaken(numbers), created=now, usage=self.usage
        )
        problems = check_encounter_file(written.text)
        if problems:
            raise EncounterFileInvalid(f"{len(problems)} problem(s), first: {problems[0]}")
        self.s3.put_object(
            Bucket=self.bucket, Key=key, Body=written.text.encode("ascii"), ContentType="application/edi-x12"
        )
        for item in reserved:
            self._mark_sent(item, written, key)
            summary.claims.append(item.header.claim_id)
            if item.encounter.claim.frequency == REPLACEMENT:
                summary.replacements.append(item.header.claim_id)
        summary.s3_key, summary.control_number = key, written.control_number
        return summary

    # ---- steps ---------------------------------------------------------------------------------

    def _settle_reserved(self, markers: dict[str, Marker], summary: RunSummary) -> dict[str, Marker]:
        """A RESERVED marker whose file is in S3 was sent; one whose file is not goes again (stays RESERVED)."""
        for claim_id, marker in list(markers.items()):
            if marker.state is not MarkerState.RESERVED or not self._exists(marker.s3_key):
                continue
            sent = replace(marker, state=MarkerState.SENT, sent_before=True)
            if self.ledger.put_marker(sent, marker, note="file found after an interrupted run", log_key=marker.s3_key):
                markers[claim_id] = sent
                summary.settled.append(claim_id)
        return markers

    def _pending(
        self, headers: list[ClaimHeader], markers: dict[str, Marker], today: date, summary: RunSummary
    ) -> list[_Pending]:
        pending = []
        for header in sorted(headers, key=lambda h: h.claim_id):
            marker = markers.get(header.claim_id)
            if header.status != ClaimStatus.CLOSED.value or header.disposition not in FINAL:
                continue
            if (
                marker is not None
                and marker.state is not MarkerState.RESERVED
                and marker.claim_version == header.version
            ):
                continue
            item = self._prepare(header, marker, markers, today, summary)
            if item is not None:
                pending.append(item)
        return pending

    def _prepare(
        self, header: ClaimHeader, marker: Marker | None, markers: dict[str, Marker], today: date, summary: RunSummary
    ) -> _Pending | None:
        stored = self.store.get_claim(header.claim_id)
        if stored is None:
            return None
        sent_before = marker is not None and marker.sent_before
        original = header.claim_id if sent_before else self._corrected_original(stored.claim, markers)
        try:
            encounter = build_encounter(
                stored.check_result(),
                decided_on=_day(stored.updated_at) or today,
                frequency=REPLACEMENT if original else ORIGINAL,
                original_reference=original or "",
                reference=self.reference,
            )
        except NotEncodable as reason:
            state = MarkerState.SKIPPED if isinstance(reason, NothingToReport) else MarkerState.HELD
            new = Marker(header.claim_id, state, header.version, sent_before=sent_before, reason=str(reason))
            if not self.ledger.put_marker(new, marker):
                return None
            if state is MarkerState.SKIPPED:
                summary.skipped.append(header.claim_id)
            else:
                summary.held[header.claim_id] = str(reason)
            return None
        content_sha = _content_sha(encounter)
        if marker is not None and marker.state is MarkerState.SENT and marker.content_sha == content_sha:
            # the claim's version moved (a status, a letter) but its encounter did not change: nothing to resend
            self.ledger.put_marker(replace(marker, claim_version=header.version), marker)
            summary.unchanged += 1
            return None
        return _Pending(header, marker, encounter, content_sha)

    def _corrected_original(self, claim, markers: dict[str, Marker]) -> str | None:
        """The reported claim a provider's corrected claim replaces: the one its control number (CMS-1500 box 22,
        original reference) names, by claim id or by the same provider's invoice number."""
        reference = (claim.control_number or "").strip()
        if not reference:
            return None
        reported = {claim_id for claim_id, marker in markers.items() if marker.sent_before} - {claim.claim_id}
        named = next((claim_id for claim_id in reported if claim_id.upper() == reference.upper()), None)
        if named or not claim.billing_provider_npi:
            return named
        billed = self.ledger.claims_with_invoice(claim.billing_provider_npi, reference) & reported
        return min(billed) if billed else None

    def _reserve(self, item: _Pending, control_number: int, key: str) -> bool:
        reserved = Marker(
            item.header.claim_id,
            MarkerState.RESERVED,
            item.header.version,
            item.content_sha,
            control_number,
            key,
            item.encounter.claim.frequency,
            sent_before=bool(item.marker and item.marker.sent_before),
        )
        if self.ledger.put_marker(reserved, item.marker):
            item.marker = reserved
            return True
        logger.info("encounter claim taken by another run", extra={"claim_id": item.header.claim_id})
        return False

    def _mark_sent(self, item: _Pending, written: EncounterFile, key: str) -> None:
        assert item.marker is not None
        sent = replace(item.marker, state=MarkerState.SENT, sent_before=True)
        note = (
            f"encounter {'replacement' if item.encounter.claim.frequency == REPLACEMENT else 'original'} "
            f"in interchange {written.control_number:09d}"
        )
        self.ledger.put_marker(sent, item.marker, note=note, log_key=key)

    def _exists(self, key: str) -> bool:
        if not key:
            return False
        try:
            self.s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True


def _content_sha(encounter: EncounterClaim) -> str:
    """What DHCS would see of the claim, less the frequency code and the adjudication dates: a change here
    makes a replacement; a claim whose record moved without changing its encounter is not sent again."""
    original = replace(encounter.claim, frequency=ORIGINAL, original_reference="")
    segments = [*encounter.provider.segments(), *encounter.subscriber.segments(), *original.segments()]
    text = "~".join("*".join(segment) for segment in segments if segment[:2] != ("DTP", "573"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _day(timestamp: str | None) -> date | None:
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).date() if timestamp else None
    except ValueError:
        return None


def job_from_env(environ: dict[str, str] | None = None) -> EncounterJob:
    """The scheduled function's job: tables from the environment, the uploads bucket, the counter item."""
    environ = dict(os.environ) if environ is None else environ
    tables = Tables.from_env(environ)
    dynamodb = boto3.client("dynamodb")
    store = ClaimStore(tables, client=dynamodb)
    return EncounterJob(
        store,
        boto3.client("s3"),
        environ["ENCOUNTERS_BUCKET"],
        DynamoControlNumbers(dynamodb, tables.claims),
        reference=DynamoReference(tables, dynamodb),
        usage=environ.get("ENCOUNTER_USAGE") or None,
    )
