"""Synthetic cohort generator: determinism, integrity, clinical consistency, calibration."""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sksurv.nonparametric import kaplan_meier_estimator

from registry.models import (
    AdverseEventCreate,
    DeathCreate,
    FollowUpCreate,
    InfusionCreate,
    PatientCreate,
    SiteCreate,
)
from registry.models.adverse_event import AdverseEvent, Death
from registry.models.economics import ResourceUse, ResourceUseBase, UnitCostBase
from registry.models.enums import (
    CRITERIA_BY_INDICATION,
    RESPONSES_BY_CRITERIA,
    Consciousness,
    Hypotension,
    Indication,
    MotorFinding,
    OxygenSupport,
    RaisedIcp,
    ResourceItem,
    ResponseCriteria,
    Seizure,
)
from registry.models.episode import TreatmentEpisode, TreatmentEpisodeBase
from registry.models.followup import FollowUp
from registry.models.patient import Patient
from registry.models.product import ManufacturingLot, ManufacturingLotBase, Product, ProductBase
from registry.models.site import Site
from registry.synthetic import (
    FRAME_NAMES,
    SCENARIO_COLUMNS,
    SyntheticCohort,
    cohort_digest,
    cohort_frames,
    generate_cohort,
    load_scenario,
    snils_check_digits,
)

SEED_DATA = Path(__file__).resolve().parents[2] / "seed_data"
AS_OF = date(2026, 11, 1)
N = 1500
SCHEDULE = pd.read_csv(SEED_DATA / "schedule.csv")
WINDOW = {r.timepoint: (r.target_day, r.window_before, r.window_after)
          for r in SCHEDULE.itertuples(index=False)}
TABLE_MODELS: dict[str, Any] = {
    "sites": Site, "products": Product, "lots": ManufacturingLot, "patients": Patient,
    "episodes": TreatmentEpisode, "followups": FollowUp, "adverse_events": AdverseEvent,
    "deaths": Death, "resource_use": ResourceUse,
}


