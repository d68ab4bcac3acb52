"""Every message the services raise has a catalogue code, so a Russian user never reads English.

1. A source scan: every error the service modules build passes a literal catalogue code with
   the params its texts need.
2. The merged entries (registry/i18n_messages.py): both languages, the same placeholders.
3. Every pydantic error type our models can produce is catalogued.
4. Real refusals from the services: Russian text without the message's English words, and the
   English text exactly the service's message.
"""

from __future__ import annotations

import ast
import re
import string
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from registry import models
from registry.auth import Actor, create_user, set_language
from registry.errors import FieldError, InvalidInput, PermissionDenied, RegistryError
from registry.i18n import CATALOGUE, error_text, message_text
from registry.i18n_messages import ENTRIES as MESSAGE_ENTRIES
from registry.models import UserCreate
from registry.models.adverse_event import AdverseEventBase, DeathBase
from registry.models.enums import AdverseEventType, Role
from registry.models.followup import FollowUpBase
from registry.models.patient import PatientBase
from registry.models.product import ManufacturingLotBase
from registry.services import (
    corrections,
    events,
    queries,
    treatment,
    uploads,
    worklist,
)
from registry.services.common import Checks, field_errors
from registry.services.corrections import Correction
from registry.services.uploads import UploadKind
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
SCANNED = [
    *(
        ROOT / "registry" / "services" / f"{name}.py"
        for name in (
            "patients", "treatment", "followup", "events", "corrections", "queries", "timeline",
            "worklist", "summary", "common", "uploads", "upload_templates", "audit",
            "admin", "workspace", "costing", "cohorts", "export", "export_deid",
            "export_codebook", "export_formats",
        )
    ),
    *sorted((ROOT / "registry" / "services" / "hta").glob("*.py")),
    ROOT / "registry" / "auth.py",
    ROOT / "registry" / "passwords.py",
    *sorted((ROOT / "registry" / "quality").glob("*.py")),
    ROOT / "registry" / "identity.py",
]

# Errors whose code is a keyword argument only.
REFUSALS = {"RegistryError", "PermissionDenied", "NotFound", "Conflict", "LoginFailed", "SignError"}
# Position of `code` when passed positionally.
CODE_POSITION = {"FieldError": 3, "add": 2, "check": 3, "one": 2}
NOT_PARAMS = {"code", "current", "row"}

# Functions that pass on a code they were given (each checked where it is made), by
# (file, function): Checks.add/check take the caller's code; field_errors builds
# `pydantic.<type>` (test_every_pydantic_error_type_is_catalogued); an AE's signs pass on
# the code of the SignError that compute_grade raised (scanned like any refusal).
FORWARDERS = {
    ("registry/services/common.py", "add"),
    ("registry/services/common.py", "check"),
    ("registry/services/common.py", "field_errors"),
    ("registry/services/events.py", "check_adverse_event_values"),
}
# Messages allowed without a literal code, by (file, function). Keep it empty.
EXCEPTIONS: set[tuple[str, str]] = set()

PHRASE_KEY = re.compile(r"^(what|sign\.name|upload\.record)\.[\w.]+$")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _needed(key: str) -> set[str]:
    entry = CATALOGUE[key]
    return _placeholders(entry["ru"]) | _placeholders(entry["en"])


class _Call:
    def __init__(self, path: Path, function: str, node: ast.Call, kind: str) -> None:
        self.where = f"{path.relative_to(ROOT).as_posix()}:{node.lineno}"
        self.owner = (path.relative_to(ROOT).as_posix(), function)
        self.node = node
        self.kind = kind

    def code(self) -> ast.expr | None:
        for keyword in self.node.keywords:
            if keyword.arg == "code":
                return keyword.value
        position = CODE_POSITION.get(self.kind)
        if position is not None and len(self.node.args) > position:
            return self.node.args[position]
        return None

    def params(self) -> dict[str, ast.expr] | None:
        """The params given (name -> value), or None when some are spread (``**params``)."""
        if self.kind == "FieldError":
            given = next((k.value for k in self.node.keywords if k.arg == "params"), None)
            if given is None and len(self.node.args) > 4:
                given = self.node.args[4]
            if given is None:
                return {}
            if not isinstance(given, ast.Dict) or any(k is None for k in given.keys):
                return None
            return {
                k.value: v
                for k, v in zip(given.keys, given.values, strict=True)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            }
        if any(k.arg is None for k in self.node.keywords):
            return None
        return {k.arg: k.value for k in self.node.keywords if k.arg not in NOT_PARAMS}


