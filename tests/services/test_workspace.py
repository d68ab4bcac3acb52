"""Economist workspace: saved cohorts, run records, unit-cost scenarios, cost build-up."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from sqlmodel import Session, col, select

from registry.auth import Actor
from registry.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from registry.models import (
    AnalysisRun,
    AuditEvent,
    Product,
    ResourceUse,
    SavedCohort,
    UnitCost,
)
from registry.models.enums import ResourceItem, Role
from registry.services.costing import resource_costs
from registry.services.workspace import (
    copy_scenario,
    list_cohorts,
    list_runs,
    list_scenarios,
    record_run,
    save_cohort,
    set_unit_cost,
    sha256_json,
    unit_costs,
)
from registry.version import code_version
from tests.factories import make_infused_episode


def _audits(session: Session, table: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(col(AuditEvent.table_name) == table)
                             .order_by(col(AuditEvent.id))).all())


def _base_costs(session: Session) -> None:
    for item, value, start in (("ward_day", 20_000.0, date(2022, 1, 1)),
                               ("ward_day", 30_000.0, date(2025, 1, 1)),
                               ("icu_day", 90_000.0, date(2022, 1, 1)),
                               ("product_acquisition", 0.0, date(2022, 1, 1))):
        session.add(UnitCost(item=ResourceItem(item), value=value, price_year=2025,
                             source="test", scenario="base", valid_from=start))
    session.commit()


def test_sha256_json_is_canonical() -> None:
    assert sha256_json({"b": 1, "a": [1, 2]}) == sha256_json({"a": [1, 2], "b": 1})
    assert sha256_json({"a": 1}) != sha256_json({"a": 2})


def test_save_cohort_audited_unique_and_listed(session: Session, economist: Actor) -> None:
    definition = {"product_codes": ["KYMRIAH"], "population": "mitt"}
    row = save_cohort(session=session, actor=economist, name=" adults ", definition=definition)
    session.commit()
    assert row.name == "adults" and row.definition_sha256 == sha256_json(definition)
    assert [c.name for c in list_cohorts(session=session, actor=economist)] == ["adults"]
    assert _audits(session, "savedcohort")[0].after["name"] == "adults"  # type: ignore[index]
    with pytest.raises(Conflict):
        save_cohort(session=session, actor=economist, name="adults", definition={})
    with pytest.raises(InvalidInput) as err:
        save_cohort(session=session, actor=economist, name="  ", definition={})
    assert err.value.errors[0].field == "name"


@pytest.mark.parametrize("who", ["clinician_a", "leadership", "data_manager"])
def test_workspace_refuses_other_roles(session: Session, who: str,
                                       request: pytest.FixtureRequest) -> None:
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        save_cohort(session=session, actor=actor, name="x", definition={})
    with pytest.raises(PermissionDenied):
        list_runs(session=session, actor=actor)
    with pytest.raises(PermissionDenied):
        resource_costs(session=session, actor=actor)
    session.rollback()
    assert session.exec(select(SavedCohort)).all() == []


def test_record_run_keeps_the_reproducibility_record(session: Session, economist: Actor) -> None:
    digest = "ab" * 32
    run = record_run(session=session, actor=economist, kind="comparison",
                     definition={"population": "mitt"}, parameters={"horizon": 730,
                                                                    "as_of": date(2026, 1, 1)},
                     data_sha256=digest, n_rows=12, summary={"hr": 0.8})
    session.commit()
    stored = list_runs(session=session, actor=economist)[0]
    assert stored.id == run.id and stored.data_sha256 == digest
    assert stored.parameters == {"horizon": 730, "as_of": "2026-01-01"}
    assert stored.definition_sha256 == sha256_json({"population": "mitt"})
    assert stored.code_version == code_version() and stored.code_version
    with pytest.raises(InvalidInput):
        record_run(session=session, actor=economist, kind="x", definition={}, parameters={},
                   data_sha256="not-a-hash", n_rows=0)
    assert session.exec(select(AnalysisRun)).all().__len__() == 1
    # a NaN (a bootstrap interval without enough complete cases) is stored as null: PostgreSQL's
    # JSON has no NaN
    odd = record_run(session=session, actor=economist, kind="costs", definition={},
                     parameters={"seed": np.int64(3)}, data_sha256=digest, n_rows=1,
                     summary={"lower": float("nan"), "upper": [1.0, float("inf")]})
    session.expire_all()
    stored = session.get(AnalysisRun, odd.id)
    assert stored is not None and stored.summary == {"lower": None, "upper": [1.0, None]}
    assert stored.parameters == {"seed": 3}


def test_base_scenario_is_read_only_copies_are_edited_and_audited(
        session: Session, economist: Actor) -> None:
    _base_costs(session)
    assert list_scenarios(session=session, actor=economist) == ["base"]
    ward = session.exec(select(UnitCost).where(col(UnitCost.item) == ResourceItem.ward_day)
                        ).first()
    assert ward is not None and ward.id is not None
    with pytest.raises(InvalidInput) as err:
        set_unit_cost(session=session, actor=economist, unit_cost_id=ward.id, value=1.0,
                      expected_version=1, reason="try")
    assert err.value.errors[0].field == "scenario"
    assert copy_scenario(session=session, actor=economist, source="base", name="tariff 2026") == 4
    session.commit()
    assert list_scenarios(session=session, actor=economist) == ["base", "tariff 2026"]
    with pytest.raises(Conflict):
        copy_scenario(session=session, actor=economist, source="base", name="tariff 2026")
    with pytest.raises(NotFound):
        copy_scenario(session=session, actor=economist, source="nope", name="other")
    table = unit_costs(session=session, actor=economist, scenario="tariff 2026")
    icu = table[table["item"] == "icu_day"].iloc[0]
    with pytest.raises(InvalidInput) as err:
        set_unit_cost(session=session, actor=economist, unit_cost_id=int(icu["id"]), value=-5,
                      expected_version=1, reason="")
    assert {e.field for e in err.value.errors} == {"value", "reason"}
    set_unit_cost(session=session, actor=economist, unit_cost_id=int(icu["id"]),
                  value=120_000, expected_version=1, reason="2026 tariff")
    session.commit()
    update = [a for a in _audits(session, "unitcost") if a.action == "update"]
    assert len(update) == 1 and update[0].reason == "2026 tariff"
    assert update[0].before["value"] == 90_000 and update[0].after["value"] == 120_000  # type: ignore[index]
    with pytest.raises(Conflict):  # a second editor still holding version 1
        set_unit_cost(session=session, actor=economist, unit_cost_id=int(icu["id"]),
                      value=1, expected_version=1, reason="stale")
    with pytest.raises(PermissionDenied):
        copy_scenario(session=session, actor=Actor(None, "lead", Role.leadership), source="base",
                      name="x")


def test_resource_costs_price_by_date_and_product(session: Session, economist: Actor,
                                                  clinician_a: Actor,
                                                  products: tuple[Product, Product]) -> None:
    _base_costs(session)
    assert products[0].id is not None
    _, episode = make_infused_episode(session, clinician_a, products[0].id)
    infusion = episode.infusion_date
    assert infusion is not None
    for item, qty, when in (("ward_day", 3, date(2024, 6, 1)), ("ward_day", 2, infusion),
                            ("icu_day", 1, infusion), ("product_acquisition", 1, infusion),
                            ("ivig_course", 1, infusion)):
        session.add(ResourceUse(episode_id=episode.id, site_id=episode.site_id,
                                item=ResourceItem(item), quantity=qty, use_date=when))
    session.commit()
    frame = resource_costs(session=session, actor=economist, episode_ids=[episode.id])
    by_item = frame.groupby("item")["cost"].sum()
    ward_unit = 30_000.0 if infusion >= date(2025, 1, 1) else 20_000.0
    assert by_item["icu_day"] == 90_000.0
    assert by_item["ward_day"] == pytest.approx(2 * ward_unit + 3 * 20_000.0)
    assert by_item["product_acquisition"] == 39_000_000.0  # the product's list price
    assert by_item["ivig_course"] == 0.0 and frame.attrs["unpriced_items"] == ["ivig_course"]
    assert (frame["day"] >= 0).all() and np.isclose(frame["day"].min(), 0.0)
    assert resource_costs(session=session, actor=economist, episode_ids=[]).empty
    with pytest.raises(NotFound):
        resource_costs(session=session, actor=economist, scenario="nope")