@pytest.fixture(scope="module")
def cohort() -> SyntheticCohort:
    return generate_cohort(N, seed=1)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with NaN turned into None (what the bulk loader does)."""
    rows: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return rows


def _days(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    return np.array([(a - b).days for a, b in zip(later, earlier, strict=True)])


def _by_id(frame: pd.DataFrame, column: str) -> dict[int, Any]:
    return dict(zip(frame["id"], frame[column], strict=True))


# ---- determinism ------------------------------------------------------------------------------


def test_same_seed_gives_identical_frames(cohort: SyntheticCohort) -> None:
    again = generate_cohort(N, seed=1)
    assert cohort_digest(again) == cohort_digest(cohort)
    for name, frame in cohort_frames(cohort).items():
        other = cohort_frames(again)[name]
        assert frame.to_csv(index=False).encode() == other.to_csv(index=False).encode(), name


def test_different_seed_gives_different_cohort(cohort: SyntheticCohort) -> None:
    other = generate_cohort(N, seed=2)
    assert cohort_digest(other) != cohort_digest(cohort)
    assert not other.patients["birth_year"].equals(cohort.patients["birth_year"])


def test_digest_is_sha256_hex(cohort: SyntheticCohort) -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", cohort_digest(cohort))


# ---- shape and types --------------------------------------------------------------------------


def test_frames_use_table_field_names(cohort: SyntheticCohort) -> None:
    skip = {"created_at", "updated_at", "version", "identity_hash"}
    for name, model in TABLE_MODELS.items():
        frame = getattr(cohort, name)
        fields = set(model.model_fields) - skip
        extra = {"patients": {"national_insurance_number"}, "products": {"source"}}.get(name, set())
        assert set(frame.columns) == fields | extra, name
        assert frame.columns[0] == "id"
        assert frame["id"].tolist() == list(range(1, len(frame) + 1)), name
    assert cohort.products.columns[-1] == "source"


def test_missing_values_are_none_and_dates_are_dates(cohort: SyntheticCohort) -> None:
    for name in FRAME_NAMES:
        frame = getattr(cohort, name)
        for column in frame.columns:
            kind = frame[column].dtype
            is_object = pd.api.types.is_object_dtype(kind)
            assert is_object or pd.api.types.is_numeric_dtype(kind), (name, column, kind)
            if not is_object:
                continue
            values = [v for v in frame[column].tolist() if v is not None]
            assert not any(isinstance(v, float) for v in values), (name, column)
            if column.endswith("_date"):
                assert all(type(v) is date for v in values), (name, column)
    assert cohort.patients["ldh_above_uln"].dtype == bool
    assert {type(v) for v in cohort.followups["mrd_negative"]} <= {bool, type(None)}


def test_rows_validate_with_the_models(cohort: SyntheticCohort) -> None:
    for row in _records(cohort.sites):
        SiteCreate.model_validate(row)
    for row in _records(cohort.products):
        ProductBase.model_validate(row)
    for row in _records(cohort.lots):
        ManufacturingLotBase.model_validate(row)
    for row in _records(cohort.patients):
        PatientCreate.model_validate(row)
    for row in _records(cohort.episodes):
        TreatmentEpisodeBase.model_validate(row)
        if row["infusion_date"] is not None:
            InfusionCreate.model_validate(row | {"episode_id": row["id"]})
    for row in _records(cohort.followups):
        FollowUpCreate.model_validate(row)
    for row in _records(cohort.adverse_events):
        AdverseEventCreate.model_validate(row)
    for row in _records(cohort.deaths):
        DeathCreate.model_validate(row)
    for row in _records(cohort.resource_use):
        ResourceUseBase.model_validate(row)


# ---- referential integrity and identifiers ----------------------------------------------------


def test_foreign_keys_exist(cohort: SyntheticCohort) -> None:
    site_ids = set(cohort.sites["id"])
    patient_ids = set(cohort.patients["id"])
    episode_ids = set(cohort.episodes["id"])
    assert len(cohort.sites) == 12
    assert list(cohort.products["code"]) == ["KYMRIAH", "NMRC-CD19"]
    assert set(cohort.lots["product_id"]) <= set(cohort.products["id"])
    assert set(cohort.episodes["product_id"]) <= set(cohort.products["id"])
    assert set(cohort.episodes["patient_id"]) <= patient_ids
    assert set(cohort.episodes["lot_id"].dropna()) <= set(cohort.lots["id"])
    assert cohort.episodes["lot_id"].is_unique
    for name in ("patients", "episodes", "followups", "adverse_events", "deaths",
                 "resource_use"):
        assert set(getattr(cohort, name)["site_id"]) <= site_ids, name
    for name in ("followups", "adverse_events", "resource_use"):
        assert set(getattr(cohort, name)["episode_id"]) <= episode_ids, name
    assert set(cohort.deaths["patient_id"]) <= patient_ids
    lots = cohort.lots.set_index("id")
    assert (lots.loc[cohort.episodes["lot_id"], "product_id"].to_numpy()
            == cohort.episodes["product_id"].to_numpy()).all()
    # clinical rows carry the site of their patient
    patient_site = _by_id(cohort.patients, "site_id")
    episode_site = _by_id(cohort.episodes, "site_id")
    assert all(patient_site[p] == s for p, s in zip(cohort.episodes["patient_id"],
                                                    cohort.episodes["site_id"], strict=True))
    for name in ("followups", "adverse_events", "resource_use"):
        frame = getattr(cohort, name)
        assert all(episode_site[e] == s for e, s in zip(frame["episode_id"], frame["site_id"],
                                                       strict=True)), name


def test_identifiers(cohort: SyntheticCohort) -> None:
    patients = cohort.patients
    assert patients["registry_id"].is_unique
    assert patients["registry_id"].str.fullmatch(r"R-\d{6}").all()
    assert not patients.duplicated(["site_id", "site_patient_code"]).any()
    assert patients["site_patient_code"].str.fullmatch(r"[A-Za-z0-9_.\-/]+").all()
    assert cohort.sites["code"].str.fullmatch(r"[A-Z]{3}-\d{2}").all()
    assert cohort.lots["lot_number"].is_unique
    counts = patients["site_id"].value_counts()
    assert counts.max() > 3 * counts.min()  # unequal enrolment


def _reference_check(first9: str) -> str:
    total = sum(int(d) * (9 - i) for i, d in enumerate(first9))
    if total < 100:
        return f"{total:02d}"
    if total in (100, 101):
        return "00"
    rest = total % 101
    return "00" if rest == 100 else f"{rest:02d}"


def test_snils_valid_and_unique(cohort: SyntheticCohort) -> None:
    snils = cohort.patients["national_insurance_number"]
    assert snils.is_unique
    assert snils.str.fullmatch(r"\d{11}").all()
    assert (snils.str[:9] > "001001998").all()
    assert all(snils_check_digits(s[:9]) == s[9:] for s in snils)


def test_snils_check_digits() -> None:
    assert snils_check_digits("112233445") == "95"
    rng = np.random.default_rng(0)
    samples = [f"{x:09d}" for x in rng.integers(1_001_999, 10**9, 3000)]
    samples += ["000000000", "999999999", "100000009", "000000091"]
    for first9 in samples:
        assert snils_check_digits(first9) == _reference_check(first9), first9
    with pytest.raises(ValueError, match="first9"):
        snils_check_digits("12345")
    try:
        from registry.identity import snils_check_digits as service_check
    except ImportError:
        return
    assert all(service_check(s) == snils_check_digits(s) for s in samples)


# ---- dates and the treatment chain -------------------------------------------------------------


def test_chain_dates_in_order(cohort: SyntheticCohort) -> None:
    p = cohort.patients.set_index("id")
    e = cohort.episodes.set_index("patient_id")
    lot = cohort.lots.set_index("id").loc[e["lot_id"]]
    assert (_days(p["consent_date"], p["diagnosis_date"]) >= 0).all()
    assert (_days(e["apheresis_date"], p.loc[e.index, "consent_date"]) >= 0).all()
    assert (_days(lot["start_date"], e["apheresis_date"]) >= 0).all()
    released = lot["release_date"].notna().to_numpy()
    assert (_days(lot["release_date"][released], lot["start_date"][released]) >= 0).all()
    infused = e["infusion_date"].notna().to_numpy()
    assert released[infused].all()
    assert (_days(e["infusion_date"][infused], lot["release_date"][infused]) >= 0).all()
    ni = ~infused
    assert (_days(e["not_infused_date"][ni], e["apheresis_date"][ni]) >= 0).all()
    assert all(d <= AS_OF for d in e["infusion_date"][infused])
    assert all(d <= AS_OF for d in e["not_infused_date"][ni])
    assert all(d <= AS_OF for d in lot["start_date"])


def test_vein_to_vein_by_product(cohort: SyntheticCohort) -> None:
    e = cohort.episodes[cohort.episodes["infusion_date"].notna()]
    v2v = _days(e["infusion_date"], e["apheresis_date"])
    imported = (e["product_id"] == 1).to_numpy()
    assert 40 <= np.median(v2v[imported]) <= 60
    assert 18 <= np.median(v2v[~imported]) <= 30
    first_domestic = min(e.loc[~imported, "infusion_date"])
    assert first_domestic >= date(2024, 11, 15)
    assert min(e["infusion_date"]) >= date(2022, 1, 1)


def test_domestic_share_grows(cohort: SyntheticCohort) -> None:
    year = np.array([d.year for d in cohort.episodes["apheresis_date"]])
    domestic = (cohort.episodes["product_id"] == 2).to_numpy()
    assert domestic[year <= 2024].mean() < domestic[year == 2025].mean()
    assert domestic[year == 2025].mean() < domestic[year == 2026].mean()


def test_never_infused_episodes(cohort: SyntheticCohort) -> None:
    e = cohort.episodes
    ni = e["infusion_date"].isna()
    assert 0.10 <= ni.mean() <= 0.25
    assert e.loc[ni, "not_infused_reason"].notna().all()
    assert e.loc[ni, "not_infused_date"].notna().all()
    assert e.loc[~ni, "not_infused_reason"].isna().all()
    assert e.loc[~ni, "not_infused_date"].isna().all()
    assert e.loc[ni, "lymphodepletion"].isna().all()
    assert set(e.loc[ni, "not_infused_reason"]) == {
        "death", "progression", "manufacturing_failure", "out_of_specification",
        "patient_decision"}
    lots = cohort.lots.set_index("id").loc[e["lot_id"]]
    failed = (e["not_infused_reason"] == "manufacturing_failure").to_numpy()
    assert (lots["manufacturing_failed"].to_numpy() == failed).all()
    assert lots["release_date"][failed].isna().all()
    oos = lots["out_of_specification"].to_numpy()
    assert oos.sum() > 0
    assert (oos & ~ni.to_numpy()).any()  # some out-of-specification lots infused anyway
    assert (oos & ni.to_numpy()).any()


def test_patient_mix(cohort: SyntheticCohort) -> None:
    p = cohort.patients
    share = p["indication"].value_counts(normalize=True)
    assert 0.50 <= share["LBCL"] <= 0.60
    assert 0.25 <= share["B-ALL"] <= 0.35
    assert set(share.index) == {"B-ALL", "LBCL", "FL", "MCL", "CLL"}
    year = np.array([d.year for d in cohort.episodes.set_index("patient_id")
                     .loc[p["id"], "apheresis_date"]])
    age = year - p["birth_year"].to_numpy()
    ball = (p["indication"] == "B-ALL").to_numpy()
    assert np.mean((age[ball] >= 3) & (age[ball] <= 25)) > 0.85
    assert (age[~ball] >= 18).all()
    assert p.loc[ball, "marrow_blasts_pct"].notna().all()
    assert p.loc[~ball, "marrow_blasts_pct"].isna().all()


# ---- nothing after death or the data cut -------------------------------------------------------


def test_one_death_per_patient_and_nothing_after_it(cohort: SyntheticCohort) -> None:
    deaths = cohort.deaths
    assert deaths["patient_id"].is_unique
    assert all(d <= AS_OF for d in deaths["death_date"])
    died = dict(zip(deaths["patient_id"], deaths["death_date"], strict=True))
    patient_of = _by_id(cohort.episodes, "patient_id")
    for name, columns in (("followups", ("assessment_date", "relapse_date", "new_therapy_date")),
                          ("adverse_events", ("onset_date", "resolution_date")),
                          ("resource_use", ("use_date",))):
        frame = getattr(cohort, name)
        for column in columns:
            for episode, value in zip(frame["episode_id"], frame[column], strict=True):
                if value is None:
                    continue
                assert value <= AS_OF, (name, column)
                death = died.get(patient_of[episode])
                assert death is None or value <= death, (name, column, episode)
    # a death is not before the patient's infusion, apheresis or last form
    episodes = cohort.episodes.set_index("patient_id")
    for patient, death in died.items():
        assert death >= episodes.loc[patient, "apheresis_date"]
        infused = episodes.loc[patient, "infusion_date"]
        assert infused is None or death >= infused
    assert cohort.followups["vital_status"].eq("alive").all()
    causes = deaths["cause"].value_counts()
    assert causes.idxmax() == "disease"
    assert {"infection", "other"} <= set(causes.index)


# ---- follow-up forms --------------------------------------------------------------------------


def test_followups_only_for_infused_within_windows(cohort: SyntheticCohort) -> None:
    fu = cohort.followups
    infusion = _by_id(cohort.episodes, "infusion_date")
    assert all(infusion[e] is not None for e in fu["episode_id"])
    assert not fu.duplicated(["episode_id", "timepoint"]).any()
    day = np.array([(a - infusion[e]).days for a, e in zip(fu["assessment_date"],
                                                           fu["episode_id"], strict=True)])
    target = fu["timepoint"].map(lambda t: WINDOW[t][0]).to_numpy()
    lo = target - fu["timepoint"].map(lambda t: WINDOW[t][1]).to_numpy()
    hi = target + fu["timepoint"].map(lambda t: WINDOW[t][2]).to_numpy()
    inside = (day >= lo) & (day <= hi)
    late = fu["comments"].fillna("").str.contains("late form").to_numpy()
    assert (inside | (late & (day > hi))).all()
    assert not (inside & late).any()
    assert 0.01 <= late.mean() <= 0.06
    near = np.abs(day - target) <= (hi - lo) / 4
    assert near.mean() > 0.6


def test_lost_to_follow_up_is_the_last_form(cohort: SyntheticCohort) -> None:
    fu = cohort.followups
    order = {t: i for i, t in enumerate(SCHEDULE["timepoint"])}
    rank = fu["timepoint"].map(order)
    last = rank.groupby(fu["episode_id"]).transform("max")
    lost = fu["lost_to_follow_up"]
    assert lost.sum() > 0
    assert (rank[lost] == last[lost]).all()
    assert fu.groupby("episode_id")["lost_to_follow_up"].sum().max() == 1
    lost_patients = set(cohort.episodes.set_index("id").loc[fu.loc[lost, "episode_id"],
                                                             "patient_id"])
    assert not lost_patients & set(cohort.deaths["patient_id"])


def test_some_forms_missing(cohort: SyntheticCohort) -> None:
    fu = cohort.followups
    infused = cohort.episodes[cohort.episodes["infusion_date"].notna()]
    d28 = set(fu.loc[fu["timepoint"] == "D28", "episode_id"])
    alive_at_35 = infused[[(AS_OF - d).days > 40 for d in infused["infusion_date"]]]
    missing = 1 - len(d28 & set(alive_at_35["id"])) / len(alive_at_35)
    assert 0.01 < missing < 0.15


def test_responses_valid_for_their_criteria(cohort: SyntheticCohort) -> None:
    fu = cohort.followups
    indication = _by_id(cohort.patients, "indication")
    patient_of = _by_id(cohort.episodes, "patient_id")
    for episode, criteria, response in zip(fu["episode_id"], fu["response_criteria"],
                                           fu["response"], strict=True):
        expected = CRITERIA_BY_INDICATION[Indication(indication[patient_of[episode]])]
        assert criteria == expected.value
        allowed = {r.value for r in RESPONSES_BY_CRITERIA[ResponseCriteria(criteria)]}
        assert response in allowed, (criteria, response)
    ball = fu["response_criteria"] == "ALL_CR_CRi"
    assert fu.loc[~ball, "mrd_negative"].isna().all()
    assert fu.loc[ball & fu["timepoint"].eq("D100"), "mrd_negative"].notna().all()
    assert fu["response"].isin(["PR", "SD", "PD", "CR", "NR", "relapse"]).any()


def test_relapse_recorded_once_and_then_kept(cohort: SyntheticCohort) -> None:
    fu = cohort.followups
    infusion = _by_id(cohort.episodes, "infusion_date")
    flagged = fu[fu["relapse_or_progression"]]
    assert len(flagged) > 0
    assert fu.groupby("episode_id")["relapse_or_progression"].sum().max() == 1
    assert (flagged["relapse_date"].notna()).all()
    assert fu.loc[~fu["relapse_or_progression"], "relapse_date"].isna().all()
    assert all(infusion[e] <= r <= a for e, r, a in zip(
        flagged["episode_id"], flagged["relapse_date"], flagged["assessment_date"], strict=True))
    assert flagged["response"].isin(["relapse", "PD"]).all()
    relapse_on = dict(zip(flagged["episode_id"], flagged["assessment_date"], strict=True))
    after = [r for e, a, r in zip(fu["episode_id"], fu["assessment_date"], fu["response"],
                                  strict=True) if e in relapse_on and a > relapse_on[e]]
    assert after and set(after) <= {"relapse", "PD"}


def test_hospital_days_and_new_therapy(cohort: SyntheticCohort) -> None:
    fu = cohort.followups
    early = fu["timepoint"].isin(["D28", "D100"])
    assert fu.loc[early, "hospital_days"].notna().all()
    assert fu.loc[~early, "hospital_days"].isna().all()
    assert fu.loc[~early, "icu_days"].isna().all()
    h = fu.loc[early, "hospital_days"].astype(int)
    icu = fu.loc[early, "icu_days"].astype(int)
    assert (icu <= h).all()
    assert (fu.loc[fu["timepoint"] == "D28", "hospital_days"] > 0).all()
    therapy = fu[fu["new_therapy"] != "none"]
    assert set(therapy["new_therapy"]) <= {"allo-HSCT", "other"}
    assert (therapy["new_therapy_date"].notna()).all()
    assert (therapy["new_therapy_date"] <= therapy["assessment_date"]).all()
    allo = therapy[therapy["new_therapy"] == "allo-HSCT"]
    assert set(allo["response_criteria"]) == {"ALL_CR_CRi"}
    assert fu.loc[fu["new_therapy"] == "none", "new_therapy_date"].isna().all()


# ---- adverse events ---------------------------------------------------------------------------


def _ref_crs(s: dict[str, Any]) -> int:
    if s.get("fatal"):
        return 5
    temp = s["max_temperature_c"]
    if not (s["fever_masked"] or (temp is not None and temp >= 38.0)):
        return 0
    hypo = {"none": 0, "no_vasopressor": 2, "one_vasopressor": 3, "multiple_vasopressors": 4}
    oxy = {"none": 0, "low_flow": 2, "high_flow": 3, "positive_pressure": 4}
    return max(1, hypo[s["hypotension"]], oxy[s["oxygen"]])


def _ref_icans(s: dict[str, Any]) -> int:
    if s.get("fatal"):
        return 5
    ice = s["ice"]
    grades = [0 if ice == 10 else 1 if ice >= 7 else 2 if ice >= 3 else 3,
              {"awake": 0, "awakens_to_voice": 2, "awakens_to_touch": 3, "unarousable": 4}[
                  s["consciousness"]],
              {"none": 0, "rapid_resolving": 3, "prolonged_or_repetitive": 4}[s["seizure"]],
              {"none": 0, "deep_focal_weakness": 4}[s["motor"]],
              {"none": 0, "focal_oedema": 3, "diffuse_oedema": 4}[s["raised_icp"]]]
    return max(grades)


def _calculators() -> tuple[Callable[[dict[str, Any]], int], Callable[[dict[str, Any]], int]]:
    try:
        from registry.grading import CrsSigns, IcansSigns, crs_grade, icans_grade
    except ImportError:
        return _ref_crs, _ref_icans

    def crs(s: dict[str, Any]) -> int:
        return crs_grade(CrsSigns(s["max_temperature_c"], s["fever_masked"],
                                  Hypotension(s["hypotension"]), OxygenSupport(s["oxygen"]),
                                  fatal=bool(s.get("fatal", False))))

    def icans(s: dict[str, Any]) -> int:
        return icans_grade(IcansSigns(s["ice"], Consciousness(s["consciousness"]),
                                      Seizure(s["seizure"]), MotorFinding(s["motor"]),
                                      RaisedIcp(s["raised_icp"]),
                                      fatal=bool(s.get("fatal", False))))

    return crs, icans


def test_ae_grades_follow_astct_from_signs(cohort: SyntheticCohort) -> None:
    crs, icans = _calculators()
    ae = cohort.adverse_events
    astct = ae[ae["grading_scale"] == "ASTCT2019"]
    assert set(astct["event_type"]) == {"CRS", "ICANS"}
    crs_keys = {"max_temperature_c", "fever_masked", "hypotension", "oxygen"}
    icans_keys = {"ice", "consciousness", "seizure", "motor", "raised_icp"}
    seen = set()
    for kind, signs, grade, computed in zip(astct["event_type"], astct["signs"], astct["grade"],
                                            astct["computed_grade"], strict=True):
        assert isinstance(signs, dict)
        keys = crs_keys if kind == "CRS" else icans_keys
        assert set(signs) - {"fatal"} == keys
        assert all(isinstance(v, str | float | int | bool) for v in signs.values())
        expected = crs(signs) if kind == "CRS" else icans(signs)
        reference = _ref_crs(signs) if kind == "CRS" else _ref_icans(signs)
        assert expected == reference, (kind, signs)
        assert grade == expected == computed, (kind, signs, grade)
        seen.add((kind, grade))
    assert {("CRS", g) for g in (1, 2, 3, 4)} <= seen
    assert {("ICANS", g) for g in (1, 2, 3, 4)} <= seen
    ctcae = ae[ae["grading_scale"] == "CTCAEv5"]
    assert set(ctcae["event_type"]) == {"infection", "cytopenia"}
    assert ctcae["signs"].isna().all()
    assert ae["grade_override_reason"].isna().all()


def test_ae_timing(cohort: SyntheticCohort) -> None:
    ae = cohort.adverse_events
    infusion = _by_id(cohort.episodes, "infusion_date")
    day = np.array([(o - infusion[e]).days for o, e in zip(ae["onset_date"], ae["episode_id"],
                                                           strict=True)])
    cytokine = ae["event_type"].isin(["CRS", "ICANS"]).to_numpy()
    assert ((day[cytokine] >= 1) & (day[cytokine] <= 10)).all()
    assert (day >= 1).all()
    resolved = ae["resolution_date"].notna()
    assert (ae.loc[resolved, "resolution_date"] >= ae.loc[resolved, "onset_date"]).all()
    fatal = ae["grade"] == 5
    assert ae.loc[fatal, "resolution_date"].isna().all()
    crs = ae[ae["event_type"] == "CRS"]
    assert (crs.loc[crs["grade"] >= 3, "tocilizumab_doses"] > 0).mean() > 0.9
    assert (crs.loc[crs["grade"] == 4, "icu"]).all()


# ---- resource use -----------------------------------------------------------------------------


def test_resource_use_matches_forms_and_events(cohort: SyntheticCohort) -> None:
    ru = cohort.resource_use
    assert set(ru["item"]) <= {i.value for i in ResourceItem}
    assert (ru["quantity"] > 0).all()
    infusion = _by_id(cohort.episodes, "infusion_date")
    ru_day = np.array([(d - infusion[e]).days if infusion[e] is not None else -1
                       for d, e in zip(ru["use_date"], ru["episode_id"], strict=True)])

    def total(item: str, mask: np.ndarray) -> pd.Series:
        sel = (ru["item"] == item).to_numpy() & mask
        return ru[sel].groupby("episode_id")["quantity"].sum()

    fu = cohort.followups
    d28 = fu[fu["timepoint"] == "D28"].set_index("episode_id")
    ward = total("ward_day", ru_day < 30).reindex(d28.index, fill_value=0)
    icu = total("icu_day", ru_day < 30).reindex(d28.index, fill_value=0)
    assert (ward == d28["hospital_days"] - d28["icu_days"]).all()
    assert (icu == d28["icu_days"]).all()
    d100 = fu[fu["timepoint"] == "D100"]
    for episode, assessed, days in zip(d100["episode_id"], d100["assessment_date"],
                                       d100["hospital_days"], strict=True):
        sel = ((ru["episode_id"] == episode) & (ru["item"] == "ward_day")).to_numpy() & (
            ru_day >= 30)
        used = ru.loc[sel & (ru["use_date"] <= assessed).to_numpy(), "quantity"].sum()
        assert used == days
    ae = cohort.adverse_events
    toci = ae[ae["event_type"] == "CRS"].groupby("episode_id")["tocilizumab_doses"].sum()
    toci = toci[toci > 0]
    assert total("tocilizumab_dose", np.ones(len(ru), dtype=bool)).equals(toci.astype(float))
    per_episode = ru.groupby(["episode_id", "item"])["quantity"].sum().unstack(fill_value=0)
    assert (per_episode["apheresis"] == 1).all()
    assert len(per_episode) == len(cohort.episodes)
    infused = cohort.episodes.loc[cohort.episodes["infusion_date"].notna(), "id"]
    assert (per_episode.loc[infused, "product_acquisition"] == 1).all()
    assert (per_episode.loc[infused, "lymphodepletion"] == 1).all()
    domestic = cohort.episodes.loc[cohort.episodes["product_id"] == 2, "id"]
    assert (per_episode.loc[domestic, "manufacturing"] == 1).all()
    imported = cohort.episodes.loc[cohort.episodes["product_id"] == 1, "id"]
    assert (per_episode.loc[imported, "manufacturing"] == 0).all()
    allo = fu.loc[fu["new_therapy"] == "allo-HSCT", "episode_id"]
    assert (per_episode.loc[allo, "allo_hsct"] == 1).all()
    visits = fu.groupby("episode_id").size()
    assert (per_episode.loc[visits.index, "outpatient_visit"] == visits).all()
    disease = cohort.deaths[cohort.deaths["cause"] == "disease"]["patient_id"]
    assert (per_episode.loc[disease, "palliative_care"] > 0).mean() > 0.9


def test_truth_frame(cohort: SyntheticCohort) -> None:
    truth = cohort.truth
    assert list(truth.columns) == [
        "episode_id", "patient_id", "product_id", "indication", "infused", "true_death_day",
        "true_event_day", "true_relapse_day", "true_cured", "true_total_cost_rub", "censor_day",
        "observed_death"]
    assert truth["episode_id"].tolist() == cohort.episodes["id"].tolist()
    assert (truth["infused"] == cohort.episodes["infusion_date"].notna()).all()
    assert np.isfinite(truth["true_death_day"]).all()
    assert (truth["true_event_day"] <= truth["true_death_day"]).all()
    rel = truth["true_relapse_day"].notna()
    assert (truth.loc[rel, "true_relapse_day"] < truth.loc[rel, "true_death_day"]).all()
    assert not (truth["true_cured"] & rel).any()
    assert (truth["censor_day"] >= 0).all()
    assert set(truth.loc[truth["observed_death"], "patient_id"]) == set(
        cohort.deaths["patient_id"])
    observed = truth["observed_death"]
    assert (truth.loc[observed, "censor_day"] == truth.loc[observed, "true_death_day"]).all()
    # the observed cost never exceeds the true (uncensored) cost
    costs = pd.read_csv(SEED_DATA / "unit_costs.csv")
    unit = costs[costs["scenario"] == "base"].set_index("item")["value"]
    price = cohort.products.set_index("id")["list_price"]
    ru = cohort.resource_use
    value = ru["quantity"] * ru["item"].map(unit)
    product_of = _by_id(cohort.episodes, "product_id")
    acquisition = (ru["item"] == "product_acquisition").to_numpy()
    value[acquisition] = [price[product_of[e]] for e in ru.loc[acquisition, "episode_id"]]
    seen = value.groupby(ru["episode_id"]).sum().reindex(truth["episode_id"], fill_value=0)
    assert (seen.to_numpy() <= truth["true_total_cost_rub"].to_numpy() + 0.01).all()
    infused = truth["infused"].to_numpy()
    assert (truth.loc[infused, "true_total_cost_rub"] > price.min()).all()


# ---- seed data ----------------------------------------------------------------------------------


def test_seed_data_files() -> None:
    sites = pd.read_csv(SEED_DATA / "sites.csv")
    assert len(sites) == 12 and sites["code"].str.fullmatch(r"[A-Z]{3}-\d{2}").all()
    assert sites.loc[0, "code"] == "MOW-01" and sites.loc[0, "is_treating_centre"]
    assert 2 <= sites["is_treating_centre"].sum() <= 8
    products = pd.read_csv(SEED_DATA / "products.csv")
    assert list(products["code"]) == ["KYMRIAH", "NMRC-CD19"]
    assert products["is_scenario"].all()
    assert products.loc[0, "list_price"] > products.loc[1, "list_price"]
    costs = pd.read_csv(SEED_DATA / "unit_costs.csv", parse_dates=["valid_from"])
    base = costs[costs["scenario"] == "base"]
    assert set(base["item"]) == {i.value for i in ResourceItem}
    assert base["item"].is_unique
    assert costs["source"].str.contains("illustrative").all()
    assert set(costs["scenario"]) == {"base", "high_icu"}
    for row in _records(costs):
        UnitCostBase.model_validate(row | {"valid_from": row["valid_from"].date()})
    with (SEED_DATA / "published_benchmarks.csv").open(encoding="utf-8") as handle:
        bench = list(csv.DictReader(handle))
    assert {"ELIANA (Maude 2018)", "JULIET (Schuster 2019)"} <= {r["source"] for r in bench}
    for row in bench:
        assert row["citation"]
        if row["value_pct"]:
            assert 0 <= float(row["value_pct"]) <= 100
    prices = [r for r in bench if r["endpoint"] == "list_price"]
    assert len(prices) == 4 and all(not r["value_pct"] for r in prices)


def test_scenario_table_and_its_checks(tmp_path: Path) -> None:
    scenario = load_scenario()
    assert list(scenario.columns) == list(SCENARIO_COLUMNS)
    domestic = scenario[scenario["product_code"] == "NMRC-CD19"]
    assert domestic["basis"].str.startswith("SCENARIO: assumption, not observed").all()
    imported = scenario[scenario["product_code"] == "KYMRIAH"].set_index("indication")
    assert imported.loc["B-ALL", "basis"].startswith("calibrated to ELIANA (Maude 2018)")
    assert imported.loc["LBCL", "basis"].startswith("calibrated to JULIET")
    bad = pd.read_csv(SEED_DATA / "synthetic_scenario.csv", dtype=str, keep_default_na=False)
    bad.loc[0, "crs_any_prob"] = "1.5"
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(ValueError, match="crs_any_prob"):
        load_scenario(path)


def test_scenario_path_changes_the_cohort(tmp_path: Path) -> None:
    table = pd.read_csv(SEED_DATA / "synthetic_scenario.csv", dtype=str, keep_default_na=False)
    table["manufacturing_failure_prob"] = "0"
    path = tmp_path / "no_failures.csv"
    table.to_csv(path, index=False)
    cohort = generate_cohort(400, seed=3, scenario_path=path)
    assert not cohort.lots["manufacturing_failed"].any()


def test_as_of_bounds_everything() -> None:
    early = date(2024, 6, 30)
    cohort = generate_cohort(300, seed=5, as_of=early)
    assert cohort.as_of == early
    assert (cohort.episodes["product_id"] == 1).all()  # the domestic product was not there yet
    for name in FRAME_NAMES:
        frame = getattr(cohort, name)
        for column in frame.columns:
            if column.endswith("_date") and name not in ("products",):
                assert all(v is None or v <= early for v in frame[column]), (name, column)
    with pytest.raises(ValueError, match="as_of"):
        generate_cohort(10, seed=1, as_of=date(2022, 2, 1))
    with pytest.raises(ValueError, match="n_patients"):
        generate_cohort(0, seed=1)


# ---- calibration (slow) ------------------------------------------------------------------------


def _km_at(time: np.ndarray, event: np.ndarray, at: float) -> float:
    x, s = kaplan_meier_estimator(event.astype(bool), time.astype(float))
    i = np.searchsorted(x, at, side="right") - 1
    return 1.0 if i < 0 else float(s[i])


def _observed_os_efs(cohort: SyntheticCohort, product_id: int, indication: str
                     ) -> tuple[np.ndarray, ...]:
    """OS and EFS/PFS from the observed frames only, from infusion, censored at the last form.

    Events: death (deaths frame), relapse/progression (first form flagging it, its relapse date)
    and, for B-ALL, no response (NR on a form) counted at day 28.
    """
    ep = cohort.episodes.merge(cohort.patients[["id", "indication"]].rename(
        columns={"id": "patient_id"}), on="patient_id")
    ep = ep[(ep["product_id"] == product_id) & ep["infusion_date"].notna()
            & (ep["indication"] == indication)].set_index("id")
    infusion = pd.to_datetime(ep["infusion_date"])

    def days_since_infusion(dates: pd.Series) -> np.ndarray:
        delta = pd.to_datetime(dates.reindex(ep.index)) - infusion
        return delta.dt.days.to_numpy(dtype=float)

    fu = cohort.followups[cohort.followups["episode_id"].isin(ep.index)]
    last = days_since_infusion(fu.groupby("episode_id")["assessment_date"].max())
    last = np.nan_to_num(last, nan=0.0)
    deaths = cohort.deaths.set_index("patient_id")["death_date"]
    death_day = days_since_infusion(pd.Series(ep["patient_id"].map(deaths).to_numpy(),
                                              index=ep.index))
    relapse = fu[fu["relapse_or_progression"]].groupby("episode_id")["relapse_date"].min()
    relapse_day = days_since_infusion(relapse)
    no_response = fu.loc[fu["response"] == "NR", "episode_id"].unique()
    nr_day = np.where(ep.index.isin(no_response), 28.0, np.nan)
    os_event = ~np.isnan(death_day)
    os_time = np.where(os_event, death_day, last)
    event_day = np.fmin(np.fmin(death_day, relapse_day), nr_day)
    efs_event = ~np.isnan(event_day)
    efs_time = np.where(efs_event, event_day, last)
    return os_time, os_event, efs_time, efs_event


@pytest.mark.slow
def test_calibration_to_eliana_and_juliet() -> None:
    cohort = generate_cohort(20_000, seed=11)
    truth = cohort.truth
    # B-ALL, imported, infused: ELIANA OS 76% and EFS 50% at 12 months
    os_t, os_e, efs_t, efs_e = _observed_os_efs(cohort, 1, "B-ALL")
    os12, efs12 = _km_at(os_t, os_e, 365), _km_at(efs_t, efs_e, 365)
    assert abs(os12 - 0.76) <= 0.05, os12
    assert abs(efs12 - 0.50) <= 0.05, efs12
    ball = truth[(truth["product_id"] == 1) & truth["infused"] & (truth["indication"] == "B-ALL")]
    assert abs((ball["true_death_day"] > 365).mean() - 0.76) <= 0.04
    assert abs((ball["true_event_day"] > 365).mean() - 0.50) <= 0.04
    assert abs(_km_at(os_t, os_e, 182) - 0.90) <= 0.05
    assert abs(_km_at(efs_t, efs_e, 182) - 0.73) <= 0.05
    # LBCL, imported, infused: 6-month PFS and OS near CIBMTR (38.7%, 70.7%)
    os_t, os_e, pfs_t, pfs_e = _observed_os_efs(cohort, 1, "LBCL")
    assert abs(_km_at(pfs_t, pfs_e, 182) - 0.387) <= 0.10
    assert abs(_km_at(os_t, os_e, 182) - 0.707) <= 0.10
    lbcl = truth[(truth["product_id"] == 1) & truth["infused"] & (truth["indication"] == "LBCL")]
    assert abs(lbcl["true_cured"].mean() - 0.33) <= 0.04
    median_os_months = float(np.median(lbcl["true_death_day"])) / (365.25 / 12)
    assert 8.0 <= median_os_months <= 14.0
    # toxicity: any CRS 58-79%, grade >= 3 roughly 10-25% (B-ALL and LBCL, imported)
    ae = cohort.adverse_events
    ep = cohort.episodes.merge(cohort.patients[["id", "indication"]].rename(
        columns={"id": "patient_id"}), on="patient_id")
    for indication in ("B-ALL", "LBCL"):
        ids = ep.loc[(ep["product_id"] == 1) & ep["infusion_date"].notna()
                     & (ep["indication"] == indication), "id"]
        crs = ae[(ae["event_type"] == "CRS") & ae["episode_id"].isin(ids)]
        any_rate = crs["episode_id"].nunique() / len(ids)
        severe = crs.loc[crs["grade"] >= 3, "episode_id"].nunique() / len(ids)
        assert 0.50 <= any_rate <= 0.82, (indication, any_rate)
        assert 0.10 <= severe <= 0.25, (indication, severe)
        icans = ae[(ae["event_type"] == "ICANS") & ae["episode_id"].isin(ids)]
        assert icans["episode_id"].nunique() / len(ids) < any_rate
    # ITT: never infused
    itt = truth[truth["product_id"] == 1]
    assert 0.10 <= 1 - itt["infused"].mean() <= 0.30
    assert not math.isnan(float(truth["true_total_cost_rub"].mean()))
