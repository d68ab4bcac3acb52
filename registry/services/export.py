"""De-identified cohort export: data file, codebook and manifest, audited.

:func:`export_cohort` selects a cohort (:func:`registry.services.cohorts.cohort_frame`),
de-identifies it (:mod:`registry.services.export_deid`: fresh random ids, days not dates,
site pseudonyms, small categories pooled) and writes three files:

- ``cohort_<export id>.<csv|parquet|xlsx>``: one row per episode (CSV/XLSX text cells made
  inert against formula injection, :mod:`registry.services.export_formats`);
- ``cohort_<export id>_codebook.csv``: variable, type, unit, codes, derivation;
- ``cohort_<export id>_manifest.json``: export id, time (UTC), format, cohort name, filters
  (canonical definition) and their digest, population and day 0, data cut, row and patient
  counts, the SHA-256 of the two other files, the digest of the source frame
  (:func:`~registry.services.cohorts.data_digest`) and the code version (package version,
  git commit when the source tree has one).

Every export is audited (``AuditAction.export`` on table ``export``, with the filters, row
count, file hashes, format and export id) in the transaction that ends the export: files are
written first and removed again if the audit cannot be committed. Only economists and the
system may export; anyone else is refused before anything is read, written or audited.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from sqlmodel import Session

from registry.auth import Actor, require
from registry.config import PROJECT_ROOT
from registry.errors import InvalidInput
from registry.models.base import utcnow
from registry.models.enums import AuditAction
from registry.services.audit import record_audit
from registry.services.cohorts import CohortDefinition, as_definition, cohort_frame, data_digest
from registry.services.common import today
from registry.services.export_codebook import codebook
from registry.services.export_deid import TOP_CODES, deidentify
from registry.services.export_formats import ExportFormat, sha256, table_bytes, to_csv
from registry.services.summary import SMALL_CELL

__all__ = ["ExportFormat", "ExportResult", "code_version", "export_cohort", "file_names"]

PACKAGE: Final = "cart-registry"
_DAY0: Final = {"infusion": "infusion (mITT)",
                "apheresis": "apheresis, for infused and never-infused episodes alike (ITT)"}


@dataclass(frozen=True)
class ExportResult:
    """What an export produced.

    Attributes
    ----------
    export_id : str
        Random id of this export (also in the file names, the manifest and the audit event).
    format : ExportFormat
    row_count, subject_count : int
        Episodes (rows) and patients exported.
    files : dict of str to bytes
        File name -> content: data file, codebook, manifest (in that order).
    manifest : dict
        The manifest as written.
    paths : tuple of Path
        Where the files were written; empty when no ``out_dir`` was given.
    """

    export_id: str
    format: ExportFormat
    row_count: int
    subject_count: int
    files: dict[str, bytes]
    manifest: dict[str, Any]
    paths: tuple[Path, ...] = field(default=())

    @property
    def data_name(self) -> str:
        return file_names(self.export_id, self.format)[0]

    @property
    def codebook_name(self) -> str:
        return file_names(self.export_id, self.format)[1]

    @property
    def manifest_name(self) -> str:
        return file_names(self.export_id, self.format)[2]


def file_names(export_id: str, fmt: ExportFormat) -> tuple[str, str, str]:
    """Names of the data file, codebook and manifest of an export.

    >>> file_names("0a1b2c", ExportFormat.xlsx)
    ('cohort_0a1b2c.xlsx', 'cohort_0a1b2c_codebook.csv', 'cohort_0a1b2c_manifest.json')
    """
    stem = f"cohort_{export_id}"
    return f"{stem}.{fmt.value}", f"{stem}_codebook.csv", f"{stem}_manifest.json"


def export_cohort(*, session: Session, actor: Actor,
                  definition: CohortDefinition | Mapping[str, Any], fmt: ExportFormat | str,
                  out_dir: Path | str | None = None, as_of: date | None = None) -> ExportResult:
    """Export a cohort de-identified, with codebook and manifest; audited.

    Parameters
    ----------
    session : Session
    actor : registry.auth.Actor
        Needs ``cohort:export`` (economist, system).
    definition : CohortDefinition or mapping
        The cohort's filter.
    fmt : {"csv", "parquet", "xlsx"}
        Format of the data file.
    out_dir : Path, optional
        Folder to write the three files into (created if missing; existing files are never
        overwritten). None: nothing is written, the bytes are in ``files`` (for the portal's
        download buttons). Either way the export is audited.
    as_of : date, optional
        Data cut, default today (UTC).

    Returns
    -------
    ExportResult

    Raises
    ------
    registry.errors.PermissionDenied
        Any role but economist and system; nothing is read, written or audited.
    registry.errors.InvalidInput
        Unknown format, a bad definition, no episode matching it, or ``out_dir`` not a folder.

    Examples
    --------
    >>> result = export_cohort(session=session, actor=economist,  # doctest: +SKIP
    ...                        definition={"indications": ["B-ALL"]}, fmt="csv")
    >>> sorted(result.files)  # doctest: +SKIP
    ['cohort_3f...csv', 'cohort_3f..._codebook.csv', 'cohort_3f..._manifest.json']
    """
    require(actor, "cohort:export")
    try:
        fmt = ExportFormat(fmt)
    except ValueError:
        raise InvalidInput.one("fmt", f"{fmt!r} is not offered; choose csv, parquet or xlsx",
                               "export.format", value=repr(fmt)) from None
    definition = as_definition(definition)
    folder = None if out_dir is None else Path(out_dir)
    if folder is not None and folder.exists() and not folder.is_dir():
        raise InvalidInput.one("out_dir", f"{str(folder)!r} is a file; give a folder",
                               "export.not_a_folder", value=repr(str(folder)))
    cut = as_of.date() if isinstance(as_of, datetime) else as_of or today()
    frame = cohort_frame(session=session, actor=actor, definition=definition, as_of=cut)
    if frame.empty:
        raise InvalidInput.one("definition", "no episode matches these filters; widen them",
                               "export.empty")
    export_id = secrets.token_hex(6)
    clean = deidentify(frame)
    time_origin = str(frame.attrs["time_origin"])
    rows, subjects = len(clean.table), clean.subjects
    data_name, codebook_name, manifest_name = file_names(export_id, fmt)
    data = table_bytes(clean.table, fmt)
    book = to_csv(codebook(clean.table, day0=_DAY0[time_origin]))
    hashes = {data_name: sha256(data), codebook_name: sha256(book)}
    manifest = {
        "export_id": export_id,
        "created_at": utcnow().isoformat(timespec="seconds"),
        "format": fmt.value,
        "cohort_name": definition.name,
        "filters": definition.filters(),
        "definition_digest": definition.digest(),
        "population": definition.population.value,
        "time_origin": time_origin,
        "as_of": cut.isoformat(),
        "row_count": rows,
        "subject_count": subjects,
        "files": {name: {"sha256": digest} for name, digest in hashes.items()},
        "source_data_digest": data_digest(frame),
        "de_identification": {
            "ids": "fresh random subject ids per export (not derivable from registry ids)",
            "dates": f"days from day 0 ({time_origin}); no calendar dates",
            "small_cell": SMALL_CELL,
            "categories_pooled_as_other": {k: v for k, v in clean.pooled.items() if v},
            "top_codes": dict(TOP_CODES),
        },
        "code_version": code_version(),
    }
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    files = {data_name: data, codebook_name: book, manifest_name: text.encode("utf-8")}
    paths = _write(folder, files) if folder is not None else ()
    try:
        record_audit(session, actor, AuditAction.export, "export", None, after={
            "export_id": export_id, "format": fmt.value, "filters": definition.filters(),
            "definition_digest": definition.digest(), "cohort_name": definition.name,
            "as_of": cut.isoformat(), "row_count": rows, "subject_count": subjects,
            "files": hashes,
            "written_to": None if folder is None else str(folder.resolve()),
        })
        session.commit()
    except BaseException:
        session.rollback()
        for path in paths:
            path.unlink(missing_ok=True)
        raise
    return ExportResult(export_id=export_id, format=fmt, row_count=rows, subject_count=subjects,
                        files=files, manifest=manifest, paths=paths)


def _write(folder: Path, files: dict[str, bytes]) -> tuple[Path, ...]:
    """Write each file (never over an existing one); on failure remove what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for name, content in files.items():
            path = folder / name
            with path.open("xb") as handle:
                written.append(path)
                handle.write(content)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return tuple(written)


def code_version(root: Path = PROJECT_ROOT) -> dict[str, str | None]:
    """The package version and, when the source tree is a git checkout, its commit.

    Read from the files (``.git/HEAD``, refs, ``packed-refs``), without running git; None
    for what cannot be found.

    Examples
    --------
    >>> sorted(code_version())
    ['git_commit', 'package']
    """
    try:
        version: str | None = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        version = None
    return {"package": version, "git_commit": _git_commit(root)}


def _git_commit(root: Path) -> str | None:
    sha = re.compile(r"^[0-9a-f]{40}$")
    try:
        git = root / ".git"
        if git.is_file():  # a worktree: "gitdir: <path>"
            git = (root / git.read_text().partition(":")[2].strip()).resolve()
        head = (git / "HEAD").read_text().strip()
        if sha.match(head):
            return head
        ref = head.removeprefix("ref:").strip()
        loose = git / ref
        if loose.is_file():
            found = loose.read_text().strip()
            return found if sha.match(found) else None
        packed = git / "packed-refs"
        for line in packed.read_text().splitlines() if packed.is_file() else []:
            commit, _, name = line.partition(" ")
            if name.strip() == ref and sha.match(commit):
                return commit
    except (OSError, UnicodeDecodeError):
        return None
    return None
