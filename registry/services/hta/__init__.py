"""Health-technology assessment services for economists (issue 6; DESIGN.md sections 6-7).

Each analysis reads a cohort (:mod:`registry.services.cohorts`), compares the domestic arm
(products of origin ``domestic``) with the imported arm, and stores its reproducibility record
(:func:`registry.services.workspace.record_run`): cohort definition, parameters, SHA-256 of the
input data and code version. Results are aggregates (estimates, curves, tables), never rows of
patients. The estimators live in :mod:`registry.analysis` and :mod:`registry.economics`; this
package only gathers the data and hands it over.
"""