def _error_calls() -> list[_Call]:
    calls: list[_Call] = []
    for path in SCANNED:
        tree = ast.parse(path.read_text("utf-8"))

        def visit(node: ast.AST, function: str, cls: str, path: Path = path) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    visit(child, child.name, cls)
                    continue
                if isinstance(child, ast.ClassDef):
                    visit(child, function, child.name)
                    continue
                if isinstance(child, ast.Call):
                    kind = _kind(child, cls)
                    if kind is not None:
                        calls.append(_Call(path, function, child, kind))
                visit(child, function, cls)

        visit(tree, "<module>", "")
    return calls


def _kind(call: ast.Call, cls: str) -> str | None:
    func = call.func
    if isinstance(func, ast.Name) and func.id in REFUSALS | {"FieldError"}:
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        owner, name = func.value.id, func.attr
        if name == "one" and owner == "InvalidInput":
            return "one"
        if name in ("add", "check") and (owner == "checks" or (owner, cls) == ("self", "Checks")):
            return name
    return None


CALLS = _error_calls()


def test_the_scan_finds_the_services_errors() -> None:
    kinds = {call.kind for call in CALLS}
    assert {"FieldError", "add", "check", "one", "PermissionDenied", "Conflict", "LoginFailed",
            "NotFound", "SignError"} <= kinds
    assert len(CALLS) > 100


@pytest.mark.parametrize("call", CALLS, ids=lambda c: c.where)
def test_every_error_passes_a_catalogue_code_and_its_params(call: _Call) -> None:
    code = call.code()
    if call.owner in EXCEPTIONS:
        return
    if not (isinstance(code, ast.Constant) and isinstance(code.value, str)):
        assert call.owner in FORWARDERS, f"{call.where}: no literal catalogue code"
        return
    assert code.value in CATALOGUE, f"{call.where}: {code.value!r} is not in the catalogue"
    params = call.params()
    if params is None:  # spread: checked by the runtime tests below
        return
    given = set(params)
    for name, value in params.items():
        if name.endswith("_key"):
            given.add(name[:-4])
            if isinstance(value, ast.Constant):
                assert value.value in CATALOGUE, f"{call.where}: {name}={value.value!r}"
                assert _needed(value.value) <= set(params), call.where
    missing = _needed(code.value) - given
    assert not missing, f"{call.where}: {code.value} needs {sorted(missing)}"


