"""Issuing documents in two phases: the number and verification code given at once, the PDF built by a forked
worker while the caller goes on with other work, the document recorded when its bytes come back.

    with transaction.atomic(), documents.deferred():   # inside the caller's transaction (required)
        reservation = documents.reserve(kind, title, build_pdf, fee=0, subject_ref=..., purpose=...)
        row = MyRecord.objects.create(..., number=reservation.number, code=reservation.code, pdf=b"")
        reservation.complete(lambda document, data: MyRecord.objects.filter(pk=row.pk).update(pdf=data))
        ...                                             # other work while the worker builds the PDF
    # leaving the block: every PDF received back, then (in reservation order, each in the municipality and actor of
    # its reservation) its content hash, register row, public index row, audit record and meter, then its `then`

Phase one (`reserve`) takes the next number of the app's series and a fresh verification code in a savepoint of the
caller's transaction, as `issue_document` does; phase two runs in the same transaction before the block ends. A
build that raises or a worker that dies raises `DocumentWorkerFailed` from the block: the caller's transaction rolls
back with it, so nothing of the batch is recorded — no number, no register row, no audit record.

The worker: one process per block, forked at the first reservation handed to it (only from a single-threaded
process — fork copies the calling thread alone, so a lock another thread held would stay locked in the child —
and only when `settings.LGCLOUD_DOCUMENT_WORKER` is on or the block asks for it: the test settings turn it off).
It never touches the database connections it inherited (a guard makes any statement raise there) and ends by
`os._exit`. Each build is sent pickled, so `build_pdf` must be picklable (`functools.partial` of a module-level
function and plain data or model instances it needs, read beforehand); a build that is not picklable, a block that
may not fork, or a reservation outside any block is built in the caller's process at `complete()` and recorded at
once — exactly `issue_document`. Same input, same bytes: the PDF is byte-identical either way
(tests/test_documents_twophase.py).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import os
import pickle
import queue
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from lgcloud.platform.common.forking import fork_child
from lgcloud.platform.documents.codes import VerificationUrl
from lgcloud.platform.documents.models import IssuedDocument
from lgcloud.platform.documents.services import new_code, next_number, record_issued, validate
from lgcloud.platform.tenancy.context import Actor, current_actor, municipality_scope, require_municipality
from lgcloud.platform.tenancy.models import Municipality

Then = Callable[[IssuedDocument, bytes], Any]


class DocumentWorkerFailed(RuntimeError):
    """A deferred PDF build failed (in the worker or its pipe): the caller's transaction is to be rolled back."""


@dataclass
class Reservation:
    """A document given its number and code whose bytes and record are still to come."""

    kind: str
    app_label: str
    title: str
    number: int
    code: str
    fee: int
    subject_ref: str
    issued_at: dt.datetime
    purpose: str
    detail: dict[str, Any] | None
    municipality: Municipality
    actor: Actor
    build: Callable[[VerificationUrl], bytes] | None  # None once handed to a worker
    block: _Block | None = None
    then: Then | None = None
    completed: bool = False
    document: IssuedDocument | None = None  # once recorded

    @property
    def url(self) -> VerificationUrl:
        return VerificationUrl(self.code, self.number)

    def complete(self, then: Then | None = None) -> IssuedDocument | None:
        """Record the document when its bytes are there (now, or when the block ends if a worker builds them) and
        then call `then(document, data)`. Returns the register row if recorded now, else None."""
        if self.completed:
            raise RuntimeError("a reservation is completed once")
        self.completed, self.then = True, then
        if self.build is None:  # a worker builds it: recorded when the block ends
            return None
        data = self.build(self.url)
        return self._record(data)

    def _record(self, data: bytes) -> IssuedDocument:
        with municipality_scope(self.municipality, self.actor), transaction.atomic():
            self.document = record_issued(
                self.municipality, self.app_label, self.kind, self.title, self.number, self.code, data, fee=self.fee,
                subject_ref=self.subject_ref, issued_at=self.issued_at, purpose=self.purpose, detail=self.detail)
            if self.then is not None:
                self.then(self.document, data)
        return self.document


_current: contextvars.ContextVar[_Block | None] = contextvars.ContextVar("documents_deferred", default=None)


def reserve(kind: str, title: str, build_pdf: Callable[[VerificationUrl], bytes], *, fee: int,
            subject_ref: str = "", issued_at: dt.datetime | None = None, purpose: str = "",
            detail: dict[str, Any] | None = None) -> Reservation:
    """Phase one: the next number of the app's series and a verification code (in the caller's transaction); the
    build handed to the block's worker when there is one and it may be used. Call `.complete(then)` next."""
    app_label, title = validate(kind, title, fee)
    municipality = require_municipality()
    block = _current.get()
    with transaction.atomic():
        number = next_number(app_label)
        code = new_code(block.codes if block is not None else ())
    reservation = Reservation(kind, app_label, title, number, code, int(fee), str(subject_ref),
                              issued_at or timezone.now(), purpose, detail, municipality, current_actor(), build_pdf)
    if block is not None:
        block.codes.add(code)
        block.take(reservation)
    return reservation


