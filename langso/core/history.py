"""Writing to and verifying the hash-chained history (used by every domain service)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from langso.core import request_context
from langso.core.models import Commune, HistoryChain, HistoryEvent


def _commune_of(obj: models.Model) -> Commune | None:
    if isinstance(obj, Commune):
        return obj
    return getattr(obj, "commune", None)


def _object_repr(obj: models.Model) -> str:
    """How the event names its object. Records about people are named by kind and number
    only: the log is append-only, so personal data written into it could never be erased
    (Law 91/2025/QH15, right to deletion) and would show to every auditor."""
    if getattr(obj, "personal_data", False):
        return f"{obj._meta.verbose_name} #{obj.pk}"[:255]
    return str(obj)[:255]


def _label(actor: Any) -> str:
    if actor is None:
        return "Hệ thống"
    # Officers act in their public capacity and are named; a resident acting on their own
    # application is personal data, named by account number like the records about people.
    if getattr(actor, "is_public", False):
        return f"Công dân #{actor.pk}"
    return (getattr(actor, "full_name", "") or getattr(actor, "username", "") or str(actor))[:150]


@transaction.atomic
def history_record(
    *,
    obj: models.Model,
    action: str,
    actor: Any = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    commune: Commune | None = None,
    now: datetime | None = None,
) -> HistoryEvent:
    """Append one event to the commune's chain. Call it inside the service's transaction."""
    commune = commune or _commune_of(obj)
    commune_id = commune.pk if commune else None
    key = HistoryChain.key_for(commune_id)
    HistoryChain.objects.get_or_create(key=key, defaults={"commune_id": commune_id})
    chain = HistoryChain.objects.select_for_update().get(key=key)
    ctx = request_context.current()
    actor_obj = actor if getattr(actor, "pk", None) else None
    event = HistoryEvent(
        chain=chain,
        commune_id=commune_id,
        seq=chain.last_seq + 1,
        # Truncated to microseconds so the hash is the same after a database round-trip.
        at=(now or timezone.now()).astimezone(UTC),
        actor=actor_obj,
        actor_label=_label(actor),
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=_object_repr(obj),
        action=action,
        from_state=str(from_state or ""),
        to_state=str(to_state or ""),
        reason=reason or "",
        client_address=ctx.client_address,
        data=data or {},
        prev_hash=chain.last_hash,
    )
    event.hash = event.compute_hash()
    event.save()
    chain.last_seq = event.seq
    chain.last_hash = event.hash
    chain.save(update_fields=["last_seq", "last_hash"])
    return event


@dataclass(frozen=True)
class ChainProblem:
    commune_id: int | None
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"xã #{self.commune_id}" if self.commune_id else "chuỗi chung"
        at = f", sự kiện #{self.seq}" if self.seq is not None else ""
        return f"{where}{at}: {self.problem}"


def history_verify(*, commune_id: int | str | None = "all") -> list[ChainProblem]:
    """Recompute every chain; report edited rows, gaps (deleted rows) and a truncated tail."""
    problems: list[ChainProblem] = []
    chains = HistoryChain.objects.all()
    if commune_id != "all":
        # None selects the global chain (commune IS NULL); the stubs reject None here.
        chains = chains.filter(commune_id=commune_id)  # type: ignore[misc]
    for chain in chains.iterator():
        expected_seq, prev_hash = 1, ""
        events = (HistoryEvent.objects.filter(chain=chain)
                  .select_related("content_type").order_by("seq"))
        for event in events.iterator(chunk_size=2000):
            if event.seq != expected_seq:
                problems.append(ChainProblem(chain.commune_id, expected_seq,
                                             "thiếu sự kiện (đã bị xóa)"))
            if event.prev_hash != prev_hash:
                problems.append(ChainProblem(chain.commune_id, event.seq,
                                             "liên kết với sự kiện trước bị sai"))
            if event.compute_hash() != event.hash:
                problems.append(ChainProblem(chain.commune_id, event.seq,
                                             "nội dung đã bị sửa"))
            expected_seq, prev_hash = event.seq + 1, event.hash
        if expected_seq - 1 != chain.last_seq or prev_hash != chain.last_hash:
            problems.append(ChainProblem(chain.commune_id, chain.last_seq,
                                         "cuối chuỗi không khớp (sự kiện cuối đã bị xóa/sửa)"))
    return problems