def test_forwarders_and_exceptions_are_current() -> None:
    owners = {call.owner for call in CALLS}
    assert FORWARDERS <= owners and EXCEPTIONS <= owners
    assert not EXCEPTIONS, "every message has a code"


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: p.name)
def test_every_phrase_key_in_the_source_exists(path: Path) -> None:
    """``what.*``, ``sign.name.*`` and ``upload.record.*`` keys (literal or f-string prefixes)."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if PHRASE_KEY.match(node.value):
                assert node.value in CATALOGUE, f"{path.name}:{node.lineno}: {node.value!r}"
        elif isinstance(node, ast.JoinedStr) and node.values:
            head = node.values[0]
            if isinstance(head, ast.Constant) and re.match(r"^sign\.name\.", str(head.value)):
                assert any(k.startswith(str(head.value)) for k in CATALOGUE), path.name


# ---- 2. the merged entries --------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(MESSAGE_ENTRIES))
def test_message_entry_is_merged_in_both_languages_with_the_same_placeholders(key: str) -> None:
    entry = MESSAGE_ENTRIES[key]
    assert set(entry) == {"ru", "en"}
    assert CATALOGUE[key] == entry, "merged into registry.i18n.CATALOGUE"
    assert entry["ru"].strip() and entry["en"].strip()
    assert _placeholders(entry["ru"]) == _placeholders(entry["en"])
    assert re.search("[а-яё]", entry["ru"], re.IGNORECASE), "the Russian text is Russian"


def test_phrase_params_are_shown_in_the_users_language() -> None:
    error = FieldError("death_date", "01.01.2025 is before the infusion already recorded "
                       "(01.03.2025)", code="date.before",
                       params={"value": "01.01.2025", "limit": "01.03.2025",
                               "what_key": "what.recorded_infusion"})
    assert error_text(error, "en") == error.message
    assert error_text(error, "ru") == (
        "01.01.2025 раньше, чем дата уже записанной инфузии (01.03.2025)")
    twice = FieldError("timepoint", "", code="upload.error.twice", params={
        "what_key": "upload.record.form", "timepoint": "D28", "patient": "'P1'", "episode": 1,
        "row": 3})
    assert error_text(twice, "ru").startswith("форма D28 пациента 'P1', эпизод 1: ")
    assert error_text(twice, "en") == (
        "the D28 form of patient 'P1' episode 1 is already on row 3 of this file; "
        "give each record once")
    refusal = RegistryError("x", code="denied.upload_no_site", username="dm")
    assert message_text(refusal, "ru").startswith("у пользователя dm нет центра")


# ---- 3. pydantic error types ------------------------------------------------------------------

PARSED_MODELS: list[type[BaseModel]] = [
    models.PatientCreate, models.ApheresisCreate, models.ManufacturingLotCreate, models.LotLink,
    models.InfusionCreate, models.NotInfusedCreate, models.FollowUpCreate,
    models.AdverseEventCreate, models.DeathCreate, models.DataQueryCreate, UserCreate,
    Correction, PatientBase, FollowUpBase, AdverseEventBase, DeathBase, ManufacturingLotBase,
    models.TreatmentEpisode,
]
BAD_VALUES: list[Any] = [
    "abc", 1.5, "1.5", "2024-01-01T10:00", datetime(2024, 1, 1, 10), 10**9, -5, "x" * 5000, "",
    {}, [], True, None, "2024-13-45", "maybe", 10**30, float("nan"), float("inf"), b"\xff",
    "1e400", 0,
]


def test_every_pydantic_error_type_is_catalogued() -> None:
    """What `field_errors` can produce for the models the services parse (with `parse`)."""
    found: dict[str, str] = {}
    for model in PARSED_MODELS:
        for name in model.model_fields:
            for bad in BAD_VALUES:
                try:
                    model.model_validate({name: bad})
                except ValidationError as exc:
                    for error in field_errors(exc):
                        found.setdefault(str(error.code), f"{model.__name__}.{name}={bad!r}")
        for whole in ("not a record", 5, None):
            try:
                model.model_validate(whole)
            except ValidationError as exc:
                for error in field_errors(exc):
                    found.setdefault(str(error.code), f"{model.__name__}={whole!r}")
    assert "pydantic.enum" in found and "pydantic.missing" in found
    assert sorted(code for code in found if code not in CATALOGUE) == [], found


def test_pydantic_codes_echo_the_allowed_values_without_english() -> None:
    with pytest.raises(ValidationError) as exc:
        models.PatientCreate.model_validate(f.patient_data().model_dump() | {"sex": "X"})
    (error,) = field_errors(exc.value)
    assert error_text(error, "ru") == "недопустимый код 'X'; допустимо: 'F', 'M'"


# ---- 4. real refusals ---------------------------------------------------------------------------

WORD = re.compile(r"[A-Za-z]{3,}")
# Abbreviations and file formats, the same in both languages.
KEPT = {"ASTCT", "CRS", "ICANS", "CSV", "XLSX", "UTF", "csv", "xlsx"}


def assert_translated(error: FieldError | RegistryError, *, english_is_message: bool = True) -> str:
    """The Russian text; it is Russian, has none of the message's English words (values it
    echoes aside), and the English text is the service's message."""
    if isinstance(error, FieldError):
        ru, en, message = error_text(error, "ru"), error_text(error, "en"), error.message
    else:
        ru, en, message = message_text(error, "ru"), message_text(error, "en"), str(error)
    assert error.code in CATALOGUE, error
    if english_is_message:
        assert en == message
    assert ru != message and re.search("[а-яё]", ru, re.IGNORECASE), ru
    echoed = " ".join(str(v) for k, v in error.params.items() if not k.endswith("_key"))
    english = {w for w in WORD.findall(message) if w not in echoed} - KEPT
    assert not english & set(WORD.findall(ru)), (ru, english & set(WORD.findall(ru)))
    return ru