@contextlib.contextmanager
def deferred(fork: bool | None = None) -> Iterator[_Block]:
    """A block whose reservations are built by one forked worker and recorded when it ends (see the module).
    `fork`: None → `settings.LGCLOUD_DOCUMENT_WORKER`; False → every build in this process at `complete()`."""
    if not connection.in_atomic_block:
        raise RuntimeError("documents.deferred() runs inside the caller's transaction")
    block = _Block(bool(getattr(settings, "LGCLOUD_DOCUMENT_WORKER", False)) if fork is None else fork)
    token = _current.set(block)
    try:
        yield block
        block.finish()
    finally:
        _current.reset(token)
        block.close()


@dataclass
class _Block:
    fork: bool
    codes: set[str] = field(default_factory=set)
    waiting: list[Reservation] = field(default_factory=list)
    worker: _Worker | None = None
    worker_cpu: float = 0.0  # seconds of CPU the worker spent building (reported by it)

    def take(self, reservation: Reservation) -> None:
        if not self.fork:
            return
        try:
            job = pickle.dumps((len(self.waiting), reservation.code, reservation.number, reservation.build),
                               protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, AttributeError, TypeError):
            return  # not picklable (a lambda, a closure): built here at complete()
        if self.worker is None:
            if threading.active_count() > 1 or not hasattr(os, "fork"):
                self.fork = False  # forking is not safe here: every build of the block in this process
                return
            self.worker = _Worker()
        reservation.build, reservation.block = None, self
        self.waiting.append(reservation)
        self.worker.send(job)

    def finish(self) -> None:
        """Receive every PDF back and record each document, in reservation order (the caller's transaction)."""
        if not self.waiting:
            return
        assert self.worker is not None
        left = [r for r in self.waiting if not r.completed]
        if left:
            raise RuntimeError(f"reserved but never completed: {', '.join(r.kind for r in left)}")
        results = self.worker.results(len(self.waiting))
        for index, reservation in enumerate(self.waiting):
            data, cpu = results[index]
            self.worker_cpu += cpu
            reservation._record(data)
        self.waiting = []

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None


class _Worker:
    """One forked process building PDFs: jobs in through a pipe, bytes out through another. A thread of the caller
    writes the jobs and one reads the results, so neither process waits on a full pipe."""

    def __init__(self) -> None:
        jobs_read, jobs_write = os.pipe()
        results_read, results_write = os.pipe()
        # the worker never returns into the caller's code and never uses the inherited connections
        pid = fork_child(lambda: _serve(Connection(jobs_read, writable=False), Connection(results_write, readable=False)),
                         close=(jobs_write, results_read))
        os.close(jobs_read)
        os.close(results_write)
        self.pid: int | None = pid
        self._jobs = Connection(jobs_write, readable=False)
        self._results = Connection(results_read, writable=False)
        self._outbox: queue.Queue[bytes | None] = queue.Queue()
        self._inbox: queue.Queue[bytes | BaseException] = queue.Queue()
        self._sender = threading.Thread(target=self._send_all, name="documents-worker-send", daemon=True)
        self._receiver = threading.Thread(target=self._receive_all, name="documents-worker-receive", daemon=True)
        self._sender.start()
        self._receiver.start()

    def send(self, job: bytes) -> None:
        self._outbox.put(job)

    def _send_all(self) -> None:
        try:
            while (job := self._outbox.get()) is not None:
                self._jobs.send_bytes(job)
        except OSError:
            pass  # the worker is gone: the receiver reports it
        finally:
            self._jobs.close()  # the worker sees the end of its jobs and exits

    def _receive_all(self) -> None:
        while True:
            try:
                self._inbox.put(self._results.recv_bytes())
            except BaseException as e:  # end of the pipe: the worker exited (done, or died)
                self._inbox.put(e)
                return

    def results(self, count: int) -> dict[int, tuple[bytes, float]]:
        self._outbox.put(None)  # no more jobs
        received: dict[int, tuple[bytes, float]] = {}
        while len(received) < count:
            item = self._inbox.get()
            if isinstance(item, BaseException):
                raise DocumentWorkerFailed(f"文書を作成するプロセスが途中で終了しました: {item!r}")
            index, data, error, cpu = pickle.loads(item)  # noqa: S301 (our own forked worker, our own pipe)
            if error is not None:
                raise DocumentWorkerFailed(error)
            received[index] = (data, cpu)
        return received

    def stop(self) -> None:
        """End the worker (at once if it still works: the block failed) and reap it; join the threads."""
        self._outbox.put(None)
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
            self.pid = None
        self._sender.join()
        self._receiver.join()
        self._results.close()


def _no_database(*_args: Any) -> Any:
    raise RuntimeError("a document worker does not use the database: read what the PDF needs before reserving")


def _serve(jobs: Connection, results: Connection) -> None:
    """In the worker: build each job's PDF and send it back, until the caller closes the jobs' pipe."""
    for alias_connection in connections.all(initialized_only=True):
        alias_connection.execute_wrappers.append(_no_database)  # the inherited connection stays untouched
    while True:
        try:
            raw = jobs.recv_bytes()
        except EOFError:
            return
        index, code, number, build = pickle.loads(raw)  # noqa: S301 (from our own caller)
        started = time.process_time()
        reply: tuple[int, bytes | None, str | None, float]
        try:
            data = build(VerificationUrl(code, number))
            if not isinstance(data, bytes) or not data.startswith(b"%PDF"):
                raise ValueError("build_pdf must return the PDF's bytes")
            reply = (index, data, None, time.process_time() - started)
        except BaseException:
            reply = (index, None, traceback.format_exc(), time.process_time() - started)
        results.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))
