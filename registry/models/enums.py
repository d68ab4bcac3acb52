"""Every code the registry uses, in one place.

Forms, uploads, exports and the codebook all read their code lists from here, so a code
means the same thing everywhere. Values are short, stable, ASCII strings: they are what is
stored in the database and what a CSV upload must contain.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user may do (DESIGN.md section 1)."""

    site_clinician = "site_clinician"
    leadership = "leadership"
    economist = "economist"
    data_manager = "data_manager"
    system = "system"  # the seed and migrations; never a login


class Sex(StrEnum):
    female = "F"
    male = "M"


class Indication(StrEnum):
    b_all = "B-ALL"
    lbcl = "LBCL"
    fl = "FL"
    mcl = "MCL"
    cll = "CLL"
    other = "other"


class ProductOrigin(StrEnum):
    domestic = "domestic"
    imported = "imported"


class Bridging(StrEnum):
    none = "none"
    chemo = "chemo"
    radiotherapy = "radiotherapy"
    other = "other"


class Lymphodepletion(StrEnum):
    flu_cy = "Flu/Cy"
    benda = "Benda"
    other = "other"
    none = "none"


class NotInfusedReason(StrEnum):
    death = "death"
    progression = "progression"
    manufacturing_failure = "manufacturing_failure"
    out_of_specification = "out_of_specification"
    patient_decision = "patient_decision"
    other = "other"


class QcResult(StrEnum):
    passed = "pass"
    failed = "fail"


class Timepoint(StrEnum):
    """Scheduled follow-up forms (DESIGN.md section 3); `unscheduled` for any other visit."""

    d28 = "D28"
    d100 = "D100"
    m6 = "M6"
    m12 = "M12"
    m18 = "M18"
    m24 = "M24"
    y3 = "Y3"
    y4 = "Y4"
    y5 = "Y5"
    y6 = "Y6"
    y7 = "Y7"
    y8 = "Y8"
    y9 = "Y9"
    y10 = "Y10"
    y11 = "Y11"
    y12 = "Y12"
    y13 = "Y13"
    y14 = "Y14"
    y15 = "Y15"
    unscheduled = "unscheduled"


class VitalStatus(StrEnum):
    alive = "alive"
    dead = "dead"


class ResponseCriteria(StrEnum):
    lugano_2014 = "Lugano2014"
    all_cr_cri = "ALL_CR_CRi"
    iwcll = "iwCLL"


class Response(StrEnum):
    """Response codes across criteria; which are allowed depends on the criteria."""

    cr = "CR"
    cri = "CRi"
    pr = "PR"
    sd = "SD"
    pd = "PD"
    no_response = "NR"
    relapse = "relapse"
    not_evaluable = "NE"


RESPONSES_BY_CRITERIA: dict[ResponseCriteria, tuple[Response, ...]] = {
    ResponseCriteria.lugano_2014: (
        Response.cr,
        Response.pr,
        Response.sd,
        Response.pd,
        Response.not_evaluable,
    ),
    ResponseCriteria.all_cr_cri: (
        Response.cr,
        Response.cri,
        Response.no_response,
        Response.relapse,
        Response.not_evaluable,
    ),
    ResponseCriteria.iwcll: (
        Response.cr,
        Response.cri,
        Response.pr,
        Response.sd,
        Response.pd,
        Response.not_evaluable,
    ),
}

CRITERIA_BY_INDICATION: dict[Indication, ResponseCriteria] = {
    Indication.b_all: ResponseCriteria.all_cr_cri,
    Indication.lbcl: ResponseCriteria.lugano_2014,
    Indication.fl: ResponseCriteria.lugano_2014,
    Indication.mcl: ResponseCriteria.lugano_2014,
    Indication.cll: ResponseCriteria.iwcll,
    Indication.other: ResponseCriteria.lugano_2014,
}


class NewTherapy(StrEnum):
    none = "none"
    allo_hsct = "allo-HSCT"
    other = "other"


class AdverseEventType(StrEnum):
    crs = "CRS"
    icans = "ICANS"
    infection = "infection"
    cytopenia = "cytopenia"
    iec_hs = "IEC-HS"
    secondary_malignancy = "secondary_malignancy"
    other = "other"


class GradingScale(StrEnum):
    """Grades on different scales are never pooled silently (DESIGN.md section 4)."""

    astct_2019 = "ASTCT2019"
    penn = "Penn"
    lee_2014 = "Lee2014"
    ctcae_v5 = "CTCAEv5"


class DeathCause(StrEnum):
    disease = "disease"
    crs = "CRS"
    icans = "ICANS"
    infection = "infection"
    secondary_malignancy = "secondary_malignancy"
    other = "other"
    unknown = "unknown"


class ResourceItem(StrEnum):
    product_acquisition = "product_acquisition"
    apheresis = "apheresis"
    manufacturing = "manufacturing"
    lymphodepletion = "lymphodepletion"
    bridging = "bridging"
    ward_day = "ward_day"
    icu_day = "icu_day"
    tocilizumab_dose = "tocilizumab_dose"
    ivig_course = "ivig_course"
    transfusion = "transfusion"
    outpatient_visit = "outpatient_visit"
    allo_hsct = "allo_hsct"
    palliative_care = "palliative_care"


class QueryStatus(StrEnum):
    open = "open"
    answered = "answered"
    closed = "closed"


class AuditAction(StrEnum):
    create = "create"
    update = "update"
    login = "login"
    login_failed = "login_failed"
    export = "export"


# ---- signs recorded for the ASTCT calculators (DESIGN.md section 4) ----


class Hypotension(StrEnum):
    """Worst hypotension and what it needed."""

    none = "none"
    no_vasopressor = "no_vasopressor"  # responds to fluids
    one_vasopressor = "one_vasopressor"  # with or without vasopressin
    multiple_vasopressors = "multiple_vasopressors"  # excluding vasopressin


class OxygenSupport(StrEnum):
    """Worst oxygen support for hypoxia."""

    none = "none"
    low_flow = "low_flow"  # nasal cannula <= 6 L/min, blow-by
    high_flow = "high_flow"  # > 6 L/min, face mask, non-rebreather, Venturi
    positive_pressure = "positive_pressure"  # CPAP, BiPAP, intubation and ventilation


class Consciousness(StrEnum):
    """Depressed level of consciousness (ICANS domain)."""

    awake = "awake"  # awake, or awakens spontaneously
    awakens_to_voice = "awakens_to_voice"
    awakens_to_touch = "awakens_to_touch"
    unarousable = "unarousable"  # or needs vigorous/repetitive stimuli; stupor or coma


class Seizure(StrEnum):
    none = "none"
    rapid_resolving = (
        "rapid_resolving"  # any clinical seizure resolving rapidly, or EEG-only resolving
    )
    prolonged_or_repetitive = "prolonged_or_repetitive"  # > 5 min, or repetitive without return


class MotorFinding(StrEnum):
    none = "none"
    deep_focal_weakness = "deep_focal_weakness"  # hemiparesis, paraparesis


class RaisedIcp(StrEnum):
    """Raised intracranial pressure / cerebral oedema."""

    none = "none"
    focal_oedema = "focal_oedema"  # focal/local oedema on imaging
    diffuse_oedema = "diffuse_oedema"  # diffuse oedema, decerebrate/decorticate posturing,
    # cranial nerve VI palsy, papilloedema or Cushing's triad