def only(exc: pytest.ExceptionInfo[InvalidInput], field: str) -> FieldError:
    (error,) = [e for e in exc.value.errors if e.field == field]
    return error


def test_icu_days_above_hospital_days(session: Session, products: Any,
                                      clinician_a: Actor) -> None:
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    with pytest.raises(InvalidInput) as exc:
        f.make_followup(session, clinician_a, episode, icu_days=5, hospital_days=3)
    ru = assert_translated(only(exc, "icu_days"))
    assert ru == "5 дн. в ОРИТ больше, чем 3 дн. в стационаре"


def test_duplicate_site_patient_code(session: Session, sites: Any, clinician_a: Actor) -> None:
    first = f.make_patient(session, clinician_a, site_patient_code="HEM-1")
    with pytest.raises(InvalidInput) as exc:
        f.make_patient(session, clinician_a, site_patient_code="HEM-1")
    ru = assert_translated(only(exc, "site_patient_code"))
    assert "'HEM-1'" in ru and first.registry_id in ru


def test_follow_up_before_the_infusion(session: Session, products: Any,
                                       clinician_a: Actor) -> None:
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    with pytest.raises(InvalidInput) as exc:
        f.make_followup(session, clinician_a, episode,
                        assessment_date=f.INFUSION - timedelta(days=1))
    ru = assert_translated(only(exc, "assessment_date"))
    assert ru == "28.02.2025 раньше, чем дата инфузии (01.03.2025)"


def test_treatment_chain_refusals(session: Session, products: Any, clinician_a: Actor) -> None:
    patient = f.make_patient(session, clinician_a)
    episode = f.make_episode(session, clinician_a, patient, products[0].id)
    with pytest.raises(InvalidInput) as exc:
        treatment.record_infusion(session=session, actor=clinician_a, data=models.InfusionCreate(
            episode_id=episode.id, infusion_date=f.INFUSION, bridging="none",
            lymphodepletion="Flu/Cy", dose_car_positive_cells=2e8))
    assert_translated(only(exc, "episode_id"))
    treatment.record_lot(session=session, actor=clinician_a,
                         data=f.lot_data(episode, manufacturing_failed=True, release_date=None))
    with pytest.raises(InvalidInput) as exc:
        treatment.record_infusion(session=session, actor=clinician_a, data=models.InfusionCreate(
            episode_id=episode.id, infusion_date=f.INFUSION, bridging="none",
            lymphodepletion="Flu/Cy", dose_car_positive_cells=2e8))
    assert "не выпущена" in assert_translated(only(exc, "episode_id"))


def test_death_before_what_is_recorded_and_twice(session: Session, products: Any,
                                                 clinician_a: Actor) -> None:
    patient, _ = f.make_infused_episode(session, clinician_a, products[0].id)
    with pytest.raises(InvalidInput) as exc:
        f.make_death(session, clinician_a, patient, death_date=f.INFUSION - timedelta(days=1))
    ru = assert_translated(only(exc, "death_date"))
    assert ru == "28.02.2025 раньше, чем дата уже записанной инфузии (01.03.2025)"
    f.make_death(session, clinician_a, patient)
    with pytest.raises(InvalidInput) as exc:
        f.make_death(session, clinician_a, patient)
    assert_translated(only(exc, "patient_id"))


@pytest.mark.parametrize(("signs", "expected"), [
    ({"max_temperature_c": 50}, "максимальная температура должна быть от 30.0 до 45.0 °C"),
    ({"max_temperature_c": "hot"}, "максимальная температура"),
    ({"hypotension": "lots"}, "гипотензия: недопустимый код 'lots'"),
    ({"oxygen": "tank"}, "кислородная поддержка: недопустимый код 'tank'"),
])
def test_crs_signs_the_calculator_refuses(session: Session, products: Any, clinician_a: Actor,
                                          signs: dict[str, Any], expected: str) -> None:
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    with pytest.raises(InvalidInput) as exc:
        events.report_adverse_event(session=session, actor=clinician_a,
                                    data=f.ae_data(episode, signs=signs))
    assert assert_translated(only(exc, "signs")).startswith(expected)


@pytest.mark.parametrize("sign", ["ice", "consciousness", "seizure", "motor", "raised_icp"])
def test_icans_signs_the_calculator_refuses(sign: str) -> None:
    with pytest.raises(events.SignError) as exc:
        events.compute_grade(AdverseEventType.icans, {sign: "??"})
    assert str(exc.value).startswith(sign)  # the upload maps it to the sign's column
    assert_translated(exc.value)


def test_correction_of_a_fixed_field(session: Session, sites: Any, clinician_a: Actor) -> None:
    patient = f.make_patient(session, clinician_a)
    with pytest.raises(InvalidInput) as exc:
        corrections.correct_record(session=session, actor=clinician_a, data={
            "table": "patient", "row_id": patient.id, "expected_version": 1,
            "changes": {"site_id": 2}, "reason": "moved"})
    assert_translated(only(exc, "site_id"))
    with pytest.raises(InvalidInput) as exc:
        corrections.correct_record(session=session, actor=clinician_a, data={
            "table": "site", "row_id": 1, "expected_version": 1, "changes": {},
            "reason": "moved"})
    assert_translated(only(exc, "table"))


def test_queries_and_worklist_refusals(session: Session, sites: Any, clinician_a: Actor,
                                       clinician_b: Actor, data_manager: Actor) -> None:
    patient = f.make_patient(session, clinician_a)
    query = queries.raise_query(session=session, actor=data_manager, data={
        "table_name": "patient", "row_id": patient.id, "field": "ecog",
        "message": "please check", "site_id": patient.site_id})
    with pytest.raises(InvalidInput) as exc:
        queries.answer_query(session=session, actor=clinician_a, query_id=query.id, body=" ")
    assert_translated(only(exc, "body"))
    with pytest.raises(InvalidInput) as exc:
        queries.answer_query(session=session, actor=clinician_a, query_id=query.id,
                             body="x" * 4001)
    assert_translated(only(exc, "body"))
    with pytest.raises(PermissionDenied) as denied:
        queries.list_messages(session=session, actor=clinician_b, query_id=query.id)
    assert_translated(denied.value)
    with pytest.raises(PermissionDenied) as denied:
        worklist.get_worklist(session=session, actor=data_manager, as_of=date(2026, 1, 1))
    assert_translated(denied.value)


def test_user_and_language_refusals(session: Session, sites: Any, system: Actor) -> None:
    create_user(session=session, actor=system, data=UserCreate(
        username="ivanova", password="long enough pw", role=Role.site_clinician,
        site_id=sites[0].id))
    with pytest.raises(InvalidInput) as exc:
        create_user(session=session, actor=system, data=UserCreate(
            username="ivanova", password="long enough pw", role=Role.system,
            site_id=sites[0].id))
    for error in exc.value.errors:
        assert_translated(error)
    with pytest.raises(InvalidInput) as exc:
        set_language(session=session, actor=system, language="de")
    assert_translated(only(exc, "language"))


# ---- uploads ----------------------------------------------------------------------------------


def _csv(header: list[str], *rows: list[str]) -> bytes:
    return "\n".join(",".join(r) for r in [header, *rows]).encode("utf-8")


PATIENT_HEADER = ["site_patient_code", "national_insurance_number", "sex", "birth_year",
                  "indication", "diagnosis_date", "prior_lines", "consent_date"]


def test_upload_with_a_bad_code_and_a_bad_date(session: Session, sites: Any,
                                               clinician_a: Actor) -> None:
    content = _csv(PATIENT_HEADER,
                   ["U-1", f.snils(901), "X", "1970", "LBCL", "31.02.2023", "2", "10.01.2024"],
                   ["U-1", f.snils(901), "F", "1970", "LBCL", "01.05.2023", "2", "10.01.2024"])
    shown = uploads.preview_upload(session=session, actor=clinician_a, kind=UploadKind.patients,
                                   filename="p.csv", content=content)
    errors = {(e.row, e.field): e for e in shown.errors}
    assert_translated(errors[(2, "diagnosis_date")])
    assert error_text(errors[(2, "diagnosis_date")], "ru") == (
        "'31.02.2023' — не дата; укажите её как ДД.ММ.ГГГГ или ГГГГ-ММ-ДД")
    assert_translated(errors[(2, "sex")], english_is_message=False)  # pydantic's own English
    assert_translated(errors[(3, "site_patient_code")])
    assert_translated(errors[(3, "national_insurance_number")])


def test_upload_file_and_header_refusals(session: Session, sites: Any,
                                         clinician_a: Actor) -> None:
    def refused(filename: str, content: bytes) -> list[FieldError]:
        with pytest.raises(InvalidInput) as exc:
            uploads.preview_upload(session=session, actor=clinician_a,
                                   kind=UploadKind.patients, filename=filename, content=content)
        return exc.value.errors

    for error in refused("p.pdf", b"x"):
        assert_translated(error)
    header = [*PATIENT_HEADER[:4], "indicaton", *PATIENT_HEADER[5:], "site_id"]
    for error in refused("p.csv", _csv(header, ["U-1"] * len(header))):
        assert_translated(error)
    for error in refused("p.csv", _csv(PATIENT_HEADER)):
        assert_translated(error)


def test_follow_up_upload_refusals(session: Session, products: Any, clinician_a: Actor) -> None:
    patient, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    header = ["site_patient_code", "episode_number", "timepoint", "assessment_date"]
    code = patient.site_patient_code
    content = _csv(header, ["NOBODY", "1", "D28", "29.03.2025"], [code, "2", "D28", "29.03.2025"],
                   [code, "x", "D28", "29.03.2025"], [code, "1", "D100", "09.06.2025"],
                   [code, "1", "D100", "09.06.2025"])
    shown = uploads.preview_upload(session=session, actor=clinician_a, kind=UploadKind.followups,
                                   filename="f.csv", content=content)
    assert len(shown.errors) == 4
    for error in shown.errors:
        assert_translated(error)
    f.make_followup(session, clinician_a, episode, timepoint="M6",
                    assessment_date=date(2025, 8, 30), icu_days=1)
    content = _csv([*header, "icu_days"], [code, "1", "M6", "30.08.2025", "3"])
    shown = uploads.preview_upload(session=session, actor=clinician_a, kind=UploadKind.followups,
                                   filename="f.csv", content=content)
    (differs,) = shown.errors
    ru = assert_translated(differs)
    assert ru.startswith(f"форма M6 пациента '{code}', эпизод 1: уже сохранено")


def test_checks_take_a_code_everywhere() -> None:
    checks = Checks(row=7)
    checks.check(False, "x", "give x", "followup.new_therapy_date_missing")
    checks.not_before("d", date(2025, 1, 1), date(2025, 2, 1), "what.onset")
    checks.not_before("d", date(2025, 1, 1), date(2025, 2, 1), "a plain English limit")
    first, second, third = checks.errors
    assert (first.code, first.row) == ("followup.new_therapy_date_missing", 7)
    assert second.message == "01.01.2025 is before the onset (01.02.2025)"
    assert error_text(second, "en") == second.message
    assert error_text(second, "ru") == "01.01.2025 раньше, чем дата начала явления (01.02.2025)"
    assert third.params["what"] == "a plain English limit"  # not a key: passed through


def test_a_grading_rule_not_checked_before_has_a_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should `registry.grading` refuse signs `compute_grade` let through, the message is kept
    and introduced in Russian (the documented fallback, `sign.invalid`)."""

    def refuse(_signs: object) -> int:
        raise ValueError("fatal must be True or False, got 2")

    monkeypatch.setattr(events.grading, "crs_grade", refuse)
    checks = Checks()
    values = {"onset_date": date(2025, 3, 3), "event_type": AdverseEventType.crs,
              "grading_scale": "ASTCT2019", "signs": {"fatal": 2}}
    events.check_adverse_event_values(values, checks, infusion_date=date(2025, 3, 1),
                                      death_date=None)
    (error,) = checks.errors
    assert (error.field, error.code) == ("signs", "sign.invalid")
    assert error_text(error, "en") == error.message == "fatal must be True or False, got 2"
    assert error_text(error, "ru").startswith("по этим симптомам степень не рассчитать: ")
